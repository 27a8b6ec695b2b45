//===- DecodeTest.cpp - Beam search, greedy and error rates ---------------===//
//
// Beam search against a brute-force search of every sequence over a tiny
// vocabulary, with a fake step function whose logits hash the row's whole
// prefix (so a wrong reorder changes the logits); beam 1 against greedy;
// length normalisation flipping the winner; the first step's single live
// row; unused rows fed `end`; bad logits and options; edit distance and
// WER/PER on hand-checked cases.
//
//===----------------------------------------------------------------------===//
#include "Decode.h"
#include "Error.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

using namespace nnrt;
using namespace nnrt::test;

namespace {

/// Logits [V] of a (input, prefix of fed tokens including start).
using LogitsOf = std::function<void(
    int64_t input, const std::vector<int32_t> &prefix, float *logits)>;

/// A decoder whose state per row is the prefix of tokens it was fed; rows
/// [i*rowsPerInput, (i+1)*rowsPerInput) belong to input i.
struct PrefixFake : DecodeStepFn {
  PrefixFake(int64_t R, int64_t V, int64_t rowsPerInput, LogitsOf logitsOf)
      : R(R), V(V), rowsPerInput(rowsPerInput), logitsOf(std::move(logitsOf)),
        prefix(R) {}

  void step(const int32_t *tokens, float *logits) override {
    fed.emplace_back(tokens, tokens + R);
    for (int64_t r = 0; r < R; ++r) {
      prefix[r].push_back(tokens[r]);
      logitsOf(r / rowsPerInput, prefix[r], logits + r * V);
    }
  }

  void reorder(const int64_t *from) override {
    std::vector<std::vector<int32_t>> old = prefix;
    for (int64_t r = 0; r < R; ++r)
      prefix[r] = old[from[r]];
  }

  int64_t R, V, rowsPerInput;
  LogitsOf logitsOf;
  std::vector<std::vector<int32_t>> prefix;
  std::vector<std::vector<int32_t>> fed; ///< tokens of every step
};

/// Pseudo-random logits in [-3, 3) from (seed, input, prefix, token); the
/// end token gets `endBias` added.
LogitsOf hashedLogits(uint64_t seed, int64_t V, int32_t end,
                      float endBias = 0) {
  return [=](int64_t input, const std::vector<int32_t> &prefix, float *out) {
    uint64_t h = 1469598103934665603ull ^ seed ^ (uint64_t(input) << 32);
    for (int32_t t : prefix)
      h = (h ^ uint64_t(t + 1)) * 1099511628211ull;
    for (int64_t t = 0; t < V; ++t) {
      uint64_t k =
          (h ^ uint64_t(t) * 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
      k ^= k >> 31;
      out[t] = float(double(k >> 11) / double(1ull << 53) * 6.0 - 3.0) +
               (t == end ? endBias : 0.0f);
    }
  };
}

/// log-softmax of V logits, in double.
std::vector<double> logSoftmaxOf(const float *l, int64_t V) {
  double m = l[0], sum = 0;
  for (int64_t t = 1; t < V; ++t)
    m = std::max(m, double(l[t]));
  for (int64_t t = 0; t < V; ++t)
    sum += std::exp(double(l[t]) - m);
  std::vector<double> out(V);
  for (int64_t t = 0; t < V; ++t)
    out[t] = double(l[t]) - m - std::log(sum);
  return out;
}

/// The best normalised sequence of every sequence ending in `end` within
/// maxLen tokens, or of maxLen tokens without it: (tokens, score).
struct Best {
  std::vector<int32_t> tokens;
  double score = -std::numeric_limits<double>::infinity();
};

void bruteForce(const LogitsOf &logitsOf, int64_t input, int64_t V,
                const DecodeOptions &o, std::vector<int32_t> &fedPrefix,
                std::vector<int32_t> &out, double score, Best &best) {
  std::vector<float> l(V);
  logitsOf(input, fedPrefix, l.data());
  std::vector<double> lsm = logSoftmaxOf(l.data(), V);
  for (int32_t t = 0; t < V; ++t) {
    double s = score + lsm[t];
    size_t len = out.size() + 1;
    if (t == o.end || int64_t(len) == o.maxLen) {
      double norm = s / std::pow(double(len), o.lengthPenalty);
      if (norm > best.score) {
        best.score = norm;
        best.tokens = out;
        if (t != o.end)
          best.tokens.push_back(t);
      }
      continue;
    }
    out.push_back(t);
    fedPrefix.push_back(t);
    bruteForce(logitsOf, input, V, o, fedPrefix, out, s, best);
    out.pop_back();
    fedPrefix.pop_back();
  }
}

Best bruteForceBest(const LogitsOf &logitsOf, int64_t input, int64_t V,
                    const DecodeOptions &o) {
  std::vector<int32_t> fedPrefix{o.start}, out;
  Best best;
  bruteForce(logitsOf, input, V, o, fedPrefix, out, 0.0, best);
  return best;
}

} // namespace

TEST(Decode, WideBeamFindsTheBruteForceBest) {
  const int64_t V = 4, n = 2;
  DecodeOptions o;
  o.start = 1;
  o.end = 2;
  o.maxLen = 5;
  o.beam = 4 * 4 * 4 * 4 * 4; // V^maxLen: nothing is ever pruned
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    o.lengthPenalty = seed % 2 ? 1.0 : 0.6;
    LogitsOf lo = hashedLogits(seed, V, o.end, seed % 3 == 0 ? -1.5f : 0.f);
    PrefixFake fake(n * o.beam, V, o.beam, lo);
    auto got = beamSearch(fake, n * o.beam, V, n, o);
    ASSERT_EQ(got.size(), size_t(n));
    for (int64_t i = 0; i < n; ++i)
      EXPECT_EQ(got[i], bruteForceBest(lo, i, V, o).tokens)
          << "seed " << seed << " input " << i;
  }
}

TEST(Decode, NarrowBeamNeverBeatsTheBruteForce) {
  // A narrow beam may miss the best, but what it returns must be a real
  // sequence whose score is at most the best's.
  const int64_t V = 4;
  DecodeOptions o;
  o.maxLen = 5;
  o.beam = 3;
  int64_t found = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    LogitsOf lo = hashedLogits(seed, V, o.end);
    PrefixFake fake(3, V, 3, lo);
    std::vector<int32_t> got = beamSearch(fake, 3, V, 1, o)[0];
    Best best = bruteForceBest(lo, 0, V, o);
    // Score `got` directly.
    std::vector<int32_t> fedPrefix{o.start};
    std::vector<float> l(V);
    double score = 0;
    for (size_t k = 0; k <= got.size() && int64_t(k) < o.maxLen; ++k) {
      lo(0, fedPrefix, l.data());
      int32_t t = k < got.size() ? got[k] : o.end;
      score += logSoftmaxOf(l.data(), V)[t];
      fedPrefix.push_back(t);
    }
    double len = double(std::min<int64_t>(got.size() + 1, o.maxLen));
    EXPECT_LE(score / len, best.score + 1e-12) << "seed " << seed;
    found += got == best.tokens;
  }
  EXPECT_GT(found, 20); // it mostly finds the best all the same
}

TEST(Decode, BeamOneIsGreedy) {
  const int64_t V = 10, R = 7, n = 5;
  DecodeOptions o;
  o.start = 0;
  o.end = 9;
  o.maxLen = 12;
  int64_t ended = 0, total = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    LogitsOf lo = hashedLogits(seed, V, o.end, 1.0f);
    PrefixFake a(R, V, 1, lo), b(R, V, 1, lo);
    auto beam = beamSearch(a, R, V, n, o);
    auto gr = greedy(b, R, V, n, o);
    EXPECT_EQ(beam, gr) << "seed " << seed;
    for (auto &s : gr) {
      ended += int64_t(s.size()) < o.maxLen;
      ++total;
    }
    // Rows 5 and 6 belong to no input: always fed `end`.
    for (const auto &tokens : b.fed)
      EXPECT_TRUE(tokens[5] == o.end && tokens[6] == o.end);
    for (const auto &tokens : a.fed)
      EXPECT_TRUE(tokens[5] == o.end && tokens[6] == o.end);
  }
  // Both outcomes occur: sequences ended by `end` and cut at maxLen.
  EXPECT_GT(ended, 0);
  EXPECT_LT(ended, total);
}

TEST(Decode, FirstStepHasOneLiveRow) {
  // Beam 3: the second step feeds rows 0..2 the three best non-end tokens of
  // the first step's row 0 (distinct), best first.
  const int64_t V = 6;
  DecodeOptions o;
  o.maxLen = 2;
  o.beam = 3;
  LogitsOf lo = hashedLogits(7, V, o.end, -10.f);
  PrefixFake fake(3, V, 3, lo);
  beamSearch(fake, 3, V, 1, o);
  ASSERT_EQ(fake.fed.size(), 2u);
  EXPECT_EQ(fake.fed[0], (std::vector<int32_t>{o.start, o.end, o.end}));
  std::vector<float> l(V);
  lo(0, {o.start}, l.data());
  std::vector<int32_t> order;
  for (int32_t t = 0; t < V; ++t)
    if (t != o.end)
      order.push_back(t);
  std::sort(order.begin(), order.end(),
            [&](int32_t x, int32_t y) { return l[x] > l[y]; });
  order.resize(3);
  EXPECT_EQ(fake.fed[1], order);
}

TEST(Decode, LengthNormalisationChangesTheWinner) {
  // Tokens: 0 'a', 1 start, 2 end, 3 'b'. First step: end and 'a' even
  // (log 1/2 each); after 'a': end 0.8. "" scores log .5 = -0.69 and
  // "a" scores log .5 + log .8 = -0.92, or -0.46 per token.
  const int64_t V = 4;
  LogitsOf lo = [](int64_t, const std::vector<int32_t> &prefix, float *l) {
    if (prefix.size() == 1) {
      l[0] = 0, l[1] = -30, l[2] = 0, l[3] = -30;
    } else {
      l[0] = float(std::log(0.2)), l[1] = -30, l[2] = float(std::log(0.8)),
      l[3] = -30;
    }
  };
  DecodeOptions o;
  o.maxLen = 4;
  o.beam = 2;
  o.lengthPenalty = 1.0;
  PrefixFake a(2, V, 2, lo);
  EXPECT_EQ(beamSearch(a, 2, V, 1, o)[0], (std::vector<int32_t>{0}));
  o.lengthPenalty = 0.0; // raw sums: the empty sequence wins
  PrefixFake b(2, V, 2, lo);
  EXPECT_EQ(beamSearch(b, 2, V, 1, o)[0], (std::vector<int32_t>{}));
}

TEST(Decode, RejectsBadLogitsAndOptions) {
  const int64_t V = 4;
  LogitsOf nan = [](int64_t, const std::vector<int32_t> &, float *l) {
    l[0] = 0, l[1] = std::nanf(""), l[2] = 0, l[3] = 0;
  };
  DecodeOptions o;
  o.maxLen = 3;
  o.beam = 2;
  PrefixFake a(2, V, 2, nan);
  EXPECT_EQ(errorOf([&] { beamSearch(a, 2, V, 1, o); }),
            "decode: logit 1 of row 0 is not finite");
  PrefixFake b(2, V, 1, nan);
  EXPECT_EQ(errorOf([&] { greedy(b, 2, V, 1, o); }),
            "decode: logit 1 of row 0 is not finite");
  EXPECT_NE(errorOf([&] {
              beamSearch(a, 3, V, 2, o);
            }).find("2 inputs x 2 rows do not fit in the 3 rows"),
            std::string::npos);
  o.maxLen = 0;
  EXPECT_NE(errorOf([&] { greedy(b, 2, V, 1, o); }).find("maxLen"),
            std::string::npos);
  o.maxLen = 3;
  o.end = 4;
  EXPECT_NE(errorOf([&] { greedy(b, 2, V, 1, o); }).find("[0, 4)"),
            std::string::npos);
}

TEST(Decode, EditDistance) {
  using V = std::vector<int32_t>;
  EXPECT_EQ(editDistance(V{}, V{}), 0);
  EXPECT_EQ(editDistance(V{}, V{1, 2, 3}), 3);
  EXPECT_EQ(editDistance(V{1, 2, 3}, V{}), 3);
  EXPECT_EQ(editDistance(V{1, 2, 3}, V{1, 2, 3}), 0);
  EXPECT_EQ(editDistance(V{1, 2, 3}, V{1, 3}), 1);    // deletion
  EXPECT_EQ(editDistance(V{1, 3}, V{1, 2, 3}), 1);    // insertion
  EXPECT_EQ(editDistance(V{1, 2, 3}, V{1, 4, 3}), 1); // substitution
  EXPECT_EQ(editDistance(V{1, 2, 3, 4}, V{2, 1, 4, 3}), 3);
  // kitten -> sitting: 3.
  EXPECT_EQ(editDistance(V{11, 9, 20, 20, 5, 14}, V{19, 9, 20, 20, 9, 14, 7}),
            3);
}

TEST(Decode, ErrorRates) {
  // Word 0: right (equals its second reference). Word 1: wrong; references
  // [4 5] (distance 2) and [3 3] (distance 1, length 2). Word 2: wrong;
  // [7 9] (distance 1, length 2) and [7 8 9 9 9] (distance 2).
  std::vector<std::vector<int32_t>> hyps{{1, 2}, {3}, {7, 8, 9}};
  std::vector<std::vector<std::vector<int32_t>>> refs{
      {{1}, {1, 2}}, {{4, 5}, {3, 3}}, {{7, 9}, {7, 8, 9, 9, 9}}};
  ErrorRates e = errorRates(hyps, refs);
  EXPECT_EQ(e.words, 3);
  EXPECT_EQ(e.wrongWords, 2);
  EXPECT_EQ(e.phoneErrors, 0 + 1 + 1);
  EXPECT_EQ(e.refPhones, 2 + 2 + 2);
  EXPECT_DOUBLE_EQ(e.wer, 200.0 / 3);
  EXPECT_DOUBLE_EQ(e.per, 100.0 * 2 / 6);
  // Ties: the first reference at the least distance gives the length.
  ErrorRates t = errorRates({{1, 2}}, {{{1}, {1, 2, 3}}});
  EXPECT_EQ(t.phoneErrors, 1);
  EXPECT_EQ(t.refPhones, 1);
  EXPECT_EQ(errorRates({}, {}).wer, 0.0);
  EXPECT_NE(errorOf([&] { errorRates({{1}}, {{}}); }).find("no reference"),
            std::string::npos);
}
