//===- Sample.h - Generating text from a character model --------*- C++ -*-===//
//
// `sample`: runs nnc_sample_step (the model at T = 1, reading and writing the
// carried states) one character at a time. From zero states it reads a
// newline, then the prime text; then it draws each next character from
// softmax(logits / temperature) of row 0 of the step output [B, 1, 97]
// (temperature 0: the most likely character) and feeds it back.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_SAMPLE_H
#define NNRT_SAMPLE_H

#include "Arena.h"
#include "Descriptor.h"
#include "Train.h"

#include <cstdint>
#include <string>

namespace nnrt {

/// The prime followed by `length` generated characters. Throws Error when
/// the model has no step function or is not a text model, or when the prime
/// has a character outside the 97.
std::string sampleText(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                       const std::string &prime, int64_t length,
                       double temperature, uint64_t seed);

} // namespace nnrt

#endif // NNRT_SAMPLE_H
