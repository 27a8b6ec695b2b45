//===- SemaRecurrent.cpp - rnn, lstm and gru ------------------------------===//
//
// The recurrent layers, each one Scan node (Program.h) built here with the
// cell as its body, in PyTorch's layout and gate order so that weights
// compare one to one with nn.RNN/LSTM/GRU: weight_ih_l0 [G H, I],
// weight_hh_l0 [G H, H], bias_ih_l0 and bias_hh_l0 [G H] (G = 1, 4, 3),
// `_reverse` for the backward direction of a bidirectional layer, all
// ~ U(-1/sqrt(H), 1/sqrt(H)). With x_t [B, I] and h [B, H]:
//   rnn:  h' = tanh(x_t Wih^T + bih + h Whh^T + bhh)   (or relu, sigmoid)
//   lstm: i, f, g, o = split(x_t Wih^T + bih + h Whh^T + bhh)
//         c' = sigmoid(f) c + sigmoid(i) tanh(g),  h' = sigmoid(o) tanh(c')
//   gru:  r_i, z_i, n_i = split(x_t Wih^T + bih); r_h, z_h, n_h = split(h Whh^T
//   + bhh)
//         r = sigmoid(r_i + r_h), z = sigmoid(z_i + z_h)
//         n = tanh(n_i + r n_h),  h' = n + z (h - n)   (= (1 - z) n + z h)
// The layer returns the last h [B, H] (a bidirectional one: both directions'
// last states, [B, 2H]), or with return_sequences=true every step's h
// [B, T, H] ([B, T, 2H]). nn-scan-hoist-projections then computes x Wih^T
// for all steps as one GEMM before the loop.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

namespace {
/// Gates per cell: rnn 1, lstm 4, gru 3; states: lstm 2 (h, c), others 1.
int gates(const std::string &kind) {
  return kind == "lstm" ? 4 : kind == "gru" ? 3 : 1;
}
} // namespace

std::vector<Value> Sema::scanNode(const Loc &loc,
                                  const std::vector<Value> &seqs,
                                  const std::vector<Value> &inits,
                                  std::vector<std::string> stateNames,
                                  bool reverse, int64_t length,
                                  const StepFn &step) {
  Graph body;
  enterBody(body);
  auto input = [&](int i, const TensorType &type) {
    Value v = add(OpKind::Input, {}, type, loc);
    body.nodes[v.node].index = i;
    return v;
  };
  Value t = input(0, TensorType{ElemType::F32, {}});
  std::vector<Value> slices, states;
  for (const Value &s : seqs) {
    TensorType slice = s.type;
    slice.dims.erase(slice.dims.begin() + 1);
    slices.push_back(input(1 + (int)slices.size(), slice));
  }
  for (const Value &h : inits)
    states.push_back(input(1 + (int)(seqs.size() + states.size()), h.type));
  std::vector<Value> outs = step(t, slices, states);
  std::vector<TensorType> types;
  size_t numOut = outs.size() - inits.size();
  for (size_t k = 0; k < outs.size(); ++k) {
    body.results.push_back(outs[k].node);
    TensorType type = outs[k].type;
    if (k < numOut)
      type.dims.insert(type.dims.begin() + 1, length);
    types.push_back(type);
  }
  leaveBody();
  return scanResults(loc, seqs, inits, std::move(stateNames), reverse, length,
                     std::move(body), types);
}

std::vector<Value> Sema::split(Value x, int parts, const Loc &loc) {
  Node n;
  n.op = OpKind::Split;
  n.operands = {x.node};
  TensorType part = x.type;
  part.dims.back() /= parts;
  n.type = part;
  n.loc = loc;
  int64_t axis = (int64_t)x.type.dims.size() - 1;
  n.attrs = {NodeAttr::i64("axis", axis)};
  n.resultTypes.assign(parts, part);
  int node = addNode(std::move(n));
  std::vector<Value> results;
  for (int k = 0; k < parts; ++k) {
    Value r = add(OpKind::Result, {node}, part, loc);
    graph->nodes[r.node].index = k;
    results.push_back(r);
  }
  return results;
}

/// rnn / lstm / gru(x, units, return_sequences=false, bidirectional=false,
/// reverse=false, stateful=false, h0=, c0=, activation=tanh). A stateful
/// layer starts from carried buffers "<layer>.h0" (and ".c0") [B, H] and
/// leaves its final states in them (Param::carried): truncated BPTT across
/// the batches of a stream.
Value Sema::recurrent(const Call &c, Scope &scope) {
  const std::string kind = c.builtin.name;
  const Loc &loc = c.e.loc;
  const auto &args = c.args;
  Value x = c.values[0];
  int k = ++scope.layers[kind];
  int64_t units = 0;
  bool ok = args[1] && integer(*args[1], kind + ": units", 1, units);
  if (ok && units > kMaxDim / 4) {
    error(args[1]->loc,
          kind + ": units must be at most " + std::to_string(kMaxDim / 4));
    ok = false;
  }
  bool sequences = false, bidirectional = false, reverse = false,
       stateful = false;
  ok &= flag(c, 2, sequences) && flag(c, 3, bidirectional) &&
        flag(c, 4, reverse) && flag(c, 5, stateful);
  OpKind activation = OpKind::Tanh;
  if (const ast::Expr *act = c.arg("activation")) {
    const ast::Expr &a = *act;
    if (a.kind == ast::Expr::Name &&
        (a.text == "tanh" || a.text == "relu" || a.text == "sigmoid")) {
      activation = a.text == "relu"      ? OpKind::Relu
                   : a.text == "sigmoid" ? OpKind::Sigmoid
                                         : OpKind::Tanh;
    } else {
      error(a.loc, "rnn: activation must be tanh, relu or sigmoid");
      ok = false;
    }
  }
  if (!c.valid() || !ok)
    return {};
  const auto &d = x.type.dims;
  if (x.type.elem != ElemType::F32 || d.size() != 3 || d[0] != kBatch ||
      d[1] == kBatch || d[2] == kBatch) {
    error(loc, kind + ": input must be an f32 sequence [B, T, features], got " +
                   formatType(x.type));
    return {};
  }
  int64_t length = d[1], in = d[2], g = gates(kind);
  TensorType state{ElemType::F32, {kBatch, units}};
  std::string layer = kind + std::to_string(k);
  if (stateful && (bidirectional || level() > 0)) {
    error(args[5]->loc,
          kind + ": stateful=true carries the last state to the next batch; " +
              (bidirectional ? "a bidirectional layer has no such state"
                             : "inside a scan, carry it as a scan state"));
    return {};
  }
  // Initial states: given (h0=, c0=, one direction only), the carried
  // buffers (stateful) or zeros.
  std::vector<Value> inits;
  std::vector<int> carried;
  auto initial = [&](const char *name) -> Value {
    size_t arg = 0;
    if (c.arg(name, &arg)) {
      if (stateful) {
        error(args[arg]->loc, kind + ": " + name +
                                  " cannot be given to a stateful layer, "
                                  "which starts from its carried state");
        return {};
      }
      Value v = c.values[arg];
      if (bidirectional) {
        error(args[arg]->loc, kind + ": " + name +
                                  " is for one direction; a bidirectional "
                                  "layer starts from zeros");
        return {};
      }
      if (!(v.type == state)) {
        error(args[arg]->loc, kind + ": " + name + " must be " +
                                  formatType(state) + ", got " +
                                  formatType(v.type));
        return {};
      }
      return v;
    }
    if (stateful) {
      // "lstm1.h0": the state the next batch starts from.
      int r = getParam(scope.paramPrefix + layer + "." + name, state.dims,
                       Init{}, loc, kind + ": state", /*buffer=*/true);
      if (r < 0)
        return {};
      prog->buffers[r].carried = true;
      carried.push_back(r);
      return bufferValue(r);
    }
    Value z = add(OpKind::Const, {}, state, loc);
    graph->nodes[z.node].values = {0.0f};
    return z;
  };
  inits.push_back(initial("h0"));
  if (kind == "lstm")
    inits.push_back(initial("c0"));
  for (const Value &v : inits)
    if (!v.ok())
      return {};

  // One direction: its four params and its scan; returns (hs, h_T) and
  // sets `last` to the final states.
  std::vector<int> weights, biases;
  std::vector<Value> last;
  auto direction = [&](const std::string &suffix,
                       bool backwards) -> std::pair<Value, Value> {
    std::string base = scope.paramPrefix + layer + ".";
    std::string what = kind + ": input " + formatType(x.type);
    Init init = pytorchDefault((double)units);
    int wih = getParam(base + "weight_ih_l0" + suffix, {g * units, in}, init,
                       loc, what);
    int whh = getParam(base + "weight_hh_l0" + suffix, {g * units, units}, init,
                       loc, what);
    int bih =
        getParam(base + "bias_ih_l0" + suffix, {g * units}, init, loc, what);
    int bhh =
        getParam(base + "bias_hh_l0" + suffix, {g * units}, init, loc, what);
    if (wih < 0 || whh < 0 || bih < 0 || bhh < 0)
      return {};
    weights.insert(weights.end(), {wih, whh});
    biases.insert(biases.end(), {bih, bhh});
    auto step = [&](Value, const std::vector<Value> &xt,
                    const std::vector<Value> &hs) -> std::vector<Value> {
      TensorType gate{ElemType::F32, {kBatch, g * units}};
      auto mm = [&](Value a, int w) {
        return add(OpKind::MatMul, {a.node, paramValue(w).node}, gate, loc,
                   {NodeAttr::unit("transpose_b")});
      };
      auto op = [&](OpKind o, Value a, Value b) {
        return add(o, {a.node, b.node}, state, loc);
      };
      auto fn = [&](OpKind o, Value a) { return add(o, {a.node}, state, loc); };
      Value xi = add(OpKind::Add, {mm(xt[0], wih).node, paramValue(bih).node},
                     gate, loc);
      Value hh = add(OpKind::Add, {mm(hs[0], whh).node, paramValue(bhh).node},
                     gate, loc);
      if (kind == "rnn") {
        Value h =
            fn(activation, add(OpKind::Add, {xi.node, hh.node}, gate, loc));
        return {h, h};
      }
      if (kind == "lstm") {
        std::vector<Value> z =
            split(add(OpKind::Add, {xi.node, hh.node}, gate, loc), 4, loc);
        Value cNew = op(
            OpKind::Add, op(OpKind::Mul, fn(OpKind::Sigmoid, z[1]), hs[1]),
            op(OpKind::Mul, fn(OpKind::Sigmoid, z[0]), fn(OpKind::Tanh, z[2])));
        Value h =
            op(OpKind::Mul, fn(OpKind::Sigmoid, z[3]), fn(OpKind::Tanh, cNew));
        return {h, h, cNew};
      }
      std::vector<Value> a = split(xi, 3, loc), b = split(hh, 3, loc);
      Value r = fn(OpKind::Sigmoid, op(OpKind::Add, a[0], b[0]));
      Value z = fn(OpKind::Sigmoid, op(OpKind::Add, a[1], b[1]));
      Value n =
          fn(OpKind::Tanh, op(OpKind::Add, a[2], op(OpKind::Mul, r, b[2])));
      Value h =
          op(OpKind::Add, n, op(OpKind::Mul, z, op(OpKind::Sub, hs[0], n)));
      return {h, h};
    };
    // States labelled "Lstm.lstm1.h", "Lstm.lstm1.c" (+ "_reverse").
    std::vector<std::string> names = {base + "h" + suffix};
    if (kind == "lstm")
      names.push_back(base + "c" + suffix);
    std::vector<Value> r =
        scanNode(loc, {x}, inits, std::move(names), backwards, length, step);
    last.assign(r.begin() + 1, r.end());
    return {r[0], r[1]};
  };
  auto [hs, h] = direction("", reverse);
  if (!hs.ok())
    return {};
  std::vector<Value> finals = last; // h (and c) after the last step
  for (size_t i = 0; i < carried.size(); ++i)
    bufferNodes[carried[i]] = last[i].node;
  if (bidirectional) {
    auto [rhs, rh] = direction("_reverse", !reverse);
    if (!rhs.ok())
      return {};
    TensorType seq{ElemType::F32, {kBatch, length, 2 * units}};
    hs = add(OpKind::Concat, {hs.node, rhs.node}, seq, loc,
             {NodeAttr::i64("axis", 2)});
    h = add(OpKind::Concat, {h.node, rh.node},
            TensorType{ElemType::F32, {kBatch, 2 * units}}, loc,
            {NodeAttr::i64("axis", 1)});
    for (size_t i = 0; i < finals.size(); ++i)
      finals[i] = add(OpKind::Concat, {finals[i].node, last[i].node},
                      TensorType{ElemType::F32, {kBatch, 2 * units}}, loc,
                      {NodeAttr::i64("axis", 1)});
  }
  Value out = sequences ? hs : h;
  // `hs, h, c = lstm(...)`: the final states too (both directions' side by
  // side), as PyTorch's (h_n, c_n).
  if (wantStates) {
    if (wantStates != finals.size()) {
      error(c.e.loc, std::to_string(1 + wantStates) + " names for " + kind +
                         ", which gives its output and " +
                         std::to_string(finals.size()) + " final state" +
                         (finals.size() == 1 ? "" : "s"));
      wantStates = 0;
      return {};
    }
    wantStates = 0;
    moreResults = finals;
  }
  // Summary: every step's input and recurrent products, both directions.
  int64_t dirs = bidirectional ? 2 : 1;
  addRow(scope, kind, loc, out.type, weights, biases,
         dirs * length * g * units * (in + units), layer);
  return out;
}

} // namespace nnc::sema
