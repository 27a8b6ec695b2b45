//===- LowerToLLVM.cpp - Bufferization and lowering to the LLVM dialect ---===//
//
// The `llvm` stage. One-shot bufferization across function boundaries with
// identity layouts (the entry functions' tensors are views of the arena, so
// results are written in place and kernels allocate nothing), then
// scf.forall -> scf.parallel -> OpenMP, vector/memref/scf/math/arith/func ->
// LLVM with the bare-pointer calling convention (`nnc_train_step(char*)`),
// and a debug-info scope on every function so LLVM IR carries `!dbg`
// file:line locations of the model source.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {

/// Gives every use of a tensor.empty its own tensor.empty. CSE merges equal
/// empties; eliminate-empty-tensors then replaces the shared op with one
/// destination (say the arena slot of w) for *all* its users, so an unrelated
/// result (dw) would be computed in w's buffer.
/// A small empty used in a loop over time (nn.scan's, marked nnc.time_loop)
/// is moved back into it, next to its use (the vector stage's LICM hoists
/// empties out of loops): eliminate-empty-tensors
/// can then compute a value stacked by a loop over time straight into the
/// stack's slice at step t (the stack is defined in the loop, so it cannot
/// stand for an empty outside it), instead of a copy per step (an LSTM's
/// gates and dz: 300 KB a step).
struct SplitEmptyTensorsPass
    : public PassWrapper<SplitEmptyTensorsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SplitEmptyTensorsPass)
  StringRef getArgument() const override { return "nnc-split-empty-tensors"; }
  void runOnOperation() override {
    getOperation().walk([](tensor::EmptyOp op) {
      OpBuilder b(op);
      for (OpOperand &use :
           llvm::make_early_inc_range(llvm::drop_begin(op->getUses())))
        use.set(b.clone(*op)->getResult(0));
    });
    getOperation().walk([](tensor::EmptyOp op) {
      if (!op->hasOneUse() || op.getType().getNumElements() > kMaxSunkEmpty)
        return;
      Operation *user = *op->getUsers().begin();
      if (user->getBlock() != op->getBlock() &&
          op->getParentRegion()->isProperAncestor(user->getParentRegion()) &&
          user->getParentOp()->hasAttr("nnc.time_loop"))
        op->moveBefore(user);
    });
  }
  static constexpr int64_t kMaxSunkEmpty = 1 << 16; // a malloc per step
};

/// Vector-friendly polynomial approximations of exp, expm1, log, log1p, tanh
/// and the like (MLIR's, from Eigen and Cephes: within a few ulp): the
/// activations of recurrent cells then stay vectors instead of one scalar
/// libm call per element (which took two thirds of an LSTM's training time).
struct MathApproximationPass
    : public PassWrapper<MathApproximationPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MathApproximationPass)
  StringRef getArgument() const override { return "nnc-math-approximation"; }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

namespace nnc {

void buildLowerToLLVMPipeline(OpPassManager &pm) {
  // Bufferize. A canonicalize must precede drop-equivalent-buffer-results,
  // else a bufferization.clone appears that does not lower.
  pm.addPass(std::make_unique<SplitEmptyTensorsPass>());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createEmptyTensorToAllocTensorPass());
  bufferization::OneShotBufferizationOptions bufOpts;
  bufOpts.bufferizeFunctionBoundaries = true;
  // The loop over time (nn.scan) computes each new state into a buffer of
  // its own when the old one is still read (deallocated after the step).
  bufOpts.allowReturnAllocsFromLoops = true;
  // Copies that bufferization cannot avoid (e.g. into a strided slice) become
  // linalg.copy loops: memref.copy of a non-contiguous view would call the
  // runner library's memrefCopy, which the binaries do not link.
  bufOpts.memCpyFn = [](OpBuilder &b, Location loc, Value from, Value to) {
    b.create<linalg::CopyOp>(loc, from, to);
    return success();
  };
  bufOpts.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  pm.addPass(bufferization::createOneShotBufferizePass(bufOpts));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  pm.addPass(createCanonicalizerPass());
  bufferization::BufferDeallocationPipelineOptions deallocOpts;
  bufferization::buildBufferDeallocationPipeline(pm, deallocOpts);
  pm.addPass(createBufferizationToMemRefPass());
  // A dealloc of several buffers calls @dealloc_helper, whose dynamic memref
  // arguments the bare-pointer calling convention cannot lower: inline it.
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
  pm.addPass(createOutlineKernelsPass());

  // Passes that see one function at a time run nested on func.func (then
  // llvm.func), so the four entry functions are lowered on all cores.
  // Loops and threads: forall -> parallel -> omp.parallel + omp.wsloop.
  OpPassManager *fpm = &pm.nest<func::FuncOp>();
  fpm->addPass(createForallToParallelLoopPass());
  fpm->addPass(createConvertLinalgToLoopsPass());
  VectorTransferToSCFOptions vtsOpts;
  vtsOpts.enableFullUnroll();
  fpm->addPass(createConvertVectorToSCFPass(vtsOpts));
  pm.addPass(createConvertSCFToOpenMPPass());
  fpm = &pm.nest<func::FuncOp>();
  fpm->addPass(createLowerAffinePass());
  fpm->addPass(createCanonicalizerPass());
  fpm->addPass(createCSEPass());

  // Math first (libm calls for what has no LLVM intrinsic, e.g. tanh), as
  // math-to-libm unrolls vectors with vector ops.
  fpm->addPass(std::make_unique<MathApproximationPass>());
  fpm->addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());

  // To the LLVM dialect. finalize-memref-to-llvm must precede scf-to-cf, else
  // the memref.alloca_scope from scf-to-openmp fails to lower.
  fpm = &pm.nest<func::FuncOp>();
  fpm->addPass(memref::createExpandStridedMetadataPass());
  fpm->addPass(createLowerAffinePass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  fpm = &pm.nest<func::FuncOp>();
  fpm->addPass(createConvertSCFToCFPass());
  fpm->addPass(createArithToLLVMConversionPass());
  fpm->addPass(createConvertIndexToLLVMPass());
  ConvertFuncToLLVMPassOptions funcOpts;
  funcOpts.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcOpts));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.nest<LLVM::LLVMFuncOp>().addPass(createCanonicalizerPass());
  pm.addPass(LLVM::createDIScopeForLLVMFuncOpPass());
}

} // namespace nnc

LogicalResult nnc::runLowerToLLVM(ModuleOp module) {
  DialectRegistry registry;
  registerCodegenDialects(registry);
  module.getContext()->appendDialectRegistry(registry);
  PassManager pm(module.getContext());
  buildLowerToLLVMPipeline(pm);
  // NNC_PRINT_IR=1: the module after every pass of this stage, on stderr
  // (e.g. to see which copies bufferization made).
  if (getenv("NNC_PRINT_IR")) {
    module.getContext()->disableMultithreading();
    pm.enableIRPrinting();
  }
  // NNC_MLIR_TIMING=1: each pass's wall time, on stderr.
  if (getenv("NNC_MLIR_TIMING"))
    pm.enableTiming();
  return pm.run(module);
}
