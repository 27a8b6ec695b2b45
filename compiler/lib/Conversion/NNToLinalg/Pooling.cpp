//===- Pooling.cpp - pools to linalg ----------------------------*- C++ -*-===//
//
// Lowers max_pool, avg_pool and their gradients (NHWC): window reductions
// with C last on the padded input; the gradients add into strided slices of a
// zero, padded dx (col2im), or are one elementwise generic when the windows
// tile the input.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

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

} // namespace

void nntolinalg::populatePoolingLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<MaxPoolLowering, AvgPoolLowering, MaxPoolGradLowering,
               AvgPoolGradLowering>(patterns.getContext());
}
