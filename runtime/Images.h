//===- Images.h - Image grids as PNG, codes as CSV or .npy ------*- C++ -*-===//
//
// writeImageGrid: n images of h x w x c (c = 1 grey or 3 RGB, row-major
// NHWC) clamped to [lo, hi], scaled to 0..255, each drawn twice its size, in
// a grid of `cols` columns on a dark 2-pixel frame, written as an 8-bit RGB
// PNG with libpng. Images fill the grid row by row; the reconstruct view
// (Generate.cpp) interleaves (original, reconstruction) and passes an even
// `cols`, so each pair sits side by side. writeCodes: n rows of dim floats, as
// NumPy .npy (v1.0, '<f4', C order) when the path ends in ".npy", else CSV
// (%.9g). Both write a temporary file and rename it, so `path` is either the
// whole new file or untouched; failures throw Error naming the path.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_IMAGES_H
#define NNRT_IMAGES_H

#include "Error.h"
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

namespace nnrt {

void writeImageGrid(const std::string &path, const float *images, int64_t n,
                    int64_t h, int64_t w, int64_t c, int64_t cols, float lo = 0,
                    float hi = 1);

void writeCodes(const std::string &path, const float *codes, int64_t n,
                int64_t dim);

/// Checks before a run that `path` can be written (its directory exists and
/// takes a new file; it is not a directory), so a typo does not cost the
/// run: Error("path: cannot <what> there: ...") otherwise.
void checkOutputPath(const std::string &path, const std::string &what);

/// Writes `bytes` produced by `fill(FILE*)` to path atomically (temporary
/// file, then rename); throws Error naming the path.
template <typename Fill> void atomicWrite(const std::string &path, Fill fill) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    throw Error(path + ": cannot write: " + std::strerror(errno));
  // errno is cleared first so that a failure is reported with its own cause,
  // not a stale one from an earlier call.
  errno = 0;
  bool ok = fill(f);
  ok &= std::fflush(f) == 0;
  int err = errno;
  ok &= std::fclose(f) == 0;
  err = err ? err : errno;
  if (ok && std::rename(tmp.c_str(), path.c_str()) == 0)
    return;
  err = ok ? errno : err;
  std::remove(tmp.c_str());
  throw Error(path + ": cannot write: " + std::strerror(err ? err : EIO));
}

} // namespace nnrt

#endif // NNRT_IMAGES_H
