//===- Seq2Seq.cpp - Encoder-decoder models: data and decoding ------------===//
#include "Seq2Seq.h"

#include "Dict.h"
#include "Error.h"

#include <cstdio>
#include <cstring>
#include <sstream>

namespace nnrt {

namespace {

/// S and T of a cmudict model: x [B, S] and y [B, T], both i32.
void cmudictShapes(const ModelDesc &d, int64_t &s, int64_t &t) {
  if (d.x.dtype != DType::I32 || d.x.shape.size() != 2 ||
      d.y.dtype != DType::I32 || d.y.shape.size() != 2)
    throw Error("data cmudict needs x i32[B, S] (letters) and y i32[B, T] "
                "(phones)");
  s = d.x.shape[1];
  t = d.y.shape[1];
}

/// The compiled decoder step over the arena's rows.
struct ArenaDecoder : DecodeStepFn {
  const ModelDesc &d;
  const EntryPoints &ep;
  Arena &arena;
  std::vector<char> scratch;

  ArenaDecoder(const ModelDesc &d, const EntryPoints &ep, Arena &arena)
      : d(d), ep(ep), arena(arena) {}

  // tokens [R] -> the token slot [R, 1]; logits [R, 1, V] -> [R, V].
  void step(const int32_t *tokens, float *logits) override {
    std::memcpy(arena.at(d.decode.token), tokens, d.decode.token.bytes());
    ep.decodeStep(arena.base());
    std::memcpy(logits, arena.at(d.decode.logits), d.decode.logits.bytes());
  }

  // Every context and state slot [R, ...]: row r takes row from[r].
  void reorder(const int64_t *from) override {
    const int64_t rows = d.batch;
    for (const Slot &s : d.decode.carried) {
      const int64_t per = s.perSample() * 4;
      scratch.assign(arena.at(s), arena.at(s) + s.bytes());
      for (int64_t r = 0; r < rows; ++r)
        std::memcpy(arena.at(s) + r * per, scratch.data() + from[r] * per, per);
    }
  }
};

} // namespace

Dataset cmudictSplit(const ModelDesc &d, const std::string &fileOverride,
                     bool test) {
  int64_t s = 0, t = 0;
  cmudictShapes(d, s, t);
  const std::string &path = fileOverride.empty() ? d.cmudictFile : fileOverride;
  Dictionary dict = readCmudict(path);
  G2PSamples g = encodeG2P(test ? dict.test : dict.train, s, t);
  if (g.rows == 0)
    throw Error(path + ": no " + (test ? "held-out" : "training") +
                " word fits the model's " + std::to_string(s) +
                " letters and " + std::to_string(t - 1) + " phones");
  if (g.skipped > 0)
    std::fprintf(stderr,
                 "cmudict: %lld of %lld %s pronunciations longer than the "
                 "model's S = %lld letters or T - 1 = %lld phones skipped\n",
                 (long long)g.skipped, (long long)g.samples,
                 test ? "held-out" : "training", (long long)s,
                 (long long)(t - 1));
  Dataset ds;
  ds.n = g.rows;
  ds.xPer = s;
  ds.yPer = t;
  ds.xI = std::move(g.x);
  ds.yI = std::move(g.y);
  return ds;
}

std::vector<std::vector<int32_t>>
decodeInputs(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
             const std::vector<int32_t> &x, int64_t n, int64_t beam,
             uint64_t seed) {
  if (!d.decode.present || !ep.decodeInit || !ep.decodeStep)
    throw Error("model " + d.model + " has no `decode = ...`");
  if (beam < 1 || beam > d.batch)
    throw Error("--beam must be between 1 and the batch (" +
                std::to_string(d.batch) + ")");
  const int64_t per = d.x.perSample(), chunk = d.batch / beam;
  const int64_t vocab = d.decode.logits.shape.back();
  DecodeOptions o;
  o.start = int32_t(d.decode.start);
  o.end = int32_t(d.decode.end);
  o.maxLen = d.decode.maxLen;
  o.beam = beam;
  o.lengthPenalty = d.decode.lengthPenalty;
  ArenaDecoder f(d, ep, arena);
  std::vector<std::vector<int32_t>> out;
  int64_t calls = 0;
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t count = std::min(chunk, n - start);
    int32_t *xs = arena.i32(d.x);
    std::memset(xs, 0, d.x.bytes());
    for (int64_t i = 0; i < count; ++i)
      for (int64_t j = 0; j < beam; ++j)
        std::memcpy(xs + (i * beam + j) * per, &x[(start + i) * per], per * 4);
    setHyper(d, arena, 0, ++calls, seed);
    ep.decodeInit(arena.base());
    auto part = beam == 1 ? greedy(f, d.batch, vocab, count, o)
                          : beamSearch(f, d.batch, vocab, count, o);
    for (auto &seq : part)
      out.push_back(std::move(seq));
  }
  return out;
}

ErrorRates decodeHeldOut(const ModelDesc &d, const EntryPoints &ep,
                         Arena &arena, const std::string &fileOverride,
                         int64_t beam, uint64_t seed) {
  int64_t s = 0, t = 0;
  cmudictShapes(d, s, t);
  Dictionary dict =
      readCmudict(fileOverride.empty() ? d.cmudictFile : fileOverride);
  G2PWords w = encodeWords(dict.test, s);
  auto hyps = decodeInputs(d, ep, arena, w.x, w.rows, beam, seed);
  std::vector<std::vector<std::vector<int32_t>>> refs;
  for (int64_t i = 0; i < w.rows; ++i) {
    refs.emplace_back();
    for (const Pron &p : dict.test[w.wordOf[i]].prons)
      refs.back().push_back(p.phones);
  }
  return errorRates(hyps, refs);
}

void predictDecoded(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                    std::istream &in, const std::string &name, int64_t beam,
                    uint64_t seed) {
  const int64_t per = d.x.perSample();
  std::vector<int32_t> x;
  std::vector<std::string> labels;
  if (!d.cmudictFile.empty()) {
    for (const DictWord &w : readUserWords(in, name, per)) {
      std::vector<int32_t> row(per, 0);
      std::copy(w.letters.begin(), w.letters.end(), row.begin());
      x.insert(x.end(), row.begin(), row.end());
      labels.push_back(w.word);
    }
  } else {
    // Token ids separated by blanks, padded with 0 to the input's length.
    std::string line;
    for (int64_t lineNo = 1; std::getline(in, line); ++lineNo) {
      std::istringstream ss(line);
      std::vector<int32_t> row;
      std::string tok;
      while (ss >> tok) {
        char *end = nullptr;
        long v = std::strtol(tok.c_str(), &end, 10);
        if (*end || v < 0 || v > INT32_MAX)
          throw Error(name + ":" + std::to_string(lineNo) + ": '" + tok +
                      "' is not a token id");
        row.push_back(int32_t(v));
      }
      if (row.empty())
        continue;
      if (int64_t(row.size()) > per)
        throw Error(name + ":" + std::to_string(lineNo) + ": " +
                    std::to_string(row.size()) +
                    " tokens, the model takes at most " + std::to_string(per));
      labels.push_back(line);
      row.resize(per, 0);
      x.insert(x.end(), row.begin(), row.end());
    }
  }
  if (labels.empty())
    throw Error(name + ": no input to decode");
  auto out = decodeInputs(d, ep, arena, x, int64_t(labels.size()), beam, seed);
  for (size_t i = 0; i < out.size(); ++i) {
    std::string text;
    for (int32_t id : out[i])
      text += (text.empty() ? "" : " ") +
              (d.cmudictFile.empty() ? std::to_string(id) : phoneName(id));
    std::printf("%s\t%s\n", labels[i].c_str(), text.c_str());
  }
}

} // namespace nnrt
