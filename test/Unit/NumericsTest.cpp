//===- NumericsTest.cpp - Stop at the first non-finite value --------------===//
//
// The numerics slot of a model built with --check-numerics parses (and a
// wrong one is rejected); checkStepNumerics stops on a set code with the
// table's line (forward op with source and caret, backward op, optimizer
// update named by its parameter) and, without a code, on a NaN or infinite
// loss; a finite step passes.
//
//===----------------------------------------------------------------------===//
#include "Numerics.h"
#include "Error.h"
#include "TestUtil.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>

using namespace nnrt;
using nnrt::test::expectRejected;
using nnrt::test::replaced;

namespace {

// The fake model (FakeModel.c) as if built with --check-numerics.
std::string withNumerics(const std::string &slot = "i32 scalar 576") {
  return replaced(nnc_model_desc, "arena 576", "arena 640") +
         "slot numerics code " + slot + "\n";
}

const char *kTable =
    "forward\tmatmul\t-\tm.nn\t4\t7\t  h = dense(x, 4)\n"
    "forward\tlog\t-\tm.nn\t5\t16\t  return dense(log(h), 2)\n"
    "backward\tdiv\t-\tm.nn\t5\t16\t  return dense(log(h), 2)\n"
    "update\tadam_update\t1\tm.nn\t1\t1\tmodel M(x: f32[B, 2]) -> f32[B, 1] "
    "{\n";

std::string stopMessage(ModelDesc &d, Arena &arena, int32_t code, float loss) {
  *arena.i32(d.numerics) = code;
  *arena.f32(d.loss) = loss;
  try {
    checkStepNumerics(d, kTable, arena, d.loss, 12);
  } catch (const RunError &e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST(Numerics, DescriptorSlot) {
  EXPECT_TRUE(parseDescriptor(nnc_model_desc).numerics.name.empty());
  ModelDesc d = parseDescriptor(withNumerics());
  EXPECT_EQ(d.numerics.name, "code");
  EXPECT_EQ(d.numerics.offset, 576);
  expectRejected(withNumerics("f32 scalar 576"),
                 "numerics slot 'code' must be an i32 scalar");
  expectRejected(withNumerics("i32 2 576"),
                 "numerics slot 'code' must be an i32 scalar");
  expectRejected(withNumerics("i32 scalar 512"), "overlap");
}

TEST(Numerics, NamesTheFirstNonFiniteOp) {
  ModelDesc d = parseDescriptor(withNumerics());
  Arena arena(d.arenaBytes);
  EXPECT_EQ(stopMessage(d, arena, 0, 0.5f), "");
  EXPECT_EQ(stopMessage(d, arena, 2 * 2, 0.5f),
            "m.nn:5:16: log produced NaN at step 12\n"
            "    return dense(log(h), 2)\n"
            "                 ^");
  EXPECT_EQ(stopMessage(d, arena, 2 * 1 + 1, NAN),
            "m.nn:4:7: matmul produced an infinity at step 12\n"
            "    h = dense(x, 4)\n"
            "        ^");
  EXPECT_EQ(stopMessage(d, arena, 2 * 3, NAN).substr(0, 60),
            "m.nn:5:16: the gradient computation (div) produced NaN at st");
  std::string update = stopMessage(d, arena, 2 * 4 + 1, 0.5f);
  EXPECT_NE(update.find("m.nn:1:1: the adam_update of b produced an infinity "
                        "at step 12"),
            std::string::npos)
      << update;
  EXPECT_NE(stopMessage(d, arena, 2 * 9, 0.5f).find("no such check"),
            std::string::npos);
}

TEST(Numerics, StopsAtANonFiniteLoss) {
  ModelDesc d = parseDescriptor(nnc_model_desc);
  Arena arena(d.arenaBytes);
  auto message = [&](float loss) -> std::string {
    *arena.f32(d.loss) = loss;
    try {
      checkStepNumerics(d, nullptr, arena, d.loss, 3);
    } catch (const RunError &e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message(1.5f), "");
  EXPECT_EQ(message(NAN).substr(0, 44),
            "the training loss is NaN at step 3; the run ");
  EXPECT_EQ(message(-std::numeric_limits<float>::infinity()).substr(0, 39),
            "the training loss is infinite at step 3");
}
