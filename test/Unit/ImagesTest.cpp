//===- ImagesTest.cpp - PNG image grids, .npy and CSV codes ---------------===//
//
// writeImageGrid's PNG read back with libpng: its size, the frame, every
// pixel of a known grey and RGB pattern (scaled x2, clamped to [lo, hi]);
// writeCodes' .npy header and data bytes and its CSV values; the errors of
// both (unwritable path, the path a directory, a write that fails midway as
// on a full disk) name the path and leave no file behind.
//
//===----------------------------------------------------------------------===//
#include "Images.h"
#include "Error.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <png.h>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <sys/resource.h>
#include <vector>

using namespace nnrt;
using nnrt::test::errorOf;
using nnrt::test::readFile;
using nnrt::test::TempDir;

namespace {

struct Rgb {
  int64_t width = 0, height = 0;
  std::vector<unsigned char> px; // height x width x 3
  unsigned at(int64_t y, int64_t x, int ch) const {
    return px[size_t((y * width + x) * 3 + ch)];
  }
};

/// Reads a PNG as 8-bit RGB with libpng's simplified API; fails the test if
/// it cannot.
Rgb readPng(const std::string &path) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  Rgb out;
  if (!png_image_begin_read_from_file(&img, path.c_str())) {
    ADD_FAILURE() << path << ": " << img.message;
    return out;
  }
  EXPECT_EQ(img.format & PNG_FORMAT_FLAG_COLOR, PNG_FORMAT_FLAG_COLOR)
      << "written as RGB";
  img.format = PNG_FORMAT_RGB;
  out.width = img.width;
  out.height = img.height;
  out.px.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, out.px.data(), 0, nullptr))
    ADD_FAILURE() << path << ": " << img.message;
  return out;
}

/// The files in dir (to check that nothing, not even a temporary, is left).
std::vector<std::string> filesIn(const std::string &dir) {
  std::vector<std::string> names;
  for (const auto &e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  return names;
}

/// Lowers the file-size limit (with SIGXFSZ ignored, a write past it fails
/// with EFBIG, as a full disk fails with ENOSPC) for the scope.
class FileSizeLimit {
public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved);
    oldHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim = saved;
    lim.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, oldHandler);
  }

private:
  rlimit saved;
  void (*oldHandler)(int);
};

constexpr unsigned Frame = 40; // the grid's background (Images.cpp)

} // namespace

// Three grey 2 x 3 images in 2 columns: a 2 x 2 grid whose fourth cell is
// empty. Each pixel is drawn as a 2 x 2 block with a 2-pixel frame, so image
// k's pixel (y, x) covers rows 2 + (k / 2) * 6 + 2y + {0, 1} and columns
// 2 + (k % 2) * 8 + 2x + {0, 1}.
TEST(Images, GreyGridPixels) {
  TempDir dir;
  const int64_t n = 3, h = 2, w = 3;
  std::vector<float> images(size_t(n * h * w));
  for (int64_t i = 0; i < n * h * w; ++i)
    images[size_t(i)] = float(i) / float(n * h * w - 1);
  // Clamping: below 0 is black, above 1 white, NaN black.
  images[1] = -0.5f;
  images[2] = 1.5f;
  images[3] = NAN;
  std::string path = dir.path("grid.png");
  writeImageGrid(path, images.data(), n, h, w, 1, 2);

  Rgb png = readPng(path);
  ASSERT_EQ(png.width, 2 * (w * 2 + 2) + 2);  // 18
  ASSERT_EQ(png.height, 2 * (h * 2 + 2) + 2); // 14
  std::vector<int> expected(size_t(png.width * png.height), int(Frame));
  for (int64_t k = 0; k < n; ++k)
    for (int64_t y = 0; y < 2 * h; ++y)
      for (int64_t x = 0; x < 2 * w; ++x) {
        float v = images[size_t((k * h + y / 2) * w + x / 2)];
        v = std::isnan(v) ? 0 : std::min(1.0f, std::max(0.0f, v));
        int64_t py = 2 + (k / 2) * (2 * h + 2) + y,
                px = 2 + (k % 2) * (2 * w + 2) + x;
        expected[size_t(py * png.width + px)] = int(std::lround(v * 255));
      }
  for (int64_t y = 0; y < png.height; ++y)
    for (int64_t x = 0; x < png.width; ++x)
      for (int ch = 0; ch < 3; ++ch)
        ASSERT_EQ(png.at(y, x, ch), expected[size_t(y * png.width + x)])
            << "pixel (" << y << ", " << x << ") channel " << ch;
  // Spot checks of the clamping, independent of the loop above.
  EXPECT_EQ(png.at(2, 2, 0), 0u);              // image 0 (0, 0) = 0
  EXPECT_EQ(png.at(2, 4, 0), 0u);              // (0, 1) = -0.5
  EXPECT_EQ(png.at(3, 7, 0), 255u);            // (0, 2) = 1.5
  EXPECT_EQ(png.at(4, 2, 0), 0u);              // (1, 0) = NaN
  EXPECT_EQ(png.at(13 - 2, 17 - 2, 0), Frame); // the empty fourth cell
  EXPECT_EQ(png.at(8, 2, 0), 180u);            // image 2 (0, 0): 12/17
}

// RGB (c = 3) with a range [lo, hi] = [-1, 1]: the channels stay apart and
// -1, 0, 1 map to 0, 128, 255.
TEST(Images, RgbGridAndRange) {
  TempDir dir;
  // Two 1 x 2 images, NHWC, in one row.
  std::vector<float> images = {-1, 0,  1,  1, 0,   -1, //
                               0,  -1, -3, 3, 0.5, 0};
  std::string path = dir.path("rgb.png");
  writeImageGrid(path, images.data(), 2, 1, 2, 3, 4, -1, 1);
  Rgb png = readPng(path);
  // cols is capped at n: 2 columns of 2 x 4 pixel images, one row.
  ASSERT_EQ(png.width, 2 * (2 * 2 + 2) + 2);
  ASSERT_EQ(png.height, 1 * (1 * 2 + 2) + 2);
  auto pixel = [&](int64_t k, int64_t x) {
    int64_t py = 2, px = 2 + k * 6 + 2 * x;
    return std::vector<unsigned>{png.at(py, px, 0), png.at(py, px, 1),
                                 png.at(py, px, 2)};
  };
  EXPECT_EQ(pixel(0, 0), (std::vector<unsigned>{0, 128, 255}));
  EXPECT_EQ(pixel(0, 1), (std::vector<unsigned>{255, 128, 0}));
  EXPECT_EQ(pixel(1, 0), (std::vector<unsigned>{128, 0, 0}));
  EXPECT_EQ(pixel(1, 1), (std::vector<unsigned>{255, 191, 128}));
  // The 2 x 2 block of one source pixel is uniform.
  EXPECT_EQ(png.at(3, 9, 0), png.at(2, 8, 0));
  EXPECT_EQ(png.at(3, 9, 1), png.at(2, 8, 1));
}

// Writing over an existing file replaces it whole (temporary + rename).
TEST(Images, ReplacesExistingFile) {
  TempDir dir;
  std::string path = dir.path("grid.png");
  nnrt::test::writeFile(path, std::string(100000, 'x'));
  float one = 1;
  writeImageGrid(path, &one, 1, 1, 1, 1, 1);
  Rgb png = readPng(path);
  EXPECT_EQ(png.width, 6);
  EXPECT_EQ(png.at(2, 2, 0), 255u);
  EXPECT_EQ(filesIn(dir.dir), std::vector<std::string>{"grid.png"});
}

TEST(Images, UnwritablePathNamesIt) {
  TempDir dir;
  float v = 0.5f;
  std::string missing = dir.path("no-such-dir/grid.png");
  EXPECT_EQ(errorOf([&] { writeImageGrid(missing, &v, 1, 1, 1, 1, 1); }),
            missing + ": cannot write: No such file or directory");
  EXPECT_EQ(errorOf([&] { writeCodes(missing + ".npy", &v, 1, 1); }),
            missing + ".npy: cannot write: No such file or directory");
  // The path is a directory: the temporary is written, the rename fails and
  // the temporary is removed.
  std::string sub = dir.path("sub");
  std::filesystem::create_directory(sub);
  std::filesystem::create_directory(sub + "/inner");
  errno = ENOENT; // a stale errno must not be what the message reports
  EXPECT_EQ(errorOf([&] { writeImageGrid(sub + "/inner", &v, 1, 1, 1, 1, 1); }),
            sub + "/inner: cannot write: Is a directory");
  EXPECT_EQ(filesIn(sub), std::vector<std::string>{"inner"});
}

// A write that fails midway (the file-size limit stands in for a full disk):
// an Error naming the path and its cause, no file and no temporary left, and
// an existing file untouched.
TEST(Images, FailedWriteLeavesNothing) {
  TempDir dir;
  // 64 noisy 28 x 28 RGB images: ~600 KB of pixels that do not compress to
  // below the 4 KB limit.
  std::vector<float> images(size_t(64 * 28 * 28 * 3));
  unsigned s = 1;
  for (float &v : images)
    v = float((s = s * 1103515245u + 12345u) >> 16 & 255) / 255.0f;
  std::string png = dir.path("grid.png"), npy = dir.path("codes.npy"),
              csv = dir.path("codes.csv");
  nnrt::test::writeFile(csv, "old\n");
  {
    FileSizeLimit limit(4096);
    EXPECT_EQ(
        errorOf([&] { writeImageGrid(png, images.data(), 64, 28, 28, 3, 8); }),
        png + ": cannot write: File too large");
    EXPECT_EQ(errorOf([&] { writeCodes(npy, images.data(), 64, 28 * 28); }),
              npy + ": cannot write: File too large");
    EXPECT_EQ(errorOf([&] { writeCodes(csv, images.data(), 64, 28 * 28); }),
              csv + ": cannot write: File too large");
  }
  EXPECT_EQ(filesIn(dir.dir), std::vector<std::string>{"codes.csv"});
  EXPECT_EQ(readFile(csv), "old\n");
  // Without the limit the same calls succeed.
  writeImageGrid(png, images.data(), 64, 28, 28, 3, 8);
  EXPECT_EQ(readPng(png).width, 8 * (56 + 2) + 2);
}

// .npy v1.0: magic, version, little-endian header length, the header dict
// padded with spaces to a 64-byte boundary and ending in '\n', then the
// floats as little-endian f32 in C order.
TEST(Images, CodesNpy) {
  TempDir dir;
  const int64_t n = 3, dim = 5;
  std::vector<float> codes(size_t(n * dim));
  for (int64_t i = 0; i < n * dim; ++i)
    codes[size_t(i)] = float(i) * 0.25f - 1.0f;
  std::string path = dir.path("codes.npy");
  writeCodes(path, codes.data(), n, dim);
  std::string bytes = readFile(path);
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  size_t len = size_t((unsigned char)bytes[8]) | size_t((unsigned char)bytes[9])
                                                     << 8;
  ASSERT_EQ((10 + len) % 64, 0u);
  std::string header = bytes.substr(10, len);
  EXPECT_EQ(header.substr(0, header.find('}') + 1),
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }");
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header.find_first_not_of(' ', header.find('}') + 1),
            header.size() - 1);
  ASSERT_EQ(bytes.size(), 10 + len + size_t(n * dim) * 4);
  std::vector<float> back(size_t(n * dim));
  std::memcpy(back.data(), bytes.data() + 10 + len, back.size() * 4);
  EXPECT_EQ(back, codes);
}

// CSV: one row per sample, comma-separated, %.9g (every float read back
// exactly).
TEST(Images, CodesCsv) {
  TempDir dir;
  std::vector<float> codes = {0.1f,        -3.5e-7f, 123456792.0f,
                              1.0f / 3.0f, 0.0f,     -2.0f};
  std::string path = dir.path("codes.txt");
  writeCodes(path, codes.data(), 2, 3);
  std::string text = readFile(path);
  EXPECT_EQ(text, "0.100000001,-3.49999993e-07,123456792\n"
                  "0.333333343,0,-2\n");
  std::vector<float> back;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');)
      back.push_back(std::strtof(cell.c_str(), nullptr));
  }
  EXPECT_EQ(back, codes);
}
