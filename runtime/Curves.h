//===- Curves.h - Training curves from metrics lines -------------*- C++
//-*-===//
//
// Turns the JSON objects of `train --metrics FILE` (Metrics.h), one per epoch,
// into a Chart (Plot.h), for `train --plot FILE.png` (redrawn after every
// epoch) and `plot METRICS.jsonl -o FILE.png`. Every key of a line that looks
// like a series is plotted against "epoch", including keys this runtime does
// not write itself:
//   <name>_loss   -> panel "loss", series <name> (train, val, test, ...)
//   <name>_bpc    -> panel "bits per character" (the <name>_loss of the same
//                    line is then left out: it is the same curve in nats)
//   <name>_acc    -> panel "accuracy" (percent)
//   <name>_losses -> {"<step>": loss, ...}: one panel per training step (GAN:
//                    D, G), series <name>; the plain *_loss keys of such a
//                    line (a mean over the steps) are left out
//   loss_curve    -> {"every": K, "batches": N, "at": [b...], "<step>": [...]}:
//                    each step's mean train loss over every K scheduled
//                    batches (at: the batch within the epoch ending each
//                    window, of N), drawn at epoch - 1 + b / N in the step's
//                    panel instead of its per-epoch train loss
// Values are numbers or null (a non-finite loss, a step without batches);
// series without any number are dropped, and so are empty panels.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_CURVES_H
#define NNRT_CURVES_H

#include "Descriptor.h"
#include "Plot.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace nnrt {

struct EpochStats;

/// One line of a metrics file and its 1-based line number.
struct MetricsLine {
  nlohmann::ordered_json j;
  int64_t line = 0;
};

/// Reads a metrics file: one JSON object per non-blank line, each with an
/// integer "epoch" >= 1 and numbers or null as the values of its series
/// keys. Throws Error("path: cannot open: ...") or ("path: no metrics
/// lines"), and InputError("path:line", ...) at the first bad line.
std::vector<MetricsLine> readMetricsFile(const std::string &path);

/// Where the last run of `lines` starts: the index after the last line
/// whose epoch is not after its predecessor's (a file appended to by
/// several runs; 0 for one run).
size_t lastRunStart(const std::vector<MetricsLine> &lines);

/// The chart of lines[from...], titled `title`; throws Error if no line has
/// a series with a number.
Chart metricsChart(const std::vector<MetricsLine> &lines,
                   const std::string &title, size_t from = 0);

/// `train --plot FILE`: collects each epoch's metrics and redraws FILE.
class TrainingPlot {
public:
  TrainingPlot(std::string path, std::string title)
      : path(std::move(path)), title(std::move(title)) {}
  /// Adds the epoch and writes the picture; a failure is a RunError.
  void add(const EpochStats &s);

private:
  std::string path, title;
  std::vector<MetricsLine> lines;
};

/// The title of the model's plots: "MLP (mlp.nn)".
std::string plotTitle(const ModelDesc &d);

} // namespace nnrt

#endif // NNRT_CURVES_H
