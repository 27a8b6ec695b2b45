//===- Init.h - Fill parameters from their init records ---------*- C++ -*-===//
//
// Parameters, then buffers, are initialised in descriptor order from one
// std::mt19937_64 seeded with the training seed, so a seed fixes every
// initial value. The uniform and normal draws are written out here (not std::
// distributions, whose algorithms are implementation-defined) so the values do
// not depend on the C++ library. Optimizer state is zeroed.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_INIT_H
#define NNRT_INIT_H

#include "Arena.h"
#include "Descriptor.h"

#include <random>

namespace nnrt {

/// Uniform in [0, 1) from the top 53 bits of one draw.
double uniform01(std::mt19937_64 &rng);

/// Writes every param's and buffer's initial values and zeroes every state
/// slot.
void initParams(const ModelDesc &d, Arena &arena, uint64_t seed);

} // namespace nnrt

#endif // NNRT_INIT_H
