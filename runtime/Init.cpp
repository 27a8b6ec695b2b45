//===- Init.cpp - Seeded parameter initialisation -------------------------===//
//
// zeros / const v / uniform lo hi: lo + (hi - lo) u / normal mean std:
// Box-Muller, mean + std sqrt(-2 ln(1 - u1)) cos(2 pi u2), one draw pair per
// value / literal v...: copied. u, u1, u2 ~ U[0,1) from uniform01.
//
//===----------------------------------------------------------------------===//
#include "Init.h"

#include <cmath>
#include <cstring>

namespace nnrt {

double uniform01(std::mt19937_64 &rng) {
  return double(rng() >> 11) * 0x1.0p-53;
}

/// Fills one param or buffer slot from its init record.
static void fill(const Slot &p, Arena &arena, std::mt19937_64 &rng) {
  const InitSpec &in = p.init;
  int64_t n = p.numel();
  if (p.dtype == DType::I32) { // no i32 params today; keep them defined
    std::memset(arena.at(p), 0, p.bytes());
    return;
  }
  float *v = arena.f32(p);
  for (int64_t i = 0; i < n; ++i) {
    switch (in.kind) {
    case InitSpec::Zeros:
      v[i] = 0;
      break;
    case InitSpec::Const:
      v[i] = float(in.a);
      break;
    case InitSpec::Uniform:
      v[i] = float(in.a + (in.b - in.a) * uniform01(rng));
      break;
    case InitSpec::Normal: {
      double u1 = uniform01(rng), u2 = uniform01(rng);
      v[i] = float(in.a + in.b * std::sqrt(-2 * std::log(1 - u1)) *
                              std::cos(2 * M_PI * u2));
      break;
    }
    case InitSpec::Literal:
      v[i] = in.values[i];
      break;
    }
  }
}

void initParams(const ModelDesc &d, Arena &arena, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const Slot &p : d.params)
    fill(p, arena, rng);
  for (const Slot &r : d.buffers)
    fill(r, arena, rng);
  for (const Slot &s : d.state)
    std::memset(arena.at(s), 0, s.bytes());
}

} // namespace nnrt
