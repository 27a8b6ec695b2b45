//===- Arena.h - The one memory block the compiled model works in -*- C++
//-*-===//
//
// The compiled entry points take only the arena base (docs/internals.md, "The
// binary ABI: one arena"). Arena owns a zero-filled, 64-byte-aligned block of
// `arena` bytes from the descriptor and hands out typed views of its slots.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_ARENA_H
#define NNRT_ARENA_H

#include "Descriptor.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace nnrt {

class Arena {
public:
  explicit Arena(int64_t bytes);
  char *base() { return mem.get(); }
  int64_t size() const { return bytes; }
  float *f32(const Slot &s) { return reinterpret_cast<float *>(at(s)); }
  int32_t *i32(const Slot &s) { return reinterpret_cast<int32_t *>(at(s)); }
  char *at(const Slot &s) { return mem.get() + s.offset; }
  const char *at(const Slot &s) const { return mem.get() + s.offset; }

private:
  struct Free {
    void operator()(char *p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> mem;
  int64_t bytes;
};

} // namespace nnrt

#endif // NNRT_ARENA_H
