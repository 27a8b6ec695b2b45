//===- Progress.h - Live training progress on a terminal --------*- C++ -*-===//
//
// While training, a one-line status on stderr rewritten in place with '\r':
//   epoch 1/3  step 120/938  loss 0.5123  48123 samples/s  ETA 3s
// Only when stderr is a TTY (pipes and files get nothing), at most every
// 0.1 s; clear() erases the line before the epoch summary goes to stdout.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_PROGRESS_H
#define NNRT_PROGRESS_H

#include <chrono>
#include <cstdint>

namespace nnrt {

class Progress {
public:
  Progress(); ///< enabled iff stderr is a terminal
  void update(int64_t epoch, int64_t epochs, int64_t step, int64_t steps,
              double loss, double samplesPerSec, double etaSeconds);
  void clear();

private:
  bool enabled;
  bool shown = false;
  std::chrono::steady_clock::time_point last;
};

} // namespace nnrt

#endif // NNRT_PROGRESS_H
