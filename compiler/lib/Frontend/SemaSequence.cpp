//===- SemaSequence.cpp - Embeddings, attention, layer norm, tokens -------===//
//
// The builtins of sequence models. `embedding` is one node (its gradient is
// a scatter-add, nn.embedding_grad). The others are built from existing
// nodes, so their gradients come from those nodes' rules:
//   layer_norm(x)      (x - mean) / sqrt(var + eps) * weight + bias over the
//                      last axis (PyTorch's nn.LayerNorm(D))
//   attention(q, k, v) softmax(q k^T / sqrt(d) + masks) v, batched
//   multi_head_attention(x, heads, context=x)
//                      projections, heads split by reshape and permute,
//                      attention per head, an output projection
//   additive_attention(query, keys, units)
//                      Bahdanau: softmax(v^T tanh(q Wq + k Wk + b)) over the
//                      keys, then the weighted sum of the keys
// Masks: `mask` is f32 [B, S] (1 a real key, 0 padding, padding_mask(ids));
// a masked score gets -1e9 added before the max-subtracted softmax, so its
// weight is exactly 0 whenever a key is real, and no NaN arises when none
// is. `causal=true` masks key j > query i the same way.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// -1e9 where m is 0 (padding), 0 where it is 1: (m - 1) * 1e9.
static constexpr float kMasked = 1e9f;

/// ids must be i32 (token ids).
bool Sema::tokenIds(const Call &c, const Value &ids) {
  if (ids.type.elem == ElemType::I32 && !ids.type.dims.empty())
    return true;
  error(c.e.loc, c.name() +
                     ": ids must be i32 token ids (an i32 input such "
                     "as x: i32[B, T]), got " +
                     formatType(ids.type));
  return false;
}

/// embedding(ids, vocab, dim, init=normal(0, 1)): row ids of a table
/// `<Model>.embedding<k>.weight` [vocab, dim] (PyTorch's nn.Embedding).
Value Sema::embedding(const Call &c, Scope &scope) {
  Layer l{"embedding",
          "embedding" + std::to_string(++scope.layers["embedding"])};
  int64_t vocab = 0, dim = 0;
  bool ok = c.args[1] && integer(*c.args[1], "embedding: vocab", 1, vocab);
  ok &= c.args[2] && integer(*c.args[2], "embedding: dim", 1, dim);
  if (!c.valid() || !ok || !tokenIds(c, c.values[0]))
    return {};
  if (vocab > kMaxDim || dim > kMaxDim) {
    error(c.e.loc, "embedding: vocab and dim must be at most " +
                       std::to_string(kMaxDim));
    return {};
  }
  Value ids = c.values[0];
  l.weightShape = {vocab, dim};
  l.weightInit = Init{Init::Normal, 0, 1, {}};
  l.hasBias = false;
  if (!declare(l, c, scope, ids, c.args[3]))
    return {};
  TensorType t{ElemType::F32, ids.type.dims};
  t.dims.push_back(dim);
  Value v =
      add(OpKind::Embedding, {paramValue(l.weight).node, ids.node}, t, c.e.loc);
  layerRow(l, scope, c.e.loc, t, 0);
  return v;
}

/// shift_right(ids, start=1): [start, ids[:, 0 .. T-2]] for ids i32 [B, T],
/// the teacher-forced input of a decoder.
Value Sema::shiftRight(const Call &c, Scope &) {
  int64_t start = 1;
  bool ok = !c.args[1] || integer(*c.args[1], "shift_right: start", 0, start);
  if (!c.valid() || !ok || !tokenIds(c, c.values[0]))
    return {};
  Value ids = c.values[0];
  if (ids.type.dims.size() != 2) {
    error(c.e.loc,
          "shift_right: ids must be [B, T], got " + formatType(ids.type));
    return {};
  }
  return add(OpKind::ShiftRight, {ids.node}, ids.type, c.e.loc,
             {NodeAttr::i64("fill", start)});
}

/// padding_mask(ids, pad=0): f32 1 for real tokens, 0 for padding.
Value Sema::paddingMask(const Call &c, Scope &) {
  int64_t pad = 0;
  bool ok = !c.args[1] || integer(*c.args[1], "padding_mask: pad", 0, pad);
  if (!c.valid() || !ok || !tokenIds(c, c.values[0]))
    return {};
  Value ids = c.values[0];
  return add(OpKind::TokenMask, {ids.node},
             TensorType{ElemType::F32, ids.type.dims}, c.e.loc,
             {NodeAttr::i64("pad", pad)});
}

/// x reduced over its last axis, keeping it as 1 ([..., D] -> [..., 1]),
/// divided by D: the mean of each row.
Value Sema::rowMean(Value x, const Loc &l) {
  TensorType kept = x.type;
  double d = (double)kept.dims.back();
  kept.dims.back() = 1;
  Value s = add(OpKind::Unbroadcast, {x.node}, kept, l);
  return add(OpKind::Div, {s.node, constant((float)d, l).node}, kept, l);
}

/// layer_norm(x, eps=1e-5): over the last axis D, with weight (ones) and
/// bias (zeros) [D]: `<Model>.layer_norm<k>.weight`, `.bias`.
Value Sema::layerNorm(const Call &c, Scope &scope) {
  Layer l{"layer_norm",
          "layer_norm" + std::to_string(++scope.layers["layer_norm"])};
  double eps = 1e-5;
  bool ok = number(c, 1, eps);
  if (ok && !(eps > 0)) {
    error(c.args[1]->loc, "layer_norm: eps must be positive");
    ok = false;
  }
  if (!c.valid() || !ok)
    return {};
  Value x = c.values[0];
  if (x.type.elem != ElemType::F32 || x.type.dims.size() < 2 ||
      x.type.dims.back() == kBatch) {
    error(c.e.loc, "layer_norm: input must be f32 [B, ..., D], got " +
                       formatType(x.type));
    return {};
  }
  int64_t d = x.type.dims.back();
  l.weightShape = l.biasShape = {d};
  l.weightInit = Init{Init::Const, 1, 0, {}};
  l.biasInit = Init{Init::Zeros, 0, 0, {}};
  if (!declare(l, c, scope, x, nullptr))
    return {};
  const Loc &at = c.e.loc;
  Value centred = add(OpKind::Sub, {x.node, rowMean(x, at).node}, x.type, at);
  Value sq = add(OpKind::Mul, {centred.node, centred.node}, x.type, at);
  Value var = rowMean(sq, at);
  Value std = add(
      OpKind::Sqrt,
      {add(OpKind::Add, {var.node, constant((float)eps, at).node}, var.type, at)
           .node},
      var.type, at);
  Value v = add(OpKind::Div, {centred.node, std.node}, x.type, at);
  v = add(OpKind::Mul, {v.node, paramValue(l.weight).node}, x.type, at);
  v = add(OpKind::Add, {v.node, paramValue(l.bias).node}, x.type, at);
  // Summary: D weights (the scale), D biases, no MACs (as batch_norm).
  layerRow(l, scope, at, x.type, 0);
  return v;
}

/// The scores s [..., Tq, Tk] plus -1e9 where `mask` [B, Tk] is 0 and,
/// with `causal`, where key j > query i.
Value Sema::maskScores(Value s, const Value *mask, bool causal, const Loc &l) {
  size_t r = s.type.dims.size();
  int64_t tq = s.type.dims[r - 2], tk = s.type.dims[r - 1];
  if (mask) {
    // [B, Tk] -> [B, 1, ..., 1, Tk]: the same keys for every query (head).
    TensorType mt{ElemType::F32, {kBatch}};
    mt.dims.resize(r - 1, 1);
    mt.dims.push_back(tk);
    Value m = add(OpKind::Reshape, {mask->node}, mt, l);
    Value off = add(OpKind::Sub, {m.node, constant(1, l).node}, mt, l);
    off = add(OpKind::Mul, {off.node, constant(kMasked, l).node}, mt, l);
    s = add(OpKind::Add, {s.node, off.node}, s.type, l);
  }
  if (causal) {
    Value m = add(OpKind::Const, {}, TensorType{ElemType::F32, {tq, tk}}, l);
    std::vector<float> &v = graph->nodes[m.node].values;
    v.resize(tq * tk);
    for (int64_t i = 0; i < tq; ++i)
      for (int64_t j = 0; j < tk; ++j)
        v[i * tk + j] = j > i ? -kMasked : 0.0f;
    s = add(OpKind::Add, {s.node, m.node}, s.type, l);
  }
  return s;
}

/// softmax(q k^T / sqrt(d) + masks) v for q [B, ..., Tq, d], k [B, ...,
/// Tk, d], v [B, ..., Tk, dv] (the same leading dims): [B, ..., Tq, dv].
Value Sema::scaledAttention(Value q, Value k, Value v, const Value *mask,
                            bool causal, const Loc &l) {
  size_t r = q.type.dims.size();
  TensorType st = q.type;
  st.dims[r - 1] = k.type.dims[r - 2];
  Value s = add(OpKind::BatchMatMul, {q.node, k.node}, st, l,
                {NodeAttr::unit("transpose_b")});
  float scale = 1.0f / std::sqrt((float)q.type.dims.back());
  s = add(OpKind::Mul, {s.node, constant(scale, l).node}, st, l);
  s = maskScores(s, mask, causal, l);
  Value p = add(OpKind::Softmax, {s.node}, st, l);
  TensorType ot = q.type;
  ot.dims[r - 1] = v.type.dims[r - 1];
  return add(OpKind::BatchMatMul, {p.node, v.node}, ot, l);
}

/// The optional mask argument `i`: f32 [B, Tk]; null when absent.
bool Sema::attentionMask(const Call &c, size_t i, int64_t tk,
                         const Value *&mask) {
  mask = nullptr;
  if (!c.args[i])
    return true;
  const Value &m = c.values[i];
  TensorType want{ElemType::F32, {kBatch, tk}};
  if (!(m.type == want)) {
    error(c.args[i]->loc, c.name() + ": mask must be " + formatType(want) +
                              " (1 for a real key, 0 for padding: "
                              "padding_mask(ids)), got " +
                              formatType(m.type));
    return false;
  }
  mask = &m;
  return true;
}

/// attention(q, k, v, mask=, causal=false): scaled dot-product attention.
Value Sema::attention(const Call &c, Scope &scope) {
  bool causal = false;
  bool ok = flag(c, 4, causal);
  if (!c.valid() || !ok)
    return {};
  Value q = c.values[0], k = c.values[1], v = c.values[2];
  size_t r = q.type.dims.size();
  auto lead = [&](const Value &a) {
    return std::vector<int64_t>(a.type.dims.begin(), a.type.dims.end() - 2);
  };
  if (r < 3 || q.type.dims[0] != kBatch || k.type.dims.size() != r ||
      v.type.dims.size() != r || lead(q) != lead(k) || lead(q) != lead(v) ||
      q.type.dims[r - 1] != k.type.dims[r - 1] ||
      k.type.dims[r - 2] != v.type.dims[r - 2] ||
      q.type.elem != ElemType::F32 || k.type.elem != ElemType::F32 ||
      v.type.elem != ElemType::F32) {
    error(c.e.loc, "attention: expected q f32[B, ..., Tq, d], k [B, ..., Tk, "
                   "d] and v [B, ..., Tk, dv], got " +
                       formatType(q.type) + ", " + formatType(k.type) + ", " +
                       formatType(v.type));
    return {};
  }
  const Value *mask;
  if (!attentionMask(c, 3, k.type.dims[r - 2], mask))
    return {};
  Value out = scaledAttention(q, k, v, mask, causal, c.e.loc);
  int64_t tq = q.type.dims[r - 2], tk = k.type.dims[r - 2];
  addRow(scope, "attention", c.e.loc, out.type, -1, -1,
         product(lead(q)) * tq * tk *
             (q.type.dims[r - 1] + v.type.dims[r - 1]));
  return out;
}

/// x [B, T, d] @ W + b with a named weight [d, units] and bias: one of the
/// projections of an attention layer (`<name>.weight`, `.bias`).
Value Sema::projection(const Call &c, Scope &scope, const std::string &name,
                       Value x, int64_t units, bool bias,
                       std::vector<int> &weights, std::vector<int> &biases) {
  Layer l{c.name(), name};
  int64_t in = x.type.dims.back();
  l.weightShape = {in, units};
  l.biasShape = {units};
  l.weightInit = l.biasInit = pytorchDefault((double)in);
  l.hasBias = bias;
  if (!declare(l, c, scope, x, nullptr))
    return {};
  weights.push_back(l.weight);
  biases.push_back(l.bias);
  TensorType t = x.type;
  t.dims.back() = units;
  Value v =
      add(OpKind::MatMul, {x.node, paramValue(l.weight).node}, t, c.e.loc);
  if (bias)
    v = add(OpKind::Add, {v.node, paramValue(l.bias).node}, t, c.e.loc);
  return v;
}

/// multi_head_attention(x, heads, context=x, mask=, causal=false) for x
/// [B, Tq, d], context [B, Tk, d]: q = x Wq + bq, k = c Wk + bk, v = c Wv +
/// bv (each [d, d]), split into `heads` heads of d / heads, attention per
/// head, the heads concatenated and projected by Wo + bo. Params
/// `<Model>.mha<k>.{q,k,v,out}.{weight,bias}`.
Value Sema::multiHeadAttention(const Call &c, Scope &scope) {
  std::string name = "mha" + std::to_string(++scope.layers["mha"]);
  int64_t heads = 0;
  bool causal = false;
  bool ok = c.args[1] && integer(*c.args[1], c.name() + ": heads", 1, heads);
  ok &= flag(c, 4, causal);
  if (!c.valid() || !ok)
    return {};
  Value x = c.values[0];
  Value ctx = c.args[2] ? c.values[2] : x;
  const auto &xd = x.type.dims, &cd = ctx.type.dims;
  if (xd.size() != 3 || xd[0] != kBatch || cd.size() != 3 ||
      x.type.elem != ElemType::F32 || ctx.type.elem != ElemType::F32 ||
      cd[2] != xd[2]) {
    error(c.e.loc, c.name() +
                       ": expected x f32[B, Tq, d] and context f32[B, "
                       "Tk, d], got " +
                       formatType(x.type) + " and " + formatType(ctx.type));
    return {};
  }
  int64_t d = xd[2], tq = xd[1], tk = cd[1];
  if (d % heads != 0) {
    error(c.args[1]->loc,
          c.name() + ": d = " + std::to_string(d) +
              " is not a multiple of heads = " + std::to_string(heads));
    return {};
  }
  const Value *mask;
  if (!attentionMask(c, 3, tk, mask))
    return {};
  const Loc &l = c.e.loc;
  std::vector<int> ws, bs;
  Value q = projection(c, scope, name + ".q", x, d, true, ws, bs);
  Value k = projection(c, scope, name + ".k", ctx, d, true, ws, bs);
  Value v = projection(c, scope, name + ".v", ctx, d, true, ws, bs);
  if (!q.ok() || !k.ok() || !v.ok())
    return {};
  int64_t dh = d / heads;
  // [B, T, d] -> [B, T, H, dh] -> [B, H, T, dh]
  auto split = [&](Value a, int64_t t) {
    Value s = add(OpKind::Reshape, {a.node},
                  TensorType{ElemType::F32, {kBatch, t, heads, dh}}, l);
    return add(OpKind::Permute, {s.node},
               TensorType{ElemType::F32, {kBatch, heads, t, dh}}, l,
               {NodeAttr::array("perm", {0, 2, 1, 3})});
  };
  Value o = scaledAttention(split(q, tq), split(k, tk), split(v, tk), mask,
                            causal, l);
  o = add(OpKind::Permute, {o.node},
          TensorType{ElemType::F32, {kBatch, tq, heads, dh}}, l,
          {NodeAttr::array("perm", {0, 2, 1, 3})});
  o = add(OpKind::Reshape, {o.node}, x.type, l);
  Value out = projection(c, scope, name + ".out", o, d, true, ws, bs);
  if (!out.ok())
    return {};
  // Projections (Tq + 2 Tk + Tq) d^2, scores and context 2 Tq Tk d.
  addRow(scope, "multi_head_attention", l, out.type, ws, bs,
         (2 * tq + 2 * tk) * d * d + 2 * tq * tk * d, name);
  return out;
}

/// additive_attention(query, keys, units, mask=): Bahdanau attention.
/// query [B, dq] (one decoder step) or [B, Tq, dq], keys [B, S, dk]:
/// e = tanh(q Wq + (k Wk + b)) v over the S keys, a = softmax(e) (masked),
/// context = sum_s a_s k_s: [B, dk] or [B, Tq, dk]. Params
/// `<Model>.additive<k>.{query.weight, key.weight, key.bias, v.weight}`.
Value Sema::additiveAttention(const Call &c, Scope &scope) {
  std::string name = "additive" + std::to_string(++scope.layers["additive"]);
  int64_t units = 0;
  bool ok = c.args[2] && integer(*c.args[2], c.name() + ": units", 1, units);
  if (!c.valid() || !ok)
    return {};
  Value q = c.values[0], k = c.values[1];
  const auto &qd = q.type.dims, &kd = k.type.dims;
  bool step = qd.size() == 2;
  if ((qd.size() != 2 && qd.size() != 3) || qd[0] != kBatch || kd.size() != 3 ||
      kd[0] != kBatch || q.type.elem != ElemType::F32 ||
      k.type.elem != ElemType::F32) {
    error(c.e.loc, c.name() +
                       ": expected query f32[B, dq] (or [B, Tq, dq]) "
                       "and keys f32[B, S, dk], got " +
                       formatType(q.type) + " and " + formatType(k.type));
    return {};
  }
  int64_t s = kd[1], dk = kd[2], tq = step ? 1 : qd[1];
  const Value *mask;
  if (!attentionMask(c, 3, s, mask))
    return {};
  const Loc &l = c.e.loc;
  std::vector<int> ws, bs;
  Value qa = projection(c, scope, name + ".query", q, units, false, ws, bs);
  Value ka = projection(c, scope, name + ".key", k, units, true, ws, bs);
  if (!qa.ok() || !ka.ok())
    return {};
  // [B, Tq, 1, A] + [B, 1, S, A] -> tanh -> @ v [A, 1] -> [B, Tq, S]
  TensorType q4{ElemType::F32, {kBatch, tq, 1, units}};
  TensorType k4{ElemType::F32, {kBatch, 1, s, units}};
  TensorType e4{ElemType::F32, {kBatch, tq, s, units}};
  Value sum = add(OpKind::Add,
                  {add(OpKind::Reshape, {qa.node}, q4, l).node,
                   add(OpKind::Reshape, {ka.node}, k4, l).node},
                  e4, l);
  Value th = add(OpKind::Tanh, {sum.node}, e4, l);
  Value e = projection(c, scope, name + ".v", th, 1, false, ws, bs);
  if (!e.ok())
    return {};
  TensorType st{ElemType::F32, {kBatch, tq, s}};
  Value scores =
      maskScores(add(OpKind::Reshape, {e.node}, st, l), mask, false, l);
  Value a = add(OpKind::Softmax, {scores.node}, st, l);
  TensorType ct{ElemType::F32, {kBatch, tq, dk}};
  Value ctx = add(OpKind::BatchMatMul, {a.node, k.node}, ct, l);
  if (step)
    ctx = add(OpKind::Reshape, {ctx.node},
              TensorType{ElemType::F32, {kBatch, dk}}, l);
  addRow(scope, "additive_attention", l, ctx.type, ws, bs,
         tq * qd.back() * units + s * dk * units + tq * s * units + tq * s * dk,
         name);
  return ctx;
}

/// transpose(x, perm=[...]): x's dims reordered (result dim k is x's dim
/// perm[k]); without perm the last two are swapped. The batch dim stays
/// first.
Value Sema::transpose(const Call &c, Scope &) {
  if (!c.valid())
    return {};
  Value x = c.values[0];
  int64_t r = (int64_t)x.type.dims.size();
  std::vector<int64_t> perm;
  if (c.args[1] && !intList(*c.args[1], "transpose: perm", 0, perm))
    return {};
  if (!c.args[1]) {
    for (int64_t i = 0; i < r; ++i)
      perm.push_back(i);
    if (r >= 2)
      std::swap(perm[r - 1], perm[r - 2]);
  }
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool ok = r >= 2 && (int64_t)perm.size() == r;
  for (int64_t i = 0; ok && i < r; ++i)
    ok = sorted[i] == i;
  if (!ok || x.type.elem != ElemType::F32) {
    error(c.e.loc, "transpose: perm must list each of the " +
                       std::to_string(r) + " dims of f32 " +
                       formatType(x.type) + " once (rank >= 2)");
    return {};
  }
  if (x.type.dims[0] == kBatch && perm[0] != 0) {
    error(c.e.loc, "transpose: the batch dim B must stay first");
    return {};
  }
  TensorType t = x.type;
  for (int64_t k = 0; k < r; ++k)
    t.dims[k] = x.type.dims[perm[k]];
  return add(OpKind::Permute, {x.node}, t, c.e.loc,
             {NodeAttr::array("perm", perm)});
}

/// The ids each input of a loss graph can hold (0: x, 1: y), when the data
/// fixes them: tensors' literals, cmudict's letters and phones, words'
/// vocabulary. Returns the bound (ids < bound), or 0 when unknown.
static int64_t idBound(const Dataset &ds, int input, const Loc &at,
                       Diagnostics &diags) {
  switch (ds.kind) {
  case Dataset::Tensors: {
    const std::vector<float> &v = input == 0 ? ds.x : ds.y;
    double max = -1;
    for (float f : v) {
      if (f < 0 || f != std::floor(f)) {
        diags.error(at, std::string("tensors: ") + (input ? "y" : "x") +
                            " holds token ids here, but has " +
                            std::to_string(f) + " (ids are integers >= 0)");
        return 0;
      }
      max = std::max(max, (double)f);
    }
    return (int64_t)max + 1;
  }
  case Dataset::Cmudict:
    return input == 0 ? 27 : 43;
  case Dataset::Words:
    return ds.vocab;
  default:
    return 0;
  }
}

void Sema::checkTokenIds(const Program &p) {
  const Graph &g = p.loss;
  for (const Node &n : g.nodes) {
    if (n.op != OpKind::Embedding)
      continue;
    const Node *ids = &g.nodes[n.operands[1]];
    if (ids->op == OpKind::ShiftRight)
      ids = &g.nodes[ids->operands[0]];
    if (ids->op != OpKind::Input || ids->index > 1)
      continue;
    int64_t vocab = p.params[g.nodes[n.operands[0]].index].shape[0];
    int64_t bound = idBound(p.train.data, ids->index, n.loc, diags);
    if (bound > vocab)
      error(n.loc, "embedding: vocab " + std::to_string(vocab) +
                       " is smaller than the ids the data gives " +
                       (ids->index ? "y" : "x") + " (up to " +
                       std::to_string(bound - 1) + ")");
  }
}

} // namespace nnc::sema
