//===- Generate.cpp - sample, reconstruct and encode commands -------------===//
//
// See Generate.h. Images are the slot's rows read as H x W x C: [B, H, W, C],
// [B, H, W] (C = 1) or [B, N] with N a square (grey N = s * s); values are
// clamped to [0, 1] (Images.h).
//
//===----------------------------------------------------------------------===//
#include "Generate.h"
#include "Error.h"
#include "Images.h"

#include <cmath>
#include <cstring>

namespace nnrt {

namespace {

struct ImageShape {
  int64_t h = 0, w = 0, c = 0;
};

ImageShape imageShape(const Slot &s) {
  const std::vector<int64_t> &d = s.shape;
  if (d.size() == 4)
    return {d[1], d[2], d[3]};
  if (d.size() == 3)
    return {d[1], d[2], 1};
  int64_t side = int64_t(std::llround(std::sqrt(double(s.perSample()))));
  if (d.size() == 2 && side * side == s.perSample())
    return {side, side, 1};
  throw Error("'" + s.name + "' of shape [" + shapeStr(d) +
              "] is not an image batch [B, H, W, C], [B, H, W] or [B, N] "
              "with N a square");
}

/// Columns of a grid of n images: the smallest c with c * c >= n.
int64_t columns(int64_t n) {
  int64_t c = int64_t(std::ceil(std::sqrt(double(n))));
  return std::max<int64_t>(c, 1);
}

} // namespace

void writeSamples(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                  const std::string &path, int64_t n, uint64_t seed) {
  if (d.sample.name.empty() || !ep.sampleImages)
    throw Error("model " + d.model +
                " draws no images: its train section has no `sample = ...` "
                "(e.g. sample = Gen(normal([B, 64])))");
  ImageShape is = imageShape(d.sample);
  const int64_t per = d.sample.perSample();
  std::vector<float> images(size_t(n * per));
  resetCarried(d, arena);
  std::memset(arena.at(d.x), 0, d.x.bytes());
  for (int64_t done = 0, k = 1; done < n; done += d.batch, ++k) {
    setHyper(d, arena, 0, k, seed);
    ep.sampleImages(arena.base());
    int64_t count = std::min(d.batch, n - done);
    std::memcpy(&images[size_t(done * per)], arena.f32(d.sample),
                size_t(count * per) * 4);
  }
  writeImageGrid(path, images.data(), n, is.h, is.w, is.c, columns(n));
}

void writeReconstructions(const ModelDesc &d, const EntryPoints &ep,
                          Arena &arena, const Dataset &test,
                          const std::string &path, int64_t n, uint64_t seed) {
  // The reconstruction: `reconstruct = ...`, or the output itself when it
  // has x's shape (an autoencoder).
  const Slot *out = &d.reconstruct;
  void (*fn)(char *) = ep.reconstruct;
  if (d.reconstruct.name.empty()) {
    out = &d.out;
    fn = ep.predict;
    if (d.out.shape != d.x.shape || !d.steps.empty())
      throw Error("model " + d.model +
                  " does not reconstruct its input: its output is [" +
                  shapeStr(d.out.shape) + "], x is [" + shapeStr(d.x.shape) +
                  "]; say what to show with `reconstruct = ...` in the "
                  "train section");
  }
  ImageShape is = imageShape(d.x);
  const int64_t per = d.x.perSample();
  n = std::min(n, test.n);
  // Rows of pairs: original, reconstruction.
  std::vector<float> images(size_t(2 * n * per));
  std::vector<int64_t> order(size_t(test.n));
  for (int64_t i = 0; i < test.n; ++i)
    order[size_t(i)] = i;
  resetCarried(d, arena);
  for (int64_t done = 0, k = 1; done < n; done += d.batch, ++k) {
    int64_t count = std::min(d.batch, n - done);
    fillBatch(d, test, &order[size_t(done)], count, arena);
    setHyper(d, arena, 0, k, seed);
    fn(arena.base());
    for (int64_t i = 0; i < count; ++i) {
      std::memcpy(&images[size_t((2 * (done + i)) * per)],
                  arena.f32(d.x) + i * per, size_t(per) * 4);
      std::memcpy(&images[size_t((2 * (done + i) + 1) * per)],
                  arena.f32(*out) + i * per, size_t(per) * 4);
    }
  }
  int64_t pairsPerRow = columns(n);
  writeImageGrid(path, images.data(), 2 * n, is.h, is.w, is.c, 2 * pairsPerRow);
}

void writeEncodings(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                    const Dataset &test, const std::string &path,
                    uint64_t seed) {
  if (d.encode.name.empty() || !ep.encode)
    throw Error("model " + d.model +
                " has no codes: its train section has no `encode = ...` "
                "(e.g. encode = Encoder(x))");
  const int64_t dim = d.encode.perSample();
  std::vector<float> codes(size_t(test.n * dim));
  std::vector<int64_t> order(size_t(test.n));
  for (int64_t i = 0; i < test.n; ++i)
    order[size_t(i)] = i;
  resetCarried(d, arena);
  for (int64_t done = 0, k = 1; done < test.n; done += d.batch, ++k) {
    int64_t count = std::min(d.batch, test.n - done);
    fillBatch(d, test, &order[size_t(done)], count, arena);
    setHyper(d, arena, 0, k, seed);
    ep.encode(arena.base());
    std::memcpy(&codes[size_t(done * dim)], arena.f32(d.encode),
                size_t(count * dim) * 4);
  }
  writeCodes(path, codes.data(), test.n, dim);
}

} // namespace nnrt
