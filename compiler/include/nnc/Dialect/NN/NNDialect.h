//===- NNDialect.h - the nn dialect -----------------------------*- C++ -*-===//
//
// Declares nnc::nn::NNDialect (generated from NNDialect.td): tensor-level
// neural-network operations, see docs/internals.md for the op table.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DIALECT_NN_NNDIALECT_H
#define NNC_DIALECT_NN_NNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "nnc/Dialect/NN/NNOpsDialect.h.inc"

#endif // NNC_DIALECT_NN_NNDIALECT_H
