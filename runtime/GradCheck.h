//===- GradCheck.h - Compiled gradient vs finite differences ---*- C++ -*-===//
//
// For models compiled with plain SGD: the analytic gradient is recovered from
// one nnc_train_step with lr = 1 (p' = p - g, so g = p - p'), the numeric one
// from central differences of nnc_train_loss's loss: the same train-mode
// function (same hyper, so the same dropout masks and flips) that the step
// differentiates. Both on the first batch of the training set (a text
// stream: its second batch, from the carried state the first one leaves).
// Prints a line per parameter and PASS/FAIL.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_GRADCHECK_H
#define NNRT_GRADCHECK_H

#include "Arena.h"
#include "Data.h"
#include "Descriptor.h"
#include "Train.h"

namespace nnrt {

/// Checks up to `samples` elements of every parameter (all when it has no
/// more). hyper = [1, 1, seed mod 2^24, 0]. Returns true on PASS. The
/// arena's params and buffers are left as they were.
bool gradCheck(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
               const Dataset &ds, int64_t samples, uint64_t seed);

} // namespace nnrt

#endif // NNRT_GRADCHECK_H
