//===- TextTest.cpp - `data text` streams and carried-state descriptors ---===//
//
// The 97 character classes and back; text files: stray bytes skipped, and a
// missing, empty, binary (NUL) or mostly non-text file rejected naming the
// file; the train/test split and the too-short error; a stream batch's
// layout (rows continue from batch to batch, y is x shifted by one); a
// descriptor with `slot carry`, step slots and `data text` parses, and its
// inconsistent variants are rejected.
//
//===----------------------------------------------------------------------===//
#include "Data.h"
#include "Descriptor.h"
#include "Error.h"
#include "TestUtil.h"
#include "Train.h"

#include <gtest/gtest.h>

using namespace nnrt;
using namespace nnrt::test;

TEST(Text, ClassesRoundTrip) {
  int seen = 0;
  for (int c = 0; c < 256; ++c) {
    int k = textClass((unsigned char)c);
    if (k < 0)
      continue;
    ++seen;
    EXPECT_EQ((unsigned char)textChar(k), c);
  }
  EXPECT_EQ(seen, kTextClasses);
  EXPECT_EQ(textClass('\t'), 0);
  EXPECT_EQ(textClass('\n'), 1);
  EXPECT_EQ(textClass(' '), 2);
  EXPECT_EQ(textClass('~'), 96);
  EXPECT_EQ(textClass('\r'), -1);
  EXPECT_EQ(textClass(0xc3), -1);
}

TEST(Text, ReadsAndSkipsStrayBytes) {
  TempDir t;
  std::string text(300, 'a');
  text[10] = '\x7f'; // one stray byte in 300: skipped
  writeFile(t.path("a.txt"), text + "\n");
  int64_t skipped = 0;
  std::vector<int32_t> v = readText(t.path("a.txt"), skipped);
  EXPECT_EQ(skipped, 1);
  ASSERT_EQ(v.size(), 300u);
  EXPECT_EQ(v[0], textClass('a'));
  EXPECT_EQ(v.back(), textClass('\n'));
}

TEST(Text, RejectsBadFiles) {
  TempDir t;
  int64_t skipped = 0;
  auto read = [&](const std::string &name) {
    return errorOf([&] { readText(t.path(name), skipped); });
  };
  EXPECT_NE(read("missing").find("missing: cannot open"), std::string::npos);
  writeFile(t.path("empty"), "");
  EXPECT_NE(read("empty").find("empty: empty file"), std::string::npos);
  writeFile(t.path("nul"), std::string("abc\0def", 7));
  EXPECT_NE(read("nul").find("nul: not a text file: a NUL byte at offset 3"),
            std::string::npos);
  writeFile(t.path("latin"), "ab\xe9\xe8\xe0 cd"); // 3 of 8 bytes
  EXPECT_NE(read("latin").find("latin: not plain text: 3 of 8 bytes"),
            std::string::npos)
      << read("latin");
}

/// A text model: B = 2, T = 3, x [2, 3, 97], y [2, 3], one carried state
/// [2, 4], step slots at T = 1.
static std::string textDesc(const std::string &file) {
  std::string s = "nnc-model 1\nsource c.nn\nmodel C\nbatch 2\n";
  int64_t offset = 0;
  std::string slots;
  auto slot = [&](const std::string &role, const std::string &name,
                  const std::string &dtype, const std::string &shape,
                  int64_t elems) {
    slots += "slot " + role + " " + name + " " + dtype + " " + shape + " " +
             std::to_string(offset) + "\n";
    if (role == "param")
      slots += "init zeros\n";
    offset += (elems * 4 + 63) / 64 * 64;
  };
  slot("param", "W", "f32", "4", 4);
  slot("carry", "C.lstm1.h0", "f32", "2,4", 8);
  slot("input", "x", "f32", "2,3,97", 2 * 3 * 97);
  slot("target", "y", "i32", "2,3", 6);
  slot("weight", "w", "f32", "2", 2);
  slot("hyper", "hyper", "f32", "4", 4);
  slot("loss", "loss", "f32", "scalar", 1);
  slot("output", "out", "f32", "2,3,97", 2 * 3 * 97);
  slot("step_input", "x1", "f32", "2,1,97", 2 * 97);
  slot("step_output", "out1", "f32", "2,1,97", 2 * 97);
  return s + "arena " + std::to_string(offset) +
         "\noptimizer sgd lr=0.1 momentum=0.9 beta1=0.9 beta2=0.999 "
         "eps=1e-08\ntrain epochs=1 seed=0 classification=0\ndata text 0.25 " +
         file + "\n" + slots;
}

TEST(Text, ParsesCarryStepAndTextRecords) {
  ModelDesc d = parseDescriptor(textDesc("/some dir/f.txt"));
  EXPECT_EQ(d.textFile, "/some dir/f.txt");
  EXPECT_EQ(d.textTest, 0.25);
  ASSERT_EQ(d.carried.size(), 1u);
  EXPECT_EQ(d.carried[0].name, "C.lstm1.h0");
  EXPECT_TRUE(d.buffers.empty());
  EXPECT_EQ(d.persistent().size(), 1u); // carried states are not saved
  ASSERT_TRUE(d.hasStep());
  EXPECT_EQ(d.stepX.shape, (std::vector<int64_t>{2, 1, 97}));
  EXPECT_EQ(d.stepOut.name, "out1");
}

TEST(Text, RejectsInconsistentRecords) {
  std::string good = textDesc("f.txt");
  expectRejected(replaced(good, "data text 0.25", "data text 1.5"),
                 "test fraction");
  expectRejected(replaced(good, "C.lstm1.h0 f32 2,4", "C.lstm1.h0 f32 3,4"),
                 "[B=2, H]");
  expectRejected(replaced(good, "x f32 2,3,97", "x f32 2,3,96"),
                 "data text needs x");
  expectRejected(replaced(good, "slot carry", "slot bogus"),
                 "unknown slot role");
}

TEST(Text, SplitsAndBatchesTheStream) {
  TempDir t;
  // 40 characters: training part 30 ("abc..."), test part 10.
  std::string text;
  for (int i = 0; i < 40; ++i)
    text += char('a' + i % 26);
  writeFile(t.path("f.txt"), text);
  ModelDesc d = parseDescriptor(textDesc(t.path("f.txt")));
  Dataset train = trainSet(d, "");
  ASSERT_EQ(train.n, 30);
  // Rows of (30 - 1) / 2 = 14 characters; 14 / 3 = 4 batches.
  EXPECT_EQ(streamBatches(d, train), 4);
  Arena arena(d.arenaBytes);
  fillStreamBatch(d, train, 1, arena);
  const float *x = arena.f32(d.x);
  const int32_t *y = arena.i32(d.y);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      int64_t pos = i * 14 + 3 + j; // row i, batch 1, step j
      for (int64_t k = 0; k < 97; ++k)
        EXPECT_EQ(x[(i * 3 + j) * 97 + k], k == textClass(text[pos]) ? 1 : 0);
      EXPECT_EQ(y[i * 3 + j], textClass(text[pos + 1]));
    }
  EXPECT_EQ(arena.f32(d.w)[1], 1.0f);
  // The test part: 10 characters, enough for one batch (2 * 3 + 1); a 0.9
  // test fraction leaves 4 characters to train: too short.
  EXPECT_EQ(testSet(d, "").n, 10);
  std::string err = errorOf([&] {
    trainSet(parseDescriptor(replaced(textDesc(t.path("f.txt")),
                                      "data text 0.25", "data text 0.9")),
             "");
  });
  EXPECT_NE(err.find("f.txt: too short: its training part"), std::string::npos)
      << err;
  // --data replaces the file.
  writeFile(t.path("g.txt"), std::string(100, 'z'));
  EXPECT_EQ(trainSet(d, t.path("g.txt")).n, 75);
}

TEST(Text, ResetCarriedZeroesTheStates) {
  ModelDesc d = parseDescriptor(textDesc("f.txt"));
  Arena arena(d.arenaBytes);
  float *h = arena.f32(d.carried[0]);
  for (int i = 0; i < 8; ++i)
    h[i] = 1.5f;
  resetCarried(d, arena);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(h[i], 0.0f);
}
