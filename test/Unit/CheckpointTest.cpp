//===- CheckpointTest.cpp - safetensors round trip and corrupt files ------===//
//
// A saved checkpoint is valid safetensors and loads back bit-exactly (params
// and buffers) with its step and epoch; every corruption (truncation, bad
// JSON, wrong shape, huge header length, missing or extra tensor, missing or
// misshapen buffer, other model) is an Error naming the file; a failed save
// leaves no file behind; a run's position and sums round-trip exactly; a
// killed save's temporary file is cleaned up by the next save.
//
//===----------------------------------------------------------------------===//
#include "Checkpoint.h"
#include "Error.h"
#include "Init.h"
#include "TestUtil.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>

using namespace nnrt;
using namespace nnrt::test;

namespace {

class CheckpointTest : public ::testing::Test {
protected:
  ModelDesc d = parseDescriptor(nnc_model_desc); // W [2,1], b [1], ymean [1]
  Arena arena{d.arenaBytes};
  TempDir tmp;
  std::string file = tmp.path("ck.safetensors");

  void SetUp() override {
    initParams(d, arena, 42);
    arena.f32(d.params[1])[0] = 0.25f;
    arena.f32(d.buffers[0])[0] = -0.75f;
    saveCheckpoint(file, d, arena, {17, 3});
  }
  /// The error message of loading `path` into a fresh arena.
  std::string loadError(const std::string &path) {
    Arena other(d.arenaBytes);
    try {
      loadCheckpoint(path, d, other);
    } catch (const Error &e) {
      return e.what();
    }
    return "(no error)";
  }
  /// Rewrites the checkpoint with header JSON `h` and the original data.
  void rewriteHeader(const std::string &h) {
    std::string bytes = readFile(file);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    std::string data = bytes.substr(8 + n);
    uint64_t m = h.size();
    writeFile(file, std::string(reinterpret_cast<char *>(&m), 8) + h + data);
  }
  nlohmann::json header() {
    std::string bytes = readFile(file);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    return nlohmann::json::parse(bytes.substr(8, n));
  }
};

} // namespace

TEST_F(CheckpointTest, RoundTrip) {
  Arena other(d.arenaBytes);
  CheckpointMeta m = loadCheckpoint(file, d, other);
  EXPECT_EQ(m.step, 17);
  EXPECT_EQ(m.epoch, 3);
  for (const Slot *p : d.persistent())
    EXPECT_EQ(std::memcmp(other.at(*p), arena.at(*p), p->bytes()), 0)
        << p->name;
  EXPECT_EQ(other.f32(d.params[1])[0], 0.25f);
  EXPECT_EQ(other.f32(d.buffers[0])[0], -0.75f);
}

TEST_F(CheckpointTest, IsSafetensors) {
  std::string bytes = readFile(file);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8); // little-endian host
  EXPECT_EQ(n % 8, 0u);
  nlohmann::json h = header();
  EXPECT_EQ(h["__metadata__"]["format"], "nnc");
  EXPECT_EQ(h["__metadata__"]["model"], "Fake");
  EXPECT_EQ(h["__metadata__"]["step"], "17");
  EXPECT_EQ(h["__metadata__"]["epoch"], "3");
  EXPECT_EQ(h["W"]["dtype"], "F32");
  EXPECT_EQ(h["W"]["shape"], nlohmann::json({2, 1}));
  EXPECT_EQ(h["W"]["data_offsets"], nlohmann::json({0, 8}));
  EXPECT_EQ(h["b"]["data_offsets"], nlohmann::json({8, 12}));
  EXPECT_EQ(h["ymean"]["dtype"], "F32");
  EXPECT_EQ(h["ymean"]["shape"], nlohmann::json({1}));
  EXPECT_EQ(h["ymean"]["data_offsets"], nlohmann::json({12, 16}));
  EXPECT_EQ(bytes.size(), 8 + n + 16);
  float b, ymean;
  std::memcpy(&b, bytes.data() + 8 + n + 8, 4);
  std::memcpy(&ymean, bytes.data() + 8 + n + 12, 4);
  EXPECT_EQ(b, 0.25f);
  EXPECT_EQ(ymean, -0.75f);
}

TEST_F(CheckpointTest, RejectsTruncated) {
  std::string bytes = readFile(file);
  writeFile(file, bytes.substr(0, bytes.size() - 1));
  std::string e = loadError(file);
  EXPECT_EQ(e.rfind(file + ": ", 0), 0u) << e;
  EXPECT_NE(e.find("outside the 15-byte data section"), std::string::npos) << e;
  writeFile(file, bytes.substr(0, 5));
  EXPECT_NE(loadError(file).find("shorter than the 8-byte header length"),
            std::string::npos);
  writeFile(file, bytes.substr(0, 20));
  EXPECT_NE(loadError(file).find("is larger than the file"), std::string::npos);
}

TEST_F(CheckpointTest, RejectsBadJson) {
  rewriteHeader("{\"W\": [1, 2");
  EXPECT_NE(loadError(file).find("the header is not a JSON object"),
            std::string::npos);
  rewriteHeader("[1, 2, 3]");
  EXPECT_NE(loadError(file).find("the header is not a JSON object"),
            std::string::npos);
}

TEST_F(CheckpointTest, RejectsWrongShape) {
  nlohmann::json h = header();
  h["W"]["shape"] = {1, 2};
  rewriteHeader(h.dump());
  std::string e = loadError(file);
  EXPECT_NE(e.find("tensor 'W' has shape [1,2], the model needs [2,1]"),
            std::string::npos)
      << e;
}

TEST_F(CheckpointTest, RejectsWrongDtypeAndOffsets) {
  nlohmann::json h = header();
  h["W"]["dtype"] = "F16";
  rewriteHeader(h.dump());
  EXPECT_NE(loadError(file).find("tensor 'W' has dtype \"F16\""),
            std::string::npos);
  h = header();
  h["W"]["dtype"] = "F32";
  h["W"]["data_offsets"] = {0, 4};
  rewriteHeader(h.dump());
  EXPECT_NE(loadError(file).find("tensor 'W' has 4 data bytes"),
            std::string::npos);
  h["W"]["data_offsets"] = {0, 1000};
  rewriteHeader(h.dump());
  EXPECT_NE(loadError(file).find("outside the 16-byte data section"),
            std::string::npos);
}

TEST_F(CheckpointTest, RejectsHugeHeaderLength) {
  std::string bytes = readFile(file);
  uint64_t huge = ~uint64_t(0) - 3;
  std::memcpy(bytes.data(), &huge, 8);
  writeFile(file, bytes);
  EXPECT_NE(loadError(file).find("header length 18446744073709551612"),
            std::string::npos);
}

TEST_F(CheckpointTest, RejectsMissingExtraAndForeign) {
  nlohmann::json h = header();
  nlohmann::json b = h["b"];
  h.erase("b");
  rewriteHeader(h.dump());
  std::string e = loadError(file);
  EXPECT_NE(e.find("missing tensor 'b' with shape [1]"), std::string::npos)
      << e;
  h["b"] = b;
  h["c"] = b;
  rewriteHeader(h.dump());
  EXPECT_NE(loadError(file).find("tensor 'c' is not in model 'Fake'"),
            std::string::npos);
  h.erase("c");
  h["__metadata__"]["model"] = "Other";
  rewriteHeader(h.dump());
  EXPECT_NE(loadError(file).find("checkpoint of model 'Other'"),
            std::string::npos);
  h.erase("__metadata__");
  rewriteHeader(h.dump());
  EXPECT_NE(loadError(file).find("no __metadata__"), std::string::npos);
}

// A checkpoint without a buffer, or with a buffer of another shape (e.g.
// saved by a model whose batch norm had other channels), is refused.
TEST_F(CheckpointTest, RejectsMissingOrMisshapenBuffer) {
  nlohmann::json h = header();
  nlohmann::json ymean = h["ymean"];
  h.erase("ymean");
  rewriteHeader(h.dump());
  std::string e = loadError(file);
  EXPECT_NE(e.find("missing tensor 'ymean' (buffer) with shape [1]"),
            std::string::npos)
      << e;
  h["ymean"] = ymean;
  h["ymean"]["shape"] = {1, 1};
  rewriteHeader(h.dump());
  e = loadError(file);
  EXPECT_NE(e.find("tensor 'ymean' has shape [1,1], the model needs [1]"),
            std::string::npos)
      << e;
}

TEST_F(CheckpointTest, RejectsMissingFile) {
  EXPECT_NE(loadError(tmp.path("nope")).find("cannot open"), std::string::npos);
}

TEST_F(CheckpointTest, FailedSaveLeavesNothing) {
  // The target is a directory: rename fails after the data was written.
  std::string dir = tmp.path("adir");
  std::filesystem::create_directory(dir);
  EXPECT_THROW(saveCheckpoint(dir, d, arena, {1, 1}), RunError);
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  for (auto &e : std::filesystem::directory_iterator(tmp.dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos)
        << e.path();
  // The directory does not exist: nothing can be created.
  std::string missing = tmp.path("no/such/dir/ck");
  EXPECT_THROW(saveCheckpoint(missing, d, arena, {1, 1}), RunError);
  EXPECT_FALSE(std::filesystem::exists(tmp.path("no")));
  // The earlier checkpoint is untouched by the failures.
  Arena other(d.arenaBytes);
  EXPECT_EQ(loadCheckpoint(file, d, other).step, 17);
}

TEST_F(CheckpointTest, RunStateRoundTripsExactly) {
  // Where a `train --save` run stands: every field back as written, the
  // sums bit for bit (hex floats), negative ones (a critic's loss) too.
  CheckpointMeta m;
  m.hasRun = true;
  m.step = 1234;
  m.epoch = 2;
  m.stepInEpoch = 57;
  m.epochs = 10;
  m.seed = 99;
  m.batch = 64;
  m.lossSum = -0.1 / 3.0;
  m.trainSeconds = 12.345678901234567;
  m.samples = 3648;
  m.correct = 1001;
  m.labels = 3648;
  saveCheckpoint(file, d, arena, m);
  Arena other(d.arenaBytes);
  CheckpointMeta r = loadCheckpoint(file, d, other);
  EXPECT_TRUE(r.hasRun);
  EXPECT_EQ(r.step, 1234);
  EXPECT_EQ(r.epoch, 2);
  EXPECT_EQ(r.stepInEpoch, 57);
  EXPECT_EQ(r.epochs, 10);
  EXPECT_EQ(r.seed, 99);
  EXPECT_EQ(r.batch, 64);
  EXPECT_EQ(r.lossSum, m.lossSum);
  EXPECT_EQ(r.trainSeconds, m.trainSeconds);
  EXPECT_EQ(r.samples, 3648);
  EXPECT_EQ(r.correct, 1001);
  EXPECT_EQ(r.labels, 3648);
  // A checkpoint without them (an init file) has no run.
  saveCheckpoint(file, d, arena, {17, 3});
  EXPECT_FALSE(loadCheckpoint(file, d, other).hasRun);
  // A malformed sum is an error naming the key.
  m.lossSum = 0.5;
  saveCheckpoint(file, d, arena, m);
  nlohmann::json h = header();
  h["__metadata__"]["loss_sum"] = "nan";
  rewriteHeader(h.dump());
  EXPECT_NE(loadError(file).find("'loss_sum' is not a finite number"),
            std::string::npos);
}

TEST_F(CheckpointTest, SaveRemovesAKilledSavesTemporaries) {
  // A save killed before its rename leaves file.tmp.<pid>; the next save
  // removes it, and nothing else (a name that only looks alike stays).
  writeFile(file + ".tmp.12345", "half a checkpoint");
  writeFile(file + ".tmp.old", "not ours");
  saveCheckpoint(file, d, arena, {18, 3});
  EXPECT_FALSE(std::filesystem::exists(file + ".tmp.12345"));
  EXPECT_TRUE(std::filesystem::exists(file + ".tmp.old"));
  Arena other(d.arenaBytes);
  EXPECT_EQ(loadCheckpoint(file, d, other).step, 18);
}

TEST_F(CheckpointTest, SavePathIsCheckedBeforeTraining) {
  EXPECT_NO_THROW(checkSavePath(tmp.path("new.st")));
  EXPECT_FALSE(std::filesystem::exists(tmp.path("new.st")));
  EXPECT_THROW(checkSavePath(tmp.path("no/such/dir/ck")), Error);
  EXPECT_THROW(checkSavePath(file + "/ck"), Error); // under a file
  EXPECT_THROW(checkSavePath(tmp.dir), Error);      // a directory
}
