//===- Codegen.h - linalg on tensors to a linked executable -----*- C++ -*-===//
//
// The back end of nnc: tiles and vectorizes linalg on tensors for the host
// CPU (the `vector` stage), bufferizes and lowers to the LLVM dialect with the
// bare-pointer calling convention (`llvm`), translates to LLVM IR with debug
// locations (`llvm-ir`), emits host machine code and links it with the
// runtime. See docs/internals.md for the arena ABI of the entry functions.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_CODEGEN_H
#define NNC_CODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class raw_pwrite_stream;
} // namespace llvm

namespace mlir {
class DialectRegistry;
class Pass;
} // namespace mlir

namespace nnc {

/// Adds the dialects, interface models, transform-dialect extensions and
/// LLVM IR translations the functions below need. Call it on the registry of
/// the context the module lives in (the functions also append it themselves).
void registerCodegenDialects(mlir::DialectRegistry &registry);

/// linalg on tensors -> tiled + vectorized (still on tensors); the `vector`
/// stage. Matmuls are split over `threads` threads (parallel dims only).
/// Register tiles fit `cpu`'s vector registers (empty: the host's; tests pin
/// e.g. "znver3" for AVX2 or "znver4" for AVX-512).
mlir::LogicalResult runVectorize(mlir::ModuleOp module, int threads,
                                 llvm::StringRef cpu = {});

/// Bufferizes and lowers to the LLVM dialect, bare-pointer calling convention
/// for the entry functions, with debug-info scopes on every function; the
/// `llvm` stage.
mlir::LogicalResult runLowerToLLVM(mlir::ModuleOp module);

/// LLVM dialect -> LLVM IR, with debug locations (file:line of the model
/// source); the `llvm-ir` stage. Null on failure (the error is printed).
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module,
                                                llvm::LLVMContext &ctx);

/// Identical kernels merged, O3 (full unrolling of short loops only) + code
/// generation, AllowFPOpFusion=Fast, PIC; assembly or an object file. `cpu`
/// empty: the host CPU and its features (AVX-512 when present); otherwise that
/// CPU's default features (used by tests, e.g. "znver4").
mlir::LogicalResult emitMachineCode(llvm::Module &m,
                                    llvm::raw_pwrite_stream &os, bool assembly,
                                    llvm::StringRef cpu = {});

/// Like emitMachineCode for objects, on every hardware thread: the module is
/// split into one partition per thread (at most 8), each optimized and
/// compiled into `pathPrefix`.<i>.o, whose paths are appended to `objects`.
mlir::LogicalResult emitObjects(llvm::Module &m, llvm::StringRef pathPrefix,
                                llvm::SmallVectorImpl<std::string> &objects);

/// Links `objects` with the runtime archive (libnnrt.a, which holds main) into
/// an executable with the system C++ driver (c++, else clang++-19), -lz, and
/// libomp when an object calls the OpenMP runtime. Errors -> failure with a
/// message on stderr. `distributed` (nnc build --distributed N) links
/// libnnrt-mpi.a, found next to `runtimeLib`, and libmpi too.
mlir::LogicalResult linkExecutable(llvm::ArrayRef<std::string> objects,
                                   llvm::StringRef runtimeLib,
                                   llvm::StringRef output,
                                   bool distributed = false);

/// After bufferization: every top-level loop nest of the entry functions
/// into a private function, one per distinct kernel (OutlineKernels.cpp).
std::unique_ptr<mlir::Pass> createOutlineKernelsPass();

/// Registers the pass pipelines `nnc-vectorize{threads=N}` and
/// `nnc-lower-to-llvm` (for nn-opt).
void registerCodegenPipelines();

} // namespace nnc

#endif // NNC_CODEGEN_H
