//===- Sema.cpp - AST -> Program: names, types, shapes, inlining ----------===//
//
// Semantic analysis. Every model call is inlined into a flat typed graph
// (a model's params are shared across its calls); builtins (layers,
// activations, operators, losses, initialisers, optimizers, datasets) are
// resolved and their arguments and shapes checked; the train section gives
// Program::loss and Program::train. Shapes carry kBatch for `B`. Errors are
// reported and analysis goes on with an invalid Value (node -1), which
// silences follow-up errors about the same expression.
//
// Param order: creation order while building the forward graph of the
// trained model: statement order, `param` at its declaration, a dense layer's
// weight then bias at the call, an inlined model's params at its first call.
//
//===----------------------------------------------------------------------===//
#include "nnc/Frontend.h"

#include <cmath>
#include <functional>
#include <map>
#include <set>

using namespace nnc;

std::string nnc::formatType(const TensorType &type) {
  std::string s = type.elem == ElemType::F32 ? "f32[" : "i32[";
  for (size_t i = 0; i < type.dims.size(); ++i)
    s += (i ? "," : "") +
         (type.dims[i] == kBatch ? "B" : std::to_string(type.dims[i]));
  return s + "]";
}

namespace {

/// Largest dimension accepted, so that shape products (and MACs) fit int64.
constexpr int64_t kMaxDim = 1 << 24;

std::string str(const Loc &l) {
  return l.file + ":" + std::to_string(l.line) + ":" + std::to_string(l.col);
}

bool operator==(const TensorType &a, const TensorType &b) {
  return a.elem == b.elem && a.dims == b.dims;
}

int64_t product(const std::vector<int64_t> &dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d == kBatch ? 1 : d;
  return n;
}

/// A value in a model body: a node of the graph being built (node < 0: an
/// error was reported for it).
struct Value {
  int node = -1;
  TensorType type;
  bool ok() const { return node >= 0; }
};

/// Names bound in one inlined model instance.
struct Scope {
  const ast::Model *model = nullptr;
  std::map<std::string, Value> names;
  std::map<std::string, Loc> params;   ///< declared param name -> location
  std::map<std::string, int> counters; ///< layer kind -> rows so far
  int denseCount = 0;
  std::string prefix; ///< "" or "Enc/" for rows of inlined models
  int depth = 0;
};

/// Argument specification of a builtin.
struct ArgSpec {
  const char *name;
  bool required;
};

enum class BuiltinKind { Layer, Activation, Loss, Init, Optimizer, Dataset };

const std::map<std::string, BuiltinKind> &builtins() {
  static const std::map<std::string, BuiltinKind> table = {
      {"dense", BuiltinKind::Layer},
      {"relu", BuiltinKind::Activation},
      {"sigmoid", BuiltinKind::Activation},
      {"tanh", BuiltinKind::Activation},
      {"softmax", BuiltinKind::Activation},
      {"identity", BuiltinKind::Activation},
      {"leaky_relu", BuiltinKind::Activation},
      {"step", BuiltinKind::Activation},
      {"cross_entropy", BuiltinKind::Loss},
      {"mse", BuiltinKind::Loss},
      {"bce", BuiltinKind::Loss},
      {"zeros", BuiltinKind::Init},
      {"constant", BuiltinKind::Init},
      {"uniform", BuiltinKind::Init},
      {"normal", BuiltinKind::Init},
      {"xavier_uniform", BuiltinKind::Init},
      {"xavier_normal", BuiltinKind::Init},
      {"glorot_uniform", BuiltinKind::Init},
      {"glorot_normal", BuiltinKind::Init},
      {"he_uniform", BuiltinKind::Init},
      {"he_normal", BuiltinKind::Init},
      {"sgd", BuiltinKind::Optimizer},
      {"momentum", BuiltinKind::Optimizer},
      {"adam", BuiltinKind::Optimizer},
      {"fashion_mnist", BuiltinKind::Dataset},
      {"tensors", BuiltinKind::Dataset},
  };
  return table;
}

class Sema {
public:
  Sema(const ast::Module &module, Diagnostics &diags)
      : module(module), diags(diags) {}

  void run(Program &prog);

private:
  const ast::Module &module;
  Diagnostics &diags;
  std::map<std::string, const ast::Model *> models;

  // The graph being built.
  Program *prog = nullptr;
  Graph *graph = nullptr;
  std::map<int, int> paramNodes; ///< param index -> its Param node
  bool recordLayers = false;
  std::set<int> countedParams; ///< params already in a summary row
  bool inLoss = false;
  const ast::Model *trained = nullptr;
  int trainedOutput = -1; ///< loss graph: output of the trained model call
  bool classification = false;
  std::vector<const ast::Model *> callStack;

  void error(const Loc &loc, const std::string &msg) { diags.error(loc, msg); }

  // Graph construction.
  int addNode(Node node) {
    graph->nodes.push_back(std::move(node));
    return (int)graph->nodes.size() - 1;
  }
  Value add(OpKind op, std::vector<int> operands, TensorType type, Loc loc,
            double attr = 0) {
    Node n;
    n.op = op;
    n.operands = std::move(operands);
    n.type = type;
    n.loc = std::move(loc);
    n.attr = attr;
    return Value{addNode(std::move(n)), type};
  }
  Value paramValue(int index) {
    auto it = paramNodes.find(index);
    if (it == paramNodes.end()) {
      Node n;
      n.op = OpKind::Param;
      n.index = index;
      n.type = TensorType{ElemType::F32, prog->params[index].shape};
      n.loc = prog->params[index].loc;
      it = paramNodes.emplace(index, addNode(std::move(n))).first;
    }
    return Value{it->second, graph->nodes[it->second].type};
  }
  /// Finds or creates the param `name`. Returns -1 (after an error) if it
  /// exists with another shape.
  int getParam(const std::string &name, const std::vector<int64_t> &shape,
               const Init &init, const Loc &loc, const std::string &what) {
    for (size_t i = 0; i < prog->params.size(); ++i) {
      if (prog->params[i].name != name)
        continue;
      if (prog->params[i].shape != shape) {
        error(loc, what + " needs " + formatType({ElemType::F32, shape}) +
                       " but '" + name + "' (shared with an earlier call) is " +
                       formatType({ElemType::F32, prog->params[i].shape}));
        return -1;
      }
      return (int)i;
    }
    prog->params.push_back(Param{name, shape, init, loc});
    return (int)prog->params.size() - 1;
  }
  void addRow(Scope &scope, const std::string &kind, const Loc &loc,
              const TensorType &out, std::vector<int> params, int64_t macs,
              std::string name = "") {
    if (!recordLayers)
      return;
    LayerInfo row;
    row.name =
        scope.prefix +
        (name.empty() ? kind + std::to_string(++scope.counters[kind]) : name);
    row.kind = kind;
    row.outShape = out.dims;
    for (int p : params) {
      if (p < 0 || !countedParams.insert(p).second)
        continue; // shared with an earlier call: counted there
      int64_t n = product(prog->params[p].shape);
      (prog->params[p].shape.size() == 1 ? row.biases : row.weights) += n;
    }
    row.macs = macs;
    row.depth = scope.depth;
    row.loc = loc;
    prog->layers.push_back(std::move(row));
  }

  // Types and constants.
  bool type(const ast::Type &t, TensorType &out, bool allowBatch);
  bool number(const ast::Expr &e, double &out);
  bool integer(const ast::Expr &e, const std::string &what, int64_t min,
               int64_t &out);
  bool literal(const ast::Expr &e, std::vector<int64_t> &shape,
               std::vector<float> &values);
  bool init(const ast::Expr &e, const std::vector<int64_t> &shape, Init &out);
  std::vector<const ast::Expr *> bindArgs(const ast::Expr &call,
                                          const std::vector<ArgSpec> &spec);

  // Expressions and models.
  Value expr(const ast::Expr &e, Scope &scope);
  Value call(const ast::Expr &e, Scope &scope);
  Value binary(const ast::Expr &e, Value a, Value b, Scope &scope);
  Value inlineModel(const ast::Model &m, const std::vector<Value> &args,
                    const Loc &callLoc, Scope *caller);
  void checkAlone(const ast::Model &m);
  Value buildForward(const ast::Model &m, Program &p, bool layers);
  void train(const ast::Train &t, Program &p);
};

bool Sema::type(const ast::Type &t, TensorType &out, bool allowBatch) {
  bool ok = true;
  if (t.elem == "f32")
    out.elem = ElemType::F32;
  else if (t.elem == "i32")
    out.elem = ElemType::I32;
  else {
    error(t.loc, "unknown element type '" + t.elem + "' (expected f32 or i32)");
    ok = false;
  }
  out.dims.clear();
  for (const ast::Dim &d : t.dims) {
    if (d.symbol == "B") {
      if (!allowBatch) {
        error(d.loc, "a parameter's shape cannot use the batch dimension B");
        ok = false;
      }
      out.dims.push_back(kBatch);
    } else if (!d.symbol.empty()) {
      error(d.loc, "unknown dimension '" + d.symbol +
                       "' (only B, the batch, is supported)");
      ok = false;
      out.dims.push_back(1);
    } else if (d.value <= 0 || d.value > kMaxDim) {
      error(d.loc, "dimension must be in [1, " + std::to_string(kMaxDim) + "]");
      ok = false;
      out.dims.push_back(1);
    } else {
      out.dims.push_back(d.value);
    }
  }
  return ok;
}

bool Sema::number(const ast::Expr &e, double &out) {
  if (e.kind == ast::Expr::Number) {
    out = e.number;
    return true;
  }
  if (e.kind == ast::Expr::Neg && number(*e.args[0], out)) {
    out = -out;
    return true;
  }
  return false;
}

bool Sema::integer(const ast::Expr &e, const std::string &what, int64_t min,
                   int64_t &out) {
  double v;
  if (!number(e, v) || v != std::floor(v) || v < (double)min || v > 1e12) {
    error(e.loc, what + " must be an integer" +
                     (min > 0 ? " >= " + std::to_string(min) : "") +
                     (min == 0 ? " >= 0" : ""));
    return false;
  }
  out = (int64_t)v;
  return true;
}

/// A nested tensor literal: shape [outer, ..., inner], row-major values.
bool Sema::literal(const ast::Expr &e, std::vector<int64_t> &shape,
                   std::vector<float> &values) {
  double v;
  if (number(e, v)) {
    shape.clear();
    values.push_back((float)v);
    return true;
  }
  if (e.kind != ast::Expr::Tensor) {
    error(e.loc, "expected a number or a tensor literal");
    return false;
  }
  if (e.args.empty()) {
    error(e.loc, "empty tensor literal");
    return false;
  }
  std::vector<int64_t> inner;
  for (size_t i = 0; i < e.args.size(); ++i) {
    std::vector<int64_t> s;
    if (!literal(*e.args[i], s, values))
      return false;
    if (i == 0) {
      inner = s;
    } else if (s != inner) {
      error(e.args[i]->loc, "ragged tensor literal: element has shape " +
                                formatType({ElemType::F32, s}).substr(3) +
                                ", expected " +
                                formatType({ElemType::F32, inner}).substr(3));
      return false;
    }
  }
  shape = {(int64_t)e.args.size()};
  shape.insert(shape.end(), inner.begin(), inner.end());
  return true;
}

/// Checks a call's arguments against `spec`; returns one Expr per spec entry
/// (null when absent and optional). Reports unknown, duplicate and missing.
std::vector<const ast::Expr *>
Sema::bindArgs(const ast::Expr &call, const std::vector<ArgSpec> &spec) {
  std::vector<const ast::Expr *> out(spec.size(), nullptr);
  std::string names;
  for (const ArgSpec &s : spec)
    names += std::string(names.empty() ? "" : ", ") + s.name;
  if (call.positionalAfterNamed)
    error(call.loc,
          "'" + call.text + "': positional argument after a named argument");
  if (call.args.size() > spec.size())
    error(call.args[spec.size()]->loc,
          "'" + call.text + "' takes " + std::to_string(spec.size()) +
              " argument" + (spec.size() == 1 ? "" : "s") +
              (spec.empty() ? "" : " (" + names + ")") + ", got " +
              std::to_string(call.args.size()));
  for (size_t i = 0; i < call.args.size() && i < spec.size(); ++i)
    out[i] = call.args[i].get();
  for (const ast::NamedArg &n : call.named) {
    size_t i = 0;
    while (i < spec.size() && n.name != spec[i].name)
      ++i;
    if (i == spec.size()) {
      error(n.loc, "'" + call.text + "' has no argument named '" + n.name +
                       "'" + (spec.empty() ? "" : " (expected " + names + ")"));
    } else if (out[i]) {
      error(n.loc,
            "'" + call.text + "': argument '" + n.name + "' given twice");
    } else {
      out[i] = n.value.get();
    }
  }
  for (size_t i = 0; i < spec.size(); ++i)
    if (spec[i].required && !out[i])
      error(call.loc,
            "'" + call.text + "' needs argument '" + spec[i].name + "'");
  return out;
}

/// Initialisers, resolved to Init with concrete bounds. fan_in = shape[0],
/// fan_out = shape[1] for rank >= 2; both shape[0] for rank 1; 1 for rank 0.
///   xavier/glorot_uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
///   xavier/glorot_normal:  N(0, sqrt(2 / (fan_in + fan_out)))
///   he_uniform:            U(-a, a), a = sqrt(6 / fan_in)
///   he_normal:             N(0, sqrt(2 / fan_in))
bool Sema::init(const ast::Expr &e, const std::vector<int64_t> &shape,
                Init &out) {
  if (e.kind == ast::Expr::Tensor) {
    std::vector<int64_t> litShape;
    out.kind = Init::Literal;
    out.values.clear();
    if (!literal(e, litShape, out.values))
      return false;
    if (litShape != shape) {
      error(e.loc, "literal of shape " +
                       formatType({ElemType::F32, litShape}).substr(3) +
                       " does not match the declared type " +
                       formatType({ElemType::F32, shape}));
      return false;
    }
    return true;
  }
  double v;
  if (number(e, v)) {
    out.kind = Init::Const;
    out.a = v;
    return true;
  }
  auto it =
      e.kind == ast::Expr::Call ? builtins().find(e.text) : builtins().end();
  if (it == builtins().end() || it->second != BuiltinKind::Init) {
    error(e.loc, "expected an initializer: a tensor literal, zeros(), "
                 "constant(v), uniform(lo, hi), normal(mean, std), "
                 "xavier_uniform(), xavier_normal(), glorot_uniform(), "
                 "glorot_normal(), he_uniform() or he_normal()");
    return false;
  }
  double fanIn = shape.empty() ? 1 : (double)shape[0];
  double fanOut = shape.size() >= 2 ? (double)shape[1] : fanIn;
  const std::string &f = e.text;
  std::vector<ArgSpec> spec;
  if (f == "constant")
    spec = {{"value", true}};
  else if (f == "uniform")
    spec = {{"lo", true}, {"hi", true}};
  else if (f == "normal")
    spec = {{"mean", true}, {"std", true}};
  auto args = bindArgs(e, spec);
  std::vector<double> nums(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i])
      return false;
    if (!number(*args[i], nums[i])) {
      error(args[i]->loc, "'" + f + "': " + spec[i].name + " must be a number");
      return false;
    }
  }
  if (f == "zeros") {
    out.kind = Init::Zeros;
  } else if (f == "constant") {
    out.kind = Init::Const;
    out.a = nums[0];
  } else if (f == "uniform") {
    out.kind = Init::Uniform;
    out.a = nums[0];
    out.b = nums[1];
    if (out.a > out.b) {
      error(e.loc, "'uniform': lo must not exceed hi");
      return false;
    }
  } else if (f == "normal") {
    out.kind = Init::Normal;
    out.a = nums[0];
    out.b = nums[1];
    if (out.b < 0) {
      error(e.loc, "'normal': std must not be negative");
      return false;
    }
  } else if (f == "xavier_uniform" || f == "glorot_uniform") {
    double a = std::sqrt(6.0 / (fanIn + fanOut));
    out = Init{Init::Uniform, -a, a, {}};
  } else if (f == "xavier_normal" || f == "glorot_normal") {
    out = Init{Init::Normal, 0, std::sqrt(2.0 / (fanIn + fanOut)), {}};
  } else if (f == "he_uniform") {
    double a = std::sqrt(6.0 / fanIn);
    out = Init{Init::Uniform, -a, a, {}};
  } else if (f == "he_normal") {
    out = Init{Init::Normal, 0, std::sqrt(2.0 / fanIn), {}};
  }
  return true;
}

/// NumPy broadcasting (right-aligned; equal dims, or one of them is 1).
bool broadcast(const TensorType &a, const TensorType &b, TensorType &out) {
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
    addRow(scope, "matmul", e.loc, t, {},
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
  addRow(scope, name, e.loc, t, {}, 0);
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
    addRow(scope, "neg", e.loc, a.type, {}, 0);
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
  if (mit != models.end()) {
    const ast::Model &m = *mit->second;
    if (m.isBlock) {
      error(e.loc, "blocks are not supported yet");
      return {};
    }
    if (!e.named.empty())
      error(e.named[0].loc,
            "model '" + f + "' takes positional arguments only");
    if (e.args.size() != m.args.size()) {
      error(e.loc, "model '" + f + "' takes " + std::to_string(m.args.size()) +
                       " argument" + (m.args.size() == 1 ? "" : "s") +
                       ", got " + std::to_string(e.args.size()));
      return {};
    }
    std::vector<Value> args;
    bool ok = true;
    for (const auto &a : e.args) {
      args.push_back(expr(*a, scope));
      ok &= args.back().ok();
    }
    if (!ok)
      return {};
    Value v = inlineModel(m, args, e.loc, &scope);
    if (inLoss && &m == trained && trainedOutput < 0 && v.ok())
      trainedOutput = v.node;
    return v;
  }
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

  if (f == "dense") {
    auto args = bindArgs(
        e, {{"x", true}, {"units", true}, {"bias", false}, {"init", false}});
    if (!scope.model) {
      error(e.loc, "dense: layers may only be used inside a model");
      return {};
    }
    Value x = args[0] ? expr(*args[0], scope) : Value{};
    // Dense layers are numbered in dataflow order: in dense(dense(x, 8), 4)
    // the inner one is dense1.
    int k = ++scope.denseCount;
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
    std::string base = scope.model->name + ".dense" + std::to_string(k);
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
    addRow(scope, "dense", e.loc, t, {w, b},
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
    addRow(scope, f, e.loc, x.type, {}, 0);
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

/// Inlines model `m` applied to `args`; returns its result.
Value Sema::inlineModel(const ast::Model &m, const std::vector<Value> &args,
                        const Loc &callLoc, Scope *caller) {
  for (const ast::Model *c : callStack)
    if (c == &m) {
      error(callLoc, "model '" + m.name +
                         "' calls itself (recursion is not "
                         "supported)");
      return {};
    }
  callStack.push_back(&m);
  Scope scope;
  scope.model = &m;
  if (caller) {
    scope.prefix = caller->prefix + m.name + "/";
    scope.depth = caller->depth + 1;
  }
  for (size_t i = 0; i < m.args.size(); ++i) {
    const ast::Arg &a = m.args[i];
    TensorType declared;
    if (a.type && type(*a.type, declared, true) && args[i].ok() &&
        !(declared == args[i].type))
      error(callLoc, "argument '" + a.name + "' of model '" + m.name +
                         "' must be " + formatType(declared) + ", got " +
                         formatType(args[i].type));
    if (scope.names.count(a.name))
      error(a.loc, "duplicate argument '" + a.name + "'");
    scope.names[a.name] = args[i];
  }
  Value result;
  const ast::Stmt *ret = nullptr;
  for (const ast::Stmt &s : m.body) {
    if (ret) {
      error(s.loc, "statement after return");
      break;
    }
    switch (s.kind) {
    case ast::Stmt::Param: {
      auto prev = scope.params.find(s.name);
      if (prev != scope.params.end()) {
        error(s.loc, "duplicate param '" + s.name + "' (first declared at " +
                         str(prev->second) + ")");
        break;
      }
      scope.params[s.name] = s.loc;
      TensorType t;
      if (!type(*s.type, t, false)) {
        scope.names[s.name] = Value{};
        break;
      }
      if (t.elem != ElemType::F32) {
        error(s.type->loc, "parameters must be f32");
        scope.names[s.name] = Value{};
        break;
      }
      // Without an initialiser: glorot_uniform for matrices, zeros otherwise.
      Init in;
      if (t.dims.size() >= 2) {
        double a = std::sqrt(6.0 / (double)(t.dims[0] + t.dims[1]));
        in = Init{Init::Uniform, -a, a, {}};
      }
      if (s.value && !init(*s.value, t.dims, in)) {
        scope.names[s.name] = Value{};
        break;
      }
      int p = getParam(m.name + "." + s.name, t.dims, in, s.loc, "param");
      if (p < 0) {
        scope.names[s.name] = Value{};
        break;
      }
      scope.names[s.name] = paramValue(p);
      addRow(scope, "param", s.loc, t, {p}, 0, s.name);
      break;
    }
    case ast::Stmt::Assign:
      scope.names[s.name] = expr(*s.value, scope);
      break;
    case ast::Stmt::Return:
      ret = &s;
      result = expr(*s.value, scope);
      break;
    }
  }
  callStack.pop_back();
  if (!ret) {
    error(m.loc, "model '" + m.name + "' has no return statement");
    return {};
  }
  TensorType declared;
  if (m.result && type(*m.result, declared, true) && result.ok() &&
      !(declared == result.type)) {
    error(ret->loc, "model '" + m.name + "' returns " +
                        formatType(result.type) +
                        " but is declared to return " + formatType(declared));
    return {};
  }
  return result;
}

/// Builds `m` alone into p.forward: one Input node per argument.
Value Sema::buildForward(const ast::Model &m, Program &p, bool layers) {
  prog = &p;
  graph = &p.forward;
  paramNodes.clear();
  recordLayers = layers;
  inLoss = false;
  std::vector<Value> args;
  for (size_t i = 0; i < m.args.size(); ++i) {
    TensorType t;
    if (!m.args[i].type || !type(*m.args[i].type, t, true)) {
      args.push_back({});
      continue;
    }
    Value v = add(OpKind::Input, {}, t, m.args[i].loc);
    graph->nodes[v.node].index = (int)i;
    args.push_back(v);
  }
  Value out = inlineModel(m, args, m.loc, nullptr);
  if (out.ok())
    graph->results = {out.node};
  recordLayers = false;
  return out;
}

void Sema::checkAlone(const ast::Model &m) {
  Program scratch;
  buildForward(m, scratch, false);
}

/// Does `e` call `name` anywhere?
bool calls(const ast::Expr &e, const std::string &name) {
  if (e.kind == ast::Expr::Call && e.text == name)
    return true;
  for (const auto &a : e.args)
    if (calls(*a, name))
      return true;
  for (const auto &n : e.named)
    if (calls(*n.value, name))
      return true;
  return false;
}

void Sema::train(const ast::Train &t, Program &p) {
  TrainConfig &cfg = p.train;
  cfg.present = true;
  cfg.loc = t.loc;
  std::map<std::string, const ast::Setting *> settings;
  static const std::set<std::string> known = {"data",  "loss",   "optimizer",
                                              "batch", "epochs", "seed"};
  for (const ast::Setting &s : t.settings) {
    if (!known.count(s.key)) {
      error(s.loc, "unknown train setting '" + s.key +
                       "' (expected data, loss, optimizer, batch, epochs, "
                       "seed)");
    } else if (settings.count(s.key)) {
      error(s.loc, "duplicate train setting '" + s.key + "'");
    } else {
      settings[s.key] = &s;
    }
  }
  for (const char *required : {"data", "loss", "optimizer"})
    if (!settings.count(required))
      error(t.loc, std::string("train section needs '") + required + " = ...'");

  auto intSetting = [&](const char *key, int64_t min, int64_t &out) {
    if (settings.count(key))
      integer(*settings[key]->value, key, min, out);
  };
  intSetting("batch", 1, cfg.batch);
  intSetting("epochs", 1, cfg.epochs);
  intSetting("seed", 0, cfg.seed);

  if (settings.count("optimizer")) {
    const ast::Expr &e = *settings["optimizer"]->value;
    Optimizer &o = cfg.optimizer;
    if (e.kind != ast::Expr::Call ||
        (e.text != "sgd" && e.text != "momentum" && e.text != "adam")) {
      error(e.loc, "expected an optimizer: sgd(lr), momentum(lr, "
                   "momentum=0.9) or adam(lr=0.001, beta1=0.9, beta2=0.999, "
                   "eps=1e-8)");
    } else {
      std::vector<ArgSpec> spec;
      std::vector<double *> dst;
      if (e.text == "sgd") {
        o.kind = Optimizer::SGD;
        spec = {{"lr", true}};
        dst = {&o.lr};
      } else if (e.text == "momentum") {
        o.kind = Optimizer::Momentum;
        spec = {{"lr", true}, {"momentum", false}};
        dst = {&o.lr, &o.momentum};
      } else {
        o.kind = Optimizer::Adam;
        o.lr = 0.001;
        spec = {
            {"lr", false}, {"beta1", false}, {"beta2", false}, {"eps", false}};
        dst = {&o.lr, &o.beta1, &o.beta2, &o.eps};
      }
      auto args = bindArgs(e, spec);
      for (size_t i = 0; i < args.size(); ++i)
        if (args[i] && (!number(*args[i], *dst[i]) || *dst[i] < 0))
          error(args[i]->loc, e.text + ": " + spec[i].name +
                                  " must be a non-negative number");
    }
  }

  // The trained model.
  auto mit = models.find(t.model);
  if (mit == models.end() || mit->second->isBlock) {
    error(t.modelLoc, "unknown model '" + t.model + "'");
    return;
  }
  const ast::Model &m = *mit->second;
  trained = &m;
  if (m.args.size() != 1 || !m.args[0].type) {
    error(m.loc, "a trained model must take exactly one input");
    return;
  }
  if (!type(*m.args[0].type, p.input, true))
    return;
  if (p.input.dims.empty() || p.input.dims[0] != kBatch ||
      p.input.elem != ElemType::F32) {
    error(m.args[0].loc, "a trained model's input must be f32 with the batch "
                         "dimension B first, got " +
                             formatType(p.input));
    return;
  }
  if (!settings.count("data") || !settings.count("loss"))
    return;

  // The dataset gives x and y.
  const ast::Expr &d = *settings["data"]->value;
  bool ce = calls(*settings["loss"]->value, "cross_entropy");
  if (d.kind == ast::Expr::Call && d.text == "fashion_mnist") {
    auto args = bindArgs(d, {{"dir", false}});
    cfg.data.kind = Dataset::FashionMnist;
    if (args[0]) {
      if (args[0]->kind != ast::Expr::String)
        error(args[0]->loc, "fashion_mnist: dir must be a string");
      cfg.data.dir = args[0]->text;
    }
    if (product(p.input.dims) != 784) {
      error(d.loc, "fashion_mnist gives 784 pixels per sample, but the model "
                   "input is " +
                       formatType(p.input));
      return;
    }
    p.target = TensorType{ElemType::I32, {kBatch}};
  } else if (d.kind == ast::Expr::Call && d.text == "tensors") {
    auto args = bindArgs(d, {{"x", true}, {"y", true}});
    cfg.data.kind = Dataset::Tensors;
    Dataset &ds = cfg.data;
    if (!args[0] || !args[1] || !literal(*args[0], ds.xShape, ds.x) ||
        !literal(*args[1], ds.yShape, ds.y))
      return;
    if (ds.xShape.empty() || ds.yShape.empty()) {
      error(d.loc, "tensors: x and y must have one row per sample");
      return;
    }
    std::vector<int64_t> row(ds.xShape.begin() + 1, ds.xShape.end());
    std::vector<int64_t> inRow(p.input.dims.begin() + 1, p.input.dims.end());
    if (row != inRow) {
      error(args[0]->loc, "tensors: x is " +
                              formatType({ElemType::F32, ds.xShape}) +
                              " but the model input is " + formatType(p.input));
      return;
    }
    if (ds.yShape[0] != ds.xShape[0]) {
      error(args[1]->loc, "tensors: x has " + std::to_string(ds.xShape[0]) +
                              " rows but y has " +
                              std::to_string(ds.yShape[0]));
      return;
    }
    p.target.elem = ce ? ElemType::I32 : ElemType::F32;
    p.target.dims = ds.yShape;
    p.target.dims[0] = kBatch;
    if (ce)
      for (float v : ds.y)
        if (v < 0 || v != std::floor(v)) {
          error(args[1]->loc, "tensors: labels for cross_entropy must be "
                              "non-negative integers");
          return;
        }
  } else {
    error(d.loc, "expected a dataset: fashion_mnist(dir=...) or "
                 "tensors(x=..., y=...)");
    return;
  }

  // The loss graph: Input x, y, w are nodes 0, 1, 2.
  graph = &p.loss;
  paramNodes.clear();
  inLoss = true;
  trainedOutput = -1;
  Scope scope; // no model: layers and params are not allowed in the loss
  Value x = add(OpKind::Input, {}, p.input, t.loc);
  Value y = add(OpKind::Input, {}, p.target, t.loc);
  Value w = add(OpKind::Input, {}, TensorType{ElemType::F32, {kBatch}}, t.loc);
  graph->nodes[x.node].index = 0;
  graph->nodes[y.node].index = 1;
  graph->nodes[w.node].index = 2;
  scope.names = {{"x", x}, {"y", y}};
  const ast::Expr &le = *settings["loss"]->value;
  Value loss = expr(le, scope);
  inLoss = false;
  if (!loss.ok())
    return;
  if (!loss.type.dims.empty()) {
    error(le.loc, "the loss must be a scalar (use cross_entropy, mse or bce), "
                  "got " +
                      formatType(loss.type));
    return;
  }
  if (trainedOutput < 0) {
    error(le.loc, "the loss does not call the trained model '" + m.name + "'");
    return;
  }
  p.loss.results = {loss.node, trainedOutput};
  cfg.classification = classification;
  if (cfg.data.kind == Dataset::Tensors && classification) {
    int64_t classes = p.loss.nodes[trainedOutput].type.dims.back();
    for (float v : cfg.data.y)
      if (v >= (float)classes) {
        error(d.loc, "tensors: label " + std::to_string((int64_t)v) +
                         " is out of range for " + std::to_string(classes) +
                         " classes");
        return;
      }
  }
}

void Sema::run(Program &p) {
  const ast::File &main = *module.files[0];
  p.sourceFile = main.path;
  for (const auto &file : module.files) {
    for (const ast::Model &m : file->models) {
      auto [it, fresh] = models.emplace(m.name, &m);
      if (!fresh)
        error(m.loc,
              "'" + m.name + "' is already defined at " + str(it->second->loc));
      if (builtins().count(m.name))
        error(m.loc, "'" + m.name + "' is the name of a builtin");
      if (m.isBlock)
        error(m.loc, "blocks are not supported yet (planned: parameterised "
                     "blocks with distinct weights per call)");
    }
    if (file.get() != &main)
      for (const ast::Train &t : file->trains)
        error(t.loc, "a train section may only appear in the main file");
  }
  for (size_t i = 1; i < main.trains.size(); ++i)
    error(main.trains[i].loc, "only one train section per file is supported");

  const ast::Model *selected = nullptr;
  if (!main.trains.empty()) {
    auto it = models.find(main.trains[0].model);
    if (it != models.end() && !it->second->isBlock)
      selected = it->second;
  } else {
    for (const ast::Model &m : main.models)
      if (!m.isBlock)
        selected = &m;
    if (!selected) {
      error(Loc{main.path, 1, 1}, "no model in this file");
      return;
    }
  }
  // Every model of the main file is checked, in source order; the selected
  // one is built into p.forward.
  for (const ast::Model &m : main.models) {
    if (m.isBlock)
      continue;
    if (&m != selected) {
      checkAlone(m);
      continue;
    }
    p.modelName = m.name;
    p.modelLoc = m.loc;
    if (!m.args.empty() && m.args[0].type)
      type(*m.args[0].type, p.input, true);
    buildForward(m, p, true);
  }
  // A trained model from an import.
  if (selected && p.modelName.empty()) {
    p.modelName = selected->name;
    p.modelLoc = selected->loc;
    if (!selected->args.empty() && selected->args[0].type)
      type(*selected->args[0].type, p.input, true);
    buildForward(*selected, p, true);
  }
  if (!main.trains.empty())
    train(main.trains[0], p);
}

} // namespace

bool nnc::analyze(const ast::Module &module, Program &prog,
                  Diagnostics &diags) {
  int before = diags.errorCount();
  Sema(module, diags).run(prog);
  return diags.errorCount() == before;
}
