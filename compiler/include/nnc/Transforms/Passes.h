//===- Passes.h - nn dialect passes -----------------------------*- C++ -*-===//
//
// Declarations of the nn passes (nn-pool-before-activation, nn-autodiff,
// nn-lower-to-linalg) generated from Passes.td, and their registration for
// nn-opt and the nnc driver.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TRANSFORMS_PASSES_H
#define NNC_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace nnc {
#define GEN_PASS_DECL
#include "nnc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

#endif // NNC_TRANSFORMS_PASSES_H
