//===- SemaDecode.cpp - Decoding by the binary: greedy and beam search ----===//
//
// `decode = greedy(Enc, Dec, start=1, end=2, max_len=T)` or `beam(Enc, Dec,
// ..., width=4, length_penalty=1.0)` in a train section. The binary decodes
// with two compiled functions (docs/internals.md, "Decoding"):
//   @decode_init(P, R, x, hyper) -> Enc(x)'s results (the decoder's context
//     and initial states)
//   @decode_step(P, R, token [B, 1], context..., states..., hyper)
//     -> (logits [B, 1, V], new states...): Dec at T = 1
// Dec(tokens: i32[B, T], c1, ..., cn) -> (logits f32[B, T, V], s1', ...,
// sk'): its arguments after the tokens are Enc's results in order, and its
// results after the logits are the new values of its last k arguments (the
// states; the others are read-only context such as the encoder's outputs
// and the padding mask). The same Dec, trained with teacher forcing over T
// steps, runs one step at a time here: the step graph is Dec analysed again
// with T = 1 (nnc::analyze, Sema.cpp), with the same parameters.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// cmudict's letters: 0 pad, 'a'..'z' 1..26 (runtime/Dict.h).
constexpr int64_t kLetterClasses = 27;

void Sema::decodeSetting(const ast::Expr &e, Program &p) {
  Decode &d = p.decode;
  d.loc = e.loc;
  bool beam = e.kind == ast::Expr::Call && e.text == "beam";
  if (e.kind != ast::Expr::Call || (e.text != "greedy" && !beam)) {
    error(e.loc, "decode: expected greedy(Encoder, Decoder, start=1, end=2, "
                 "max_len=N) or beam(..., width=4, length_penalty=1.0)");
    return;
  }
  std::vector<ArgSpec> spec = {{"encoder", ArgSpec::Text},
                               {"decoder", ArgSpec::Text},
                               {"start", ArgSpec::Int},
                               {"end", ArgSpec::Int},
                               {"max_len", ArgSpec::Int, false}};
  if (beam) {
    spec.push_back({"width", ArgSpec::Int, false});
    spec.push_back({"length_penalty", ArgSpec::Number, false});
  }
  auto args = bindArgs(e, spec);
  const ast::Model *models2[2] = {nullptr, nullptr};
  for (int i = 0; i < 2; ++i) {
    if (!args[i])
      return;
    auto it = models.find(args[i]->text);
    if (args[i]->kind != ast::Expr::Name || it == models.end() ||
        it->second->isBlock) {
      error(args[i]->loc,
            std::string("decode: ") + spec[i].name + " must be a model's name");
      return;
    }
    models2[i] = it->second;
  }
  const ast::Model &enc = *models2[0], &dec = *models2[1];
  d.encoder = enc.name;
  d.decoder = dec.name;
  bool ok = args[2] && integer(*args[2], "decode: start", 0, d.start);
  ok &= args[3] && integer(*args[3], "decode: end", 0, d.end);
  d.maxLen = seqLen;
  if (args[4])
    ok &= integer(*args[4], "decode: max_len", 1, d.maxLen);
  if (beam && args[5])
    ok &= integer(*args[5], "decode: width", 1, d.beam);
  if (beam && args[6] && !number(*args[6], d.lengthPenalty)) {
    error(args[6]->loc, "decode: length_penalty must be a number");
    ok = false;
  }
  if (!ok)
    return;
  if (d.maxLen <= 0) {
    error(e.loc, "decode: give max_len (the longest output, in tokens)");
    return;
  }
  if (beam && d.beam > p.train.batch) {
    error(args[5]->loc, "decode: width " + std::to_string(d.beam) +
                            " is more than the batch (" +
                            std::to_string(p.train.batch) +
                            "), the rows a step decodes at once");
    return;
  }

  // The encoder: x in, its results out (eval mode).
  if (enc.args.size() != 1) {
    error(enc.loc,
          "decode: the encoder '" + enc.name + "' must take one input, x");
    return;
  }
  prog = &p;
  graph = &d.init;
  paramNodes.clear();
  bufferNodes.clear();
  trainMode = false;
  nextSalt = 0;
  hyperLeaf = -1;
  inLoss = false;
  Value x = add(OpKind::Input, {}, p.input, enc.args[0].loc);
  graph->nodes[x.node].index = 0;
  moreResults.clear();
  wantResults = 1 + enc.moreResults.size();
  Value out = inlineModel(enc, {{x, std::nullopt}}, e.loc, nullptr);
  wantResults = 0;
  if (!out.ok())
    return;
  std::vector<Value> carried = {out};
  carried.insert(carried.end(), moreResults.begin(), moreResults.end());
  for (const Value &v : carried) {
    d.init.results.push_back(v.node);
    d.carriedTypes.push_back(v.type);
  }

  // The decoder: tokens i32[B, T], then Enc's results.
  std::string want = "i32[B, T]";
  for (const TensorType &t : d.carriedTypes)
    want += ", " + formatType(t);
  bool tokens = !dec.args.empty() && dec.args[0].type &&
                dec.args[0].type->elem == "i32" &&
                dec.args[0].type->dims.size() == 2 &&
                dec.args[0].type->dims[1].symbol == "T";
  bool same = tokens && dec.args.size() == 1 + d.carriedTypes.size();
  for (size_t i = 0; same && i < d.carriedTypes.size(); ++i) {
    TensorType t;
    same = dec.args[i + 1].type && type(*dec.args[i + 1].type, t, true) &&
           t == d.carriedTypes[i];
    d.carriedNames.push_back(dec.args[i + 1].name);
  }
  if (!same) {
    error(dec.loc, "decode: the decoder '" + dec.name +
                       "' must take the previous tokens and then the "
                       "encoder's results: (" +
                       want + ")");
    return;
  }
  d.numStates = (int)dec.moreResults.size();
  if (!dec.result || dec.moreResults.size() > d.carriedTypes.size()) {
    error(dec.loc, "decode: the decoder '" + dec.name +
                       "' must return the logits f32[B, T, V] and then the "
                       "new values of its last arguments (its states)");
    return;
  }
  for (int i = 0; i < d.numStates; ++i) {
    TensorType t;
    size_t arg = d.carriedTypes.size() - d.numStates + i;
    if (!type(dec.moreResults[i], t, true) || !(t == d.carriedTypes[arg])) {
      error(dec.loc, "decode: the decoder's result " + std::to_string(i + 2) +
                         " must be the new value of its argument '" +
                         d.carriedNames[arg] + "' (" +
                         formatType(d.carriedTypes[arg]) + ")");
      return;
    }
  }
  for (const TensorType &t : d.carriedTypes)
    if (t.elem != ElemType::F32 || t.dims.empty() || t.dims[0] != kBatch) {
      error(enc.loc, "decode: the encoder's results must be f32 [B, ...] "
                     "(the decoder's context and states), got " +
                         formatType(t));
      return;
    }
  // An embedding of x must hold every letter id (a larger id is clamped).
  if (p.train.data.kind == Dataset::Cmudict)
    for (const Node &n : d.init.nodes)
      if (n.op == OpKind::Embedding &&
          d.init.nodes[n.operands[1]].op == OpKind::Input &&
          n.type.dims.size() >= 2 &&
          p.params[d.init.nodes[n.operands[0]].index].shape[0] <
              kLetterClasses) {
        error(n.loc, "cmudict has " + std::to_string(kLetterClasses) +
                         " letter classes (pad and a-z): the embedding of x "
                         "needs vocab >= " +
                         std::to_string(kLetterClasses));
        return;
      }
  d.present = true;
}

/// cmudict(file=".../cmudict-0.4.out", seq_len=T): letters x i32[B, S] (S
/// from the model's input), phones then </s> y i32[B, T]. Trains an
/// encoder-decoder: needs cross_entropy and `decode`.
bool Sema::cmudictData(const ast::Expr &d, Program &p, bool ce, bool decode) {
  auto args = bindArgs(d, findBuiltin(d.text)->args);
  Dataset &ds = p.train.data;
  ds.kind = Dataset::Cmudict;
  if (!dataFile(d, args[0], "/usr/share/festival/dicts/cmu/cmudict-0.4.out",
                ds.file))
    return false;
  int64_t t = seqLen;
  if (args[1] && !integer(*args[1], "cmudict: seq_len", 2, t))
    return false;
  if (t <= 0) {
    error(d.loc, "cmudict: give seq_len=T, the phones per word (with the end "
                 "token) the decoder is trained on");
    return false;
  }
  const auto &in = p.input.dims;
  if (p.input.elem != ElemType::I32 || in.size() != 2 || in[1] == kBatch) {
    error(d.loc, "cmudict gives letters as token ids i32[B, S] (0 pad, a-z "
                 "1..26), but the model input is " +
                     formatType(p.input));
    return false;
  }
  if (!ce || !decode) {
    error(d.loc, "cmudict trains an encoder-decoder: the loss must use "
                 "cross_entropy and the section needs `decode = ...`");
    return false;
  }
  p.target = TensorType{ElemType::I32, {kBatch, t}};
  return true;
}

} // namespace nnc::sema
