//===- Report.h - Per-class and regression quality of predictions -*- C++
//-*-===//
//
// What an epoch (train, validation, test) or `eval` collects besides the
// loss: for classifiers with at most kMaxReportClasses classes, a confusion
// matrix (rows: true class, columns: predicted = argmax of the logits; labels
// equal to the ignore index are skipped), and from it per-class precision
// TP / (TP + FP) and recall TP / (TP + FN) (NaN, null in JSON, when the
// denominator is 0); for regressors (an f32 target of the output's size, e.g.
// an mse loss), the mean absolute and mean squared error over every element
// of the real (unpadded) samples.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_REPORT_H
#define NNRT_REPORT_H

#include "Descriptor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnrt {

class Comm;

/// Classifiers with more classes (a character or word vocabulary) get no
/// confusion matrix.
constexpr int64_t kMaxReportClasses = 100;

struct Confusion {
  int64_t classes = 0;         ///< 0: not collected
  std::vector<int64_t> counts; ///< [true class][predicted class]
  void reset(int64_t c) { classes = c, counts.assign(c * c, 0); }
  /// Adds `rows` rows of `classes` logits with their labels.
  void add(const float *logits, const int32_t *labels, int64_t rows,
           int64_t ignore);
  int64_t at(int64_t truth, int64_t pred) const {
    return counts[truth * classes + pred];
  }
  double precision(int64_t k) const;
  double recall(int64_t k) const;
};

struct RegressionSums {
  bool on = false; ///< false: not collected
  double absSum = 0, sqSum = 0;
  int64_t n = 0; ///< elements
  void add(const float *out, const float *target, int64_t elements);
  double mae() const { return n ? absSum / double(n) : 0; }
  double mse() const { return n ? sqSum / double(n) : 0; }
};

/// What one pass over a dataset collected.
struct Quality {
  Confusion confusion;
  RegressionSums regression;
  /// Starts collecting what model d has (nothing for other models).
  void reset(const ModelDesc &d);
  /// The first `count` samples of the arena's out and y.
  void add(const ModelDesc &d, const float *out, const void *y, int64_t count);
  /// Sums over the ranks of a distributed run (every rank calls it).
  void sumOver(Comm &c);
};

/// Whether model d gets a confusion matrix / regression errors.
bool reportsConfusion(const ModelDesc &d);
bool reportsRegression(const ModelDesc &d);

/// `--report`: the confusion matrix with per-class precision and recall,
/// headed by `title` ("train", "val", "test"); "" when not collected.
std::string formatConfusion(const std::string &title, const Confusion &c);

} // namespace nnrt

#endif // NNRT_REPORT_H
