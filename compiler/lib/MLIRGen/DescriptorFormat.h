//===- DescriptorFormat.h - How the descriptor spells values ----*- C++ -*-===//
//
// The notation of the descriptor text MLIRGen writes (docs/internals.md, "The
// model descriptor") and the runtime parses (runtime/Descriptor.cpp): floats
// with %.9g, shapes as comma-separated dims, and the `init` record.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_MLIRGEN_DESCRIPTORFORMAT_H
#define NNC_MLIRGEN_DESCRIPTORFORMAT_H

#include "nnc/Program.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace nnc {

/// A float: %.9g round-trips every f32 exactly.
std::string fmt(double v);
/// A slot's shape: `784,256`, or `scalar` for rank 0.
std::string shapeStr(mlir::RankedTensorType t);
/// Comma-separated dims (a dataset's shape).
std::string dimsStr(llvm::ArrayRef<int64_t> dims);
/// The `init <zeros | const v | uniform lo hi | normal mean std | literal
/// v...>` record, with its newline.
void printInit(llvm::raw_ostream &os, const Init &init);

} // namespace nnc

#endif // NNC_MLIRGEN_DESCRIPTORFORMAT_H
