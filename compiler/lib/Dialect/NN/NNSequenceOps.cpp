//===- NNSequenceOps.cpp - Shape rules of the sequence ops ------*- C++ -*-===//
//
// Verifiers of the ops in NNSequenceOps.td: embeddings and their gradient,
// batched products, permutations, token masks and label counts.
//
//===----------------------------------------------------------------------===//
#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace nnc::nn;

/// ids [N...] and rows [N..., D]: the same N..., one more dim.
static bool rowsOf(RankedTensorType ids, RankedTensorType rows) {
  return rows.getRank() == ids.getRank() + 1 &&
         rows.getShape().drop_back() == ids.getShape();
}

LogicalResult EmbeddingOp::verify() {
  RankedTensorType table = getTable().getType(), ids = getIds().getType();
  RankedTensorType y = getType();
  if (table.getRank() != 2)
    return emitOpError("expects a table [V, D], got ") << table;
  if (!rowsOf(ids, y) || y.getShape().back() != table.getDimSize(1))
    return emitOpError("expects the result to be the ids' shape then D = ")
           << table.getDimSize(1) << ", got " << y;
  return success();
}

LogicalResult EmbeddingGradOp::verify() {
  RankedTensorType ids = getIds().getType(), dy = getDy().getType();
  RankedTensorType t = getType();
  if (t.getRank() != 2 || !rowsOf(ids, dy) ||
      dy.getShape().back() != t.getDimSize(1))
    return emitOpError("expects ids [N...], dy [N..., D] and a result [V, D], "
                       "got ")
           << ids << ", " << dy << " -> " << t;
  return success();
}

LogicalResult BatchMatMulOp::verify() {
  RankedTensorType a = getA().getType(), b = getB().getType();
  RankedTensorType c = getType();
  int64_t r = a.getRank();
  if (r < 3 || b.getRank() != r || c.getRank() != r ||
      a.getShape().drop_back(2) != b.getShape().drop_back(2) ||
      a.getShape().drop_back(2) != c.getShape().drop_back(2))
    return emitOpError("expects operands and result of one rank >= 3 with the "
                       "same leading dims, got ")
           << a << ", " << b << " -> " << c;
  auto dims = [&](RankedTensorType t, bool tr) {
    int64_t x = t.getDimSize(r - 2), y = t.getDimSize(r - 1);
    return tr ? std::make_pair(y, x) : std::make_pair(x, y);
  };
  auto [m, k] = dims(a, getTransposeA());
  auto [k2, n] = dims(b, getTransposeB());
  if (k != k2 || c.getDimSize(r - 2) != m || c.getDimSize(r - 1) != n)
    return emitOpError("expects [..., M, K] @ [..., K, N] -> [..., M, N] after "
                       "the transposes, got ")
           << a << ", " << b << " -> " << c;
  return success();
}

LogicalResult PermuteOp::verify() {
  RankedTensorType x = getX().getType(), y = getType();
  ArrayRef<int64_t> perm = getPerm();
  int64_t r = x.getRank();
  SmallVector<bool> seen(r, false);
  bool ok = (int64_t)perm.size() == r && y.getRank() == r;
  for (size_t k = 0; ok && k < perm.size(); ++k) {
    ok = perm[k] >= 0 && perm[k] < r && !seen[perm[k]] &&
         y.getDimSize(k) == x.getDimSize(perm[k]);
    if (ok)
      seen[perm[k]] = true;
  }
  if (!ok)
    return emitOpError("expects a permutation of x's ")
           << r << " dims and the result dim k = x's dim perm[k], got " << x
           << " -> " << y;
  return success();
}

LogicalResult TokenMaskOp::verify() {
  if (getIds().getType().getShape() != getType().getShape())
    return emitOpError("expects the result to have the ids' shape");
  return success();
}

LogicalResult LabelCountOp::verify() {
  RankedTensorType labels = getLabels().getType();
  if (getType().getShape() != labels.getShape().take_front(1))
    return emitOpError("expects a result [B] for labels ") << labels;
  return success();
}
