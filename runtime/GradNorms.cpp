//===- GradNorms.cpp - Gradient norms of an epoch (train --grad-norms) ----===//
#include "GradNorms.h"

#include <algorithm>
#include <cstdio>

namespace nnrt {

void GradNormSums::reset() {
  steps = 0;
  params.assign(d.gradNorms.size(), 0.0);
  states.clear();
  for (const Slot &s : d.stepNorms)
    states.emplace_back(s.numel(), 0.0);
}

void GradNormSums::add(Arena &arena) {
  ++steps;
  for (size_t i = 0; i < params.size(); ++i)
    params[i] += *arena.f32(d.gradNorms[i]);
  for (size_t k = 0; k < states.size(); ++k) {
    const float *n = arena.f32(d.stepNorms[k]);
    for (size_t t = 0; t < states[k].size(); ++t)
      states[k][t] += n[t];
  }
}

GradNormStats GradNormSums::means() const {
  GradNormStats s;
  s.steps = steps;
  const double scale = steps ? 1.0 / double(steps) : 0.0;
  for (size_t i = 0; i < params.size(); ++i)
    s.params.emplace_back(d.gradNorms[i].name, params[i] * scale);
  for (size_t k = 0; k < states.size(); ++k) {
    std::vector<double> v = states[k];
    for (double &x : v)
      x *= scale;
    s.states.emplace_back(d.stepNorms[k].name, std::move(v));
  }
  return s;
}

namespace {

/// printf into a std::string.
template <typename... Args> std::string format(const char *fmt, Args... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

} // namespace

std::string formatGradNorms(const ModelDesc &d, const GradNormStats &s,
                            int64_t epoch) {
  std::string out = format("grad norms, epoch %lld (means over %lld train "
                           "steps, before clipping)\n",
                           (long long)epoch, (long long)s.steps);
  int nameWidth = 9, shapeWidth = 5; // "parameter", "shape"
  for (size_t i = 0; i < s.params.size(); ++i) {
    nameWidth = std::max<int>(nameWidth, s.params[i].first.size());
    shapeWidth = std::max<int>(shapeWidth, shapeStr(d.params[i].shape).size());
  }
  out += format("  %-*s  %-*s  %s\n", nameWidth, "parameter", shapeWidth,
                "shape", "||dL/dp||");
  for (size_t i = 0; i < s.params.size(); ++i)
    out += format("  %-*s  %-*s  %.3e\n", nameWidth, s.params[i].first.c_str(),
                  shapeWidth, shapeStr(d.params[i].shape).c_str(),
                  s.params[i].second);
  if (s.states.empty())
    return out;
  // One column per scan state, one row per step t = 1..T.
  size_t length = 0;
  std::vector<int> widths;
  for (const auto &[name, v] : s.states) {
    length = std::max(length, v.size());
    widths.push_back(std::max<int>(name.size(), 9));
  }
  out += format("  %-4s", "t");
  for (size_t k = 0; k < s.states.size(); ++k)
    out += format("  %-*s", widths[k], s.states[k].first.c_str());
  out += "  (||dL/dh_t||, h_t: the state after reading x_t)\n";
  for (size_t t = 0; t < length; ++t) {
    std::string row = format("  %-4zu", t + 1);
    for (size_t k = 0; k < s.states.size(); ++k) {
      const std::vector<double> &v = s.states[k].second;
      row += t < v.size() ? format("  %-*.3e", widths[k], v[t])
                          : format("  %-*s", widths[k], "");
    }
    while (!row.empty() && row.back() == ' ')
      row.pop_back();
    out += row + "\n";
  }
  return out;
}

} // namespace nnrt
