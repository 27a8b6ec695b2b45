//===- TensorFile.cpp - safetensors files for export and import -----------===//
//
// The compiler's side of the checkpoint format (runtime/Checkpoint.h): an
// 8-byte little-endian header length N, N bytes of JSON mapping names to
// {dtype, shape, data_offsets}, and the data section. Every defect of a file
// that is read is an error naming the file, never a crash.
//
//===----------------------------------------------------------------------===//
#include "nnc/Export.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace nnc {
namespace {

using json = nlohmann::json;

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

} // namespace

std::vector<int64_t> unbroadcastAxes(const std::vector<int64_t> &from,
                                     const std::vector<int64_t> &to) {
  std::vector<int64_t> axes;
  const size_t lead = from.size() - to.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (i < lead || (to[i - lead] == 1 && from[i] != 1))
      axes.push_back(i);
  return axes;
}

bool readTensorFile(const std::string &path, TensorFile &out,
                    Diagnostics &diags) {
  auto fail = [&](const std::string &msg) {
    diags.error(path + ": " + msg);
    return false;
  };
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(std::string("cannot open: ") + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string file = ss.str();
  if (file.size() < 8)
    return fail("not a safetensors file (" + std::to_string(file.size()) +
                " bytes)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = n << 8 | uint8_t(file[i]);
  if (n > file.size() - 8)
    return fail("header length " + std::to_string(n) + " exceeds the file");
  json header = json::parse(file.begin() + 8, file.begin() + 8 + n, nullptr,
                            /*allow_exceptions=*/false);
  if (!header.is_object())
    return fail("the header is not a JSON object");
  const uint64_t dataBytes = file.size() - 8 - n;
  const char *data = file.data() + 8 + n;
  for (auto &[name, t] : header.items()) {
    if (name == "__metadata__") {
      if (!t.is_object())
        return fail("__metadata__ is not an object");
      for (auto &[k, v] : t.items())
        if (v.is_string())
          out.metadata[k] = v.get<std::string>();
      continue;
    }
    if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") ||
        !t.contains("data_offsets") || !t["shape"].is_array() ||
        !t["data_offsets"].is_array() || t["data_offsets"].size() != 2)
      return fail("tensor '" + name +
                  "' needs dtype, shape and data_offsets fields");
    Tensor x;
    if (t["dtype"] != "F32" && t["dtype"] != "I32")
      return fail("tensor '" + name + "' has dtype " + t["dtype"].dump() +
                  " (F32 and I32 can be read)");
    x.dtype = t["dtype"].get<std::string>();
    for (const json &d : t["shape"]) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > (1ull << 40))
        return fail("tensor '" + name + "' has a malformed shape " +
                    t["shape"].dump());
      x.shape.push_back(d.get<int64_t>());
    }
    const json &off = t["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      return fail("tensor '" + name + "' has malformed data_offsets");
    uint64_t b = off[0], e = off[1];
    if (b > e || e > dataBytes)
      return fail("tensor '" + name +
                  "' lies outside the data section (truncated file?)");
    if (x.size() > int64_t(dataBytes) || e - b != uint64_t(x.size()) * 4)
      return fail("tensor '" + name + "' has " + std::to_string(e - b) +
                  " data bytes, its shape " + shapeText(x.shape) + " needs " +
                  std::to_string(x.size() * 4));
    x.data.resize(x.size());
    for (int64_t i = 0; i < x.size(); ++i) {
      uint32_t bits;
      std::memcpy(&bits, data + b + 4 * i, 4);
      if (x.dtype == "F32") {
        std::memcpy(&x.data[i], &bits, 4);
      } else {
        int32_t v;
        std::memcpy(&v, &bits, 4);
        x.data[i] = float(v);
      }
    }
    out.tensors[name] = std::move(x);
  }
  return true;
}

bool writeTensorFile(const std::string &path, const TensorFile &file,
                     Diagnostics &diags) {
  json header = json::object();
  json meta = json::object();
  for (auto &[k, v] : file.metadata)
    meta[k] = v;
  header["__metadata__"] = meta;
  uint64_t offset = 0;
  std::string data;
  for (auto &[name, t] : file.tensors) {
    header[name] = {{"dtype", t.dtype},
                    {"shape", t.shape},
                    {"data_offsets", {offset, offset + 4 * t.data.size()}}};
    for (float v : t.data) {
      char bytes[4];
      if (t.dtype == "F32") {
        std::memcpy(bytes, &v, 4);
      } else {
        int32_t i = int32_t(v);
        std::memcpy(bytes, &i, 4);
      }
      data.append(bytes, 4);
    }
    offset += 4 * t.data.size();
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = char(uint64_t(h.size()) >> (8 * i));
  return writeFileAtomic(path, bytes + h + data, diags);
}

bool writeFileAtomic(const std::string &path, const std::string &bytes,
                     Diagnostics &diags) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE *f = std::fopen(tmp.c_str(), "wb");
  bool ok = f && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = ok && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  int err = errno;
  if (f && std::fclose(f) != 0 && ok)
    ok = false, err = errno;
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0)
    ok = false, err = errno;
  if (!ok) {
    std::remove(tmp.c_str());
    diags.error(path + ": cannot write: " + std::strerror(err));
  }
  return ok;
}

bool sameFile(const std::string &a, const std::string &b) {
  std::error_code ea, eb;
  auto ca = std::filesystem::weakly_canonical(a, ea);
  auto cb = std::filesystem::weakly_canonical(b, eb);
  return !ea && !eb && ca == cb;
}

bool loadWeights(const Program &prog, const std::string &path,
                 const std::string &run, TensorFile &weights,
                 Diagnostics &diags) {
  TensorFile file;
  if (!readTensorFile(path, file, diags))
    return false;
  auto meta = file.metadata.find("model");
  if (meta != file.metadata.end() && meta->second != run) {
    diags.error(path + ": a checkpoint of model '" + meta->second +
                "', this file's model is '" + run + "'");
    return false;
  }
  auto take = [&](const Param &p) {
    auto it = file.tensors.find(p.name);
    if (it == file.tensors.end()) {
      diags.error(path + ": has no tensor '" + p.name + "' " +
                  shapeText(p.shape) + " (a checkpoint of this model?)");
      return false;
    }
    if (it->second.shape != p.shape) {
      diags.error(path + ": tensor '" + p.name + "' has shape " +
                  shapeText(it->second.shape) + ", the model needs " +
                  shapeText(p.shape));
      return false;
    }
    weights.tensors[p.name] = it->second;
    return true;
  };
  for (const Param &p : prog.params)
    if (!take(p))
      return false;
  for (const Param &p : prog.buffers)
    if (!p.carried && !take(p))
      return false;
  return true;
}

} // namespace nnc
