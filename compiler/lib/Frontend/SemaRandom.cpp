//===- SemaRandom.cpp - dropout and flip_lr -------------------------------===//
//
// Semantic analysis of the random layers: in train mode each draws from a
// counter-based hash of (step, seed, its own salt, element), in eval mode it
// is the identity.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// Graph input 3 of the train-mode loss graph: hyper [4] (hyper[1] = step,
/// hyper[2] = seed).
constexpr int kHyperNode = 3;

/// dropout(x, p): x * mask, mask 0 with probability p, else 1/(1-p).
Value Sema::dropout(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  Value x = c.values[0];
  double p = 0;
  if (c.args[1] && (!number(*c.args[1], p) || !(p >= 0 && p < 1))) {
    error(c.args[1]->loc, "dropout: p must be a number in [0, 1)");
    return {};
  }
  if (!c.valid() || !c.args[1])
    return {};
  if (x.type.elem != ElemType::F32) {
    error(e.loc, "dropout: input must be f32, got " + formatType(x.type));
    return {};
  }
  Value v = x;
  if (trainMode) {
    Value mask =
        add(OpKind::DropoutMask, {kHyperNode}, x.type, e.loc,
            {NodeAttr::f32("p", p), NodeAttr::i64("salt", ++nextSalt)});
    v = add(OpKind::Mul, {x.node, mask.node}, x.type, e.loc);
  }
  addRow(scope, "dropout", e.loc, x.type, -1, -1, 0);
  return v;
}

/// flip_lr(x): each image flipped along W with probability 1/2.
Value Sema::flipLr(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  Value x = c.values[0];
  if (!c.valid() || !image(e, "flip_lr", x))
    return {};
  Value v = x;
  if (trainMode)
    v = add(OpKind::FlipLr, {x.node, kHyperNode}, x.type, e.loc,
            {NodeAttr::i64("salt", ++nextSalt)});
  addRow(scope, "flip_lr", e.loc, x.type, -1, -1, 0);
  return v;
}

} // namespace nnc::sema
