//===- Reductions.cpp - reductions and losses to linalg ---------*- C++ -*-===//
//
// Lowers softmax, cross-entropy (per sample, or the mean over the positions
// of a sample), the per-sample mean losses (mse, bce),
// their gradients, weighted_mean and unbroadcast to linalg.generic reductions
// followed by elementwise generics.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

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

/// v[b] / d for a vector v [B] (a per-sample sum to a mean).
Value divideBy(OpBuilder &b, Location loc, Value v, double d) {
  AffineMap vec = identityMap(b.getContext(), 1);
  auto shape = cast<RankedTensorType>(v.getType()).getShape();
  return generic(b, loc, v, empty(b, loc, shape), {vec, vec}, parallel(1),
                 [d](OpBuilder &nb, Location l, ValueRange a) {
                   return SmallVector<Value>{
                       nb.create<arith::DivFOp>(l, a[0], f32(nb, l, d))};
                 })[0];
}

/// p clamped to [1e-7, 1 - 1e-7] (bce's guard against log(0)).
Value clampProb(OpBuilder &b, Location loc, Value p) {
  Value lo = b.create<arith::MaximumFOp>(loc, p, f32(b, loc, 1e-7));
  return b.create<arith::MinimumFOp>(loc, lo, f32(b, loc, 1.0 - 1e-7));
}

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
// Cross-entropy (logits [B, P..., C], labels [B, P...] i32; P often empty)
//===----------------------------------------------------------------------===//

/// (c == label) for the class index c = linalg.index `dim` (the last of the
/// generic's dims) inside a generic.
Value isLabel(OpBuilder &b, Location l, Value label, unsigned dim) {
  Value c = b.create<linalg::IndexOp>(l, dim);
  Value labelIdx = b.create<arith::IndexCastOp>(l, b.getIndexType(), label);
  return b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, c, labelIdx);
}

/// label == ignore (an i32 label of a position that does not count).
Value isIgnored(OpBuilder &b, Location l, Value label, int64_t ignore) {
  Value k = b.create<arith::ConstantIntOp>(l, ignore, 32);
  return b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, label, k);
}

/// The positions per sample |P| of logits [B, P..., C].
int64_t positions(RankedTensorType logits) {
  return perSample(logits) / logits.getShape().back();
}

// (ignore_index k: a position whose label is k gives 0, in both.)
// cross_entropy(z, label)[b] => m = max_c z; s = sum_c exp(z - m);
//   zl[b] = sum_c (c == label[b] ? z[b, c] : 0);
//   l[b] = (log s[b] + m[b]) - zl[b]
// z [B, P..., C]: the same per position [b, p], then
//   l[b] = sum_p l[b, p] / |P|
struct CrossEntropyLowering : OpConversionPattern<nn::CrossEntropyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::CrossEntropyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value z = adaptor.getLogits(), labels = adaptor.getLabels();
    auto zType = cast<RankedTensorType>(z.getType());
    unsigned n = zType.getRank();
    ArrayRef<int64_t> rows = zType.getShape().drop_back();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = identityMap(ctx, n), row = rowMap(ctx, n),
              pos = identityMap(ctx, n - 1);
    Value max = rowMax(rewriter, loc, z);
    Value sum = rowSumExp(rewriter, loc, z, max);
    Value picked = generic(
        rewriter, loc, ValueRange{z, labels}, filled(rewriter, loc, rows, 0.0),
        {id, row, row}, reduceLast(n),
        [n](OpBuilder &b, Location l, ValueRange a) {
          Value zc = b.create<arith::SelectOp>(l, isLabel(b, l, a[1], n - 1),
                                               a[0], f32(b, l, 0.0));
          return SmallVector<Value>{b.create<arith::AddFOp>(l, a[2], zc)};
        })[0];
    std::optional<int64_t> ignore = op.getIgnoreIndex();
    SmallVector<Value> ins = {max, sum, picked};
    if (ignore)
      ins.push_back(labels);
    SmallVector<AffineMap> maps(ins.size() + 1, pos);
    Value loss = generic(
        rewriter, loc, ins, empty(rewriter, loc, rows), maps, parallel(n - 1),
        [ignore](OpBuilder &b, Location l, ValueRange a) {
          Value lse =
              b.create<arith::AddFOp>(l, b.create<math::LogOp>(l, a[1]), a[0]);
          Value v = b.create<arith::SubFOp>(l, lse, a[2]);
          if (ignore)
            v = b.create<arith::SelectOp>(l, isIgnored(b, l, a[3], *ignore),
                                          f32(b, l, 0.0), v);
          return SmallVector<Value>{v};
        })[0];
    if (n > 2) {
      Value total = generic(rewriter, loc, loss,
                            filled(rewriter, loc, op.getType().getShape(), 0.0),
                            {pos, batchMap(ctx, n - 1)}, reducePerSample(n - 1),
                            addBody)[0];
      loss = divideBy(rewriter, loc, total, positions(zType));
    }
    rewriter.replaceOp(op, loss);
    return success();
  }
};

// cross_entropy_grad(z, label, dl)[b, c] =>
//   (exp(z[b, c] - m[b]) / s[b] - (c == label[b])) dl[b]
// z [B, P..., C]: [b, p, c] => (exp(z - m[b, p]) / s[b, p] - (c == label[b,
//   p])) (dl[b] / |P|)
struct CrossEntropyGradLowering : OpConversionPattern<nn::CrossEntropyGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::CrossEntropyGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value z = adaptor.getLogits(), dl = adaptor.getDl();
    RankedTensorType type = op.getType();
    unsigned n = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = identityMap(ctx, n), row = rowMap(ctx, n);
    if (n > 2)
      dl = divideBy(rewriter, loc, dl, positions(type));
    Value max = rowMax(rewriter, loc, z);
    Value sum = rowSumExp(rewriter, loc, z, max);
    Value dz = generic(
        rewriter, loc, ValueRange{z, max, sum, adaptor.getLabels(), dl},
        empty(rewriter, loc, type.getShape()),
        {id, row, row, row, batchMap(ctx, n), id}, parallel(n),
        [n, ignore = op.getIgnoreIndex()](OpBuilder &b, Location l,
                                          ValueRange a) {
          Value e =
              b.create<math::ExpOp>(l, b.create<arith::SubFOp>(l, a[0], a[1]));
          Value softmax = b.create<arith::DivFOp>(l, e, a[2]);
          Value onehot = b.create<arith::SelectOp>(
              l, isLabel(b, l, a[3], n - 1), f32(b, l, 1.0), f32(b, l, 0.0));
          Value diff = b.create<arith::SubFOp>(l, softmax, onehot);
          Value d = b.create<arith::MulFOp>(l, diff, a[4]);
          if (ignore)
            d = b.create<arith::SelectOp>(l, isIgnored(b, l, a[3], *ignore),
                                          f32(b, l, 0.0), d);
          return SmallVector<Value>{d};
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
    rewriter.replaceOp(op, divideBy(rewriter, loc, sum, perSample(predType)));
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

} // namespace

void nntolinalg::populateReductionLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SoftmaxLowering, SoftmaxGradLowering, CrossEntropyLowering,
               CrossEntropyGradLowering, PerSampleLossLowering<nn::MseOp>,
               PerSampleLossLowering<nn::BceOp>,
               PerSampleLossGradLowering<nn::MseGradOp>,
               PerSampleLossGradLowering<nn::BceGradOp>, WeightedMeanLowering,
               WeightedMeanGradLowering, UnbroadcastLowering>(
      patterns.getContext());
}
