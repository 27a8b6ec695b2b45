//===- TrainTest.cpp - Evaluation over padded batches, training steps -----===//
//
// With the fake model (B = 4, 6 samples: one full and one half-padded batch),
// evaluate must weight the padded batch by its 2 real samples only, training
// must lower the loss and update the buffer, and hyper must carry
// [lr, t, seed mod 2^24, 0].
//
//===----------------------------------------------------------------------===//
#include "Descriptor.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace nnrt;
using namespace nnrt::test;

TEST(Evaluate, WeightsPaddedBatchByRealSamples) {
  ModelDesc d = parseDescriptor(nnc_model_desc);
  Arena a(d.arenaBytes);
  Dataset ds = tensorsDataset(d);
  // W = 0, b = 0: loss = mean(y^2) = (12.25 + 2.25 + 2.25 + 12.25 + 16 + 0)/6.
  EvalResult r = evaluate(d, fakeModel(), a, ds, 0);
  EXPECT_NEAR(r.loss, 45.0 / 6, 1e-5);
  // The exact solution W = [3, -2], b = 0.5 has zero loss.
  a.f32(d.params[0])[0] = 3;
  a.f32(d.params[0])[1] = -2;
  a.f32(d.params[1])[0] = 0.5;
  EXPECT_NEAR(evaluate(d, fakeModel(), a, ds, 0).loss, 0.0, 1e-10);
}

TEST(Train, LowersLossAndCountsSteps) {
  ModelDesc d = parseDescriptor(nnc_model_desc);
  Arena a(d.arenaBytes);
  Dataset ds = tensorsDataset(d);
  double before = evaluate(d, fakeModel(), a, ds, 0).loss;
  TrainOptions o;
  o.epochs = 5;
  o.lr = 0.1;
  o.seed = (uint64_t(5) << 24) + 3; // hyper[2] = 3
  testing::internal::CaptureStdout();
  int64_t steps = train(d, fakeModel(), a, ds, ds, o);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(steps, 10); // 2 batches per epoch
  EXPECT_EQ(a.f32(d.hyper)[1], 10.0f);
  EXPECT_FLOAT_EQ(a.f32(d.hyper)[0], 0.1f);
  EXPECT_EQ(a.f32(d.hyper)[2], 3.0f);
  EXPECT_EQ(a.f32(d.hyper)[3], 0.0f);
  // ymean started at 0 (fresh arena): the train step wrote it.
  EXPECT_NE(a.f32(d.buffers[0])[0], 0.0f);
  EXPECT_LT(evaluate(d, fakeModel(), a, ds, 0).loss, before / 2);
  EXPECT_NE(out.find("epoch 5/5  train_loss "), std::string::npos) << out;
  o.limitBatches = 1;
  o.firstEpoch = 5;
  o.step = steps;
  testing::internal::CaptureStdout();
  EXPECT_EQ(train(d, fakeModel(), a, ds, ds, o), 15);
  testing::internal::GetCapturedStdout();
}

// lrAt: constant, cosine from lr down to min over `total` steps, step decay by
// gamma every `every` epochs; train() uses it for hyper[0].
TEST(Train, LrSchedules) {
  ModelDesc d = parseDescriptor(nnc_model_desc);
  EXPECT_EQ(lrAt(d, 0.1, 7, 10, 3), 0.1);
  d.lrSchedule = "cosine";
  d.lrMin = 0.02;
  EXPECT_DOUBLE_EQ(lrAt(d, 0.1, 0, 10, 0), 0.1);
  EXPECT_DOUBLE_EQ(lrAt(d, 0.1, 5, 10, 2), 0.06);
  EXPECT_NEAR(lrAt(d, 0.1, 10, 10, 4), 0.02, 1e-15);
  EXPECT_LT(lrAt(d, 0.1, 6, 10, 3), lrAt(d, 0.1, 5, 10, 2));
  d.lrSchedule = "step";
  d.lrEvery = 2;
  d.lrGamma = 0.5;
  EXPECT_EQ(lrAt(d, 0.1, 99, 10, 1), 0.1);
  EXPECT_EQ(lrAt(d, 0.1, 0, 10, 2), 0.05);
  EXPECT_EQ(lrAt(d, 0.1, 0, 10, 5), 0.025);

  // 5 epochs of 2 steps: the last step is in epoch 4, at 0.1 * 0.5^2.
  Arena a(d.arenaBytes);
  Dataset ds = tensorsDataset(d);
  TrainOptions o;
  o.epochs = 5;
  o.lr = 0.1;
  testing::internal::CaptureStdout();
  train(d, fakeModel(), a, ds, ds, o);
  testing::internal::GetCapturedStdout();
  EXPECT_FLOAT_EQ(a.f32(d.hyper)[0], 0.025f);
  // Cosine: the last of 10 steps (t = 9) runs at min + (lr - min)(1 + cos(0.9
  // pi)) / 2.
  d.lrSchedule = "cosine";
  testing::internal::CaptureStdout();
  train(d, fakeModel(), a, ds, ds, o);
  testing::internal::GetCapturedStdout();
  EXPECT_FLOAT_EQ(a.f32(d.hyper)[0],
                  float(0.02 + 0.08 * (1 + std::cos(0.9 * M_PI)) / 2));
}

// A classifier with a label per position: out [B, T, C] = [2, 3, 4], y i32
// [B, T] (a character model's next character at every step).
static const char *kPerPosition = "nnc-model 1\n"
                                  "source s.nn\n"
                                  "model S\n"
                                  "batch 2\n"
                                  "arena 576\n"
                                  "optimizer sgd lr=0.1 momentum=0 beta1=0 "
                                  "beta2=0 eps=0\n"
                                  "train epochs=1 seed=0 classification=1\n"
                                  "data tensors\n"
                                  "dataset x 2,3,4 0 0 0 0 0 0 0 0 0 0 0 0 "
                                  "0 0 0 0 0 0 0 0 0 0 0 0\n"
                                  "dataset y 2,3 0 1 2 3 2 1\n"
                                  "slot param W f32 4,4 0\n"
                                  "init zeros\n"
                                  "slot input x f32 2,3,4 64\n"
                                  "slot target y i32 2,3 192\n"
                                  "slot weight w f32 2 256\n"
                                  "slot hyper hyper f32 4 320\n"
                                  "slot loss loss f32 scalar 384\n"
                                  "slot output out f32 2,3,4 448\n";

// countCorrect compares the argmax of every row of C logits with its label:
// out[i, t, :] with y[i, t]; a padding sample counts none of its positions.
TEST(Train, CountsCorrectPositions) {
  ModelDesc d = parseDescriptor(kPerPosition);
  EXPECT_EQ(d.classes(), 4);
  EXPECT_EQ(d.positions(), 3);
  Arena a(d.arenaBytes);
  // argmax per row: sample 0: 0, 1, 1; sample 1: 3, 2, 0.
  const float out[2][3][4] = {{{5, 1, 2, 3}, {0, 4, 1, 1}, {0, 2, 1, 1}},
                              {{0, 1, 2, 9}, {1, 0, 7, 6}, {8, 1, 0, 0}}};
  const int32_t y[2][3] = {{0, 1, 2}, {3, 2, 1}};
  std::memcpy(a.f32(d.out), out, sizeof out);
  std::memcpy(a.i32(d.y), y, sizeof y);
  EXPECT_EQ(countCorrect(d, a, 2), 4); // 2 of sample 0, 2 of sample 1
  EXPECT_EQ(countCorrect(d, a, 1), 2); // sample 1 is padding
}
