//===- Generate.h - sample, reconstruct and encode commands ----*- C++ -*-===//
//
// What a generative model's binary draws and shows (docs/language.md,
// "Outputs"): `sample` runs nnc_sample (the train section's `sample = ...`,
// e.g. a generator on normal([B, 64])) ceil(N / B) times and writes the N
// images as a PNG grid; `reconstruct` writes test images next to their
// reconstructions (nnc_reconstruct, or the model's output when it has x's
// shape); `encode` writes the test set's codes (nnc_encode) as CSV or .npy.
// Each batch of draws gets hyper = [0, k, seed, 0] for batch k = 1, 2, ...,
// so the same seed gives the same images.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_GENERATE_H
#define NNRT_GENERATE_H

#include "Arena.h"
#include "Data.h"
#include "Descriptor.h"
#include "Train.h"

#include <string>

namespace nnrt {

/// N samples as a PNG grid at `path`.
void writeSamples(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                  const std::string &path, int64_t n, uint64_t seed);

/// The first N test images (left) and their reconstructions (right).
void writeReconstructions(const ModelDesc &d, const EntryPoints &ep,
                          Arena &arena, const Dataset &test,
                          const std::string &path, int64_t n, uint64_t seed);

/// Every test sample's code, one row each: `.npy` or CSV by the path.
void writeEncodings(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                    const Dataset &test, const std::string &path,
                    uint64_t seed);

} // namespace nnrt

#endif // NNRT_GENERATE_H
