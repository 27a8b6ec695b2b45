//===- SemaScan.cpp - Loops over time: scan, emit, if, first --------------===//
//
// Semantic analysis of `hs = scan [reverse] t, x in xs with h = h0 { ... }`.
// The body is analysed once, into a graph of its own that becomes the body
// of one Scan node (Program.h): its inputs are the step index t (an f32
// scalar, 0-based), the slice [B, ...] of each sequence [B, T, ...] at t and
// the states; its results are the emitted values, then the states' new
// values. The body sees the enclosing names (a value from outside becomes an
// Outer leaf of the body, Sema::local); its own lets are local, and after
// the scan only the state names change: they are bound to the final states.
// A `dense` in the body is one layer whose weights all steps share. `first`
// is 1 at the first step and 0 after it, and `if c { A } else { B }` is the
// blend c * A + (1 - c) * B of every name the branches assign.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

Value Sema::local(Value v) {
  if (!v.ok() || v.level == level())
    return v;
  // Import the node into each graph between its own and the current one: a
  // param leaf is the same param in the body, anything else an Outer leaf.
  int node = v.node;
  for (int l = v.level + 1; l <= level(); ++l) {
    bool current = l == level();
    Graph &from = *enclosing[l - 1].graph;
    Graph &to = current ? *graph : *enclosing[l].graph;
    const Node &src = from.nodes[node];
    bool param = src.op == OpKind::Param;
    std::map<int, int> &leaves =
        param ? (current ? paramNodes : enclosing[l].paramNodes)
              : (current ? outerNodes : enclosing[l].outerNodes);
    auto [it, fresh] = leaves.emplace(param ? src.index : node, -1);
    if (fresh) {
      Node n;
      n.op = param ? OpKind::Param : OpKind::Outer;
      n.index = param ? src.index : node;
      n.type = src.type;
      n.loc = src.loc;
      to.nodes.push_back(std::move(n));
      it->second = (int)to.nodes.size() - 1;
    }
    node = it->second;
  }
  return Value{node, v.type, level()};
}

/// first = 1 - step(t, threshold=0.5): 1 at t = 0, else 0; reversed, the
/// first step is t = T - 1: first = step(t, threshold=T - 1.5). t does not
/// depend on a parameter, so autodiff never differentiates the step.
Value Sema::first(ScanBody &frame) {
  if (frame.first.ok() || frame.level != level())
    return frame.first;
  Loc loc = graph->nodes[frame.t].loc; // a copy: add() may grow graph->nodes
  TensorType scalar{ElemType::F32, {}};
  double threshold = frame.reverse ? (double)frame.length - 1.5 : 0.5;
  Value late = add(OpKind::Step, {frame.t}, scalar, loc,
                   {NodeAttr::f32("threshold", threshold)});
  if (frame.reverse)
    return frame.first = late;
  Value one = constant(1.0f, loc);
  return frame.first = add(OpKind::Sub, {one.node, late.node}, scalar, loc);
}

/// The head of a scan, analysed in the enclosing scope: the step index and
/// length (`t`, `t in 28`), the sequences (`x in xs`) and the states' initial
/// values (`with h = h0`). Reports every error; returns false if any.
bool Sema::scanHead(const ast::Stmt &s, Scope &scope, ScanBody &frame,
                    const ast::Binding *&index, std::vector<Value> &seqs,
                    std::vector<Value> &inits) {
  bool ok = true;
  std::map<std::string, Loc> names;
  auto fresh = [&](const ast::Binding &b) {
    auto [it, isNew] = names.emplace(b.name, b.loc);
    if (!isNew) {
      error(b.loc, "'" + b.name + "' is bound twice in this scan (first at " +
                       str(it->second) + ")");
      ok = false;
    }
  };
  for (const ast::Binding &target : s.targets)
    fresh(target);
  const ast::Binding *lengthFrom = nullptr; // what fixed T
  bool itemError = false; // reported: no follow-up "needs a length"
  for (const ast::Binding &item : s.items) {
    fresh(item);
    double n;
    if (!item.value || number(*item.value, n)) { // `t` or `t in 28`
      if (index) {
        error(item.loc, "a scan has one step index, and '" + index->name +
                            "' already is it");
        ok = false;
        itemError = true;
        continue;
      }
      index = &item;
      if (!item.value)
        continue;
      int64_t length = 0;
      bool valid =
          checkInt(n, item.value->loc, "the number of steps", 1, length);
      if (valid && length > kMaxDim) {
        error(item.value->loc,
              "the number of steps must be at most " + std::to_string(kMaxDim));
        valid = false;
      }
      if (!valid) {
        ok = false;
        itemError = true;
        continue;
      }
      frame.length = length;
      lengthFrom = &item;
      continue;
    }
    Value xs = expr(*item.value, scope);
    if (!xs.ok()) {
      ok = false;
      itemError = true;
      continue;
    }
    const std::vector<int64_t> &d = xs.type.dims;
    if (xs.type.elem != ElemType::F32 || d.size() < 2 || d[1] == kBatch) {
      error(item.value->loc, "'" + item.name +
                                 " in ...': a sequence must be f32 [B, T, "
                                 "...] (sliced along axis 1), got " +
                                 formatType(xs.type));
      ok = false;
      itemError = true;
      continue;
    }
    if (!lengthFrom) {
      frame.length = d[1];
      lengthFrom = &item;
    } else if (d[1] != frame.length) {
      error(item.value->loc,
            "the sequences of a scan must have the same length T: '" +
                item.name + " in ...' has T = " + std::to_string(d[1]) + " (" +
                formatType(xs.type) + "), but '" + lengthFrom->name +
                " in ...' gives T = " + std::to_string(frame.length));
      ok = false;
    }
    seqs.push_back(xs);
  }
  if (!lengthFrom && !itemError) {
    error(s.loc, "a scan needs a sequence ('x in xs') or a number of steps "
                 "('t in 28') to know how many steps to run");
    ok = false;
  }
  if (s.states.empty()) {
    error(s.loc, "a scan needs at least one state: 'scan ... with h = <its "
                 "initial value> { ... }'");
    ok = false;
  }
  for (const ast::Binding &state : s.states) {
    fresh(state);
    Value h = expr(*state.value, scope);
    if (h.ok() && h.type.elem != ElemType::F32) {
      error(state.value->loc, "the state '" + state.name +
                                  "' must be f32, got " + formatType(h.type));
      h = {};
    }
    ok &= h.ok();
    inits.push_back(h);
  }
  return ok;
}

void Sema::scan(const ast::Stmt &s, Scope &scope) {
  ScanBody frame;
  frame.reverse = s.reverse;
  const ast::Binding *index = nullptr;
  std::vector<Value> seqs, inits;
  // After an error, every name the scan binds is invalid: no follow-up
  // errors about them.
  auto poison = [&] {
    for (const auto *names : {&s.targets, &s.states})
      for (const ast::Binding &b : *names)
        scope.bind(b.name, Value{});
  };
  if (!scanHead(s, scope, frame, index, seqs, inits) || tooLarge)
    return poison();
  int number = ++scope.counters["scan"];

  // The body, in a graph of its own and a copy of the scope.
  Graph body;
  enterBody(body);
  frame.level = level();
  Scope inner = scope;
  inner.scan = &frame;
  inner.depth = scope.depth + 1;
  auto input = [&](int i, TensorType type, const Loc &loc) {
    Value v = add(OpKind::Input, {}, std::move(type), loc);
    body.nodes[v.node].index = i;
    return v;
  };
  Value t = input(0, TensorType{ElemType::F32, {}}, index ? index->loc : s.loc);
  frame.t = t.node;
  if (index)
    bindAt(inner, index->loc, index->name, t);
  std::vector<const ast::Binding *> seqItems;
  for (const ast::Binding &item : s.items)
    if (&item != index)
      seqItems.push_back(&item);
  for (size_t i = 0; i < seqs.size(); ++i) {
    TensorType slice = seqs[i].type;
    slice.dims.erase(slice.dims.begin() + 1);
    bindAt(inner, seqItems[i]->loc, seqItems[i]->name,
           input(1 + (int)i, slice, seqItems[i]->loc));
  }
  for (size_t j = 0; j < inits.size(); ++j)
    bindAt(inner, s.states[j].loc, s.states[j].name,
           input(1 + (int)(seqs.size() + j), inits[j].type, s.states[j].loc));
  size_t firstRow = prog->layers.size();
  const ast::Stmt *ret = nullptr;
  Value unused;
  stmts(s.body, inner, ret, unused, StmtContext::ScanBody);

  // Results: the emitted values, then the states' new values.
  bool ok = true;
  std::vector<TensorType> types;
  for (const Value &y : frame.emits) {
    ok &= y.ok();
    body.results.push_back(y.node);
    TensorType stacked = y.type;
    if (y.ok())
      stacked.dims.insert(stacked.dims.begin() + 1, frame.length);
    types.push_back(stacked);
  }
  for (size_t j = 0; j < inits.size(); ++j) {
    const ast::Binding &state = s.states[j];
    auto it = inner.names.find(state.name);
    if (it == inner.names.end()) {
      error(state.loc, "the state '" + state.name +
                           "' must stay a tensor in the scan's body");
      ok = false;
      continue;
    }
    Value h = local(it->second);
    ok &= h.ok();
    if (h.ok() && !(h.type == inits[j].type)) {
      error(body.nodes[h.node].loc,
            "the state '" + state.name +
                "' changes shape in the scan's body: " +
                formatType(inits[j].type) + " before a step (" +
                str(state.loc) + "), " + formatType(h.type) + " after it");
      ok = false;
    }
    body.results.push_back(h.node);
    types.push_back(inits[j].type);
  }
  leaveBody();
  scope.counters = inner.counters;
  scope.layers = inner.layers;
  scope.params = inner.params;
  if (s.targets.size() != frame.emits.size()) {
    error(s.targets.empty() ? s.loc : s.targets[0].loc,
          "the scan emits " + std::to_string(frame.emits.size()) + " sequence" +
              (frame.emits.size() == 1 ? "" : "s") + " but assigns " +
              std::to_string(s.targets.size()) + " name" +
              (s.targets.size() == 1 ? "" : "s"));
    ok = false;
  }
  if (!ok)
    return poison();

  // The Scan node, and one Result node per result.
  std::vector<std::string> stateNames;
  for (const ast::Binding &state : s.states)
    stateNames.push_back(scope.paramPrefix + "scan" + std::to_string(number) +
                         "." + state.name);
  std::vector<Value> results =
      scanResults(s.loc, seqs, inits, std::move(stateNames), s.reverse,
                  frame.length, std::move(body), types);
  for (size_t k = 0; k < results.size(); ++k) {
    bool state = k >= s.targets.size();
    const ast::Binding &b =
        state ? s.states[k - s.targets.size()] : s.targets[k];
    graph->nodes[results[k].node].loc = b.loc;
    bindAt(scope, b.loc, b.name, results[k]);
  }

  // Summary: a `scan` row heads the body's rows, which count every step.
  if (!recordLayers)
    return;
  for (size_t i = firstRow; i < prog->layers.size(); ++i)
    prog->layers[i].macs *= frame.length;
  addRow(scope, "scan", s.loc, types[0], -1, -1, 0,
         "scan" + std::to_string(number));
  std::rotate(prog->layers.begin() + firstRow, prog->layers.end() - 1,
              prog->layers.end());
}

/// `emit y, ...`: values stacked over the steps into the scan's results.
void Sema::emit(const ast::Stmt &s, Scope &scope, StmtContext ctx) {
  if (ctx != StmtContext::ScanBody) {
    error(s.loc, scope.scan ? "'emit' must be a statement of the scan's body "
                              "itself (not inside repeat or if)"
                            : "'emit' is only allowed in the body of a scan");
    return;
  }
  for (const ast::ExprPtr &e : s.values) {
    Value y = expr(*e, scope);
    if (y.ok() && y.type.dims.empty()) {
      error(e->loc, "emit needs a tensor [B, ...] (it is stacked along axis "
                    "1 into [B, T, ...]), got the scalar " +
                        formatType(y.type));
      y = {};
    }
    scope.scan->emits.push_back(y);
  }
}

/// `if c { A } else { B }` in a scan body: both branches run; every name
/// they assign becomes c * A + (1 - c) * B (c is 1 or 0, e.g. `first`).
void Sema::ifStmt(const ast::Stmt &s, Scope &scope) {
  if (!scope.scan) {
    error(s.loc, "'if' is only allowed in the body of a scan (e.g. 'if first "
                 "{ ... } else { ... }')");
    return;
  }
  Value c = expr(*s.value, scope);
  if (c.ok() && (c.type.elem != ElemType::F32 || !c.type.dims.empty())) {
    error(s.value->loc, "'if': the condition must be an f32 scalar, 1 or 0 "
                        "(e.g. first), got " +
                            formatType(c.type));
    c = {};
  }
  const ast::Stmt *ret = nullptr;
  Value unused;
  Scope a = scope;
  stmts(s.body, a, ret, unused, StmtContext::Branch);
  Scope b = scope;
  b.counters = a.counters;
  b.layers = a.layers;
  stmts(s.orElse, b, ret, unused, StmtContext::Branch);
  scope.counters = b.counters;
  scope.layers = b.layers;

  std::set<std::string> assigned;
  for (const Scope *branch : {&a, &b}) {
    for (const auto &[name, v] : branch->names)
      assigned.insert(name);
    for (const auto &[name, v] : branch->consts)
      assigned.insert(name);
  }
  Value notC;
  for (const std::string &name : assigned) {
    auto ta = a.names.find(name), tb = b.names.find(name);
    auto ca = a.consts.find(name), cb = b.consts.find(name);
    if (ca != a.consts.end() && cb != b.consts.end() &&
        ca->second.values == cb->second.values) {
      scope.bind(name, ca->second);
      continue;
    }
    if (ta == a.names.end() || tb == b.names.end()) {
      error(s.loc, "'" + name +
                       "' must be a tensor in both branches of "
                       "'if' (assign it in both, or before the 'if')");
      scope.bind(name, Value{});
      continue;
    }
    Value va = ta->second, vb = tb->second;
    if (va.node == vb.node && va.level == vb.level) {
      scope.bind(name, va);
      continue;
    }
    if (!c.ok() || !va.ok() || !vb.ok()) {
      scope.bind(name, Value{});
      continue;
    }
    if (!(va.type == vb.type)) {
      error(s.loc, "'" + name + "' is " + formatType(va.type) +
                       " after the 'if' branch but " + formatType(vb.type) +
                       " after the 'else' branch");
      scope.bind(name, Value{});
      continue;
    }
    // c * a + (1 - c) * b
    va = local(va);
    vb = local(vb);
    if (!notC.ok())
      notC =
          add(OpKind::Sub, {constant(1.0f, s.loc).node, c.node}, c.type, s.loc);
    Value ya = add(OpKind::Mul, {c.node, va.node}, va.type, s.loc);
    Value yb = add(OpKind::Mul, {notC.node, vb.node}, vb.type, s.loc);
    scope.bind(name, add(OpKind::Add, {ya.node, yb.node}, va.type, s.loc));
  }
}

void Sema::enterBody(Graph &body) {
  enclosing.push_back({graph, std::move(paramNodes), std::move(bufferNodes),
                       std::move(outerNodes)});
  graph = &body;
  paramNodes.clear();
  bufferNodes.clear();
  outerNodes.clear();
}

void Sema::leaveBody() {
  graph = enclosing.back().graph;
  paramNodes = std::move(enclosing.back().paramNodes);
  bufferNodes = std::move(enclosing.back().bufferNodes);
  outerNodes = std::move(enclosing.back().outerNodes);
  enclosing.pop_back();
}

std::vector<Value> Sema::scanResults(const Loc &loc,
                                     const std::vector<Value> &seqs,
                                     const std::vector<Value> &inits,
                                     std::vector<std::string> stateNames,
                                     bool reverse, int64_t length, Graph body,
                                     const std::vector<TensorType> &types) {
  Node n;
  n.op = OpKind::Scan;
  n.stateNames = std::move(stateNames);
  for (const std::vector<Value> *vs : {&seqs, &inits})
    for (const Value &v : *vs)
      n.operands.push_back(v.node);
  n.type = types[0];
  n.loc = loc;
  n.index = (int)seqs.size();
  n.attrs = {NodeAttr::i64("length", length)};
  if (reverse)
    n.attrs.push_back(NodeAttr::unit("reverse"));
  n.regions.push_back(std::move(body));
  n.resultTypes = types;
  int node = addNode(std::move(n));
  std::vector<Value> results;
  for (size_t k = 0; k < types.size(); ++k) {
    Value r = add(OpKind::Result, {node}, types[k], loc);
    graph->nodes[r.node].index = (int)k;
    results.push_back(r);
  }
  return results;
}

} // namespace nnc::sema
