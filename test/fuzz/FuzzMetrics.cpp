//===- FuzzMetrics.cpp - libFuzzer: the metrics file `plot` reads ---------===//
//
// An input is a metrics file (JSON lines, as `train --metrics` writes), read
// as `./model plot FILE -o PNG` reads it (readMetricsFile, lastRunStart) and
// made into a chart (metricsChart: series, axes and ticks), not drawn.
// nnrt::Error is fine; see FuzzCommon.h.
//
//===----------------------------------------------------------------------===//
#include "FuzzCommon.h"

#include "Curves.h"
#include "Error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = nnc::fuzz::inputFile(data, size, ".jsonl");
  try {
    std::vector<nnrt::MetricsLine> lines = nnrt::readMetricsFile(path);
    nnrt::metricsChart(lines, "fuzz", nnrt::lastRunStart(lines));
  } catch (const nnrt::Error &) {
  }
  return 0;
}
