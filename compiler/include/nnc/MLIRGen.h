//===- MLIRGen.h - From an analysed Program to the nn dialect ---*- C++ -*-===//
//
// MLIRGen turns a Program into one MLIR module with static shapes (the batch
// dimension B replaced by the compiled batch): @forward, @loss (train mode),
// @eval_loss, the @train_step declaration that nn-autodiff fills in, the arena
// entry points @nnc_train_step / @nnc_eval_step / @nnc_train_loss /
// @nnc_predict, and the model descriptor global @nnc_model_desc
// (docs/internals.md describes all of them).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_MLIRGEN_H
#define NNC_MLIRGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "nnc/Program.h"
#include <cstdint>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace nnc {

/// Emits the nn module for `prog` compiled for batch size `batch`. Loads the
/// dialects it uses into `context`. Returns null after reporting an error
/// through the context's diagnostic engine.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context,
                                          const Program &prog, int64_t batch);

} // namespace nnc

#endif // NNC_MLIRGEN_H
