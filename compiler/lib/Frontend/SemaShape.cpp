//===- SemaShape.cpp - reshape, flatten and concat ------------------------===//
//
// Semantic analysis of the shape layers: reshape and flatten (the same
// elements in row-major order), concat along an axis, and zeros(shape).
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// flatten(x): [B, prod(rest)]; reshape(x, [B, d1, ...]) with at most one -1.
Value Sema::reshape(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  const auto &args = c.args;
  bool flat = c.builtin.name == std::string("flatten");
  Value x = c.values[0];
  if (!c.valid() || (!flat && !args[1]))
    return {};
  const std::string &f = e.text;
  if (x.type.elem != ElemType::F32 || x.type.dims.empty()) {
    error(e.loc, f +
                     ": input must be an f32 tensor with at least one "
                     "dimension, got " +
                     formatType(x.type));
    return {};
  }
  TensorType t{ElemType::F32, {}};
  int64_t count = product(x.type.dims);
  if (flat) {
    t.dims = {x.type.dims[0],
              x.type.dims[0] == kBatch ? count : count / x.type.dims[0]};
  } else {
    const ast::Expr &s = *args[1];
    if (s.kind != ast::Expr::Tensor || s.args.empty()) {
      error(s.loc, "reshape: the shape must be a list such as [B, 7, 7, 64]");
      return {};
    }
    int infer = -1;
    int64_t known = 1;
    for (const auto &d : s.args) {
      double v;
      if (d->kind == ast::Expr::Name && d->text == "B") {
        t.dims.push_back(kBatch);
        continue;
      }
      if (unknownSeqLen(*d))
        return {};
      if (number(*d, v) && v == -1 && infer < 0) {
        infer = (int)t.dims.size();
        t.dims.push_back(1);
        continue;
      }
      int64_t n;
      if (!checkInt(number(*d, v) ? v : 0.5, d->loc,
                    "reshape: a dimension (B, -1 once, or)", 1, n))
        return {};
      if (n > kMaxDim) {
        error(d->loc, "reshape: a dimension must be at most " +
                          std::to_string(kMaxDim));
        return {};
      }
      t.dims.push_back(n);
      known *= n;
      if (known > count)
        break;
    }
    auto batches = [](const std::vector<int64_t> &d) {
      return std::count(d.begin(), d.end(), kBatch);
    };
    bool ok = batches(t.dims) == batches(x.type.dims);
    if (ok && infer >= 0 && count % known == 0)
      t.dims[infer] = count / known;
    else
      ok &= known == count;
    if (!ok) {
      error(e.loc, "reshape: cannot reshape " + formatType(x.type) + " (" +
                       std::to_string(count) + " elements per sample) to " +
                       (infer >= 0 ? "a shape with -1 and " +
                                         std::to_string(known) + " elements"
                                   : formatType(t)));
      return {};
    }
  }
  Value v = add(OpKind::Reshape, {x.node}, t, e.loc);
  addRow(scope, flat ? "flatten" : "reshape", e.loc, t, -1, -1, 0);
  return v;
}

/// concat(a, b, ..., axis=-1): all dims but the axis equal.
Value Sema::concat(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  int64_t axis = -1;
  bool ok = true;
  if (const ast::Expr *a = c.args[1]) {
    double v;
    if (!number(*a, v) || v != std::floor(v) || std::abs(v) > 64) {
      error(a->loc, "concat: axis must be an integer");
      ok = false;
    } else {
      axis = (int64_t)v;
    }
  }
  if (e.args.size() < 2) {
    error(e.loc, "concat needs at least two tensors");
    ok = false;
  }
  const std::vector<Value> &xs = c.variadic;
  if (!ok || !c.valid())
    return {};
  int64_t rank = (int64_t)xs[0].type.dims.size();
  std::string shapes;
  for (const Value &x : xs)
    shapes += (shapes.empty() ? "" : ", ") + formatType(x.type);
  if (axis < -rank || axis >= rank) {
    error(e.loc, "concat: axis " + std::to_string(axis) +
                     " is out of range for " + shapes);
    return {};
  }
  if (axis < 0)
    axis += rank;
  TensorType t = xs[0].type;
  t.dims[axis] = 0;
  for (const Value &x : xs) {
    bool same = x.type.elem == ElemType::F32 &&
                (int64_t)x.type.dims.size() == rank &&
                x.type.dims[axis] != kBatch;
    for (int64_t i = 0; same && i < rank; ++i)
      same = i == axis || x.type.dims[i] == xs[0].type.dims[i];
    if (!same) {
      error(e.loc, "concat: shapes must be f32 and agree on every dimension "
                   "but axis " +
                       std::to_string(axis) + ", got " + shapes);
      return {};
    }
    t.dims[axis] += x.type.dims[axis];
  }
  if (t.dims[axis] > kMaxDim) {
    error(e.loc, "concat: the result is too large: " + shapes);
    return {};
  }
  std::vector<int> operands;
  for (const Value &x : xs)
    operands.push_back(x.node);
  Value v =
      add(OpKind::Concat, operands, t, e.loc, {NodeAttr::i64("axis", axis)});
  addRow(scope, "concat", e.loc, t, -1, -1, 0);
  return v;
}

/// zeros(shape): a constant of zeros, e.g. a scan's initial state
/// zeros([B, 16]); the shape may use B.
bool Sema::shapeList(const ast::Expr &s, const std::string &f, TensorType &t) {
  if (s.kind != ast::Expr::Tensor || s.args.empty()) {
    error(s.loc, f + ": the shape must be a list such as [B, 16]");
    return false;
  }
  for (const auto &d : s.args) {
    int64_t n = kBatch;
    if (unknownSeqLen(*d))
      return false;
    if (d->kind != ast::Expr::Name || d->text != "B") {
      if (!integer(*d, f + ": a dimension (B or)", 1, n))
        return false;
      if (n > kMaxDim) {
        error(d->loc,
              f + ": a dimension must be at most " + std::to_string(kMaxDim));
        return false;
      }
    }
    t.dims.push_back(n);
  }
  return true;
}

Value Sema::zeros(const Call &c, Scope &) {
  const ast::Expr *s = c.args[0];
  if (!s)
    return {};
  TensorType t{ElemType::F32, {}};
  if (!shapeList(*s, "zeros", t))
    return {};
  Value v = add(OpKind::Const, {}, t, c.e.loc);
  graph->nodes[v.node].values = {0.0f};
  return v;
}

} // namespace nnc::sema
