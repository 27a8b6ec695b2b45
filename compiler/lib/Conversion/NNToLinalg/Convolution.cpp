//===- Convolution.cpp - convolutions to linalg -----------------*- C++ -*-===//
//
// Lowers nn.conv2d and its gradients (NHWC), shaped for codegen, which has
// fast schedules for plain (transposed) matmuls and linalg.conv_2d_nhwc_hwcf:
// conv2d is conv_2d_nhwc_hwcf on the padded input (1x1 unpadded: a GEMM; 3x3
// stride 1 with 16+ channels: Winograd, Winograd.cpp); conv2d_grad_filter is
// an im2col copy (C innermost) and one GEMM, in chunks that stay in cache;
// conv2d_grad_input is, for stride 1, the convolution of the padded dy with
// the rotated filter, otherwise one GEMM to columns and a col2im.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

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

/// The weight gradient's im2col is built and consumed a chunk of output rows
/// at a time, so that it stays in cache between the copy and the GEMM
/// instead of making a round trip through memory (113 MB for a 3x3 96->128
/// convolution at 32x32, batch 32: the whole op ran at 64 GFLOP/s on 2
/// threads, its GEMM alone at 147).
constexpr int64_t kIm2colChunkBytes = 1 << 20;

/// A direct convolution vectorizes along its output channels: with fewer
/// than a vector of them (8 f32 with AVX2) it runs on short vectors down to
/// scalars, so those keep the im2col / col2im GEMMs (grayCol2im vectorizes a
/// 1-channel input gradient's col2im along W instead).
constexpr int64_t kMinDirectChannels = 8;

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

} // namespace

void nntolinalg::populateConvolutionLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns
      .add<Conv2DLowering, Conv2DGradInputLowering, Conv2DGradFilterLowering>(
          patterns.getContext());
}
