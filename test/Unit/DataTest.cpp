//===- DataTest.cpp - IDX reading, Fashion-MNIST loading, batch filling ---===//
//
// Small gzip IDX files written by the test: a valid one reads back exactly;
// truncated data, a wrong magic number, trailing bytes, a cut gzip stream and
// a missing file each throw an Error naming the file. fillBatch pads a partial
// batch with zero rows of weight 0.
//
//===----------------------------------------------------------------------===//
#include "Data.h"
#include "Error.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace nnrt;
using namespace nnrt::test;

/// IDX bytes: magic 0x0000 0x08 rank, big-endian dims, then `data`.
static std::string idx(std::vector<uint32_t> dims, const std::string &data,
                       uint8_t type = 0x08) {
  std::string s = {0, 0, char(type), char(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      s += char(d >> shift);
  return s + data;
}

TEST(Idx, ReadsValidGzip) {
  TempDir t;
  std::string p = t.path("a.gz");
  writeGzip(p, idx({3, 2, 2}, std::string("\x00\x01\x02\x03\x04\x05\x06\x07"
                                          "\x08\x09\x0a\xff",
                                          12)));
  IdxFile f = readIdx(p, 3);
  EXPECT_EQ(f.dims, (std::vector<int64_t>{3, 2, 2}));
  ASSERT_EQ(f.data.size(), 12u);
  EXPECT_EQ(f.data[1], 1);
  EXPECT_EQ(f.data[11], 255);
}

TEST(Idx, RejectsTruncatedData) {
  TempDir t;
  std::string p = t.path("a.gz");
  writeGzip(p, idx({3, 2, 2}, std::string(11, '\x01')));
  std::string e = errorOf([&] { readIdx(p, 3); });
  EXPECT_NE(e.find(p + ": truncated: the header promises 12 data bytes, the "
                       "file has 11"),
            std::string::npos)
      << e;
}

TEST(Idx, ShortFilePromisingGigabytesFailsFast) {
  // Found by fuzz-idx: 3.9 GiB promised, 5 bytes there. The reader must not
  // allocate what the header promises before the data arrives (its
  // regression input, test/fuzz/regressions/idx, times out if it does).
  TempDir t;
  std::string p = t.path("a.gz");
  writeGzip(p, idx({0xfffffff0u}, std::string(5, '\x01')));
  auto start = std::chrono::steady_clock::now();
  std::string e = errorOf([&] { readIdx(p, 1); });
  double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_NE(e.find("the header promises 4294967280 data bytes, the file has 5"),
            std::string::npos)
      << e;
}

TEST(Idx, RejectsWrongMagic) {
  TempDir t;
  std::string p = t.path("a.gz");
  writeGzip(p, idx({4}, "abcd", 0x0d)); // 0x0d: f32 elements
  std::string e = errorOf([&] { readIdx(p, 1); });
  EXPECT_NE(e.find(p + ": bad magic number 0x00000d01"), std::string::npos)
      << e;
  writeGzip(p, idx({4}, "abcd")); // rank 1 where rank 3 is expected
  e = errorOf([&] { readIdx(p, 3); });
  EXPECT_NE(e.find("bad magic number 0x00000801 (expected 0x00000803"),
            std::string::npos)
      << e;
}

TEST(Idx, RejectsTrailingBytes) {
  TempDir t;
  std::string p = t.path("a.gz");
  writeGzip(p, idx({2}, "abc"));
  std::string e = errorOf([&] { readIdx(p, 1); });
  EXPECT_NE(e.find("trailing bytes"), std::string::npos) << e;
}

TEST(Idx, RejectsCutGzipStream) {
  TempDir t;
  std::string p = t.path("a.gz");
  std::string data(5000, '\0');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = char(i * 7919 % 251);
  writeGzip(p, idx({5000}, data));
  std::string whole = readFile(p);
  writeFile(p, whole.substr(0, whole.size() / 2));
  std::string e = errorOf([&] { readIdx(p, 1); });
  EXPECT_EQ(e.rfind(p + ": ", 0), 0u) << e;
  EXPECT_TRUE(e.find("truncated") != std::string::npos ||
              e.find("corrupt") != std::string::npos)
      << e;
  // Corrupt the deflate data in the middle instead.
  std::string bad = whole;
  for (size_t i = 20; i < 60; ++i)
    bad[i] = char(0xff);
  writeFile(p, bad);
  e = errorOf([&] { readIdx(p, 1); });
  EXPECT_EQ(e.rfind(p + ": ", 0), 0u) << e;
}

TEST(Idx, RejectsMissingFile) {
  std::string e = errorOf([] { readIdx("/nonexistent/x.gz", 1); });
  EXPECT_NE(e.find("/nonexistent/x.gz: cannot open"), std::string::npos) << e;
}

// A classifier on 28x28 inputs, batch 2, 10 classes.
static const char *kMnist = "nnc-model 1\n"
                            "model M\n"
                            "batch 2\n"
                            "arena 9856\n"
                            "optimizer sgd lr=0.1 momentum=0 beta1=0 beta2=0 "
                            "eps=0\n"
                            "train epochs=1 seed=0 classification=1\n"
                            "data fashion_mnist /nonexistent\n"
                            "slot param W f32 784,1 0\n"
                            "init zeros\n"
                            "slot input x f32 2,28,28 3200\n"
                            "slot target y i32 2 9472\n"
                            "slot weight w f32 2 9536\n"
                            "slot hyper hyper f32 4 9600\n"
                            "slot loss loss f32 scalar 9664\n"
                            "slot output out f32 2,10 9728\n";

TEST(FashionMnist, LoadsImagesAndLabels) {
  TempDir t;
  ModelDesc d = parseDescriptor(kMnist);
  std::string pixels(3 * 784, '\0');
  pixels[784 + 5] = char(255);
  pixels[2 * 784] = char(51);
  writeGzip(t.path("train-images-idx3-ubyte.gz"), idx({3, 28, 28}, pixels));
  writeGzip(t.path("train-labels-idx1-ubyte.gz"),
            idx({3}, std::string("\x07\x00\x09", 3)));
  Dataset ds = trainSet(d, t.dir);
  EXPECT_EQ(ds.n, 3);
  EXPECT_EQ(ds.xPer, 784);
  EXPECT_EQ(ds.x[784 + 5], 1.0f);
  EXPECT_FLOAT_EQ(ds.x[2 * 784], 0.2f);
  EXPECT_EQ(ds.x[0], 0.0f);
  EXPECT_EQ(ds.yI, (std::vector<int32_t>{7, 0, 9}));
}

TEST(FashionMnist, RejectsMismatchedFiles) {
  TempDir t;
  ModelDesc d = parseDescriptor(kMnist);
  writeGzip(t.path("train-images-idx3-ubyte.gz"),
            idx({3, 28, 28}, std::string(3 * 784, '\0')));
  writeGzip(t.path("train-labels-idx1-ubyte.gz"), idx({2}, "\x01\x02"));
  std::string e = errorOf([&] { trainSet(d, t.dir); });
  EXPECT_NE(e.find("2 labels for 3 images"), std::string::npos) << e;
  writeGzip(t.path("train-labels-idx1-ubyte.gz"), idx({3}, "\x01\x0a\x02"));
  e = errorOf([&] { trainSet(d, t.dir); });
  EXPECT_NE(e.find("label 10 at index 1"), std::string::npos) << e;
  writeGzip(t.path("train-images-idx3-ubyte.gz"),
            idx({3, 27, 28}, std::string(3 * 27 * 28, '\0')));
  e = errorOf([&] { trainSet(d, t.dir); });
  EXPECT_NE(e.find("images are 27x28"), std::string::npos) << e;
}

TEST(Synthetic, DrawsUniformPixelsAndLabelsFromTheSeed) {
  std::string text = replaced(kMnist, "data fashion_mnist /nonexistent",
                              "data synthetic 500 3 0 1");
  ModelDesc d = parseDescriptor(text);
  Dataset a = trainSet(d, ""), b = testSet(d, "");
  ASSERT_EQ(a.n, 500);
  EXPECT_EQ(a.xPer, 784);
  EXPECT_EQ(a.x, b.x); // the same set twice
  EXPECT_EQ(a.yI, b.yI);
  EXPECT_GE(*std::min_element(a.x.begin(), a.x.end()), 0.0f);
  EXPECT_LT(*std::max_element(a.x.begin(), a.x.end()), 1.0f);
  std::vector<int> perClass(3);
  for (int32_t y : a.yI)
    ++perClass.at(y);
  for (int c : perClass) // 500/3 each; 4 sigma ~ 42
    EXPECT_NEAR(c, 500.0 / 3, 42);
  d.seed = 1;
  EXPECT_NE(trainSet(d, "").x, a.x);
  EXPECT_NE(errorOf([&] { trainSet(d, "/tmp"); }).find("synthetic"),
            std::string::npos);
  EXPECT_NE(errorOf([&] {
              parseDescriptor(
                  replaced(text, "synthetic 500 3", "synthetic 0 3"));
            }).find("positive samples"),
            std::string::npos);
}

TEST(Synthetic, WithoutClassesDrawsTheRangeAndZeroTargets) {
  // An autoencoder's data: x ~ U(lo, hi), targets f32[B] zeros (unused).
  std::string text =
      replaced(replaced(replaced(kMnist, "data fashion_mnist /nonexistent",
                                 "data synthetic 300 0 -2 15"),
                        "slot target y i32 2 9472", "slot target y f32 2 9472"),
               "classification=1", "classification=0");
  ModelDesc d = parseDescriptor(text);
  Dataset a = trainSet(d, ""), b = testSet(d, "");
  ASSERT_EQ(a.n, 300);
  EXPECT_EQ(a.x, b.x);
  EXPECT_TRUE(a.yI.empty());
  EXPECT_EQ(a.yF, std::vector<float>(300, 0.0f));
  float lo = *std::min_element(a.x.begin(), a.x.end()),
        hi = *std::max_element(a.x.begin(), a.x.end());
  EXPECT_GE(lo, -2.0f);
  EXPECT_LT(hi, 15.0f);
  // 235200 draws: the extremes come within 0.01 of the bounds.
  EXPECT_LT(lo, -1.99f);
  EXPECT_GT(hi, 14.99f);
  double mean = 0;
  for (float v : a.x)
    mean += v;
  EXPECT_NEAR(mean / a.x.size(), 6.5, 0.05); // sd 4.9 / sqrt(235200) = 0.01
  // An i32 target with no classes, a bad range: errors, not garbage.
  EXPECT_NE(errorOf([&] {
              trainSet(parseDescriptor(
                           replaced(text, "target y f32", "target y i32")),
                       "");
            }).find("f32[B]"),
            std::string::npos);
  EXPECT_NE(errorOf([&] {
              parseDescriptor(replaced(text, "0 -2 15", "0 15 -2"));
            }).find("lo < hi"),
            std::string::npos);
}

TEST(FashionMnist, ReadsInstalledTestSet) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST is not installed in " << dir;
  Dataset ds = testSet(parseDescriptor(kMnist), dir);
  ASSERT_EQ(ds.n, 10000);
  std::vector<int> perClass(10);
  for (int32_t y : ds.yI)
    ++perClass[y];
  EXPECT_EQ(perClass, std::vector<int>(10, 1000)); // t10k is balanced
  EXPECT_EQ(*std::max_element(ds.x.begin(), ds.x.end()), 1.0f);
  EXPECT_EQ(*std::min_element(ds.x.begin(), ds.x.end()), 0.0f);
}

TEST(Batch, PadsPartialBatchWithZeroWeight) {
  ModelDesc d = parseDescriptor(nnc_model_desc); // B = 4, x [4,2], y [4,1]
  Dataset ds = tensorsDataset(d);
  Arena arena(d.arenaBytes);
  std::fill(arena.f32(d.x), arena.f32(d.x) + 8, 9.0f); // stale values
  std::fill(arena.f32(d.y), arena.f32(d.y) + 4, 9.0f);
  int64_t order[] = {5, 2};
  fillBatch(d, ds, order, 2, arena);
  const float *x = arena.f32(d.x), *y = arena.f32(d.y), *w = arena.f32(d.w);
  EXPECT_EQ(std::vector<float>(x, x + 8),
            (std::vector<float>{-0.5, -0.5, 1, 1, 0, 0, 0, 0}));
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{0, 1.5, 0, 0}));
  EXPECT_EQ(std::vector<float>(w, w + 4), (std::vector<float>{1, 1, 0, 0}));
}
