//===- NNDialect.h - the nn dialect -----------------------------*- C++ -*-===//
//
// Declares nnc::nn::NNDialect (generated from NNDialect.td): tensor-level
// neural-network operations; docs/nn-dialect.md (generated from NNOps.td)
// is the op reference.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DIALECT_NN_NNDIALECT_H
#define NNC_DIALECT_NN_NNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "nnc/Dialect/NN/NNOpsDialect.h.inc"

#endif // NNC_DIALECT_NN_NNDIALECT_H
