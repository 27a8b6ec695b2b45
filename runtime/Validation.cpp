//===- Validation.cpp - A seeded validation split -------------------------===//
//
// See Validation.h.
//
//===----------------------------------------------------------------------===//
#include "Validation.h"
#include "Error.h"
#include "Train.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nnrt {

std::vector<int64_t> validationIndices(int64_t n, double fraction,
                                       uint64_t seed) {
  int64_t k = std::llround(fraction * double(n));
  char frac[32];
  std::snprintf(frac, sizeof frac, "%g", fraction);
  if (k < 1 || k >= n)
    throw Error("--val " + std::string(frac) + " holds out " +
                std::to_string(k) + " of the " + std::to_string(n) +
                " training samples; it must leave at least one on each side");
  std::vector<int64_t> order =
      shuffledIndices(n, {uint32_t(seed), uint32_t(seed >> 32), uint32_t('v'),
                          uint32_t('a'), uint32_t('l')});
  order.resize(k);
  std::sort(order.begin(), order.end());
  return order;
}

/// Appends sample i of `from` to `to` (the same kind of dataset).
static void appendSample(const Dataset &from, int64_t i, Dataset &to) {
  auto copy = [](const auto &src, auto &dst, int64_t per, int64_t i) {
    if (!src.empty())
      dst.insert(dst.end(), src.begin() + i * per, src.begin() + (i + 1) * per);
  };
  copy(from.x, to.x, from.xPer, i);
  copy(from.xI, to.xI, from.xPer, i);
  copy(from.yF, to.yF, from.yPer, i);
  copy(from.yI, to.yI, from.yPer, i);
  ++to.n;
}

void checkValidation(const ModelDesc &d) {
  if (!d.textFile.empty())
    throw Error("--val: a text stream has no samples to hold out (its last " +
                std::to_string(int(std::lround(d.textTest * 100))) +
                "% is already the held-out test part)");
  if (!d.words.path.empty())
    throw Error("--val: skip-gram pairs are drawn anew every epoch; there are "
                "no samples to hold out");
  if (!d.steps.empty())
    throw Error("--val: a model with several training steps has no single "
                "validation loss to watch");
}

Dataset splitValidation(const ModelDesc &d, Dataset &train, double fraction,
                        uint64_t seed) {
  checkValidation(d);
  std::vector<int64_t> held = validationIndices(train.n, fraction, seed);
  Dataset val, rest;
  val.xPer = rest.xPer = train.xPer;
  val.yPer = rest.yPer = train.yPer;
  size_t next = 0;
  for (int64_t i = 0; i < train.n; ++i) {
    bool out = next < held.size() && held[next] == i;
    next += out;
    appendSample(train, i, out ? val : rest);
  }
  train = std::move(rest);
  return val;
}

} // namespace nnrt
