//===- Sequence.cpp - sequence ops to linalg --------------------*- C++ -*-===//
//
// Lowers the ops of sequence models: embedding (a loop of row copies) and its
// gradient (a loop of row additions: a scatter-add, not a one-hot product),
// batch_matmul (a loop of 2-D matmuls, the batch split in halves over the
// threads), permute (linalg.transpose), shift_right, token_mask and
// label_count (small generics on the ids).
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

Value index(OpBuilder &b, Location l, int64_t v) {
  return b.create<arith::ConstantIndexOp>(l, v);
}

/// v : [N...] (or [N..., D] with `keepLast`) collapsed to [prod N] ([prod N,
/// D]).
Value flatten(OpBuilder &b, Location l, Value v, bool keepLast) {
  auto t = cast<RankedTensorType>(v.getType());
  int64_t r = t.getRank(), lead = keepLast ? r - 1 : r;
  if (lead == 1)
    return v;
  ReassociationIndices first;
  for (int64_t i = 0; i < lead; ++i)
    first.push_back(i);
  SmallVector<ReassociationIndices> groups{first};
  if (keepLast)
    groups.push_back({r - 1});
  return b.create<tensor::CollapseShapeOp>(l, v, groups);
}

/// ids[i] as an index clamped to [0, rows - 1].
Value rowIndex(OpBuilder &b, Location l, Value ids, Value i, int64_t rows) {
  Value id = b.create<tensor::ExtractOp>(l, ids, ValueRange{i});
  Value v = b.create<arith::IndexCastOp>(l, b.getIndexType(), id);
  v = b.create<arith::MaxSIOp>(l, v, index(b, l, 0));
  return b.create<arith::MinSIOp>(l, v, index(b, l, rows - 1));
}

/// Row `r` of m : [R, D] as a tensor [D] (a slice, no copy).
Value row(OpBuilder &b, Location l, Value m, Value r, int64_t d) {
  auto type = RankedTensorType::get({d}, b.getF32Type());
  return b.create<tensor::ExtractSliceOp>(
      l, type, m, SmallVector<OpFoldResult>{r, b.getIndexAttr(0)},
      indices(b, {1, d}), indices(b, {1, 1}));
}

Value insertRow(OpBuilder &b, Location l, Value v, Value m, Value r,
                int64_t d) {
  return b.create<tensor::InsertSliceOp>(
      l, v, m, SmallVector<OpFoldResult>{r, b.getIndexAttr(0)},
      indices(b, {1, d}), indices(b, {1, 1}));
}

// embedding(table [V, D], ids [N...]) => y [prod N, D]:
//   for i: y[i, :] = table[clamp(ids[i]), :]; expanded to [N..., D]
struct EmbeddingLowering : OpConversionPattern<nn::EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    ArrayRef<int64_t> ts = op.getTable().getType().getShape();
    int64_t v = ts[0], d = ts[1], n = type.getNumElements() / d;
    Value ids = flatten(rewriter, loc, adaptor.getIds(), false);
    Value table = adaptor.getTable();
    auto loop = rewriter.create<scf::ForOp>(
        loc, index(rewriter, loc, 0), index(rewriter, loc, n),
        index(rewriter, loc, 1), ValueRange{empty(rewriter, loc, {n, d})},
        [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
          Value src = row(b, l, table, rowIndex(b, l, ids, i, v), d);
          b.create<scf::YieldOp>(l, insertRow(b, l, src, acc[0], i, d));
        });
    Value y = loop.getResult(0);
    if (type.getRank() > 2)
      y = rewriter.create<tensor::ExpandShapeOp>(
          loc, type, y,
          getReassociationIndicesForReshape(cast<RankedTensorType>(y.getType()),
                                            type)
              .value());
    rewriter.replaceOp(op, y);
    return success();
  }
};

// embedding_grad(ids [N...], dy [N..., D]) => dt [V, D] from zeros:
//   forall half of the D columns (when D is even; one thread each):
//     scatterAddRows: for i in order: dt[clamp(ids[i]), cols] += dy[i, cols]
// Split by columns, not by ids: two ids may name the same row.
struct EmbeddingGradLowering : OpConversionPattern<nn::EmbeddingGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::EmbeddingGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> ts = op.getType().getShape();
    int64_t v = ts[0], d = ts[1];
    Value ids = adaptor.getIds();
    Value dy = flatten(rewriter, loc, adaptor.getDy(), true); // [N, D]
    int64_t n = cast<RankedTensorType>(dy.getType()).getDimSize(0);
    int64_t halves = d % kBatchHalves == 0 ? kBatchHalves : 1;
    int64_t w = d / halves;
    auto col = [&](OpBuilder &b, Value h) -> OpFoldResult {
      return b.create<arith::MulIOp>(loc, h, index(b, loc, w)).getResult();
    };
    rewriter.replaceOp(
        op,
        forallParts(
            rewriter, loc, halves, {v, d}, {v, w},
            [&](OpBuilder &b, Value h) {
              return SmallVector<OpFoldResult>{b.getIndexAttr(0), col(b, h)};
            },
            [&](OpBuilder &b, Value h, Value init) {
              Value zero = b.create<linalg::FillOp>(loc, f32(b, loc, 0.0), init)
                               .getResult(0);
              Value cols = b.create<tensor::ExtractSliceOp>(
                  loc, RankedTensorType::get({n, w}, b.getF32Type()), dy,
                  SmallVector<OpFoldResult>{b.getIndexAttr(0), col(b, h)},
                  indices(b, {n, w}), indices(b, {1, 1}));
              return scatterAddRows(b, loc, zero, ids, cols, nullptr);
            }));
    return success();
  }
};

/// op(a) @ op(b) of 2-D slices, into zeros: the 2-D nn.matmul lowering's
/// named ops (a generic for both transposes).
Value matmul2d(OpBuilder &b, Location l, Value a, Value bm, bool ta, bool tb,
               ArrayRef<int64_t> mn) {
  Value init = filled(b, l, mn, 0.0);
  SmallVector<Type, 1> t{init.getType()};
  SmallVector<Value, 2> ins{a, bm};
  if (!ta && !tb)
    return b.create<linalg::MatmulOp>(l, t, ins, init).getResult(0);
  if (!tb)
    return b.create<linalg::MatmulTransposeAOp>(l, t, ins, init).getResult(0);
  if (!ta)
    return b.create<linalg::MatmulTransposeBOp>(l, t, ins, init).getResult(0);
  MLIRContext *ctx = b.getContext();
  return generic(
      b, l, ins, init,
      {dimsMap(ctx, 3, {2, 0}), dimsMap(ctx, 3, {1, 2}),
       dimsMap(ctx, 3, {0, 1})},
      {IteratorType::parallel, IteratorType::parallel, IteratorType::reduction},
      [](OpBuilder &b, Location l, ValueRange v) {
        Value p = b.create<arith::MulFOp>(l, v[0], v[1]);
        return SmallVector<Value>{b.create<arith::AddFOp>(l, v[2], p)};
      })[0];
}

/// Matrix z of m : [Z, R, C] as a tensor [R, C]: a full-rank slice [1, R,
/// C], then collapsed (a rank-reducing slice is ambiguous when R or C is 1).
Value matrix(OpBuilder &b, Location l, Value m, Value z) {
  auto s = cast<RankedTensorType>(m.getType()).getShape();
  Value one = b.create<tensor::ExtractSliceOp>(
      l, RankedTensorType::get({1, s[1], s[2]}, b.getF32Type()), m,
      SmallVector<OpFoldResult>{z, b.getIndexAttr(0), b.getIndexAttr(0)},
      indices(b, {1, s[1], s[2]}), indices(b, {1, 1, 1}));
  return b.create<tensor::CollapseShapeOp>(
      l, one, SmallVector<ReassociationIndices>{{0, 1}, {2}});
}

// batch_matmul(a [Z..., M, K], b [Z..., K, N]) => Z' = prod Z matrices:
//   forall half in [0, 2) (when Z' is even): for z in the half:
//     c[z] = op(a[z]) @ op(b[z]) (a 2-D matmul each, one thread)
struct BatchMatMulLowering : OpConversionPattern<nn::BatchMatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::BatchMatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t r = type.getRank(), m = type.getDimSize(r - 2),
            n = type.getDimSize(r - 1), z = type.getNumElements() / (m * n);
    auto collapse = [&](Value v) -> Value {
      auto t = cast<RankedTensorType>(v.getType());
      if (t.getRank() == 3)
        return v;
      ReassociationIndices lead;
      for (int64_t i = 0; i + 2 < r; ++i)
        lead.push_back(i);
      return rewriter
          .create<tensor::CollapseShapeOp>(
              loc, v, SmallVector<ReassociationIndices>{lead, {r - 2}, {r - 1}})
          .getResult();
    };
    Value a = collapse(adaptor.getA()), b = collapse(adaptor.getB());
    bool ta = op.getTransposeA(), tb = op.getTransposeB();
    int64_t halves = z % kBatchHalves == 0 ? kBatchHalves : 1;
    int64_t per = z / halves;
    // Matrices [z0, z0 + per) into out [per, M, N].
    auto part = [&](OpBuilder &b0, Location l, Value z0, Value out) {
      auto loop = b0.create<scf::ForOp>(
          l, index(b0, l, 0), index(b0, l, per), index(b0, l, 1),
          ValueRange{out},
          [&](OpBuilder &bb, Location l, Value i, ValueRange acc) {
            Value zi = bb.create<arith::AddIOp>(l, z0, i);
            Value c = matmul2d(bb, l, matrix(bb, l, a, zi),
                               matrix(bb, l, b, zi), ta, tb, {m, n});
            c = bb.create<tensor::ExpandShapeOp>(
                l, RankedTensorType::get({1, m, n}, bb.getF32Type()), c,
                SmallVector<ReassociationIndices>{{0, 1}, {2}});
            Value y = bb.create<tensor::InsertSliceOp>(
                l, c, acc[0],
                SmallVector<OpFoldResult>{i, bb.getIndexAttr(0),
                                          bb.getIndexAttr(0)},
                indices(bb, {1, m, n}), indices(bb, {1, 1, 1}));
            bb.create<scf::YieldOp>(l, y);
          });
      return loop.getResult(0);
    };
    Value c = forallParts(
        rewriter, loc, halves, {z, m, n}, {per, m, n},
        [&](OpBuilder &b, Value h) {
          Value z0 = b.create<arith::MulIOp>(loc, h, index(b, loc, per));
          return SmallVector<OpFoldResult>{z0, b.getIndexAttr(0),
                                           b.getIndexAttr(0)};
        },
        [&](OpBuilder &b, Value h, Value init) {
          return part(b, loc,
                      b.create<arith::MulIOp>(loc, h, index(b, loc, per)),
                      init);
        });
    if (r > 3) {
      ReassociationIndices lead;
      for (int64_t i = 0; i + 2 < r; ++i)
        lead.push_back(i);
      c = rewriter.create<tensor::ExpandShapeOp>(
          loc, type, c,
          SmallVector<ReassociationIndices>{lead, {r - 2}, {r - 1}});
    }
    rewriter.replaceOp(op, c);
    return success();
  }
};

// permute(x) {perm} => linalg.transpose
struct PermuteLowering : OpConversionPattern<nn::PermuteOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::PermuteOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value init = empty(rewriter, loc, op.getType().getShape());
    rewriter.replaceOp(op, rewriter
                               .create<linalg::TransposeOp>(loc, adaptor.getX(),
                                                            init, op.getPerm())
                               ->getResult(0));
    return success();
  }
};

// shift_right(x)[b, t] => t == 0 ? fill : x[b, t - 1]
struct ShiftRightLowering : OpConversionPattern<nn::ShiftRightOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::ShiftRightOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value x = adaptor.getX();
    int64_t fill = op.getFill();
    Value init = rewriter.create<tensor::EmptyOp>(loc, type.getShape(),
                                                  type.getElementType());
    MLIRContext *ctx = rewriter.getContext();
    unsigned r = type.getRank();
    Value y = generic(
        rewriter, loc, ValueRange{}, init, {identityMap(ctx, r)}, parallel(r),
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> at;
          for (unsigned i = 0; i < r; ++i)
            at.push_back(b.create<linalg::IndexOp>(l, i));
          Value t = at[1];
          Value first = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, t,
                                                index(b, l, 0));
          Value prev = b.create<arith::SubIOp>(l, t, index(b, l, 1));
          at[1] = b.create<arith::MaxSIOp>(l, prev, index(b, l, 0));
          Value v = b.create<tensor::ExtractOp>(l, x, at);
          Value f = b.create<arith::ConstantIntOp>(l, fill, 32);
          return SmallVector<Value>{b.create<arith::SelectOp>(l, first, f, v)};
        })[0];
    rewriter.replaceOp(op, y);
    return success();
  }
};

// token_mask(ids) => ids != pad ? 1 : 0
struct TokenMaskLowering : OpConversionPattern<nn::TokenMaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::TokenMaskOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    MLIRContext *ctx = rewriter.getContext();
    unsigned r = type.getRank();
    int64_t pad = op.getPad();
    Value y = generic(
        rewriter, loc, adaptor.getIds(), empty(rewriter, loc, type.getShape()),
        {identityMap(ctx, r), identityMap(ctx, r)}, parallel(r),
        [pad](OpBuilder &b, Location l, ValueRange a) {
          Value k = b.create<arith::ConstantIntOp>(l, pad, 32);
          Value real =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, a[0], k);
          return SmallVector<Value>{b.create<arith::SelectOp>(
              l, real, f32(b, l, 1.0), f32(b, l, 0.0))};
        })[0];
    rewriter.replaceOp(op, y);
    return success();
  }
};

// label_count(labels [B, P...])[b] => sum_p (labels[b, p] != ignore) / |P|
struct LabelCountLowering : OpConversionPattern<nn::LabelCountOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::LabelCountOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto labels = cast<RankedTensorType>(adaptor.getLabels().getType());
    MLIRContext *ctx = rewriter.getContext();
    unsigned r = labels.getRank();
    int64_t ignore = op.getIgnoreIndex();
    double per = (double)labels.getNumElements() / labels.getDimSize(0);
    Value counted = generic(
        rewriter, loc, adaptor.getLabels(),
        filled(rewriter, loc, op.getType().getShape(), 0.0),
        {identityMap(ctx, r), batchMap(ctx, r)}, reducePerSample(r),
        [ignore, per](OpBuilder &b, Location l, ValueRange a) {
          Value k = b.create<arith::ConstantIntOp>(l, ignore, 32);
          Value real =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, a[0], k);
          Value one = b.create<arith::SelectOp>(l, real, f32(b, l, 1.0 / per),
                                                f32(b, l, 0.0));
          return SmallVector<Value>{b.create<arith::AddFOp>(l, a[1], one)};
        })[0];
    rewriter.replaceOp(op, counted);
    return success();
  }
};

} // namespace

// for i in order: into[clamp(ids[i]), :] += scale * dy[i, :]
Value nntolinalg::scatterAddRows(OpBuilder &b, Location loc, Value into,
                                 Value ids, Value dy, Value scale) {
  auto t = cast<RankedTensorType>(into.getType());
  int64_t v = t.getDimSize(0), d = t.getDimSize(1);
  ids = flatten(b, loc, ids, false);
  dy = flatten(b, loc, dy, true);
  int64_t n = cast<RankedTensorType>(dy.getType()).getDimSize(0);
  auto loop = b.create<scf::ForOp>(
      loc, index(b, loc, 0), index(b, loc, n), index(b, loc, 1),
      ValueRange{into},
      [&](OpBuilder &bb, Location l, Value i, ValueRange acc) {
        Value r = rowIndex(bb, l, ids, i, v);
        Value dst = row(bb, l, acc[0], r, d);
        Value sum = elementwise(
            bb, l, ValueRange{row(bb, l, dy, i, d), dst}, 1,
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value add =
                  scale ? b.create<arith::MulFOp>(l, scale, a[0]) : a[0];
              return SmallVector<Value>{b.create<arith::AddFOp>(l, a[1], add)};
            })[0];
        bb.create<scf::YieldOp>(l, insertRow(bb, l, sum, acc[0], r, d));
      });
  return loop.getResult(0);
}

void nntolinalg::populateSequenceLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<EmbeddingLowering, EmbeddingGradLowering, BatchMatMulLowering,
               PermuteLowering, ShiftRightLowering, TokenMaskLowering,
               LabelCountLowering>(patterns.getContext());
}
