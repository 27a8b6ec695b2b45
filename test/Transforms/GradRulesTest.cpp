//===- GradRulesTest.cpp - The multi-result contract of nn-autodiff -------===//
//
// A gradient rule receives the adjoint of each result of its op, null for a
// result that does not reach the loss, and is called when any result has one.
// No nn op with two results is differentiated yet, so the test registers a
// rule of its own for nn.momentum_update (results p_new, v_new) next to the
// real loss and elementwise rules, builds the train step of a @loss in which
// only p_new, only v_new, both or neither reach the loss, and checks what the
// rule saw and the gradient it produced: dp = dyOrZeros(0) + dyOrZeros(1),
// with zeros standing in for the missing adjoint.
//
//===----------------------------------------------------------------------===//

#include "CheckNumerics.h"
#include "Grad/GradRules.h"

#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>
#include <string>

using namespace mlir;
using namespace nnc;
using namespace nnc::grad;

namespace {

/// What the test rule saw: calls, and for each result whether it had an
/// adjoint.
struct Seen {
  int calls = 0;
  bool dy0 = false, dy1 = false;
};

/// @loss with %r:2 = nn.momentum_update of the parameter %p; `body` computes
/// %loss and %out from %r#0, %r#1 and the data %x, %w.
std::string lossModule(const std::string &body) {
  return R"mlir(
func.func private @loss(%p: tensor<2xf32>, %x: tensor<2xf32>, %w: tensor<2xf32>,
                        %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<2xf32>) {
  %r:2 = nn.momentum_update %p, %x, %x, %hyper {momentum = 0.5 : f32}
      : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<4xf32> -> tensor<2xf32>, tensor<2xf32>
)mlir" + body +
         R"mlir(
  return %loss, %out : tensor<f32>, tensor<2xf32>
}
func.func private @train_step(tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}
)mlir";
}

class GradRulesTest : public ::testing::Test {
protected:
  GradRulesTest() {
    registry.insert<nn::NNDialect, func::FuncDialect, arith::ArithDialect>();
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
    populateElementwiseGradRules(rules);
    populateLossGradRules(rules);
    // A made-up rule: dp = dp_new + dv_new, each zeros when null.
    rules.add<nn::MomentumUpdateOp>([this](auto, GradContext &c) {
      ++seen.calls;
      seen.dy0 = static_cast<bool>(c.dy(0));
      seen.dy1 = static_cast<bool>(c.dy(1));
      c.d(0, [&] {
        return c.emit<nn::AddOp>(c.ty(0), {c.dyOrZeros(0), c.dyOrZeros(1)});
      });
      return success();
    });
  }

  /// Builds the train step of lossModule(body) and returns the value it
  /// returns as the new parameter (result 2).
  Value build(const std::string &body) {
    module = parseSourceString<ModuleOp>(lossModule(body), &ctx);
    EXPECT_TRUE(module);
    if (!module)
      return {};
    auto train = module->lookupSymbol<func::FuncOp>("train_step");
    NumericsTable table;
    EXPECT_TRUE(succeeded(buildTrainStep(train, rules, table)));
    EXPECT_TRUE(succeeded(verify(*module)));
    return train.getBody().front().getTerminator()->getOperand(2);
  }

  /// The two terms of the gradient the rule gave p: sgd_update(p, dp_new +
  /// dv_new).
  std::pair<Value, Value> terms(Value newP) {
    auto update = newP.getDefiningOp<nn::SgdUpdateOp>();
    EXPECT_TRUE(update);
    if (!update)
      return {};
    auto sum = update->getOperand(1).getDefiningOp<nn::AddOp>();
    EXPECT_TRUE(sum);
    if (!sum)
      return {};
    return {sum->getOperand(0), sum->getOperand(1)};
  }

  static bool isZeros(Value v) {
    auto cst = v.getDefiningOp<arith::ConstantOp>();
    auto dense = cst ? dyn_cast<DenseElementsAttr>(cst.getValue()) : nullptr;
    return dense && v.getType() == cst.getType() && dense.isSplat() &&
           dense.getSplatValue<float>() == 0.0f;
  }

  DialectRegistry registry;
  MLIRContext ctx;
  GradRuleSet rules;
  OwningOpRef<ModuleOp> module;
  Seen seen;
};

TEST_F(GradRulesTest, OnlyFirstResultReachesLoss) {
  Value newP = build(R"mlir(
  %loss = nn.weighted_mean %r#0, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  %out = nn.neg %r#1 : tensor<2xf32>)mlir");
  EXPECT_EQ(seen.calls, 1);
  EXPECT_TRUE(seen.dy0);
  EXPECT_FALSE(seen.dy1);
  auto [dy0, dy1] = terms(newP);
  ASSERT_TRUE(dy0 && dy1);
  EXPECT_TRUE(dy0.getDefiningOp<nn::WeightedMeanGradOp>());
  EXPECT_TRUE(isZeros(dy1));
}

TEST_F(GradRulesTest, OnlySecondResultReachesLoss) {
  Value newP = build(R"mlir(
  %loss = nn.weighted_mean %r#1, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  %out = nn.neg %r#0 : tensor<2xf32>)mlir");
  EXPECT_EQ(seen.calls, 1);
  EXPECT_FALSE(seen.dy0);
  EXPECT_TRUE(seen.dy1);
  auto [dy0, dy1] = terms(newP);
  ASSERT_TRUE(dy0 && dy1);
  EXPECT_TRUE(isZeros(dy0));
  EXPECT_TRUE(dy1.getDefiningOp<nn::WeightedMeanGradOp>());
}

TEST_F(GradRulesTest, BothResultsReachLoss) {
  Value newP = build(R"mlir(
  %s = nn.add %r#0, %r#1 : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %s, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  %out = nn.neg %s : tensor<2xf32>)mlir");
  EXPECT_EQ(seen.calls, 1);
  EXPECT_TRUE(seen.dy0);
  EXPECT_TRUE(seen.dy1);
  auto [dy0, dy1] = terms(newP);
  ASSERT_TRUE(dy0 && dy1);
  // nn.add passes ds on unchanged to both of its operands.
  EXPECT_TRUE(dy0.getDefiningOp<nn::WeightedMeanGradOp>());
  EXPECT_EQ(dy0, dy1);
}

TEST_F(GradRulesTest, NoResultReachesLoss) {
  // The op is off the path: its rule is not called and p is returned as is.
  Value newP = build(R"mlir(
  %loss = nn.weighted_mean %x, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  %out = nn.add %r#0, %r#1 : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>)mlir");
  EXPECT_EQ(seen.calls, 0);
  auto p = dyn_cast_or_null<BlockArgument>(newP);
  ASSERT_TRUE(p);
  EXPECT_EQ(p.getArgNumber(), 0u);
}

} // namespace
