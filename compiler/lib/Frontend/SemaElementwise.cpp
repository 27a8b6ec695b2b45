//===- SemaElementwise.cpp - Operators and activations --------------------===//
//
// Semantic analysis of the elementwise builtins: `+ - * /` with NumPy
// broadcasting, `@`, and the activations (relu, sigmoid, tanh, softmax,
// identity, leaky_relu, step), each one node of the registry row's op.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// NumPy broadcasting (right-aligned; equal dims, or one of them is 1).
static bool broadcast(const TensorType &a, const TensorType &b,
                      TensorType &out) {
  size_t n = std::max(a.dims.size(), b.dims.size());
  out.elem = a.elem;
  out.dims.assign(n, 1);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = i < n - a.dims.size() ? 1 : a.dims[i - (n - a.dims.size())];
    int64_t y = i < n - b.dims.size() ? 1 : b.dims[i - (n - b.dims.size())];
    if (x != y && x != 1 && y != 1)
      return false;
    out.dims[i] = x == 1 ? y : x;
  }
  return true;
}

Value Sema::binary(const ast::Expr &e, Value a, Value b, Scope &scope) {
  if (!a.ok() || !b.ok())
    return {};
  const std::string &op = e.text;
  std::string shapes = formatType(a.type) + " " + op + " " + formatType(b.type);
  if (a.type.elem != ElemType::F32 || b.type.elem != ElemType::F32) {
    error(e.loc, "'" + op + "': operands must be f32, got " + shapes);
    return {};
  }
  if (op == "@" && a.type.dims.size() >= 3) {
    // Batched: [Z..., M, K] @ [Z..., K, N] -> [Z..., M, N] (attention).
    const auto &ad = a.type.dims, &bd = b.type.dims;
    size_t r = ad.size();
    if (bd.size() != r || !std::equal(ad.begin(), ad.end() - 2, bd.begin()) ||
        ad[r - 1] != bd[r - 2]) {
      error(e.loc, "'@': expected [..., M, K] @ [..., K, N] with the same "
                   "leading dims, got " +
                       shapes);
      return {};
    }
    TensorType t = a.type;
    t.dims[r - 1] = bd[r - 1];
    Value v = add(OpKind::BatchMatMul, {a.node, b.node}, t, e.loc);
    std::vector<int64_t> lead(ad.begin(), ad.end() - 2);
    addRow(scope, "matmul", e.loc, t, -1, -1,
           product(lead) * ad[r - 2] * ad[r - 1] * bd[r - 1]);
    return v;
  }
  if (op == "@") {
    if (a.type.dims.size() != 2 || b.type.dims.size() != 2) {
      error(e.loc, "'@': operands must be 2-D matrices or batches of them of "
                   "the same rank >= 3, got " +
                       shapes);
      return {};
    }
    if (a.type.dims[1] != b.type.dims[0]) {
      error(e.loc, "'@': inner dimensions differ: " + shapes);
      return {};
    }
    TensorType t{ElemType::F32, {a.type.dims[0], b.type.dims[1]}};
    Value v = add(OpKind::MatMul, {a.node, b.node}, t, e.loc);
    // MACs per sample (B = 1): M * K * N.
    addRow(scope, "matmul", e.loc, t, -1, -1,
           product({a.type.dims[0]}) * product({a.type.dims[1]}) *
               product({b.type.dims[1]}));
    return v;
  }
  TensorType t;
  if (!broadcast(a.type, b.type, t)) {
    error(e.loc, "'" + op + "': cannot broadcast " + formatType(a.type) +
                     " and " + formatType(b.type));
    return {};
  }
  static const std::map<std::string, std::pair<OpKind, const char *>> ops = {
      {"+", {OpKind::Add, "add"}},
      {"-", {OpKind::Sub, "sub"}},
      {"*", {OpKind::Mul, "mul"}},
      {"/", {OpKind::Div, "div"}}};
  auto [kind, name] = ops.at(op);
  Value v = add(kind, {a.node, b.node}, t, e.loc);
  addRow(scope, name, e.loc, t, -1, -1, 0);
  return v;
}

/// An activation: `op`(x) with the row's optional Number argument as the
/// op's attribute of the same name (leaky_relu's alpha, step's threshold).
Value Sema::activation(const Call &c, Scope &scope) {
  const Builtin &b = c.builtin;
  const std::string &f = c.name();
  double attr = 0;
  bool hasAttr = b.args.size() > 1;
  if (hasAttr && !number(c, 1, attr))
    return {};
  Value x = c.values[0];
  if (!c.valid())
    return {};
  if (x.type.elem != ElemType::F32) {
    error(c.e.loc, f + ": input must be f32, got " + formatType(x.type));
    return {};
  }
  if (b.op == OpKind::Softmax && x.type.dims.empty()) {
    error(c.e.loc, "softmax: input must have at least one dimension");
    return {};
  }
  Value v = x;
  std::vector<NodeAttr> attrs;
  if (hasAttr)
    attrs.push_back(NodeAttr::f32(b.args[1].name, attr));
  if (b.op)
    v = add(*b.op, {x.node}, x.type, c.e.loc, attrs);
  addRow(scope, f, c.e.loc, x.type, -1, -1, 0);
  return v;
}

} // namespace nnc::sema
