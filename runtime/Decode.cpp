//===- Decode.cpp - Greedy and beam search over a decoder step ------------===//
//
// beamSearch and greedy as Decode.h specifies them, and the edit-distance
// based word and phone error rates.
//
//===----------------------------------------------------------------------===//
#include "Decode.h"
#include "Error.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace nnrt {

namespace {

/// A live hypothesis: tokens so far (without start) and its summed score.
struct Hyp {
  std::vector<int32_t> tokens;
  double score;
};

/// A beam candidate: hypothesis `row` (index within the input's beam)
/// extended by `token`, with its summed score.
struct Candidate {
  double score;
  int64_t row;
  int32_t token;
};

/// Better first: higher score, then lower row, then lower token.
bool better(const Candidate &a, const Candidate &b) {
  if (a.score != b.score)
    return a.score > b.score;
  if (a.row != b.row)
    return a.row < b.row;
  return a.token < b.token;
}

/// Throws unless the sizes and options describe a valid search.
void checkSearch(int64_t R, int64_t V, int64_t n, int64_t rowsPerInput,
                 const DecodeOptions &o) {
  auto fail = [](const std::string &what) { throw Error("decode: " + what); };
  if (R < 1 || V < 1)
    fail("needs R >= 1 rows and V >= 1 tokens, got R=" + std::to_string(R) +
         " V=" + std::to_string(V));
  if (o.beam < 1)
    fail("beam must be >= 1, got " + std::to_string(o.beam));
  if (o.maxLen < 1)
    fail("maxLen must be >= 1, got " + std::to_string(o.maxLen));
  if (o.start < 0 || o.start >= V || o.end < 0 || o.end >= V)
    fail("start and end tokens must be in [0, " + std::to_string(V) + ")");
  if (n < 0 || n * rowsPerInput > R)
    fail(std::to_string(n) + " inputs x " + std::to_string(rowsPerInput) +
         " rows do not fit in the " + std::to_string(R) + " rows");
}

/// Throws unless all V logits of `row` are finite.
void checkFinite(const float *logits, int64_t V, int64_t row) {
  for (int64_t t = 0; t < V; ++t)
    if (!std::isfinite(logits[t]))
      throw Error("decode: logit " + std::to_string(t) + " of row " +
                  std::to_string(row) + " is not finite");
}

/// out[t] = logits[t] - log(sum exp(logits)), in double, max-shifted.
void logSoftmax(const float *logits, int64_t V, int64_t row,
                std::vector<double> &out) {
  checkFinite(logits, V, row);
  double m = *std::max_element(logits, logits + V), sum = 0;
  for (int64_t t = 0; t < V; ++t)
    sum += std::exp(double(logits[t]) - m);
  double lse = m + std::log(sum);
  for (int64_t t = 0; t < V; ++t)
    out[t] = double(logits[t]) - lse;
}

} // namespace

std::vector<std::vector<int32_t>> beamSearch(DecodeStepFn &f, int64_t R,
                                             int64_t V, int64_t n,
                                             const DecodeOptions &o) {
  checkSearch(R, V, n, o.beam, o);
  const int64_t K = o.beam;
  std::vector<std::vector<Hyp>> live(n, {Hyp{{}, 0.0}});
  std::vector<std::vector<Hyp>> finished(n); // normalised scores
  std::vector<bool> done(n, false);
  std::vector<int32_t> tokens(R, o.end);
  for (int64_t i = 0; i < n; ++i)
    tokens[i * K] = o.start;
  std::vector<float> logits(R * V);
  std::vector<int64_t> from(R);
  std::vector<double> lsm(V);
  std::vector<Candidate> cands;
  auto normalised = [&](double score, size_t len) {
    return score / std::pow(double(len), o.lengthPenalty);
  };

  for (int64_t step = 0; step < o.maxLen; ++step) {
    f.step(tokens.data(), logits.data());
    std::iota(from.begin(), from.end(), 0);
    std::fill(tokens.begin(), tokens.end(), o.end);
    bool anyLive = false;
    for (int64_t i = 0; i < n; ++i) {
      if (done[i])
        continue;
      cands.clear();
      for (size_t j = 0; j < live[i].size(); ++j) {
        int64_t r = i * K + int64_t(j);
        logSoftmax(&logits[r * V], V, r, lsm);
        for (int32_t t = 0; t < V; ++t)
          cands.push_back({live[i][j].score + lsm[t], int64_t(j), t});
      }
      // At most one `end` per live row precedes the K-th kept candidate.
      size_t need = std::min(cands.size(), size_t(K) + live[i].size());
      std::partial_sort(cands.begin(), cands.begin() + need, cands.end(),
                        better);
      std::vector<Hyp> kept;
      for (size_t c = 0; c < need && int64_t(kept.size()) < K; ++c) {
        const Hyp &h = live[i][cands[c].row];
        if (cands[c].token == o.end) {
          finished[i].push_back(
              {h.tokens, normalised(cands[c].score, h.tokens.size() + 1)});
          continue;
        }
        int64_t r = i * K + int64_t(kept.size());
        from[r] = i * K + cands[c].row;
        tokens[r] = cands[c].token;
        kept.push_back({h.tokens, cands[c].score});
        kept.back().tokens.push_back(cands[c].token);
      }
      live[i] = std::move(kept);
      if (int64_t(finished[i].size()) >= K || live[i].empty()) {
        done[i] = true;
        live[i].clear();
        std::fill(tokens.begin() + i * K, tokens.begin() + (i + 1) * K, o.end);
      }
      anyLive = anyLive || !done[i];
    }
    if (!anyLive)
      break;
    f.reorder(from.data());
  }

  std::vector<std::vector<int32_t>> result(n);
  for (int64_t i = 0; i < n; ++i) {
    for (Hyp &h : live[i]) {
      double score = normalised(h.score, h.tokens.size());
      finished[i].push_back({std::move(h.tokens), score});
    }
    const Hyp *best = nullptr;
    for (const Hyp &h : finished[i])
      if (!best || h.score > best->score)
        best = &h;
    if (best)
      result[i] = best->tokens;
  }
  return result;
}

std::vector<std::vector<int32_t>> greedy(DecodeStepFn &f, int64_t R, int64_t V,
                                         int64_t n, const DecodeOptions &o) {
  checkSearch(R, V, n, 1, o);
  std::vector<std::vector<int32_t>> out(n);
  std::vector<bool> done(n, false);
  std::vector<int32_t> tokens(R, o.end);
  std::fill(tokens.begin(), tokens.begin() + n, o.start);
  std::vector<float> logits(R * V);
  for (int64_t step = 0; step < o.maxLen; ++step) {
    f.step(tokens.data(), logits.data());
    bool anyLive = false;
    for (int64_t i = 0; i < n; ++i) {
      if (done[i])
        continue;
      const float *l = &logits[i * V];
      checkFinite(l, V, i);
      int32_t best = int32_t(std::max_element(l, l + V) - l); // first max
      if (best == o.end) {
        done[i] = true;
        tokens[i] = o.end;
        continue;
      }
      out[i].push_back(best);
      tokens[i] = best;
      anyLive = true;
    }
    if (!anyLive)
      break;
  }
  return out;
}

int64_t editDistance(const std::vector<int32_t> &a,
                     const std::vector<int32_t> &b) {
  // row[j] = distance(a[0..i), b[0..j)), one row at a time.
  std::vector<int64_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    int64_t diag = row[0];
    row[0] = int64_t(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int64_t up = row[j];
      row[j] = std::min(
          {up + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

ErrorRates
errorRates(const std::vector<std::vector<int32_t>> &hyps,
           const std::vector<std::vector<std::vector<int32_t>>> &refs) {
  if (hyps.size() != refs.size())
    throw Error("error rates: " + std::to_string(hyps.size()) +
                " hypotheses for " + std::to_string(refs.size()) + " words");
  ErrorRates e;
  for (size_t i = 0; i < hyps.size(); ++i) {
    if (refs[i].empty())
      throw Error("error rates: word " + std::to_string(i) +
                  " has no reference");
    int64_t bestDist = -1, bestLen = 0;
    for (const std::vector<int32_t> &r : refs[i]) {
      int64_t d = editDistance(hyps[i], r);
      if (bestDist < 0 || d < bestDist) {
        bestDist = d;
        bestLen = int64_t(r.size());
      }
    }
    ++e.words;
    e.wrongWords += bestDist != 0; // distance 0: equals a reference
    e.phoneErrors += bestDist;
    e.refPhones += bestLen;
  }
  if (e.words)
    e.wer = 100.0 * double(e.wrongWords) / double(e.words);
  if (e.refPhones)
    e.per = 100.0 * double(e.phoneErrors) / double(e.refPhones);
  return e;
}

} // namespace nnrt
