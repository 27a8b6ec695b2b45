//===- GradNormsTest.cpp - train --grad-norms: slots, means, table, JSON --===//
//
// The fake model's descriptor with the norm slots nnc_train_step_norms writes
// (one grad_norm per param, one [T] step_norm per scan state) parses, and
// every inconsistent variant is rejected; GradNormSums averages what the
// arena holds after each step; the table and the JSON carry those means.
//
//===----------------------------------------------------------------------===//
#include "GradNorms.h"
#include "Error.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace nnrt;
using nnrt::test::expectRejected;
using nnrt::test::replaced;

namespace {

// The fake model (FakeModel.c) as if built with --grad-norms and a scan of
// T = 3 steps with state "Fake.rnn1.h".
std::string withNorms() {
  std::string text = replaced(nnc_model_desc, "arena 576", "arena 768");
  return text + "slot grad_norm W f32 scalar 576\n"
                "slot grad_norm b f32 scalar 640\n"
                "slot step_norm Fake.rnn1.h f32 3 704\n";
}

} // namespace

TEST(GradNorms, DescriptorSlots) {
  EXPECT_FALSE(parseDescriptor(nnc_model_desc).hasGradNorms());
  ModelDesc d = parseDescriptor(withNorms());
  ASSERT_TRUE(d.hasGradNorms());
  ASSERT_EQ(d.gradNorms.size(), 2u);
  EXPECT_EQ(d.gradNorms[1].name, "b");
  EXPECT_EQ(d.gradNorms[1].offset, 640);
  ASSERT_EQ(d.stepNorms.size(), 1u);
  EXPECT_EQ(d.stepNorms[0].name, "Fake.rnn1.h");
  EXPECT_EQ(d.stepNorms[0].shape, (std::vector<int64_t>{3}));
}

struct BadNorms {
  const char *from, *to, *message;
};

class GradNormsMalformed : public ::testing::TestWithParam<BadNorms> {};

TEST_P(GradNormsMalformed, IsRejected) {
  const BadNorms &m = GetParam();
  expectRejected(replaced(withNorms(), m.from, m.to), m.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GradNormsMalformed,
    ::testing::Values(
        BadNorms{"slot grad_norm b f32 scalar 640\n", "",
                 "expected one 'slot grad_norm' per param (2), got 1"},
        BadNorms{"grad_norm b f32", "grad_norm c f32",
                 "grad_norm slot 'c' must be named as param 1 'b'"},
        BadNorms{"grad_norm b f32 scalar", "grad_norm b f32 2",
                 "grad_norm slot 'b' must be a scalar"},
        BadNorms{"grad_norm b f32", "grad_norm b i32", "must be f32"},
        BadNorms{"Fake.rnn1.h f32 3", "Fake.rnn1.h f32 1,3",
                 "step_norm slot 'Fake.rnn1.h' must be [T], got 1,3"},
        BadNorms{"slot grad_norm W f32 scalar 576\n"
                 "slot grad_norm b f32 scalar 640\n",
                 "", "'slot step_norm' records without 'slot grad_norm'"},
        BadNorms{"Fake.rnn1.h f32 3 704", "Fake.rnn1.h f32 3 640", "overlap"},
        BadNorms{"slot output out f32 4,1 512\n",
                 "slot grad_norm W f32 scalar 512\n"
                 "slot output out f32 4,1 512\n",
                 "out of order"}));

TEST(GradNorms, MeansOverSteps) {
  ModelDesc d = parseDescriptor(withNorms());
  Arena arena(d.arenaBytes);
  GradNormSums sums(d);
  auto write = [&](float w, float b, std::vector<float> h) {
    *arena.f32(d.gradNorms[0]) = w;
    *arena.f32(d.gradNorms[1]) = b;
    std::copy(h.begin(), h.end(), arena.f32(d.stepNorms[0]));
    sums.add(arena);
  };
  write(1, 0.5, {1e-6f, 1e-3f, 1});
  write(3, 0.25, {3e-6f, 3e-3f, 2});
  GradNormStats s = sums.means();
  EXPECT_EQ(s.steps, 2);
  ASSERT_EQ(s.params.size(), 2u);
  EXPECT_EQ(s.params[0].first, "W");
  EXPECT_DOUBLE_EQ(s.params[0].second, 2);
  EXPECT_DOUBLE_EQ(s.params[1].second, 0.375);
  ASSERT_EQ(s.states.size(), 1u);
  EXPECT_EQ(s.states[0].first, "Fake.rnn1.h");
  ASSERT_EQ(s.states[0].second.size(), 3u);
  EXPECT_NEAR(s.states[0].second[0], 2e-6, 1e-12);
  EXPECT_NEAR(s.states[0].second[1], 2e-3, 1e-9);
  EXPECT_DOUBLE_EQ(s.states[0].second[2], 1.5);

  EXPECT_EQ(formatGradNorms(d, s, 4),
            "grad norms, epoch 4 (means over 2 train steps, before clipping)\n"
            "  parameter  shape  ||dL/dp||\n"
            "  W          2,1    2.000e+00\n"
            "  b          1      3.750e-01\n"
            "  t     Fake.rnn1.h  (||dL/dh_t||, h_t: the state after reading "
            "x_t)\n"
            "  1     2.000e-06\n"
            "  2     2.000e-03\n"
            "  3     1.500e+00\n");

  EpochStats st;
  st.epoch = 4;
  st.gradNorms = s;
  std::string json = formatMetricsJson(st);
  EXPECT_NE(json.find(",\"grad_norms\":{\"train_steps\":2,\"params\":{\"W\":"
                      "2.0,\"b\":0.375},\"states\":{\"Fake.rnn1.h\":["),
            std::string::npos)
      << json;
  EXPECT_EQ(formatMetricsJson(EpochStats()).find("grad_norms"),
            std::string::npos);

  sums.reset();
  write(5, 1, {0, 0, 0});
  EXPECT_EQ(sums.means().steps, 1);
  EXPECT_DOUBLE_EQ(sums.means().params[0].second, 5);
}
