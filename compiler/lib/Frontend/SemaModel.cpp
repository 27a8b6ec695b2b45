//===- SemaModel.cpp - Model and block calls, inlining, statements --------===//
//
// Semantic analysis of model and block calls: constant arguments, inlining
// of a model or block instance into the graph being built, the statements of
// a body (lets, params, repeat, return; scan, emit and if are in
// SemaScan.cpp) and the forward graph of a model.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// A block's untyped argument that is a compile-time number, a list of
/// numbers `[1, n]`, or a name bound to one; nullopt for a tensor.
std::optional<Const> Sema::constantArg(const ast::Expr &e) {
  double v;
  if (number(e, v))
    return Const{{v}, false};
  if (e.kind == ast::Expr::Name && constScope &&
      constScope->consts.count(e.text)) {
    note(e.loc, e.text, constScope->consts.at(e.text));
    return constScope->consts.at(e.text);
  }
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
  // The results this call may give (a destructuring assignment); calls in
  // the arguments give one.
  size_t want = wantResults;
  wantResults = 0;
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
  if (inLoss && &m == trained && trainedOutput < 0 && v.ok() && level() == 0)
    trainedOutput = v.node;
  if (v.ok() && want == 0 && !moreResults.empty()) {
    error(e.loc, "model '" + m.name + "' returns " +
                     std::to_string(1 + moreResults.size()) +
                     " results: bind them, e.g. `a, b = " + m.name + "(...)`");
    return {};
  }
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
    if (!relaxArgTypes && a.type && type(*a.type, declared, true) &&
        args[i].value.ok() && !(declared == args[i].value.type))
      error(callLoc, std::string(m.isBlock ? "argument '" : "argument '") +
                         a.name + "' of " +
                         (m.isBlock ? "block '" : "model '") + m.name +
                         "' must be " + formatType(declared) + ", got " +
                         formatType(args[i].value.type));
    if (scope.names.count(a.name) || scope.consts.count(a.name))
      error(a.loc, "duplicate argument '" + a.name + "'");
    if (args[i].constant)
      bindAt(scope, a.loc, a.name, *args[i].constant);
    else
      bindAt(scope, a.loc, a.name, args[i].value);
  }
  callStack.push_back(&m);
  const Scope *savedConsts = constScope;
  constScope = &scope;
  Value result;
  const ast::Stmt *ret = nullptr;
  stmts(m.body, scope, ret, result, StmtContext::Body);
  std::vector<Value> more = std::move(returnMore);
  returnMore.clear();
  moreResults.clear();
  constScope = savedConsts;
  callStack.pop_back();
  if (names && caller && result.ok()) {
    // For hover: the call's result type and its instance's parameters.
    int64_t count = 0;
    for (const Param &p : prog->params)
      if (p.name.rfind(scope.paramPrefix, 0) == 0)
        count += product(p.shape);
    names->push_back({callLoc, m.name,
                      formatType(result.type) +
                          "; parameters: " + std::to_string(count) + " (" +
                          scope.paramPrefix + "*)"});
  }
  const char *what = m.isBlock ? "block '" : "model '";
  if (!ret) {
    error(m.loc, what + m.name + "' has no return statement");
    return {};
  }
  TensorType declared;
  if (!relaxArgTypes && m.result && type(*m.result, declared, true) &&
      result.ok() && !(declared == result.type)) {
    error(ret->loc, what + m.name + "' returns " + formatType(result.type) +
                        " but is declared to return " + formatType(declared));
    return {};
  }
  if (m.result && !m.moreResults.empty() &&
      m.moreResults.size() != more.size()) {
    error(ret->loc, what + m.name + "' returns " +
                        std::to_string(1 + more.size()) +
                        " results but is declared to return " +
                        std::to_string(1 + m.moreResults.size()));
    return {};
  }
  for (size_t i = 0; i < more.size() && i < m.moreResults.size(); ++i)
    if (type(m.moreResults[i], declared, true) && more[i].ok() &&
        !(declared == more[i].type)) {
      error(ret->values[i]->loc,
            what + m.name + "' result " + std::to_string(i + 2) + " is " +
                formatType(more[i].type) + " but is declared as " +
                formatType(declared));
      return {};
    }
  for (const Value &v : more)
    if (!v.ok())
      return {};
  moreResults = std::move(more);
  return result;
}

/// Runs the statements of a body (or of a repeat, a scan body or a branch of
/// an `if`) in `scope`.
void Sema::stmts(const std::vector<ast::Stmt> &body, Scope &scope,
                 const ast::Stmt *&ret, Value &result, StmtContext ctx) {
  for (const ast::Stmt &s : body) {
    if (ret) {
      error(s.loc, "statement after return");
      return;
    }
    switch (s.kind) {
    case ast::Stmt::Param: {
      if (ctx == StmtContext::Repeat) {
        error(s.loc, "'param' is not allowed inside repeat (each iteration "
                     "would redeclare it; use a block)");
        break;
      }
      if (ctx == StmtContext::Branch) {
        error(s.loc, "'param' is not allowed inside if");
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
      bindAt(scope, s.loc, s.name, paramValue(p));
      bool bias = t.dims.size() == 1;
      addRow(scope, "param", s.loc, t, bias ? -1 : p, bias ? p : -1, 0, s.name);
      break;
    }
    case ast::Stmt::Assign: {
      // `c2 = c * 2` on compile-time numbers stays a number.
      double v;
      if (!s.more.empty())
        destructure(s.name, s.more, *s.value, s.loc, scope);
      else if (number(*s.value, v))
        bindAt(scope, s.loc, s.name, Const{{v}, false});
      else
        bindAt(scope, s.loc, s.name, expr(*s.value, scope));
      break;
    }
    case ast::Stmt::Return:
      if (ctx != StmtContext::Body) {
        const char *where = ctx == StmtContext::Repeat ? "repeat"
                            : ctx == StmtContext::Branch
                                ? "if"
                                : "scan (after it, the state names hold the "
                                  "final states)";
        error(s.loc, std::string("'return' is not allowed inside ") + where);
        return;
      }
      ret = &s;
      if (!s.values.empty() && scope.model && scope.model->isBlock) {
        error(s.values[0]->loc, "a block returns one value");
        break;
      }
      result = expr(*s.value, scope);
      {
        // Collected first: a model called in these expressions has return
        // statements of its own.
        std::vector<Value> more;
        for (const ast::ExprPtr &e : s.values)
          more.push_back(expr(*e, scope));
        returnMore = std::move(more);
      }
      break;
    case ast::Stmt::Repeat:
      repeat(s, scope, ret, result);
      break;
    case ast::Stmt::If:
      ifStmt(s, scope);
      break;
    case ast::Stmt::Emit:
      emit(s, scope, ctx);
      break;
    case ast::Stmt::Scan:
      scan(s, scope);
      break;
    }
  }
}

/// `repeat N { ... }`: the statements N times in the same scope.
void Sema::repeat(const ast::Stmt &s, Scope &scope, const ast::Stmt *&ret,
                  Value &result) {
  double v;
  int64_t n;
  if (!number(*s.value, v)) {
    error(s.value->loc, "repeat count must be a compile-time integer (a "
                        "number or a block's number argument)");
    return;
  }
  if (!checkInt(v, s.value->loc, "repeat count", 0, n))
    return;
  if (n > kMaxRepeat) {
    error(s.value->loc,
          "repeat count must be at most " + std::to_string(kMaxRepeat));
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    // Nested repeats of (almost) nothing must not hang either.
    if (tooLarge)
      break;
    if (graph->nodes.size() > kMaxNodes || ++repeatSteps > kMaxRepeatSteps) {
      error(s.loc, "repeat makes more than " + std::to_string(kMaxNodes) +
                       " graph nodes or " + std::to_string(kMaxRepeatSteps) +
                       " iterations");
      tooLarge = true;
      break;
    }
    stmts(s.body, scope, ret, result, StmtContext::Repeat);
  }
}

/// Builds `m` alone into p.forward: one Input node per argument.
Value Sema::buildForward(const ast::Model &m, Program &p, bool layers) {
  prog = &p;
  graph = &p.forward;
  paramNodes.clear();
  bufferNodes.clear();
  trainMode = false;
  nextSalt = 0;
  hyperLeaf = -1;
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
  moreResults.clear();
  Value out = inlineModel(m, args, m.loc, nullptr);
  if (out.ok()) {
    graph->results = {out.node};
    if (!onlyModel.empty())
      for (const Value &v : moreResults)
        graph->results.push_back(v.node);
    appendCarried(p, *graph);
  }
  recordLayers = false;
  return out;
}

void Sema::checkAlone(const ast::Model &m, Program &p) {
  Program scratch;
  std::set<int> counted = std::move(countedParams);
  countedParams.clear();
  Value out = buildForward(m, scratch, true);
  countedParams = std::move(counted);
  prog = &p;
  aloneRows.push_back(modelRow(m, out));
  for (LayerInfo &row : scratch.layers)
    aloneRows.push_back(std::move(row));
}

} // namespace nnc::sema
