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
//
// This file: types, compile-time numbers, initialisers and the entry point;
// the rest of Sema is in Sema*.cpp (see Sema.h), the builtins' registry in
// SemaBuiltins.cpp.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

#include <sstream>

using namespace nnc;

std::string nnc::formatType(const TensorType &type) {
  std::string s = type.elem == ElemType::F32 ? "f32[" : "i32[";
  for (size_t i = 0; i < type.dims.size(); ++i)
    s += (i ? "," : "") +
         (type.dims[i] == kBatch ? "B" : std::to_string(type.dims[i]));
  return s + "]";
}

namespace nnc::sema {

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
    } else if (d.symbol == "T") {
      ok &= knowSeqLen(d.loc);
      out.dims.push_back(std::max<int64_t>(seqLen, 1));
    } else if (!d.symbol.empty()) {
      error(d.loc, "unknown dimension '" + d.symbol +
                       "' (B is the batch, T the sequence length)");
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

bool Sema::knowSeqLen(const Loc &loc) {
  if (seqLen > 0)
    return true;
  error(loc, "the sequence length T is unknown: give it with --seq-len N (or "
             "train on data that fixes it, such as text(file, seq_len=N))");
  return false;
}

bool Sema::unknownSeqLen(const ast::Expr &dim) {
  return dim.kind == ast::Expr::Name && dim.text == "T" &&
         !(constScope &&
           (constScope->names.count("T") || constScope->consts.count("T"))) &&
         !knowSeqLen(dim.loc);
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
    if (it == constScope->consts.end()) {
      // T, the sequence length, unless a name hides it.
      if (e.text != "T" || constScope->names.count(e.text) || seqLen <= 0)
        return false;
      out = (double)seqLen;
      return true;
    }
    note(e.loc, e.text, it->second);
    if (it->second.list)
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
    note(e.loc, e.text, constScope->consts.at(e.text));
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
  const Builtin *b = e.kind == ast::Expr::Call ? findBuiltin(e.text) : nullptr;
  if (!b || b->kind != BuiltinKind::Init) {
    error(e.loc, "expected an initializer: a tensor literal, zeros(), "
                 "constant(v), uniform(lo, hi), normal(mean, std), "
                 "xavier_uniform(), xavier_normal(), glorot_uniform(), "
                 "glorot_normal(), he_uniform() or he_normal()");
    return false;
  }
  if (findBuiltin(e.text + "(shape)") && randomTensorCall(e)) {
    const char *args = e.text == "normal" ? "mean, std" : "lo, hi";
    error(e.loc, "'" + e.text +
                     "' with a shape is a tensor of random draws, "
                     "not an initializer: as init= use " +
                     e.text + "(" + args + ")");
    return false;
  }
  double fanIn, fanOut;
  fans(shape, fanIn, fanOut);
  const std::string &f = b->name;
  const std::vector<ArgSpec> &spec = b->args;
  auto args = bindArgs(e, spec);
  if (f == "zeros") { // zeros(shape) is a tensor, not an initialiser
    if (args[0])
      error(args[0]->loc, "'zeros' as an initializer takes no shape (it has "
                          "the shape of what it initializes): zeros()");
    out.kind = Init::Zeros;
    return !args[0];
  }
  std::vector<double> nums(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i])
      return false;
    if (!number(*args[i], nums[i])) {
      error(args[i]->loc,
            "'" + e.text + "': " + spec[i].name + " must be a number");
      return false;
    }
  }
  if (f == "constant") {
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
  } else if (f == "xavier_uniform") {
    double a = std::sqrt(6.0 / (fanIn + fanOut));
    out = Init{Init::Uniform, -a, a, {}};
  } else if (f == "xavier_normal") {
    out = Init{Init::Normal, 0, std::sqrt(2.0 / (fanIn + fanOut)), {}};
  } else if (f == "he_uniform") {
    double a = std::sqrt(6.0 / fanIn);
    out = Init{Init::Uniform, -a, a, {}};
  } else if (f == "he_normal") {
    out = Init{Init::Normal, 0, std::sqrt(2.0 / fanIn), {}};
  } else {
    error(e.loc, "internal error: initializer '" + f + "' has no rule");
    return false;
  }
  return true;
}

void Sema::note(const Loc &loc, const std::string &name, const Value &v) {
  if (!names || !v.ok() || loc.line <= 0)
    return;
  std::string type = formatType(v.type);
  if (namesSeen.insert({loc.file, loc.line, loc.col, type}).second)
    names->push_back({loc, name, type});
}

void Sema::note(const Loc &loc, const std::string &name, const Const &c) {
  if (!names || loc.line <= 0)
    return;
  std::string text;
  for (double d : c.values) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", d);
    text += (text.empty() ? "" : ", ") + std::string(buf);
  }
  std::string type = c.list ? "= [" + text + "]" : "= " + text;
  if (namesSeen.insert({loc.file, loc.line, loc.col, type}).second)
    names->push_back({loc, name, type});
}

} // namespace nnc::sema

/// Program::step: the trained model analysed again with T = 1, for a model
/// whose stateful layers carry their state from batch to batch (`sample` runs
/// it one character at a time). Its parameters must be the same.
static void analyzeStep(const ast::Module &module, Program &prog,
                        Diagnostics &diags) {
  std::ostringstream messages;
  Diagnostics quiet(messages);
  Program one;
  sema::Sema(module, quiet, 1, /*forwardOnly=*/true).run(one);
  auto sameDecls = [](const std::vector<Param> &a,
                      const std::vector<Param> &b) {
    if (a.size() != b.size())
      return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].name != b[i].name || a[i].shape != b[i].shape)
        return false;
    return true;
  };
  const auto &in = one.input.dims;
  if (quiet.errorCount() || in.size() < 2 || in[1] != 1 ||
      !sameDecls(one.params, prog.params) ||
      !sameDecls(one.buffers, prog.buffers)) {
    diags.error(prog.modelLoc,
                "model '" + prog.modelName +
                    "' has stateful layers, so it must also run one step at a "
                    "time: with its input " +
                    formatType(prog.input) +
                    " written [B, T, ...] and T = 1 it must have the same "
                    "parameters" +
                    (quiet.errorCount() ? ", but T = 1 gives an error" : ""));
    return;
  }
  prog.step = std::move(one.forward);
  prog.stepInput = one.input;
}

/// Program::decode's step: the decoder analysed again with T = 1, its
/// parameters mapped by name to the program's (they must exist with the same
/// shapes).
static void analyzeDecodeStep(const ast::Module &module, Program &prog,
                              Diagnostics &diags) {
  Decode &d = prog.decode;
  std::ostringstream messages;
  Diagnostics quiet(messages);
  Program one;
  sema::Sema(module, quiet, 1, /*forwardOnly=*/true, d.decoder).run(one);
  std::string why = quiet.errorCount() ? "T = 1 gives an error" : "";
  std::map<std::string, int> index;
  for (size_t i = 0; i < prog.params.size(); ++i)
    index[prog.params[i].name] = (int)i;
  std::vector<int> map(one.params.size(), -1);
  for (size_t i = 0; i < one.params.size() && why.empty(); ++i) {
    auto it = index.find(one.params[i].name);
    if (it == index.end() ||
        prog.params[it->second].shape != one.params[i].shape)
      why = "parameter '" + one.params[i].name + "' differs";
    else
      map[i] = it->second;
  }
  if (why.empty() && (!one.buffers.empty() ||
                      one.forward.results.size() != 1 + (size_t)d.numStates))
    why = "it has buffers or other results";
  if (!why.empty()) {
    diags.error(d.loc, "decode: the decoder '" + d.decoder +
                           "' must also run one step at a time, with its "
                           "tokens i32[B, T] at T = 1 and the same "
                           "parameters, but " +
                           why + (messages.str().empty() ? "" : ":\n") +
                           messages.str());
    return;
  }
  std::function<void(Graph &)> remap = [&](Graph &g) {
    for (Node &n : g.nodes) {
      if (n.op == OpKind::Param)
        n.index = map[n.index];
      for (Graph &body : n.regions)
        remap(body);
    }
  };
  remap(one.forward);
  // cmudict's phones: pad, <s>, </s> and 40 phones (runtime/Dict.h).
  const Node &logits = one.forward.nodes[one.forward.results[0]];
  if (prog.train.data.kind == Dataset::Cmudict &&
      logits.type.dims.back() < 43) {
    diags.error(d.loc, "decode: cmudict has 43 phone classes (pad, <s>, </s> "
                       "and 40 phones), but the decoder gives " +
                           std::to_string(logits.type.dims.back()) + " logits");
    return;
  }
  d.step = std::move(one.forward);
}

bool nnc::analyze(const ast::Module &module, Program &prog, Diagnostics &diags,
                  int64_t seqLen, std::vector<NameInfo> *names) {
  int before = diags.errorCount();
  sema::Sema sema(module, diags, seqLen);
  sema.recordNames(names);
  sema.run(prog);
  bool carried = false;
  for (const Param &r : prog.buffers)
    carried |= r.carried;
  if (carried && diags.errorCount() == before)
    analyzeStep(module, prog, diags);
  if (prog.decode.present && diags.errorCount() == before)
    analyzeDecodeStep(module, prog, diags);
  return diags.errorCount() == before;
}

bool nnc::analyzeModel(const ast::Module &module, const std::string &model,
                       Program &prog, Diagnostics &diags, int64_t seqLen) {
  const ast::File &main = *module.files[0];
  std::string names;
  for (const ast::Model &m : main.models) {
    if (m.isBlock)
      continue;
    if (m.name == model) {
      int before = diags.errorCount();
      sema::Sema(module, diags, seqLen, /*forwardOnly=*/true, model).run(prog);
      return diags.errorCount() == before;
    }
    names += (names.empty() ? "" : ", ") + m.name;
  }
  // The name comes from the command line (--model), not from the file.
  diags.error("no model '" + model + "' in this file (its models: " + names +
              ")");
  return false;
}
