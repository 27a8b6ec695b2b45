//===- VectorizeRewrites.h - IR rewrites before the vector schedule -*- C++
//-*-===//
//
// What Vectorize.cpp's schedule shares with the rewrites it runs first
// (VectorizeRewrites.cpp): the host's register blocking, the size limits, and
// the rewrites themselves (B packing, transposed-B materialization, fusion of
// elementwise chains, copies into slices).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_CODEGEN_VECTORIZEREWRITES_H
#define NNC_LIB_CODEGEN_VECTORIZEREWRITES_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>

namespace nnc::vectorize {

/// Register blocking for the host: an mr x nr accumulator tile of C.
/// AVX-512 (32 zmm): 4 x 64 = 16 accumulators + 4 B rows + 1 broadcast.
/// AVX2 (16 ymm): 6 x 16 = 12 accumulators + 2 B rows + 1 broadcast
/// (measured on Zen 3, 480x512x512, 1 thread: 6x16 73 GFLOP/s, 5x16 70,
/// 4x16 63, 8x16 57 (spills), 4x64 28 (spills)).
struct HostBlocking {
  int64_t mr = 6;
  int64_t nr = 16;
  int64_t lanes = 8; ///< f32 per vector register
};

/// A GEMM's B operand at least this big (bytes) does not stay in the caches
/// from one step to the next: with a small A, it streams in short k panels.
constexpr int64_t kWideRhsBytes = 16 << 20;
/// Below this many elements a memory-bound op stays serial: a parallel region
/// costs microseconds.
constexpr int64_t kMinParallelElements = 1 << 16;
;

void packWideRhs(mlir::ModuleOp module, const HostBlocking &hb);
void materializeTransposedRhs(mlir::ModuleOp module);
void fuseElementwiseChains(mlir::ModuleOp module);
void copyIntoSlices(mlir::ModuleOp module);

} // namespace nnc::vectorize

#endif // NNC_LIB_CODEGEN_VECTORIZEREWRITES_H
