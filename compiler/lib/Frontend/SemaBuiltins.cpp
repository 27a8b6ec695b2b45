//===- SemaBuiltins.cpp - The builtin registry and builtin calls ----------===//
//
// Every builtin of the language is one row of builtinTable(): its name, its
// aliases, what it is (layer, activation, loss, initialiser, optimizer,
// dataset), its arguments and, for the ones used in model bodies, the Sema
// member that analyses a call (its handler, in the family's Sema*.cpp).
// Sema::call binds a call's arguments to the row's spec, checks where the
// builtin is used, analyses its tensor arguments and runs the handler. This
// file also holds what the handlers share: argument binding and reading, and
// the weight-and-bias helper of layers.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

using K = ArgSpec::Kind;
using B = BuiltinKind;

/// rnn, lstm, gru: x, units, return_sequences, bidirectional, reverse, then
/// the cell's own arguments.
static std::vector<ArgSpec> recurrentArgs(std::vector<ArgSpec> own) {
  std::vector<ArgSpec> args = {{"x"},
                               {"units", K::Int},
                               {"return_sequences", K::Bool, false, 0},
                               {"bidirectional", K::Bool, false, 0},
                               {"reverse", K::Bool, false, 0},
                               {"stateful", K::Bool, false, 0}};
  args.insert(args.end(), own.begin(), own.end());
  return args;
}

/// max_pool, avg_pool: x, size, stride (default: the size), padding.
static std::vector<ArgSpec> poolArgs() {
  return {{"x"},
          {"size", K::Ints},
          {"stride", K::Ints, false},
          {"padding", K::Padding, false}};
}

const std::vector<Builtin> &builtinTable() {
  static const ArgSpec x{"x"};
  static const std::vector<Builtin> table = {
      // Layers (SemaConv.cpp, SemaShape.cpp, SemaNorm.cpp, SemaRandom.cpp,
      // SemaRecurrent.cpp).
      {"dense",
       {},
       B::Layer,
       {x,
        {"units", K::Int},
        {"bias", K::Bool, false, 1},
        {"init", K::Init, false}},
       &Sema::dense},
      {"conv2d",
       {},
       B::Layer,
       {x,
        {"filters", K::Int},
        {"kernel", K::Ints},
        {"stride", K::Ints, false},
        {"padding", K::Padding, false},
        {"dilation", K::Ints, false},
        {"bias", K::Bool, false, 1},
        {"init", K::Init, false}},
       &Sema::conv2d},
      {"max_pool", {"maxpool"}, B::Layer, poolArgs(), &Sema::pool},
      {"avg_pool", {"avgpool"}, B::Layer, poolArgs(), &Sema::pool},
      {"global_avg_pool", {"global_avgpool"}, B::Layer, {x}, &Sema::pool},
      {"flatten", {}, B::Layer, {x}, &Sema::reshape},
      {"reshape", {}, B::Layer, {x, {"shape", K::Shape}}, &Sema::reshape},
      {"concat",
       {},
       B::Layer,
       {{"tensors", K::Tensors}, {"axis", K::Int, false, -1}},
       &Sema::concat},
      {"batch_norm",
       {},
       B::Layer,
       {x,
        {"momentum", K::Number, false, 0.1},
        {"eps", K::Number, false, 1e-5}},
       &Sema::batchNorm,
       std::nullopt,
       /*inScan=*/false},
      {"dropout",
       {},
       B::Layer,
       {x, {"p", K::Number}},
       &Sema::dropout,
       std::nullopt,
       /*inScan=*/false},
      {"flip_lr", {}, B::Layer, {x}, &Sema::flipLr, std::nullopt, false},
      {"noise",
       {},
       B::Layer,
       {x, {"std", K::Number}},
       &Sema::noise,
       std::nullopt,
       /*inScan=*/false},
      // Tensors of random draws (SemaRandom.cpp): normal(shape, mean, std)
      // and uniform(shape, lo, hi), a shape list first. The names are not
      // identifiers: Sema::call picks these rows for `normal` and `uniform`
      // called with a shape (randomTensorCall), the initialisers otherwise.
      {"normal(shape)",
       {},
       B::Activation,
       {{"shape", K::Shape},
        {"mean", K::Number, false, 0},
        {"std", K::Number, false, 1}},
       &Sema::randomTensor,
       OpKind::RandomNormal,
       /*inScan=*/false},
      {"uniform(shape)",
       {},
       B::Activation,
       {{"shape", K::Shape},
        {"lo", K::Number, false, 0},
        {"hi", K::Number, false, 1}},
       &Sema::randomTensor,
       OpKind::RandomUniform,
       /*inScan=*/false},
      // Recurrent layers (SemaRecurrent.cpp).
      {"rnn",
       {},
       B::Layer,
       recurrentArgs(
           {{"activation", K::Text, false}, {"h0", K::Tensor, false}}),
       &Sema::recurrent},
      {"lstm",
       {},
       B::Layer,
       recurrentArgs({{"h0", K::Tensor, false}, {"c0", K::Tensor, false}}),
       &Sema::recurrent},
      {"gru",
       {},
       B::Layer,
       recurrentArgs({{"h0", K::Tensor, false}}),
       &Sema::recurrent},
      // Sequence models (SemaSequence.cpp).
      {"embedding",
       {},
       B::Layer,
       {{"ids"}, {"vocab", K::Int}, {"dim", K::Int}, {"init", K::Init, false}},
       &Sema::embedding},
      {"layer_norm",
       {},
       B::Layer,
       {x, {"eps", K::Number, false, 1e-5}},
       &Sema::layerNorm},
      {"multi_head_attention",
       {},
       B::Layer,
       {x,
        {"heads", K::Int},
        {"context", K::Tensor, false},
        {"mask", K::Tensor, false},
        {"causal", K::Bool, false, 0}},
       &Sema::multiHeadAttention},
      {"additive_attention",
       {},
       B::Layer,
       {{"query"}, {"keys"}, {"units", K::Int}, {"mask", K::Tensor, false}},
       &Sema::additiveAttention},
      {"attention",
       {},
       B::Activation,
       {{"q"},
        {"k"},
        {"v"},
        {"mask", K::Tensor, false},
        {"causal", K::Bool, false, 0}},
       &Sema::attention},
      {"shift_right",
       {},
       B::Activation,
       {{"ids"}, {"start", K::Int, false}},
       &Sema::shiftRight},
      {"padding_mask",
       {},
       B::Activation,
       {{"ids"}, {"pad", K::Int, false}},
       &Sema::paddingMask},
      {"transpose",
       {},
       B::Activation,
       {x, {"perm", K::Ints, false}},
       &Sema::transpose},
      // Activations (SemaElementwise.cpp): one node of `op` on x.
      {"relu", {}, B::Activation, {x}, &Sema::activation, OpKind::Relu},
      {"sigmoid", {}, B::Activation, {x}, &Sema::activation, OpKind::Sigmoid},
      {"tanh", {}, B::Activation, {x}, &Sema::activation, OpKind::Tanh},
      {"softmax", {}, B::Activation, {x}, &Sema::activation, OpKind::Softmax},
      {"softplus", {}, B::Activation, {x}, &Sema::activation, OpKind::Softplus},
      {"exp", {}, B::Activation, {x}, &Sema::activation, OpKind::Exp},
      {"log", {}, B::Activation, {x}, &Sema::activation, OpKind::Log},
      {"abs", {}, B::Activation, {x}, &Sema::activation, OpKind::Abs},
      {"sum", {}, B::Activation, {x, {"axis", K::Ints, false}}, &Sema::reduce},
      {"mean", {}, B::Activation, {x, {"axis", K::Ints, false}}, &Sema::reduce},
      {"identity", {}, B::Activation, {x}, &Sema::activation},
      {"leaky_relu",
       {},
       B::Activation,
       {x, {"alpha", K::Number, false, 0.01}},
       &Sema::activation,
       OpKind::LeakyRelu},
      {"step",
       {},
       B::Activation,
       {x, {"threshold", K::Number, false, 0}},
       &Sema::activation,
       OpKind::Step},
      // Losses (SemaLoss.cpp): `op`(a, b, w) -> scalar.
      {"cross_entropy",
       {},
       B::Loss,
       {{"logits"}, {"labels"}, {"ignore", K::Int, false}},
       &Sema::loss,
       OpKind::CrossEntropy},
      {"mse", {}, B::Loss, {{"pred"}, {"target"}}, &Sema::loss, OpKind::Mse},
      {"bce", {}, B::Loss, {{"pred"}, {"target"}}, &Sema::loss, OpKind::Bce},
      {"mae", {}, B::Loss, {{"pred"}, {"target"}}, &Sema::composedLoss},
      {"bce_with_logits",
       {},
       B::Loss,
       {{"logits"}, {"target"}},
       &Sema::composedLoss},
      {"kl_normal", {}, B::Loss, {{"mu"}, {"logvar"}}, &Sema::composedLoss},
      {"contractive",
       {},
       B::Loss,
       {{"model", K::Text}, {"x"}},
       &Sema::contractive},
      {"kl_sparsity",
       {},
       B::Loss,
       {{"h"}, {"rho", K::Number}},
       &Sema::composedLoss},
      {"negative_sampling",
       {},
       B::Loss,
       {{"v"}, {"u"}},
       &Sema::negativeSampling},
      {"l1",
       {},
       B::Loss,
       {{"model", K::Text}, {"biases", K::Bool, false, 0}},
       &Sema::regulariser},
      {"l2",
       {},
       B::Loss,
       {{"model", K::Text}, {"biases", K::Bool, false, 0}},
       &Sema::regulariser},
      // Initialisers (Sema::init); zeros(shape) is also a tensor of zeros
      // (SemaShape.cpp), e.g. a scan's initial state zeros([B, 16]).
      {"zeros", {}, B::Init, {{"shape", K::Shape, false}}, &Sema::zeros},
      {"constant", {}, B::Init, {{"value", K::Number}}},
      {"uniform", {}, B::Init, {{"lo", K::Number}, {"hi", K::Number}}},
      {"normal", {}, B::Init, {{"mean", K::Number}, {"std", K::Number}}},
      {"xavier_uniform", {"glorot_uniform"}, B::Init, {}},
      {"xavier_normal", {"glorot_normal"}, B::Init, {}},
      {"he_uniform", {}, B::Init, {}},
      {"he_normal", {}, B::Init, {}},
      // Optimizers and datasets (SemaTrain.cpp).
      {"sgd", {}, B::Optimizer, {{"lr", K::Number}}},
      {"momentum",
       {},
       B::Optimizer,
       {{"lr", K::Number}, {"momentum", K::Number, false, 0.9}}},
      {"adam",
       {},
       B::Optimizer,
       {{"lr", K::Number, false, 0.001},
        {"beta1", K::Number, false, 0.9},
        {"beta2", K::Number, false, 0.999},
        {"eps", K::Number, false, 1e-8}}},
      {"fashion_mnist", {}, B::Dataset, {{"dir", K::Text, false}}},
      {"tensors", {}, B::Dataset, {{"x", K::Shape}, {"y", K::Shape}}},
      {"synthetic",
       {},
       B::Dataset,
       {{"samples", K::Int},
        {"classes", K::Int, false},
        {"range", K::Shape, false}}},
      {"words",
       {},
       B::Dataset,
       {{"file", K::Text, false},
        {"vocab", K::Int},
        {"window", K::Int, false},
        {"negatives", K::Int, false},
        {"min_count", K::Int, false},
        {"subsample", K::Number, false}}},
      {"cmudict",
       {},
       B::Dataset,
       {{"file", K::Text, false}, {"seq_len", K::Int, false}}},
      {"text",
       {},
       B::Dataset,
       {{"file", K::Text},
        {"seq_len", K::Int, false},
        {"test", K::Number, false}}},
  };
  return table;
}

const Builtin *findBuiltin(const std::string &name) {
  static const std::map<std::string, const Builtin *> byName = [] {
    std::map<std::string, const Builtin *> m;
    for (const Builtin &b : builtinTable()) {
      m[b.name] = &b;
      for (const char *alias : b.aliases)
        m[alias] = &b;
    }
    return m;
  }();
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : it->second;
}

Value Sema::call(const ast::Expr &e, Scope &scope) {
  const std::string &f = e.text;
  // A call of a model: inline its body.
  auto mit = models.find(f);
  if (mit != models.end())
    return modelCall(*mit->second, e, scope);
  const Builtin *b = findBuiltin(f);
  if (!b) {
    error(e.loc, "unknown function '" + f + "'");
    return {};
  }
  // normal([B, 64]) and uniform([B, 64]) outside init= are random tensors.
  const Builtin *random = findBuiltin(f + "(shape)");
  if (random && randomTensorCall(e))
    b = random;
  switch (b->kind) {
  case BuiltinKind::Init:
    if (b->handler && (!e.args.empty() || !e.named.empty()))
      break; // zeros(shape)
    if (random) {
      const char *args = f == "normal" ? "mean, std" : "lo, hi";
      error(e.loc, "'" + f + "(" + args +
                       ")' is an initializer: use it in a param declaration "
                       "or as init=; for a tensor of random draws give its "
                       "shape first, e.g. " +
                       f + "([B, 64])");
      return {};
    }
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
  case BuiltinKind::Layer:
    if (!scope.model) {
      error(e.loc, f + ": layers may only be used inside a model");
      return {};
    }
    break;
  case BuiltinKind::Activation:
  case BuiltinKind::Loss:
    break;
  }
  if (!b->inScan && level() > 0 && relaxArgTypes) {
    error(e.loc, "contractive: the encoder may use dense layers and "
                 "elementwise operations only, not " +
                     f);
    return {};
  }
  if (!b->inScan && level() > 0) {
    error(e.loc, f + " inside a scan is not supported (its state would have "
                     "to be carried over the steps)");
    return {};
  }
  if (!b->handler) {
    error(e.loc, "internal error: builtin '" + std::string(b->name) +
                     "' has no handler");
    return {};
  }
  Call c{*b, e, bindArgs(e, b->args), {}, {}};
  if (b->kind == BuiltinKind::Loss && !inLoss) {
    error(e.loc, "'" + f + "' is a loss: use it in a train section's loss");
    return {};
  }
  c.values.resize(b->args.size());
  // A nested call must not take the final states asked of this one.
  size_t states = wantStates;
  wantStates = 0;
  for (size_t i = 0; i < b->args.size(); ++i) {
    if (b->args[i].kind == K::Tensors)
      for (const auto &a : e.args)
        c.variadic.push_back(expr(*a, scope));
    else if (b->args[i].kind == K::Tensor && c.args[i])
      c.values[i] = expr(*c.args[i], scope);
  }
  wantStates = states;
  return (this->*(b->handler))(c, scope);
}

bool randomTensorCall(const ast::Expr &e) {
  if (!e.args.empty())
    return e.args[0]->kind == ast::Expr::Tensor;
  return std::any_of(e.named.begin(), e.named.end(),
                     [](const ast::NamedArg &n) { return n.name == "shape"; });
}

const ast::Expr *Call::arg(const char *name, size_t *index) const {
  for (size_t i = 0; i < builtin.args.size(); ++i)
    if (std::string(builtin.args[i].name) == name) {
      if (index)
        *index = i;
      return args[i];
    }
  return nullptr;
}

bool Call::valid() const {
  for (size_t i = 0; i < values.size(); ++i)
    if (builtin.args[i].kind == ArgSpec::Tensor &&
        (args[i] || builtin.args[i].required) && !values[i].ok())
      return false;
  return std::all_of(variadic.begin(), variadic.end(),
                     [](const Value &v) { return v.ok(); });
}

/// Checks a call's arguments against `spec`; returns one Expr per spec entry
/// (null when absent and optional). Reports unknown, duplicate and missing.
/// A Tensors entry takes every positional argument, so it is not bound here.
std::vector<const ast::Expr *>
Sema::bindArgs(const ast::Expr &call, const std::vector<ArgSpec> &spec) {
  std::vector<const ast::Expr *> out(spec.size(), nullptr);
  bool variadic = !spec.empty() && spec[0].kind == K::Tensors;
  size_t positional = variadic ? 0 : spec.size();
  std::string names;
  for (const ArgSpec &s : spec)
    names += std::string(names.empty() ? "" : ", ") + s.name;
  if (call.positionalAfterNamed)
    error(call.loc,
          "'" + call.text + "': positional argument after a named argument");
  if (!variadic && call.args.size() > spec.size())
    error(call.args[spec.size()]->loc,
          "'" + call.text + "' takes " + std::to_string(spec.size()) +
              " argument" + (spec.size() == 1 ? "" : "s") +
              (spec.empty() ? "" : " (" + names + ")") + ", got " +
              std::to_string(call.args.size()));
  for (size_t i = 0; i < call.args.size() && i < positional; ++i)
    out[i] = call.args[i].get();
  for (const ast::NamedArg &n : call.named) {
    size_t i = variadic ? 1 : 0;
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
  for (size_t i = variadic ? 1 : 0; i < spec.size(); ++i)
    if (spec[i].required && !out[i])
      error(call.loc,
            "'" + call.text + "' needs argument '" + spec[i].name + "'");
  return out;
}

/// A Number argument: its compile-time value, or the spec's default when
/// absent. Reports "f: name must be a number".
bool Sema::number(const Call &c, size_t i, double &out) {
  out = c.builtin.args[i].dflt;
  if (!c.args[i] || number(*c.args[i], out))
    return true;
  error(c.args[i]->loc,
        c.name() + ": " + c.builtin.args[i].name + " must be a number");
  return false;
}

/// A Bool argument (`true` or `false`), or the spec's default when absent.
bool Sema::flag(const Call &c, size_t i, bool &out) {
  out = c.builtin.args[i].dflt != 0;
  if (!c.args[i])
    return true;
  if (c.args[i]->kind != ast::Expr::Bool) {
    error(c.args[i]->loc,
          c.name() + ": " + c.builtin.args[i].name + " must be true or false");
    return false;
  }
  out = c.args[i]->boolean;
  return true;
}

/// Finds or creates the layer's weight (its init overridden by `initArg`)
/// and bias. Errors name the input x, whose shape decided the params'.
bool Sema::declare(Layer &l, const Call &c, Scope &scope, const Value &x,
                   const ast::Expr *initArg) {
  if (initArg && !init(*initArg, l.weightShape, l.weightInit))
    return false;
  std::string base = scope.paramPrefix + l.name;
  std::string what = l.kind + ": input " + formatType(x.type);
  l.weight =
      getParam(base + ".weight", l.weightShape, l.weightInit, c.e.loc, what);
  l.bias = l.hasBias ? getParam(base + ".bias", l.biasShape, l.biasInit,
                                c.e.loc, what)
                     : -1;
  return l.weight >= 0 && (!l.hasBias || l.bias >= 0);
}

/// The layer's summary row: its weights, biases and MACs per sample.
void Sema::layerRow(const Layer &l, Scope &scope, const Loc &loc,
                    const TensorType &out, int64_t macs) {
  addRow(scope, l.kind, loc, out, l.weight, l.bias, macs, l.name);
}

} // namespace nnc::sema
