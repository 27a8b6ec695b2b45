//===- CheckNumerics.h - The train step's numerics checks -------*- C++ -*-===//
//
// `nnc build --check-numerics`: @train_step_checked carries
// `nn.check_numerics` and returns, after everything else, a tensor<i32>
// code: 0 when every value the step computed is finite, else 2 id (a NaN)
// or 2 id + 1 (an infinity) for the first op in program order (forward, then
// backward, then the optimizer) whose result is not. The ids index the
// table the module exports as `nnc_numerics_ops` for the runtime.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TRANSFORMS_CHECKNUMERICS_H
#define NNC_TRANSFORMS_CHECKNUMERICS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseSet.h"

#include <map>
#include <string>

namespace nnc::grad {

/// Line id (from 1) of `nnc_numerics_ops`, tab-separated:
///   <forward|backward|update> <op> <param index or -> <file> <line> <col>
///   <the source line>
struct NumericsTable {
  std::string text;
  int64_t next = 1;
  std::map<std::string, std::vector<std::string>> sources; ///< file's lines
};

/// Chains nn.check_finite over every f32 tensor result of the ops now in
/// `train`'s body (top level: a scan or loop is checked by its results and
/// named as one op) and returns the final code (tensor<i32>). `forward`
/// holds the ops cloned from @loss.
mlir::Value checkNumerics(mlir::func::FuncOp train, mlir::OpBuilder &b,
                          const llvm::DenseSet<mlir::Operation *> &forward,
                          NumericsTable &table);

/// The table as the NUL-terminated global `nnc_numerics_ops` (none without
/// checks).
void emitNumericsTable(mlir::ModuleOp module, const NumericsTable &table);

} // namespace nnc::grad

#endif // NNC_TRANSFORMS_CHECKNUMERICS_H
