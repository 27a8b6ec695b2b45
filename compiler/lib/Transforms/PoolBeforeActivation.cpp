//===- PoolBeforeActivation.cpp - nn-pool-before-activation -----*- C++ -*-===//
//
// max_pool(relu(x + b)) = relu(max_pool(x) + b) for a bias b broadcast over
// the channels: max commutes with the monotonic relu and with adding the
// same value to every element of a window (rounding is monotonic too, so the
// values are bitwise equal). The bias add and the relu then run on the
// pooled tensor (4x smaller for a 2x2 pool), and after autodiff their
// gradients too, while the pool's gradient no longer passes through a ReLU
// gradient of the full-size tensor. Runs before nn-autodiff, on every
// function; the relu (and add) must have no other use.
//
//===----------------------------------------------------------------------===//
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Dialect/NN/NNOps.h"
#include "nnc/Transforms/Passes.h"

namespace nnc {
#define GEN_PASS_DEF_POOLBEFOREACTIVATION
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;

namespace {

/// x + b for a bias b [C] of x's last (channel) axis, read only by its user.
bool isOnlyChannelBias(nn::AddOp add) {
  auto b = cast<RankedTensorType>(add.getB().getType());
  int64_t c = cast<RankedTensorType>(add.getType()).getShape().back();
  return add->hasOneUse() && add.getA().getType() == add.getType() &&
         b.getRank() == 1 && b.getDimSize(0) == c;
}

// max_pool(relu(add(x, b))) => relu(add(max_pool(x), b)), b : [C]
// max_pool(relu(x))         => relu(max_pool(x))
struct PoolBeforeRelu : OpRewritePattern<nn::MaxPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nn::MaxPoolOp pool,
                                PatternRewriter &rewriter) const override {
    auto relu = pool.getX().getDefiningOp<nn::ReluOp>();
    if (!relu || !relu->hasOneUse())
      return failure();
    Value x = relu.getX();
    auto add = x.getDefiningOp<nn::AddOp>();
    if (add && !isOnlyChannelBias(add))
      add = {};
    if (add)
      x = add.getA();
    Value y = rewriter.create<nn::MaxPoolOp>(
        pool.getLoc(), pool.getType(), x, pool.getKernelAttr(),
        pool.getStrideAttr(), pool.getPaddingAttr());
    if (add)
      y = rewriter.create<nn::AddOp>(add.getLoc(), pool.getType(), y,
                                     add.getB());
    Value r = rewriter.create<nn::ReluOp>(relu.getLoc(), pool.getType(), y);
    rewriter.replaceOp(pool, r);
    return success();
  }
};

struct PoolBeforeActivationPass
    : nnc::impl::PoolBeforeActivationBase<PoolBeforeActivationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PoolBeforeRelu>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
