//===- Numerics.cpp - Stop at the first non-finite value ------------------===//
//
// See Numerics.h.
//
//===----------------------------------------------------------------------===//
#include "Numerics.h"
#include "Error.h"

#include <cmath>
#include <sstream>
#include <vector>

namespace nnrt {

namespace {

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep)
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

/// Line `id` (from 1) of the table, or "".
std::string tableLine(const char *table, int64_t id) {
  std::istringstream in(table ? table : "");
  std::string line;
  for (int64_t k = 1; std::getline(in, line); ++k)
    if (k == id)
      return line;
  return "";
}

} // namespace

std::string numericsMessage(const ModelDesc &d, const char *table, int32_t code,
                            int64_t t) {
  const char *what = code % 2 ? "an infinity" : "NaN";
  std::vector<std::string> f = split(tableLine(table, code / 2), '\t');
  if (f.size() < 7)
    return "check " + std::to_string(code / 2) + " produced " + what +
           " at step " + std::to_string(t) + " (no such check in the table)";
  const std::string &kind = f[0], &op = f[1], &param = f[2];
  std::string name = op;
  if (kind == "backward") {
    name = "the gradient computation (" + op + ")";
  } else if (kind == "update") {
    size_t p = std::stoul(param);
    name = "the " + op + " of " +
           (p < d.params.size() ? d.params[p].name : "parameter " + param);
  }
  std::ostringstream os;
  if (f[3] != "-")
    os << f[3] << ":" << f[4] << ":" << f[5] << ": ";
  os << name << " produced " << what << " at step " << t;
  if (kind == "update")
    os << " (its gradient and earlier values were finite: the step is too "
          "large)";
  const std::string &src = f[6];
  long col = std::strtol(f[5].c_str(), nullptr, 10);
  if (!src.empty() && col > 0)
    os << "\n  " << src << "\n  " << std::string(col - 1, ' ') << "^";
  return os.str();
}

void checkStepNumerics(const ModelDesc &d, const char *table, Arena &arena,
                       const Slot &loss, int64_t t) {
  if (!d.numerics.name.empty()) {
    int32_t code = *arena.i32(d.numerics);
    if (code != 0)
      throw RunError(numericsMessage(d, table, code, t));
  }
  float l = *arena.f32(loss);
  if (!std::isfinite(l))
    throw RunError(
        std::string("the training loss is ") +
        (std::isnan(l) ? "NaN" : "infinite") + " at step " + std::to_string(t) +
        "; the run stops here (the last checkpoint, if any, is intact). "
        "Build with `nnc build --check-numerics` to name the op that produced "
        "it");
}

} // namespace nnrt
