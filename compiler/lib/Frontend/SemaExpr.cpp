//===- SemaExpr.cpp - Expressions and builtin calls -----------------------===//
//
// Semantic analysis of expressions: names, numbers, `+ - * / @` with NumPy
// broadcasting, and Sema::call, which dispatches a builtin call to its
// family (layers, activations, losses) or to a model or block call.
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
  if (op == "@") {
    if (a.type.dims.size() != 2 || b.type.dims.size() != 2) {
      error(e.loc, "'@': operands must be 2-D matrices, got " + shapes);
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

Value Sema::expr(const ast::Expr &e, Scope &scope) {
  switch (e.kind) {
  case ast::Expr::Number: {
    Value v = add(OpKind::Const, {}, TensorType{ElemType::F32, {}}, e.loc);
    graph->nodes[v.node].values = {(float)e.number};
    return v;
  }
  case ast::Expr::Tensor: {
    TensorType t{ElemType::F32, {}};
    std::vector<float> values;
    if (!literal(e, t.dims, values))
      return {};
    Value v = add(OpKind::Const, {}, t, e.loc);
    graph->nodes[v.node].values = std::move(values);
    return v;
  }
  case ast::Expr::String:
    error(e.loc, "a string is not a tensor");
    return {};
  case ast::Expr::Bool:
    error(e.loc, "a boolean is not a tensor");
    return {};
  case ast::Expr::Name: {
    auto it = scope.names.find(e.text);
    if (it != scope.names.end())
      return it->second;
    auto c = scope.consts.find(e.text);
    if (c != scope.consts.end()) { // a number or list used as a tensor
      TensorType t{ElemType::F32, {}};
      if (c->second.list)
        t.dims = {(int64_t)c->second.values.size()};
      Value v = add(OpKind::Const, {}, t, e.loc);
      for (double d : c->second.values)
        graph->nodes[v.node].values.push_back((float)d);
      return v;
    }
    if (models.count(e.text) || builtins().count(e.text))
      error(e.loc, "'" + e.text + "' is a function: call it, e.g. " + e.text +
                       "(...)");
    else
      error(e.loc, "unknown name '" + e.text + "'");
    return {};
  }
  case ast::Expr::Neg: {
    Value a = expr(*e.args[0], scope);
    if (!a.ok())
      return {};
    if (a.type.elem != ElemType::F32) {
      error(e.loc, "unary '-': operand must be f32, got " + formatType(a.type));
      return {};
    }
    Value v = add(OpKind::Neg, {a.node}, a.type, e.loc);
    addRow(scope, "neg", e.loc, a.type, -1, -1, 0);
    return v;
  }
  case ast::Expr::Binary: {
    Value a = expr(*e.args[0], scope);
    Value b = expr(*e.args[1], scope);
    return binary(e, a, b, scope);
  }
  case ast::Expr::Call:
    return call(e, scope);
  }
  return {};
}

Value Sema::call(const ast::Expr &e, Scope &scope) {
  const std::string &f = e.text;
  // A call of a model: inline its body.
  auto mit = models.find(f);
  if (mit != models.end())
    return modelCall(*mit->second, e, scope);
  auto bit = builtins().find(f);
  if (bit == builtins().end()) {
    error(e.loc, "unknown function '" + f + "'");
    return {};
  }
  switch (bit->second) {
  case BuiltinKind::Init:
    error(e.loc, "'" + f +
                     "' is an initializer: use it in a param "
                     "declaration or as init=");
    return {};
  case BuiltinKind::Optimizer:
    error(e.loc, "'" + f + "' is an optimizer: use it as 'optimizer = " + f +
                     "(...)' in a train section");
    return {};
  case BuiltinKind::Dataset:
    error(e.loc, "'" + f + "' is a dataset: use it as 'data = " + f +
                     "(...)' in a train section");
    return {};
  default:
    break;
  }

  if (bit->second == BuiltinKind::Layer && !scope.model) {
    error(e.loc, f + ": layers may only be used inside a model");
    return {};
  }
  if (f == "conv2d")
    return conv2d(e, scope);
  if (f == "max_pool" || f == "maxpool" || f == "avg_pool" || f == "avgpool" ||
      f == "global_avg_pool" || f == "global_avgpool")
    return pool(e, scope);
  if (f == "flatten" || f == "reshape")
    return reshape(e, scope);
  if (f == "concat")
    return concat(e, scope);
  if (f == "batch_norm")
    return batchNorm(e, scope);
  if (f == "dropout" || f == "flip_lr")
    return random(e, scope);
  if (f == "dense") {
    auto args = bindArgs(
        e, {{"x", true}, {"units", true}, {"bias", false}, {"init", false}});
    Value x = args[0] ? expr(*args[0], scope) : Value{};
    // Dense layers are numbered in dataflow order: in dense(dense(x, 8), 4)
    // the inner one is dense1.
    int k = ++scope.layers["dense"];
    int64_t units = 0;
    bool ok = args[1] && integer(*args[1], "dense: units", 1, units);
    if (ok && units > kMaxDim) {
      error(args[1]->loc,
            "dense: units must be at most " + std::to_string(kMaxDim));
      ok = false;
    }
    bool bias = true;
    if (args[2]) {
      if (args[2]->kind != ast::Expr::Bool) {
        error(args[2]->loc, "dense: bias must be true or false");
        ok = false;
      }
      bias = args[2]->boolean;
    }
    if (!x.ok() || !ok)
      return {};
    if (x.type.elem != ElemType::F32 || x.type.dims.size() != 2) {
      error(e.loc, "dense: input " + formatType(x.type) +
                       " must be a 2-D f32 [batch, features] tensor");
      return {};
    }
    int64_t in = x.type.dims[1];
    if (in == kBatch) {
      error(e.loc, "dense: input " + formatType(x.type) +
                       " has B as its feature dimension");
      return {};
    }
    // PyTorch's nn.Linear default: weight and bias ~ U(-1/sqrt(in),
    // 1/sqrt(in)).
    double bound = 1.0 / std::sqrt((double)in);
    Init defaultInit{Init::Uniform, -bound, bound, {}};
    Init wInit = defaultInit;
    if (args[3] && !init(*args[3], {in, units}, wInit))
      return {};
    std::string base = scope.paramPrefix + "dense" + std::to_string(k);
    std::string what = "dense: input " + formatType(x.type);
    int w = getParam(base + ".weight", {in, units}, wInit, e.loc, what);
    int b =
        bias ? getParam(base + ".bias", {units}, defaultInit, e.loc, what) : -1;
    if (w < 0 || (bias && b < 0))
      return {};
    TensorType t{ElemType::F32, {x.type.dims[0], units}};
    Value v = add(OpKind::MatMul, {x.node, paramValue(w).node}, t, e.loc);
    if (bias)
      v = add(OpKind::Add, {v.node, paramValue(b).node}, t, e.loc);
    addRow(scope, "dense", e.loc, t, w, b,
           product({x.type.dims[0]}) * in * units, "dense" + std::to_string(k));
    return v;
  }

  if (bit->second == BuiltinKind::Activation) {
    std::vector<ArgSpec> spec = {{"x", true}};
    if (f == "leaky_relu")
      spec.push_back({"alpha", false});
    if (f == "step")
      spec.push_back({"threshold", false});
    auto args = bindArgs(e, spec);
    Value x = args[0] ? expr(*args[0], scope) : Value{};
    double attr = f == "leaky_relu" ? 0.01 : 0.0;
    if (args.size() > 1 && args[1] && !number(*args[1], attr)) {
      error(args[1]->loc, f + ": " + spec[1].name + " must be a number");
      return {};
    }
    if (!x.ok())
      return {};
    if (x.type.elem != ElemType::F32) {
      error(e.loc, f + ": input must be f32, got " + formatType(x.type));
      return {};
    }
    if (f == "softmax" && x.type.dims.empty()) {
      error(e.loc, "softmax: input must have at least one dimension");
      return {};
    }
    static const std::map<std::string, OpKind> ops = {
        {"relu", OpKind::Relu},
        {"sigmoid", OpKind::Sigmoid},
        {"tanh", OpKind::Tanh},
        {"softmax", OpKind::Softmax},
        {"leaky_relu", OpKind::LeakyRelu},
        {"step", OpKind::Step}};
    Value v = x;
    if (f != "identity")
      v = add(ops.at(f), {x.node}, x.type, e.loc, attr);
    addRow(scope, f, e.loc, x.type, -1, -1, 0);
    return v;
  }

  // Losses: (operands..., w) -> scalar.
  auto args = bindArgs(e, {{f == "cross_entropy" ? "logits" : "pred", true},
                           {f == "cross_entropy" ? "labels" : "target", true}});
  if (!inLoss) {
    error(e.loc, "'" + f + "' is a loss: use it in a train section's loss");
    return {};
  }
  if (!args[0] || !args[1])
    return {};
  Value a = expr(*args[0], scope), b = expr(*args[1], scope);
  if (!a.ok() || !b.ok())
    return {};
  if (f == "cross_entropy") {
    classification = true;
    if (a.type.elem != ElemType::F32 || a.type.dims.size() != 2 ||
        a.type.dims[0] != kBatch) {
      error(e.loc, "cross_entropy: logits must be f32[B,C], got " +
                       formatType(a.type));
      return {};
    }
    if (!(b.type == TensorType{ElemType::I32, {kBatch}})) {
      error(e.loc, "cross_entropy: labels must be i32[B] class indices, got " +
                       formatType(b.type));
      return {};
    }
  } else {
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
  OpKind op = f == "cross_entropy" ? OpKind::CrossEntropy
              : f == "mse"         ? OpKind::Mse
                                   : OpKind::Bce;
  return add(op, {a.node, b.node, 2}, TensorType{ElemType::F32, {}}, e.loc);
}

} // namespace nnc::sema
