//===- Timing.h - Wall time and peak memory of each build stage -*- C++ -*-===//
//
// `nnc build --time` prints, after the build, one row per stage: its wall
// time and the peak resident memory of the process while it ran (Linux resets
// the peak through /proc/self/clear_refs at each stage's start; elsewhere the
// column is the process's peak so far). The driver opens a stage with
// `stage("name")` and the next call (or `finish`) closes it.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TIMING_H
#define NNC_TIMING_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"
#include <chrono>
#include <string>

namespace nnc {

class StageTimer {
public:
  /// Closes the open stage, if any, and opens `name`.
  void stage(llvm::StringRef name);
  /// Closes the open stage; prints the table to `os` when enabled.
  void finish(llvm::raw_ostream &os);
  bool enabled = false;

private:
  struct Row {
    std::string name;
    double seconds;
    double peakMiB;
  };
  void close();
  llvm::SmallVector<Row> rows;
  std::string open;
  std::chrono::steady_clock::time_point start;
};

} // namespace nnc

#endif // NNC_TIMING_H
