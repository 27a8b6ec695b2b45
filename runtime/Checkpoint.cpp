//===- Checkpoint.cpp - safetensors writer and checked reader -------------===//
//
// Layout written: [u64 N][JSON header, N bytes][tensors in descriptor order:
// params, state, buffers, each numel * 4 bytes]. The reader accepts any tensor
// order and offsets, but requires exactly the model's set of names with its
// dtypes and shapes, offsets that tile the data section without overlap, and
// a file exactly 8 + N + data bytes long.
//
//===----------------------------------------------------------------------===//
#include "Checkpoint.h"
#include "Error.h"
#include "Images.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace nnrt {

using nlohmann::json;

static const char *dtypeName(DType t) {
  return t == DType::F32 ? "F32" : "I32";
}

static std::string shapeJson(const std::vector<int64_t> &s) {
  return json(s).dump();
}

static std::string hexFloat(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

/// `path` up to and including its last '/' ("" for a file in the current
/// directory).
static std::string dirPrefix(const std::string &path) {
  return path.substr(0, path.rfind('/') + 1);
}

/// Removes path.tmp.<digits> files other than `keep` (a killed save's).
static void removeStaleTemporaries(const std::string &path,
                                   const std::string &keep) {
  std::string prefix = dirPrefix(path);
  std::string base = path.substr(prefix.size()) + ".tmp.";
  DIR *dp = opendir(prefix.empty() ? "." : prefix.c_str());
  if (!dp)
    return;
  while (dirent *e = readdir(dp)) {
    std::string name = e->d_name;
    if (name.size() <= base.size() || name.compare(0, base.size(), base) != 0 ||
        name.find_first_not_of("0123456789", base.size()) != std::string::npos)
      continue;
    if (prefix + name != keep)
      std::remove((prefix + name).c_str());
  }
  closedir(dp);
}

void checkSavePath(const std::string &path) {
  checkOutputPath(path, "save checkpoints");
}

void saveCheckpoint(const std::string &path, const ModelDesc &d,
                    const Arena &arena, const CheckpointMeta &meta) {
  json header = json::object();
  header["__metadata__"] = {{"format", "nnc"},
                            {"model", d.model},
                            {"step", std::to_string(meta.step)},
                            {"epoch", std::to_string(meta.epoch)}};
  if (meta.hasRun) {
    json &m = header["__metadata__"];
    m["step_in_epoch"] = std::to_string(meta.stepInEpoch);
    m["epochs"] = std::to_string(meta.epochs);
    m["seed"] = std::to_string(meta.seed);
    m["batch"] = std::to_string(meta.batch);
    m["loss_sum"] = hexFloat(meta.lossSum);
    m["train_seconds"] = hexFloat(meta.trainSeconds);
    m["samples"] = std::to_string(meta.samples);
    m["correct"] = std::to_string(meta.correct);
    m["labels"] = std::to_string(meta.labels);
    if (meta.val > 0)
      m["val"] = hexFloat(meta.val);
    if (meta.val > 0 && meta.bestEpoch > 0) {
      m["best_val_loss"] = hexFloat(meta.bestVal);
      m["best_epoch"] = std::to_string(meta.bestEpoch);
    }
  }
  int64_t off = 0;
  for (const Slot *s : d.persistent()) {
    header[s->name] = {{"dtype", dtypeName(s->dtype)},
                       {"shape", s->shape},
                       {"data_offsets", {off, off + s->bytes()}}};
    off += s->bytes();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  uint64_t n = text.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = uint8_t(n >> (8 * i));

  std::string tmp = path + ".tmp." + std::to_string(getpid());
  removeStaleTemporaries(path, tmp);
  const std::string intact = " (the previous checkpoint, if any, is intact)";
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    throw RunError(path + ": cannot save checkpoint: cannot create " + tmp +
                   ": " + std::strerror(errno) + intact);
  bool ok = std::fwrite(len, 1, 8, f) == 8 &&
            std::fwrite(text.data(), 1, text.size(), f) == text.size();
  for (const Slot *s : d.persistent())
    ok =
        ok && std::fwrite(arena.at(*s), 1, s->bytes(), f) == size_t(s->bytes());
  ok = ok && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  int err = errno;
  ok = std::fclose(f) == 0 && ok;
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ok = false;
  }
  if (!ok) {
    std::remove(tmp.c_str());
    throw RunError(path + ": cannot save checkpoint: " + std::strerror(err) +
                   intact);
  }
  // The rename is durable once the directory is on disk.
  std::string prefix = dirPrefix(path);
  int dir = open(prefix.empty() ? "." : prefix.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
}

CheckpointMeta loadCheckpoint(const std::string &path, const ModelDesc &d,
                              Arena &arena) {
  auto fail = [&](const std::string &msg) -> Error {
    return Error(path + ": " + msg);
  };
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw fail(std::string("cannot open: ") + std::strerror(errno));
  std::string file((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (in.bad())
    throw fail("read error");
  if (file.size() < 8)
    throw fail("not a safetensors file: " + std::to_string(file.size()) +
               " bytes, shorter than the 8-byte header length");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= uint64_t(uint8_t(file[i])) << (8 * i);
  if (n > file.size() - 8 || n > (uint64_t(100) << 20))
    throw fail("header length " + std::to_string(n) +
               " is larger than the file (" + std::to_string(file.size()) +
               " bytes) or 100 MiB: truncated or not a safetensors file");
  json header = json::parse(file.begin() + 8, file.begin() + 8 + n, nullptr,
                            /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object())
    throw fail("the header is not a JSON object");
  const uint64_t dataBytes = file.size() - 8 - n;

  CheckpointMeta meta;
  auto it = header.find("__metadata__");
  if (it == header.end() || !it->is_object())
    throw fail("no __metadata__ object: not an nnc checkpoint");
  auto str = [&](const char *key) {
    auto f = it->find(key);
    if (f == it->end() || !f->is_string())
      throw fail(std::string("__metadata__ has no string '") + key + "'");
    return f->get<std::string>();
  };
  auto num = [&](const char *key) {
    std::string s = str(key);
    char *end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end || v < 0)
      throw fail(std::string("__metadata__ '") + key + "' is not a count: '" +
                 s + "'");
    return int64_t(v);
  };
  if (str("format") != "nnc")
    throw fail("__metadata__ format is '" + str("format") + "', not 'nnc'");
  if (str("model") != d.model)
    throw fail("checkpoint of model '" + str("model") + "', this binary is '" +
               d.model + "'");
  meta.step = num("step");
  meta.epoch = num("epoch");
  if (it->contains("step_in_epoch")) {
    auto real = [&](const char *key) {
      std::string s = str(key);
      char *end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (s.empty() || *end || !std::isfinite(v))
        throw fail(std::string("__metadata__ '") + key +
                   "' is not a finite number: '" + s + "'");
      return v;
    };
    meta.hasRun = true;
    meta.stepInEpoch = num("step_in_epoch");
    meta.epochs = num("epochs");
    meta.seed = num("seed");
    meta.batch = num("batch");
    meta.lossSum = real("loss_sum");
    meta.trainSeconds = real("train_seconds");
    meta.samples = num("samples");
    meta.correct = num("correct");
    meta.labels = num("labels");
    if (it->contains("val"))
      meta.val = real("val");
    if (it->contains("best_epoch")) {
      meta.bestVal = real("best_val_loss");
      meta.bestEpoch = num("best_epoch");
    }
  }

  // `nnc import` writes parameters and buffers only ("optimizer_state":
  // "none"): the optimizer starts afresh, its state at zeros.
  auto opt = it->find("optimizer_state");
  const bool freshOptimizer =
      opt != it->end() && opt->is_string() && *opt == "none";
  std::map<std::string, const Slot *> want;
  std::vector<const Slot *> zeroed;
  for (const Slot *s : d.persistent()) {
    if (freshOptimizer && s->role == "state")
      zeroed.push_back(s);
    else
      want[s->name] = s;
  }
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  std::vector<std::pair<const Slot *, uint64_t>> copies;
  for (auto &[name, t] : header.items()) {
    if (name == "__metadata__")
      continue;
    auto w = want.find(name);
    if (w == want.end())
      throw fail("tensor '" + name + "' is not in model '" + d.model + "'");
    const Slot &s = *w->second;
    if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") ||
        !t.contains("data_offsets"))
      throw fail("tensor '" + name +
                 "' needs dtype, shape and data_offsets fields");
    if (t["dtype"] != dtypeName(s.dtype))
      throw fail("tensor '" + name + "' has dtype " + t["dtype"].dump() +
                 ", the model needs \"" + dtypeName(s.dtype) + "\"");
    const json &shape = t["shape"];
    bool shapeOk = shape.is_array() && shape.size() == s.shape.size();
    for (size_t i = 0; shapeOk && i < shape.size(); ++i)
      shapeOk = shape[i].is_number_integer() && shape[i] == s.shape[i];
    if (!shapeOk)
      throw fail("tensor '" + name + "' has shape " + shape.dump() +
                 ", the model needs " + shapeJson(s.shape));
    const json &off = t["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned())
      throw fail("tensor '" + name + "' has malformed data_offsets " +
                 off.dump());
    uint64_t b = off[0], e = off[1];
    if (b > e || e > dataBytes)
      throw fail("tensor '" + name + "' data_offsets " + off.dump() +
                 " are outside the " + std::to_string(dataBytes) +
                 "-byte data section (truncated file?)");
    if (e - b != uint64_t(s.bytes()))
      throw fail("tensor '" + name + "' has " + std::to_string(e - b) +
                 " data bytes, shape " + shapeJson(s.shape) + " needs " +
                 std::to_string(s.bytes()));
    ranges.push_back({b, e});
    copies.push_back({&s, b});
    want.erase(w);
  }
  if (!want.empty()) {
    const Slot &s = *want.begin()->second;
    throw fail("missing tensor '" + s.name + "'" +
               (s.role == "param" ? "" : " (" + s.role + ")") + " with shape " +
               shapeJson(s.shape));
  }
  std::sort(ranges.begin(), ranges.end());
  uint64_t end = 0;
  for (auto [b, e] : ranges) {
    if (b != end)
      throw fail("tensor data overlaps or leaves gaps at byte " +
                 std::to_string(b));
    end = e;
  }
  if (end != dataBytes)
    throw fail("the file has " + std::to_string(dataBytes - end) +
               " bytes after the last tensor");
  for (auto [s, b] : copies)
    std::memcpy(arena.at(*s), file.data() + 8 + n + b, s->bytes());
  for (const Slot *s : zeroed)
    std::memset(arena.at(*s), 0, s->bytes());
  return meta;
}

} // namespace nnrt
