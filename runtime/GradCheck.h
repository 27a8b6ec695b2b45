//===- GradCheck.h - Compiled gradient vs finite differences ---*- C++ -*-===//
//
// For models compiled with plain SGD: the analytic gradient is recovered from
// one nnc_train_step with lr = 1 (p' = p - g, so g = p - p'), the numeric one
// from central differences of nnc_train_loss's loss: the same train-mode
// function (same hyper, so the same dropout masks and flips) that the step
// differentiates. Both on the first batch of the training set (a text
// stream: its second batch, from the carried state the first one leaves).
// Elements where the loss has a kink (ReLU, max-pool) within the step are
// told apart from wrong gradients (checkElement). Prints a line per parameter
// and PASS/FAIL.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_GRADCHECK_H
#define NNRT_GRADCHECK_H

#include "Arena.h"
#include "Data.h"
#include "Descriptor.h"
#include "Train.h"

#include <functional>

namespace nnrt {

/// One element's outcome: the central difference agrees (Ok), disagrees where
/// the loss is smooth (Fail), or disagrees by what a kink within the step can
/// explain at every step tried (NonSmooth: skipped, not checked).
enum class Verdict { Ok, NonSmooth, Fail };

struct ElementCheck {
  Verdict verdict;
  double numeric; ///< the central difference the verdict rests on
  double err;     ///< |analytic - numeric|
};

/// Checks `analytic`, the derivative of L at x0, against central differences
/// of `lossAt` (L at a given f32 value of the element) with `loss` = L(x0)
/// setting the tolerance (GradCheck.cpp has the method and its error bounds).
ElementCheck checkElement(double analytic, float x0, double loss,
                          const std::function<double(float)> &lossAt);

/// Checks up to `samples` elements of every parameter (all when it has no
/// more; more when all of them are NonSmooth, until one is checked).
/// hyper = [1, 1, seed mod 2^24, 0]. Returns true on PASS: no element fails
/// and every parameter has a checked element. The arena's params and buffers
/// are left as they were.
bool gradCheck(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
               const Dataset &ds, int64_t samples, uint64_t seed);

} // namespace nnrt

#endif // NNRT_GRADCHECK_H
