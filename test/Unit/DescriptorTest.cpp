//===- DescriptorTest.cpp - Parsing and validating model descriptors ------===//
//
// The fake model's descriptor parses into the expected fields; each malformed
// variant (one line changed) is rejected with a message naming the problem.
//
//===----------------------------------------------------------------------===//
#include "Descriptor.h"
#include "Error.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace nnrt;
using nnrt::test::expectRejected;
using nnrt::test::replaced;

TEST(Descriptor, ParsesFakeModel) {
  ModelDesc d = parseDescriptor(nnc_model_desc);
  EXPECT_EQ(d.model, "Fake");
  EXPECT_EQ(d.source, "fake.nn");
  EXPECT_EQ(d.batch, 4);
  EXPECT_EQ(d.arenaBytes, 576);
  EXPECT_EQ(d.optimizer, "sgd");
  EXPECT_FLOAT_EQ(d.lr, 0.1);
  EXPECT_EQ(d.epochs, 2);
  EXPECT_EQ(d.seed, 7);
  EXPECT_FALSE(d.classification);
  EXPECT_TRUE(d.tensorsData);
  EXPECT_EQ(d.dataRows, 6);
  ASSERT_EQ(d.dataX.size(), 12u);
  EXPECT_EQ(d.dataX[7], 0.5f);
  ASSERT_EQ(d.params.size(), 2u);
  EXPECT_EQ(d.params[0].name, "W");
  EXPECT_EQ(d.params[0].shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(d.params[0].init.kind, InitSpec::Uniform);
  EXPECT_EQ(d.params[0].init.a, -0.5);
  EXPECT_EQ(d.params[1].init.kind, InitSpec::Zeros);
  ASSERT_EQ(d.buffers.size(), 1u);
  EXPECT_EQ(d.buffers[0].name, "ymean");
  EXPECT_EQ(d.buffers[0].role, "buffer");
  EXPECT_EQ(d.buffers[0].shape, (std::vector<int64_t>{1}));
  EXPECT_EQ(d.buffers[0].offset, 128);
  EXPECT_EQ(d.buffers[0].init.kind, InitSpec::Const);
  EXPECT_EQ(d.buffers[0].init.a, 1);
  ASSERT_EQ(d.persistent().size(), 3u); // W, b, ymean
  EXPECT_EQ(d.persistent()[2], &d.buffers[0]);
  EXPECT_EQ(d.x.offset, 192);
  EXPECT_EQ(d.x.perSample(), 2);
  EXPECT_TRUE(d.loss.shape.empty());
  EXPECT_EQ(d.out.shape, (std::vector<int64_t>{4, 1}));
}

// An Adam classifier with literal init and two state slots per param.
static const char *kAdam = "nnc-model 1\n"
                           "source a.nn\n"
                           "model C\n"
                           "batch 2\n"
                           "arena 1024\n"
                           "optimizer adam lr=0.001 momentum=0.9 beta1=0.9 "
                           "beta2=0.999 eps=1e-08\n"
                           "train epochs=1 seed=0 classification=1\n"
                           "data tensors\n"
                           "dataset x 2,3 1 2 3 4 5 6\n"
                           "dataset y 2 0 1\n"
                           "slot param W f32 3,2 0\n"
                           "init literal 1 2 3 4 5 6\n"
                           "slot state W.m f32 3,2 64\n"
                           "slot state W.v f32 3,2 128\n"
                           "slot input x f32 2,3 192\n"
                           "slot target y i32 2 256\n"
                           "slot weight w f32 2 320\n"
                           "slot hyper hyper f32 4 384\n"
                           "slot loss loss f32 scalar 448\n"
                           "slot output out f32 2,2 512\n";

TEST(Descriptor, ParsesAdamClassifier) {
  ModelDesc d = parseDescriptor(kAdam);
  EXPECT_TRUE(d.classification);
  EXPECT_EQ(d.classes(), 2);
  ASSERT_EQ(d.state.size(), 2u);
  EXPECT_EQ(d.state[1].name, "W.v");
  EXPECT_EQ(d.params[0].init.values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(d.y.dtype, DType::I32);
  EXPECT_EQ(d.persistent().size(), 3u);
}

// Buffers come after the optimizer state, in a model without a train section
// too (batch norm running statistics used by predict).
TEST(Descriptor, ParsesBuffersAfterStateAndWithoutTrainSection) {
  std::string text = replaced(kAdam, "slot input x",
                              "slot buffer bn.var f32 2 576\n"
                              "init const 1\n"
                              "slot input x");
  text = replaced(text, "arena 1024", "arena 1088");
  ModelDesc d = parseDescriptor(text);
  ASSERT_EQ(d.buffers.size(), 1u);
  EXPECT_EQ(d.buffers[0].offset, 576);
  EXPECT_EQ(d.persistent().size(), 4u); // W, W.m, W.v, bn.var
  EXPECT_EQ(d.persistent()[3]->name, "bn.var");

  ModelDesc p = parseDescriptor("nnc-model 1\n"
                                "source p.nn\n"
                                "model P\n"
                                "batch 1\n"
                                "arena 320\n"
                                "slot param W f32 2 0\n"
                                "init zeros\n"
                                "slot buffer mean f32 2 64\n"
                                "init zeros\n"
                                "slot input x f32 1,2 128\n"
                                "slot hyper hyper f32 4 192\n"
                                "slot output out f32 1,2 256\n");
  EXPECT_FALSE(p.trainable());
  ASSERT_EQ(p.buffers.size(), 1u);
  EXPECT_EQ(p.buffers[0].name, "mean");
}

// `lr_schedule` is optional (constant when absent) and parsed when present.
TEST(Descriptor, ParsesLrSchedule) {
  EXPECT_EQ(parseDescriptor(kAdam).lrSchedule, "constant");
  ModelDesc d = parseDescriptor(
      replaced(kAdam, "train epochs",
               "lr_schedule step min=0.5 every=3 gamma=0.25\ntrain epochs"));
  EXPECT_EQ(d.lrSchedule, "step");
  EXPECT_EQ(d.lrMin, 0.5);
  EXPECT_EQ(d.lrEvery, 3);
  EXPECT_EQ(d.lrGamma, 0.25);
}

struct Malformed {
  const char *from, *to, *message;
};

class DescriptorMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(DescriptorMalformed, IsRejected) {
  const Malformed &m = GetParam();
  expectRejected(replaced(nnc_model_desc, m.from, m.to), m.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DescriptorMalformed,
    ::testing::Values(
        Malformed{"nnc-model 1", "nnc-model 2",
                  "line 1: expected 'nnc-model 1'"},
        Malformed{"batch 4", "batch four", "line 4: expected an integer"},
        Malformed{"batch 4", "batch -4", "line 4: 'batch' must be positive"},
        Malformed{"batch 4", "batch  4", "empty field"},
        Malformed{"batch 4\n", "batch 4\n\n", "line 5: empty line"},
        Malformed{"arena 576", "arena 576\nbatch 4", "duplicate 'batch'"},
        Malformed{"model Fake", "modle Fake", "unknown record 'modle'"},
        Malformed{"sgd lr=0.1", "sgd lr=0.1x", "expected a finite number"},
        Malformed{"sgd lr=0.1", "rmsprop lr=0.1", "unknown optimizer"},
        Malformed{"lr=0.1 momentum", "rate=0.1 momentum",
                  "expected 'lr=<value>'"},
        Malformed{"beta2=0 eps=0\n",
                  "beta2=0 eps=0\nlr_schedule linear min=0 every=1 gamma=1\n",
                  "unknown lr_schedule 'linear'"},
        Malformed{"beta2=0 eps=0\n",
                  "beta2=0 eps=0\nlr_schedule step min=0 every=1 gamma=0\n",
                  "gamma in (0, 1]"},
        Malformed{"beta2=0 eps=0\n",
                  "beta2=0 eps=0\nlr_schedule step min=0 every=0 gamma=1\n",
                  "every >= 1"},
        Malformed{"beta2=0 eps=0\n", "beta2=0 eps=0\nlr_schedule cosine\n",
                  "'lr_schedule' expects 4 fields, got 1"},
        Malformed{"classification=0", "classification=2",
                  "classification must be 0 or 1"},
        Malformed{"data tensors", "data csv", "expected 'data tensors'"},
        Malformed{"0 1 1 1 -1", "0 1 1 1", "dataset x has 11 values"},
        Malformed{"dataset y 6,1 3.5 -1.5 1.5 -3.5 4 0",
                  "dataset y 5,1 3.5 -1.5 1.5 -3.5 4",
                  "different numbers of rows"},
        Malformed{"init uniform -0.5 0.5\n", "", "expected 'init' after"},
        Malformed{"init zeros", "init zeros\ninit zeros",
                  "'init' must follow a 'slot param'"},
        Malformed{"init zeros", "init literal 1 2", "has 2 values"},
        Malformed{"init zeros", "init gaussian 0 1", "unknown init kind"},
        Malformed{"init uniform -0.5 0.5", "init uniform 0.5 -0.5",
                  "uniform low > high"},
        Malformed{"f32 2,1 0", "f32 2,1 32", "not 64-byte aligned"},
        Malformed{"f32 2,1 0", "f32 2,0 0", "bad dimension"},
        Malformed{"f32 2,1 0", "f64 2,1 0", "unknown dtype 'f64'"},
        Malformed{"scalar 448", "scalar 576", "ends past the arena"},
        Malformed{"f32 1 64", "f32 1 0", "overlap"},
        Malformed{"slot param b", "slot bias b", "unknown slot role"},
        Malformed{"slot loss loss f32 scalar 448\n", "", "missing 'slot loss'"},
        // Every descriptor has the hyper slot (all entry points read it).
        Malformed{"slot hyper hyper f32 4 384\n", "", "missing 'slot hyper'"},
        Malformed{"slot hyper hyper f32 4", "slot hyper hyper f32 3",
                  "hyper slot must be f32 [4]"},
        Malformed{"slot input x f32 4,2", "slot input x f32 2,4",
                  "must have shape [B=4"},
        Malformed{"slot input x f32 4,2 192\n",
                  "slot input x f32 4,2 192\nslot param c f32 1 192\n",
                  "out of order"},
        // Buffers: after params and state, before x; f32; an init each; their
        // own space and name.
        Malformed{"init const 1\n", "",
                  "line 16: expected 'init' after 'slot buffer'"},
        Malformed{"slot buffer ymean f32", "slot buffer ymean i32",
                  "buffer 'ymean' must be f32"},
        Malformed{"slot buffer ymean f32 1 128\ninit const 1\n"
                  "slot input x f32 4,2 192\n",
                  "slot input x f32 4,2 192\n"
                  "slot buffer ymean f32 1 128\ninit const 1\n",
                  "slot role 'buffer' out of order"},
        Malformed{"ymean f32 1 128", "ymean f32 1 64", "overlap"},
        Malformed{"ymean f32 1 128", "W f32 1 128", "duplicate slot name 'W'"},
        Malformed{"init const 1", "init const one", "expected a finite number"},
        Malformed{"optimizer sgd", "optimizer momentum",
                  "needs 2 state slots, got 0"}));

TEST(Descriptor, RejectsWrongStateName) {
  std::string text = replaced(kAdam, "W.v f32", "W.q f32");
  EXPECT_THROW(parseDescriptor(text), Error);
  try {
    parseDescriptor(text);
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("missing optimizer state slot 'W.v'"),
              std::string::npos)
        << e.what();
  }
}

TEST(Descriptor, RejectsLabelOutOfRange) {
  std::string text = replaced(kAdam, "dataset y 2 0 1", "dataset y 2 0 2");
  EXPECT_THROW(parseDescriptor(text), Error);
}

TEST(Descriptor, RejectsEmptyText) { EXPECT_THROW(parseDescriptor(""), Error); }

// Classification takes labels of out's shape without its last dim: [B] for
// out [B, C], [B, T] for out [B, T, C]; any other pairing is rejected.
TEST(Descriptor, ClassificationLabelShapes) {
  std::string seq = replaced(kAdam, "slot output out f32 2,2 512",
                             "slot output out f32 2,3,2 512");
  ModelDesc d =
      parseDescriptor(replaced(replaced(seq, "y i32 2 256", "y i32 2,3 256"),
                               "dataset y 2 0 1", "dataset y 2,3 0 1 1 1 0 0"));
  EXPECT_EQ(d.classes(), 2);
  EXPECT_EQ(d.positions(), 3);
  EXPECT_EQ(parseDescriptor(kAdam).positions(), 1);
  // y [B] or y [B, 2] with out [B, 3, 2].
  std::string perSample = seq;
  std::string twoSteps = replaced(replaced(seq, "y i32 2 256", "y i32 2,2 256"),
                                  "dataset y 2 0 1", "dataset y 2,2 0 1 1 1");
  for (const std::string &bad : {perSample, twoSteps}) {
    try {
      parseDescriptor(bad);
      FAIL() << "accepted: " << bad;
    } catch (const Error &e) {
      EXPECT_NE(std::string(e.what()).find(
                    "classification needs output [B, C] and i32 labels y [B]"),
                std::string::npos)
          << e.what();
    }
  }
}

// Two training steps (a GAN's D then G): each its own loss slot and state.
static const char *kSteps = "nnc-model 1\n"
                            "source g.nn\n"
                            "model GAN\n"
                            "batch 2\n"
                            "arena 1024\n"
                            "optimizer sgd lr=0.01 momentum=0.9 beta1=0.9 "
                            "beta2=0.999 eps=1e-08\n"
                            "train epochs=1 seed=0 classification=0\n"
                            "step D entry=0 repeat=5 optimizer=momentum "
                            "lr=0.1 clip_weights=0.01\n"
                            "step G entry=1 repeat=1 optimizer=sgd lr=0.2 "
                            "clip_weights=0\n"
                            "data tensors\n"
                            "dataset x 2,3 1 2 3 4 5 6\n"
                            "dataset y 2 0 1\n"
                            "slot param W f32 3,2 0\n"
                            "init literal 1 2 3 4 5 6\n"
                            "slot state D/W.v f32 3,2 64\n"
                            "slot input x f32 2,3 128\n"
                            "slot target y f32 2 192\n"
                            "slot weight w f32 2 256\n"
                            "slot hyper hyper f32 4 320\n"
                            "slot loss D f32 scalar 384\n"
                            "slot loss G f32 scalar 448\n"
                            "slot output out f32 2,3 512\n"
                            "slot sample sample f32 2,4 576\n";

TEST(Descriptor, ParsesSteps) {
  ModelDesc d = parseDescriptor(kSteps);
  ASSERT_EQ(d.steps.size(), 2u);
  EXPECT_EQ(d.steps[0].name, "D");
  EXPECT_EQ(d.steps[0].repeat, 5);
  EXPECT_EQ(d.steps[0].optimizer, "momentum");
  EXPECT_DOUBLE_EQ(d.steps[0].clipWeights, 0.01);
  EXPECT_EQ(d.steps[1].loss.offset, 448);
  EXPECT_EQ(d.loss.offset, 384);
  EXPECT_EQ(d.sample.shape, std::vector<int64_t>({2, 4}));
  EXPECT_TRUE(d.encode.name.empty());
}

TEST(Descriptor, RejectsMalformedSteps) {
  expectRejected(replaced(kSteps, "entry=1", "entry=3"), "must be the step's");
  expectRejected(replaced(kSteps, "repeat=5", "repeat=0"), "at least 1");
  expectRejected(replaced(kSteps, "slot loss G", "slot loss H"),
                 "loss slot 'H' does not name the next step");
  expectRejected(replaced(kSteps, "slot loss G f32 scalar 448\n", ""),
                 "step 'G' has no loss slot");
  expectRejected(replaced(kSteps, "D/W.v", "G/W.v"),
                 "missing optimizer state slot 'D/W.v'");
  expectRejected(replaced(kSteps, "optimizer=sgd", "optimizer=rms"),
                 "optimizer");
  expectRejected(replaced(kSteps, "sample f32 2,4", "sample f32 3,4"),
                 "must have shape [B=2");
}
