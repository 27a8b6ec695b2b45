//===- NNOps.h - nn dialect operations --------------------------*- C++ -*-===//
//
// Declares the nn operations (nnc::nn::MatMulOp, AddOp, ...) generated from
// NNOps.td, and the NumPy broadcasting rule they share with the lowering and
// autodiff.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DIALECT_NN_NNOPS_H
#define NNC_DIALECT_NN_NNOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "nnc/Dialect/NN/NNDialect.h"

#include <optional>

namespace nnc::nn {
/// The NumPy broadcast of two shapes: right-aligned, each pair of dims equal
/// or one of them 1. Returns std::nullopt if the shapes are incompatible.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);
} // namespace nnc::nn

#define GET_OP_CLASSES
#include "nnc/Dialect/NN/NNOps.h.inc"

#endif // NNC_DIALECT_NN_NNOPS_H
