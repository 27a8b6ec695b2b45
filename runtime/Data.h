//===- Data.h - Datasets and batches ----------------------------*- C++ -*-===//
//
// A Dataset is N samples held in memory: x [N, X] f32 and y [N, Y] (f32, or
// i32 labels), X and Y the per-sample sizes of the model's x and y slots.
// Sources: Fashion-MNIST IDX files (gzip, read with zlib; images scaled to
// [0,1] as pixel/255, 784 floats per sample whatever x's shape), or the
// descriptor's inline `data tensors`. fillBatch copies B samples into the
// arena's x [B, X], y [B, Y] and w [B] slots: w = 1 for the `count` real
// samples and 0 for the padding rows, whose x and y are zero.
//
// `data text`: a character stream instead of samples. The file's bytes are
// classes (textClass: tab, newline, ' '..'~'); its first 1 - test fraction
// trains, the rest tests. A stream of n classes is cut into B rows of
// L = (n - 1) / B consecutive characters; batch s holds positions
// [sT, sT + T) of every row (x one-hot, y the next character), so a stateful
// layer's carried state continues each row from one batch to the next.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_DATA_H
#define NNRT_DATA_H

#include "Arena.h"
#include "Descriptor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnrt {

struct Dataset {
  /// `data text`: the stream of character classes (n = its length);
  /// x, yF, yI are empty.
  std::vector<int32_t> stream;
  bool isStream() const { return !stream.empty(); }
  int64_t n = 0;
  int64_t xPer = 0, yPer = 0;
  std::vector<float> x;    ///< [n, xPer] when x is f32
  std::vector<int32_t> xI; ///< [n, xPer] when x is i32 (token ids)
  std::vector<float> yF;   ///< [n, yPer] when y is f32
  std::vector<int32_t> yI; ///< [n, yPer] when y is i32
};

/// An IDX file of unsigned bytes: its dims and its data (row-major).
struct IdxFile {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

/// Reads a (gzip-compressed or plain) IDX file whose magic is
/// 0x0000 0x08 <rank>: unsigned bytes, `rank` big-endian u32 dims. Checks the
/// magic, that the data is exactly product(dims) bytes (no truncation, no
/// trailing bytes), and gzip integrity. Throws Error("FILE: ...").
IdxFile readIdx(const std::string &path, int rank);

/// Fashion-MNIST `<dir>/<split>-images-idx3-ubyte.gz` and
/// `<dir>/<split>-labels-idx1-ubyte.gz` (split: train or t10k) for model d.
Dataset loadFashionMnist(const ModelDesc &d, const std::string &dir,
                         const std::string &split);

/// The descriptor's inline `data tensors` dataset.
Dataset tensorsDataset(const ModelDesc &d);

/// `data synthetic`: samples rows of x ~ U(lo, hi) and i32 labels uniform in
/// [0, classes), from std::mt19937_64(seed) (x row-major, then the labels);
/// with classes 0, f32 targets of zeros (the loss does not read them).
Dataset syntheticDataset(const ModelDesc &d, uint64_t seed);

/// Training and test sets for d (`data tensors`: the same set twice).
/// `dirOverride` replaces the fashion_mnist directory when not empty.
/// `data synthetic`: the same set twice, drawn from d.seed.
Dataset trainSet(const ModelDesc &d, const std::string &dirOverride);
Dataset testSet(const ModelDesc &d, const std::string &dirOverride);

/// The class of byte c in `data text` (-1: not one of the 97 characters)
/// and the character of class k.
int textClass(unsigned char c);
char textChar(int k);

/// The classes of a text file's characters. Throws Error("FILE: ...") when it
/// cannot be read, is empty, or is not plain text (a NUL byte, or more than
/// 1% of bytes outside the 97 characters); other bytes outside them are
/// skipped (counted in `skipped`).
std::vector<int32_t> readText(const std::string &path, int64_t &skipped);

/// Batches per pass over a stream for model d: ((n - 1) / B) / T.
int64_t streamBatches(const ModelDesc &d, const Dataset &ds);

/// Batch s of a stream (see above) into x, y, w (all 1) of the arena.
void fillStreamBatch(const ModelDesc &d, const Dataset &ds, int64_t s,
                     Arena &arena);

/// Copies samples order[0..count) of ds into x/y/w of the arena; rows
/// count..B-1 are zero with w = 0. Requires 0 < count <= B.
void fillBatch(const ModelDesc &d, const Dataset &ds, const int64_t *order,
               int64_t count, Arena &arena);

} // namespace nnrt

#endif // NNRT_DATA_H
