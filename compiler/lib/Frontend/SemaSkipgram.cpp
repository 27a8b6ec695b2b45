//===- SemaSkipgram.cpp - Skip-gram: word pairs and negative sampling -----===//
//
// `words(file, vocab=V, window=5, negatives=5, min_count=5,
// subsample=1e-4)` gives skip-gram pairs of a text corpus (runtime/Words.h):
// x the centre words i32[B], y the context word then K negatives i32[B,
// 1 + K] (K = 0: y is the context i32[B], for a full softmax over the
// vocabulary with cross_entropy). `negative_sampling(v, u)` is word2vec's
// loss for them, built from existing nodes:
//   l_b = softplus(-u_b0 . v_b) + sum_k softplus(u_bk . v_b)
// (= -log sigmoid(u0 . v) - sum_k log sigmoid(-uk . v)), weighted mean over
// samples.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// Graph input 2 of a loss graph: the sample weights w [B].
constexpr int kWeightNode = 2;

bool Sema::wordsData(const ast::Expr &d, Program &p) {
  auto args = bindArgs(d, findBuiltin(d.text)->args);
  Dataset &ds = p.train.data;
  ds.kind = Dataset::Words;
  if (!dataFile(d, args[0], "/usr/share/games/fortunes", ds.file))
    return false;
  bool ok = args[1] && integer(*args[1], "words: vocab", 2, ds.vocab);
  if (args[2])
    ok &= integer(*args[2], "words: window", 1, ds.window);
  if (args[3])
    ok &= integer(*args[3], "words: negatives", 0, ds.negatives);
  if (args[4])
    ok &= integer(*args[4], "words: min_count", 1, ds.minCount);
  if (args[5] && (!number(*args[5], ds.subsample) || ds.subsample < 0)) {
    error(args[5]->loc, "words: subsample must be a non-negative number");
    ok = false;
  }
  if (!ok)
    return false;
  if (!(p.input == TensorType{ElemType::I32, {kBatch}})) {
    error(d.loc, "words gives centre words as ids i32[B], but the model "
                 "input is " +
                     formatType(p.input));
    return false;
  }
  p.target = ds.negatives > 0
                 ? TensorType{ElemType::I32, {kBatch, 1 + ds.negatives}}
                 : TensorType{ElemType::I32, {kBatch}};
  return true;
}

/// negative_sampling(v [B, D], u [B, 1 + K, D]).
Value Sema::negativeSampling(const Call &c, Scope &) {
  if (!c.valid())
    return {};
  Value v = c.values[0], u = c.values[1];
  const auto &vd = v.type.dims, &ud = u.type.dims;
  if (vd.size() != 2 || vd[0] != kBatch || ud.size() != 3 || ud[0] != kBatch ||
      ud[2] != vd[1] || ud[1] < 2 || v.type.elem != ElemType::F32 ||
      u.type.elem != ElemType::F32) {
    error(c.e.loc, "negative_sampling: expected centre vectors f32[B, D] and "
                   "the context's and negatives' vectors f32[B, 1 + K, D], "
                   "got " +
                       formatType(v.type) + " and " + formatType(u.type));
    return {};
  }
  const Loc &l = c.e.loc;
  int64_t n = ud[1], dim = vd[1];
  TensorType col{ElemType::F32, {kBatch, dim, 1}};
  TensorType s3{ElemType::F32, {kBatch, n, 1}}, s2{ElemType::F32, {kBatch, n}};
  Value vc = add(OpKind::Reshape, {v.node}, col, l);
  Value s = add(OpKind::BatchMatMul, {u.node, vc.node}, s3, l);
  s = add(OpKind::Reshape, {s.node}, s2, l);
  // softplus(-s) for the context, softplus(s) for the negatives.
  Value sign = add(OpKind::Const, {}, TensorType{ElemType::F32, {n}}, l);
  std::vector<float> &sv = graph->nodes[sign.node].values;
  sv.assign(n, 1.0f);
  sv[0] = -1.0f;
  Value t = add(OpKind::Softplus,
                {add(OpKind::Mul, {s.node, sign.node}, s2, l).node}, s2, l);
  TensorType kept{ElemType::F32, {kBatch, 1}};
  Value per =
      add(OpKind::Reshape, {add(OpKind::Unbroadcast, {t.node}, kept, l).node},
          TensorType{ElemType::F32, {kBatch}}, l);
  return add(OpKind::WeightedMean, {per.node, kWeightNode},
             TensorType{ElemType::F32, {}}, l);
}

} // namespace nnc::sema
