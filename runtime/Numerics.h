//===- Numerics.h - Stop at the first non-finite value ----------*- C++ -*-===//
//
// After every training step the loss must be finite; if it is not, the run
// stops (RunError) before anything is saved, so the last checkpoint holds
// finite weights. A model built with `nnc build --check-numerics` runs
// nnc_train_step_checked instead, which also writes to the `numerics` slot
// the code of the first op (forward, backward, then the optimizer) whose
// result has a NaN (2 id) or an infinity (2 id + 1); the object's table
// `nnc_numerics_ops` (one line per id: kind, op, param, file, line, col,
// source line) names it:
//   error: model.nn:7:13: log produced NaN at step 12
//       y = log(x - 3)
//           ^
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_NUMERICS_H
#define NNRT_NUMERICS_H

#include "Arena.h"
#include "Descriptor.h"

#include <cstdint>
#include <string>

namespace nnrt {

/// The message for code `code` (> 0) of the table `table` at step `t`
/// ("" table: the object has none).
std::string numericsMessage(const ModelDesc &d, const char *table, int32_t code,
                            int64_t t);

/// Throws RunError if the step just run (global step t) produced a non-finite
/// value: the checked op named by the numerics slot, else a non-finite loss.
void checkStepNumerics(const ModelDesc &d, const char *table, Arena &arena,
                       const Slot &loss, int64_t t);

} // namespace nnrt

#endif // NNRT_NUMERICS_H
