//===- GradCheckTest.cpp - Finite differences of the train-mode loss ------===//
//
// gradCheck differentiates nnc_train_loss (train mode: the fake model drops a
// sample chosen by hyper[1], hyper[2]) with the step's hyper: it passes on the
// fake model, fails when the eval-mode loss stands in for the train-mode one
// (so it cannot be comparing against eval mode by accident), and leaves the
// params and the buffer as they were although the step wrote both.
//
//===----------------------------------------------------------------------===//
#include "GradCheck.h"
#include "Init.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace nnrt;
using namespace nnrt::test;

namespace {

bool check(EntryPoints ep, uint64_t seed, Arena &a, const ModelDesc &d) {
  Dataset ds = tensorsDataset(d);
  testing::internal::CaptureStdout();
  bool pass = gradCheck(d, ep, a, ds, 20, seed);
  testing::internal::GetCapturedStdout();
  return pass;
}

} // namespace

TEST(GradCheck, UsesTrainModeLossWithTheStepsHyper) {
  ModelDesc d = parseDescriptor(nnc_model_desc);
  Arena a(d.arenaBytes);
  initParams(d, a, 7);
  std::vector<float> before(a.f32(d.params[0]), a.f32(d.params[0]) + 2);
  EXPECT_TRUE(check(fakeModel(), 7, a, d));
  EXPECT_TRUE(check(fakeModel(), 2, a, d));
  EXPECT_EQ(a.f32(d.hyper)[2], 2.0f);
  EXPECT_EQ(std::vector<float>(a.f32(d.params[0]), a.f32(d.params[0]) + 2),
            before);
  EXPECT_EQ(a.f32(d.buffers[0])[0], 1.0f);

  EntryPoints evalMode = fakeModel();
  evalMode.trainLoss = nnc_eval_step;
  EXPECT_FALSE(check(evalMode, 7, a, d));
}
