//===- LowerToLinalg.cpp - nn-lower-to-linalg -------------------*- C++ -*-===//
//
// Lowers every nn op to linalg/tensor/arith/math on tensors, one conversion
// pattern per op family, each with its rewrite as an equation above it:
// matmul to linalg.matmul (or a transposed variant) into a zero fill;
// elementwise and broadcasting ops to one parallel linalg.generic whose
// indexing maps do the broadcasting; softmax, the losses, their gradients,
// weighted_mean and unbroadcast to linalg.generic reductions followed by
// elementwise generics; optimizer updates to one elementwise generic each.
// Convolutions are shaped for codegen, which has fast schedules for plain
// (transposed) matmuls and linalg.conv_2d_nhwc_hwcf and vectorizes other
// generics along their last loop: conv2d is conv_2d_nhwc_hwcf on the padded
// input (1x1 unpadded: a GEMM; 3x3 stride 1 with 16+ channels: Winograd
// F(2x2, 3x3), 16 GEMMs between transforms); conv2d_grad_filter is an im2col
// copy (C innermost) and one GEMM (Winograd F(3x3, 2x2) for the same 3x3
// shapes); conv2d_grad_input is, for stride 1, the convolution of the padded
// dy with the rotated filter (direct or Winograd), otherwise one GEMM to
// columns and a col2im of KH KW elementwise adds into strided slices (along
// W for one channel).
// Pools are window reductions with C last; their gradients reuse col2im.
// Nothing is fused here (that is codegen's job). The nn dialect is illegal,
// so an op without a pattern makes the pass fail.
//
//===----------------------------------------------------------------------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"
#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Dialect/NN/NNOps.h"
#include "nnc/Transforms/Passes.h"

#include <cstdio>
#include <cstdlib>

namespace nnc {
#define GEN_PASS_DEF_LOWERTOLINALG
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;

namespace {
using utils::IteratorType;
/// Computes the values a linalg.generic body yields from its block arguments.
using BodyFn =
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

Value f32(OpBuilder &b, Location loc, double v) {
  return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v));
}

Value constant(OpBuilder &b, Location loc, FloatAttr attr) {
  return b.create<arith::ConstantOp>(loc, attr);
}

Value empty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  return b.create<tensor::EmptyOp>(loc, shape, b.getF32Type());
}

/// tensor.empty filled with `v` (the init of a reduction).
Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, double v) {
  return b
      .create<linalg::FillOp>(loc, ValueRange{f32(b, loc, v)},
                              ValueRange{empty(b, loc, shape)})
      .getResult(0);
}

/// (d0, ..., d{n-1}) -> (d_i for i in dims).
AffineMap dimsMap(MLIRContext *ctx, unsigned n, ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(n, 0, exprs, ctx);
}

AffineMap identityMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::getMultiDimIdentityMap(n, ctx);
}

/// (d0, ..., d{n-1}) -> (d0): a per-sample [B] operand.
AffineMap batchMap(MLIRContext *ctx, unsigned n) {
  return dimsMap(ctx, n, {0});
}

/// (d0, ..., d{n-1}) -> (d0, ..., d{n-2}): one value per row of the last axis.
AffineMap rowMap(MLIRContext *ctx, unsigned n) {
  return dimsMap(ctx, n, llvm::to_vector(llvm::seq<unsigned>(0, n - 1)));
}

/// (d0, ..., d{n-1}) -> (): a scalar operand.
AffineMap scalarMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::get(n, 0, {}, ctx);
}

SmallVector<IteratorType> parallel(unsigned n) {
  return SmallVector<IteratorType>(n, IteratorType::parallel);
}

/// All parallel except the last dim (a reduction over the last axis).
SmallVector<IteratorType> reduceLast(unsigned n) {
  SmallVector<IteratorType> iters = parallel(n);
  iters.back() = IteratorType::reduction;
  return iters;
}

/// All reduction except dim 0 (a per-sample reduction).
SmallVector<IteratorType> reducePerSample(unsigned n) {
  SmallVector<IteratorType> iters(n, IteratorType::reduction);
  iters.front() = IteratorType::parallel;
  return iters;
}

/// A linalg.generic yielding `body(block arguments)` into `inits`.
SmallVector<Value> generic(OpBuilder &b, Location loc, ValueRange inputs,
                           ValueRange inits, ArrayRef<AffineMap> maps,
                           ArrayRef<IteratorType> iters, BodyFn body) {
  auto op = b.create<linalg::GenericOp>(
      loc, TypeRange(inits), inputs, inits, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        nb.create<linalg::YieldOp>(nl, body(nb, nl, args));
      });
  return SmallVector<Value>(op.getResults());
}

/// out + in: the body of a sum.
SmallVector<Value> addBody(OpBuilder &b, Location l, ValueRange a) {
  return {b.create<arith::AddFOp>(l, a[1], a[0])};
}

/// s[...] = sum_h p[h, ...] in order of h: the partial sums of a fixed split
/// (unbroadcast's halves, the weight gradient's halves) added up.
Value sumFirstDim(OpBuilder &b, Location loc, Value p) {
  auto type = cast<RankedTensorType>(p.getType());
  unsigned rank = type.getRank();
  SmallVector<IteratorType> iters = parallel(rank);
  iters.front() = IteratorType::reduction;
  return generic(b, loc, p, filled(b, loc, type.getShape().drop_front(), 0.0),
                 {identityMap(b.getContext(), rank),
                  dimsMap(b.getContext(), rank,
                          llvm::to_vector(llvm::seq<unsigned>(1, rank)))},
                 iters, addBody)[0];
}

/// Groups every dropped dim (keep[i] false) with a kept neighbour: the
/// reassociation of a collapse_shape that removes unit dims (or of the
/// expand_shape that puts them back). Empty if no dim is kept (rank 0).
SmallVector<ReassociationIndices> unitDimGroups(ArrayRef<bool> keep) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices leading;
  for (auto [i, k] : llvm::enumerate(keep)) {
    if (k) {
      leading.push_back(i);
      groups.push_back(leading);
      leading.clear();
    } else if (groups.empty()) {
      leading.push_back(i);
    } else {
      groups.back().push_back(i);
    }
  }
  return groups;
}

/// Right-aligns `v` with an iteration space of shape `iter` (NumPy
/// broadcasting). Dims where `v` has size 1 but `iter` does not are collapsed
/// away first, so the returned map is a projected permutation:
/// v : [1, N] in [M, N] => collapse_shape v : [N], map (d0, d1) -> (d1).
std::pair<Value, AffineMap> alignInput(OpBuilder &b, Location loc, Value v,
                                       ArrayRef<int64_t> iter) {
  auto type = cast<RankedTensorType>(v.getType());
  unsigned offset = iter.size() - type.getRank();
  SmallVector<bool> keep;
  SmallVector<unsigned> dims;
  for (unsigned i = 0; i < type.getRank(); ++i) {
    keep.push_back(!(type.getDimSize(i) == 1 && iter[offset + i] != 1));
    if (keep.back())
      dims.push_back(offset + i);
  }
  if (dims.size() != keep.size())
    v = b.create<tensor::CollapseShapeOp>(loc, v, unitDimGroups(keep));
  return {v, dimsMap(b.getContext(), iter.size(), dims)};
}

/// One parallel generic computing `fn(operands)` elementwise over
/// `resultType`, broadcasting each operand NumPy-style.
Value broadcastElementwise(
    OpBuilder &b, Location loc, RankedTensorType resultType,
    ValueRange operands,
    function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (Value v : operands) {
    auto [aligned, map] = alignInput(b, loc, v, resultType.getShape());
    inputs.push_back(aligned);
    maps.push_back(map);
  }
  unsigned rank = resultType.getRank();
  maps.push_back(identityMap(b.getContext(), rank));
  return generic(b, loc, inputs, empty(b, loc, resultType.getShape()), maps,
                 parallel(rank),
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   return SmallVector<Value>{fn(nb, nl, args.drop_back())};
                 })[0];
}

/// m[r] = max_j x[r, j] over the last axis (-inf start, NaN-propagating).
Value rowMax(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned n = type.getRank();
  MLIRContext *ctx = b.getContext();
  return generic(
      b, loc, x, filled(b, loc, type.getShape().drop_back(), -INFINITY),
      {identityMap(ctx, n), rowMap(ctx, n)}, reduceLast(n),
      [](OpBuilder &nb, Location nl, ValueRange a) {
        return SmallVector<Value>{nb.create<arith::MaximumFOp>(nl, a[0], a[1])};
      })[0];
}

/// s[r] = sum_j exp(x[r, j] - m[r]).
Value rowSumExp(OpBuilder &b, Location loc, Value x, Value max) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned n = type.getRank();
  MLIRContext *ctx = b.getContext();
  return generic(b, loc, ValueRange{x, max},
                 filled(b, loc, type.getShape().drop_back(), 0.0),
                 {identityMap(ctx, n), rowMap(ctx, n), rowMap(ctx, n)},
                 reduceLast(n), [](OpBuilder &nb, Location nl, ValueRange a) {
                   Value e = nb.create<math::ExpOp>(
                       nl, nb.create<arith::SubFOp>(nl, a[0], a[1]));
                   return SmallVector<Value>{
                       nb.create<arith::AddFOp>(nl, a[2], e)};
                 })[0];
}

/// Elements per sample D of a [B, ...] tensor.
int64_t perSample(RankedTensorType type) {
  int64_t d = 1;
  for (int64_t s : type.getShape().drop_front())
    d *= s;
  return d;
}

/// p clamped to [1e-7, 1 - 1e-7] (bce's guard against log(0)).
Value clampProb(OpBuilder &b, Location loc, Value p) {
  Value lo = b.create<arith::MaximumFOp>(loc, p, f32(b, loc, 1e-7));
  return b.create<arith::MinimumFOp>(loc, lo, f32(b, loc, 1.0 - 1e-7));
}

Value selectGt(OpBuilder &b, Location loc, Value x, Value threshold,
               Value ifTrue, Value ifFalse) {
  Value gt =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, x, threshold);
  return b.create<arith::SelectOp>(loc, gt, ifTrue, ifFalse);
}

/// hyper[i] as an f32 scalar.
Value hyperAt(OpBuilder &b, Location loc, Value hyper, int64_t i) {
  Value idx = b.create<arith::ConstantIndexOp>(loc, i);
  return b.create<tensor::ExtractOp>(loc, hyper, ValueRange{idx});
}

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

//===----------------------------------------------------------------------===//
// Elementwise ops: one scalar equation each
//===----------------------------------------------------------------------===//

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
Value scalar(nn::TanhOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<math::TanhOp>(l, a[0]);
}
Value scalar(nn::SqrtOp, OpBuilder &b, Location l, ValueRange a) {
  return b.create<math::SqrtOp>(l, a[0]);
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

//===----------------------------------------------------------------------===//
// Softmax and its gradient (over the last axis)
//===----------------------------------------------------------------------===//

// softmax(x)[r, j] => m = max_j x; s = sum_j exp(x - m);
//   exp(x[r, j] - m[r]) / s[r]
struct SoftmaxLowering : OpConversionPattern<nn::SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType type = op.getType();
    unsigned n = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    Value max = rowMax(rewriter, loc, x);
    Value sum = rowSumExp(rewriter, loc, x, max);
    Value y = generic(
        rewriter, loc, ValueRange{x, max, sum},
        empty(rewriter, loc, type.getShape()),
        {identityMap(ctx, n), rowMap(ctx, n), rowMap(ctx, n),
         identityMap(ctx, n)},
        parallel(n), [](OpBuilder &b, Location l, ValueRange a) {
          Value e =
              b.create<math::ExpOp>(l, b.create<arith::SubFOp>(l, a[0], a[1]));
          return SmallVector<Value>{b.create<arith::DivFOp>(l, e, a[2])};
        })[0];
    rewriter.replaceOp(op, y);
    return success();
  }
};

// softmax_grad(y, dy)[r, j] => s[r] = sum_j dy y; y[r, j] (dy[r, j] - s[r])
struct SoftmaxGradLowering : OpConversionPattern<nn::SoftmaxGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::SoftmaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value y = adaptor.getY(), dy = adaptor.getDy();
    RankedTensorType type = op.getType();
    unsigned n = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = identityMap(ctx, n), row = rowMap(ctx, n);
    Value s = generic(
        rewriter, loc, ValueRange{dy, y},
        filled(rewriter, loc, type.getShape().drop_back(), 0.0), {id, id, row},
        reduceLast(n), [](OpBuilder &b, Location l, ValueRange a) {
          Value prod = b.create<arith::MulFOp>(l, a[0], a[1]);
          return SmallVector<Value>{b.create<arith::AddFOp>(l, a[2], prod)};
        })[0];
    Value dx = generic(rewriter, loc, ValueRange{y, dy, s},
                       empty(rewriter, loc, type.getShape()), {id, id, row, id},
                       parallel(n), [](OpBuilder &b, Location l, ValueRange a) {
                         Value diff = b.create<arith::SubFOp>(l, a[1], a[2]);
                         return SmallVector<Value>{
                             b.create<arith::MulFOp>(l, a[0], diff)};
                       })[0];
    rewriter.replaceOp(op, dx);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Cross-entropy (logits [B, C], labels [B] i32)
//===----------------------------------------------------------------------===//

/// (c == label) for the class index c = linalg.index 1 inside a generic.
Value isLabel(OpBuilder &b, Location l, Value label) {
  Value c = b.create<linalg::IndexOp>(l, 1);
  Value labelIdx = b.create<arith::IndexCastOp>(l, b.getIndexType(), label);
  return b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, c, labelIdx);
}

// cross_entropy(z, label)[b] => m = max_c z; s = sum_c exp(z - m);
//   zl[b] = sum_c (c == label[b] ? z[b, c] : 0);
//   l[b] = (log s[b] + m[b]) - zl[b]
struct CrossEntropyLowering : OpConversionPattern<nn::CrossEntropyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::CrossEntropyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value z = adaptor.getLogits(), labels = adaptor.getLabels();
    ArrayRef<int64_t> batch = op.getType().getShape();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = identityMap(ctx, 2), row = rowMap(ctx, 2),
              vec = identityMap(ctx, 1);
    Value max = rowMax(rewriter, loc, z);
    Value sum = rowSumExp(rewriter, loc, z, max);
    Value picked = generic(
        rewriter, loc, ValueRange{z, labels}, filled(rewriter, loc, batch, 0.0),
        {id, row, row}, reduceLast(2),
        [](OpBuilder &b, Location l, ValueRange a) {
          Value zc = b.create<arith::SelectOp>(l, isLabel(b, l, a[1]), a[0],
                                               f32(b, l, 0.0));
          return SmallVector<Value>{b.create<arith::AddFOp>(l, a[2], zc)};
        })[0];
    Value loss = generic(
        rewriter, loc, ValueRange{max, sum, picked},
        empty(rewriter, loc, batch), {vec, vec, vec, vec}, parallel(1),
        [](OpBuilder &b, Location l, ValueRange a) {
          Value lse =
              b.create<arith::AddFOp>(l, b.create<math::LogOp>(l, a[1]), a[0]);
          return SmallVector<Value>{b.create<arith::SubFOp>(l, lse, a[2])};
        })[0];
    rewriter.replaceOp(op, loss);
    return success();
  }
};

// cross_entropy_grad(z, label, dl)[b, c] =>
//   (exp(z[b, c] - m[b]) / s[b] - (c == label[b])) dl[b]
struct CrossEntropyGradLowering : OpConversionPattern<nn::CrossEntropyGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::CrossEntropyGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value z = adaptor.getLogits();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = identityMap(ctx, 2), row = rowMap(ctx, 2);
    Value max = rowMax(rewriter, loc, z);
    Value sum = rowSumExp(rewriter, loc, z, max);
    Value dz = generic(
        rewriter, loc,
        ValueRange{z, max, sum, adaptor.getLabels(), adaptor.getDl()},
        empty(rewriter, loc, op.getType().getShape()),
        {id, row, row, row, row, id}, parallel(2),
        [](OpBuilder &b, Location l, ValueRange a) {
          Value e =
              b.create<math::ExpOp>(l, b.create<arith::SubFOp>(l, a[0], a[1]));
          Value softmax = b.create<arith::DivFOp>(l, e, a[2]);
          Value onehot = b.create<arith::SelectOp>(
              l, isLabel(b, l, a[3]), f32(b, l, 1.0), f32(b, l, 0.0));
          Value diff = b.create<arith::SubFOp>(l, softmax, onehot);
          return SmallVector<Value>{b.create<arith::MulFOp>(l, diff, a[4])};
        })[0];
    rewriter.replaceOp(op, dz);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Per-sample mean losses (pred, target [B, ...]; D elements per sample)
//===----------------------------------------------------------------------===//

// mse term: (p - t)^2
Value lossTerm(nn::MseOp, OpBuilder &b, Location l, Value p, Value t) {
  Value d = b.create<arith::SubFOp>(l, p, t);
  return b.create<arith::MulFOp>(l, d, d);
}
// bce term: -(t log pc + (1 - t) log(1 - pc)), pc = clamp(p)
Value lossTerm(nn::BceOp, OpBuilder &b, Location l, Value p, Value t) {
  Value pc = clampProb(b, l, p);
  Value one = f32(b, l, 1.0);
  Value pos = b.create<arith::MulFOp>(l, t, b.create<math::LogOp>(l, pc));
  Value neg = b.create<arith::MulFOp>(
      l, b.create<arith::SubFOp>(l, one, t),
      b.create<math::LogOp>(l, b.create<arith::SubFOp>(l, one, pc)));
  return b.create<arith::NegFOp>(l, b.create<arith::AddFOp>(l, pos, neg));
}
// d mse term / dp: 2 (p - t)
Value lossTerm(nn::MseGradOp, OpBuilder &b, Location l, Value p, Value t) {
  return b.create<arith::MulFOp>(l, f32(b, l, 2.0),
                                 b.create<arith::SubFOp>(l, p, t));
}
// d bce term / dp: (pc - t) / (pc (1 - pc))
Value lossTerm(nn::BceGradOp, OpBuilder &b, Location l, Value p, Value t) {
  Value pc = clampProb(b, l, p);
  Value denom = b.create<arith::MulFOp>(
      l, pc, b.create<arith::SubFOp>(l, f32(b, l, 1.0), pc));
  return b.create<arith::DivFOp>(l, b.create<arith::SubFOp>(l, pc, t), denom);
}

// loss(p, t)[b] => s[b] = sum_{i != b} term(p, t); l[b] = s[b] / D
template <typename OpTy>
struct PerSampleLossLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto predType = cast<RankedTensorType>(adaptor.getPred().getType());
    unsigned n = predType.getRank();
    ArrayRef<int64_t> batch = op.getType().getShape();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = identityMap(ctx, n);
    Value sum = generic(
        rewriter, loc, ValueRange{adaptor.getPred(), adaptor.getTarget()},
        filled(rewriter, loc, batch, 0.0), {id, id, batchMap(ctx, n)},
        reducePerSample(n), [&](OpBuilder &b, Location l, ValueRange a) {
          Value term = lossTerm(op, b, l, a[0], a[1]);
          return SmallVector<Value>{b.create<arith::AddFOp>(l, a[2], term)};
        })[0];
    double d = perSample(predType);
    Value mean =
        generic(rewriter, loc, sum, empty(rewriter, loc, batch),
                {identityMap(ctx, 1), identityMap(ctx, 1)}, parallel(1),
                [&](OpBuilder &b, Location l, ValueRange a) {
                  return SmallVector<Value>{
                      b.create<arith::DivFOp>(l, a[0], f32(b, l, d))};
                })[0];
    rewriter.replaceOp(op, mean);
    return success();
  }
};

// loss_grad(p, t, dl)[b, ...] => term'(p, t) / D * dl[b]
template <typename OpTy>
struct PerSampleLossGradLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    unsigned n = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = identityMap(ctx, n);
    double d = perSample(type);
    Value dp = generic(
        rewriter, loc,
        ValueRange{adaptor.getPred(), adaptor.getTarget(), adaptor.getDl()},
        empty(rewriter, loc, type.getShape()), {id, id, batchMap(ctx, n), id},
        parallel(n), [&](OpBuilder &b, Location l, ValueRange a) {
          Value term = lossTerm(op, b, l, a[0], a[1]);
          Value mean = b.create<arith::DivFOp>(l, term, f32(b, l, d));
          return SmallVector<Value>{b.create<arith::MulFOp>(l, mean, a[2])};
        })[0];
    rewriter.replaceOp(op, dp);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Weighted mean (l, w [B] -> scalar) and its gradient
//===----------------------------------------------------------------------===//

/// sum_b w[b] as a tensor<f32>.
Value sumWeights(OpBuilder &b, Location loc, Value w) {
  MLIRContext *ctx = b.getContext();
  return generic(b, loc, w, filled(b, loc, {}, 0.0),
                 {identityMap(ctx, 1), scalarMap(ctx, 1)},
                 {IteratorType::reduction}, addBody)[0];
}

// weighted_mean(l, w) => swl = sum_b w l; sw = sum_b w; swl / sw
struct WeightedMeanLowering : OpConversionPattern<nn::WeightedMeanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::WeightedMeanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap vec = identityMap(ctx, 1), scalar = scalarMap(ctx, 1);
    Value swl = generic(
        rewriter, loc, ValueRange{adaptor.getL(), adaptor.getW()},
        filled(rewriter, loc, {}, 0.0), {vec, vec, scalar},
        {IteratorType::reduction}, [](OpBuilder &b, Location l, ValueRange a) {
          Value wl = b.create<arith::MulFOp>(l, a[1], a[0]);
          return SmallVector<Value>{b.create<arith::AddFOp>(l, a[2], wl)};
        })[0];
    Value sw = sumWeights(rewriter, loc, adaptor.getW());
    AffineMap none = AffineMap::get(0, 0, {}, ctx);
    Value mean = generic(
        rewriter, loc, ValueRange{swl, sw}, empty(rewriter, loc, {}),
        {none, none, none}, {}, [](OpBuilder &b, Location l, ValueRange a) {
          return SmallVector<Value>{b.create<arith::DivFOp>(l, a[0], a[1])};
        })[0];
    rewriter.replaceOp(op, mean);
    return success();
  }
};

// weighted_mean_grad(w, dL)[b] => w[b] dL / sum_b w
struct WeightedMeanGradLowering : OpConversionPattern<nn::WeightedMeanGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::WeightedMeanGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap vec = identityMap(ctx, 1), scalar = scalarMap(ctx, 1);
    Value sw = sumWeights(rewriter, loc, adaptor.getW());
    Value dl = generic(
        rewriter, loc, ValueRange{adaptor.getW(), adaptor.getDl(), sw},
        empty(rewriter, loc, op.getType().getShape()),
        {vec, scalar, scalar, vec}, parallel(1),
        [](OpBuilder &b, Location l, ValueRange a) {
          Value wdL = b.create<arith::MulFOp>(l, a[0], a[1]);
          return SmallVector<Value>{b.create<arith::DivFOp>(l, wdL, a[2])};
        })[0];
    rewriter.replaceOp(op, dl);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// nn.unbroadcast
//===----------------------------------------------------------------------===//

/// A sum over leading dims of at least this many elements (a convolution's
/// bias gradient) is split in two halves summed in parallel.
constexpr int64_t kSplitSumElements = 1 << 16;

// unbroadcast(g : [A, M, N]) : [1, N] =>
//   s[n] = sum_{a, m} g[a, m, n] (generic reduction);
//   expand_shape s : [N] -> [1, N]
// big, summing leading dims, A even:
//   p[h, n] = sum_{a, m} g[h A/2 + a, m, n]; s[n] = p[0, n] + p[1, n]
struct UnbroadcastLowering : OpConversionPattern<nn::UnbroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::UnbroadcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value g = adaptor.getG();
    RankedTensorType type = op.getType();
    if (g.getType() == type) {
      rewriter.replaceOp(op, g);
      return success();
    }
    ArrayRef<int64_t> from = op.getG().getType().getShape(),
                      to = type.getShape();
    unsigned n = from.size(), offset = n - to.size();
    SmallVector<IteratorType> iters;
    SmallVector<unsigned> keptDims;
    SmallVector<int64_t> keptShape;
    SmallVector<bool> keep; // over the result's dims
    for (unsigned i = 0; i < n; ++i) {
      bool summed = i < offset || (to[i - offset] == 1 && from[i] != 1);
      iters.push_back(summed ? IteratorType::reduction
                             : IteratorType::parallel);
      if (i >= offset)
        keep.push_back(!summed);
      if (!summed) {
        keptDims.push_back(i);
        keptShape.push_back(from[i]);
      }
    }
    MLIRContext *ctx = rewriter.getContext();
    int64_t elements = 1;
    for (int64_t d : from)
      elements *= d;
    // Summed dims are a prefix: the kept ones (ascending) run to the last.
    bool summedPrefix = !keptDims.empty() && keptDims.front() > 0 &&
                        keptDims.size() == n - keptDims.front();
    Value sum;
    if (summedPrefix && from[0] % 2 == 0 && elements >= kSplitSumElements) {
      // Two halves of the first summed dim, summed separately (a parallel
      // dim of 2 the code generator splits over the threads), then added:
      // the same order of additions for any thread count.
      SmallVector<int64_t> halves = {2, from[0] / 2};
      llvm::append_range(halves, from.drop_front());
      SmallVector<ReassociationIndices> groups = {{0, 1}};
      for (unsigned i = 1; i < n; ++i)
        groups.push_back({i + 1});
      Value g2 = rewriter.create<tensor::ExpandShapeOp>(
          loc, RankedTensorType::get(halves, rewriter.getF32Type()), g, groups);
      SmallVector<IteratorType> iters2 = {IteratorType::parallel};
      llvm::append_range(iters2, iters);
      SmallVector<unsigned> kept2 = {0};
      SmallVector<int64_t> partialShape = {2};
      for (unsigned d : keptDims)
        kept2.push_back(d + 1);
      llvm::append_range(partialShape, keptShape);
      Value partial =
          generic(rewriter, loc, g2, filled(rewriter, loc, partialShape, 0.0),
                  {identityMap(ctx, n + 1), dimsMap(ctx, n + 1, kept2)}, iters2,
                  addBody)[0];
      sum = sumFirstDim(rewriter, loc, partial);
    } else {
      sum = generic(rewriter, loc, g, filled(rewriter, loc, keptShape, 0.0),
                    {identityMap(ctx, n), dimsMap(ctx, n, keptDims)}, iters,
                    addBody)[0];
    }
    if (keptShape.size() != to.size())
      sum = rewriter.create<tensor::ExpandShapeOp>(loc, type, sum,
                                                   unitDimGroups(keep));
    rewriter.replaceOp(op, sum);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Optimizer updates (hyper = [lr, t, 0, 0])
//===----------------------------------------------------------------------===//

/// An elementwise generic over same-typed `inputs` with `numResults` results
/// of that type.
SmallVector<Value> elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                               unsigned numResults, BodyFn body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  unsigned n = type.getRank();
  SmallVector<Value> inits;
  for (unsigned i = 0; i < numResults; ++i)
    inits.push_back(empty(b, loc, type.getShape()));
  SmallVector<AffineMap> maps(inputs.size() + numResults,
                              identityMap(b.getContext(), n));
  return generic(b, loc, inputs, inits, maps, parallel(n), body);
}

/// An optimizer update in place: `inputs` = (p, g, state...) of one type;
/// the results (p', state'...) are written into p and the state tensors
/// themselves (the generic's outs, whose old values it reads), so that
/// bufferization updates the parameter and optimizer slots in the arena
/// without a temporary and a copy back per slot (3 copies of every weight
/// per Adam step). `body` sees (p, g, state...) as in `inputs`.
SmallVector<Value> updateInPlace(OpBuilder &b, Location loc, ValueRange inputs,
                                 BodyFn body) {
  unsigned n = cast<RankedTensorType>(inputs[0].getType()).getRank();
  SmallVector<Value> outs = {inputs[0]};
  llvm::append_range(outs, inputs.drop_front(2));
  SmallVector<AffineMap> maps(inputs.size(), identityMap(b.getContext(), n));
  return generic(b, loc, inputs[1], outs, maps, parallel(n),
                 [&](OpBuilder &nb, Location l, ValueRange a) {
                   // a = (g, p, state...) -> (p, g, state...)
                   SmallVector<Value> args = {a[1], a[0]};
                   llvm::append_range(args, a.drop_front(2));
                   return body(nb, l, args);
                 });
}

// sgd_update(p, g) => p - lr g
struct SgdUpdateLowering : OpConversionPattern<nn::SgdUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::SgdUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = hyperAt(rewriter, loc, adaptor.getHyper(), 0);
    rewriter.replaceOp(
        op,
        updateInPlace(rewriter, loc, ValueRange{adaptor.getP(), adaptor.getG()},
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        Value step = b.create<arith::MulFOp>(l, lr, a[1]);
                        return SmallVector<Value>{
                            b.create<arith::SubFOp>(l, a[0], step)};
                      }));
    return success();
  }
};

// momentum_update(p, g, v) => v' = mu v + g; p' = p - lr v'
struct MomentumUpdateLowering : OpConversionPattern<nn::MomentumUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::MomentumUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = hyperAt(rewriter, loc, adaptor.getHyper(), 0);
    Value mu = constant(rewriter, loc, op.getMomentumAttr());
    rewriter.replaceOp(
        op, updateInPlace(
                rewriter, loc,
                ValueRange{adaptor.getP(), adaptor.getG(), adaptor.getV()},
                [&](OpBuilder &b, Location l, ValueRange a) {
                  Value v = b.create<arith::AddFOp>(
                      l, b.create<arith::MulFOp>(l, mu, a[2]), a[1]);
                  Value p = b.create<arith::SubFOp>(
                      l, a[0], b.create<arith::MulFOp>(l, lr, v));
                  return SmallVector<Value>{p, v};
                }));
    return success();
  }
};

/// The decimal an f32 attribute was written as (its shortest round-trip
/// form: 0.999 for 0.999000013f). PyTorch evaluates 1 - beta and beta^t in
/// double from that decimal; doing the same keeps (1 - beta2) exact to f32
/// instead of off by 1e-5 relative.
double writtenValue(const APFloat &v) {
  float f = v.convertToFloat();
  for (int digits = 1; digits < 9; ++digits) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.*g", digits, static_cast<double>(f));
    double shortest = std::strtod(text, nullptr);
    if (static_cast<float>(shortest) == f)
      return shortest;
  }
  return f;
}

// adam_update(p, g, m, v) =>
//   m' = b1 m + (1 - b1) g; v' = b2 v + ((1 - b2) g) g;
//   p' = p - (lr / (1 - b1^t)) (m' / (sqrt(v') / sqrt(1 - b2^t) + eps))
// in PyTorch's evaluation order, with the bias corrections in f64 (PyTorch
// computes them with Python floats).
struct AdamUpdateLowering : OpConversionPattern<nn::AdamUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::AdamUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    double beta1 = writtenValue(op.getBeta1()),
           beta2 = writtenValue(op.getBeta2());
    Type f64 = rewriter.getF64Type(), f32Type = rewriter.getF32Type();
    auto toF64 = [&](Value v) -> Value {
      return rewriter.create<arith::ExtFOp>(loc, f64, v);
    };
    auto toF32 = [&](Value v) -> Value {
      return rewriter.create<arith::TruncFOp>(loc, f32Type, v);
    };
    auto f64Const = [&](double v) -> Value {
      return rewriter.create<arith::ConstantOp>(loc,
                                                rewriter.getF64FloatAttr(v));
    };
    Value lr = toF64(hyperAt(rewriter, loc, adaptor.getHyper(), 0));
    Value t = toF64(hyperAt(rewriter, loc, adaptor.getHyper(), 1));
    // 1 - beta^t, once per tensor.
    auto correction = [&](double beta) -> Value {
      Value pow = rewriter.create<math::PowFOp>(loc, f64Const(beta), t);
      return rewriter.create<arith::SubFOp>(loc, f64Const(1.0), pow);
    };
    Value stepSize =
        toF32(rewriter.create<arith::DivFOp>(loc, lr, correction(beta1)));
    Value bc2Sqrt =
        toF32(rewriter.create<math::SqrtOp>(loc, correction(beta2)));
    Value b1 = constant(rewriter, loc, op.getBeta1Attr()),
          oneMinusB1 = f32(rewriter, loc, 1.0 - beta1);
    Value b2 = constant(rewriter, loc, op.getBeta2Attr()),
          oneMinusB2 = f32(rewriter, loc, 1.0 - beta2);
    Value eps = constant(rewriter, loc, op.getEpsAttr());
    rewriter.replaceOp(
        op,
        updateInPlace(
            rewriter, loc,
            ValueRange{adaptor.getP(), adaptor.getG(), adaptor.getM(),
                       adaptor.getV()},
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value g = a[1];
              auto mul = [&](Value x, Value y) -> Value {
                return b.create<arith::MulFOp>(l, x, y);
              };
              auto add = [&](Value x, Value y) -> Value {
                return b.create<arith::AddFOp>(l, x, y);
              };
              Value m = add(mul(b1, a[2]), mul(oneMinusB1, g));
              Value v = add(mul(b2, a[3]), mul(mul(oneMinusB2, g), g));
              Value denom = add(b.create<arith::DivFOp>(
                                    l, b.create<math::SqrtOp>(l, v), bc2Sqrt),
                                eps);
              Value step = mul(stepSize, b.create<arith::DivFOp>(l, m, denom));
              Value p = b.create<arith::SubFOp>(l, a[0], step);
              return SmallVector<Value>{p, m, v};
            }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Convolution and pooling (NHWC): im2col + GEMM, col2im, window reductions
//===----------------------------------------------------------------------===//

/// Sizes of one 2-D window op: input [N, H, W, C], kernel [KH, KW], output
/// [N, OH, OW, *], padded input [N, Hp, Wp, C].
struct Geometry {
  int64_t n, h, w, c, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, oh, ow;
  int64_t hp() const { return h + pt + pb; }
  int64_t wp() const { return w + pl + pr; }
  bool padded() const { return pt || pb || pl || pr; }
  /// The output [N, OH, OW, C] (for col2im and pools).
  SmallVector<int64_t> outShape() const { return {n, oh, ow, c}; }

  Geometry(ArrayRef<int64_t> x, ArrayRef<int64_t> kernel,
           ArrayRef<int64_t> stride, ArrayRef<int64_t> dilation,
           ArrayRef<int64_t> padding)
      : n(x[0]), h(x[1]), w(x[2]), c(x[3]), kh(kernel[0]), kw(kernel[1]),
        sh(stride[0]), sw(stride[1]), dh(dilation[0]), dw(dilation[1]),
        pt(padding[0]), pb(padding[1]), pl(padding[2]), pr(padding[3]) {
    oh = (hp() - dh * (kh - 1) - 1) / sh + 1;
    ow = (wp() - dw * (kw - 1) - 1) / sw + 1;
  }
};

SmallVector<OpFoldResult> indices(OpBuilder &b, ArrayRef<int64_t> v) {
  return getAsIndexOpFoldResult(b.getContext(), v);
}

/// x [N, H, W, C] padded to [N, Hp, Wp, C] with `value` (no op if unpadded).
Value padInput(OpBuilder &b, Location loc, Value x, const Geometry &g,
               double value) {
  if (!g.padded())
    return x;
  auto type = RankedTensorType::get({g.n, g.hp(), g.wp(), g.c}, b.getF32Type());
  return b.create<tensor::PadOp>(loc, type, x, indices(b, {0, g.pt, g.pl, 0}),
                                 indices(b, {0, g.pb, g.pr, 0}),
                                 f32(b, loc, value));
}

/// (n, i, j, a, b, c) -> (n, i sh + a dh, j sw + b dw, c): the window element
/// of output (i, j) at kernel offset (a, b) in the padded input.
AffineMap windowMap(MLIRContext *ctx, const Geometry &g) {
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  return AffineMap::get(
      6, 0, {d(0), d(1) * g.sh + d(3) * g.dh, d(2) * g.sw + d(4) * g.dw, d(5)},
      ctx);
}

/// A 1x1 kernel with stride 1 and no padding: a plain GEMM over the pixels
/// (im2col is x itself).
bool isPointwise(const Geometry &g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && !g.padded();
}

/// im2col of an already padded input xp [n, *, Wp, C] for n images and oh
/// output rows, as a [n oh OW, KH KW C] matrix (c innermost, so the copy
/// vectorizes along C): col[n, i, j, a, b, c] = xp[n, i sh + a dh, j sw + b dw,
/// c].
Value im2colPadded(OpBuilder &b, Location loc, Value xp, const Geometry &g,
                   int64_t n, int64_t oh) {
  MLIRContext *ctx = b.getContext();
  Value col = generic(b, loc, xp, empty(b, loc, {n, oh, g.ow, g.kh, g.kw, g.c}),
                      {windowMap(ctx, g), identityMap(ctx, 6)}, parallel(6),
                      [](OpBuilder &, Location, ValueRange a) {
                        return SmallVector<Value>{a[0]};
                      })[0];
  return b.create<tensor::CollapseShapeOp>(
      loc, col, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
}

/// im2col of x [N, H, W, C] as a [N OH OW, KH KW C] matrix. A 1x1 kernel
/// with stride 1 and no padding is x itself, collapsed.
Value im2col(OpBuilder &b, Location loc, Value x, const Geometry &g) {
  if (isPointwise(g))
    return b.create<tensor::CollapseShapeOp>(
        loc, x, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
  return im2colPadded(b, loc, padInput(b, loc, x, g, 0.0), g, g.n, g.oh);
}

/// [A, B, C, D] -> [A B C, D] (an output or filter as a GEMM operand).
Value collapseLast(OpBuilder &b, Location loc, Value v) {
  return b.create<tensor::CollapseShapeOp>(
      loc, v, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
}

/// [A B C, D] -> type [A, B, C, D].
Value expandLast(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  return b.create<tensor::ExpandShapeOp>(
      loc, RankedTensorType::get(shape, b.getF32Type()), v,
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
}

/// col2im and the pool gradients: starting from zeros [N, Hp, Wp, C], for
/// each kernel offset (a, b) adds term(a, b) [N, OH, OW, C] into the strided
/// window slice xp[:, a dh : .. : sh, b dw : .. : sw, :], then drops the
/// padding. `add(a, b, slice)` returns slice + term(a, b) (one elementwise
/// generic with the slice as its init, so it bufferizes in place).
Value scatterWindows(OpBuilder &b, Location loc, const Geometry &g,
                     function_ref<Value(int64_t, int64_t, Value)> add) {
  Value acc = filled(b, loc, {g.n, g.hp(), g.wp(), g.c}, 0.0);
  auto sliceType = RankedTensorType::get(g.outShape(), b.getF32Type());
  auto sizes = indices(b, g.outShape()),
       strides = indices(b, {1, g.sh, g.sw, 1});
  for (int64_t a = 0; a < g.kh; ++a)
    for (int64_t bb = 0; bb < g.kw; ++bb) {
      auto offsets = indices(b, {0, a * g.dh, bb * g.dw, 0});
      Value slice = b.create<tensor::ExtractSliceOp>(loc, sliceType, acc,
                                                     offsets, sizes, strides);
      acc = b.create<tensor::InsertSliceOp>(loc, add(a, bb, slice), acc,
                                            offsets, sizes, strides);
    }
  if (!g.padded())
    return acc;
  return b.create<tensor::ExtractSliceOp>(
      loc, RankedTensorType::get({g.n, g.h, g.w, g.c}, b.getF32Type()), acc,
      indices(b, {0, g.pt, g.pl, 0}), indices(b, {g.n, g.h, g.w, g.c}),
      indices(b, {1, 1, 1, 1}));
}

/// slice + fn(inputs...) elementwise over [N, OH, OW, C], into the slice.
Value addInto(OpBuilder &b, Location loc, Value slice, ValueRange inputs,
              function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  SmallVector<AffineMap> maps(inputs.size() + 1,
                              identityMap(b.getContext(), 4));
  return generic(b, loc, inputs, slice, maps, parallel(4),
                 [&](OpBuilder &nb, Location l, ValueRange a) {
                   Value term = fn(nb, l, a.drop_back());
                   return SmallVector<Value>{
                       nb.create<arith::AddFOp>(l, a.back(), term)};
                 })[0];
}

/// The weight gradient's im2col is built and consumed a chunk of output rows
/// at a time, so that it stays in cache between the copy and the GEMM
/// instead of making a round trip through memory (113 MB for a 3x3 96->128
/// convolution at 32x32, batch 32: the whole op ran at 64 GFLOP/s on 2
/// threads, its GEMM alone at 147).
constexpr int64_t kIm2colChunkBytes = 1 << 20;

/// Chunk of the weight gradient's GEMM (or of a Winograd convolution): nb
/// whole images, or ohb output rows (Winograd: rows of 2x2 tiles) of one
/// image (nb = 1), so that a chunk of dy (y) is contiguous; both divide their
/// extent.
struct Chunk {
  int64_t nb, ohb;
};

/// The chunked weight gradient (and a Winograd convolution) runs as this
/// many halves of the batch in an scf.forall (a thread each on 2 cores), each
/// summing its own dw (writing its own y): a thread builds and consumes its
/// chunks in its own L2 with no fork/join per chunk. (Split over m instead,
/// each thread's GEMM read half of every chunk from the other core's cache.)
/// The halves are fixed, not the thread count, so results do not depend on
/// it.
constexpr int64_t kBatchHalves = 2;

/// The chunk of `images` images of `height` rows each (rowBytes of chunk
/// buffers per row) closest to `bytes` from below.
Chunk pickChunk(int64_t rowBytes, int64_t height, int64_t images,
                int64_t bytes) {
  int64_t rows = std::max<int64_t>(1, bytes / rowBytes);
  auto divisorAtMost = [](int64_t d, int64_t cap) {
    for (int64_t t = std::min(d, cap); t > 1; --t)
      if (d % t == 0)
        return t;
    return int64_t(1);
  };
  if (rows < height)
    return {1, divisorAtMost(height, rows)};
  return {divisorAtMost(images, rows / height), height};
}

/// v[n0 : n0 + sizes[0], h0 : h0 + sizes[1], :, :] of an NHWC tensor.
Value rowsSlice(OpBuilder &b, Location loc, Value v, Value n0, Value h0,
                ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> offsets = {n0, h0, b.getIndexAttr(0),
                                       b.getIndexAttr(0)};
  return b.create<tensor::ExtractSliceOp>(
      loc, RankedTensorType::get(sizes, b.getF32Type()), v, offsets,
      indices(b, sizes), indices(b, {1, 1, 1, 1}));
}

/// A direct convolution vectorizes along its output channels: with fewer
/// than a vector of them (8 f32 with AVX2) it runs on short vectors down to
/// scalars, so those keep the im2col / col2im GEMMs (grayCol2im vectorizes a
/// 1-channel input gradient's col2im along W instead).
constexpr int64_t kMinDirectChannels = 8;

/// Winograd F(2x2, 3x3) (Lavin and Gray, 2015) for 3x3 stride-1 convolutions
/// with at least this many input and output channels: each 2x2 tile of y is
///   y_tile[f] = A^T (sum_c U[c, f] * V[c]) A,  U = G w[:, :, c, f] G^T,
///   V[c] = B^T d[c] B  (d: the 4x4 input tile, * elementwise),
/// so the 16 positions of a 4x4 tile are 16 GEMMs [tiles, C] x [C, F]: 16
/// multiply-adds per tile and channel pair instead of 36 (2.25x fewer flops).
/// The transforms only add and halve (B^T, A^T: 0 and +-1; G: 0, 1, +-1/2).
/// Below 16 channels the GEMMs are too thin to gain.
constexpr int64_t kMinWinogradChannels = 16;

/// The input transform and the GEMMs run on chunks of tile rows whose 16 V
/// and 16 M tiles stay in a core's L2 (1 MiB on the target machines).
constexpr int64_t kWinogradChunkBytes = 512 << 10;

using Transform1D = function_ref<SmallVector<Value>(ArrayRef<Value>)>;

/// M x M^T for the r x r matrix x (row-major) when `t` computes M v: `t`
/// applied to every column of x, then to every row of the result.
SmallVector<Value> transform2D(ArrayRef<Value> x, int64_t r, Transform1D t) {
  SmallVector<SmallVector<Value>> cols; // cols[j] = t(column j)
  for (int64_t j = 0; j < r; ++j) {
    SmallVector<Value> col;
    for (int64_t i = 0; i < r; ++i)
      col.push_back(x[i * r + j]);
    cols.push_back(t(col));
  }
  SmallVector<Value> out;
  for (size_t i = 0; i < cols[0].size(); ++i) {
    SmallVector<Value> row;
    for (int64_t j = 0; j < r; ++j)
      row.push_back(cols[j][i]);
    llvm::append_range(out, t(row));
  }
  return out;
}

/// Slice k of a stack [16, ...] of Winograd matrices, without the 16.
Value stackPart(OpBuilder &b, Location loc, Value stack, OpFoldResult k) {
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(stack.getType()).getShape().drop_front();
  SmallVector<OpFoldResult> offsets(shape.size() + 1, b.getIndexAttr(0)),
      sizes = indices(b, shape);
  offsets[0] = k;
  sizes.insert(sizes.begin(), b.getIndexAttr(1));
  return b.create<tensor::ExtractSliceOp>(
      loc, RankedTensorType::get(shape, b.getF32Type()), stack, offsets, sizes,
      SmallVector<OpFoldResult>(shape.size() + 1, b.getIndexAttr(1)));
}

/// stack with slice k replaced by `part`.
Value stackInsert(OpBuilder &b, Location loc, Value part, Value stack,
                  OpFoldResult k) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(part.getType()).getShape();
  SmallVector<OpFoldResult> offsets(shape.size() + 1, b.getIndexAttr(0)),
      sizes = indices(b, shape);
  offsets[0] = k;
  sizes.insert(sizes.begin(), b.getIndexAttr(1));
  return b.create<tensor::InsertSliceOp>(
      loc, part, stack, offsets, sizes,
      SmallVector<OpFoldResult>(shape.size() + 1, b.getIndexAttr(1)));
}

/// A transform generic's 16 results as one stack [16, shape...]: the
/// generic (`build`, given its 16 inits) writes into the stack's slices, in
/// place after bufferization.
Value stacked(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
              function_ref<SmallVector<Value>(ValueRange)> build) {
  SmallVector<int64_t> full = {16};
  llvm::append_range(full, shape);
  Value stack = empty(b, loc, full);
  SmallVector<Value> inits;
  for (int64_t k = 0; k < 16; ++k)
    inits.push_back(stackPart(b, loc, stack, b.getIndexAttr(k)));
  SmallVector<Value> parts = build(inits);
  for (int64_t k = 0; k < 16; ++k)
    stack = stackInsert(b, loc, parts[k], stack, b.getIndexAttr(k));
  return stack;
}

/// The 16 slices of a stack.
SmallVector<Value> unstacked(OpBuilder &b, Location loc, Value stack) {
  SmallVector<Value> parts;
  for (int64_t k = 0; k < 16; ++k)
    parts.push_back(stackPart(b, loc, stack, b.getIndexAttr(k)));
  return parts;
}

/// for k < 16: out[k] = body(k, out[k]) in an scf.for: one copy of a GEMM's
/// code for all 16 (unrolled, a 3x3 convolution's three kernels were 48
/// GEMMs: resnet.nn took minutes to compile).
Value forEachOf16(
    OpBuilder &b, Location loc, Value out,
    function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  auto index = [&](int64_t v) {
    return b.create<arith::ConstantIndexOp>(loc, v);
  };
  return b
      .create<scf::ForOp>(
          loc, index(0), index(16), index(1), ValueRange{out},
          [&](OpBuilder &lb, Location l, Value k, ValueRange acc) {
            Value part = body(lb, l, k, stackPart(lb, l, acc[0], k));
            lb.create<scf::YieldOp>(
                l, ValueRange{stackInsert(lb, l, part, acc[0], k)});
          })
      .getResult(0);
}

/// [16, nb, th, TW, X] -> [16, nb th TW, X]: the stack of GEMM operands.
Value collapseTiles(OpBuilder &b, Location loc, Value stack) {
  return b.create<tensor::CollapseShapeOp>(
      loc, stack, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}, {4}});
}

/// The stack U [16, C, F] (k = 4 xi + nu) of a filter w [3, 3, C, F]:
///   G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]].
Value winogradFilter(OpBuilder &b, Location loc, Value w) {
  auto type = cast<RankedTensorType>(w.getType());
  int64_t c = type.getDimSize(2), f = type.getDimSize(3);
  auto tapType = RankedTensorType::get({c, f}, b.getF32Type());
  SmallVector<Value> taps;
  for (int64_t a = 0; a < 3; ++a)
    for (int64_t bb = 0; bb < 3; ++bb)
      taps.push_back(b.create<tensor::ExtractSliceOp>(
          loc, tapType, w, indices(b, {a, bb, 0, 0}), indices(b, {1, 1, c, f}),
          indices(b, {1, 1, 1, 1})));
  SmallVector<AffineMap> maps(25, identityMap(b.getContext(), 2));
  return stacked(b, loc, {c, f}, [&](ValueRange inits) {
    return generic(b, loc, taps, inits, maps, parallel(2),
                   [](OpBuilder &nb, Location l, ValueRange a) {
                     Value half = f32(nb, l, 0.5);
                     auto t = [&](ArrayRef<Value> g) -> SmallVector<Value> {
                       Value s = nb.create<arith::AddFOp>(l, g[0], g[2]);
                       Value p = nb.create<arith::AddFOp>(l, s, g[1]);
                       Value m = nb.create<arith::SubFOp>(l, s, g[1]);
                       return {g[0], nb.create<arith::MulFOp>(l, p, half),
                               nb.create<arith::MulFOp>(l, m, half), g[2]};
                     };
                     return transform2D(SmallVector<Value>(a.take_front(9)), 3,
                                        t);
                   });
  });
}

/// The stack V [16, nb, th, TW, C] of the 4x4 input tiles of xs [nb,
/// 2 th + 2, 2 TW + 2, C] (tile (t, s) at rows 2t.., columns 2s..):
///   B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
/// One generic reads the 16 tile elements, as strided slices
/// xs[.., i + 2t, j + 2s, ..] (maps with constant offsets do not survive
/// tiling), and writes the 16 V_k, vectorized along C.
Value winogradInput(OpBuilder &b, Location loc, Value xs,
                    ArrayRef<int64_t> tiles) {
  auto type = RankedTensorType::get(tiles, b.getF32Type());
  SmallVector<Value> inputs;
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 4; ++j)
      inputs.push_back(b.create<tensor::ExtractSliceOp>(
          loc, type, xs, indices(b, {0, i, j, 0}), indices(b, tiles),
          indices(b, {1, 2, 2, 1})));
  SmallVector<AffineMap> maps(32, identityMap(b.getContext(), 4));
  return stacked(b, loc, tiles, [&](ValueRange inits) {
    return generic(
        b, loc, inputs, inits, maps, parallel(4),
        [](OpBuilder &nb, Location l, ValueRange a) {
          auto sub = [&](Value x, Value y) -> Value {
            return nb.create<arith::SubFOp>(l, x, y);
          };
          auto t = [&](ArrayRef<Value> v) -> SmallVector<Value> {
            return {sub(v[0], v[2]), nb.create<arith::AddFOp>(l, v[1], v[2]),
                    sub(v[2], v[1]), sub(v[1], v[3])};
          };
          return transform2D(SmallVector<Value>(a.take_front(16)), 4, t);
        });
  });
}

/// y's 2x2 tiles from the 16 M_k [nb, th, TW, F], written into `outs`, the 4
/// strided slices y[.., 2t + i, 2s + j, ..] (i, j in {0, 1}, out 2 i + j):
///   A^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
SmallVector<Value> winogradOutput(OpBuilder &b, Location loc, ValueRange m,
                                  ValueRange outs) {
  SmallVector<AffineMap> maps(20, identityMap(b.getContext(), 4));
  return generic(b, loc, m, outs, maps, parallel(4),
                 [](OpBuilder &nb, Location l, ValueRange a) {
                   auto t = [&](ArrayRef<Value> v) -> SmallVector<Value> {
                     Value s = nb.create<arith::AddFOp>(l, v[1], v[2]);
                     Value d = nb.create<arith::SubFOp>(l, v[1], v[2]);
                     return {nb.create<arith::AddFOp>(l, v[0], s),
                             nb.create<arith::SubFOp>(l, d, v[3])};
                   };
                   return transform2D(SmallVector<Value>(a.take_front(16)), 4,
                                      t);
                 });
}

/// Whether the convolution of xp [N, Hp, Wp, C] by w [KH, KW, C, F] into
/// [N, OH, OW, F] runs as Winograd F(2x2, 3x3): 3x3, stride and dilation 1,
/// even OH and OW (whole 2x2 tiles), enough channels.
bool useWinograd(ArrayRef<int64_t> wShape, ArrayRef<int64_t> outShape,
                 ArrayRef<int64_t> stride, ArrayRef<int64_t> dilation) {
  return wShape[0] == 3 && wShape[1] == 3 && stride[0] == 1 && stride[1] == 1 &&
         dilation[0] == 1 && dilation[1] == 1 && outShape[1] % 2 == 0 &&
         outShape[2] % 2 == 0 && wShape[2] >= kMinWinogradChannels &&
         wShape[3] >= kMinWinogradChannels;
}

// y = winograd(xp, w) [N, OH, OW, F], in chunks (pickChunk) of nb images or
// th rows of 2x2 tiles, in two halves of the batch when N allows (as the
// weight gradient):
//   U_k = filter transform of w                                 [C, F] x 16
//   y = forall half: for n0, t0: V_k = input transform of xp[n0.., 2 t0..]
//                                M_k = V_k U_k              [nb th TW, F]
//                                y[n0.., 2 t0.., ..] = output transform of M
Value winogradConv(OpBuilder &b, Location loc, Value xp, Value w,
                   ArrayRef<int64_t> outShape) {
  int64_t n = outShape[0], oh = outShape[1], ow = outShape[2], f = outShape[3];
  auto xpType = cast<RankedTensorType>(xp.getType());
  int64_t wp = xpType.getDimSize(2), c = xpType.getDimSize(3);
  int64_t th = oh / 2, tw = ow / 2;
  Value u = winogradFilter(b, loc, w);
  int64_t halves = n % kBatchHalves == 0 ? kBatchHalves : 1;
  int64_t images = n / halves;
  Chunk ch = pickChunk(tw * 16 * (c + f) * 4, th, images, kWinogradChunkBytes);
  // y of images [base, base + images) into init [images, OH, OW, F].
  auto convImages = [&](OpBuilder &b, Location l, Value base,
                        Value init) -> Value {
    auto index = [&](int64_t v) {
      return b.create<arith::ConstantIndexOp>(l, v);
    };
    auto nLoop = b.create<scf::ForOp>(
        l, index(0), index(images), index(ch.nb), ValueRange{init},
        [&](OpBuilder &b, Location l, Value n0, ValueRange nAcc) {
          auto tLoop = b.create<scf::ForOp>(
              l, index(0), index(th), index(ch.ohb), nAcc,
              [&](OpBuilder &b, Location l, Value t0, ValueRange acc) {
                Value h0 = b.create<arith::MulIOp>(l, t0, index(2));
                Value xs =
                    rowsSlice(b, l, xp, b.create<arith::AddIOp>(l, base, n0),
                              h0, {ch.nb, 2 * ch.ohb + 2, wp, c});
                int64_t rows = ch.nb * ch.ohb * tw;
                Value v = collapseTiles(
                    b, l, winogradInput(b, l, xs, {ch.nb, ch.ohb, tw, c}));
                Value m = forEachOf16(
                    b, l, empty(b, l, {16, rows, f}),
                    [&](OpBuilder &b, Location l, Value k, Value) -> Value {
                      return b
                          .create<linalg::MatmulOp>(
                              l,
                              ValueRange{stackPart(b, l, v, k),
                                         stackPart(b, l, u, k)},
                              filled(b, l, {rows, f}, 0.0))
                          .getResult(0);
                    });
                m = b.create<tensor::ExpandShapeOp>(
                    l,
                    RankedTensorType::get({16, ch.nb, ch.ohb, tw, f},
                                          b.getF32Type()),
                    m, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}, {4}});
                auto quarterType = RankedTensorType::get({ch.nb, ch.ohb, tw, f},
                                                         b.getF32Type());
                SmallVector<SmallVector<OpFoldResult>> offsets;
                SmallVector<Value> outs;
                for (int64_t i = 0; i < 2; ++i)
                  for (int64_t j = 0; j < 2; ++j) {
                    offsets.push_back(
                        {n0,
                         b.create<arith::AddIOp>(l, h0, index(i)).getResult(),
                         b.getIndexAttr(j), b.getIndexAttr(0)});
                    outs.push_back(b.create<tensor::ExtractSliceOp>(
                        l, quarterType, acc[0], offsets.back(),
                        indices(b, quarterType.getShape()),
                        indices(b, {1, 2, 2, 1})));
                  }
                SmallVector<Value> quarters =
                    winogradOutput(b, l, unstacked(b, l, m), outs);
                Value y = acc[0];
                for (int q = 0; q < 4; ++q)
                  y = b.create<tensor::InsertSliceOp>(
                      l, quarters[q], y, offsets[q],
                      indices(b, quarterType.getShape()),
                      indices(b, {1, 2, 2, 1}));
                b.create<scf::YieldOp>(l, y);
              });
          b.create<scf::YieldOp>(l, tLoop.getResult(0));
        });
    return nLoop.getResult(0);
  };
  if (halves == 1)
    return convImages(b, loc, b.create<arith::ConstantIndexOp>(loc, 0),
                      empty(b, loc, outShape));
  auto forall = b.create<scf::ForallOp>(
      loc, ArrayRef<OpFoldResult>{b.getIndexAttr(halves)},
      ValueRange{empty(b, loc, outShape)}, std::nullopt);
  OpBuilder fb = OpBuilder::atBlockBegin(forall.getBody());
  Value base =
      fb.create<arith::MulIOp>(loc, forall.getInductionVar(0),
                               fb.create<arith::ConstantIndexOp>(loc, images));
  SmallVector<OpFoldResult> offsets = {base, fb.getIndexAttr(0),
                                       fb.getIndexAttr(0), fb.getIndexAttr(0)};
  SmallVector<int64_t> partShape = {images, oh, ow, f};
  Value init = fb.create<tensor::ExtractSliceOp>(
      loc, RankedTensorType::get(partShape, fb.getF32Type()),
      forall.getRegionOutArgs()[0], offsets, indices(fb, partShape),
      indices(fb, {1, 1, 1, 1}));
  Value part = convImages(fb, loc, base, init);
  fb.setInsertionPointToEnd(forall.getTerminator().getBody());
  fb.create<tensor::ParallelInsertSliceOp>(
      loc, part, forall.getRegionOutArgs()[0], offsets, indices(fb, partShape),
      indices(fb, {1, 1, 1, 1}));
  return forall.getResult(0);
}

// The weight gradient of a Winograd-shaped convolution is Winograd
// F(3x3, 2x2): each 2x2 tile of dy acts as the filter of a correlation with
// its 4x4 input tile, and the tiles' 3x3 results sum into dw:
//   dw = G^T (sum_tiles, n (A dy_tile A^T) * V) G,  V = B^T d B as forward,
// the same three matrices transposed (the bilinear identity
// sum_xi A^T[i, xi] G[xi, a] B^T[xi, l] = [l == i + a] read the other way).
// The sum over tiles is the K of 16 GEMMs V_k^T D_k [C, F].

/// The stack D [16, nb, th, TW, F] of dy's 2x2 tiles in dys [nb, 2 th, 2 TW,
/// F]:
///   A = [[1, 0], [1, 1], [1, -1], [0, -1]].
Value winogradGradOutput(OpBuilder &b, Location loc, Value dys,
                         ArrayRef<int64_t> tiles) {
  auto type = RankedTensorType::get(tiles, b.getF32Type());
  SmallVector<Value> inputs;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j)
      inputs.push_back(b.create<tensor::ExtractSliceOp>(
          loc, type, dys, indices(b, {0, i, j, 0}), indices(b, tiles),
          indices(b, {1, 2, 2, 1})));
  SmallVector<AffineMap> maps(20, identityMap(b.getContext(), 4));
  return stacked(b, loc, tiles, [&](ValueRange inits) {
    return generic(b, loc, inputs, inits, maps, parallel(4),
                   [](OpBuilder &nb, Location l, ValueRange a) {
                     auto t = [&](ArrayRef<Value> e) -> SmallVector<Value> {
                       return {e[0], nb.create<arith::AddFOp>(l, e[0], e[1]),
                               nb.create<arith::SubFOp>(l, e[0], e[1]),
                               nb.create<arith::NegFOp>(l, e[1])};
                     };
                     return transform2D(SmallVector<Value>(a.take_front(4)), 2,
                                        t);
                   });
  });
}

/// dw [3, 3, C, F] from the stack of sums M [16, C, F]:
/// dw[a, b] = (G^T M G)[a, b].
Value winogradFilterGrad(OpBuilder &b, Location loc, Value stack) {
  SmallVector<Value> m = unstacked(b, loc, stack);
  ArrayRef<int64_t> cf = cast<RankedTensorType>(m[0].getType()).getShape();
  SmallVector<Value> inits;
  for (int k = 0; k < 9; ++k)
    inits.push_back(empty(b, loc, cf));
  SmallVector<AffineMap> maps(25, identityMap(b.getContext(), 2));
  SmallVector<Value> taps =
      generic(b, loc, m, inits, maps, parallel(2),
              [](OpBuilder &nb, Location l, ValueRange a) {
                Value half = f32(nb, l, 0.5);
                auto t = [&](ArrayRef<Value> v) -> SmallVector<Value> {
                  Value s = nb.create<arith::MulFOp>(
                      l, nb.create<arith::AddFOp>(l, v[1], v[2]), half);
                  return {nb.create<arith::AddFOp>(l, v[0], s),
                          nb.create<arith::MulFOp>(
                              l, nb.create<arith::SubFOp>(l, v[1], v[2]), half),
                          nb.create<arith::AddFOp>(l, s, v[3])};
                };
                return transform2D(SmallVector<Value>(a.take_front(16)), 4, t);
              });
  Value dw = empty(b, loc, {3, 3, cf[0], cf[1]});
  for (int64_t a = 0; a < 3; ++a)
    for (int64_t bb = 0; bb < 3; ++bb)
      dw = b.create<tensor::InsertSliceOp>(
          loc, taps[3 * a + bb], dw, indices(b, {a, bb, 0, 0}),
          indices(b, {1, 1, cf[0], cf[1]}), indices(b, {1, 1, 1, 1}));
  return dw;
}

// dw = winograd_grad_filter(xp, dy) [3, 3, C, F], in the forward's chunks,
// in two halves of the batch when N allows:
//   p = forall half: M_k = 0; for n0, t0: V_k = input transform of xp[..]
//                                          D_k = A dy[n0.., 2 t0..] A^T
//                                          M_k += V_k^T D_k          [C, F]
//   dw = G^T (sum over halves of p) G
Value winogradGradFilter(OpBuilder &b, Location loc, Value xp, Value dy) {
  ArrayRef<int64_t> dyShape = cast<RankedTensorType>(dy.getType()).getShape();
  int64_t n = dyShape[0], oh = dyShape[1], ow = dyShape[2], f = dyShape[3];
  auto xpType = cast<RankedTensorType>(xp.getType());
  int64_t wp = xpType.getDimSize(2), c = xpType.getDimSize(3);
  int64_t th = oh / 2, tw = ow / 2;
  int64_t halves = n % kBatchHalves == 0 ? kBatchHalves : 1;
  int64_t images = n / halves;
  Chunk ch = pickChunk(tw * 16 * (c + f) * 4, th, images, kWinogradChunkBytes);
  // The stack of the 16 sums M_k [16, C, F] of images [base, base + images).
  auto sumImages = [&](OpBuilder &b, Location l, Value base) -> Value {
    auto index = [&](int64_t v) {
      return b.create<arith::ConstantIndexOp>(l, v);
    };
    auto nLoop = b.create<scf::ForOp>(
        l, index(0), index(images), index(ch.nb),
        ValueRange{filled(b, l, {16, c, f}, 0.0)},
        [&](OpBuilder &b, Location l, Value n0, ValueRange nAcc) {
          auto tLoop = b.create<scf::ForOp>(
              l, index(0), index(th), index(ch.ohb), nAcc,
              [&](OpBuilder &b, Location l, Value t0, ValueRange acc) {
                Value h0 = b.create<arith::MulIOp>(l, t0, index(2));
                Value img = b.create<arith::AddIOp>(l, base, n0);
                Value xs = rowsSlice(b, l, xp, img, h0,
                                     {ch.nb, 2 * ch.ohb + 2, wp, c});
                Value dys =
                    rowsSlice(b, l, dy, img, h0, {ch.nb, 2 * ch.ohb, ow, f});
                Value v = collapseTiles(
                    b, l, winogradInput(b, l, xs, {ch.nb, ch.ohb, tw, c}));
                Value d = collapseTiles(
                    b, l,
                    winogradGradOutput(b, l, dys, {ch.nb, ch.ohb, tw, f}));
                b.create<scf::YieldOp>(
                    l, forEachOf16(b, l, acc[0],
                                   [&](OpBuilder &b, Location l, Value k,
                                       Value sum) -> Value {
                                     return b
                                         .create<linalg::MatmulTransposeAOp>(
                                             l,
                                             ValueRange{stackPart(b, l, v, k),
                                                        stackPart(b, l, d, k)},
                                             sum)
                                         .getResult(0);
                                   }));
              });
          b.create<scf::YieldOp>(l, tLoop.getResults());
        });
    return nLoop.getResult(0);
  };
  if (halves == 1)
    return winogradFilterGrad(
        b, loc, sumImages(b, loc, b.create<arith::ConstantIndexOp>(loc, 0)));
  auto forall = b.create<scf::ForallOp>(
      loc, ArrayRef<OpFoldResult>{b.getIndexAttr(halves)},
      ValueRange{empty(b, loc, {halves, 16, c, f})}, std::nullopt);
  OpBuilder fb = OpBuilder::atBlockBegin(forall.getBody());
  Value half = forall.getInductionVar(0);
  Value part =
      sumImages(fb, loc,
                fb.create<arith::MulIOp>(
                    loc, half, fb.create<arith::ConstantIndexOp>(loc, images)));
  fb.setInsertionPointToEnd(forall.getTerminator().getBody());
  fb.create<tensor::ParallelInsertSliceOp>(
      loc, part, forall.getRegionOutArgs()[0],
      SmallVector<OpFoldResult>{half, fb.getIndexAttr(0), fb.getIndexAttr(0),
                                fb.getIndexAttr(0)},
      indices(fb, {1, 16, c, f}), indices(fb, {1, 1, 1, 1}));
  return winogradFilterGrad(b, loc, sumFirstDim(b, loc, forall.getResult(0)));
}

/// y = linalg.conv_2d_nhwc_hwcf(xp, w) [N, OH, OW, F] into zeros: the direct
/// convolution codegen tiles like a GEMM (no im2col buffer).
Value directConv(OpBuilder &b, Location loc, Value xp, Value w,
                 ArrayRef<int64_t> outShape, ArrayRef<int64_t> stride,
                 ArrayRef<int64_t> dilation) {
  if (useWinograd(cast<RankedTensorType>(w.getType()).getShape(), outShape,
                  stride, dilation))
    return winogradConv(b, loc, xp, w, outShape);
  auto attr = [&](ArrayRef<int64_t> v) {
    return DenseIntElementsAttr::get(RankedTensorType::get({2}, b.getI64Type()),
                                     v);
  };
  return b
      .create<linalg::Conv2DNhwcHwcfOp>(
          loc, TypeRange{RankedTensorType::get(outShape, b.getF32Type())},
          ValueRange{xp, w}, ValueRange{filled(b, loc, outShape, 0.0)},
          attr(stride), attr(dilation))
      .getResult(0);
}

// conv2d(x, w) => conv_2d_nhwc_hwcf(pad(x), w) : [N, OH, OW, F]
//   (useWinograd: winogradConv(pad(x), w);
//   1x1, stride 1, unpadded: expand(matmul(collapse(x), collapse(w)));
//   F < kMinDirectChannels: expand(matmul(im2col(pad(x)), collapse(w))))
struct Conv2DLowering : OpConversionPattern<nn::Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Geometry g(op.getX().getType().getShape(),
               op.getW().getType().getShape().take_front(2), op.getStride(),
               op.getDilation(), op.getPadding());
    int64_t f = op.getType().getDimSize(3);
    if (!isPointwise(g) && f >= kMinDirectChannels) {
      rewriter.replaceOp(
          op, directConv(rewriter, loc,
                         padInput(rewriter, loc, adaptor.getX(), g, 0.0),
                         adaptor.getW(), op.getType().getShape(),
                         op.getStride(), op.getDilation()));
      return success();
    }
    Value col = im2col(rewriter, loc, adaptor.getX(), g);
    Value y =
        rewriter
            .create<linalg::MatmulOp>(
                loc,
                ValueRange{col, collapseLast(rewriter, loc, adaptor.getW())},
                filled(rewriter, loc, {g.n * g.oh * g.ow, f}, 0.0))
            .getResult(0);
    rewriter.replaceOp(op,
                       expandLast(rewriter, loc, y, op.getType().getShape()));
    return success();
  }
};

/// acc + col^T dy for an im2col `col` [R, KH KW C] and the R pixels of dy
/// [.., .., .., F] it was built for: [KH KW C, F].
Value addGradFilterGemm(OpBuilder &b, Location loc, Value col, Value dy,
                        Value acc) {
  return b
      .create<linalg::MatmulTransposeAOp>(
          loc, ValueRange{col, collapseLast(b, loc, dy)}, acc)
      .getResult(0);
}

// conv2d_grad_filter(x, dy) => winogradGradFilter(pad(x), dy) (useWinograd),
// else expand(matmul_transpose_a(
//     im2col(pad(x)) [N OH OW, KH KW C], collapse(dy) [N OH OW, F]))
//   : [KH, KW, C, F]
// accumulated over chunks of output rows (pickChunk) in loops, in
// kBatchHalves halves of the batch when N allows:
//   p = forall half: dw_h = 0;
//         for n0 in half, oh0: dw_h += im2col(xp[n0.., oh0 sh..])^T dy[n0..]
//   dw = sum over halves of p
struct Conv2DGradFilterLowering : OpConversionPattern<nn::Conv2DGradFilterOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::Conv2DGradFilterOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> wShape = op.getType().getShape();
    Geometry g(op.getX().getType().getShape(), wShape.take_front(2),
               op.getStride(), op.getDilation(), op.getPadding());
    int64_t m = g.kh * g.kw * g.c, f = wShape[3];
    if (useWinograd(wShape, g.outShape(), op.getStride(), op.getDilation())) {
      rewriter.replaceOp(
          op,
          winogradGradFilter(rewriter, loc,
                             padInput(rewriter, loc, adaptor.getX(), g, 0.0),
                             adaptor.getDy()));
      return success();
    }
    if (isPointwise(g) || g.n * g.oh * g.ow * m * 4 <= kIm2colChunkBytes) {
      Value col = im2col(rewriter, loc, adaptor.getX(), g);
      Value dw = addGradFilterGemm(rewriter, loc, col, adaptor.getDy(),
                                   filled(rewriter, loc, {m, f}, 0.0));
      rewriter.replaceOp(op, expandLast(rewriter, loc, dw, wShape));
      return success();
    }
    int64_t halves = g.n % kBatchHalves == 0 ? kBatchHalves : 1;
    int64_t images = g.n / halves;
    Chunk ch = pickChunk(g.ow * g.kh * g.kw * g.c * 4, g.oh, images,
                         kIm2colChunkBytes / halves);
    Value xp = padInput(rewriter, loc, adaptor.getX(), g, 0.0);
    Value dy = adaptor.getDy();
    // Input rows a chunk of ohb output rows reads.
    int64_t inRows = (ch.ohb - 1) * g.sh + (g.kh - 1) * g.dh + 1;
    // dw of images [n, n + images), accumulated from zero.
    auto sumImages = [&](OpBuilder &b, Location l, Value n) -> Value {
      auto index = [&](int64_t v) {
        return b.create<arith::ConstantIndexOp>(l, v);
      };
      Value end = b.create<arith::AddIOp>(l, n, index(images));
      auto nLoop = b.create<scf::ForOp>(
          l, n, end, index(ch.nb), ValueRange{filled(b, l, {m, f}, 0.0)},
          [&](OpBuilder &b, Location l, Value n0, ValueRange nAcc) {
            auto hLoop = b.create<scf::ForOp>(
                l, index(0), index(g.oh), index(ch.ohb), nAcc,
                [&](OpBuilder &b, Location l, Value oh0, ValueRange acc) {
                  Value ih0 = b.create<arith::MulIOp>(l, oh0, index(g.sh));
                  Value xs = rowsSlice(b, l, xp, n0, ih0,
                                       {ch.nb, inRows, g.wp(), g.c});
                  Value dys =
                      rowsSlice(b, l, dy, n0, oh0, {ch.nb, ch.ohb, g.ow, f});
                  Value col = im2colPadded(b, l, xs, g, ch.nb, ch.ohb);
                  b.create<scf::YieldOp>(
                      l, addGradFilterGemm(b, l, col, dys, acc[0]));
                });
            b.create<scf::YieldOp>(l, hLoop.getResult(0));
          });
      return nLoop.getResult(0);
    };
    Value dw;
    if (halves == 1) {
      dw = sumImages(rewriter, loc,
                     rewriter.create<arith::ConstantIndexOp>(loc, 0));
    } else {
      auto forall = rewriter.create<scf::ForallOp>(
          loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(halves)},
          ValueRange{empty(rewriter, loc, {halves, m, f})}, std::nullopt);
      OpBuilder b = OpBuilder::atBlockBegin(forall.getBody());
      Value half = forall.getInductionVar(0);
      Value n = b.create<arith::MulIOp>(
          loc, half, b.create<arith::ConstantIndexOp>(loc, images));
      Value part = sumImages(b, loc, n);
      b.setInsertionPointToEnd(forall.getTerminator().getBody());
      b.create<tensor::ParallelInsertSliceOp>(
          loc, part, forall.getRegionOutArgs()[0],
          SmallVector<OpFoldResult>{half, b.getIndexAttr(0), b.getIndexAttr(0)},
          indices(b, {1, m, f}), indices(b, {1, 1, 1}));
      dw = sumFirstDim(rewriter, loc, forall.getResult(0));
    }
    rewriter.replaceOp(op, expandLast(rewriter, loc, dw, wShape));
    return success();
  }
};

/// For stride 1, the input gradient is a convolution (directConv: direct or
/// Winograd) of dy, padded by
/// the kernel's extent minus the forward padding, with the filter rotated by
/// 180 degrees and its C and F swapped:
///   dx[n, h, w, c] = sum dyp[n, h + a dh, w + b dw, f] w[KH-1-a, KW-1-b, c, f]
/// Null when the stride is not 1, the forward padding exceeds the kernel's
/// extent, C is below kMinDirectChannels, or the kernel is 1x1 unpadded (a
/// GEMM is better).
Value directGradInput(OpBuilder &b, Location loc, Value dy, Value w,
                      const Geometry &g) {
  int64_t eh = (g.kh - 1) * g.dh, ew = (g.kw - 1) * g.dw;
  if (g.sh != 1 || g.sw != 1 || isPointwise(g) || g.c < kMinDirectChannels ||
      g.pt > eh || g.pb > eh || g.pl > ew || g.pr > ew)
    return nullptr;
  // A gather (tensor.extract): tiling mis-sizes slices of maps like
  // (a) -> (KH - 1 - a). The filter is small.
  int64_t f = cast<RankedTensorType>(dy.getType()).getDimSize(3);
  Value rotated = generic(
      b, loc, ValueRange{}, empty(b, loc, {g.kh, g.kw, f, g.c}),
      {identityMap(b.getContext(), 4)}, parallel(4),
      [&](OpBuilder &nb, Location l, ValueRange) {
        SmallVector<Value> i;
        for (unsigned d = 0; d < 4; ++d)
          i.push_back(nb.create<linalg::IndexOp>(l, d));
        auto flip = [&](int64_t size, Value v) -> Value {
          return nb.create<arith::SubIOp>(
              l, nb.create<arith::ConstantIndexOp>(l, size - 1), v);
        };
        return SmallVector<Value>{nb.create<tensor::ExtractOp>(
            l, w, ValueRange{flip(g.kh, i[0]), flip(g.kw, i[1]), i[3], i[2]})};
      })[0];
  Value dyp = dy;
  if (eh - g.pt || eh - g.pb || ew - g.pl || ew - g.pr)
    dyp = b.create<tensor::PadOp>(
        loc,
        RankedTensorType::get({g.n, g.h + eh, g.w + ew, f}, b.getF32Type()), dy,
        indices(b, {0, eh - g.pt, ew - g.pl, 0}),
        indices(b, {0, eh - g.pb, ew - g.pr, 0}), f32(b, loc, 0.0));
  return directConv(b, loc, dyp, rotated, {g.n, g.h, g.w, g.c}, {1, 1},
                    {g.dh, g.dw});
}

/// col2im of a one-channel input gradient: on NHWC its adds would be vectors
/// 1 wide (9 scalar read-modify-write passes over dx were 61% of the op's
/// time). Dropping the unit C, dxp is [N, Hp, Wp] and each (a, b) adds the
/// strided column dcol[:, :, :, a, b] into a window slice vectorized along W:
///   dxp[:, a dh + i sh, b dw + j sw] += dcol[:, i, j, a, b, 0]
Value grayCol2im(OpBuilder &b, Location loc, Value dcol, const Geometry &g) {
  Value acc = filled(b, loc, {g.n, g.hp(), g.wp()}, 0.0);
  auto sliceType = RankedTensorType::get({g.n, g.oh, g.ow}, b.getF32Type());
  auto sizes = indices(b, sliceType.getShape()),
       strides = indices(b, {1, g.sh, g.sw});
  for (int64_t a = 0; a < g.kh; ++a)
    for (int64_t bb = 0; bb < g.kw; ++bb) {
      auto offsets = indices(b, {0, a * g.dh, bb * g.dw});
      Value slice = b.create<tensor::ExtractSliceOp>(loc, sliceType, acc,
                                                     offsets, sizes, strides);
      Value term = b.create<tensor::ExtractSliceOp>(
          loc, sliceType, dcol, indices(b, {0, 0, 0, a, bb, 0}),
          indices(b, {g.n, g.oh, g.ow, 1, 1, 1}),
          indices(b, {1, 1, 1, 1, 1, 1}));
      SmallVector<AffineMap> maps(2, identityMap(b.getContext(), 3));
      Value sum = generic(b, loc, term, slice, maps, parallel(3), addBody)[0];
      acc = b.create<tensor::InsertSliceOp>(loc, sum, acc, offsets, sizes,
                                            strides);
    }
  auto dxType = RankedTensorType::get({g.n, g.h, g.w}, b.getF32Type());
  if (g.padded())
    acc = b.create<tensor::ExtractSliceOp>(
        loc, dxType, acc, indices(b, {0, g.pt, g.pl}),
        indices(b, dxType.getShape()), indices(b, {1, 1, 1}));
  return b.create<tensor::ExpandShapeOp>(
      loc, RankedTensorType::get({g.n, g.h, g.w, 1}, b.getF32Type()), acc,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
}

// conv2d_grad_input(dy, w) => directGradInput (stride 1), else
//   dcol = matmul_transpose_b(collapse(dy) [N OH OW, F], collapse(w) [KH KW C,
//   F])
//          as [N, OH, OW, KH, KW, C];
//   col2im: dxp[:, a dh + i sh, b dw + j sw, :] += dcol[:, i, j, a, b, :]
//   for each (a, b) (strided slices); dx = dxp without the padding
//   (grayCol2im for C = 1)
// The GEMM does the F-long dot products at full speed; col2im is KH KW
// elementwise adds over [N, OH, OW, C] (the size of im2col), contiguous in C.
struct Conv2DGradInputLowering : OpConversionPattern<nn::Conv2DGradInputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::Conv2DGradInputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> wShape = op.getW().getType().getShape();
    Geometry g(op.getType().getShape(), wShape.take_front(2), op.getStride(),
               op.getDilation(), op.getPadding());
    if (Value dx = directGradInput(rewriter, loc, adaptor.getDy(),
                                   adaptor.getW(), g)) {
      rewriter.replaceOp(op, dx);
      return success();
    }
    int64_t rows = g.n * g.oh * g.ow, k = g.kh * g.kw * g.c;
    Value dcol2d =
        rewriter
            .create<linalg::MatmulTransposeBOp>(
                loc,
                ValueRange{collapseLast(rewriter, loc, adaptor.getDy()),
                           collapseLast(rewriter, loc, adaptor.getW())},
                filled(rewriter, loc, {rows, k}, 0.0))
            .getResult(0);
    Value dcol = rewriter.create<tensor::ExpandShapeOp>(
        loc,
        RankedTensorType::get({g.n, g.oh, g.ow, g.kh, g.kw, g.c},
                              rewriter.getF32Type()),
        dcol2d, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
    if (g.c == 1) {
      rewriter.replaceOp(op, grayCol2im(rewriter, loc, dcol, g));
      return success();
    }
    auto termType = RankedTensorType::get(g.outShape(), rewriter.getF32Type());
    Value dx = scatterWindows(
        rewriter, loc, g, [&](int64_t a, int64_t b, Value slice) {
          Value term = rewriter.create<tensor::ExtractSliceOp>(
              loc, termType, dcol, indices(rewriter, {0, 0, 0, a, b, 0}),
              indices(rewriter, {g.n, g.oh, g.ow, 1, 1, g.c}),
              indices(rewriter, {1, 1, 1, 1, 1, 1}));
          return addInto(
              rewriter, loc, slice, term,
              [](OpBuilder &, Location, ValueRange t) { return t[0]; });
        });
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// An unread [KH, KW] operand mapped to the kernel loops (a, b): linalg
/// derives loop bounds from operand dims, and a, b only occur in i sh + a.
/// (linalg.pooling_* ops take the same "window" operand.)
Value windowShape(OpBuilder &b, Location loc, const Geometry &g) {
  return empty(b, loc, {g.kh, g.kw});
}

/// The pools' window reduction over (n, i, j, a, b, c), c last:
/// y[n, i, j, c] = combine over (a, b) of xp[n, i sh + a, j sw + b, c].
Value poolReduce(OpBuilder &b, Location loc, Value xp, const Geometry &g,
                 double init,
                 function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  MLIRContext *ctx = b.getContext();
  SmallVector<IteratorType> iters = parallel(6);
  iters[3] = iters[4] = IteratorType::reduction;
  return generic(b, loc, ValueRange{xp, windowShape(b, loc, g)},
                 filled(b, loc, g.outShape(), init),
                 {windowMap(ctx, g), dimsMap(ctx, 6, {3, 4}),
                  dimsMap(ctx, 6, {0, 1, 2, 5})},
                 iters, [&](OpBuilder &nb, Location l, ValueRange a) {
                   return SmallVector<Value>{fn(nb, l, a[2], a[0])};
                 })[0];
}

/// Pool windows that tile the input exactly (stride = kernel, no padding,
/// H = OH KH, W = OW KW; global_avg_pool among them): a pool gradient is then
/// one elementwise generic over x viewed as [N, OH, KH, OW, KW, C], collapsed
/// back, instead of a col2im whose KH KW slices cost a pass over dx each and
/// make a large window take minutes to compile.
bool windowsTile(const Geometry &g) {
  return !g.padded() && g.sh == g.kh && g.sw == g.kw && g.h == g.oh * g.kh &&
         g.w == g.ow * g.kw;
}

/// dx[n, i KH + a, j KW + b, c] = fn(a, b, operands[n, i, j, c]...) for
/// windows that tile the input (windowsTile).
Value perWindowElement(
    OpBuilder &b, Location loc, const Geometry &g, RankedTensorType dxType,
    ValueRange operands,
    function_ref<Value(OpBuilder &, Location, Value, Value, ValueRange)> fn) {
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> tiles = {g.n, g.oh, g.kh, g.ow, g.kw, g.c};
  SmallVector<AffineMap> maps(operands.size(), dimsMap(ctx, 6, {0, 1, 3, 5}));
  maps.push_back(identityMap(ctx, 6));
  Value d =
      generic(b, loc, operands, empty(b, loc, tiles), maps, parallel(6),
              [&](OpBuilder &nb, Location l, ValueRange a) {
                Value ia = nb.create<linalg::IndexOp>(l, 2);
                Value ib = nb.create<linalg::IndexOp>(l, 4);
                return SmallVector<Value>{fn(nb, l, ia, ib, a.drop_back())};
              })[0];
  return b.create<tensor::CollapseShapeOp>(
      loc, dxType, d, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3, 4}, {5}});
}

Geometry poolGeometry(ArrayRef<int64_t> x, ArrayRef<int64_t> kernel,
                      ArrayRef<int64_t> stride, ArrayRef<int64_t> padding) {
  int64_t one[] = {1, 1};
  return Geometry(x, kernel, stride, one, padding);
}

// max_pool(x) => y[n, i, j, c] = max_{a, b} pad(x, -inf)[n, i sh + a, j sw + b,
// c]
struct MaxPoolLowering : OpConversionPattern<nn::MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::MaxPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Geometry g = poolGeometry(op.getX().getType().getShape(), op.getKernel(),
                              op.getStride(), op.getPadding());
    Value xp = padInput(rewriter, loc, adaptor.getX(), g, -INFINITY);
    rewriter.replaceOp(
        op,
        poolReduce(rewriter, loc, xp, g, -INFINITY,
                   [](OpBuilder &b, Location l, Value acc, Value v) -> Value {
                     return b.create<arith::MaximumFOp>(l, acc, v);
                   }));
    return success();
  }
};

// avg_pool(x) => s[n, i, j, c] = sum_{a, b} pad(x, 0)[n, i sh + a, j sw + b,
// c];
//   s / (KH KW)
struct AvgPoolLowering : OpConversionPattern<nn::AvgPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::AvgPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Geometry g = poolGeometry(op.getX().getType().getShape(), op.getKernel(),
                              op.getStride(), op.getPadding());
    Value xp = padInput(rewriter, loc, adaptor.getX(), g, 0.0);
    Value sum =
        poolReduce(rewriter, loc, xp, g, 0.0,
                   [](OpBuilder &b, Location l, Value acc, Value v) -> Value {
                     return b.create<arith::AddFOp>(l, acc, v);
                   });
    Value count = f32(rewriter, loc, g.kh * g.kw);
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, sum, 1,
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          return SmallVector<Value>{
                              b.create<arith::DivFOp>(l, a[0], count)};
                        })[0]);
    return success();
  }
};

// max_pool_grad(x, dy) =>
//   (m, k)[n, i, j, c] = lexicographic max over (a, b) of
//     (xp[n, i sh + a, j sw + b, c], -(a KW + b)), xp = pad(x, -inf)
//     (the first maximum in row-major order, whatever the reduction order);
//   col2im of select(k == a KW + b, dy, 0) over the windows (one generic
//   when the windows tile the input)
struct MaxPoolGradLowering : OpConversionPattern<nn::MaxPoolGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::MaxPoolGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Geometry g = poolGeometry(op.getX().getType().getShape(), op.getKernel(),
                              op.getStride(), op.getPadding());
    Value xp = padInput(rewriter, loc, adaptor.getX(), g, -INFINITY);
    Type i32 = rewriter.getI32Type();
    auto i32Const = [&](OpBuilder &b, Location l, int64_t v) -> Value {
      return b.create<arith::ConstantOp>(l, b.getI32IntegerAttr(v));
    };
    Value argInit =
        rewriter
            .create<linalg::FillOp>(
                loc, ValueRange{i32Const(rewriter, loc, g.kh * g.kw)},
                ValueRange{
                    rewriter.create<tensor::EmptyOp>(loc, g.outShape(), i32)})
            .getResult(0);
    SmallVector<IteratorType> iters = parallel(6);
    iters[3] = iters[4] = IteratorType::reduction;
    AffineMap out = dimsMap(ctx, 6, {0, 1, 2, 5});
    Value argmax = generic(
        rewriter, loc, ValueRange{xp, windowShape(rewriter, loc, g)},
        ValueRange{filled(rewriter, loc, g.outShape(), -INFINITY), argInit},
        {windowMap(ctx, g), dimsMap(ctx, 6, {3, 4}), out, out}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value ia = b.create<arith::IndexCastOp>(
              l, i32, b.create<linalg::IndexOp>(l, 3));
          Value ib = b.create<arith::IndexCastOp>(
              l, i32, b.create<linalg::IndexOp>(l, 4));
          Value k = b.create<arith::AddIOp>(
              l, b.create<arith::MulIOp>(l, ia, i32Const(b, l, g.kw)), ib);
          Value gt =
              b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, a[0], a[2]);
          Value eq =
              b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, a[0], a[2]);
          Value first =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, k, a[3]);
          Value take = b.create<arith::OrIOp>(
              l, gt, b.create<arith::AndIOp>(l, eq, first));
          return SmallVector<Value>{
              b.create<arith::SelectOp>(l, take, a[0], a[2]),
              b.create<arith::SelectOp>(l, take, k, a[3])};
        })[1];
    Value dy = adaptor.getDy();
    if (windowsTile(g)) {
      rewriter.replaceOp(
          op, perWindowElement(
                  rewriter, loc, g, op.getType(), ValueRange{argmax, dy},
                  [&](OpBuilder &b, Location l, Value ia, Value ib,
                      ValueRange t) -> Value {
                    Value k = b.create<arith::AddIOp>(
                        l,
                        b.create<arith::MulIOp>(
                            l, ia, b.create<arith::ConstantIndexOp>(l, g.kw)),
                        ib);
                    Value hit = b.create<arith::CmpIOp>(
                        l, arith::CmpIPredicate::eq,
                        b.create<arith::IndexCastOp>(l, i32, k), t[0]);
                    return b.create<arith::SelectOp>(l, hit, t[1],
                                                     f32(b, l, 0.0));
                  }));
      return success();
    }
    Value dx = scatterWindows(
        rewriter, loc, g, [&](int64_t a, int64_t b, Value slice) {
          return addInto(rewriter, loc, slice, ValueRange{argmax, dy},
                         [&](OpBuilder &nb, Location l, ValueRange t) -> Value {
                           Value hit = nb.create<arith::CmpIOp>(
                               l, arith::CmpIPredicate::eq, t[0],
                               i32Const(nb, l, a * g.kw + b));
                           return nb.create<arith::SelectOp>(l, hit, t[1],
                                                             f32(nb, l, 0.0));
                         });
        });
    rewriter.replaceOp(op, dx);
    return success();
  }
};

// avg_pool_grad(dy) => d = dy / (KH KW); col2im of d over the windows; when
// the windows tile the input:
//   dx = collapse(d'[n, i, a, j, b, c] = dy[n, i, j, c] / (KH KW))
struct AvgPoolGradLowering : OpConversionPattern<nn::AvgPoolGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::AvgPoolGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Geometry g = poolGeometry(op.getType().getShape(), op.getKernel(),
                              op.getStride(), op.getPadding());
    Value count = f32(rewriter, loc, g.kh * g.kw);
    if (windowsTile(g)) {
      rewriter.replaceOp(
          op, perWindowElement(rewriter, loc, g, op.getType(), adaptor.getDy(),
                               [&](OpBuilder &b, Location l, Value, Value,
                                   ValueRange t) -> Value {
                                 return b.create<arith::DivFOp>(l, t[0], count);
                               }));
      return success();
    }
    Value d = elementwise(rewriter, loc, adaptor.getDy(), 1,
                          [&](OpBuilder &b, Location l, ValueRange a) {
                            return SmallVector<Value>{
                                b.create<arith::DivFOp>(l, a[0], count)};
                          })[0];
    Value dx =
        scatterWindows(rewriter, loc, g, [&](int64_t, int64_t, Value slice) {
          return addInto(
              rewriter, loc, slice, d,
              [](OpBuilder &, Location, ValueRange t) { return t[0]; });
        });
    rewriter.replaceOp(op, dx);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

// reshape(x) => collapse_shape or expand_shape when one dim grouping maps
//   the shapes onto each other; else expand(collapse(x) to 1-D)
struct ReshapeLowering : OpConversionPattern<nn::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType from = op.getX().getType(), to = op.getType();
    if (from == to) {
      rewriter.replaceOp(op, x);
      return success();
    }
    auto all = [](int64_t rank) {
      return SmallVector<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, rank))};
    };
    auto groups = getReassociationIndicesForReshape(from, to);
    if (groups && from.getRank() > to.getRank()) {
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, to, x, *groups);
      return success();
    }
    if (groups && from.getRank() < to.getRank()) {
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, to, x, *groups);
      return success();
    }
    // Rank 0 has no dims to group: [] <-> [1, ..., 1] is the empty grouping.
    auto flat =
        RankedTensorType::get({from.getNumElements()}, rewriter.getF32Type());
    Value v = x;
    if (from.getRank() != 1)
      v = rewriter.create<tensor::CollapseShapeOp>(
          loc, flat, v,
          from.getRank() ? all(from.getRank())
                         : SmallVector<ReassociationIndices>{});
    if (to.getRank() != 1)
      v = rewriter.create<tensor::ExpandShapeOp>(
          loc, to, v,
          to.getRank() ? all(to.getRank())
                       : SmallVector<ReassociationIndices>{});
    rewriter.replaceOp(op, v);
    return success();
  }
};

// concat(x0, x1, ...) => insert_slice x_k into tensor.empty at offset
//   sum_{l < k} size_l along the axis
struct ConcatLowering : OpConversionPattern<nn::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis(), offset = 0;
    Value result = empty(rewriter, loc, type.getShape());
    SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
    for (auto [orig, v] : llvm::zip(op.getInputs(), adaptor.getInputs())) {
      auto shape = cast<RankedTensorType>(orig.getType()).getShape();
      offsets[axis] = offset;
      result = rewriter.create<tensor::InsertSliceOp>(
          loc, v, result, indices(rewriter, offsets), indices(rewriter, shape),
          indices(rewriter, strides));
      offset += shape[axis];
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

// slice(x) {axis, offset} => extract_slice x[..., offset : offset + size, ...]
struct SliceLowering : OpConversionPattern<nn::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
    offsets[op.getAxis()] = op.getOffset();
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, type, adaptor.getX(), indices(rewriter, offsets),
        indices(rewriter, type.getShape()), indices(rewriter, strides));
    return success();
  }
};

// broadcast_to(x) : T => generic { x[bcast] } over T
struct BroadcastToLowering : OpConversionPattern<nn::BroadcastToOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::BroadcastToOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, broadcastElementwise(
                rewriter, op.getLoc(), op.getType(), adaptor.getX(),
                [](OpBuilder &, Location, ValueRange a) { return a[0]; }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Random ops: counter-based hash streams (docs/internals.md "Random streams")
//===----------------------------------------------------------------------===//

Value i32c(OpBuilder &b, Location loc, uint32_t v) {
  return b.create<arith::ConstantOp>(
      loc, b.getI32IntegerAttr(static_cast<int32_t>(v)));
}

/// u32(hyper[1]) 0x9E3779B1 ^ u32(hyper[2]) 0x85EBCA77 ^ u32(salt) 0xC2B2AE3D,
/// the part of the hash key shared by all elements (i32 wraps like u32).
Value streamKey(OpBuilder &b, Location loc, Value hyper, int64_t salt) {
  Type i32 = b.getI32Type();
  auto term = [&](int64_t i, uint32_t mult) -> Value {
    Value u = b.create<arith::FPToUIOp>(loc, i32, hyperAt(b, loc, hyper, i));
    return b.create<arith::MulIOp>(loc, u, i32c(b, loc, mult));
  };
  uint32_t saltTerm = static_cast<uint32_t>(salt) * 0xC2B2AE3Du;
  Value k =
      b.create<arith::XOrIOp>(loc, term(1, 0x9E3779B1u), term(2, 0x85EBCA77u));
  return b.create<arith::XOrIOp>(loc, k, i32c(b, loc, saltTerm));
}

/// fmix32(key ^ u32(i)), MurmurHash3's finaliser, for an index value i.
Value hash(OpBuilder &b, Location loc, Value key, Value i) {
  Value h = b.create<arith::XOrIOp>(
      loc, key, b.create<arith::IndexCastOp>(loc, b.getI32Type(), i));
  auto xorShift = [&](unsigned s) {
    h = b.create<arith::XOrIOp>(
        loc, h, b.create<arith::ShRUIOp>(loc, h, i32c(b, loc, s)));
  };
  xorShift(16);
  h = b.create<arith::MulIOp>(loc, h, i32c(b, loc, 0x85EBCA6Bu));
  xorShift(13);
  h = b.create<arith::MulIOp>(loc, h, i32c(b, loc, 0xC2B2AE35u));
  xorShift(16);
  return h;
}

// dropout_mask(hyper) {p, salt}[i] =>
//   k = hash(i row-major); (k >> 8) 2^-24 >= p ? 1 / (1 - p) : 0
struct DropoutMaskLowering : OpConversionPattern<nn::DropoutMaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::DropoutMaskOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    unsigned rank = type.getRank();
    Value key = streamKey(rewriter, loc, adaptor.getHyper(), op.getSalt());
    double p = op.getP().convertToFloat();
    Value pv = constant(rewriter, loc, op.getPAttr());
    Value scale = f32(rewriter, loc, 1.0 / (1.0 - p));
    Value mask = generic(
        rewriter, loc, ValueRange{}, empty(rewriter, loc, type.getShape()),
        {identityMap(rewriter.getContext(), rank)}, parallel(rank),
        [&](OpBuilder &b, Location l, ValueRange) {
          // i = ((i0 D1 + i1) D2 + i2) ...
          Value i = rank ? b.create<linalg::IndexOp>(l, 0).getResult()
                         : b.create<arith::ConstantIndexOp>(l, 0).getResult();
          for (unsigned d = 1; d < rank; ++d) {
            Value dim = b.create<arith::ConstantIndexOp>(l, type.getDimSize(d));
            i = b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, i, dim),
                                        b.create<linalg::IndexOp>(l, d));
          }
          Value k = hash(b, l, key, i);
          Value top = b.create<arith::ShRUIOp>(l, k, i32c(b, l, 8));
          Value u = b.create<arith::MulFOp>(
              l, b.create<arith::UIToFPOp>(l, b.getF32Type(), top),
              f32(b, l, 1.0 / 16777216.0));
          Value keep =
              b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGE, u, pv);
          return SmallVector<Value>{
              b.create<arith::SelectOp>(l, keep, scale, f32(b, l, 0.0))};
        })[0];
    rewriter.replaceOp(op, mask);
    return success();
  }
};

// flip_lr(x, hyper) {salt}[n, h, w, c] =>
//   x[n, h, hash(n) >> 31 ? W - 1 - w : w, c]   (tensor.extract in the body)
// A mirrored indexing map (n, h, W - 1 - w, c) would be simpler, but
// upstream tiling computes negative slice sizes for a decreasing map.
struct FlipLrLowering : OpConversionPattern<nn::FlipLrOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::FlipLrOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value key = streamKey(rewriter, loc, adaptor.getHyper(), op.getSalt());
    Value x = adaptor.getX();
    Value y = generic(
        rewriter, loc, ValueRange{}, empty(rewriter, loc, type.getShape()),
        {identityMap(rewriter.getContext(), 4)}, parallel(4),
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> idx;
          for (unsigned d = 0; d < 4; ++d)
            idx.push_back(b.create<linalg::IndexOp>(l, d));
          Value k = hash(b, l, key, idx[0]);
          Value flip = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, k,
                                               i32c(b, l, 0));
          Value last =
              b.create<arith::ConstantIndexOp>(l, type.getDimSize(2) - 1);
          Value mirrored = b.create<arith::SubIOp>(l, last, idx[2]);
          idx[2] = b.create<arith::SelectOp>(l, flip, mirrored, idx[2]);
          return SmallVector<Value>{b.create<tensor::ExtractOp>(l, x, idx)};
        })[0];
    rewriter.replaceOp(op, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct LowerToLinalgPass : nnc::impl::LowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<nn::NNDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           func::FuncDialect, scf::SCFDialect>();
    RewritePatternSet patterns(ctx);
    patterns.add<MatMulLowering, SoftmaxLowering, SoftmaxGradLowering,
                 CrossEntropyLowering, CrossEntropyGradLowering,
                 WeightedMeanLowering, WeightedMeanGradLowering,
                 UnbroadcastLowering, SgdUpdateLowering, MomentumUpdateLowering,
                 AdamUpdateLowering, Conv2DLowering, Conv2DGradInputLowering,
                 Conv2DGradFilterLowering, MaxPoolLowering, AvgPoolLowering,
                 MaxPoolGradLowering, AvgPoolGradLowering, ReshapeLowering,
                 ConcatLowering, SliceLowering, BroadcastToLowering,
                 DropoutMaskLowering, FlipLrLowering>(ctx);
    patterns.add<
        ElementwiseLowering<nn::AddOp>, ElementwiseLowering<nn::SubOp>,
        ElementwiseLowering<nn::MulOp>, ElementwiseLowering<nn::DivOp>,
        ElementwiseLowering<nn::NegOp>, ElementwiseLowering<nn::ReluOp>,
        ElementwiseLowering<nn::SigmoidOp>, ElementwiseLowering<nn::TanhOp>,
        ElementwiseLowering<nn::LeakyReluOp>, ElementwiseLowering<nn::StepOp>,
        ElementwiseLowering<nn::ReluGradOp>,
        ElementwiseLowering<nn::LeakyReluGradOp>,
        ElementwiseLowering<nn::SigmoidGradOp>,
        ElementwiseLowering<nn::TanhGradOp>, ElementwiseLowering<nn::SqrtOp>>(
        ctx);
    patterns
        .add<PerSampleLossLowering<nn::MseOp>, PerSampleLossLowering<nn::BceOp>,
             PerSampleLossGradLowering<nn::MseGradOp>,
             PerSampleLossGradLowering<nn::BceGradOp>>(ctx);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
