//===- Arena.cpp - Allocate the model arena -------------------------------===//
//
// One aligned_alloc of the descriptor's arena size rounded up to 64 bytes,
// zero-filled so optimizer state and padding start at 0.
//
//===----------------------------------------------------------------------===//
#include "Arena.h"
#include "Error.h"

#include <cstring>

namespace nnrt {

Arena::Arena(int64_t n) : bytes(n) {
  size_t rounded = (size_t(n) + 63) / 64 * 64;
  mem.reset(static_cast<char *>(std::aligned_alloc(64, rounded)));
  if (!mem)
    throw Error("cannot allocate the model arena (" + std::to_string(n) +
                " bytes)");
  std::memset(mem.get(), 0, rounded);
}

} // namespace nnrt
