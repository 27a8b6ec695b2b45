//===- Sema.h - Internal declarations of semantic analysis ----------------===//
//
// The Sema class and what its files share: limits, Value/Const/Scope, the
// builtin registry's row type (Builtin, ArgSpec, Call), the Layer helper and
// small shape helpers. Private to lib/Frontend. Sema.cpp: types, numbers,
// initialisers, entry point; SemaBuiltins.cpp: the registry and builtin
// calls; one file per builtin family: SemaElementwise.cpp (operators,
// activations), SemaConv.cpp (dense, conv2d, pooling), SemaShape.cpp,
// SemaNorm.cpp, SemaRandom.cpp, SemaLoss.cpp; SemaExpr.cpp (expressions),
// SemaModel.cpp (model and block calls, statements), SemaScan.cpp (scan,
// emit, if) and SemaTrain.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_FRONTEND_SEMA_H
#define NNC_LIB_FRONTEND_SEMA_H

#include "nnc/Frontend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace nnc::sema {

/// Largest dimension accepted, so that shape products (and MACs) fit int64.
constexpr int64_t kMaxDim = 1 << 24;
/// Largest graph built (a bound on `repeat` and nested block expansion).
/// Fuzz builds (-DNNC_FUZZ=ON) use smaller bounds: reaching 2^18 nodes takes
/// under a second normally but about 20 s instrumented, a harness timeout;
/// the smaller bounds keep the guards themselves within the fuzzer's reach.
#ifdef NNC_FUZZ_SMALL_BOUNDS
constexpr size_t kMaxNodes = 1 << 14;
#else
constexpr size_t kMaxNodes = 1 << 18;
#endif
/// Largest tensor, in elements per sample: with B <= kMaxDim, arena offsets
/// stay far from int64 overflow.
constexpr int64_t kMaxElements = int64_t(1) << 31;
constexpr int64_t kMaxRepeat = 4096;
#ifdef NNC_FUZZ_SMALL_BOUNDS
constexpr int64_t kMaxRepeatSteps = 1 << 16;
#else
constexpr int64_t kMaxRepeatSteps = 1 << 22;
#endif

inline std::string str(const Loc &l) {
  return l.file + ":" + std::to_string(l.line) + ":" + std::to_string(l.col);
}

inline bool operator==(const TensorType &a, const TensorType &b) {
  return a.elem == b.elem && a.dims == b.dims;
}

/// Elements per sample (B counts as 1), in double: it cannot overflow.
inline double elements(const TensorType &t) {
  double n = 1;
  for (int64_t d : t.dims)
    n *= d == kBatch ? 1 : d;
  return n;
}

inline int64_t product(const std::vector<int64_t> &dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d == kBatch ? 1 : d;
  return n;
}

/// A value in a model body: a node of the graph being built (node < 0: an
/// error was reported for it), or of an enclosing graph when the value was
/// made outside the scan body being analysed (Sema::local imports it).
struct Value {
  int node = -1;
  TensorType type;
  int level = 0; ///< the graph's nesting: 0 a function's, 1 a scan body in it
  bool ok() const { return node >= 0; }
};

/// A compile-time number or list of numbers (a block argument such as the
/// channel count `c1` or a kernel `[1, n]`, or a folded `c * 2`).
struct Const {
  std::vector<double> values;
  bool list = false;
};

/// The scan whose body is being analysed (SemaScan.cpp).
struct ScanBody {
  int level = 0;      ///< the body graph's nesting level
  int t = -1;         ///< the step index node (body input 0)
  int64_t length = 0; ///< T
  bool reverse = false;
  Value first; ///< 1 at the first step, else 0; made on first use
  std::vector<Value> emits;
};

/// Where a statement is: what it may be (param, return, emit).
enum class StmtContext { Body, Repeat, ScanBody, Branch };

/// Names bound in one inlined model or block instance (or scan body, or
/// branch of an `if`: a copy of the enclosing scope).
struct Scope {
  const ast::Model *model = nullptr;
  ScanBody *scan = nullptr; ///< in a scan body: for `first` and `emit`
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

/// What a builtin is; this decides where it may be used.
enum class BuiltinKind { Layer, Activation, Loss, Init, Optimizer, Dataset };

/// One argument of a builtin. Tensor arguments are analysed, in order,
/// before the handler runs (Call::values); Tensors takes every positional
/// argument (concat's inputs). Other kinds are left to the handler, which
/// reads them with number(), integer(), flag(), init(), ... `dflt` is the
/// default of an optional Number or Bool argument.
struct ArgSpec {
  enum Kind {
    Tensor,
    Tensors,
    Number,
    Int,
    Ints,
    Bool,
    Padding,
    Init,
    Shape,
    Text
  };
  const char *name;
  Kind kind = Tensor;
  bool required = true;
  double dflt = 0;
};

class Sema;
struct Builtin;

/// A builtin call being analysed: the bound argument expressions (one per
/// ArgSpec, null when absent) and the values of the Tensor arguments.
struct Call {
  const Builtin &builtin;
  const ast::Expr &e;
  std::vector<const ast::Expr *> args;
  std::vector<Value> values;   ///< per ArgSpec; Tensor entries analysed
  std::vector<Value> variadic; ///< the Tensors argument's values
  /// The name as written (an alias or the builtin's name).
  const std::string &name() const { return e.text; }
  /// Every Tensor argument was given and analysed without error.
  bool valid() const;
  /// The expression of the argument `name` (null when absent or not one of
  /// the builtin's), and its position in the spec.
  const ast::Expr *arg(const char *name, size_t *index = nullptr) const;
};

/// A handler checks a builtin's other arguments and builds its nodes. It runs
/// even when a Tensor argument is invalid (an error was reported), so that
/// the other arguments' errors are reported too and layers are numbered the
/// same; it then returns an invalid Value (Call::valid).
using Handler = Value (Sema::*)(const Call &, Scope &);

/// One row of the builtin registry (SemaBuiltins.cpp).
struct Builtin {
  const char *name;
  std::vector<const char *> aliases;
  BuiltinKind kind;
  std::vector<ArgSpec> args;
  Handler handler = nullptr; ///< Layer, Activation, Loss
  /// The graph op of a builtin that is one node (activations and losses);
  /// none for identity and the builtins that build several nodes.
  std::optional<OpKind> op = std::nullopt;
  /// May be used in a scan body; not the layers with running statistics or
  /// random draws (their state would have to be carried over the steps).
  bool inScan = true;
};

/// The builtin named (or aliased) `name`, or null.
const Builtin *findBuiltin(const std::string &name);

/// A call of `normal` or `uniform` that makes a tensor of random draws, not
/// an initialiser: its first argument is a shape list (or `shape=` is named).
bool randomTensorCall(const ast::Expr &e);

/// PyTorch's default initialiser of dense and conv weights and biases
/// (nn.Linear, nn.Conv2d): U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
inline Init pytorchDefault(double fanIn) {
  double bound = 1.0 / std::sqrt(fanIn);
  return Init{Init::Uniform, -bound, bound, {}};
}

/// A layer with a weight, an optional bias and a summary row: dense, conv2d,
/// batch_norm and the layers to come. Sema::declare creates (or finds, for a
/// model called again) `<paramPrefix><name>.weight` and `.bias`;
/// Sema::layerRow adds the row `<name>` of kind `kind`.
struct Layer {
  std::string kind; ///< "dense": the summary row's kind and error prefix
  std::string name; ///< "dense1": the params' and the summary row's name
  std::vector<int64_t> weightShape, biasShape;
  Init weightInit, biasInit;
  bool hasBias = true;
  int weight = -1, bias = -1; ///< param indices, set by Sema::declare
};

class Sema {
public:
  Sema(const ast::Module &module, Diagnostics &diags, int64_t seqLen,
       bool forwardOnly = false, std::string onlyModel = "")
      : module(module), diags(diags), seqLen(seqLen), forwardOnly(forwardOnly),
        onlyModel(std::move(onlyModel)) {}

  void run(Program &prog);
  /// Record every name's type in `out` (nnc::analyze's `names`).
  void recordNames(std::vector<NameInfo> *out) { names = out; }

private:
  std::vector<NameInfo> *names = nullptr;
  std::set<std::tuple<std::string, int, int, std::string>> namesSeen;
  /// Records `name` at `loc` with v's type (if v is valid) in `names`.
  void note(const Loc &loc, const std::string &name, const Value &v);
  void note(const Loc &loc, const std::string &name, const Const &c);
  /// scope.bind(name, v), noting the binding at `loc`.
  template <typename V>
  void bindAt(Scope &scope, const Loc &loc, const std::string &name, V v) {
    note(loc, name, v);
    scope.bind(name, std::move(v));
  }

  const ast::Module &module;
  Diagnostics &diags;
  std::map<std::string, const ast::Model *> models;
  /// The sequence length T: --seq-len, or what the train section's data
  /// gives (inferSeqLen); 0 while unknown.
  int64_t seqLen = 0;
  /// Only the trained model's forward graph (Program::step's analysis): the
  /// train section is not analysed.
  bool forwardOnly = false;
  /// With forwardOnly: analyse this model (not the trained one), its
  /// forward graph returning all its results (the decoder's step).
  std::string onlyModel;

  // The graph being built.
  Program *prog = nullptr;
  Graph *graph = nullptr;
  std::map<int, int> paramNodes;  ///< param index -> its Param node
  std::map<int, int> bufferNodes; ///< buffer index -> its current value
  std::map<int, int> outerNodes;  ///< enclosing graph's node -> Outer leaf
  /// While a scan body is built: the graphs around it, outermost first
  /// (enclosing[l] is level l), with their leaf maps.
  struct Enclosing {
    Graph *graph;
    std::map<int, int> paramNodes, bufferNodes, outerNodes;
  };
  std::vector<Enclosing> enclosing;
  int level() const { return (int)enclosing.size(); }
  /// Train mode (Program::loss): dropout and flips draw, batch norm uses the
  /// batch statistics and updates bufferNodes. Eval mode: identities and the
  /// running statistics.
  bool trainMode = false;
  /// Salts of the random call sites of the graph being built: every call
  /// site takes the next one in every mode, so a site has the same salt in
  /// the forward, loss and eval-loss graphs.
  int nextSalt = 0;
  /// Where a loss graph's salts start: apart for each training step, so two
  /// steps' draws differ (their t may be equal).
  int saltBase = 0;
  int hyperLeaf = -1; ///< the forward or step graph's Hyper leaf, once made
  int64_t repeatSteps = 0; ///< iterations of all repeats so far
  bool tooLarge = false;   ///< an expansion limit was hit: stop expanding
  const Scope *constScope = nullptr; ///< where number() looks up names
  bool recordLayers = false;
  std::set<int> countedParams; ///< params already in a summary row
  bool inLoss = false;
  const ast::Model *trained = nullptr;
  int trainedOutput = -1; ///< loss graph: output of the trained model call
  bool classification = false;
  /// cross_entropy(..., ignore=k): the label that does not count (-1: none).
  int64_t ignoreIndex = -1;
  std::vector<const ast::Model *> callStack;
  /// The results after the first of the model just inlined (`return a, b`),
  /// and of the return statement being run.
  std::vector<Value> moreResults, returnMore;
  /// A destructuring assignment `a, b = M(x)` is being analysed: the call
  /// of M may return this many results (0: one, as everywhere else).
  size_t wantResults = 0;
  /// `hs, h, c = lstm(...)`: the recurrent layer being called also gives
  /// this many final states in moreResults (0: none asked).
  size_t wantStates = 0;
  /// Params each model's inlining reached (its own, its blocks' and those of
  /// the models it calls): what `updates = M` and `l2(M)` mean.
  std::map<std::string, std::set<int>> modelParams;
  /// The train section's bindings (`z = normal([B, 64])`) by name, each
  /// analysed on its first use in a graph (train-level expressions only).
  std::map<std::string, const ast::Setting *> bindings;
  std::set<std::string> bindingsInProgress;

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
  /// `v` as a value of the graph being built (SemaScan.cpp).
  Value local(Value v);
  Value add(OpKind op, std::vector<int> operands, TensorType type, Loc loc,
            std::vector<NodeAttr> attrs = {}) {
    Node n;
    n.op = op;
    n.operands = std::move(operands);
    n.type = type;
    n.loc = std::move(loc);
    n.attrs = std::move(attrs);
    return Value{addNode(std::move(n)), type, level()};
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
    return Value{it->second, graph->nodes[it->second].type, level()};
  }
  /// Appends the carried buffers' current values to g's results.
  void appendCarried(const Program &p, Graph &g) {
    for (size_t i = 0; i < p.buffers.size(); ++i)
      if (p.buffers[i].carried)
        g.results.push_back(bufferValue((int)i).node);
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
      if (!buffer)
        for (const ast::Model *m : callStack)
          modelParams[m->name].insert((int)i);
      if (decls[i].shape != shape) {
        error(loc, what + " needs " + formatType({ElemType::F32, shape}) +
                       " but '" + name + "' (shared with an earlier call) is " +
                       formatType({ElemType::F32, decls[i].shape}));
        return -1;
      }
      return (int)i;
    }
    decls.push_back(Param{name, shape, init, loc});
    if (!buffer)
      for (const ast::Model *m : callStack)
        modelParams[m->name].insert((int)decls.size() - 1);
    return (int)decls.size() - 1;
  }
  /// A summary row; `weight` and `bias` are param indices (or -1) counted
  /// as weights and biases unless an earlier call already counted them.
  void addRow(Scope &scope, const std::string &kind, const Loc &loc,
              const TensorType &out, int weight, int bias, int64_t macs,
              std::string name = "") {
    addRow(scope, kind, loc, out, std::vector<int>{weight},
           std::vector<int>{bias}, macs, std::move(name));
  }
  /// The same for a layer of several weights and biases (a recurrent one).
  void addRow(Scope &scope, const std::string &kind, const Loc &loc,
              const TensorType &out, const std::vector<int> &weights,
              const std::vector<int> &biases, int64_t macs,
              std::string name = "") {
    if (!recordLayers)
      return;
    LayerInfo row;
    row.name =
        scope.prefix +
        (name.empty() ? kind + std::to_string(++scope.counters[kind]) : name);
    row.kind = kind;
    row.outShape = out.dims;
    for (const std::vector<int> *ps : {&weights, &biases})
      for (int p : *ps) {
        if (p < 0 || !countedParams.insert(p).second)
          continue; // shared with an earlier call: counted there
        (ps == &weights ? row.weights : row.biases) +=
            product(prog->params[p].shape);
      }
    row.macs = macs;
    row.depth = scope.depth;
    row.loc = loc;
    prog->layers.push_back(std::move(row));
  }

  // Types and constants.
  bool type(const ast::Type &t, TensorType &out, bool allowBatch);
  /// Reports, at `loc`, that T is used but unknown; true if it is known.
  bool knowSeqLen(const Loc &loc);
  /// `T` in a shape list ([B, T, 16]) while T is unknown (reported).
  bool unknownSeqLen(const ast::Expr &dim);
  void inferSeqLen(const ast::Train &t);
  bool dataFile(const ast::Expr &call, const ast::Expr *arg, const char *dflt,
                std::string &out);
  bool textData(const ast::Expr &d, Program &p, bool ce);
  bool cmudictData(const ast::Expr &d, Program &p, bool ce, bool decode);
  /// Skip-gram (SemaSkipgram.cpp).
  bool wordsData(const ast::Expr &d, Program &p);
  Value negativeSampling(const Call &c, Scope &scope);
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
  friend const std::vector<Builtin> &builtinTable();
  std::optional<Const> constantArg(const ast::Expr &e);
  bool literal(const ast::Expr &e, std::vector<int64_t> &shape,
               std::vector<float> &values);
  bool init(const ast::Expr &e, const std::vector<int64_t> &shape, Init &out);
  std::vector<const ast::Expr *> bindArgs(const ast::Expr &call,
                                          const std::vector<ArgSpec> &spec);
  bool number(const Call &c, size_t i, double &out);
  bool flag(const Call &c, size_t i, bool &out);
  bool declare(Layer &layer, const Call &c, Scope &scope, const Value &x,
               const ast::Expr *initArg);
  void layerRow(const Layer &layer, Scope &scope, const Loc &loc,
                const TensorType &out, int64_t macs);

  // Expressions and builtin calls (one handler per builtin family).
  Value expr(const ast::Expr &e, Scope &scope);
  Value call(const ast::Expr &e, Scope &scope);
  Value binary(const ast::Expr &e, Value a, Value b, Scope &scope);
  Value activation(const Call &c, Scope &scope);
  Value loss(const Call &c, Scope &scope);
  Value dense(const Call &c, Scope &scope);
  Value conv2d(const Call &c, Scope &scope);
  Value pool(const Call &c, Scope &scope);
  Value reshape(const Call &c, Scope &scope);
  Value concat(const Call &c, Scope &scope);
  Value batchNorm(const Call &c, Scope &scope);
  Value dropout(const Call &c, Scope &scope);
  Value flipLr(const Call &c, Scope &scope);
  Value noise(const Call &c, Scope &scope);
  Value randomTensor(const Call &c, Scope &scope);
  /// The graph's hyper [lr, t, seed, 0]: input 3 of a loss graph, else a
  /// Hyper leaf made on first use (SemaRandom.cpp).
  Value hyper(const Loc &loc);
  /// A shape list such as [B, 16] (`f` names the builtin in errors).
  bool shapeList(const ast::Expr &s, const std::string &f, TensorType &out);
  Value recurrent(const Call &c, Scope &scope);
  /// `decode = greedy(...)` / `beam(...)` (SemaDecode.cpp).
  void decodeSetting(const ast::Expr &e, Program &p);
  // Sequence models (SemaSequence.cpp).
  bool tokenIds(const Call &c, const Value &ids);
  /// Every embedding fed by x or y holds all ids the data can give.
  void checkTokenIds(const Program &p);
  Value embedding(const Call &c, Scope &scope);
  Value shiftRight(const Call &c, Scope &scope);
  Value paddingMask(const Call &c, Scope &scope);
  Value rowMean(Value x, const Loc &l);
  Value layerNorm(const Call &c, Scope &scope);
  Value maskScores(Value s, const Value *mask, bool causal, const Loc &l);
  Value scaledAttention(Value q, Value k, Value v, const Value *mask,
                        bool causal, const Loc &l);
  bool attentionMask(const Call &c, size_t i, int64_t tk, const Value *&mask);
  Value attention(const Call &c, Scope &scope);
  Value projection(const Call &c, Scope &scope, const std::string &name,
                   Value x, int64_t units, bool bias, std::vector<int> &weights,
                   std::vector<int> &biases);
  Value multiHeadAttention(const Call &c, Scope &scope);
  Value additiveAttention(const Call &c, Scope &scope);
  Value transpose(const Call &c, Scope &scope);
  /// A step of a scan built in C++: (t, slices, states) -> outputs, then the
  /// new states.
  using StepFn = std::function<std::vector<Value>(
      Value, const std::vector<Value> &, const std::vector<Value> &)>;
  /// One Scan node over `seqs` with states `inits` (labelled `stateNames`)
  /// and the body `step`; returns its results (the stacked outputs, then the
  /// final states).
  std::vector<Value> scanNode(const Loc &loc, const std::vector<Value> &seqs,
                              const std::vector<Value> &inits,
                              std::vector<std::string> stateNames, bool reverse,
                              int64_t length, const StepFn &step);
  /// Makes `body` the graph being built (a scan body), and back.
  void enterBody(Graph &body);
  void leaveBody();
  /// The Scan node of `body` (its states labelled `stateNames`, Node) and
  /// one Result node per result, typed `types`.
  std::vector<Value> scanResults(const Loc &loc, const std::vector<Value> &seqs,
                                 const std::vector<Value> &inits,
                                 std::vector<std::string> stateNames,
                                 bool reverse, int64_t length, Graph body,
                                 const std::vector<TensorType> &types);
  /// x cut into `parts` equal parts along its last axis (a Split node).
  std::vector<Value> split(Value x, int parts, const Loc &loc);
  Value zeros(const Call &c, Scope &scope);
  Value modelCall(const ast::Model &m, const ast::Expr &e, Scope &scope);
  Value inlineModel(const ast::Model &m, const std::vector<Actual> &args,
                    const Loc &callLoc, Scope *caller);
  void stmts(const std::vector<ast::Stmt> &body, Scope &scope,
             const ast::Stmt *&ret, Value &result, StmtContext ctx);
  void repeat(const ast::Stmt &s, Scope &scope, const ast::Stmt *&ret,
              Value &result);

  // Loops over time (SemaScan.cpp).
  void scan(const ast::Stmt &s, Scope &scope);
  bool scanHead(const ast::Stmt &s, Scope &scope, ScanBody &frame,
                const ast::Binding *&index, std::vector<Value> &seqs,
                std::vector<Value> &inits);
  void emit(const ast::Stmt &s, Scope &scope, StmtContext ctx);
  void ifStmt(const ast::Stmt &s, Scope &scope);
  Value first(ScanBody &frame);
  /// A train-level graph: inputs x, y, w, hyper (nodes 0-3); x and y are
  /// bound unless `!withData`.
  Value buildLoss(const ast::Expr &le, Program &p, Graph &g, bool train,
                  bool withData = true);
  /// Analyses `m`, which nothing trains, on its own: its errors, and its
  /// summary rows under a row naming it.
  void checkAlone(const ast::Model &m, Program &p);
  /// Their summary rows, put after the trained model's.
  std::vector<LayerInfo> aloneRows;
  Value buildForward(const ast::Model &m, Program &p, bool layers);
  void train(const ast::Train &t, Program &p);

  // Several training steps, bindings, regularisers and outputs
  // (SemaSteps.cpp).
  /// `a, b = M(x)`: binds every result of the model call `e` in `scope`.
  void destructure(const std::string &first,
                   const std::vector<ast::Binding> &more, const ast::Expr &e,
                   const Loc &loc, Scope &scope);
  /// Analyses binding `name` into the loss scope; false if there is none.
  bool useBinding(const std::string &name, Scope &scope);
  // Reductions and composed losses (SemaReduce.cpp).
  Value sumAxes(Value x, const std::vector<int64_t> &axes, const Loc &l);
  Value weightsAs(int64_t rank, const Loc &l);
  bool weighted(const Value &x, const Scope &scope) const;
  Value reduce(const Call &c, Scope &scope);
  Value sampleMean(Value v, bool sum, const Loc &l);
  Value targetLike(const Value &pred, Value target, const Loc &l);
  Value composedLoss(const Call &c, Scope &scope);
  /// l1(M) / l2(M, biases=false): the sum of |p| or p^2 over M's weights.
  Value regulariser(const Call &c, Scope &scope);
  Value contractive(const Call &c, Scope &scope);
  /// While contractive() inlines an encoder on [B, K, D]: model argument and
  /// result types are not checked against their declarations.
  bool relaxArgTypes = false;
  void trainSteps(const ast::Train &t, Program &p);
  void outputs(const std::map<std::string, const ast::Setting *> &settings,
               Program &p);
  /// The params of the models `e` names (`Disc` or `[Gen, Enc]`).
  bool modelList(const ast::Expr &e, std::set<int> &out);
  /// Every model the train section's expressions call or name.
  std::vector<const ast::Model *> trainModels(const ast::Train &t) const;
  /// Builds `m` once in a scratch graph, its params into p (so that they
  /// exist before a loss or `updates` names them) and its summary rows under
  /// a row naming it.
  void registerModel(const ast::Model &m, Program &p);
  /// The summary row (kind "model") that starts `m`'s rows.
  LayerInfo modelRow(const ast::Model &m, const Value &out);
  /// `optimizer = sgd(lr) | momentum(lr, momentum) | adam(...)`.
  void optimizer(const ast::Expr &e, Optimizer &o);
};

/// fan_in and fan_out of a weight: [in, out] matrices as in `x @ W`; for
/// rank >= 3 (conv kernels [kh, kw, C, F]) fan_in is the product of all dims
/// but the last (kh*kw*C) and fan_out of all but the second-to-last
/// (kh*kw*F); rank 1: both shape[0]; scalars: 1.
inline void fans(const std::vector<int64_t> &shape, double &in, double &out) {
  size_t r = shape.size();
  in = out = r == 0 ? 1 : (double)shape[0];
  if (r < 2)
    return;
  in = (double)product(shape) / (double)shape[r - 1];
  out = (double)product(shape) / (double)shape[r - 2];
}

} // namespace nnc::sema

#endif // NNC_LIB_FRONTEND_SEMA_H
