//===- GradSequence.cpp - Gradients of the sequence nn ops ------*- C++ -*-===//
//
// The gradient rules of embedding (a scatter-add into the table's rows),
// batch_matmul (batched products with transpose flags, as matmul's) and
// permute (the inverse permutation). The ids of an embedding are data; the
// token ops (shift_right, token_mask, label_count) read only ids, so they
// are never on a path from a parameter.
//
//===----------------------------------------------------------------------===//

#include "GradRules.h"

#include "nnc/Dialect/NN/NNOps.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::grad;

void nnc::grad::populateSequenceGradRules(GradRuleSet &rules) {
  // y[n, :] = table[ids[n], :]:
  // dtable[v, :] = sum_{n : ids[n] = v} dy[n, :] (embedding_grad)
  rules.add<nn::EmbeddingOp>([](nn::EmbeddingOp op, GradContext &c) {
    c.d(0, [&] {
      return c.emit<nn::EmbeddingGradOp>(c.ty(0), {op.getIds(), c.dy()});
    });
    return c.noGrad(1, "ids");
  });
  // C = op(A) @ op(B) per matrix: productRule (GradRules.h), as matmul's.
  rules.add<nn::BatchMatMulOp>(productRule<nn::BatchMatMulOp>);
  // y = permute(x) {perm}: dx = permute(dy) {inverse of perm}
  rules.add<nn::PermuteOp>([](nn::PermuteOp op, GradContext &c) {
    c.d(0, [&] {
      ArrayRef<int64_t> perm = op.getPerm();
      SmallVector<int64_t> inverse(perm.size());
      for (size_t k = 0; k < perm.size(); ++k)
        inverse[perm[k]] = (int64_t)k;
      return c.emit<nn::PermuteOp>(
          c.ty(0), {c.dy()},
          {c.b.getNamedAttr("perm", c.b.getDenseI64ArrayAttr(inverse))});
    });
    return success();
  });
}
