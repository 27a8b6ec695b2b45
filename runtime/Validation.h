//===- Validation.h - A validation split of the training set ----*- C++ -*-===//
//
// `train --val F` holds out round(F n) of the n training samples, drawn by a
// Fisher-Yates shuffle seeded with the run's seed (std::mt19937_64 over
// seed_seq {seed lo, seed hi, "val"}): the split depends on the seed alone,
// so a resumed run (which keeps its seed) holds out the same samples. Both
// parts keep the samples' original order. The test set is untouched.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_VALIDATION_H
#define NNRT_VALIDATION_H

#include "Data.h"
#include "Descriptor.h"

#include <cstdint>
#include <vector>

namespace nnrt {

/// The samples of 0..n-1 held out by `train --val fraction` with `seed`, in
/// increasing order. Throws Error when the fraction leaves no sample on one
/// side.
std::vector<int64_t> validationIndices(int64_t n, double fraction,
                                       uint64_t seed);

/// Throws Error for models whose data has no samples to hold out (text
/// streams, skip-gram pairs) and for models with several training steps.
void checkValidation(const ModelDesc &d);

/// Moves the held-out samples of `train` into the returned dataset
/// (checkValidation first).
Dataset splitValidation(const ModelDesc &d, Dataset &train, double fraction,
                        uint64_t seed);

} // namespace nnrt

#endif // NNRT_VALIDATION_H
