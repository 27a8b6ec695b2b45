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

#include <cstdint>
#include <string>

namespace nnrt {

void writeImageGrid(const std::string &path, const float *images, int64_t n,
                    int64_t h, int64_t w, int64_t c, int64_t cols, float lo = 0,
                    float hi = 1);

void writeCodes(const std::string &path, const float *codes, int64_t n,
                int64_t dim);

} // namespace nnrt

#endif // NNRT_IMAGES_H
