//===- Report.cpp - Confusion matrices, precision, recall, MAE, MSE -------===//
//
// See Report.h. The argmax takes the first of equal logits, as countCorrect
// does, so the matrix's diagonal sums to the accuracy's correct count.
//
//===----------------------------------------------------------------------===//
#include "Report.h"
#include "Distributed.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nnrt {

void Confusion::add(const float *logits, const int32_t *labels, int64_t rows,
                    int64_t ignore) {
  for (int64_t i = 0; i < rows; ++i) {
    if (labels[i] == ignore || labels[i] < 0 || labels[i] >= classes)
      continue;
    const float *row = logits + i * classes;
    int64_t best = 0;
    for (int64_t k = 1; k < classes; ++k)
      if (row[k] > row[best])
        best = k;
    ++counts[labels[i] * classes + best];
  }
}

double Confusion::precision(int64_t k) const {
  int64_t predicted = 0;
  for (int64_t t = 0; t < classes; ++t)
    predicted += at(t, k);
  return predicted ? double(at(k, k)) / double(predicted) : NAN;
}

double Confusion::recall(int64_t k) const {
  int64_t actual = 0;
  for (int64_t p = 0; p < classes; ++p)
    actual += at(k, p);
  return actual ? double(at(k, k)) / double(actual) : NAN;
}

void RegressionSums::add(const float *out, const float *target,
                         int64_t elements) {
  for (int64_t i = 0; i < elements; ++i) {
    double e = double(out[i]) - double(target[i]);
    absSum += std::fabs(e);
    sqSum += e * e;
  }
  n += elements;
}

bool reportsConfusion(const ModelDesc &d) {
  return d.classification && d.steps.empty() &&
         d.classes() <= kMaxReportClasses;
}

bool reportsRegression(const ModelDesc &d) {
  return !d.classification && d.steps.empty() && d.trainable() &&
         d.y.dtype == DType::F32 && d.out.dtype == DType::F32 &&
         d.y.perSample() == d.out.perSample();
}

void Quality::reset(const ModelDesc &d) {
  if (reportsConfusion(d))
    confusion.reset(d.classes());
  else
    confusion.reset(0);
  regression = RegressionSums();
  regression.on = reportsRegression(d);
}

void Quality::add(const ModelDesc &d, const float *out, const void *y,
                  int64_t count) {
  if (confusion.classes)
    confusion.add(out, static_cast<const int32_t *>(y), count * d.positions(),
                  d.ignoreIndex);
  if (regression.on)
    regression.add(out, static_cast<const float *>(y),
                   count * d.out.perSample());
}

void Quality::sumOver(Comm &c) {
  std::vector<double> v(confusion.counts.begin(), confusion.counts.end());
  v.push_back(regression.absSum);
  v.push_back(regression.sqSum);
  v.push_back(double(regression.n));
  c.sum(v.data(), int64_t(v.size()));
  for (size_t i = 0; i < confusion.counts.size(); ++i)
    confusion.counts[i] = int64_t(v[i]);
  size_t r = confusion.counts.size();
  regression.absSum = v[r];
  regression.sqSum = v[r + 1];
  regression.n = int64_t(v[r + 2]);
}

std::string formatConfusion(const std::string &title, const Confusion &c) {
  if (!c.classes)
    return "";
  // Columns as wide as the largest count (at least 5).
  int64_t most = 0;
  for (int64_t v : c.counts)
    most = std::max(most, v);
  int w = std::min(24, std::max(5, int(std::to_string(most).size()) + 1));
  std::string s = "  " + title + " (rows: true class, columns: predicted)\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "  %5s", "");
  s += buf;
  for (int64_t p = 0; p < c.classes; ++p) {
    std::snprintf(buf, sizeof buf, "%*lld", w, (long long)p);
    s += buf;
  }
  s += "  precision  recall\n";
  for (int64_t t = 0; t < c.classes; ++t) {
    std::snprintf(buf, sizeof buf, "  %5lld", (long long)t);
    s += buf;
    for (int64_t p = 0; p < c.classes; ++p) {
      std::snprintf(buf, sizeof buf, "%*lld", w, (long long)c.at(t, p));
      s += buf;
    }
    auto pct = [&](double v) {
      if (std::isnan(v))
        return std::string("      -");
      std::snprintf(buf, sizeof buf, "%6.2f%%", 100 * v);
      return std::string(buf);
    };
    s += "    " + pct(c.precision(t)) + "  " + pct(c.recall(t)) + "\n";
  }
  return s;
}

} // namespace nnrt
