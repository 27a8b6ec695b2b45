//===- MatMul.cpp - nn.matmul to linalg -------------------------*- C++ -*-===//
//
// Lowers nn.matmul to linalg.matmul (or a transposed variant) into a zero
// fill, and to a generic when both operands are transposed.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

//===----------------------------------------------------------------------===//
// nn.matmul
//===----------------------------------------------------------------------===//

// matmul(a, b) => linalg.matmul(a, b, fill(0))
//   {transpose_a} => linalg.matmul_transpose_a
//   {transpose_b} => linalg.matmul_transpose_b
//   both          => generic c[m, n] += a[k, m] * b[n, k]
struct MatMulLowering : OpConversionPattern<nn::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value init = filled(rewriter, loc, type.getShape(), 0.0);
    SmallVector<Value> ins{adaptor.getA(), adaptor.getB()};
    Value result;
    if (!op.getTransposeA() && !op.getTransposeB()) {
      result =
          rewriter.create<linalg::MatmulOp>(loc, TypeRange{type}, ins, init)
              .getResult(0);
    } else if (!op.getTransposeB()) {
      result = rewriter
                   .create<linalg::MatmulTransposeAOp>(loc, TypeRange{type},
                                                       ins, init)
                   .getResult(0);
    } else if (!op.getTransposeA()) {
      result = rewriter
                   .create<linalg::MatmulTransposeBOp>(loc, TypeRange{type},
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
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void nntolinalg::populateMatMulLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulLowering>(patterns.getContext());
}
