//===- Random.cpp - random ops to linalg ------------------------*- C++ -*-===//
//
// Lowers dropout_mask, flip_lr, random_normal and random_uniform to generics
// that draw from counter-based hash streams (docs/internals.md "Random
// streams").
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

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

/// u32(hyper[3]) as an index: the first row of this process's part of the
/// batch (0, but r b on rank r of a run built with --distributed N), so a
/// row draws what it would in one process running the whole global batch.
Value firstRow(OpBuilder &b, Location loc, Value hyper) {
  Value u =
      b.create<arith::FPToUIOp>(loc, b.getI32Type(), hyperAt(b, loc, hyper, 3));
  return b.create<arith::IndexCastUIOp>(loc, b.getIndexType(), u);
}

/// The row-major index i = (((first + i0) D1 + i1) D2 + i2) ... of a
/// generic's iteration over `type` (0 for a scalar), i0 the row.
Value rowMajorIndex(OpBuilder &b, Location l, RankedTensorType type,
                    Value first) {
  unsigned rank = type.getRank();
  Value i = rank ? b.create<arith::AddIOp>(
                        l, first, b.create<linalg::IndexOp>(l, 0).getResult())
                       .getResult()
                 : b.create<arith::ConstantIndexOp>(l, 0).getResult();
  for (unsigned d = 1; d < rank; ++d) {
    Value dim = b.create<arith::ConstantIndexOp>(l, type.getDimSize(d));
    i = b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, i, dim),
                                b.create<linalg::IndexOp>(l, d));
  }
  return i;
}

/// (k >> 8) 2^-24 (+ 2^-24 with `open0`): a uniform in [0, 1) (or (0, 1]).
Value unitUniform(OpBuilder &b, Location l, Value k, bool open0 = false) {
  Value top = b.create<arith::ShRUIOp>(l, k, i32c(b, l, 8));
  Value u = b.create<arith::UIToFPOp>(l, b.getF32Type(), top);
  if (open0)
    u = b.create<arith::AddFOp>(l, u, f32(b, l, 1.0));
  return b.create<arith::MulFOp>(l, u, f32(b, l, 1.0 / 16777216.0));
}

/// A generic of `type` whose element i is `draw(b, l, i)`.
Value drawTensor(OpBuilder &rewriter, Location loc, RankedTensorType type,
                 Value first,
                 function_ref<Value(OpBuilder &, Location, Value)> draw) {
  unsigned rank = type.getRank();
  return generic(
      rewriter, loc, ValueRange{}, empty(rewriter, loc, type.getShape()),
      {identityMap(rewriter.getContext(), rank)}, parallel(rank),
      [&](OpBuilder &b, Location l, ValueRange) {
        return SmallVector<Value>{draw(b, l, rowMajorIndex(b, l, type, first))};
      })[0];
}

// random_normal(hyper) {mean, std, salt}[i] =>
//   u1 = ((hash(2 i) >> 8) + 1) 2^-24, u2 = (hash(2 i + 1) >> 8) 2^-24,
//   mean + std sqrt(-2 ln u1) cos(2 pi u2)         (Box-Muller)
// ln and cos become polynomials in codegen, so the generic vectorizes.
struct RandomNormalLowering : OpConversionPattern<nn::RandomNormalOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::RandomNormalOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value key = streamKey(rewriter, loc, adaptor.getHyper(), op.getSalt());
    Value first = firstRow(rewriter, loc, adaptor.getHyper());
    Value mean = constant(rewriter, loc, op.getMeanAttr());
    Value std = constant(rewriter, loc, op.getStdAttr());
    Value y = drawTensor(
        rewriter, loc, op.getType(), first,
        [&](OpBuilder &b, Location l, Value i) {
          Value i2 = b.create<arith::MulIOp>(
              l, i, b.create<arith::ConstantIndexOp>(l, 2));
          Value i2p1 = b.create<arith::AddIOp>(
              l, i2, b.create<arith::ConstantIndexOp>(l, 1));
          Value u1 = unitUniform(b, l, hash(b, l, key, i2), /*open0=*/true);
          Value u2 = unitUniform(b, l, hash(b, l, key, i2p1));
          Value r = b.create<math::SqrtOp>(
              l, b.create<arith::MulFOp>(l, f32(b, l, -2.0),
                                         b.create<math::LogOp>(l, u1)));
          Value c = b.create<math::CosOp>(
              l, b.create<arith::MulFOp>(l, f32(b, l, 2.0 * M_PI), u2));
          Value z = b.create<arith::MulFOp>(l, r, c);
          return b.create<arith::AddFOp>(l, mean,
                                         b.create<arith::MulFOp>(l, std, z));
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

// random_uniform(hyper) {lo, hi, salt}[i] =>
//   lo + (hi - lo) (hash(i) >> 8) 2^-24
struct RandomUniformLowering : OpConversionPattern<nn::RandomUniformOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::RandomUniformOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value key = streamKey(rewriter, loc, adaptor.getHyper(), op.getSalt());
    Value first = firstRow(rewriter, loc, adaptor.getHyper());
    double lo = op.getLo().convertToFloat(), hi = op.getHi().convertToFloat();
    Value y =
        drawTensor(rewriter, loc, op.getType(), first,
                   [&](OpBuilder &b, Location l, Value i) {
                     Value u = unitUniform(b, l, hash(b, l, key, i));
                     return b.create<arith::AddFOp>(
                         l, f32(b, l, lo),
                         b.create<arith::MulFOp>(l, f32(b, l, hi - lo), u));
                   });
    rewriter.replaceOp(op, y);
    return success();
  }
};

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
    Value first = firstRow(rewriter, loc, adaptor.getHyper());
    double p = op.getP().convertToFloat();
    Value pv = constant(rewriter, loc, op.getPAttr());
    Value scale = f32(rewriter, loc, 1.0 / (1.0 - p));
    Value mask = generic(
        rewriter, loc, ValueRange{}, empty(rewriter, loc, type.getShape()),
        {identityMap(rewriter.getContext(), rank)}, parallel(rank),
        [&](OpBuilder &b, Location l, ValueRange) {
          Value k = hash(b, l, key, rowMajorIndex(b, l, type, first));
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
    Value first = firstRow(rewriter, loc, adaptor.getHyper());
    Value x = adaptor.getX();
    Value y = generic(
        rewriter, loc, ValueRange{}, empty(rewriter, loc, type.getShape()),
        {identityMap(rewriter.getContext(), 4)}, parallel(4),
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> idx;
          for (unsigned d = 0; d < 4; ++d)
            idx.push_back(b.create<linalg::IndexOp>(l, d));
          Value k = hash(b, l, key, b.create<arith::AddIOp>(l, first, idx[0]));
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

} // namespace

void nntolinalg::populateRandomLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<DropoutMaskLowering, FlipLrLowering, RandomNormalLowering,
               RandomUniformLowering>(patterns.getContext());
}
