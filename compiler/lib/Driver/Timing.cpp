//===- Timing.cpp - Wall time and peak memory of each build stage ---------===//
//
// StageTimer (Timing.h). The per-stage peak is VmHWM from /proc/self/status
// after writing "5" to /proc/self/clear_refs (Linux 4.0+), which resets it to
// the current resident size; where that fails, getrusage's ru_maxrss.
//
//===----------------------------------------------------------------------===//

#include "nnc/Timing.h"

#include "llvm/Support/Format.h"
#include <fstream>
#include <sys/resource.h>

using namespace nnc;

namespace {

/// Resets the kernel's peak-RSS counter where it can (else peakMiB reads the
/// process's peak so far, as the header says).
void resetPeak() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
}

double peakMiB() {
  std::ifstream f("/proc/self/status");
  std::string key;
  double kb;
  while (f >> key)
    if (key == "VmHWM:" && f >> kb)
      return kb / 1024;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

} // namespace

void StageTimer::close() {
  if (open.empty())
    return;
  std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
  rows.push_back({open, d.count(), peakMiB()});
  open.clear();
}

void StageTimer::stage(llvm::StringRef name) {
  if (!enabled)
    return;
  close();
  resetPeak();
  open = name.str();
  start = std::chrono::steady_clock::now();
}

void StageTimer::finish(llvm::raw_ostream &os) {
  if (!enabled)
    return;
  close();
  double total = 0, peak = 0;
  os << llvm::format("%-16s %9s %9s\n", (const char *)"stage",
                     (const char *)"seconds", (const char *)"peak MiB");
  for (const Row &r : rows) {
    os << llvm::format("%-16s %9.3f %9.0f\n", r.name.c_str(), r.seconds,
                       r.peakMiB);
    total += r.seconds;
    peak = std::max(peak, r.peakMiB);
  }
  os << llvm::format("%-16s %9.3f %9.0f\n", (const char *)"total", total, peak);
  rows.clear();
}
