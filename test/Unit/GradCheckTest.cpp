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

#include <algorithm>
#include <cmath>

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

// L(x) = 2 + a (x - x0) + J relu(x - x0 - d) in f32: a ReLU whose input
// crosses zero at offset d from x0, the situation of issue 17. Wherever the
// kink lies (within the steps h, h/2, h/4 or outside them), the correct slope
// at x0 (a, or a + J right of the kink; relu'(0) = 0) never FAILs; elements
// the differences cannot settle are NonSmooth.
TEST(GradCheck, KinksNeverFailACorrectGradient) {
  int verdicts[3] = {0, 0, 0};
  for (float x0 : {0.3f, -1.7f, 40.0f})
    for (double a : {0.01, -0.2, 1.5})
      for (double jump : {0.003, -0.05, 0.4, 30.0}) {
        const double h = 1e-2 * std::max(1.0, std::fabs(double(x0)));
        for (int k = -300; k <= 300; ++k) {
          const double d = 1.5 * h * k / 300;
          auto lossAt = [&](float x) {
            double t = double(x) - double(x0);
            return double(float(2 + a * t + jump * std::max(0.0, t - d)));
          };
          double slope = d < 0 ? a + jump : a;
          ElementCheck e = checkElement(slope, x0, 2, lossAt);
          ++verdicts[int(e.verdict)];
          ASSERT_NE(e.verdict, Verdict::Fail)
              << "x0 " << x0 << " a " << a << " J " << jump << " d/h " << d / h
              << ": numeric " << e.numeric;
        }
      }
  // Most kinks are settled by a smaller step or lie outside the step.
  EXPECT_GT(verdicts[int(Verdict::Ok)], 4 * verdicts[int(Verdict::NonSmooth)]);
}

// A smooth loss: the right slope is Ok, the slope with its sign flipped
// FAILs at every point where it differs from the right one by more than the
// tolerance (|2 g| > 1e-3 max(1, |L|) + 1e-2 |g|); so do NaNs.
TEST(GradCheck, SmoothLossFailsAFlippedGradient) {
  for (int k = 0; k < 200; ++k) {
    const float x0 = -2 + 0.02f * k;
    auto lossAt = [](float x) {
      return double(float(2.3 + 0.5 * std::sin(3 * double(x))));
    };
    const double g = 1.5 * std::cos(3 * double(x0));
    EXPECT_EQ(checkElement(g, x0, 2.3, lossAt).verdict, Verdict::Ok) << x0;
    if (2 * std::fabs(g) > 2.3e-3 + 1e-2 * std::fabs(g))
      EXPECT_EQ(checkElement(-g, x0, 2.3, lossAt).verdict, Verdict::Fail) << x0;
  }
  // Not a number is never a kink.
  auto line = [](float x) { return double(x); };
  EXPECT_EQ(checkElement(NAN, 0.5f, 1, line).verdict, Verdict::Fail);
  auto nanRight = [](float x) { return x > 0.5f ? NAN : double(x); };
  EXPECT_EQ(checkElement(1, 0.5f, 1, nanRight).verdict, Verdict::Fail);
}
