//===- Elementwise.cpp - elementwise nn ops to linalg -----------*- C++ -*-===//
//
// Lowers the elementwise and broadcasting nn ops (arithmetic, activations and
// their gradients) to one parallel linalg.generic each, whose indexing maps do
// the broadcasting; each op's body is one scalar equation.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

Value selectGt(OpBuilder &b, Location loc, Value x, Value threshold,
               Value ifTrue, Value ifFalse) {
  Value gt =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, x, threshold);
  return b.create<arith::SelectOp>(loc, gt, ifTrue, ifFalse);
}

//===----------------------------------------------------------------------===//
// Elementwise ops: one scalar equation each
//===----------------------------------------------------------------------===//

/// (d0, ..., d{n-1}) -> (): a scalar operand.
AffineMap scalarMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::get(n, 0, {}, ctx);
}

Value scalar(nn::AddOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<arith::AddFOp>(l, a[0], a[1]);
}

Value scalar(nn::SubOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<arith::SubFOp>(l, a[0], a[1]);
}

Value scalar(nn::MulOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<arith::MulFOp>(l, a[0], a[1]);
}

Value scalar(nn::DivOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<arith::DivFOp>(l, a[0], a[1]);
}

Value scalar(nn::NegOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<arith::NegFOp>(l, a[0]);
}

// relu(x) = max(x, 0)
Value scalar(nn::ReluOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<arith::MaximumFOp>(l, a[0], f32(b, l, 0.0));
}

// sigmoid(x) = 1 / (1 + exp(-x))
Value scalar(nn::SigmoidOp, OpBuilder &b, Location l, ValueRange a) {
  Value one = f32(b, l, 1.0);
  Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, a[0]));
  return b.create<arith::DivFOp>(l, one, b.create<arith::AddFOp>(l, one, e));
}

// softplus(x) = max(x, 0) + log1p(exp(-|x|)): exp never overflows
Value scalar(nn::SoftplusOp, OpBuilder &b, Location l, ValueRange a) {
  Value negAbs = b.create<arith::NegFOp>(l, b.create<math::AbsFOp>(l, a[0]));
  Value tail = b.create<math::Log1pOp>(l, b.create<math::ExpOp>(l, negAbs));
  Value pos = b.create<arith::MaximumFOp>(l, a[0], f32(b, l, 0.0));
  return b.create<arith::AddFOp>(l, pos, tail);
}

Value scalar(nn::TanhOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<math::TanhOp>(l, a[0]);
}

Value scalar(nn::SqrtOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<math::SqrtOp>(l, a[0]);
}

Value scalar(nn::ExpOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<math::ExpOp>(l, a[0]);
}

Value scalar(nn::LogOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<math::LogOp>(l, a[0]);
}

Value scalar(nn::AbsOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<math::AbsFOp>(l, a[0]);
}

// abs_grad(x, dy) = x > 0 ? dy : (0 > x ? -dy : 0)
Value scalar(nn::AbsGradOp, OpBuilder &b, Location l, ValueRange a) {
  Value zero = f32(b, l, 0.0);
  Value neg =
      selectGt(b, l, zero, a[0], b.create<arith::NegFOp>(l, a[1]), zero);
  return selectGt(b, l, a[0], zero, a[1], neg);
}

// leaky_relu(x) = x > 0 ? x : alpha x
Value scalar(nn::LeakyReluOp op, OpBuilder &b, Location l, ValueRange a) {
  Value scaled =
      b.create<arith::MulFOp>(l, constant(b, l, op.getAlphaAttr()), a[0]);
  return selectGt(b, l, a[0], f32(b, l, 0.0), a[0], scaled);
}

// step(x) = x > t ? 1 : 0
Value scalar(nn::StepOp op, OpBuilder &b, Location l, ValueRange a) {
  return selectGt(b, l, a[0], constant(b, l, op.getThresholdAttr()),
                  f32(b, l, 1.0), f32(b, l, 0.0));
}

// relu_grad(x, dy) = x > 0 ? dy : 0
Value scalar(nn::ReluGradOp, OpBuilder &b, Location l, ValueRange a) {
  return selectGt(b, l, a[0], f32(b, l, 0.0), a[1], f32(b, l, 0.0));
}

// leaky_relu_grad(x, dy) = x > 0 ? dy : alpha dy
Value scalar(nn::LeakyReluGradOp op, OpBuilder &b, Location l, ValueRange a) {
  Value scaled =
      b.create<arith::MulFOp>(l, constant(b, l, op.getAlphaAttr()), a[1]);
  return selectGt(b, l, a[0], f32(b, l, 0.0), a[1], scaled);
}

// sigmoid_grad(y, dy) = dy y (1 - y)
Value scalar(nn::SigmoidGradOp, OpBuilder &b, Location l, ValueRange a) {
  Value oneMinusY = b.create<arith::SubFOp>(l, f32(b, l, 1.0), a[0]);
  return b.create<arith::MulFOp>(l, b.create<arith::MulFOp>(l, a[1], a[0]),
                                 oneMinusY);
}

// tanh_grad(y, dy) = dy (1 - y^2)
Value scalar(nn::TanhGradOp, OpBuilder &b, Location l, ValueRange a) {
  Value ySq = b.create<arith::MulFOp>(l, a[0], a[0]);
  return b.create<arith::MulFOp>(
      l, a[1], b.create<arith::SubFOp>(l, f32(b, l, 1.0), ySq));
}

// op(x, ...) => generic { scalar(op)(x[bcast], ...) }, one broadcasting map
//   per operand
template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = broadcastElementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
        adaptor.getOperands(), [&](OpBuilder &b, Location l, ValueRange a) {
          return scalar(op, b, l, a);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void nntolinalg::populateElementwiseLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<
      ElementwiseLowering<nn::AddOp>, ElementwiseLowering<nn::SubOp>,
      ElementwiseLowering<nn::MulOp>, ElementwiseLowering<nn::DivOp>,
      ElementwiseLowering<nn::NegOp>, ElementwiseLowering<nn::ReluOp>,
      ElementwiseLowering<nn::SigmoidOp>, ElementwiseLowering<nn::TanhOp>,
      ElementwiseLowering<nn::SoftplusOp>, ElementwiseLowering<nn::LeakyReluOp>,
      ElementwiseLowering<nn::StepOp>, ElementwiseLowering<nn::ReluGradOp>,
      ElementwiseLowering<nn::LeakyReluGradOp>,
      ElementwiseLowering<nn::SigmoidGradOp>,
      ElementwiseLowering<nn::TanhGradOp>, ElementwiseLowering<nn::SqrtOp>,
      ElementwiseLowering<nn::ExpOp>, ElementwiseLowering<nn::LogOp>,
      ElementwiseLowering<nn::AbsOp>, ElementwiseLowering<nn::AbsGradOp>>(
      patterns.getContext());
}
