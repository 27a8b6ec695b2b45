//===- SemaRandom.cpp - dropout, flip_lr, noise, normal, uniform ----------===//
//
// Semantic analysis of randomness in models. Every draw comes from a
// counter-based hash of (step, seed, the call site's salt, element) read from
// the graph's hyper [lr, t, seed, 0] (docs/internals.md, "Random streams").
// dropout, flip_lr and noise draw in train mode and are identities in eval
// mode; normal(shape) and uniform(shape) draw in every graph.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// Graph input 3 of the loss graphs: hyper [4] (hyper[1] = step,
/// hyper[2] = seed).
constexpr int kHyperNode = 3;

static std::string fmtNum(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

Value Sema::hyper(const Loc &loc) {
  TensorType t{ElemType::F32, {4}};
  if (inLoss)
    return Value{kHyperNode, t, level()};
  if (hyperLeaf < 0)
    hyperLeaf = add(OpKind::Hyper, {}, t, loc).node;
  return Value{hyperLeaf, t, level()};
}

/// dropout(x, p): x * mask, mask 0 with probability p, else 1/(1-p).
Value Sema::dropout(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  Value x = c.values[0];
  double p = 0;
  int64_t salt = ++nextSalt;
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
    Value mask = add(OpKind::DropoutMask, {hyper(e.loc).node}, x.type, e.loc,
                     {NodeAttr::f32("p", p), NodeAttr::i64("salt", salt)});
    v = add(OpKind::Mul, {x.node, mask.node}, x.type, e.loc);
  }
  addRow(scope, "dropout", e.loc, x.type, -1, -1, 0);
  return v;
}

/// flip_lr(x): each image flipped along W with probability 1/2.
Value Sema::flipLr(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  Value x = c.values[0];
  int64_t salt = ++nextSalt;
  if (!c.valid() || !image(e, "flip_lr", x))
    return {};
  Value v = x;
  if (trainMode)
    v = add(OpKind::FlipLr, {x.node, hyper(e.loc).node}, x.type, e.loc,
            {NodeAttr::i64("salt", salt)});
  addRow(scope, "flip_lr", e.loc, x.type, -1, -1, 0);
  return v;
}

/// noise(x, std): x + std * N(0, 1) per element in train mode (a denoising
/// autoencoder's corrupted input), x in eval mode.
Value Sema::noise(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  Value x = c.values[0];
  double std = 0;
  int64_t salt = ++nextSalt;
  if (c.args[1] &&
      (!number(*c.args[1], std) || !(std > 0) || !std::isfinite(std))) {
    error(c.args[1]->loc, "noise: std must be a positive number");
    return {};
  }
  if (!c.valid() || !c.args[1])
    return {};
  if (x.type.elem != ElemType::F32) {
    error(e.loc, "noise: input must be f32, got " + formatType(x.type));
    return {};
  }
  Value v = x;
  if (trainMode) {
    Value n = add(OpKind::RandomNormal, {hyper(e.loc).node}, x.type, e.loc,
                  {NodeAttr::f32("mean", 0), NodeAttr::f32("std", std),
                   NodeAttr::i64("salt", salt)});
    v = add(OpKind::Add, {x.node, n.node}, x.type, e.loc);
  }
  addRow(scope, "noise", e.loc, x.type, -1, -1, 0);
  return v;
}

/// normal(shape, mean=0, std=1), uniform(shape, lo=0, hi=1): a tensor of
/// independent draws, in every mode.
Value Sema::randomTensor(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  bool isNormal = *c.builtin.op == OpKind::RandomNormal;
  const char *name = isNormal ? "normal" : "uniform";
  int64_t salt = ++nextSalt;
  TensorType t{ElemType::F32, {}};
  double a = 0, b = 0;
  bool ok = c.args[0] && shapeList(*c.args[0], name, t);
  ok &= number(c, 1, a) && number(c, 2, b);
  if (!ok)
    return {};
  if (!std::isfinite(a) || !std::isfinite(b)) {
    error(e.loc, std::string(name) + ": the arguments must be finite");
    return {};
  }
  if (isNormal && b < 0) {
    error(c.args[2]->loc, "normal: std must be >= 0, got " + fmtNum(b));
    return {};
  }
  if (!isNormal && a > b) {
    error(e.loc, "uniform: lo must be <= hi, got lo = " + fmtNum(a) +
                     " and hi = " + fmtNum(b));
    return {};
  }
  std::vector<NodeAttr> attrs;
  if (isNormal)
    attrs = {NodeAttr::f32("mean", a), NodeAttr::f32("std", b)};
  else
    attrs = {NodeAttr::f32("lo", a), NodeAttr::f32("hi", b)};
  attrs.push_back(NodeAttr::i64("salt", salt));
  Value v = add(*c.builtin.op, {hyper(e.loc).node}, t, e.loc, attrs);
  addRow(scope, name, e.loc, t, -1, -1, 0);
  return v;
}

} // namespace nnc::sema
