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
// nn.matmul: op(a) : [M, K], op(b) : [K, N] -> [M, N]
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<MatMulOp>(loc, adaptor.getOperands())))
    return failure();
  auto a = rankedType(adaptor.getA()), b = rankedType(adaptor.getB());
  if (a.getRank() != 2 || b.getRank() != 2)
    return fail<MatMulOp>(loc, "expects 2-D operands, got ", a, " and ", b);
  bool ta = adaptor.getTransposeA(), tb = adaptor.getTransposeB();
  int64_t m = a.getDimSize(ta ? 1 : 0), ka = a.getDimSize(ta ? 0 : 1);
  int64_t kb = b.getDimSize(tb ? 1 : 0), n = b.getDimSize(tb ? 0 : 1);
  if (ka != kb)
    return fail<MatMulOp>(loc, "inner dimensions differ: ", ka, " (of ",
                          ta ? "transpose(a)" : "a", ") vs ", kb, " (of ",
                          tb ? "transpose(b)" : "b", ")");
  results.push_back(RankedTensorType::get({m, n}, a.getElementType()));
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

// logits : [B, C], labels : [B] i32 -> [B]
LogicalResult CrossEntropyOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<CrossEntropyOp>(loc, adaptor.getOperands())))
    return failure();
  auto z = rankedType(adaptor.getLogits()),
       labels = rankedType(adaptor.getLabels());
  if (z.getRank() != 2)
    return fail<CrossEntropyOp>(loc, "expects 2-D logits [B, C], got ", z);
  if (labels.getRank() != 1 || !labels.getElementType().isInteger(32) ||
      labels.getDimSize(0) != z.getDimSize(0))
    return fail<CrossEntropyOp>(loc, "expects i32 labels of shape [",
                                z.getDimSize(0), "], got ", labels);
  results.push_back(
      RankedTensorType::get({z.getDimSize(0)}, z.getElementType()));
  return success();
}

// logits : [B, C], labels : [B] i32, dl : [B] -> [B, C]
LogicalResult CrossEntropyGradOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<CrossEntropyGradOp>(loc, adaptor.getOperands())))
    return failure();
  auto z = rankedType(adaptor.getLogits()),
       labels = rankedType(adaptor.getLabels());
  if (z.getRank() != 2)
    return fail<CrossEntropyGradOp>(loc, "expects 2-D logits [B, C], got ", z);
  if (labels.getRank() != 1 || !labels.getElementType().isInteger(32) ||
      labels.getDimSize(0) != z.getDimSize(0))
    return fail<CrossEntropyGradOp>(loc, "expects i32 labels of shape [",
                                    z.getDimSize(0), "], got ", labels);
  if (failed(checkPerSample<CrossEntropyGradOp>(loc, z,
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

#define GET_OP_CLASSES
#include "nnc/Dialect/NN/NNOps.cpp.inc"
