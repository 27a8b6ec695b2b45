//===- Images.cpp - Image grids as PNG, codes as CSV or .npy --------------===//
//
// See Images.h.
//
//===----------------------------------------------------------------------===//
#include "Images.h"
#include "Error.h"

#include <png.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <vector>

namespace nnrt {

namespace {

/// libpng's error handler: no message on stderr (the caller's Error names
/// the path and errno), just back to the setjmp in writeImageGrid.
[[noreturn]] void pngError(png_structp png, png_const_charp) {
  png_longjmp(png, 1);
}
void pngWarning(png_structp, png_const_charp) {}

} // namespace

void writeImageGrid(const std::string &path, const float *images, int64_t n,
                    int64_t h, int64_t w, int64_t c, int64_t cols, float lo,
                    float hi) {
  const int64_t scale = 2, gap = 2;
  cols = std::max<int64_t>(1, std::min(cols, n));
  int64_t rows = (n + cols - 1) / cols;
  int64_t width = cols * (w * scale + gap) + gap,
          height = rows * (h * scale + gap) + gap;
  std::vector<unsigned char> px(size_t(width * height * 3), 40);
  for (int64_t k = 0; k < n; ++k)
    for (int64_t y = 0; y < h * scale; ++y)
      for (int64_t x = 0; x < w * scale; ++x)
        for (int64_t ch = 0; ch < 3; ++ch) {
          float v = images[((k * h + y / scale) * w + x / scale) * c +
                           (c == 3 ? ch : 0)];
          v = (v - lo) / (hi - lo);
          v = std::isnan(v) ? 0 : std::min(1.0f, std::max(0.0f, v));
          int64_t py = (k / cols) * (h * scale + gap) + gap + y,
                  pxx = (k % cols) * (w * scale + gap) + gap + x;
          px[size_t((py * width + pxx) * 3 + ch)] =
              (unsigned char)(v * 255 + 0.5f);
        }
  atomicWrite(path, [&](FILE *f) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr,
                                              pngError, pngWarning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info || setjmp(png_jmpbuf(png))) {
      png_destroy_write_struct(&png, &info);
      return false;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), 8,
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int64_t y = 0; y < height; ++y)
      png_write_row(png, &px[size_t(y * width * 3)]);
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return true;
  });
}

void writeCodes(const std::string &path, const float *codes, int64_t n,
                int64_t dim) {
  bool npy = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  atomicWrite(path, [&](FILE *f) {
    if (npy) {
      std::string header = "{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (" +
                           std::to_string(n) + ", " + std::to_string(dim) +
                           "), }";
      // Magic, version 1.0, header length; the header padded with spaces to
      // a multiple of 64 bytes in all, ending in '\n'.
      size_t total = 10 + header.size() + 1;
      header.append((64 - total % 64) % 64, ' ');
      header += '\n';
      unsigned short len = (unsigned short)header.size();
      std::fwrite("\x93NUMPY\x01\x00", 1, 8, f);
      unsigned char le[2] = {(unsigned char)(len & 255),
                             (unsigned char)(len >> 8)};
      std::fwrite(le, 1, 2, f);
      std::fwrite(header.data(), 1, header.size(), f);
      return std::fwrite(codes, 4, size_t(n * dim), f) == size_t(n * dim);
    }
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < dim; ++j)
        if (std::fprintf(f, "%.9g%c", codes[i * dim + j],
                         j + 1 < dim ? ',' : '\n') < 0)
          return false;
    return true;
  });
}

void checkOutputPath(const std::string &path, const std::string &what) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw Error(path + ": cannot " + what + " there: it is a directory");
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    throw Error(path + ": cannot " + what + " there: " + std::strerror(errno));
  std::fclose(f);
  std::remove(tmp.c_str());
}

} // namespace nnrt
