//===- Decode.h - Greedy and beam search over a decoder step ----*- C++ -*-===//
//
// Sequence decoding against a step callback, so it runs the same over a
// compiled decoder step and over a test fake, and the error rates of the
// result against references.
//
// The step function works on R rows (the compiled batch): given one token
// per row it advances each row's state and writes logits [R, V]; reorder
// makes row r take the state of row from[r] (all rows at once).
//
// Beam search, n inputs with `beam` rows each (input i owns rows
// [i*beam, (i+1)*beam), their states initialised alike; n * beam <= R):
//  - A hypothesis is a token prefix (without start) and a score, the sum of
//    log-softmax of the logits (computed in double, max-shifted) over its
//    tokens. At the first step only the first row of each input is live (the
//    others would duplicate it); it is fed `start`, later steps feed each
//    live row its last token. Dead rows and rows of no input are fed `end`
//    and their logits ignored.
//  - Each step, per input: every live hypothesis x every token is a
//    candidate; candidates are taken best score first (ties: lower row, then
//    lower token) until `beam` live hypotheses are kept. A candidate whose
//    token is `end` is finished: it leaves the beam (takes no place) and goes
//    to the finished list with score / len^lengthPenalty, len counting the
//    end token. The kept hypotheses fill the input's rows in that order.
//  - An input stops when `beam` hypotheses have finished (its live ones are
//    dropped) or after maxLen steps (its live ones then finish with
//    score / len^lengthPenalty, len their token count).
//  - Result: the finished hypothesis of best normalised score (ties: the
//    first finished; those finishing at maxLen come last, in row order),
//    without start and end.
// Greedy (one row per input, n <= R): argmax of the logits each step (ties:
// lower token), stopping at `end` or after maxLen tokens; with beam = 1,
// beamSearch returns exactly greedy's sequences.
//
// Logits that are NaN or +-infinity throw Error (never an undefined sort).
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_DECODE_H
#define NNRT_DECODE_H

#include <cstdint>
#include <vector>

namespace nnrt {

/// One decoder step over R rows (see above).
struct DecodeStepFn {
  virtual ~DecodeStepFn() = default;
  /// tokens [R] -> logits [R, V]; advances every row's state.
  virtual void step(const int32_t *tokens, float *logits) = 0;
  /// Row r takes the state of row from[r] (from [R]).
  virtual void reorder(const int64_t *from) = 0;
};

/// Search settings; start and end are token ids in [0, V).
struct DecodeOptions {
  int32_t start = 1, end = 2;
  int64_t maxLen = 0; ///< steps (tokens including end), >= 1
  int64_t beam = 1;
  double lengthPenalty = 1.0;
};

/// Beam search of n inputs (see above); Error on bad sizes or options.
std::vector<std::vector<int32_t>> beamSearch(DecodeStepFn &f, int64_t R,
                                             int64_t V, int64_t n,
                                             const DecodeOptions &o);

/// Greedy decoding of n inputs, input i in row i (o.beam is ignored).
std::vector<std::vector<int32_t>> greedy(DecodeStepFn &f, int64_t R, int64_t V,
                                         int64_t n, const DecodeOptions &o);

/// Levenshtein distance (unit insert, delete, substitute).
int64_t editDistance(const std::vector<int32_t> &a,
                     const std::vector<int32_t> &b);

/// Word and phone error rates of hypotheses against references.
struct ErrorRates {
  int64_t words = 0, wrongWords = 0;
  int64_t phoneErrors = 0, refPhones = 0;
  double wer = 0, per = 0; ///< percent (0 when there is nothing to count)
};

/// refs[i] holds word i's references (at least one, else Error). A word is
/// wrong unless hyps[i] equals one of them; its phone errors are the least
/// edit distance to a reference (the first on ties), and that reference's
/// length counts in PER's denominator. WER = wrong / words, PER = errors /
/// reference phones.
ErrorRates
errorRates(const std::vector<std::vector<int32_t>> &hyps,
           const std::vector<std::vector<std::vector<int32_t>>> &refs);

} // namespace nnrt

#endif // NNRT_DECODE_H
