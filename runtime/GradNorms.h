//===- GradNorms.h - Gradient norms (train --grad-norms) --------*- C++ -*-===//
//
// With `train --grad-norms` every step runs nnc_train_step_norms, which
// trains as nnc_train_step does and also writes, before clipping, each
// parameter's ||dL/dp|| (slot grad_norm) and, for each state of each
// top-level scan, ||dL/dh_t|| over the batch at every step t (slot step_norm,
// [T]; h_t the state after reading x_t). GradNormSums sums them over the
// epoch's steps; the means go to the metrics JSON and to a table on stdout:
//   grad norms, epoch 1 (means over 938 train steps)
//     parameter                  shape     ||dL/dp||
//     Lstm.lstm1.weight_ih_l0    512,28    1.234e-02
//     ...
//     t    Lstm.lstm1.h  Lstm.lstm1.c      (||dL/dh_t||)
//     1    3.2e-06       1.1e-05
//     ...
// Means over steps rather than the last step's values: one batch's norms are
// noisy (from one batch to the next they vary by 30-80%: the LSTM of
// examples/vanishing.nn, trained alone, steps 200-300), the mean is their
// typical size over the epoch. Shorter epochs (--limit-batches N) give the
// means over windows of N steps, to follow them during training.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_GRADNORMS_H
#define NNRT_GRADNORMS_H

#include "Arena.h"
#include "Descriptor.h"
#include "Metrics.h"

#include <string>
#include <vector>

namespace nnrt {

class GradNormSums {
public:
  explicit GradNormSums(const ModelDesc &d) : d(d) { reset(); }
  /// Adds the norms nnc_train_step_norms just wrote to the arena.
  void add(Arena &arena);
  /// The means over the steps added since the last reset.
  GradNormStats means() const;
  void reset();

private:
  const ModelDesc &d;
  int64_t steps = 0;
  std::vector<double> params;              ///< per grad_norm slot
  std::vector<std::vector<double>> states; ///< per step_norm slot, [T]
};

/// The table above (with a trailing newline) for epoch `epoch`.
std::string formatGradNorms(const ModelDesc &d, const GradNormStats &s,
                            int64_t epoch);

} // namespace nnrt

#endif // NNRT_GRADNORMS_H
