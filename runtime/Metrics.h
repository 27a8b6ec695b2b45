//===- Metrics.h - Per-epoch statistics and their two formats ---*- C++ -*-===//
//
// One EpochStats per epoch, printed as a line on stdout
//   epoch 1/1  train_loss 0.5123  train_acc 81.95%  test_loss 0.4567
//   test_acc 83.40%  12.3s  48123 samples/s
// (all on one line; accuracies only for classification models) and, with
// --metrics FILE, appended to FILE as one JSON object per line:
//   {"epoch":1,"train_loss":0.5123,"train_acc":81.95,"test_loss":0.4567,
//    "test_acc":83.4,"seconds":12.3,"samples_per_s":48123.0}
// Accuracies are percentages (null when not classification). Models on
// `data text` also report train_bpc and test_bpc, bits per character: the
// mean per-character cross-entropy (nats) / ln 2. `seconds` is
// the epoch's wall time (training + evaluation); samples/s is training samples
// over the time spent in the training loop only (batch copies + train steps,
// no evaluation). With `train --grad-norms` the object also holds
//   "grad_norms":{"train_steps":938,"params":{"<param>":1.2e-2,...},
//                 "states":{"<model>.<layer>.h":[||dL/dh_1||,...],...}}
// (GradNorms.h: means over the epoch's train steps). With several training
// steps: "train_losses" and "test_losses" ({"<step>": loss, ...}) and
//   "loss_curve":{"every":18,"batches":938,"at":[18,36,...],
//                 "<step>":[loss over batches 1-18, 19-36, ...],...}
// With `train --val F` the line shows val_loss (and val_acc) after the
// train figures and the object holds "val_loss" and "val_acc" after
// "test_acc". Classifiers of at most 100 classes add, at the end, per part
// (train, val, test) "<part>_precision" and "<part>_recall" (per class, null
// where undefined) and "<part>_confusion" (rows: true class); regressors
// "<part>_mae" and "<part>_mse" (Report.h). The train part counts the
// epoch's training batches as the train step saw them (train mode, before
// its update).
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_METRICS_H
#define NNRT_METRICS_H

#include "Report.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nnrt {

/// `train --grad-norms`: over the epoch's `steps` train steps, the mean of
/// each parameter's ||dL/dp|| and, per scan state, of ||dL/dh_t|| at every
/// step t = 1..T (GradNorms.h).
struct GradNormStats {
  int64_t steps = 0; ///< 0: not collected
  std::vector<std::pair<std::string, double>> params;
  std::vector<std::pair<std::string, std::vector<double>>> states;
};

struct EpochStats {
  int64_t epoch = 0, epochs = 0; ///< 1-based epoch, of `epochs`
  bool classification = false;
  bool text = false; ///< `data text`: bits per character are reported too
  double trainLoss = 0, trainAcc = 0; ///< acc in percent
  double testLoss = 0, testAcc = 0;
  bool hasVal = false; ///< train --val: valLoss, valAcc, valQuality
  double valLoss = 0, valAcc = 0;
  /// Confusion matrices or regression errors (Report.h), where collected.
  Quality trainQuality, valQuality, testQuality;
  double seconds = 0;      ///< whole epoch, wall clock
  double trainSeconds = 0; ///< training loop only
  int64_t trainSamples = 0;
  GradNormStats gradNorms; ///< steps == 0 unless train --grad-norms
  /// Several training steps: each step's name and mean train and test loss
  /// (the line then shows `D 0.6212  G 1.4101` instead of train_loss).
  std::vector<std::string> stepNames;
  std::vector<double> stepLosses, testStepLosses;
  /// And each step's mean train loss over every window of `curveEvery`
  /// scheduled batches (curveAt: the 1-based batch of the epoch, of
  /// curveBatches, that ends each window; NaN where the step took none):
  /// "loss_curve" in the metrics, the curves of `train --plot`.
  int64_t curveEvery = 0, curveBatches = 0;
  std::vector<int64_t> curveAt;
  std::vector<std::vector<double>> stepCurves;

  double samplesPerSec() const {
    return trainSeconds > 0 ? double(trainSamples) / trainSeconds : 0;
  }
};

std::string formatEpochLine(const EpochStats &s);
std::string formatMetricsJson(const EpochStats &s);
/// `train --report`: the epoch's confusion matrices with precision and recall
/// (classifiers) or MAE and MSE (regressors), "" when there are none.
std::string formatReport(const EpochStats &s);
/// Appends formatMetricsJson(s) + '\n' to path; throws Error on failure.
void appendMetrics(const std::string &path, const EpochStats &s);

} // namespace nnrt

#endif // NNRT_METRICS_H
