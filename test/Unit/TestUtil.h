//===- TestUtil.h - Helpers shared by the runtime unit tests ----*- C++ -*-===//
//
// A self-deleting temporary directory, whole-file read/write, gzip writing,
// the message of an expected Error, and the fake model (FakeModel.c, linked
// into the tests): its descriptor and entry points.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_TEST_TESTUTIL_H
#define NNRT_TEST_TESTUTIL_H

#include "Descriptor.h"
#include "Error.h"
#include "Train.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <zlib.h>

extern "C" const char nnc_model_desc[];
extern "C" void nnc_train_step(char *arena);
extern "C" void nnc_eval_step(char *arena);
extern "C" void nnc_predict(char *arena);
extern "C" void nnc_train_loss(char *arena);

namespace nnrt::test {

inline EntryPoints fakeModel() {
  return {nnc_model_desc, nnc_train_step, nnc_eval_step, nnc_predict,
          nnc_train_loss};
}

class TempDir {
public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "nnrt-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(dir); }
  std::string path(const std::string &name) const { return dir + "/" + name; }
  std::string dir;
};

inline void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void writeGzip(const std::string &path, const std::string &bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
}

/// The message of the Error that f throws, or "(no error)".
inline std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const Error &e) {
    return e.what();
  }
  return "(no error)";
}

/// parseDescriptor(text) must fail with an error containing `message`.
inline void expectRejected(const std::string &text,
                           const std::string &message) {
  std::string e = errorOf([&] { parseDescriptor(text); });
  EXPECT_NE(e.find(message), std::string::npos) << e;
}

/// Replaces the first occurrence of `from` in `s` (which must occur).
inline std::string replaced(std::string s, const std::string &from,
                            const std::string &to) {
  size_t at = s.find(from);
  if (at == std::string::npos)
    throw std::runtime_error("test bug: '" + from + "' not found");
  return s.replace(at, from.size(), to);
}

} // namespace nnrt::test

#endif // NNRT_TEST_TESTUTIL_H
