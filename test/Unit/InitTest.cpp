//===- InitTest.cpp - Seeded initialisation and shuffling -----------------===//
//
// The same seed gives the same parameters and epoch orders; another seed
// gives others; each init kind produces what its record says.
//
//===----------------------------------------------------------------------===//
#include "Init.h"
#include "Error.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace nnrt;

static const char *kInits = "nnc-model 1\n"
                            "model I\n"
                            "batch 1\n"
                            "arena 65536\n"
                            "optimizer momentum lr=0.1 momentum=0.9 beta1=0 "
                            "beta2=0 eps=0\n"
                            "train epochs=1 seed=0 classification=0\n"
                            "data fashion_mnist /x\n"
                            "slot param U f32 4000 0\n"
                            "init uniform -2 3\n"
                            "slot param N f32 4000 16000\n"
                            "init normal 1 0.5\n"
                            "slot param C f32 3 32000\n"
                            "init const 0.75\n"
                            "slot param L f32 2 32064\n"
                            "init literal 1.5 -2\n"
                            "slot state U.v f32 4000 32128\n"
                            "slot state N.v f32 4000 48128\n"
                            "slot state C.v f32 3 64128\n"
                            "slot state L.v f32 2 64192\n"
                            "slot input x f32 1,1 64256\n"
                            "slot target y f32 1,1 64320\n"
                            "slot weight w f32 1 64384\n"
                            "slot hyper hyper f32 4 64448\n"
                            "slot loss loss f32 scalar 64512\n"
                            "slot output out f32 1,1 64576\n";

static std::vector<float> values(Arena &a, const Slot &s) {
  return {a.f32(s), a.f32(s) + s.numel()};
}

TEST(Init, EachKind) {
  ModelDesc d = parseDescriptor(kInits);
  Arena a(d.arenaBytes);
  std::fill(a.f32(d.state[0]), a.f32(d.state[0]) + 4000, 5.0f);
  initParams(d, a, 1);
  std::vector<float> u = values(a, d.params[0]), n = values(a, d.params[1]);
  EXPECT_GE(*std::min_element(u.begin(), u.end()), -2.0f);
  EXPECT_LT(*std::max_element(u.begin(), u.end()), 3.0f);
  double mean = 0, var = 0;
  for (float v : n)
    mean += v / 4000.0;
  for (float v : n)
    var += (v - mean) * (v - mean) / 4000.0;
  // 4000 draws: standard error of the mean 0.008, of the std ~0.006.
  EXPECT_NEAR(mean, 1.0, 0.04);
  EXPECT_NEAR(std::sqrt(var), 0.5, 0.03);
  EXPECT_EQ(values(a, d.params[2]), (std::vector<float>{0.75, 0.75, 0.75}));
  EXPECT_EQ(values(a, d.params[3]), (std::vector<float>{1.5, -2}));
  std::vector<float> state = values(a, d.state[0]);
  EXPECT_TRUE(
      std::all_of(state.begin(), state.end(), [](float v) { return v == 0; }));
}

TEST(Init, DeterministicForSeed) {
  ModelDesc d = parseDescriptor(kInits);
  Arena a(d.arenaBytes), b(d.arenaBytes), c(d.arenaBytes);
  initParams(d, a, 123);
  initParams(d, b, 123);
  initParams(d, c, 124);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(values(a, d.params[k]), values(b, d.params[k]));
    EXPECT_NE(values(a, d.params[k]), values(c, d.params[k]));
  }
}

TEST(Shuffle, DeterministicPermutation) {
  std::vector<int64_t> o = epochOrder(1000, 5, 0);
  EXPECT_EQ(o, epochOrder(1000, 5, 0));
  EXPECT_NE(o, epochOrder(1000, 5, 1));
  EXPECT_NE(o, epochOrder(1000, 6, 0));
  std::vector<int64_t> sorted = o;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i)
    ASSERT_EQ(sorted[i], i);
  int64_t fixed = 0;
  for (int64_t i = 0; i < 1000; ++i)
    fixed += o[i] == i;
  EXPECT_LT(fixed, 10); // a real shuffle moves almost everything
}
