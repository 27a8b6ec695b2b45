//===- Seq2Seq.h - Encoder-decoder models: data and decoding ----*- C++ -*-===//
//
// What the runtime does for a model with `decode = greedy(...)` or `beam(...)`
// (docs/internals.md, "Decoding"): the compiled nnc_decode_init runs the
// encoder on a batch of inputs, nnc_decode_step one decoder step over the
// batch's rows; Decode.h's search drives them. Inputs are placed so that
// input i owns rows [i k, (i + 1) k) for beam width k (one row each for
// greedy), so a batch of B rows decodes B / k inputs at once.
//
// `data cmudict` (Dict.h): x the letters [B, S], y the phones then </s> [B,
// T]; `eval` also decodes every held-out word and reports word and phone error
// rates, and `predict` pronounces the words it reads.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_SEQ2SEQ_H
#define NNRT_SEQ2SEQ_H

#include "Data.h"
#include "Decode.h"
#include "Train.h"

#include <istream>

namespace nnrt {

/// `data cmudict`: the training or held-out (word, pronunciation) samples
/// that fit the model's S letters and T - 1 phones (the others are counted
/// and reported on stderr). `fileOverride` replaces the dictionary.
Dataset cmudictSplit(const ModelDesc &d, const std::string &fileOverride,
                     bool test);

/// Decodes n inputs (rows of x [n, S] as the x slot holds them) with beam
/// width `beam` (1: greedy): the best token sequence of each, without the
/// start and end tokens.
std::vector<std::vector<int32_t>>
decodeInputs(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
             const std::vector<int32_t> &x, int64_t n, int64_t beam,
             uint64_t seed);

/// `data cmudict`: decodes every held-out word that fits and scores it
/// against all of its pronunciations (WER, PER).
ErrorRates decodeHeldOut(const ModelDesc &d, const EntryPoints &ep,
                         Arena &arena, const std::string &fileOverride,
                         int64_t beam, uint64_t seed);

/// `predict` of a decoding model: reads inputs from `in` (`name` in
/// errors), one per line (cmudict: a word; otherwise token ids separated by
/// blanks), and prints each with its decoded output.
void predictDecoded(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                    std::istream &in, const std::string &name, int64_t beam,
                    uint64_t seed);

} // namespace nnrt

#endif // NNRT_SEQ2SEQ_H
