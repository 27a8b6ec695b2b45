//===- Utils.h - nn-lower-to-linalg internals -------------------*- C++ -*-===//
//
// Building blocks shared by the nn-lower-to-linalg patterns, which are split
// by op family over the files of this folder: constants and inits, the affine
// maps and iterator types of linalg.generic, NumPy broadcasting, the window
// geometry of convolutions and pools (padding, col2im), and the chunk loops of
// the convolutions that stay in cache. Each family file exports a
// populate...LoweringPatterns; LowerToLinalg.cpp assembles them.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CONVERSION_NNTOLINALG_UTILS_H
#define NNC_CONVERSION_NNTOLINALG_UTILS_H

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

namespace nnc::nntolinalg {
using namespace mlir;
using mlir::utils::IteratorType;
/// Computes the values a linalg.generic body yields from its block arguments.
using BodyFn =
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;

Value f32(OpBuilder &b, Location loc, double v);

Value constant(OpBuilder &b, Location loc, FloatAttr attr);

Value empty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape);

/// tensor.empty filled with `v` (the init of a reduction).
Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, double v);

/// (d0, ..., d{n-1}) -> (d_i for i in dims).
AffineMap dimsMap(MLIRContext *ctx, unsigned n, ArrayRef<unsigned> dims);

AffineMap identityMap(MLIRContext *ctx, unsigned n);

/// (d0, ..., d{n-1}) -> (d0): a per-sample [B] operand.
AffineMap batchMap(MLIRContext *ctx, unsigned n);

/// (d0, ..., d{n-1}) -> (d0, ..., d{n-2}): one value per row of the last axis.
AffineMap rowMap(MLIRContext *ctx, unsigned n);

/// (d0, ..., d{n-1}) -> (): a scalar operand.
AffineMap scalarMap(MLIRContext *ctx, unsigned n);

SmallVector<IteratorType> parallel(unsigned n);

/// All parallel except the last dim (a reduction over the last axis).
SmallVector<IteratorType> reduceLast(unsigned n);

/// All reduction except dim 0 (a per-sample reduction).
SmallVector<IteratorType> reducePerSample(unsigned n);

/// A linalg.generic yielding `body(block arguments)` into `inits`.
SmallVector<Value> generic(OpBuilder &b, Location loc, ValueRange inputs,
                           ValueRange inits, ArrayRef<AffineMap> maps,
                           ArrayRef<IteratorType> iters, BodyFn body);

/// out + in: the body of a sum.
SmallVector<Value> addBody(OpBuilder &b, Location l, ValueRange a);

/// s[...] = sum_h p[h, ...] in order of h: the partial sums of a fixed split
/// (unbroadcast's halves, the weight gradient's halves) added up.
Value sumFirstDim(OpBuilder &b, Location loc, Value p);

/// Groups every dropped dim (keep[i] false) with a kept neighbour: the
/// reassociation of a collapse_shape that removes unit dims (or of the
/// expand_shape that puts them back). Empty if no dim is kept (rank 0).
SmallVector<ReassociationIndices> unitDimGroups(ArrayRef<bool> keep);

/// Right-aligns `v` with an iteration space of shape `iter` (NumPy
/// broadcasting). Dims where `v` has size 1 but `iter` does not are collapsed
/// away first, so the returned map is a projected permutation:
/// v : [1, N] in [M, N] => collapse_shape v : [N], map (d0, d1) -> (d1).
std::pair<Value, AffineMap> alignInput(OpBuilder &b, Location loc, Value v,
                                       ArrayRef<int64_t> iter);

/// One parallel generic computing `fn(operands)` elementwise over
/// `resultType`, broadcasting each operand NumPy-style.
Value broadcastElementwise(
    OpBuilder &b, Location loc, RankedTensorType resultType,
    ValueRange operands,
    function_ref<Value(OpBuilder &, Location, ValueRange)> fn);

/// hyper[i] as an f32 scalar.
Value hyperAt(OpBuilder &b, Location loc, Value hyper, int64_t i);

/// An elementwise generic over same-typed `inputs` with `numResults` results
/// of that type.
SmallVector<Value> elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                               unsigned numResults, BodyFn body);

//===----------------------------------------------------------------------===//
// Convolution and pooling (NHWC): window geometry, col2im, chunk loops
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

SmallVector<OpFoldResult> indices(OpBuilder &b, ArrayRef<int64_t> v);

/// x [N, H, W, C] padded to [N, Hp, Wp, C] with `value` (no op if unpadded).
Value padInput(OpBuilder &b, Location loc, Value x, const Geometry &g,
               double value);

/// (n, i, j, a, b, c) -> (n, i sh + a dh, j sw + b dw, c): the window element
/// of output (i, j) at kernel offset (a, b) in the padded input.
AffineMap windowMap(MLIRContext *ctx, const Geometry &g);

/// col2im and the pool gradients: starting from zeros [N, Hp, Wp, C], for
/// each kernel offset (a, b) adds term(a, b) [N, OH, OW, C] into the strided
/// window slice xp[:, a dh : .. : sh, b dw : .. : sw, :], then drops the
/// padding. `add(a, b, slice)` returns slice + term(a, b) (one elementwise
/// generic with the slice as its init, so it bufferizes in place).
Value scatterWindows(OpBuilder &b, Location loc, const Geometry &g,
                     function_ref<Value(int64_t, int64_t, Value)> add);

/// slice + fn(inputs...) elementwise over [N, OH, OW, C], into the slice.
Value addInto(OpBuilder &b, Location loc, Value slice, ValueRange inputs,
              function_ref<Value(OpBuilder &, Location, ValueRange)> fn);

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

/// A new tensor `shape` computed in `parts` disjoint slices of `part` by an
/// scf.forall (a thread each): part p starts at offsets(p) (per dim) and is
/// body(p, init), init being that slice of the (uninitialised) result. With
/// one part, body(0, the whole result) without a forall.
Value forallParts(
    OpBuilder &b, Location loc, int64_t parts, ArrayRef<int64_t> shape,
    ArrayRef<int64_t> part,
    function_ref<SmallVector<OpFoldResult>(OpBuilder &, Value)> offsets,
    function_ref<Value(OpBuilder &, Value, Value)> body);

/// The chunk of `images` images of `height` rows each (rowBytes of chunk
/// buffers per row) closest to `bytes` from below.
Chunk pickChunk(int64_t rowBytes, int64_t height, int64_t images,
                int64_t bytes);

/// v[n0 : n0 + sizes[0], h0 : h0 + sizes[1], :, :] of an NHWC tensor.
Value rowsSlice(OpBuilder &b, Location loc, Value v, Value n0, Value h0,
                ArrayRef<int64_t> sizes);

//===----------------------------------------------------------------------===//
// Winograd (Winograd.cpp), used by the convolution patterns
//===----------------------------------------------------------------------===//

/// Whether the convolution of xp [N, Hp, Wp, C] by w [KH, KW, C, F] into
/// [N, OH, OW, F] runs as Winograd F(2x2, 3x3): 3x3, stride and dilation 1,
/// even OH and OW (whole 2x2 tiles), enough channels.
bool useWinograd(ArrayRef<int64_t> wShape, ArrayRef<int64_t> outShape,
                 ArrayRef<int64_t> stride, ArrayRef<int64_t> dilation);

/// y = winograd(xp, w) [N, OH, OW, F]: Winograd F(2x2, 3x3), in chunks.
Value winogradConv(OpBuilder &b, Location loc, Value xp, Value w,
                   ArrayRef<int64_t> outShape);

/// dw = winograd_grad_filter(xp, dy) [3, 3, C, F]: Winograd F(3x3, 2x2).
Value winogradGradFilter(OpBuilder &b, Location loc, Value xp, Value dy);

//===----------------------------------------------------------------------===//
// The patterns of each op family
//===----------------------------------------------------------------------===//

/// into [V, D] with scale * dy[i] (or dy[i] when scale is null) added to row
/// clamp(ids[i]) for every i in order (ids [N...] i32, dy [N..., D]): the
/// scatter-add of embedding_grad, and the sparse SGD update of a table
/// (Sequence.cpp).
Value scatterAddRows(OpBuilder &b, Location loc, Value into, Value ids,
                     Value dy, Value scale);

void populateMatMulLoweringPatterns(RewritePatternSet &patterns);
void populateElementwiseLoweringPatterns(RewritePatternSet &patterns);
void populateReductionLoweringPatterns(RewritePatternSet &patterns);
void populateOptimizerLoweringPatterns(RewritePatternSet &patterns);
void populateConvolutionLoweringPatterns(RewritePatternSet &patterns);
void populatePoolingLoweringPatterns(RewritePatternSet &patterns);
void populateShapeOpLoweringPatterns(RewritePatternSet &patterns);
void populateRandomLoweringPatterns(RewritePatternSet &patterns);
void populateScanLoweringPatterns(RewritePatternSet &patterns);
void populateNumericsLoweringPatterns(RewritePatternSet &patterns);
void populateDistributedLoweringPatterns(RewritePatternSet &patterns);
void populateSequenceLoweringPatterns(RewritePatternSet &patterns);

} // namespace nnc::nntolinalg

#endif // NNC_CONVERSION_NNTOLINALG_UTILS_H
