//===- Sema.cpp - AST -> Program: names, types, shapes, inlining ----------===//
//
// Semantic analysis. Every model and block call is inlined into flat typed
// graphs: a model's params are shared across its calls, a block's are per
// call site (instance `<Block><k>`, params `Net.Block2/conv1.weight`);
// `repeat N` re-runs statements in the same scope. Block arguments and
// folded `+ - * /` of numbers are compile-time constants (Scope::consts).
// Builtins (layers, activations, operators, losses, initialisers,
// optimizers, datasets) are resolved and their arguments and shapes checked.
// Three graphs come out: forward and evalLoss in eval mode, loss in train
// mode (dropout masks, flips, batch statistics and the new running
// statistics of batch norm). Shapes carry kBatch for `B`. Errors are
// reported and analysis goes on with an invalid Value (node -1), which
// silences follow-up errors about the same expression.
//
// Param order: creation order while building the forward graph of the
// trained model: statement order, `param` at its declaration, a layer's
// weight then bias at the call, an inlined model's params at its first call.
//
//===----------------------------------------------------------------------===//
#include "nnc/Frontend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
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
/// Largest graph built (a bound on `repeat` and nested block expansion).
constexpr size_t kMaxNodes = 1 << 18;
/// Largest tensor, in elements per sample: with B <= kMaxDim, arena offsets
/// stay far from int64 overflow.
constexpr int64_t kMaxElements = int64_t(1) << 31;
constexpr int64_t kMaxRepeat = 4096;
constexpr int64_t kMaxRepeatSteps = 1 << 22;

std::string str(const Loc &l) {
  return l.file + ":" + std::to_string(l.line) + ":" + std::to_string(l.col);
}

bool operator==(const TensorType &a, const TensorType &b) {
  return a.elem == b.elem && a.dims == b.dims;
}

/// Elements per sample (B counts as 1), in double: it cannot overflow.
double elements(const TensorType &t) {
  double n = 1;
  for (int64_t d : t.dims)
    n *= d == kBatch ? 1 : d;
  return n;
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

/// A compile-time number or list of numbers (a block argument such as the
/// channel count `c1` or a kernel `[1, n]`, or a folded `c * 2`).
struct Const {
  std::vector<double> values;
  bool list = false;
};

/// Names bound in one inlined model or block instance.
struct Scope {
  const ast::Model *model = nullptr;
  std::map<std::string, Value> names;
  std::map<std::string, Const> consts; ///< names bound to compile-time values
  std::map<std::string, Loc> params;   ///< declared param name -> location
  std::map<std::string, int> counters; ///< layer kind -> rows so far
  /// dense, conv, bn and block instances so far: the <k> in param names.
  std::map<std::string, int> layers;
  std::string paramPrefix; ///< "MLP." or, in a block instance, "Net.Res1/"
  std::string prefix;      ///< "" or "Enc/" for rows of inlined models
  int depth = 0;

  void bind(const std::string &name, Value v) {
    consts.erase(name);
    names[name] = v;
  }
  void bind(const std::string &name, Const c) {
    names.erase(name);
    consts[name] = std::move(c);
  }
};

/// An actual argument of a model or block call: a tensor or a constant.
struct Actual {
  Value value;
  std::optional<Const> constant;
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
      {"conv2d", BuiltinKind::Layer},
      {"max_pool", BuiltinKind::Layer},
      {"maxpool", BuiltinKind::Layer},
      {"avg_pool", BuiltinKind::Layer},
      {"avgpool", BuiltinKind::Layer},
      {"global_avg_pool", BuiltinKind::Layer},
      {"global_avgpool", BuiltinKind::Layer},
      {"flatten", BuiltinKind::Layer},
      {"reshape", BuiltinKind::Layer},
      {"concat", BuiltinKind::Layer},
      {"batch_norm", BuiltinKind::Layer},
      {"dropout", BuiltinKind::Layer},
      {"flip_lr", BuiltinKind::Layer},
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
      {"synthetic", BuiltinKind::Dataset},
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
  std::map<int, int> paramNodes;  ///< param index -> its Param node
  std::map<int, int> bufferNodes; ///< buffer index -> its current value
  /// Train mode (Program::loss): dropout and flips draw, batch norm uses the
  /// batch statistics and updates bufferNodes. Eval mode: identities and the
  /// running statistics.
  bool trainMode = false;
  int nextSalt = 0;        ///< random nodes of the train graph
  int64_t repeatSteps = 0; ///< iterations of all repeats so far
  bool tooLarge = false;   ///< an expansion limit was hit: stop expanding
  const Scope *constScope = nullptr; ///< where number() looks up names
  bool recordLayers = false;
  std::set<int> countedParams; ///< params already in a summary row
  bool inLoss = false;
  const ast::Model *trained = nullptr;
  int trainedOutput = -1; ///< loss graph: output of the trained model call
  bool classification = false;
  std::vector<const ast::Model *> callStack;

  void error(const Loc &loc, const std::string &msg) { diags.error(loc, msg); }

  // Graph construction.
  /// Reports a tensor of more than kMaxElements per sample where it first
  /// appears (not again in the nodes computed from it).
  int addNode(Node node) {
    if (elements(node.type) > kMaxElements &&
        std::none_of(node.operands.begin(), node.operands.end(), [&](int o) {
          return elements(graph->nodes[o].type) > kMaxElements;
        }))
      error(node.loc, formatType(node.type) + " has more than " +
                          std::to_string(kMaxElements) +
                          " elements (not counting B)");
    graph->nodes.push_back(std::move(node));
    return (int)graph->nodes.size() - 1;
  }
  Value add(OpKind op, std::vector<int> operands, TensorType type, Loc loc,
            double attr = 0, std::vector<int64_t> ints = {}) {
    Node n;
    n.op = op;
    n.operands = std::move(operands);
    n.type = type;
    n.loc = std::move(loc);
    n.attr = attr;
    n.ints = std::move(ints);
    return Value{addNode(std::move(n)), type};
  }
  Value constant(float v, const Loc &loc) {
    Value c = add(OpKind::Const, {}, TensorType{ElemType::F32, {}}, loc);
    graph->nodes[c.node].values = {v};
    return c;
  }
  /// The node of param (op Param) or buffer (op Buffer) `index`, made on
  /// first use; batch norm in train mode replaces a buffer's node by the
  /// updated statistics.
  Value leafValue(OpKind op, int index) {
    bool isParam = op == OpKind::Param;
    std::map<int, int> &nodes = isParam ? paramNodes : bufferNodes;
    const Param &decl = isParam ? prog->params[index] : prog->buffers[index];
    auto it = nodes.find(index);
    if (it == nodes.end()) {
      Node n;
      n.op = op;
      n.index = index;
      n.type = TensorType{ElemType::F32, decl.shape};
      n.loc = decl.loc;
      it = nodes.emplace(index, addNode(std::move(n))).first;
    }
    return Value{it->second, graph->nodes[it->second].type};
  }
  Value paramValue(int index) { return leafValue(OpKind::Param, index); }
  Value bufferValue(int index) { return leafValue(OpKind::Buffer, index); }
  /// Finds or creates the param (or, with `buffer`, the buffer) `name`.
  /// Returns -1 (after an error) if it exists with another shape.
  int getParam(const std::string &name, const std::vector<int64_t> &shape,
               const Init &init, const Loc &loc, const std::string &what,
               bool buffer = false) {
    std::vector<Param> &decls = buffer ? prog->buffers : prog->params;
    for (size_t i = 0; i < decls.size(); ++i) {
      if (decls[i].name != name)
        continue;
      if (decls[i].shape != shape) {
        error(loc, what + " needs " + formatType({ElemType::F32, shape}) +
                       " but '" + name + "' (shared with an earlier call) is " +
                       formatType({ElemType::F32, decls[i].shape}));
        return -1;
      }
      return (int)i;
    }
    decls.push_back(Param{name, shape, init, loc});
    return (int)decls.size() - 1;
  }
  /// A summary row; `weight` and `bias` are param indices (or -1) counted
  /// as weights and biases unless an earlier call already counted them.
  void addRow(Scope &scope, const std::string &kind, const Loc &loc,
              const TensorType &out, int weight, int bias, int64_t macs,
              std::string name = "") {
    if (!recordLayers)
      return;
    LayerInfo row;
    row.name =
        scope.prefix +
        (name.empty() ? kind + std::to_string(++scope.counters[kind]) : name);
    row.kind = kind;
    row.outShape = out.dims;
    for (int p : {weight, bias}) {
      if (p < 0 || !countedParams.insert(p).second)
        continue; // shared with an earlier call: counted there
      (p == weight ? row.weights : row.biases) +=
          product(prog->params[p].shape);
    }
    row.macs = macs;
    row.depth = scope.depth;
    row.loc = loc;
    prog->layers.push_back(std::move(row));
  }

  // Types and constants.
  bool type(const ast::Type &t, TensorType &out, bool allowBatch);
  bool number(const ast::Expr &e, double &out);
  void lrSchedule(const ast::Expr &e, LrSchedule &out);
  bool integer(const ast::Expr &e, const std::string &what, int64_t min,
               int64_t &out);
  bool checkInt(double v, const Loc &loc, const std::string &what, int64_t min,
                int64_t &out);
  bool intList(const ast::Expr &e, const std::string &what, int64_t min,
               std::vector<int64_t> &out);
  bool pair(const ast::Expr *e, const std::string &what, int64_t min,
            int64_t dflt, int64_t out[2]);
  bool padding(const ast::Expr *e, const std::string &f, const TensorType &x,
               std::vector<int64_t> &win);
  bool window(const ast::Expr &e, const std::string &f, const TensorType &x,
              std::vector<int64_t> &win, int64_t &oh, int64_t &ow);
  bool image(const ast::Expr &e, const std::string &f, const Value &x);
  std::optional<Const> constantArg(const ast::Expr &e);
  bool literal(const ast::Expr &e, std::vector<int64_t> &shape,
               std::vector<float> &values);
  bool init(const ast::Expr &e, const std::vector<int64_t> &shape, Init &out);
  std::vector<const ast::Expr *> bindArgs(const ast::Expr &call,
                                          const std::vector<ArgSpec> &spec);

  // Expressions and models.
  Value expr(const ast::Expr &e, Scope &scope);
  Value call(const ast::Expr &e, Scope &scope);
  Value binary(const ast::Expr &e, Value a, Value b, Scope &scope);
  Value conv2d(const ast::Expr &e, Scope &scope);
  Value pool(const ast::Expr &e, Scope &scope);
  Value reshape(const ast::Expr &e, Scope &scope);
  Value concat(const ast::Expr &e, Scope &scope);
  Value batchNorm(const ast::Expr &e, Scope &scope);
  Value random(const ast::Expr &e, Scope &scope);
  Value modelCall(const ast::Model &m, const ast::Expr &e, Scope &scope);
  Value inlineModel(const ast::Model &m, const std::vector<Actual> &args,
                    const Loc &callLoc, Scope *caller);
  void stmts(const std::vector<ast::Stmt> &body, Scope &scope,
             const ast::Stmt *&ret, Value &result, bool inRepeat);
  Value buildLoss(const ast::Expr &le, Program &p, Graph &g, bool train);
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

/// A compile-time number: a literal, a name bound to a number (a block
/// argument), or `+ - * /` and unary `-` of compile-time numbers (folded).
bool Sema::number(const ast::Expr &e, double &out) {
  double a, b;
  switch (e.kind) {
  case ast::Expr::Number:
    out = e.number;
    return true;
  case ast::Expr::Neg:
    if (!number(*e.args[0], out))
      return false;
    out = -out;
    return true;
  case ast::Expr::Name: {
    if (!constScope)
      return false;
    auto it = constScope->consts.find(e.text);
    if (it == constScope->consts.end() || it->second.list)
      return false;
    out = it->second.values[0];
    return true;
  }
  case ast::Expr::Binary:
    if (e.text == "@" || !number(*e.args[0], a) || !number(*e.args[1], b))
      return false;
    out = e.text == "+"   ? a + b
          : e.text == "-" ? a - b
          : e.text == "*" ? a * b
                          : a / b;
    return true;
  default:
    return false;
  }
}

bool Sema::checkInt(double v, const Loc &loc, const std::string &what,
                    int64_t min, int64_t &out) {
  if (!(v == std::floor(v)) || v < (double)min || v > 1e12) {
    error(loc, what + " must be an integer" +
                   (min > 0 ? " >= " + std::to_string(min) : "") +
                   (min == 0 ? " >= 0" : ""));
    return false;
  }
  out = (int64_t)v;
  return true;
}

bool Sema::integer(const ast::Expr &e, const std::string &what, int64_t min,
                   int64_t &out) {
  double v = 0.5; // not an integer: reported below
  number(e, v);
  return checkInt(v, e.loc, what, min, out);
}

/// An integer, a list of integers `[h, w]`, or a name bound to either; each
/// element >= min and <= kMaxDim.
bool Sema::intList(const ast::Expr &e, const std::string &what, int64_t min,
                   std::vector<int64_t> &out) {
  out.clear();
  std::vector<std::pair<double, Loc>> elems;
  double v;
  if (e.kind == ast::Expr::Tensor) {
    for (const auto &a : e.args) {
      if (!number(*a, v)) {
        error(a->loc, what + " must be an integer or a list of integers");
        return false;
      }
      elems.push_back({v, a->loc});
    }
  } else if (e.kind == ast::Expr::Name && constScope &&
             constScope->consts.count(e.text)) {
    for (double c : constScope->consts.at(e.text).values)
      elems.push_back({c, e.loc});
  } else if (number(e, v)) {
    elems.push_back({v, e.loc});
  } else {
    error(e.loc, what + " must be an integer or a list of integers");
    return false;
  }
  for (auto &[x, loc] : elems) {
    int64_t i;
    if (!checkInt(x, loc, what, min, i))
      return false;
    if (i > kMaxDim) {
      error(loc, what + " must be at most " + std::to_string(kMaxDim));
      return false;
    }
    out.push_back(i);
  }
  return true;
}

/// `n` or `[h, w]` (absent: dflt for both).
bool Sema::pair(const ast::Expr *e, const std::string &what, int64_t min,
                int64_t dflt, int64_t out[2]) {
  out[0] = out[1] = dflt;
  if (!e)
    return true;
  std::vector<int64_t> v;
  if (!intList(*e, what, min, v))
    return false;
  if (v.size() != 1 && v.size() != 2) {
    error(e->loc, what + " must be an integer or [h, w], got " +
                      std::to_string(v.size()) + " values");
    return false;
  }
  out[0] = v[0];
  out[1] = v.back();
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

/// fan_in and fan_out of a weight: [in, out] matrices as in `x @ W`; for
/// rank >= 3 (conv kernels [kh, kw, C, F]) fan_in is the product of all dims
/// but the last (kh*kw*C) and fan_out of all but the second-to-last
/// (kh*kw*F); rank 1: both shape[0]; scalars: 1.
static void fans(const std::vector<int64_t> &shape, double &in, double &out) {
  size_t r = shape.size();
  in = out = r == 0 ? 1 : (double)shape[0];
  if (r < 2)
    return;
  in = (double)product(shape) / (double)shape[r - 1];
  out = (double)product(shape) / (double)shape[r - 2];
}

/// Initialisers, resolved to Init with concrete bounds (fan_in and fan_out
/// from fans()).
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
  double fanIn, fanOut;
  fans(shape, fanIn, fanOut);
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

/// Checks that x is an f32 image [B, H, W, C] for builtin f.
bool Sema::image(const ast::Expr &e, const std::string &f, const Value &x) {
  const auto &d = x.type.dims;
  if (x.type.elem != ElemType::F32 || d.size() != 4 || d[1] == kBatch ||
      d[2] == kBatch || d[3] == kBatch) {
    error(e.loc, f + ": input must be an f32 image [B, H, W, C], got " +
                     formatType(x.type));
    return false;
  }
  return true;
}

/// Fills the padding of win = {kh, kw, sh, sw, dh, dw, pt, pb, pl, pr} from
/// `padding=`: "valid" (0), "same", p, [ph, pw] or [top, bottom, left,
/// right]. "same" follows TensorFlow: OH = ceil(H / sh), total = max((OH-1)
/// sh + (kh-1) dh + 1 - H, 0), top = total / 2, bottom = total - top (an
/// even kernel pads more at the bottom); likewise W.
bool Sema::padding(const ast::Expr *e, const std::string &f,
                   const TensorType &x, std::vector<int64_t> &win) {
  win.resize(10, 0);
  if (!e || (e->kind == ast::Expr::String && e->text == "valid"))
    return true;
  if (e->kind == ast::Expr::String && e->text == "same") {
    for (int i = 0; i < 2; ++i) {
      int64_t in = x.dims[1 + i], k = win[i], st = win[2 + i], d = win[4 + i];
      int64_t out = (in + st - 1) / st;
      int64_t total =
          std::max<int64_t>((out - 1) * st + (k - 1) * d + 1 - in, 0);
      win[6 + 2 * i] = total / 2;
      win[7 + 2 * i] = total - total / 2;
    }
    return true;
  }
  if (e->kind == ast::Expr::String) {
    error(e->loc, f + ": unknown padding \"" + e->text +
                      "\" (expected \"valid\", \"same\", p, [ph, pw] or "
                      "[top, bottom, left, right])");
    return false;
  }
  std::vector<int64_t> p;
  if (!intList(*e, f + ": padding", 0, p))
    return false;
  if (p.size() == 1)
    p = {p[0], p[0], p[0], p[0]};
  else if (p.size() == 2)
    p = {p[0], p[0], p[1], p[1]};
  else if (p.size() != 4) {
    error(e->loc, f +
                      ": padding must be p, [ph, pw] or [top, bottom, left, "
                      "right], got " +
                      std::to_string(p.size()) + " values");
    return false;
  }
  std::copy(p.begin(), p.end(), win.begin() + 6);
  return true;
}

/// Output size of the window `win` over image x: OH = (H + pt + pb - dh (kh
/// - 1) - 1) / sh + 1, which must be >= 1.
bool Sema::window(const ast::Expr &e, const std::string &f, const TensorType &x,
                  std::vector<int64_t> &win, int64_t &oh, int64_t &ow) {
  int64_t out[2];
  for (int i = 0; i < 2; ++i) {
    int64_t padded = x.dims[1 + i] + win[6 + 2 * i] + win[7 + 2 * i];
    int64_t span = win[4 + i] * (win[i] - 1) + 1;
    if (span > padded) {
      error(e.loc, f + ": the kernel " + std::to_string(win[0]) + "x" +
                       std::to_string(win[1]) + " (dilation " +
                       std::to_string(win[4]) + "x" + std::to_string(win[5]) +
                       ") is larger than the padded input " + formatType(x) +
                       " (padding top, bottom, left, right " +
                       std::to_string(win[6]) + ", " + std::to_string(win[7]) +
                       ", " + std::to_string(win[8]) + ", " +
                       std::to_string(win[9]) + ")");
      return false;
    }
    out[i] = (padded - span) / win[2 + i] + 1;
  }
  oh = out[0];
  ow = out[1];
  return true;
}

/// conv2d(x, filters, kernel, stride=1, padding="valid", dilation=1,
/// bias=true, init=...): Conv2D(x, w [kh,kw,C,F]) then Add(bias [F]).
Value Sema::conv2d(const ast::Expr &e, Scope &scope) {
  auto args = bindArgs(e, {{"x", true},
                           {"filters", true},
                           {"kernel", true},
                           {"stride", false},
                           {"padding", false},
                           {"dilation", false},
                           {"bias", false},
                           {"init", false}});
  Value x = args[0] ? expr(*args[0], scope) : Value{};
  int k = ++scope.layers["conv"];
  int64_t filters = 0, kernel[2], stride[2], dil[2];
  bool ok = args[1] && integer(*args[1], "conv2d: filters", 1, filters);
  if (ok && filters > kMaxDim) {
    error(args[1]->loc,
          "conv2d: filters must be at most " + std::to_string(kMaxDim));
    ok = false;
  }
  ok &= args[2] && pair(args[2], "conv2d: kernel", 1, 1, kernel);
  ok &= pair(args[3], "conv2d: stride", 1, 1, stride);
  ok &= pair(args[5], "conv2d: dilation", 1, 1, dil);
  bool bias = true;
  if (args[6]) {
    if (args[6]->kind != ast::Expr::Bool) {
      error(args[6]->loc, "conv2d: bias must be true or false");
      ok = false;
    }
    bias = args[6]->boolean;
  }
  if (!x.ok() || !ok || !image(e, "conv2d", x))
    return {};
  std::vector<int64_t> win = {kernel[0], kernel[1], stride[0],
                              stride[1], dil[0],    dil[1]};
  int64_t oh, ow;
  if (!padding(args[4], "conv2d", x.type, win) ||
      !window(e, "conv2d", x.type, win, oh, ow))
    return {};
  int64_t c = x.type.dims[3];
  std::vector<int64_t> wShape = {kernel[0], kernel[1], c, filters};
  double macs = (double)oh * ow * filters * kernel[0] * kernel[1] * c;
  if (macs > 1e15) {
    error(e.loc, "conv2d: too large (" + formatType(x.type) + " with " +
                     std::to_string(filters) + " filters)");
    return {};
  }
  // PyTorch's nn.Conv2d default: weight and bias ~ U(-1/sqrt(fan_in),
  // 1/sqrt(fan_in)), fan_in = C*kh*kw.
  double bound = 1.0 / std::sqrt((double)(c * kernel[0] * kernel[1]));
  Init defaultInit{Init::Uniform, -bound, bound, {}};
  Init wInit = defaultInit;
  if (args[7] && !init(*args[7], wShape, wInit))
    return {};
  std::string base = scope.paramPrefix + "conv" + std::to_string(k);
  std::string what = "conv2d: input " + formatType(x.type);
  int w = getParam(base + ".weight", wShape, wInit, e.loc, what);
  int b =
      bias ? getParam(base + ".bias", {filters}, defaultInit, e.loc, what) : -1;
  if (w < 0 || (bias && b < 0))
    return {};
  TensorType t{ElemType::F32, {x.type.dims[0], oh, ow, filters}};
  Value v = add(OpKind::Conv2D, {x.node, paramValue(w).node}, t, e.loc, 0, win);
  if (bias)
    v = add(OpKind::Add, {v.node, paramValue(b).node}, t, e.loc);
  addRow(scope, "conv2d", e.loc, t, w, b, (int64_t)macs,
         "conv" + std::to_string(k));
  return v;
}

/// max_pool / avg_pool(x, size, stride=size, padding="valid") and
/// global_avg_pool(x) = AvgPool over H x W, then Reshape to [B, C].
Value Sema::pool(const ast::Expr &e, Scope &scope) {
  const std::string &f = e.text;
  bool global = f.rfind("global", 0) == 0;
  bool isMax = f == "max_pool" || f == "maxpool";
  std::string name = global  ? "global_avg_pool"
                     : isMax ? "max_pool"
                             : "avg_pool";
  std::vector<ArgSpec> spec = {{"x", true}};
  if (!global)
    spec.insert(spec.end(),
                {{"size", true}, {"stride", false}, {"padding", false}});
  auto args = bindArgs(e, spec);
  Value x = args[0] ? expr(*args[0], scope) : Value{};
  int64_t size[2] = {1, 1}, stride[2];
  bool ok = global || (args[1] && pair(args[1], name + ": size", 1, 1, size));
  ok &= global || pair(args.size() > 2 ? args[2] : nullptr, name + ": stride",
                       1, 0, stride);
  if (!x.ok() || !ok || !image(e, name, x))
    return {};
  if (global) {
    size[0] = x.type.dims[1];
    size[1] = x.type.dims[2];
  }
  if (global || !args[2]) { // stride defaults to the size
    stride[0] = size[0];
    stride[1] = size[1];
  }
  std::vector<int64_t> win = {size[0], size[1], stride[0], stride[1], 1, 1};
  int64_t oh, ow;
  if (!padding(global ? nullptr : args[3], name, x.type, win))
    return {};
  // A window of padding only would have no input to take the max of.
  if (win[6] >= size[0] || win[7] >= size[0] || win[8] >= size[1] ||
      win[9] >= size[1]) {
    error(args[3]->loc, name + ": padding must be smaller than the window " +
                            std::to_string(size[0]) + "x" +
                            std::to_string(size[1]) + " on every side");
    return {};
  }
  if (!window(e, name, x.type, win, oh, ow))
    return {};
  int64_t c = x.type.dims[3];
  TensorType t{ElemType::F32, {x.type.dims[0], oh, ow, c}};
  Value v = add(isMax ? OpKind::MaxPool : OpKind::AvgPool, {x.node}, t, e.loc,
                0, win);
  if (global) {
    t.dims = {x.type.dims[0], c};
    v = add(OpKind::Reshape, {v.node}, t, e.loc);
  }
  addRow(scope, name, e.loc, t, -1, -1, 0);
  return v;
}

/// flatten(x): [B, prod(rest)]; reshape(x, [B, d1, ...]) with at most one -1.
Value Sema::reshape(const ast::Expr &e, Scope &scope) {
  bool flat = e.text == "flatten";
  std::vector<ArgSpec> spec = {{"x", true}};
  if (!flat)
    spec.push_back({"shape", true});
  auto args = bindArgs(e, spec);
  Value x = args[0] ? expr(*args[0], scope) : Value{};
  if (!x.ok() || (!flat && !args[1]))
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
Value Sema::concat(const ast::Expr &e, Scope &scope) {
  if (e.positionalAfterNamed)
    error(e.loc, "'concat': positional argument after a named argument");
  int64_t axis = -1;
  bool ok = true;
  for (const ast::NamedArg &n : e.named) {
    double v;
    if (n.name != "axis") {
      error(n.loc, "'concat' has no argument named '" + n.name +
                       "' (expected tensors, then axis)");
      ok = false;
    } else if (!number(*n.value, v) || v != std::floor(v) || std::abs(v) > 64) {
      error(n.value->loc, "concat: axis must be an integer");
      ok = false;
    } else {
      axis = (int64_t)v;
    }
  }
  if (e.args.size() < 2) {
    error(e.loc, "concat needs at least two tensors");
    ok = false;
  }
  std::vector<Value> xs;
  for (const auto &a : e.args) {
    xs.push_back(expr(*a, scope));
    ok &= xs.back().ok();
  }
  if (!ok)
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
  Value v = add(OpKind::Concat, operands, t, e.loc, 0, {axis});
  addRow(scope, "concat", e.loc, t, -1, -1, 0);
  return v;
}

/// batch_norm(x, momentum=0.1, eps=1e-5) over the last (channel) axis, as a
/// composite of existing ops. Train mode, with wb = w reshaped to [B,1,..,1]
/// (0 on the padding rows of a partial batch) and n = elements per sample
/// per channel:
///   cnt = sum(w) n,  mean = sum(x wb) / cnt,  xc = x - mean,
///   var = sum(xc^2 wb) / cnt,  y = xc / sqrt(var + eps) gamma + beta,
///   rm' = (1-m) rm + m mean,  rv' = (1-m) rv + m var cnt / (cnt - 1).
/// Eval mode: y = (x - rm) / sqrt(rv + eps) gamma + beta.
Value Sema::batchNorm(const ast::Expr &e, Scope &scope) {
  auto args = bindArgs(e, {{"x", true}, {"momentum", false}, {"eps", false}});
  Value x = args[0] ? expr(*args[0], scope) : Value{};
  int k = ++scope.layers["bn"];
  double m = 0.1, eps = 1e-5;
  bool ok = true;
  if (args[1] && (!number(*args[1], m) || !(m >= 0 && m <= 1))) {
    error(args[1]->loc, "batch_norm: momentum must be a number in [0, 1]");
    ok = false;
  }
  if (args[2] && (!number(*args[2], eps) || !(eps > 0 && eps < 1e6))) {
    error(args[2]->loc, "batch_norm: eps must be a positive number");
    ok = false;
  }
  if (!x.ok() || !ok)
    return {};
  const auto &d = x.type.dims;
  if (x.type.elem != ElemType::F32 || d.size() < 2 || d[0] != kBatch ||
      d.back() == kBatch) {
    error(e.loc, "batch_norm: input must be f32 [B, ..., C], got " +
                     formatType(x.type));
    return {};
  }
  int64_t c = d.back();
  std::string base = scope.paramPrefix + "bn" + std::to_string(k);
  std::string what = "batch_norm: input " + formatType(x.type);
  int gamma =
      getParam(base + ".weight", {c}, Init{Init::Const, 1, 0, {}}, e.loc, what);
  int beta = getParam(base + ".bias", {c}, Init{}, e.loc, what);
  int rm = getParam(base + ".running_mean", {c}, Init{}, e.loc, what, true);
  int rv = getParam(base + ".running_var", {c}, Init{Init::Const, 1, 0, {}},
                    e.loc, what, true);
  if (gamma < 0 || beta < 0 || rm < 0 || rv < 0)
    return {};
  TensorType vec{ElemType::F32, {c}}, scalar{ElemType::F32, {}};
  const Loc &l = e.loc;
  auto op = [&](OpKind kind, Value a, Value b, const TensorType &t) {
    return add(kind, {a.node, b.node}, t, l);
  };
  Value xc, var;
  if (trainMode) {
    TensorType wbType{ElemType::F32, std::vector<int64_t>(d.size(), 1)};
    wbType.dims[0] = kBatch;
    Value w{2, graph->nodes[2].type};
    Value wb = add(OpKind::Reshape, {w.node}, wbType, l);
    Value cnt = op(OpKind::Mul, add(OpKind::SumTo, {w.node}, scalar, l),
                   constant((float)(product(d) / c), l), scalar);
    Value mean =
        op(OpKind::Div,
           add(OpKind::SumTo, {op(OpKind::Mul, x, wb, x.type).node}, vec, l),
           cnt, vec);
    xc = op(OpKind::Sub, x, mean, x.type);
    Value sq = op(OpKind::Mul, op(OpKind::Mul, xc, xc, x.type), wb, x.type);
    var = op(OpKind::Div, add(OpKind::SumTo, {sq.node}, vec, l), cnt, vec);
    Value keep = constant((float)(1 - m), l), mom = constant((float)m, l);
    Value unbiased =
        op(OpKind::Mul, var,
           op(OpKind::Div, cnt, op(OpKind::Sub, cnt, constant(1, l), scalar),
              scalar),
           vec);
    bufferNodes[rm] =
        op(OpKind::Add, op(OpKind::Mul, keep, bufferValue(rm), vec),
           op(OpKind::Mul, mom, mean, vec), vec)
            .node;
    bufferNodes[rv] =
        op(OpKind::Add, op(OpKind::Mul, keep, bufferValue(rv), vec),
           op(OpKind::Mul, mom, unbiased, vec), vec)
            .node;
  } else {
    xc = op(OpKind::Sub, x, bufferValue(rm), x.type);
    var = bufferValue(rv);
  }
  Value sd =
      add(OpKind::Sqrt,
          {op(OpKind::Add, var, constant((float)eps, l), vec).node}, vec, l);
  Value y = op(OpKind::Mul, op(OpKind::Div, xc, sd, x.type), paramValue(gamma),
               x.type);
  y = op(OpKind::Add, y, paramValue(beta), x.type);
  addRow(scope, "batch_norm", e.loc, x.type, gamma, beta, 0,
         "bn" + std::to_string(k));
  return y;
}

/// dropout(x, p) and flip_lr(x): random in train mode (each node its own
/// salt), identities in eval mode.
Value Sema::random(const ast::Expr &e, Scope &scope) {
  bool drop = e.text == "dropout";
  std::vector<ArgSpec> spec = {{"x", true}};
  if (drop)
    spec.push_back({"p", true});
  auto args = bindArgs(e, spec);
  Value x = args[0] ? expr(*args[0], scope) : Value{};
  double p = 0;
  if (drop && args[1] && (!number(*args[1], p) || !(p >= 0 && p < 1))) {
    error(args[1]->loc, "dropout: p must be a number in [0, 1)");
    return {};
  }
  if (!x.ok() || (drop && !args[1]))
    return {};
  if (drop && x.type.elem != ElemType::F32) {
    error(e.loc, "dropout: input must be f32, got " + formatType(x.type));
    return {};
  }
  if (!drop && !image(e, "flip_lr", x))
    return {};
  Value v = x;
  if (trainMode && drop) {
    Value mask = add(OpKind::DropoutMask, {3}, x.type, e.loc, p, {++nextSalt});
    v = add(OpKind::Mul, {x.node, mask.node}, x.type, e.loc);
  } else if (trainMode) {
    v = add(OpKind::FlipLR, {x.node, 3}, x.type, e.loc, 0, {++nextSalt});
  }
  addRow(scope, drop ? "dropout" : "flip_lr", e.loc, x.type, -1, -1, 0);
  return v;
}

/// A block's untyped argument that is a compile-time number, a list of
/// numbers `[1, n]`, or a name bound to one; nullopt for a tensor.
std::optional<Const> Sema::constantArg(const ast::Expr &e) {
  double v;
  if (number(e, v))
    return Const{{v}, false};
  if (e.kind == ast::Expr::Name && constScope &&
      constScope->consts.count(e.text))
    return constScope->consts.at(e.text);
  if (e.kind != ast::Expr::Tensor || e.args.empty())
    return std::nullopt;
  Const c{{}, true};
  for (const auto &a : e.args) {
    if (!number(*a, v))
      return std::nullopt;
    c.values.push_back(v);
  }
  return c;
}

/// A call of a model (params shared by all its calls) or of a block (params
/// of its own per call site: instance `<Block><k>`).
Value Sema::modelCall(const ast::Model &m, const ast::Expr &e, Scope &scope) {
  const char *what = m.isBlock ? "block" : "model";
  if (!e.named.empty())
    error(e.named[0].loc, std::string(what) + " '" + m.name +
                              "' takes positional arguments only");
  if (e.args.size() != m.args.size()) {
    error(e.loc, std::string(what) + " '" + m.name + "' takes " +
                     std::to_string(m.args.size()) + " argument" +
                     (m.args.size() == 1 ? "" : "s") + ", got " +
                     std::to_string(e.args.size()));
    return {};
  }
  if (m.isBlock && !scope.model) {
    error(e.loc, "block '" + m.name + "' may only be called inside a model");
    return {};
  }
  std::vector<Actual> args;
  bool ok = true;
  for (size_t i = 0; i < e.args.size(); ++i) {
    Actual a;
    if (m.isBlock && !m.args[i].type)
      a.constant = constantArg(*e.args[i]);
    if (!a.constant) {
      a.value = expr(*e.args[i], scope);
      ok &= a.value.ok();
    }
    args.push_back(std::move(a));
  }
  if (!ok)
    return {};
  Value v = inlineModel(m, args, e.loc, &scope);
  if (inLoss && &m == trained && trainedOutput < 0 && v.ok())
    trainedOutput = v.node;
  return v;
}

/// Inlines model or block `m` applied to `args`; returns its result.
Value Sema::inlineModel(const ast::Model &m, const std::vector<Actual> &args,
                        const Loc &callLoc, Scope *caller) {
  if (tooLarge || graph->nodes.size() > kMaxNodes) { // blocks doubling up
    if (!tooLarge)
      error(callLoc,
            "the graph has more than " + std::to_string(kMaxNodes) + " nodes");
    tooLarge = true;
    return {};
  }
  for (const ast::Model *c : callStack)
    if (c == &m) {
      error(callLoc, std::string(m.isBlock ? "block '" : "model '") + m.name +
                         "' calls itself (recursion is not supported)");
      return {};
    }
  Scope scope;
  scope.model = &m;
  scope.paramPrefix = m.name + ".";
  if (caller && m.isBlock) {
    // Counted after the arguments: instances are numbered in dataflow order.
    std::string inst = m.name + std::to_string(++caller->layers[m.name]);
    scope.paramPrefix = caller->paramPrefix + inst + "/";
    scope.prefix = caller->prefix + inst + "/";
    scope.depth = caller->depth + 1;
  } else if (caller) {
    scope.prefix = caller->prefix + m.name + "/";
    scope.depth = caller->depth + 1;
  }
  for (size_t i = 0; i < m.args.size(); ++i) {
    const ast::Arg &a = m.args[i];
    TensorType declared;
    if (a.type && type(*a.type, declared, true) && args[i].value.ok() &&
        !(declared == args[i].value.type))
      error(callLoc, std::string(m.isBlock ? "argument '" : "argument '") +
                         a.name + "' of " +
                         (m.isBlock ? "block '" : "model '") + m.name +
                         "' must be " + formatType(declared) + ", got " +
                         formatType(args[i].value.type));
    if (scope.names.count(a.name) || scope.consts.count(a.name))
      error(a.loc, "duplicate argument '" + a.name + "'");
    if (args[i].constant)
      scope.bind(a.name, *args[i].constant);
    else
      scope.bind(a.name, args[i].value);
  }
  callStack.push_back(&m);
  const Scope *savedConsts = constScope;
  constScope = &scope;
  Value result;
  const ast::Stmt *ret = nullptr;
  stmts(m.body, scope, ret, result, false);
  constScope = savedConsts;
  callStack.pop_back();
  const char *what = m.isBlock ? "block '" : "model '";
  if (!ret) {
    error(m.loc, what + m.name + "' has no return statement");
    return {};
  }
  TensorType declared;
  if (m.result && type(*m.result, declared, true) && result.ok() &&
      !(declared == result.type)) {
    error(ret->loc, what + m.name + "' returns " + formatType(result.type) +
                        " but is declared to return " + formatType(declared));
    return {};
  }
  return result;
}

/// Runs the statements of a body (or of a repeat) in `scope`.
void Sema::stmts(const std::vector<ast::Stmt> &body, Scope &scope,
                 const ast::Stmt *&ret, Value &result, bool inRepeat) {
  for (const ast::Stmt &s : body) {
    if (ret) {
      error(s.loc, "statement after return");
      return;
    }
    switch (s.kind) {
    case ast::Stmt::Param: {
      if (inRepeat) {
        error(s.loc, "'param' is not allowed inside repeat (each iteration "
                     "would redeclare it; use a block)");
        break;
      }
      auto prev = scope.params.find(s.name);
      if (prev != scope.params.end()) {
        error(s.loc, "duplicate param '" + s.name + "' (first declared at " +
                         str(prev->second) + ")");
        break;
      }
      scope.params[s.name] = s.loc;
      scope.bind(s.name, Value{});
      TensorType t;
      if (!type(*s.type, t, false))
        break;
      if (t.elem != ElemType::F32) {
        error(s.type->loc, "parameters must be f32");
        break;
      }
      // Without an initialiser: glorot_uniform for matrices, zeros otherwise.
      Init in;
      if (t.dims.size() >= 2) {
        double fanIn, fanOut;
        fans(t.dims, fanIn, fanOut);
        double a = std::sqrt(6.0 / (fanIn + fanOut));
        in = Init{Init::Uniform, -a, a, {}};
      }
      if (s.value && !init(*s.value, t.dims, in))
        break;
      int p = getParam(scope.paramPrefix + s.name, t.dims, in, s.loc, "param");
      if (p < 0)
        break;
      scope.bind(s.name, paramValue(p));
      bool bias = t.dims.size() == 1;
      addRow(scope, "param", s.loc, t, bias ? -1 : p, bias ? p : -1, 0, s.name);
      break;
    }
    case ast::Stmt::Assign: {
      // `c2 = c * 2` on compile-time numbers stays a number.
      double v;
      if (number(*s.value, v))
        scope.bind(s.name, Const{{v}, false});
      else
        scope.bind(s.name, expr(*s.value, scope));
      break;
    }
    case ast::Stmt::Return:
      if (inRepeat) {
        error(s.loc, "'return' is not allowed inside repeat");
        return;
      }
      ret = &s;
      result = expr(*s.value, scope);
      break;
    case ast::Stmt::Repeat: {
      double v;
      int64_t n;
      if (!number(*s.value, v)) {
        error(s.value->loc, "repeat count must be a compile-time integer (a "
                            "number or a block's number argument)");
        break;
      }
      if (!checkInt(v, s.value->loc, "repeat count", 0, n))
        break;
      if (n > kMaxRepeat) {
        error(s.value->loc,
              "repeat count must be at most " + std::to_string(kMaxRepeat));
        break;
      }
      for (int64_t i = 0; i < n; ++i) {
        // Nested repeats of (almost) nothing must not hang either.
        if (tooLarge)
          break;
        if (graph->nodes.size() > kMaxNodes ||
            ++repeatSteps > kMaxRepeatSteps) {
          error(s.loc, "repeat makes more than " + std::to_string(kMaxNodes) +
                           " graph nodes or " +
                           std::to_string(kMaxRepeatSteps) + " iterations");
          tooLarge = true;
          break;
        }
        stmts(s.body, scope, ret, result, true);
      }
      break;
    }
    }
  }
}

/// Builds `m` alone into p.forward: one Input node per argument.
Value Sema::buildForward(const ast::Model &m, Program &p, bool layers) {
  prog = &p;
  graph = &p.forward;
  paramNodes.clear();
  bufferNodes.clear();
  trainMode = false;
  recordLayers = layers;
  inLoss = false;
  std::vector<Actual> args;
  for (size_t i = 0; i < m.args.size(); ++i) {
    TensorType t;
    if (!m.args[i].type || !type(*m.args[i].type, t, true)) {
      args.push_back({});
      continue;
    }
    Value v = add(OpKind::Input, {}, t, m.args[i].loc);
    graph->nodes[v.node].index = (int)i;
    args.push_back({v, std::nullopt});
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

/// Builds the loss expression into g: inputs x, y, w (nodes 0, 1, 2) and, in
/// train mode, hyper (node 3). Leaves trainedOutput set.
Value Sema::buildLoss(const ast::Expr &le, Program &p, Graph &g, bool train) {
  prog = &p;
  graph = &g;
  paramNodes.clear();
  bufferNodes.clear();
  trainMode = train;
  nextSalt = 0;
  inLoss = true;
  trainedOutput = -1;
  Scope scope; // no model: layers and params are not allowed in the loss
  const Loc &l = p.train.loc;
  Value x = add(OpKind::Input, {}, p.input, l);
  Value y = add(OpKind::Input, {}, p.target, l);
  add(OpKind::Input, {}, TensorType{ElemType::F32, {kBatch}}, l);
  if (train)
    add(OpKind::Input, {}, TensorType{ElemType::F32, {4}}, l);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    g.nodes[i].index = (int)i;
  scope.names = {{"x", x}, {"y", y}};
  constScope = &scope;
  Value loss = expr(le, scope);
  constScope = nullptr;
  inLoss = false;
  return loss;
}

/// `lr_schedule = constant() | cosine(min=0) | step(every, gamma=0.1)`.
void Sema::lrSchedule(const ast::Expr &e, LrSchedule &out) {
  if (e.kind != ast::Expr::Call ||
      (e.text != "constant" && e.text != "cosine" && e.text != "step")) {
    error(e.loc, "expected a learning-rate schedule: constant(), cosine(min=0) "
                 "or step(every, gamma=0.1)");
    return;
  }
  if (e.text == "constant") {
    out.kind = LrSchedule::Constant;
    bindArgs(e, {});
  } else if (e.text == "cosine") {
    out.kind = LrSchedule::Cosine;
    auto args = bindArgs(e, {{"min", false}});
    if (args[0] && (!number(*args[0], out.min) || out.min < 0))
      error(args[0]->loc, "cosine: min must be a non-negative number");
  } else {
    out.kind = LrSchedule::Step;
    auto args = bindArgs(e, {{"every", true}, {"gamma", false}});
    if (args[0])
      integer(*args[0], "step: every", 1, out.every);
    if (args[1] &&
        (!number(*args[1], out.gamma) || out.gamma <= 0 || out.gamma > 1))
      error(args[1]->loc, "step: gamma must be a number in (0, 1]");
  }
}

void Sema::train(const ast::Train &t, Program &p) {
  TrainConfig &cfg = p.train;
  cfg.present = true;
  cfg.loc = t.loc;
  std::map<std::string, const ast::Setting *> settings;
  static const std::set<std::string> known = {
      "data", "loss", "optimizer", "lr_schedule", "batch", "epochs", "seed"};
  for (const ast::Setting &s : t.settings) {
    if (!known.count(s.key)) {
      error(s.loc, "unknown train setting '" + s.key +
                       "' (expected data, loss, optimizer, lr_schedule, "
                       "batch, epochs, seed)");
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
  if (cfg.batch > kMaxDim) {
    error(settings["batch"]->value->loc,
          "batch must be at most " + std::to_string(kMaxDim));
    cfg.batch = 1;
  }
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

  if (settings.count("lr_schedule")) {
    const ast::Expr &e = *settings["lr_schedule"]->value;
    lrSchedule(e, cfg.lrSchedule);
    if (cfg.lrSchedule.min > cfg.optimizer.lr) {
      char msg[128];
      std::snprintf(msg, sizeof msg,
                    "cosine: min (%g) must be at most the optimizer's lr (%g)",
                    cfg.lrSchedule.min, cfg.optimizer.lr);
      error(e.loc, msg);
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
  } else if (d.kind == ast::Expr::Call && d.text == "synthetic") {
    // Benchmarks: random inputs and labels of the model's shapes.
    auto args = bindArgs(d, {{"samples", true}, {"classes", true}});
    cfg.data.kind = Dataset::Synthetic;
    if (!args[0] || !args[1] ||
        !integer(*args[0], "synthetic: samples", 1, cfg.data.samples) ||
        !integer(*args[1], "synthetic: classes", 1, cfg.data.classes))
      return;
    if (!ce) {
      error(d.loc, "synthetic data has class labels: the loss must use "
                   "cross_entropy");
      return;
    }
    p.target = TensorType{ElemType::I32, {kBatch}};
  } else {
    error(d.loc, "expected a dataset: fashion_mnist(dir=...), "
                 "tensors(x=..., y=...) or synthetic(samples=N, classes=K)");
    return;
  }

  // Train mode first; the eval-mode loss only if that had no error (the
  // same expression would report the same errors again).
  const ast::Expr &le = *settings["loss"]->value;
  int errors = diags.errorCount();
  Value loss = buildLoss(le, p, p.loss, true);
  if (!loss.ok() || diags.errorCount() != errors)
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
  for (size_t i = 0; i < p.buffers.size(); ++i)
    p.loss.results.push_back(bufferValue((int)i).node);
  Value evalLoss = buildLoss(le, p, p.evalLoss, false);
  if (!evalLoss.ok())
    return;
  p.evalLoss.results = {evalLoss.node, trainedOutput};
  cfg.classification = classification;
  if (cfg.data.kind == Dataset::Tensors && classification) {
    int64_t classes = p.evalLoss.nodes[trainedOutput].type.dims.back();
    for (float v : cfg.data.y)
      if (v >= (float)classes) {
        error(d.loc, "tensors: label " + std::to_string((int64_t)v) +
                         " is out of range for " + std::to_string(classes) +
                         " classes");
        return;
      }
  }
  if (cfg.data.kind == Dataset::Synthetic) {
    // The runtime holds the whole dataset: keep its size far from overflow.
    if ((double)cfg.data.samples * elements(p.input) > kMaxElements * 256.0)
      error(d.loc, "synthetic: " + std::to_string(cfg.data.samples) +
                       " samples of " + formatType(p.input) +
                       " have more than " + std::to_string(kMaxElements * 256) +
                       " elements");
    int64_t classes = p.evalLoss.nodes[trainedOutput].type.dims.back();
    if (cfg.data.classes > classes)
      error(d.loc, "synthetic: " + std::to_string(cfg.data.classes) +
                       " classes, but the model has " +
                       std::to_string(classes) + " outputs");
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
