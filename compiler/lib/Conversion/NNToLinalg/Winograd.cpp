//===- Winograd.cpp - Winograd convolutions ---------------------*- C++ -*-===//
//
// Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions with enough channels,
// and F(3x3, 2x2) for their weight gradients: filter, input and output
// transforms as elementwise generics on stacks of 16 matrices, the 16 GEMMs
// between them in an scf.for, over chunks of tile rows that stay in cache.
// Used by the convolution patterns (Convolution.cpp).
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

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

} // namespace

bool nntolinalg::useWinograd(ArrayRef<int64_t> wShape,
                             ArrayRef<int64_t> outShape,
                             ArrayRef<int64_t> stride,
                             ArrayRef<int64_t> dilation) {
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
Value nntolinalg::winogradConv(OpBuilder &b, Location loc, Value xp, Value w,
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
  // Images [h * images, (h + 1) * images) of the output per half h.
  auto first = [&](OpBuilder &fb, Value h) -> Value {
    return fb.create<arith::MulIOp>(
        loc, h, fb.create<arith::ConstantIndexOp>(loc, images));
  };
  return forallParts(
      b, loc, halves, outShape, {images, oh, ow, f},
      [&](OpBuilder &fb, Value h) {
        return SmallVector<OpFoldResult>{first(fb, h), fb.getIndexAttr(0),
                                         fb.getIndexAttr(0),
                                         fb.getIndexAttr(0)};
      },
      [&](OpBuilder &fb, Value h, Value init) {
        return convImages(fb, loc, first(fb, h), init);
      });
}

namespace {

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

} // namespace

// dw = winograd_grad_filter(xp, dy) [3, 3, C, F], in the forward's chunks,
// in two halves of the batch when N allows:
//   p = forall half: M_k = 0; for n0, t0: V_k = input transform of xp[..]
//                                          D_k = A dy[n0.., 2 t0..] A^T
//                                          M_k += V_k^T D_k          [C, F]
//   dw = G^T (sum over halves of p) G
Value nntolinalg::winogradGradFilter(OpBuilder &b, Location loc, Value xp,
                                     Value dy) {
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
