//===- SemaSteps.cpp - Several training steps, bindings, outputs ----------===//
//
// Semantic analysis of what a train section says beyond one loss: bindings
// (`z = normal([B, 64])`, `mu, logvar = Encoder(x)`), analysed where a loss
// first uses them; named steps (`step D { loss, optimizer, updates, clip_* }`)
// and their `schedule`; the regularisers l1(M) and l2(M); and the graphs of
// the binary's `sample`, `reconstruct` and `encode` commands.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// Graph inputs of a train-level graph (see Sema::buildLoss).
constexpr int kXNode = 0;

void Sema::destructure(const std::string &first,
                       const std::vector<ast::Binding> &more,
                       const ast::Expr &e, const Loc &loc, Scope &scope) {
  auto bindAll = [&](const std::vector<Value> &vs) {
    bindAt(scope, loc, first, vs.empty() ? Value{} : vs[0]);
    for (size_t i = 0; i < more.size(); ++i)
      bindAt(scope, more[i].loc, more[i].name,
             i + 1 < vs.size() ? vs[i + 1] : Value{});
  };
  auto m = models.find(e.text);
  bool recurrentCall = e.kind == ast::Expr::Call &&
                       (e.text == "lstm" || e.text == "gru" || e.text == "rnn");
  if (recurrentCall && m == models.end()) {
    // `hs, h, c = lstm(...)`: the output and the final states.
    moreResults.clear();
    wantStates = more.size();
    Value v = expr(e, scope);
    wantStates = 0;
    std::vector<Value> all = {v};
    all.insert(all.end(), moreResults.begin(), moreResults.end());
    bindAll(v.ok() && all.size() == 1 + more.size() ? all
                                                    : std::vector<Value>{});
    return;
  }
  if (e.kind != ast::Expr::Call || m == models.end() || m->second->isBlock) {
    error(loc, "only the results of a model call (or of lstm, gru, rnn: "
               "`hs, h, c = lstm(x, 64, return_sequences=true)`) can be "
               "bound to several names, e.g. `mu, logvar = Encoder(x)`");
    expr(e, scope);
    bindAll({});
    return;
  }
  wantResults = 1 + more.size();
  Value v = expr(e, scope);
  wantResults = 0;
  if (!v.ok()) {
    bindAll({});
    return;
  }
  if (moreResults.size() != more.size()) {
    error(loc, std::to_string(1 + more.size()) + " names for model '" + e.text +
                   "', which returns " +
                   std::to_string(1 + moreResults.size()) + " result" +
                   (moreResults.empty() ? "" : "s"));
    bindAll({});
    return;
  }
  std::vector<Value> all = {v};
  all.insert(all.end(), moreResults.begin(), moreResults.end());
  bindAll(all);
}

bool Sema::useBinding(const std::string &name, Scope &scope) {
  auto it = bindings.find(name);
  if (!inLoss || scope.model || level() != 0 || it == bindings.end())
    return false;
  const ast::Setting &s = *it->second;
  if (!bindingsInProgress.insert(s.key).second) {
    error(s.loc, "binding '" + name + "' uses itself");
    scope.bind(name, Value{});
    return true;
  }
  if (s.more.empty())
    bindAt(scope, s.loc, s.key, expr(*s.value, scope));
  else
    destructure(s.key, s.more, *s.value, s.loc, scope);
  bindingsInProgress.erase(s.key);
  return true;
}

/// Every model a train section's expressions call or name, in source order.
static void modelsIn(const ast::Expr &e,
                     const std::map<std::string, const ast::Model *> &models,
                     std::vector<const ast::Model *> &out) {
  if (e.kind == ast::Expr::Call || e.kind == ast::Expr::Name) {
    auto it = models.find(e.text);
    if (it != models.end() && !it->second->isBlock &&
        std::find(out.begin(), out.end(), it->second) == out.end())
      out.push_back(it->second);
  }
  for (const auto &a : e.args)
    modelsIn(*a, models, out);
  for (const auto &n : e.named)
    modelsIn(*n.value, models, out);
}

std::vector<const ast::Model *> Sema::trainModels(const ast::Train &t) const {
  std::vector<const ast::Model *> out;
  for (const ast::Setting &s : t.settings)
    modelsIn(*s.value, models, out);
  for (const ast::TrainStep &st : t.steps)
    for (const ast::Setting &s : st.settings)
      modelsIn(*s.value, models, out);
  return out;
}

LayerInfo Sema::modelRow(const ast::Model &m, const Value &out) {
  LayerInfo head;
  head.name = m.name;
  head.kind = "model";
  head.loc = m.loc;
  for (const ast::Arg &a : m.args) {
    TensorType t;
    if (a.type && type(*a.type, t, true))
      head.signature += (head.signature.empty() ? "" : ", ") + formatType(t);
  }
  if (out.ok()) {
    head.outShape = out.type.dims;
    head.signature += " -> " + formatType(out.type);
  }
  return head;
}

void Sema::registerModel(const ast::Model &m, Program &p) {
  // Its summary rows follow a row naming it; a param counts once per model.
  size_t headAt = p.layers.size();
  p.layers.push_back({});
  std::set<int> counted = std::move(countedParams);
  countedParams.clear();
  Graph scratch;
  prog = &p;
  graph = &scratch;
  paramNodes.clear();
  bufferNodes.clear();
  trainMode = false;
  recordLayers = true;
  inLoss = false;
  std::vector<Actual> args;
  for (const ast::Arg &a : m.args) {
    TensorType t;
    if (!a.type || !type(*a.type, t, true)) {
      args.push_back({});
      continue;
    }
    args.push_back({add(OpKind::Input, {}, t, a.loc), std::nullopt});
  }
  Value out = inlineModel(m, args, m.loc, nullptr);
  recordLayers = false;
  countedParams = std::move(counted);
  p.layers[headAt] = modelRow(m, out);
}

/// The params of the models `e` names: `Disc` or `[Gen, Enc]`.
bool Sema::modelList(const ast::Expr &e, std::set<int> &out) {
  std::vector<const ast::Expr *> names;
  if (e.kind == ast::Expr::Tensor)
    for (const auto &a : e.args)
      names.push_back(a.get());
  else
    names.push_back(&e);
  bool ok = true;
  for (const ast::Expr *n : names) {
    auto m = models.find(n->text);
    if (n->kind != ast::Expr::Name || m == models.end() || m->second->isBlock) {
      error(n->loc, "expected a model's name" +
                        (n->kind == ast::Expr::Name
                             ? std::string(", got '") + n->text + "'"
                             : std::string()));
      ok = false;
      continue;
    }
    const std::set<int> &ps = modelParams[n->text];
    if (ps.empty()) {
      error(n->loc, "model '" + n->text + "' has no parameters");
      ok = false;
    }
    out.insert(ps.begin(), ps.end());
  }
  return ok;
}

/// l1(M) = sum |w|, l2(M) = sum w^2 over M's weights (params of rank >= 2;
/// with biases=true also the rank-1 ones). Added to a loss as `1e-4 *
/// l2(AE)`; its gradient is sign(w) or 2 w, as PyTorch's sum(abs(w)) and
/// sum(w ** 2) (not weight decay's w).
Value Sema::regulariser(const Call &c, Scope &) {
  const ast::Expr &e = c.e;
  const std::string &f = c.name();
  bool biases = false;
  if (!flag(c, 1, biases) || !c.args[0])
    return {};
  std::set<int> ps;
  if (!modelList(*c.args[0], ps))
    return {};
  Value sum;
  for (int i : ps) {
    const Param &decl = prog->params[i];
    if (decl.shape.size() < 2 && !biases)
      continue;
    Value w = paramValue(i);
    TensorType t{ElemType::F32, decl.shape};
    Value term = f == "l1" ? add(OpKind::Abs, {w.node}, t, e.loc)
                           : add(OpKind::Mul, {w.node, w.node}, t, e.loc);
    TensorType scalar{ElemType::F32, {}};
    Value s = add(OpKind::Unbroadcast, {term.node}, scalar, e.loc);
    sum = sum.ok() ? add(OpKind::Add, {sum.node, s.node}, scalar, e.loc) : s;
  }
  if (!sum.ok())
    error(e.loc, f + ": model '" + c.args[0]->text +
                     "' has no weights (biases=true counts its biases)");
  return sum;
}

/// contractive(Enc, x) = (sum_b w_b ||d Enc(x_b) / d x_b||_F^2) / sum_b w_b:
/// an nn.vjp whose body is Enc run on K copies of each sample (x3 [B, K, D],
/// K = Enc's width), so that row k of the result is d h_k / d x; the
/// compiler differentiates Enc for it, then the loss again (second order).
Value Sema::contractive(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  if (!c.args[0] || !c.valid())
    return {};
  const ast::Expr &me = *c.args[0];
  auto it = models.find(me.text);
  if (me.kind != ast::Expr::Name || it == models.end() || it->second->isBlock ||
      it->second->args.size() != 1) {
    error(me.loc, "contractive: expected the name of a model of one input");
    return {};
  }
  const ast::Model &m = *it->second;
  Value x = c.values[1];
  if (x.type.elem != ElemType::F32 || x.type.dims.size() != 2 ||
      x.type.dims[0] != kBatch) {
    error(c.args[1]->loc,
          "contractive: x must be f32[B, D], got " + formatType(x.type));
    return {};
  }
  // Enc on x, for its width (its params are the ones the loss shares).
  Value h = inlineModel(m, {{x, std::nullopt}}, e.loc, &scope);
  if (!h.ok())
    return {};
  if (h.type.dims.size() != 2 || h.type.dims[0] != kBatch) {
    error(e.loc, "contractive: model '" + m.name +
                     "' must return a code f32[B, H], got " +
                     formatType(h.type));
    return {};
  }
  const int64_t k = h.type.dims[1], d = x.type.dims[1];
  const Loc &l = e.loc;
  TensorType t3{ElemType::F32, {kBatch, k, d}};
  Value xr = add(OpKind::Reshape, {x.node}, {ElemType::F32, {kBatch, 1, d}}, l);
  Value ones = add(OpKind::Const, {}, {ElemType::F32, {1, k, 1}}, l);
  graph->nodes[ones.node].values.assign(k, 1.0f);
  Value x3 = add(OpKind::Mul, {xr.node, ones.node}, t3, l);
  // The body: Enc on the K copies; its dense layers and elementwise ops take
  // the extra axis.
  Graph body;
  enterBody(body);
  Value in = add(OpKind::Input, {}, t3, l);
  graph->nodes[in.node].index = 0;
  relaxArgTypes = true;
  Value y = inlineModel(m, {{in, std::nullopt}}, l, &scope);
  relaxArgTypes = false;
  leaveBody();
  if (!y.ok())
    return {};
  static const std::set<OpKind> allowed = {
      OpKind::Input,  OpKind::Param,    OpKind::Const,     OpKind::Outer,
      OpKind::MatMul, OpKind::Add,      OpKind::Sub,       OpKind::Mul,
      OpKind::Div,    OpKind::Neg,      OpKind::Relu,      OpKind::Sigmoid,
      OpKind::Tanh,   OpKind::Softplus, OpKind::LeakyRelu, OpKind::Exp};
  for (const Node &n : body.nodes)
    if (!allowed.count(n.op)) {
      error(n.loc, std::string("contractive: the encoder may use dense "
                               "layers and elementwise operations only, not ") +
                       opName(n.op));
      return {};
    }
  body.results = {y.node};
  Node n;
  n.op = OpKind::Vjp;
  n.operands = {x3.node};
  n.type = t3;
  n.loc = l;
  n.index = 1;
  n.regions.push_back(std::move(body));
  n.resultTypes = {t3};
  Value j{addNode(std::move(n)), t3, level()};
  Value sq = add(OpKind::Mul, {j.node, j.node}, t3, l);
  return sampleMean(sq, /*sum=*/true, l);
}

/// Every param a graph (and the bodies in it) reads.
static void paramsRead(const Graph &g, std::set<int> &out) {
  for (const Node &n : g.nodes) {
    if (n.op == OpKind::Param)
      out.insert(n.index);
    for (const Graph &body : n.regions)
      paramsRead(body, out);
  }
}

void Sema::trainSteps(const ast::Train &t, Program &p) {
  constexpr size_t kMaxSteps = 8;
  if (t.steps.size() > kMaxSteps) {
    error(t.steps[kMaxSteps].loc,
          "at most " + std::to_string(kMaxSteps) + " steps per train section");
    return;
  }
  std::map<std::string, size_t> byName;
  std::vector<TrainStep> steps;
  int errorsBefore = diags.errorCount();
  for (const ast::TrainStep &st : t.steps) {
    auto [it, fresh] = byName.emplace(st.name, steps.size());
    if (!fresh) {
      error(st.loc, "duplicate step '" + st.name + "'");
      continue;
    }
    TrainStep out;
    out.name = st.name;
    out.loc = st.loc;
    std::map<std::string, const ast::Setting *> settings;
    static const std::set<std::string> known = {"loss",       "optimizer",
                                                "updates",    "clip_norm",
                                                "clip_value", "clip_weights"};
    for (const ast::Setting &s : st.settings) {
      if (!known.count(s.key) || !s.more.empty())
        error(s.loc, "unknown step setting '" + s.key +
                         "' (expected loss, optimizer, updates, clip_norm, "
                         "clip_value, clip_weights; bindings belong to the "
                         "train section)");
      else if (!settings.emplace(s.key, &s).second)
        error(s.loc, "duplicate step setting '" + s.key + "'");
    }
    for (const char *required : {"loss", "optimizer"})
      if (!settings.count(required))
        error(st.loc, "step '" + st.name + "' needs '" + required + " = ...'");
    if (settings.count("optimizer"))
      optimizer(*settings["optimizer"]->value, out.optimizer);
    for (auto [key, dst] : {std::pair{"clip_norm", &out.clipNorm},
                            std::pair{"clip_value", &out.clipValue},
                            std::pair{"clip_weights", &out.clipWeights}}) {
      if (!settings.count(key))
        continue;
      const ast::Expr &e = *settings[key]->value;
      if (!number(e, *dst) || !(*dst > 0 && *dst < 1e30)) {
        error(e.loc, std::string(key) + " must be a positive number");
        *dst = 0;
      }
    }
    steps.push_back(std::move(out));
    if (!settings.count("loss"))
      continue;
    TrainStep &s = steps.back();
    const ast::Expr &le = *settings["loss"]->value;
    int errors = diags.errorCount();
    saltBase = 1000 * (int)steps.size();
    Value loss = buildLoss(le, p, s.loss, true);
    if (!loss.ok() || diags.errorCount() != errors)
      continue;
    if (!loss.type.dims.empty()) {
      error(le.loc, "the loss must be a scalar, got " + formatType(loss.type));
      continue;
    }
    s.loss.results = {loss.node, kXNode};
    for (size_t i = 0; i < p.buffers.size(); ++i)
      s.loss.results.push_back(bufferValue((int)i).node);
    Value evalLoss = buildLoss(le, p, s.evalLoss, false);
    if (!evalLoss.ok())
      continue;
    s.evalLoss.results = {evalLoss.node, kXNode};
    appendCarried(p, s.evalLoss);
    std::set<int> reached;
    paramsRead(s.loss, reached);
    std::set<int> wrt = reached;
    if (settings.count("updates")) {
      const ast::Expr &u = *settings["updates"]->value;
      wrt.clear();
      if (!modelList(u, wrt))
        continue;
      std::vector<const ast::Expr *> names;
      if (u.kind == ast::Expr::Tensor)
        for (const auto &a : u.args)
          names.push_back(a.get());
      else
        names.push_back(&u);
      for (const ast::Expr *n : names) {
        const std::set<int> &ps = modelParams[n->text];
        if (std::none_of(ps.begin(), ps.end(),
                         [&](int i) { return reached.count(i); }))
          error(n->loc, "step '" + s.name + "' updates '" + n->text +
                            "', but its loss does not reach that model");
      }
    }
    s.wrt.assign(wrt.begin(), wrt.end());
    if (s.wrt.empty())
      error(le.loc, "the loss of step '" + s.name + "' reaches no parameter");
  }

  saltBase = 0;
  // The schedule: `[D * 5, G]`, each step once in order by default.
  std::vector<size_t> order;
  std::vector<int64_t> repeats(steps.size(), 1);
  auto sched =
      std::find_if(t.settings.begin(), t.settings.end(),
                   [](const ast::Setting &s) { return s.key == "schedule"; });
  if (sched == t.settings.end()) {
    for (size_t i = 0; i < steps.size(); ++i)
      order.push_back(i);
  } else {
    const ast::Expr &e = *sched->value;
    if (e.kind != ast::Expr::Tensor || e.args.empty()) {
      error(e.loc, "schedule must be a list of steps, e.g. [D * 5, G]");
      return;
    }
    for (const auto &item : e.args) {
      const ast::Expr *name = item.get();
      int64_t n = 1;
      if (item->kind == ast::Expr::Binary && item->text == "*") {
        name = item->args[0].get();
        if (!integer(*item->args[1], "schedule: a step's count", 1, n))
          return;
      }
      auto it = name->kind == ast::Expr::Name ? byName.find(name->text)
                                              : byName.end();
      if (it == byName.end()) {
        error(name->loc, name->kind == ast::Expr::Name
                             ? "unknown step '" + name->text + "'"
                             : std::string("expected a step's name, or "
                                           "NAME * count"));
        return;
      }
      if (std::find(order.begin(), order.end(), it->second) != order.end()) {
        error(name->loc,
              "step '" + name->text + "' is already in the schedule");
        return;
      }
      order.push_back(it->second);
      repeats[it->second] = n;
    }
    for (const ast::TrainStep &st : t.steps)
      if (byName.count(st.name) &&
          std::find(order.begin(), order.end(), byName[st.name]) == order.end())
        error(e.loc, "step '" + st.name + "' is not in the schedule");
  }

  // Every model a loss calls is trained by some step (unless a step's
  // analysis failed: its updates are unknown).
  if (diags.errorCount() != errorsBefore)
    return;
  std::set<int> updated;
  for (const TrainStep &s : steps)
    updated.insert(s.wrt.begin(), s.wrt.end());
  for (const ast::Model *m : trainModels(t)) {
    const std::set<int> &ps = modelParams[m->name];
    if (!ps.empty() && std::none_of(ps.begin(), ps.end(),
                                    [&](int i) { return updated.count(i); }))
      error(m->loc, "model '" + m->name +
                        "' is updated by no step (add `updates = " + m->name +
                        "` to one)");
  }
  for (size_t i : order) {
    steps[i].repeat = repeats[i];
    p.steps.push_back(std::move(steps[i]));
  }
}

/// The graph of `sample`, `reconstruct` or `encode`: eval mode, inputs x, y,
/// w and hyper as the train-mode loss graph; x is not available to `sample`.
void Sema::outputs(const std::map<std::string, const ast::Setting *> &settings,
                   Program &p) {
  struct Out {
    const char *key;
    Graph *graph;
  };
  for (Out o : {Out{"sample", &p.outputs.sample},
                Out{"reconstruct", &p.outputs.reconstruct},
                Out{"encode", &p.outputs.encode}}) {
    auto it = settings.find(o.key);
    if (it == settings.end())
      continue;
    const ast::Expr &e = *it->second->value;
    bool sample = std::string(o.key) == "sample";
    int errors = diags.errorCount();
    Value v = buildLoss(e, p, *o.graph, false,
                        /*withData=*/!sample);
    if (!v.ok() || diags.errorCount() != errors) {
      o.graph->nodes.clear();
      continue;
    }
    if (v.type.elem != ElemType::F32 || v.type.dims.size() < 2 ||
        v.type.dims[0] != kBatch) {
      error(e.loc, std::string(o.key) +
                       " must give f32 with the batch dimension B first, got " +
                       formatType(v.type));
      o.graph->nodes.clear();
      continue;
    }
    const auto &d = v.type.dims;
    int64_t per = product({d.begin() + 1, d.end()});
    int64_t side = (int64_t)std::llround(std::sqrt((double)per));
    bool image = (d.size() == 4 && (d[3] == 1 || d[3] == 3)) ||
                 (d.size() == 2 && side * side == per) ||
                 (d.size() == 3 && d[1] > 1 && d[2] > 1);
    if (!sample && std::string(o.key) == "reconstruct" && !(v.type == p.input))
      error(e.loc, "reconstruct must give x's type " + formatType(p.input) +
                       ", got " + formatType(v.type));
    else if (sample && !image)
      error(e.loc, "sample must give images: f32[B, H, W, C] with C = 1 or "
                   "3, f32[B, H, W] or f32[B, N] with N a square, got " +
                       formatType(v.type));
    o.graph->results = {v.node};
  }
}

} // namespace nnc::sema
