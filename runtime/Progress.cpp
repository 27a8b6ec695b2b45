//===- Progress.cpp - The '\r' status line --------------------------------===//
//
// The caller supplies the rate and the ETA (Train.cpp: ETA = remaining
// training samples of this epoch / the epoch's running samples per second).
//
//===----------------------------------------------------------------------===//
#include "Progress.h"

#include <cstdio>
#include <unistd.h>

namespace nnrt {

Progress::Progress() : enabled(isatty(STDERR_FILENO)) {}

void Progress::update(int64_t epoch, int64_t epochs, int64_t step,
                      int64_t steps, double loss, double samplesPerSec,
                      double etaSeconds) {
  if (!enabled)
    return;
  auto now = std::chrono::steady_clock::now();
  if (shown && now - last < std::chrono::milliseconds(100))
    return;
  last = now;
  shown = true;
  std::fprintf(stderr,
               "\r\033[Kepoch %lld/%lld  step %lld/%lld  loss %.4f  %.0f "
               "samples/s  ETA %.0fs",
               (long long)epoch, (long long)epochs, (long long)step,
               (long long)steps, loss, samplesPerSec, etaSeconds);
  std::fflush(stderr);
}

void Progress::clear() {
  if (enabled && shown)
    std::fprintf(stderr, "\r\033[K");
  shown = false;
}

} // namespace nnrt
