//===- SemaLoss.cpp - Losses ----------------------------------------------===//
//
// Semantic analysis of the losses, allowed only in a train section's loss:
// `op`(a, b, w) -> scalar, the weighted mean over samples (w, graph input 2)
// of a per-sample loss (see NNC_GRAPH_OPS).
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// Graph input 2 of a loss graph: the sample weights w [B].
constexpr int kWeightNode = 2;

Value Sema::loss(const Call &c, Scope &) {
  const ast::Expr &e = c.e;
  const std::string &f = c.name();
  if (!c.valid())
    return {};
  Value a = c.values[0], b = c.values[1];
  OpKind op = *c.builtin.op;
  if (op == OpKind::CrossEntropy) {
    // Logits [B, ..., C] and a label per position [B, ...] (a sequence
    // model's next character at every step: [B, T, C] and [B, T]).
    classification = true;
    if (a.type.elem != ElemType::F32 || a.type.dims.size() < 2 ||
        a.type.dims[0] != kBatch) {
      error(e.loc, "cross_entropy: logits must be f32[B,C] (or f32[B,...,C], "
                   "a class per position), got " +
                       formatType(a.type));
      return {};
    }
    TensorType labels{ElemType::I32,
                      {a.type.dims.begin(), a.type.dims.end() - 1}};
    if (!(b.type == labels)) {
      error(e.loc, "cross_entropy: labels must be " + formatType(labels) +
                       " class indices for logits " + formatType(a.type) +
                       ", got " + formatType(b.type));
      return {};
    }
  } else {
    b = targetLike(a, b, e.loc); // a number target: every element
    if (a.type.elem != ElemType::F32 || a.type.dims.empty() ||
        a.type.dims[0] != kBatch) {
      error(e.loc, f +
                       ": prediction must be f32 with the batch dimension B "
                       "first, got " +
                       formatType(a.type));
      return {};
    }
    if (!(a.type == b.type)) {
      error(e.loc, f + ": prediction " + formatType(a.type) + " and target " +
                       formatType(b.type) + " differ");
      return {};
    }
  }
  TensorType scalar{ElemType::F32, {}};
  int64_t ignore = 0;
  if (op != OpKind::CrossEntropy || !c.args[2])
    return add(op, {a.node, b.node, kWeightNode}, scalar, e.loc);
  // ignore=k: the mean over the positions whose label is not k (PyTorch's
  // ignore_index), sum_b w_b sum_p ce_bp / sum_b w_b n_b as the ratio of
  // two weighted means (nn.label_count gives n_b / |P|).
  if (!integer(*c.args[2], "cross_entropy: ignore", 0, ignore))
    return {};
  ignoreIndex = ignore;
  Value ce = add(op, {a.node, b.node, kWeightNode}, scalar, e.loc,
                 {NodeAttr::i64("ignore_index", ignore)});
  Value n =
      add(OpKind::LabelCount, {b.node}, TensorType{ElemType::F32, {kBatch}},
          e.loc, {NodeAttr::i64("ignore_index", ignore)});
  Value share = add(OpKind::WeightedMean, {n.node, kWeightNode}, scalar, e.loc);
  return add(OpKind::Div, {ce.node, share.node}, scalar, e.loc);
}

} // namespace nnc::sema
