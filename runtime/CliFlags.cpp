//===- CliFlags.cpp - Typed readers of a command's flags ------------------===//
//
// See CliFlags.h. Every malformed value is an Error naming the flag, the
// accepted range and what was given.
//
//===----------------------------------------------------------------------===//
#include "CliFlags.h"

#include "Error.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>

// Present only when the compiled model links an OpenMP runtime.
extern "C" void omp_set_num_threads(int) __attribute__((weak));

namespace nnrt {

int64_t intFlag(const Options &o, const std::string &name, int64_t dflt,
                int64_t lo, int64_t hi) {
  auto it = o.flags.find(name);
  if (it == o.flags.end())
    return dflt;
  const std::string &s = it->second;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end || errno == ERANGE || v < lo || v > hi)
    throw Error("--" + name + " expects an integer in [" + std::to_string(lo) +
                ", " + std::to_string(hi) + "], got '" + s + "'");
  return v;
}

double realFlag(const Options &o, const std::string &name, double dflt,
                bool zeroOk) {
  auto it = o.flags.find(name);
  if (it == o.flags.end())
    return dflt;
  char *end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (*end || !std::isfinite(v) || v < 0 || (v == 0 && !zeroOk))
    throw Error("--" + name + " expects " +
                (zeroOk ? "a number >= 0" : "a positive number") + ", got '" +
                it->second + "'");
  return v;
}

std::string strFlag(const Options &o, const std::string &name) {
  auto it = o.flags.find(name);
  return it == o.flags.end() ? "" : it->second;
}

void setThreads(const Options &o) {
  int64_t t = intFlag(o, "threads", 0, 1, 1024);
  if (!omp_set_num_threads)
    return;
  if (t > 0)
    omp_set_num_threads(int(t));
  else if (!std::getenv("OMP_NUM_THREADS"))
    omp_set_num_threads(2);
}

void distinctFiles(const Options &o, const std::vector<std::string> &flags) {
  namespace fs = std::filesystem;
  for (size_t i = 0; i < flags.size(); ++i)
    for (size_t j = i + 1; j < flags.size(); ++j) {
      if (!o.has(flags[i]) || !o.has(flags[j]))
        continue;
      std::error_code ea, eb;
      fs::path a = fs::weakly_canonical(strFlag(o, flags[i]), ea);
      fs::path b = fs::weakly_canonical(strFlag(o, flags[j]), eb);
      auto name = [](const std::string &f) {
        return f == "out" ? std::string("-o") : "--" + f;
      };
      if (!ea && !eb && a == b)
        throw Error(name(flags[i]) + " and " + name(flags[j]) +
                    " name the same file '" + strFlag(o, flags[j]) +
                    "': one would overwrite the other");
    }
}

} // namespace nnrt
