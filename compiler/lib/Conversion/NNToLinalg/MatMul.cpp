//===- MatMul.cpp - nn.matmul to linalg -------------------------*- C++ -*-===//
//
// Lowers nn.matmul to linalg.matmul (or a transposed variant) into a zero
// fill, and to a generic when both operands are transposed. Operands of rank
// > 2 ([L..., K], a dense layer on a sequence) are collapsed to matrices
// [prod L, K] around it, and the result expanded back.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

/// The reassociation [L..., K] -> [prod L, K] of a rank-n tensor.
SmallVector<ReassociationIndices> leadingDims(int64_t n) {
  ReassociationIndices lead;
  for (int64_t i = 0; i + 1 < n; ++i)
    lead.push_back(i);
  return {lead, {n - 1}};
}

/// v : [L..., K] as the matrix [prod L, K] (a 2-D v as it is).
Value collapseLeading(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == 2)
    return v;
  return b.create<tensor::CollapseShapeOp>(loc, v, leadingDims(type.getRank()));
}

//===----------------------------------------------------------------------===//
// nn.matmul
//===----------------------------------------------------------------------===//

// matmul(a, b) => linalg.matmul(a, b, fill(0))
//   {transpose_a} => linalg.matmul_transpose_a
//   {transpose_b} => linalg.matmul_transpose_b
//   both          => generic c[m, n] += a[k, m] * b[n, k]
// a : [L..., K] (b too with transpose_a) => the same on collapse(a) [prod L,
// K], the result [prod L, N] expanded to [L..., N] (not with transpose_a).
struct MatMulLowering : OpConversionPattern<nn::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    RankedTensorType matrix = type;
    if (type.getRank() > 2)
      matrix =
          RankedTensorType::get({type.getNumElements() / type.getShape().back(),
                                 type.getShape().back()},
                                type.getElementType());
    Value init = filled(rewriter, loc, matrix.getShape(), 0.0);
    SmallVector<Value> ins{collapseLeading(rewriter, loc, adaptor.getA()),
                           collapseLeading(rewriter, loc, adaptor.getB())};
    Value result;
    if (!op.getTransposeA() && !op.getTransposeB()) {
      result =
          rewriter.create<linalg::MatmulOp>(loc, TypeRange{matrix}, ins, init)
              .getResult(0);
    } else if (!op.getTransposeB()) {
      result = rewriter
                   .create<linalg::MatmulTransposeAOp>(loc, TypeRange{matrix},
                                                       ins, init)
                   .getResult(0);
    } else if (!op.getTransposeA()) {
      result = rewriter
                   .create<linalg::MatmulTransposeBOp>(loc, TypeRange{matrix},
                                                       ins, init)
                   .getResult(0);
    } else {
      MLIRContext *ctx = rewriter.getContext();
      result = generic(rewriter, loc, ins, init,
                       {dimsMap(ctx, 3, {2, 0}), dimsMap(ctx, 3, {1, 2}),
                        dimsMap(ctx, 3, {0, 1})},
                       {IteratorType::parallel, IteratorType::parallel,
                        IteratorType::reduction},
                       [](OpBuilder &b, Location l, ValueRange a) {
                         Value prod = b.create<arith::MulFOp>(l, a[0], a[1]);
                         return SmallVector<Value>{
                             b.create<arith::AddFOp>(l, a[2], prod)};
                       })[0];
    }
    if (matrix != type)
      result = rewriter.create<tensor::ExpandShapeOp>(
          loc, type, result, leadingDims(type.getRank()));
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void nntolinalg::populateMatMulLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulLowering>(patterns.getContext());
}
