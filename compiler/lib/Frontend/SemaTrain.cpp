//===- SemaTrain.cpp - Train section, losses, lr schedules, run -----------===//
//
// Semantic analysis of the train section: the loss graph, learning-rate
// schedules, optimizer, dataset and settings, and Sema::run, which analyses
// the main file's models and its train section.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

#include <filesystem>

namespace nnc::sema {

/// Does `e` call `name` anywhere?
static bool calls(const ast::Expr &e, const std::string &name) {
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

/// The first use of the name `name` in `e` (in source order), or null.
static const ast::Expr *findName(const ast::Expr &e, const std::string &name) {
  if (e.kind == ast::Expr::Name && e.text == name)
    return &e;
  for (const auto &a : e.args)
    if (const ast::Expr *f = findName(*a, name))
      return f;
  for (const auto &n : e.named)
    if (const ast::Expr *f = findName(*n.value, name))
      return f;
  return nullptr;
}

/// Every name `e` reads.
static void namesIn(const ast::Expr &e, std::set<std::string> &out) {
  if (e.kind == ast::Expr::Name)
    out.insert(e.text);
  for (const auto &a : e.args)
    namesIn(*a, out);
  for (const auto &n : e.named)
    namesIn(*n.value, out);
}

/// Builds the loss expression into g: inputs x, y, w, hyper (nodes 0, 1, 2,
/// 3; hyper in both modes); x and y are bound unless `!withData` (`sample`).
/// Leaves trainedOutput set.
Value Sema::buildLoss(const ast::Expr &le, Program &p, Graph &g, bool train,
                      bool withData) {
  prog = &p;
  graph = &g;
  paramNodes.clear();
  bufferNodes.clear();
  trainMode = train;
  nextSalt = saltBase;
  inLoss = true;
  trainedOutput = -1;
  Scope scope; // no model: layers and params are not allowed in the loss
  const Loc &l = p.train.loc;
  Value x = add(OpKind::Input, {}, p.input, l);
  Value y = add(OpKind::Input, {}, p.target, l);
  add(OpKind::Input, {}, TensorType{ElemType::F32, {kBatch}}, l);
  add(OpKind::Input, {}, TensorType{ElemType::F32, {4}}, l);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    g.nodes[i].index = (int)i;
  if (withData)
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
    auto args = bindArgs(e, {{"min", ArgSpec::Number, false}});
    if (args[0] && (!number(*args[0], out.min) || out.min < 0))
      error(args[0]->loc, "cosine: min must be a non-negative number");
  } else {
    out.kind = LrSchedule::Step;
    auto args = bindArgs(
        e, {{"every", ArgSpec::Int}, {"gamma", ArgSpec::Number, false}});
    if (args[0])
      integer(*args[0], "step: every", 1, out.every);
    if (args[1] &&
        (!number(*args[1], out.gamma) || out.gamma <= 0 || out.gamma > 1))
      error(args[1]->loc, "step: gamma must be a number in (0, 1]");
  }
}

void Sema::optimizer(const ast::Expr &e, Optimizer &o) {
  if (e.kind != ast::Expr::Call ||
      (e.text != "sgd" && e.text != "momentum" && e.text != "adam")) {
    error(e.loc, "expected an optimizer: sgd(lr), momentum(lr, "
                 "momentum=0.9) or adam(lr=0.001, beta1=0.9, beta2=0.999, "
                 "eps=1e-8)");
  } else {
    // dst[i] receives the row's argument i (sgd: lr; momentum: lr,
    // momentum; adam: lr, beta1, beta2, eps).
    std::vector<double *> dst;
    if (e.text == "sgd") {
      o.kind = Optimizer::SGD;
      dst = {&o.lr};
    } else if (e.text == "momentum") {
      o.kind = Optimizer::Momentum;
      dst = {&o.lr, &o.momentum};
    } else {
      o.kind = Optimizer::Adam;
      dst = {&o.lr, &o.beta1, &o.beta2, &o.eps};
    }
    const std::vector<ArgSpec> &spec = findBuiltin(e.text)->args;
    for (size_t i = 0; i < spec.size(); ++i)
      if (!spec[i].required)
        *dst[i] = spec[i].dflt;
    auto args = bindArgs(e, spec);
    for (size_t i = 0; i < args.size(); ++i)
      if (args[i] && (!number(*args[i], *dst[i]) || *dst[i] < 0))
        error(args[i]->loc,
              e.text + ": " + spec[i].name + " must be a non-negative number");
  }
}

void Sema::train(const ast::Train &t, Program &p) {
  TrainConfig &cfg = p.train;
  cfg.present = true;
  cfg.loc = t.loc;
  std::map<std::string, const ast::Setting *> settings;
  static const std::set<std::string> known = {
      "data",     "loss",   "optimizer",   "lr_schedule", "batch",
      "epochs",   "seed",   "clip_norm",   "clip_value",  "truncate",
      "schedule", "sample", "reconstruct", "encode",      "decode"};
  bool withSteps = !t.steps.empty();
  // Any other `name = value` binds a name for the losses (checked for use
  // at the end).
  bindings.clear();
  std::set<std::string> referenced;
  for (const ast::Setting &s : t.settings)
    namesIn(*s.value, referenced);
  for (const ast::TrainStep &st : t.steps)
    for (const ast::Setting &s : st.settings)
      namesIn(*s.value, referenced);
  for (const ast::Setting &s : t.settings) {
    if (known.count(s.key) && s.more.empty()) {
      if (!settings.emplace(s.key, &s).second)
        error(s.loc, "duplicate train setting '" + s.key + "'");
      continue;
    }
    std::vector<std::pair<std::string, Loc>> names = {{s.key, s.loc}};
    for (const ast::Binding &b : s.more)
      names.push_back({b.name, b.loc});
    bool isUsed = false;
    for (const auto &[name, loc] : names)
      isUsed |= referenced.count(name) > 0;
    if (!isUsed) {
      error(s.loc, "unknown train setting '" + s.key +
                       "' (expected data, loss, optimizer, lr_schedule, "
                       "batch, epochs, seed, clip_norm, clip_value, "
                       "truncate, schedule, sample, reconstruct, encode, "
                       "decode, or "
                       "a name that a loss uses)");
      continue;
    }
    for (const auto &[name, loc] : names) {
      if (known.count(name) || name == "x" || name == "y" ||
          models.count(name) || findBuiltin(name))
        error(loc, "cannot bind '" + name + "': it is " +
                       (known.count(name)    ? "a train setting"
                        : models.count(name) ? "a model"
                        : findBuiltin(name)  ? "a builtin"
                                             : "the data's " + name));
      else if (!bindings.emplace(name, &s).second)
        error(loc, "'" + name + "' is already bound");
    }
  }
  for (const char *required : {"data", "loss", "optimizer"})
    if (!settings.count(required) &&
        (!withSteps || std::string(required) == "data"))
      error(t.loc, std::string("train section needs '") + required + " = ...'");
  if (withSteps)
    for (const char *key : {"loss", "optimizer", "clip_norm", "clip_value"})
      if (settings.count(key))
        error(settings[key]->loc,
              std::string("with steps, '") + key + "' belongs in each step");
  if (!withSteps && settings.count("schedule"))
    error(settings["schedule"]->loc,
          "a schedule orders steps: this train section has none");

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
  intSetting("truncate", 1, cfg.truncate);
  // Gradient clipping: a positive number, off when absent.
  for (auto [key, out] : {std::pair{"clip_norm", &cfg.clipNorm},
                          std::pair{"clip_value", &cfg.clipValue}}) {
    if (!settings.count(key))
      continue;
    const ast::Expr &e = *settings[key]->value;
    if (!number(e, *out) || !(*out > 0 && *out < 1e30)) {
      error(e.loc, std::string(key) + " must be a positive number");
      *out = 0;
    }
  }

  if (settings.count("optimizer"))
    optimizer(*settings["optimizer"]->value, cfg.optimizer);

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

  // The trained model; a run of several steps has none of its own (x is the
  // data's, f32[B, 784] for fashion_mnist).
  if (withSteps) {
    trained = nullptr;
    if (models.count(t.model))
      error(t.modelLoc, "a train section with steps names the run, not a "
                        "model: '" +
                            t.model + "' is a model");
    p.input = TensorType{ElemType::F32, {kBatch, 784}};
  } else {
    auto mit = models.find(t.model);
    if (mit == models.end() || mit->second->isBlock) {
      error(t.modelLoc, "unknown model '" + t.model + "'");
      return;
    }
    const ast::Model &m = *mit->second;
    trained = &m;
    // A decoder trained with teacher forcing takes the target too
    // (`G2P(x, shift_right(y))`); it predicts by `decode`, not by itself.
    if (m.args.empty() || !m.args[0].type ||
        (m.args.size() != 1 && !settings.count("decode"))) {
      error(m.loc, "a trained model must take exactly one input (one with "
                   "more, such as an encoder-decoder trained with teacher "
                   "forcing, needs `decode = ...` in its train section)");
      return;
    }
    if (!type(*m.args[0].type, p.input, true))
      return;
    if (p.input.dims.empty() || p.input.dims[0] != kBatch) {
      error(m.args[0].loc, "a trained model's input must have the batch "
                           "dimension B first, got " +
                               formatType(p.input));
      return;
    }
  }
  if (!settings.count("data") || (!withSteps && !settings.count("loss")))
    return;
  // Models the section calls but the trained one: their params exist before
  // any loss (`updates`, `l2`) names them.
  for (const ast::Model *m : trainModels(t))
    if (m != trained && !modelParams.count(m->name))
      registerModel(*m, p);

  // The dataset gives x and y.
  const ast::Expr &d = *settings["data"]->value;
  bool ce = false;
  if (withSteps) {
    for (const ast::TrainStep &st : t.steps)
      for (const ast::Setting &s : st.settings)
        ce |= s.key == "loss" && calls(*s.value, "cross_entropy");
  } else {
    ce = calls(*settings["loss"]->value, "cross_entropy");
  }
  if (d.kind == ast::Expr::Call && d.text == "fashion_mnist") {
    auto args = bindArgs(d, findBuiltin(d.text)->args);
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
    auto args = bindArgs(d, findBuiltin(d.text)->args);
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
    if (withSteps) {
      p.input.dims = {kBatch};
      p.input.dims.insert(p.input.dims.end(), row.begin(), row.end());
    }
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
    // Benchmarks: random inputs (and labels) of the model's shapes. Without
    // classes there are no targets: an autoencoder's loss uses x twice.
    auto args = bindArgs(d, findBuiltin(d.text)->args);
    Dataset &ds = cfg.data;
    ds.kind = Dataset::Synthetic;
    if (!args[0] || !integer(*args[0], "synthetic: samples", 1, ds.samples) ||
        (args[1] && !integer(*args[1], "synthetic: classes", 1, ds.classes)))
      return;
    if (args[2]) {
      std::vector<int64_t> shape;
      std::vector<float> v;
      if (!literal(*args[2], shape, v))
        return;
      if (shape != std::vector<int64_t>{2} || !std::isfinite(v[0]) ||
          !std::isfinite(v[1]) || !(v[0] < v[1])) {
        error(args[2]->loc,
              "synthetic: range must be [lo, hi] with finite lo < hi");
        return;
      }
      ds.lo = v[0];
      ds.hi = v[1];
    }
    if (ds.classes > 0) {
      if (!ce) {
        error(d.loc, "synthetic data has class labels: the loss must use "
                     "cross_entropy");
        return;
      }
      p.target = TensorType{ElemType::I32, {kBatch}};
    } else {
      if (ce) {
        error(d.loc, "cross_entropy needs labels: give synthetic(..., "
                     "classes=K)");
        return;
      }
      if (const ast::Expr *y = findName(*settings["loss"]->value, "y")) {
        error(y->loc, "synthetic data without classes has no targets y: "
                      "use the input (mse(Model(x), x)) or give classes=K");
        return;
      }
      p.target = TensorType{ElemType::F32, {kBatch}};
    }
  } else if (d.kind == ast::Expr::Call && d.text == "text") {
    if (!textData(d, p, ce))
      return;
  } else if (d.kind == ast::Expr::Call && d.text == "words") {
    if (!wordsData(d, p))
      return;
  } else if (d.kind == ast::Expr::Call && d.text == "cmudict") {
    if (!cmudictData(d, p, ce, settings.count("decode") > 0))
      return;
  } else {
    error(d.loc, "expected a dataset: fashion_mnist(dir=...), "
                 "tensors(x=..., y=...), synthetic(samples=N, classes=K, "
                 "range=[lo, hi]), text(file, seq_len=T), "
                 "cmudict(file, seq_len=T) or words(file, vocab=V)");
    return;
  }

  if (withSteps) {
    // x in, x out: the run has no forward of its own.
    p.forward = Graph{};
    p.forward.nodes.push_back(Node{OpKind::Input, {}, p.input, t.loc, 0});
    p.forward.results = {0};
    trainSteps(t, p);
    outputs(settings, p);
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
    error(le.loc,
          "the loss does not call the trained model '" + trained->name + "'");
    return;
  }
  p.loss.results = {loss.node, trainedOutput};
  for (size_t i = 0; i < p.buffers.size(); ++i)
    p.loss.results.push_back(bufferValue((int)i).node);
  Value evalLoss = buildLoss(le, p, p.evalLoss, false);
  if (!evalLoss.ok())
    return;
  p.evalLoss.results = {evalLoss.node, trainedOutput};
  appendCarried(p, p.evalLoss);
  if (settings.count("decode")) {
    // Predictions come from decoding; @forward is x itself.
    decodeSetting(*settings["decode"]->value, p);
    p.forward = Graph{};
    p.forward.nodes.push_back(Node{OpKind::Input, {}, p.input, t.loc, 0});
    p.forward.results = {0};
  }
  cfg.classification = classification;
  cfg.ignoreIndex = ignoreIndex;
  checkTokenIds(p);
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
    if (cfg.data.classes > 0 && cfg.data.classes > classes)
      error(d.loc, "synthetic: " + std::to_string(cfg.data.classes) +
                       " classes, but the model has " +
                       std::to_string(classes) + " outputs");
  }
  outputs(settings, p);
}

/// A data source's `file` argument of `call` (`f`: its name in errors):
/// a non-empty string, relative to the .nn file when relative (as an
/// import), else `dflt` when absent (none: required). False after an error.
bool Sema::dataFile(const ast::Expr &call, const ast::Expr *arg,
                    const char *dflt, std::string &out) {
  if (!arg && dflt) {
    out = dflt;
    return true;
  }
  if (!arg || arg->kind != ast::Expr::String || arg->text.empty()) {
    error(arg ? arg->loc : call.loc, call.text + ": file must be a string");
    return false;
  }
  std::filesystem::path file(arg->text);
  if (file.is_relative())
    file = std::filesystem::absolute(call.loc.file).parent_path() / file;
  out = file.lexically_normal().string();
  return true;
}

/// text(file, seq_len=T, test=0.1): a character stream; x one-hot
/// f32[B, T, 97] (kTextVocab), y the next characters i32[B, T].
bool Sema::textData(const ast::Expr &d, Program &p, bool ce) {
  auto args = bindArgs(d, findBuiltin(d.text)->args);
  Dataset &ds = p.train.data;
  ds.kind = Dataset::Text;
  if (!dataFile(d, args[0], nullptr, ds.file))
    return false;
  if (args[2]) {
    double f = 0;
    if (!number(*args[2], f))
      return false;
    if (!(f > 0 && f < 1)) {
      error(args[2]->loc, "text: test must be a fraction between 0 and 1");
      return false;
    }
    ds.testFraction = f;
  }
  const auto &in = p.input.dims;
  int64_t steps = 0;
  if (args[1] && !integer(*args[1], "text: seq_len", 1, steps))
    return false;
  if (args[1] && in.size() == 3 && in[1] != steps) {
    error(args[1]->loc, "text: seq_len=" + std::to_string(steps) +
                            " but the model input is " + formatType(p.input));
    return false;
  }
  if (in.size() != 3 || in[1] == kBatch || in[2] != kTextVocab) {
    error(d.loc,
          "text gives one-hot characters f32[B, T, " +
              std::to_string(kTextVocab) +
              "] (tab, newline and ' ' to '~'), but the model input is " +
              formatType(p.input));
    return false;
  }
  if (!ce) {
    error(d.loc, "text data has the next character as its label: the loss "
                 "must use cross_entropy");
    return false;
  }
  p.target = TensorType{ElemType::I32, {kBatch, in[1]}};
  return true;
}

/// T from the train section's data, when the trained model's input type uses
/// T and the data fixes it: tensors(x=...) gives every dim of a sample,
/// fashion_mnist 784 elements per sample (f32[B, T, 28]: T = 28). The data
/// is checked against the resolved input type later, as for any model.
void Sema::inferSeqLen(const ast::Train &t) {
  auto mit = models.find(t.model);
  if (mit == models.end() || mit->second->args.empty() ||
      !mit->second->args[0].type)
    return;
  const std::vector<ast::Dim> *argDims = &mit->second->args[0].type->dims;
  // An encoder-decoder's second input, the previous targets i32[B, T]: T is
  // the targets' length (tensors(y=...)).
  const char *source = "x";
  auto usesT = [](const std::vector<ast::Dim> &ds) {
    return std::any_of(ds.begin(), ds.end(),
                       [](const ast::Dim &d) { return d.symbol == "T"; });
  };
  if (!usesT(*argDims) && mit->second->args.size() > 1 &&
      mit->second->args[1].type && usesT(mit->second->args[1].type->dims)) {
    argDims = &mit->second->args[1].type->dims;
    source = "y";
  }
  const std::vector<ast::Dim> &dims = *argDims;
  int at = -1, uses = 0;
  double rest = 1; // the numeric dims' product
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i].symbol == "T")
      at = at < 0 ? (int)i : at, ++uses;
    else if (dims[i].symbol.empty())
      rest *= (double)dims[i].value;
  }
  const ast::Expr *data = nullptr;
  for (const ast::Setting &s : t.settings)
    if (s.key == "data")
      data = s.value.get();
  if (at < 0 || !data || data->kind != ast::Expr::Call)
    return;
  double n = 0;
  if (data->text == "fashion_mnist" && uses == 1) {
    n = 784 / rest;
  } else if (data->text == "text" || data->text == "cmudict") {
    auto args = bindArgs(*data, findBuiltin(data->text)->args);
    double v = 0;
    if (args[1] && args[1]->kind == ast::Expr::Number)
      v = args[1]->number;
    n = v;
  } else if (data->text == "tensors") {
    size_t pos = source[0] == 'x' ? 0 : 1;
    const ast::Expr *x =
        data->args.size() <= pos ? nullptr : data->args[pos].get();
    for (const ast::NamedArg &a : data->named)
      if (a.name == source)
        x = a.value.get();
    // The literal's shape along its first elements ([N, ...]); ragged
    // literals are reported when the data is analysed.
    std::vector<int64_t> shape;
    for (const ast::Expr *e = x;
         e && e->kind == ast::Expr::Tensor && !e->args.empty();
         e = e->args[0].get())
      shape.push_back((int64_t)e->args.size());
    if (shape.size() == dims.size())
      n = (double)shape[at];
  }
  if (n >= 1 && n <= kMaxDim && n == std::floor(n))
    seqLen = (int64_t)n;
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
      if (findBuiltin(m.name))
        error(m.loc, "'" + m.name + "' is the name of a builtin");
    }
    if (file.get() != &main)
      for (const ast::Train &t : file->trains)
        error(t.loc, "a train section may only appear in the main file");
  }
  for (size_t i = 1; i < main.trains.size(); ++i)
    error(main.trains[i].loc, "only one train section per file is supported");
  if (seqLen <= 0 && !main.trains.empty())
    inferSeqLen(main.trains[0]);

  // The model built into p.forward: the trained one, or the last of the
  // file without a train section; a run of several steps has none.
  const ast::Model *selected = nullptr;
  // (With onlyModel, that model alone, whatever the train section trains.)
  bool withSteps = !main.trains.empty() && !main.trains[0].steps.empty() &&
                   onlyModel.empty();
  std::vector<const ast::Model *> used;
  if (!main.trains.empty())
    used = trainModels(main.trains[0]);
  if (withSteps) {
  } else if (!onlyModel.empty()) {
    auto it = models.find(onlyModel);
    if (it != models.end() && !it->second->isBlock)
      selected = it->second;
  } else if (!main.trains.empty()) {
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
  // A trained model from an import.
  if (selected &&
      std::none_of(main.models.begin(), main.models.end(),
                   [&](const ast::Model &m) { return &m == selected; })) {
    p.modelName = selected->name;
    p.modelLoc = selected->loc;
    if (!selected->args.empty() && selected->args[0].type)
      type(*selected->args[0].type, p.input, true);
    buildForward(*selected, p, true);
  }
  if (withSteps) {
    p.modelName = main.trains[0].model;
    p.modelLoc = main.trains[0].modelLoc;
  }
  // Every model of the main file is checked, in source order, and its rows
  // go into the summary; the selected one is built into p.forward, and the
  // others the train section uses register their params in p after it.
  std::vector<const ast::Model *> later;
  for (const ast::Model &m : main.models) {
    if (m.isBlock || (forwardOnly && &m != selected))
      continue;
    if (&m == selected) {
      p.modelName = m.name;
      p.modelLoc = m.loc;
      if (!m.args.empty() && m.args[0].type)
        type(*m.args[0].type, p.input, true);
      buildForward(m, p, true);
    } else if (std::find(used.begin(), used.end(), &m) != used.end()) {
      later.push_back(&m);
    } else {
      checkAlone(m, p);
    }
  }
  for (const ast::Model *m : later)
    registerModel(*m, p);
  p.layers.insert(p.layers.end(), aloneRows.begin(), aloneRows.end());
  if (!main.trains.empty() && !forwardOnly)
    train(main.trains[0], p);
}

} // namespace nnc::sema
