//===- Data.cpp - IDX reader, inline datasets, batch filling --------------===//
//
// IDX (yann.lecun.com/exdb/mnist): bytes 0-1 zero, byte 2 the element type
// (0x08 = unsigned byte), byte 3 the rank, then rank big-endian u32 dims, then
// the data. Fashion-MNIST: images [N, 28, 28] (magic 0x00000803), labels [N]
// (magic 0x00000801) in 0..9. Every read is checked; a short read is reported
// as truncation with the byte counts.
//
//===----------------------------------------------------------------------===//
#include "Data.h"
#include "Error.h"
#include "Seq2Seq.h"
#include "Words.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <zlib.h>

namespace nnrt {

namespace {

/// A gzFile that closes itself, with reads that throw on error.
class GzReader {
public:
  explicit GzReader(const std::string &path) : path(path) {
    errno = 0;
    f = gzopen(path.c_str(), "rb");
    if (!f)
      throw Error(path + ": cannot open: " +
                  (errno ? std::strerror(errno) : "out of memory"));
  }
  ~GzReader() { gzclose(f); }
  /// Reads up to n bytes; returns the count (short only at end of file).
  size_t read(void *dst, size_t n) {
    size_t got = 0;
    while (got < n) {
      unsigned chunk = unsigned(std::min<size_t>(n - got, 1u << 30));
      int r = gzread(f, static_cast<char *>(dst) + got, chunk);
      if (r < 0) {
        int code = 0;
        const char *msg = gzerror(f, &code);
        throw Error(path + ": corrupt gzip data: " + msg);
      }
      if (r == 0)
        break;
      got += size_t(r);
    }
    // zlib reports a truncated gzip stream as an error after a short read.
    int code = 0;
    const char *msg = gzerror(f, &code);
    if (code != Z_OK && code != Z_STREAM_END)
      throw Error(path + ": corrupt or truncated gzip data: " + msg);
    return got;
  }

private:
  std::string path;
  gzFile f;
};

} // namespace

IdxFile readIdx(const std::string &path, int rank) {
  GzReader in(path);
  uint8_t head[4];
  if (in.read(head, 4) != 4)
    throw Error(path + ": truncated: the IDX header needs 4 bytes");
  uint32_t magic = uint32_t(head[0]) << 24 | uint32_t(head[1]) << 16 |
                   uint32_t(head[2]) << 8 | head[3];
  uint32_t want = 0x800u | uint32_t(rank);
  if (magic != want) {
    char buf[96];
    std::snprintf(buf, sizeof buf,
                  ": bad magic number 0x%08x (expected 0x%08x: unsigned "
                  "bytes, rank %d)",
                  magic, want, rank);
    throw Error(path + buf);
  }
  IdxFile idx;
  uint64_t total = 1;
  for (int i = 0; i < rank; ++i) {
    uint8_t b[4];
    if (in.read(b, 4) != 4)
      throw Error(path + ": truncated in the IDX dimensions");
    uint32_t dim = uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 |
                   uint32_t(b[2]) << 8 | b[3];
    idx.dims.push_back(dim);
    total *= dim;
  }
  if (total > (uint64_t(1) << 32))
    throw Error(path + ": IDX dimensions describe " + std::to_string(total) +
                " bytes, more than 4 GiB");
  // The buffer grows (doubling, from 1 MiB) with the data actually read, so a
  // header that promises gigabytes of a short file costs no memory or time.
  size_t got = 0;
  while (got < total) {
    size_t chunk = size_t(std::min<uint64_t>(
        total - got, std::max<size_t>(got, size_t(1) << 20)));
    idx.data.resize(got + chunk);
    size_t n = in.read(idx.data.data() + got, chunk);
    got += n;
    if (n < chunk)
      break;
  }
  if (got != total)
    throw Error(path + ": truncated: the header promises " +
                std::to_string(total) + " data bytes, the file has " +
                std::to_string(got));
  uint8_t extra;
  if (in.read(&extra, 1) != 0)
    throw Error(path + ": trailing bytes after the " + std::to_string(total) +
                " data bytes the header promises");
  return idx;
}

Dataset loadFashionMnist(const ModelDesc &d, const std::string &dir,
                         const std::string &split) {
  std::string imgPath = dir + "/" + split + "-images-idx3-ubyte.gz";
  std::string lblPath = dir + "/" + split + "-labels-idx1-ubyte.gz";
  if (d.x.perSample() != 784)
    throw Error("fashion_mnist has 784 values per sample but the model "
                "input " +
                shapeStr(d.x.shape) + " has " +
                std::to_string(d.x.perSample()));
  if (d.y.dtype != DType::I32 || d.y.perSample() != 1)
    throw Error("fashion_mnist needs an i32 label target [B], the model has " +
                shapeStr(d.y.shape));
  IdxFile img = readIdx(imgPath, 3);
  IdxFile lbl = readIdx(lblPath, 1);
  if (img.dims[1] * img.dims[2] != 784)
    throw Error(imgPath + ": images are " + std::to_string(img.dims[1]) + "x" +
                std::to_string(img.dims[2]) + ", expected 28x28");
  if (img.dims[0] != lbl.dims[0])
    throw Error(lblPath + ": " + std::to_string(lbl.dims[0]) + " labels for " +
                std::to_string(img.dims[0]) + " images");
  Dataset ds;
  ds.n = img.dims[0];
  ds.xPer = 784;
  ds.yPer = 1;
  ds.x.resize(img.data.size());
  for (size_t i = 0; i < img.data.size(); ++i)
    ds.x[i] = float(img.data[i]) / 255.0f;
  ds.yI.resize(ds.n);
  for (int64_t i = 0; i < ds.n; ++i) {
    if (d.classification && lbl.data[i] >= d.classes())
      throw Error(lblPath + ": label " + std::to_string(lbl.data[i]) +
                  " at index " + std::to_string(i) + " is not below the " +
                  std::to_string(d.classes()) + " model outputs");
    ds.yI[i] = lbl.data[i];
  }
  return ds;
}

Dataset tensorsDataset(const ModelDesc &d) {
  Dataset ds;
  ds.n = d.dataRows;
  ds.xPer = d.x.perSample();
  ds.yPer = d.y.perSample();
  if (d.x.dtype == DType::I32)
    ds.xI.assign(d.dataX.begin(), d.dataX.end());
  else
    ds.x = d.dataX;
  if (d.y.dtype == DType::I32)
    ds.yI.assign(d.dataY.begin(), d.dataY.end());
  else
    ds.yF = d.dataY;
  return ds;
}

Dataset syntheticDataset(const ModelDesc &d, uint64_t seed) {
  bool labels = d.syntheticClasses > 0;
  if (labels && (d.y.dtype != DType::I32 || d.y.perSample() != 1))
    throw Error("synthetic data gives one i32 label per sample, but the "
                "model's target is not i32[B]");
  if (!labels && (d.y.dtype != DType::F32 || d.y.perSample() != 1))
    throw Error("synthetic data without classes gives f32[B] zeros as "
                "targets, but the model's target is not f32[B]");
  Dataset ds;
  ds.n = d.syntheticSamples;
  ds.xPer = d.x.perSample();
  ds.yPer = 1;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u((float)d.syntheticLo,
                                          (float)d.syntheticHi);
  ds.x.resize(ds.n * ds.xPer);
  for (float &v : ds.x)
    v = u(rng);
  if (!labels) {
    ds.yF.assign(ds.n, 0.0f);
    return ds;
  }
  std::uniform_int_distribution<int32_t> label(0, d.syntheticClasses - 1);
  ds.yI.resize(ds.n);
  for (int32_t &v : ds.yI)
    v = label(rng);
  return ds;
}

int textClass(unsigned char c) {
  if (c == '\t')
    return 0;
  if (c == '\n')
    return 1;
  return c >= ' ' && c <= '~' ? c - ' ' + 2 : -1;
}

char textChar(int k) {
  return k == 0 ? '\t' : k == 1 ? '\n' : char(' ' + k - 2);
}

std::vector<int32_t> readText(const std::string &path, int64_t &skipped) {
  errno = 0;
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    throw Error(path + ": cannot open: " + std::strerror(errno));
  std::vector<int32_t> out;
  std::vector<unsigned char> buf(1 << 16);
  skipped = 0;
  int64_t offset = 0, firstBad = -1;
  size_t got;
  while ((got = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    for (size_t i = 0; i < got; ++i, ++offset) {
      int k = textClass(buf[i]);
      if (buf[i] == 0) {
        std::fclose(f);
        throw Error(path + ": not a text file: a NUL byte at offset " +
                    std::to_string(offset));
      }
      if (buf[i] == '\r')
        continue; // CRLF line ends: the \n stands for both
      if (k >= 0) {
        out.push_back(k);
      } else {
        firstBad = firstBad < 0 ? offset : firstBad;
        ++skipped;
      }
    }
  }
  bool readError = std::ferror(f);
  std::fclose(f);
  if (readError)
    throw Error(path + ": read error");
  if (offset == 0)
    throw Error(path + ": empty file");
  if (skipped * 100 > offset) {
    throw Error(path + ": not plain text: " + std::to_string(skipped) + " of " +
                std::to_string(offset) +
                " bytes are not tab, newline or ' ' to '~' (the first at "
                "offset " +
                std::to_string(firstBad) + ")");
  }
  return out;
}

int64_t streamBatches(const ModelDesc &d, const Dataset &ds) {
  int64_t t = d.x.shape[1];
  return ds.n > 0 ? ((ds.n - 1) / d.batch) / t : 0;
}

void fillStreamBatch(const ModelDesc &d, const Dataset &ds, int64_t s,
                     Arena &arena) {
  const int64_t b = d.batch, t = d.x.shape[1], c = kTextClasses;
  const int64_t rowLen = (ds.n - 1) / b;
  float *x = arena.f32(d.x), *w = arena.f32(d.w); // x [B, T, C], w [B]
  int32_t *y = arena.i32(d.y);                    // y [B, T]
  std::memset(x, 0, d.x.bytes());
  for (int64_t i = 0; i < b; ++i) {
    w[i] = 1.0f;
    const int32_t *row = &ds.stream[i * rowLen + s * t];
    for (int64_t j = 0; j < t; ++j) {
      x[(i * t + j) * c + row[j]] = 1.0f;
      y[i * t + j] = row[j + 1];
    }
  }
}

/// `data text`: the training stream (the file's first 1 - test) or the test
/// stream; each must fill at least one batch.
static Dataset textSplit(const ModelDesc &d, const std::string &fileOverride,
                         bool test) {
  const std::string &path = fileOverride.empty() ? d.textFile : fileOverride;
  int64_t skipped = 0;
  std::vector<int32_t> all = readText(path, skipped);
  int64_t cut = int64_t(double(all.size()) * (1 - d.textTest));
  Dataset ds;
  ds.stream.assign(all.begin() + (test ? cut : 0),
                   test ? all.end() : all.begin() + cut);
  ds.n = int64_t(ds.stream.size());
  const int64_t need = d.batch * d.x.shape[1] + 1;
  if (ds.n < need) {
    char frac[32];
    std::snprintf(frac, sizeof frac, "%g%%",
                  100 * (test ? d.textTest : 1 - d.textTest));
    throw Error(path + ": too short: its " + (test ? "test" : "training") +
                " part (" + frac + " of " + std::to_string(all.size()) +
                " characters) has " + std::to_string(ds.n) + ", one batch of " +
                std::to_string(d.batch) +
                " rows of T = " + std::to_string(d.x.shape[1]) + " needs " +
                std::to_string(need));
  }
  return ds;
}

static Dataset loadSplit(const ModelDesc &d, const std::string &dirOverride,
                         const std::string &split) {
  if (!d.textFile.empty())
    return textSplit(d, dirOverride, split == "t10k");
  if (!d.cmudictFile.empty())
    return cmudictSplit(d, dirOverride, split == "t10k");
  if (!d.words.path.empty())
    return wordsSplit(d, dirOverride, split == "t10k");
  if (d.syntheticSamples > 0) {
    if (!dirOverride.empty())
      throw Error("--data applies only to fashion_mnist models; this model "
                  "has synthetic data");
    return syntheticDataset(d, d.seed);
  }
  if (d.tensorsData) {
    if (!dirOverride.empty())
      throw Error("--data applies only to fashion_mnist models; this model "
                  "has its data inline");
    return tensorsDataset(d);
  }
  return loadFashionMnist(d, dirOverride.empty() ? d.dataDir : dirOverride,
                          split);
}

Dataset trainSet(const ModelDesc &d, const std::string &dirOverride) {
  return loadSplit(d, dirOverride, "train");
}

Dataset testSet(const ModelDesc &d, const std::string &dirOverride) {
  return loadSplit(d, dirOverride, "t10k");
}

void fillBatch(const ModelDesc &d, const Dataset &ds, const int64_t *order,
               int64_t count, Arena &arena) {
  const int64_t b = d.batch, xp = ds.xPer, yp = ds.yPer;
  char *x = arena.at(d.x);
  float *w = arena.f32(d.w);
  std::memset(x, 0, d.x.bytes());
  std::memset(arena.at(d.y), 0, d.y.bytes());
  for (int64_t i = 0; i < b; ++i)
    w[i] = i < count ? 1.0f : 0.0f;
  for (int64_t i = 0; i < count; ++i) {
    int64_t s = order[i];
    if (d.x.dtype == DType::I32)
      std::memcpy(x + i * xp * 4, &ds.xI[s * xp], xp * 4);
    else
      std::memcpy(x + i * xp * 4, &ds.x[s * xp], xp * 4);
    if (d.y.dtype == DType::I32)
      std::memcpy(arena.i32(d.y) + i * yp, &ds.yI[s * yp], yp * 4);
    else
      std::memcpy(arena.f32(d.y) + i * yp, &ds.yF[s * yp], yp * 4);
  }
}

} // namespace nnrt
