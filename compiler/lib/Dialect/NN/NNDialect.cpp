//===- NNDialect.cpp - the nn dialect ---------------------------*- C++ -*-===//
//
// Registers the nn operations with the dialect.
//
//===----------------------------------------------------------------------===//
#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Dialect/NN/NNOps.h"

using namespace mlir;
using namespace nnc::nn;

#include "nnc/Dialect/NN/NNOpsDialect.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "nnc/Dialect/NN/NNOps.cpp.inc"
      >();
}
