//===- FuzzCommon.h - What the libFuzzer harnesses share --------*- C++ -*-===//
//
// Every reader under test takes a path, so an input is written to a file of
// its own in /dev/shm (tmpfs: no disk I/O per input) first. A harness treats
// an error the product reports (nnrt::Error, a diagnostic) as a pass; only a
// crash, an assertion, a sanitizer report, a leak or a timeout is a finding.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FUZZ_FUZZCOMMON_H
#define NNC_FUZZ_FUZZCOMMON_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace nnc::fuzz {

/// Writes the input to /dev/shm/nnc-fuzz-<pid><suffix> and returns its path.
inline std::string inputFile(const uint8_t *data, size_t size,
                             const char *suffix) {
  std::string path =
      "/dev/shm/nnc-fuzz-" + std::to_string(getpid()) + suffix;
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    __builtin_trap(); // the harness's own failure, not the product's
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

} // namespace nnc::fuzz

#endif // NNC_FUZZ_FUZZCOMMON_H
