//===- NNOps.cpp - nn dialect operations ------------------------*- C++ -*-===//
//
// Shape rules of the nn operations. Ops whose result type follows from their
// operands implement them in inferReturnTypes: the same function infers the
// type for builders (create<nn::AddOp>(loc, a, b)) and, through
// InferTypeOpInterface, verifies parsed ops, reporting the violated rule at
// the op's location.
//
//===----------------------------------------------------------------------===//
#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

#include <cmath>

using namespace mlir;
using namespace nnc::nn;

std::optional<SmallVector<int64_t>>
nnc::nn::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  // Right-aligned: result dim i (from the back) is max(a_i, b_i) when one of
  // them is 1 or both are equal; missing leading dims count as 1.
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    result[rank - 1 - i] = da == 1 ? db : da;
  }
  return result;
}

namespace {
/// Emits "'<op>' op <message>" at `loc` (if any) and fails.
template <typename OpTy, typename... Args>
LogicalResult fail(std::optional<Location> loc, Args &&...args) {
  return emitOptionalError(loc, "'", OpTy::getOperationName(), "' op ",
                           std::forward<Args>(args)...);
}

/// The operand's ranked tensor type, or null.
RankedTensorType rankedType(Value v) {
  return v ? dyn_cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

/// Checks that every value is a ranked tensor (builders may pass anything).
template <typename OpTy>
LogicalResult requireRanked(std::optional<Location> loc, ValueRange values) {
  for (Value v : values)
    if (!rankedType(v))
      return fail<OpTy>(loc, "expects ranked tensor operands, got ",
                        v ? v.getType() : Type());
  return success();
}

/// Infers broadcast(a, b) for the binary arithmetic ops.
template <typename OpTy>
LogicalResult inferBroadcast(std::optional<Location> loc,
                             typename OpTy::Adaptor adaptor,
                             SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<OpTy>(loc, adaptor.getOperands())))
    return failure();
  auto a = rankedType(adaptor.getA()), b = rankedType(adaptor.getB());
  auto shape = broadcastShapes(a.getShape(), b.getShape());
  if (!shape)
    return fail<OpTy>(loc, "operand shapes ", a, " and ", b,
                      " are not broadcast-compatible");
  results.push_back(RankedTensorType::get(*shape, a.getElementType()));
  return success();
}

/// Checks dl : [B] where B = dim 0 of `batched`.
template <typename OpTy>
LogicalResult checkPerSample(std::optional<Location> loc,
                             RankedTensorType batched, RankedTensorType dl) {
  if (dl.getRank() != 1 || dl.getDimSize(0) != batched.getDimSize(0))
    return fail<OpTy>(loc, "expects the per-sample gradient to have shape [",
                      batched.getDimSize(0), "], got ", dl);
  return success();
}

/// The shared rule of mse/bce (and their grads): pred and target have the
/// same type [B, ...].
template <typename OpTy>
LogicalResult checkLossOperands(std::optional<Location> loc, Value pred,
                                Value target) {
  if (failed(requireRanked<OpTy>(loc, {pred, target})))
    return failure();
  if (pred.getType() != target.getType())
    return fail<OpTy>(loc,
                      "expects prediction and target of the same type, got ",
                      pred.getType(), " and ", target.getType());
  if (rankedType(pred).getRank() < 1)
    return fail<OpTy>(loc, "expects a batched prediction [B, ...]");
  return success();
}

/// The optimizer rule: gradient and state have the parameter's type.
template <typename OpTy>
LogicalResult inferUpdate(std::optional<Location> loc, Value p, ValueRange same,
                          unsigned numResults, SmallVectorImpl<Type> &results) {
  for (Value v : same)
    if (v.getType() != p.getType())
      return fail<OpTy>(loc,
                        "expects gradient and state of the parameter's type ",
                        p.getType(), ", got ", v.getType());
  results.append(numResults, p.getType());
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// nn.matmul: op(a) : [M, K], op(b) : [K, N] -> [M, N]; a : [L..., K] is the
// matrix [prod L, K] and gives [L..., N]; with transpose_a, a : [L..., M] and
// b : [L..., N] contract over L.
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<MatMulOp>(loc, adaptor.getOperands())))
    return failure();
  auto a = rankedType(adaptor.getA()), b = rankedType(adaptor.getB());
  bool ta = adaptor.getTransposeA(), tb = adaptor.getTransposeB();
  if (a.getRank() < 2 || b.getRank() < 2)
    return fail<MatMulOp>(loc, "expects operands of rank >= 2, got ", a,
                          " and ", b);
  bool batched = a.getRank() > 2 || b.getRank() > 2;
  if (batched && ta && tb)
    return fail<MatMulOp>(loc,
                          "expects 2-D operands with transpose_a and "
                          "transpose_b, got ",
                          a, " and ", b);
  if (batched && ta && a.getShape().drop_back() != b.getShape().drop_back())
    return fail<MatMulOp>(loc,
                          "expects a and b with the same leading dims "
                          "with transpose_a, got ",
                          a, " and ", b);
  if (!ta && b.getRank() != 2)
    return fail<MatMulOp>(loc, "expects a 2-D b without transpose_a, got ", b);
  // The matrices: the leading dims collapsed into the rows.
  auto rows = [](RankedTensorType t) {
    int64_t n = 1;
    for (int64_t d : t.getShape().drop_back())
      n *= d;
    return n;
  };
  int64_t m = ta ? a.getShape().back() : rows(a);
  int64_t ka = ta ? rows(a) : a.getShape().back();
  int64_t kb = tb ? b.getShape().back() : rows(b);
  int64_t n = tb ? rows(b) : b.getShape().back();
  if (ka != kb)
    return fail<MatMulOp>(loc, "inner dimensions differ: ", ka, " (of ",
                          ta ? "transpose(a)" : "a", ") vs ", kb, " (of ",
                          tb ? "transpose(b)" : "b", ")");
  SmallVector<int64_t> shape{m, n};
  if (!ta) {
    shape.assign(a.getShape().begin(), a.getShape().end() - 1);
    shape.push_back(n);
  }
  results.push_back(RankedTensorType::get(shape, a.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Broadcasting arithmetic
//===----------------------------------------------------------------------===//

#define NN_BROADCAST_INFER(OP)                                                 \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    return inferBroadcast<OP>(loc, adaptor, results);                          \
  }
NN_BROADCAST_INFER(AddOp)
NN_BROADCAST_INFER(SubOp)
NN_BROADCAST_INFER(MulOp)
NN_BROADCAST_INFER(DivOp)
#undef NN_BROADCAST_INFER

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

/// The cross-entropy operands: logits z : [B, P..., C] (rank >= 2) and i32
/// labels of z's shape without its last dim, [B, P...].
template <typename OpTy>
LogicalResult checkLogits(std::optional<Location> loc, RankedTensorType z,
                          RankedTensorType labels) {
  if (z.getRank() < 2)
    return fail<OpTy>(loc, "expects logits [B, ..., C] of rank >= 2, got ", z);
  ArrayRef<int64_t> want = z.getShape().drop_back();
  if (!labels.getElementType().isInteger(32) || labels.getShape() != want) {
    std::string dims;
    llvm::raw_string_ostream os(dims);
    llvm::interleaveComma(want, os);
    return fail<OpTy>(loc, "expects i32 labels of shape [", dims, "], got ",
                      labels);
  }
  return success();
}

// logits : [B, P..., C], labels : [B, P...] i32 -> [B]
LogicalResult CrossEntropyOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<CrossEntropyOp>(loc, adaptor.getOperands())))
    return failure();
  auto z = rankedType(adaptor.getLogits());
  if (failed(
          checkLogits<CrossEntropyOp>(loc, z, rankedType(adaptor.getLabels()))))
    return failure();
  results.push_back(
      RankedTensorType::get({z.getDimSize(0)}, z.getElementType()));
  return success();
}

// logits : [B, P..., C], labels : [B, P...] i32, dl : [B] -> [B, P..., C]
LogicalResult CrossEntropyGradOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<CrossEntropyGradOp>(loc, adaptor.getOperands())))
    return failure();
  auto z = rankedType(adaptor.getLogits());
  if (failed(checkLogits<CrossEntropyGradOp>(
          loc, z, rankedType(adaptor.getLabels()))) ||
      failed(checkPerSample<CrossEntropyGradOp>(loc, z,
                                                rankedType(adaptor.getDl()))))
    return failure();
  results.push_back(z);
  return success();
}

// pred, target : [B, ...] -> [B]
#define NN_LOSS_INFER(OP)                                                      \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    if (failed(checkLossOperands<OP>(loc, adaptor.getPred(),                   \
                                     adaptor.getTarget())))                    \
      return failure();                                                        \
    auto p = rankedType(adaptor.getPred());                                    \
    results.push_back(                                                         \
        RankedTensorType::get({p.getDimSize(0)}, p.getElementType()));         \
    return success();                                                          \
  }
NN_LOSS_INFER(MseOp)
NN_LOSS_INFER(BceOp)
#undef NN_LOSS_INFER

// pred, target : [B, ...], dl : [B] -> [B, ...]
#define NN_LOSS_GRAD_INFER(OP)                                                 \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    if (failed(checkLossOperands<OP>(loc, adaptor.getPred(),                   \
                                     adaptor.getTarget())) ||                  \
        failed(requireRanked<OP>(loc, adaptor.getDl())) ||                     \
        failed(checkPerSample<OP>(loc, rankedType(adaptor.getPred()),          \
                                  rankedType(adaptor.getDl()))))               \
      return failure();                                                        \
    results.push_back(adaptor.getPred().getType());                            \
    return success();                                                          \
  }
NN_LOSS_GRAD_INFER(MseGradOp)
NN_LOSS_GRAD_INFER(BceGradOp)
#undef NN_LOSS_GRAD_INFER

// l, w : [B] -> tensor<f32>
LogicalResult WeightedMeanOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<WeightedMeanOp>(loc, adaptor.getOperands())))
    return failure();
  auto l = rankedType(adaptor.getL());
  if (l.getRank() != 1 || adaptor.getW().getType() != l)
    return fail<WeightedMeanOp>(
        loc, "expects losses and weights of the same 1-D type, got ", l,
        " and ", adaptor.getW().getType());
  results.push_back(RankedTensorType::get({}, l.getElementType()));
  return success();
}

// w : [B], dL : tensor<f32> -> [B]
LogicalResult
WeightedMeanGradOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                     Adaptor adaptor,
                                     SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<WeightedMeanGradOp>(loc, adaptor.getOperands())))
    return failure();
  auto w = rankedType(adaptor.getW());
  if (w.getRank() != 1 || rankedType(adaptor.getDl()).getRank() != 0)
    return fail<WeightedMeanGradOp>(
        loc, "expects 1-D weights and a 0-D loss gradient, got ", w, " and ",
        adaptor.getDl().getType());
  results.push_back(w);
  return success();
}

//===----------------------------------------------------------------------===//
// nn.unbroadcast
//===----------------------------------------------------------------------===//

LogicalResult UnbroadcastOp::verify() {
  // The result must broadcast to g: right-aligned, each result dim equal to
  // g's dim or 1, and no more dims than g.
  ArrayRef<int64_t> from = getG().getType().getShape();
  ArrayRef<int64_t> to = getType().getShape();
  auto shape = broadcastShapes(to, from);
  if (to.size() > from.size() || !shape || ArrayRef<int64_t>(*shape) != from)
    return emitOpError("result type ")
           << getType() << " does not broadcast to " << getG().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

LogicalResult SgdUpdateOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferUpdate<SgdUpdateOp>(loc, adaptor.getP(), {adaptor.getG()}, 1,
                                  results);
}

LogicalResult
MomentumUpdateOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                   Adaptor adaptor,
                                   SmallVectorImpl<Type> &results) {
  return inferUpdate<MomentumUpdateOp>(
      loc, adaptor.getP(), {adaptor.getG(), adaptor.getV()}, 2, results);
}

LogicalResult AdamUpdateOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  return inferUpdate<AdamUpdateOp>(
      loc, adaptor.getP(), {adaptor.getG(), adaptor.getM(), adaptor.getV()}, 3,
      results);
}

//===----------------------------------------------------------------------===//
// Convolution and pooling windows
//===----------------------------------------------------------------------===//

namespace {
/// The attributes of a 2-D window: kernel [KH, KW], stride and dilation
/// [h, w], padding [top, bottom, left, right].
struct Window {
  ArrayRef<int64_t> kernel, stride, dilation, padding;
};

/// Checks x : [N, H, W, C] and the window's attributes, and returns the
/// output shape [N, OH, OW, C] with OH = (H + pt + pb - dh (KH - 1) - 1) / sh
/// + 1. Pools (`isPool`) also need padding < kernel, so that every window
/// holds an element of x.
template <typename OpTy>
FailureOr<SmallVector<int64_t>>
windowOutput(std::optional<Location> loc, Type xType, const Window &win,
             bool isPool, StringRef what = "input") {
  auto x = dyn_cast<RankedTensorType>(xType);
  if (!x || x.getRank() != 4)
    return fail<OpTy>(loc, "expects a 4-D ", what, " [N, H, W, C], got ",
                      xType);
  auto positivePair = [](ArrayRef<int64_t> a) {
    return a.size() == 2 && a[0] >= 1 && a[1] >= 1;
  };
  if (!positivePair(win.kernel))
    return fail<OpTy>(loc, "expects a kernel of 2 sizes >= 1");
  if (!positivePair(win.stride))
    return fail<OpTy>(loc, "expects a stride of 2 values >= 1");
  if (!positivePair(win.dilation))
    return fail<OpTy>(loc, "expects a dilation of 2 values >= 1");
  if (win.padding.size() != 4 ||
      llvm::any_of(win.padding, [](int64_t p) { return p < 0; }))
    return fail<OpTy>(
        loc, "expects a padding of 4 values >= 0 [top, bottom, left, right]");
  SmallVector<int64_t> out(x.getShape());
  for (unsigned d = 0; d < 2; ++d) {
    int64_t lo = win.padding[2 * d], hi = win.padding[2 * d + 1];
    int64_t k = win.kernel[d];
    if (isPool && (lo >= k || hi >= k))
      return fail<OpTy>(loc, "expects padding below the kernel size ", k,
                        " along ", d ? "W" : "H", ", got ", lo, " and ", hi);
    int64_t span = win.dilation[d] * (k - 1) + 1;
    int64_t padded = x.getDimSize(1 + d) + lo + hi;
    if (padded < span)
      return fail<OpTy>(loc, "window of ", span, " along ", d ? "W" : "H",
                        " exceeds the padded ", what, " size ", padded);
    out[1 + d] = (padded - span) / win.stride[d] + 1;
  }
  return out;
}

/// Checks that `actual` has `shape` (the shape a forward op gives).
template <typename OpTy>
LogicalResult expectShape(std::optional<Location> loc, StringRef what,
                          Type actual, ArrayRef<int64_t> shape) {
  auto t = dyn_cast<RankedTensorType>(actual);
  if (!t || t.getShape() != shape) {
    std::string s;
    llvm::raw_string_ostream os(s);
    llvm::interleave(shape, os, "x");
    return fail<OpTy>(loc, "expects ", what, " of shape ", s, ", got ", actual);
  }
  return success();
}

/// The conv2d rule: x [N, H, W, C], w [KH, KW, C, F] -> [N, OH, OW, F].
template <typename OpTy>
FailureOr<SmallVector<int64_t>>
convOutput(std::optional<Location> loc, Type xType, Type wType,
           ArrayRef<int64_t> stride, ArrayRef<int64_t> dilation,
           ArrayRef<int64_t> padding) {
  auto w = dyn_cast<RankedTensorType>(wType);
  if (!w || w.getRank() != 4)
    return fail<OpTy>(loc, "expects a 4-D filter [KH, KW, C, F], got ", wType);
  Window win{w.getShape().take_front(2), stride, dilation, padding};
  auto out = windowOutput<OpTy>(loc, xType, win, /*isPool=*/false);
  if (failed(out))
    return failure();
  int64_t c = cast<RankedTensorType>(xType).getDimSize(3);
  if (w.getDimSize(2) != c)
    return fail<OpTy>(loc, "expects the filter's input channels ",
                      w.getDimSize(2), " to equal the input's ", c);
  (*out)[3] = w.getDimSize(3);
  return out;
}

/// The pooling rule: x [N, H, W, C] -> [N, OH, OW, C].
template <typename OpTy>
FailureOr<SmallVector<int64_t>>
poolOutput(std::optional<Location> loc, Type xType, ArrayRef<int64_t> kernel,
           ArrayRef<int64_t> stride, ArrayRef<int64_t> padding) {
  int64_t one[] = {1, 1};
  return windowOutput<OpTy>(loc, xType, {kernel, stride, one, padding},
                            /*isPool=*/true);
}

/// The random ops' salt is a u32 stream id.
bool validSalt(int64_t salt) { return salt >= 0 && salt <= 0xFFFFFFFFll; }
} // namespace

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<Conv2DOp>(loc, adaptor.getOperands())))
    return failure();
  auto out = convOutput<Conv2DOp>(loc, adaptor.getX().getType(),
                                  adaptor.getW().getType(), adaptor.getStride(),
                                  adaptor.getDilation(), adaptor.getPadding());
  if (failed(out))
    return failure();
  results.push_back(
      RankedTensorType::get(*out, rankedType(adaptor.getX()).getElementType()));
  return success();
}

// dy [N, OH, OW, F], w -> [N, H, W, C] with conv2d(result, w) : dy
LogicalResult Conv2DGradInputOp::verify() {
  auto out =
      convOutput<Conv2DGradInputOp>(getLoc(), getType(), getW().getType(),
                                    getStride(), getDilation(), getPadding());
  if (failed(out))
    return failure();
  return expectShape<Conv2DGradInputOp>(
      getLoc(), "dy (the conv2d output of the result type)", getDy().getType(),
      *out);
}

// x, dy [N, OH, OW, F] -> [KH, KW, C, F] with conv2d(x, result) : dy
LogicalResult Conv2DGradFilterOp::verify() {
  auto out =
      convOutput<Conv2DGradFilterOp>(getLoc(), getX().getType(), getType(),
                                     getStride(), getDilation(), getPadding());
  if (failed(out))
    return failure();
  return expectShape<Conv2DGradFilterOp>(
      getLoc(), "dy (the conv2d output of x and the result type)",
      getDy().getType(), *out);
}

#define NN_POOL_INFER(OP)                                                      \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    auto out =                                                                 \
        poolOutput<OP>(loc, adaptor.getX().getType(), adaptor.getKernel(),     \
                       adaptor.getStride(), adaptor.getPadding());             \
    if (failed(out))                                                           \
      return failure();                                                        \
    results.push_back(RankedTensorType::get(                                   \
        *out, rankedType(adaptor.getX()).getElementType()));                   \
    return success();                                                          \
  }
NN_POOL_INFER(MaxPoolOp)
NN_POOL_INFER(AvgPoolOp)
#undef NN_POOL_INFER

// x, dy [N, OH, OW, C] -> T(x)
LogicalResult MaxPoolGradOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  auto out = poolOutput<MaxPoolGradOp>(loc, adaptor.getX().getType(),
                                       adaptor.getKernel(), adaptor.getStride(),
                                       adaptor.getPadding());
  if (failed(out) ||
      failed(expectShape<MaxPoolGradOp>(loc, "dy (the max_pool output of x)",
                                        adaptor.getDy().getType(), *out)))
    return failure();
  results.push_back(adaptor.getX().getType());
  return success();
}

// dy [N, OH, OW, C] -> [N, H, W, C] with avg_pool(result) : dy
LogicalResult AvgPoolGradOp::verify() {
  auto out = poolOutput<AvgPoolGradOp>(getLoc(), getType(), getKernel(),
                                       getStride(), getPadding());
  if (failed(out))
    return failure();
  return expectShape<AvgPoolGradOp>(
      getLoc(), "dy (the avg_pool output of the result type)",
      getDy().getType(), *out);
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  if (getX().getType().getNumElements() != getType().getNumElements())
    return emitOpError("cannot reshape ")
           << getX().getType() << " (" << getX().getType().getNumElements()
           << " elements) to " << getType() << " ("
           << getType().getNumElements() << " elements)";
  return success();
}

// x0 [..., A0, ...], x1 [..., A1, ...], ... -> [..., A0 + A1 + ..., ...]
LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return fail<ConcatOp>(loc, "expects at least one operand");
  if (failed(requireRanked<ConcatOp>(loc, inputs)))
    return failure();
  auto first = rankedType(inputs[0]);
  int64_t axis = adaptor.getAxis(), rank = first.getRank();
  if (axis < 0 || axis >= rank)
    return fail<ConcatOp>(loc, "axis ", axis, " is out of range for rank ",
                          rank);
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : inputs) {
    auto t = rankedType(v);
    bool same = t.getRank() == rank;
    for (int64_t d = 0; same && d < rank; ++d)
      same = d == axis || t.getDimSize(d) == first.getDimSize(d);
    if (!same)
      return fail<ConcatOp>(loc,
                            "expects operands that differ only along axis ",
                            axis, ", got ", first, " and ", t);
    shape[axis] += t.getDimSize(axis);
  }
  results.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult SliceOp::verify() {
  RankedTensorType x = getX().getType(), y = getType();
  int64_t axis = getAxis(), offset = getOffset();
  if (axis < 0 || axis >= x.getRank())
    return emitOpError("axis ")
           << axis << " is out of range for rank " << x.getRank();
  bool same = x.getRank() == y.getRank();
  for (int64_t d = 0; same && d < x.getRank(); ++d)
    same = d == axis || x.getDimSize(d) == y.getDimSize(d);
  if (!same)
    return emitOpError("expects the result to differ from ")
           << x << " only along axis " << axis << ", got " << y;
  if (offset < 0 || offset + y.getDimSize(axis) > x.getDimSize(axis))
    return emitOpError("range [")
           << offset << ", " << offset + y.getDimSize(axis)
           << ") is out of bounds for size " << x.getDimSize(axis);
  return success();
}

LogicalResult TransposeOp::verify() {
  RankedTensorType x = getX().getType(), y = getType();
  if (x.getRank() != 2 || y.getRank() != 2 ||
      x.getDimSize(0) != y.getDimSize(1) || x.getDimSize(1) != y.getDimSize(0))
    return emitOpError("expects a 2-D operand and its transpose, got ")
           << x << " -> " << y;
  return success();
}

LogicalResult SplitOp::verify() {
  RankedTensorType x = getX().getType();
  int64_t axis = getAxis(), n = getNumResults();
  if (axis < 0 || axis >= x.getRank())
    return emitOpError("axis ")
           << axis << " is out of range for rank " << x.getRank();
  if (n < 1 || x.getDimSize(axis) % n != 0)
    return emitOpError("cannot cut size ")
           << x.getDimSize(axis) << " of axis " << axis << " into " << n
           << " equal parts";
  SmallVector<int64_t> shape(x.getShape());
  shape[axis] /= n;
  auto part = RankedTensorType::get(shape, x.getElementType());
  for (Type t : getResultTypes())
    if (t != part)
      return emitOpError("expects every part to be ") << part << ", got " << t;
  return success();
}

LogicalResult BroadcastToOp::verify() {
  ArrayRef<int64_t> from = getX().getType().getShape();
  ArrayRef<int64_t> to = getType().getShape();
  auto shape = broadcastShapes(from, to);
  if (from.size() > to.size() || !shape || ArrayRef<int64_t>(*shape) != to)
    return emitOpError("operand type ")
           << getX().getType() << " does not broadcast to " << getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Random ops
//===----------------------------------------------------------------------===//

LogicalResult DropoutMaskOp::verify() {
  float p = getP().convertToFloat();
  if (!(p >= 0.0f && p < 1.0f))
    return emitOpError("expects a drop probability p in [0, 1), got ") << p;
  int64_t salt = getSaltAttr().getInt();
  if (!validSalt(salt))
    return emitOpError("expects a salt in [0, 2^32), got ") << salt;
  return success();
}

LogicalResult RandomNormalOp::verify() {
  float std = getStd().convertToFloat();
  if (!(std >= 0.0f) || !std::isfinite(std) ||
      !std::isfinite(getMean().convertToFloat()))
    return emitOpError("expects a finite mean and std >= 0, got std ") << std;
  if (!validSalt(getSaltAttr().getInt()))
    return emitOpError("expects a salt in [0, 2^32), got ")
           << getSaltAttr().getInt();
  return success();
}

LogicalResult RandomUniformOp::verify() {
  float lo = getLo().convertToFloat(), hi = getHi().convertToFloat();
  if (!(lo <= hi) || !std::isfinite(lo) || !std::isfinite(hi))
    return emitOpError("expects finite lo <= hi, got ") << lo << " and " << hi;
  if (!validSalt(getSaltAttr().getInt()))
    return emitOpError("expects a salt in [0, 2^32), got ")
           << getSaltAttr().getInt();
  return success();
}

LogicalResult FlipLrOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto x = rankedType(adaptor.getX());
  if (!x || x.getRank() != 4)
    return fail<FlipLrOp>(loc, "expects a 4-D input [N, H, W, C], got ",
                          adaptor.getX().getType());
  int64_t salt = adaptor.getSaltAttr().getInt();
  if (!validSalt(salt))
    return fail<FlipLrOp>(loc, "expects a salt in [0, 2^32), got ", salt);
  results.push_back(x);
  return success();
}

#define GET_OP_CLASSES
#include "nnc/Dialect/NN/NNOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Loops over time
//===----------------------------------------------------------------------===//

/// [B, T, ...] without axis 1, or with T = length inserted at axis 1.
static RankedTensorType dropTime(RankedTensorType t) {
  SmallVector<int64_t> shape(t.getShape());
  shape.erase(shape.begin() + 1);
  return RankedTensorType::get(shape, t.getElementType());
}
static RankedTensorType addTime(RankedTensorType t, int64_t length) {
  SmallVector<int64_t> shape(t.getShape());
  shape.insert(shape.begin() + std::min<size_t>(1, shape.size()), length);
  return RankedTensorType::get(shape, t.getElementType());
}

LogicalResult VjpOp::verify() {
  auto x = cast<RankedTensorType>(getX().getType());
  if (x != getResult().getType())
    return emitOpError("result must have x's type");
  Block &body = getBody().front();
  if (body.getNumArguments() != 1 || body.getArgument(0).getType() != x)
    return emitOpError("the body takes one argument of x's type");
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield || yield.getValues().size() != 1)
    return emitOpError("the body yields one value");
  auto y = dyn_cast<RankedTensorType>(yield.getValues()[0].getType());
  if (!y || y.getRank() != 3 || x.getRank() != 3 ||
      y.getDimSize(0) != x.getDimSize(0) ||
      y.getDimSize(1) != x.getDimSize(1) || y.getDimSize(2) != x.getDimSize(1))
    return emitOpError("x must be [B, K, D] and the body's result [B, K, K]");
  return success();
}

LogicalResult ScanOp::verify() {
  int64_t length = getLength();
  if (length < 1)
    return emitOpError("length must be at least 1, got ") << length;
  for (Value x : getSequences()) {
    auto t = cast<RankedTensorType>(x.getType());
    if (t.getRank() < 2 || t.getDimSize(1) != length)
      return emitOpError("sequence ")
             << t << " must be [B, T, ...] with T = length = " << length;
  }
  Block &body = getBodyBlock();
  size_t numSeq = getSequences().size(), numCarry = getInits().size();
  if (body.getNumArguments() != 1 + numSeq + numCarry)
    return emitOpError("body must take the step index, one slice per "
                       "sequence and the states: ")
           << 1 + numSeq + numCarry << " arguments, got "
           << body.getNumArguments();
  auto scalar = RankedTensorType::get({}, Float32Type::get(getContext()));
  if (body.getArgument(0).getType() != scalar)
    return emitOpError("the body's first argument (the step index) must be ")
           << scalar;
  for (auto [i, x] : llvm::enumerate(getSequences())) {
    Type slice = dropTime(cast<RankedTensorType>(x.getType()));
    if (body.getArgument(1 + i).getType() != slice)
      return emitOpError("body argument ")
             << 1 + i << " must be the slice " << slice << " of sequence " << i;
  }
  for (auto [j, h] : llvm::enumerate(getInits()))
    if (body.getArgument(1 + numSeq + j).getType() != h.getType())
      return emitOpError("body argument ")
             << 1 + numSeq + j << " must have the type of state " << j << ", "
             << h.getType();
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().size() < numCarry)
    return emitOpError("nn.yield must end with the ") << numCarry << " states";
  size_t numOut = yield.getValues().size() - numCarry;
  if (getNumResults() != numOut + numCarry)
    return emitOpError("expects ")
           << numOut << " stacked outputs and " << numCarry
           << " states as results, got " << getNumResults();
  for (size_t k = 0; k < numOut; ++k) {
    auto y = cast<RankedTensorType>(yield.getValues()[k].getType());
    Type stacked = addTime(y, length);
    if (y.getRank() < 1 || getResult(k).getType() != stacked)
      return emitOpError("result ") << k << " must be output " << k
                                    << " stacked over time: " << stacked;
  }
  for (auto [j, h] : llvm::enumerate(getInits())) {
    if (yield.getValues()[numOut + j].getType() != h.getType())
      return emitOpError("state ")
             << j << " changes type in the body: " << h.getType() << " -> "
             << yield.getValues()[numOut + j].getType();
    if (getResult(numOut + j).getType() != h.getType())
      return emitOpError("result ")
             << numOut + j << " must have the type of state " << j;
  }
  return success();
}
