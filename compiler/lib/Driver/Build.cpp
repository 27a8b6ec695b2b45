//===- Build.cpp - From an analysed program to a stage or an executable ---===//
//
// Implements nnc::buildProgram (Driver.h): MLIRGen, then the stage ladder
// nn -> grad (nn-autodiff) -> linalg (nn-lower-to-linalg, inline, symbol-dce,
// canonicalize, cse) -> vector -> llvm -> llvm-ir -> asm -> binary, stopping
// at and printing the stage asked for. Every MLIR diagnostic goes through a
// SourceMgrDiagnosticHandler holding the model source, so errors print as
// `file:line:col: error: message`, the source line and a caret.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen.h"
#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Driver.h"
#include "nnc/MLIRGen.h"
#include "nnc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace nnc {
namespace {

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "nnc") << message << "\n";
  return 1;
}

/// NNC_PRINT_LOCS=1: with each op's .nn location (bench/regions.py maps a
/// perf profile's outlined OpenMP regions to source lines with it).
void printModule(ModuleOp module, const BuildOptions &opts) {
  if (!opts.print)
    return;
  OpPrintingFlags flags;
  if (getenv("NNC_PRINT_LOCS"))
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  module.print(llvm::outs(), flags);
  llvm::outs() << "\n";
}

/// libnnrt.a: the given path, else next to the nnc executable (bin/), else in
/// the build tree's or install prefix's lib/.
std::string findRuntime(const BuildOptions &opts) {
  if (!opts.runtimeLib.empty())
    return opts.runtimeLib;
  static int anchor;
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, &anchor);
  llvm::StringRef dir = llvm::sys::path::parent_path(exe);
  for (llvm::StringRef rel : {"libnnrt.a", "../lib/libnnrt.a"}) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, rel);
    llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
    if (llvm::sys::fs::exists(path))
      return std::string(path);
  }
  return "";
}

/// Writes the objects (one per partition, emitObjects) to a temporary
/// directory, links them with the runtime into opts.output and removes the
/// temporaries.
int emitBinary(llvm::Module &llvmModule, const BuildOptions &opts,
               StageTimer &timer) {
  std::string runtime = findRuntime(opts);
  if (runtime.empty())
    return fail("cannot find the runtime library libnnrt.a next to nnc; "
                "pass its path explicitly");
  llvm::SmallString<128> tmpDir;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("nnc", tmpDir))
    return fail("cannot create a temporary directory: " + ec.message());
  llvm::SmallString<128> prefix(tmpDir);
  llvm::sys::path::append(prefix, llvm::sys::path::filename(opts.output));
  llvm::SmallVector<std::string> objects;
  timer.stage("machine code");
  int status = failed(emitObjects(llvmModule, prefix, objects)) ? 1 : 0;
  timer.stage("link");
  if (status == 0 &&
      failed(linkExecutable(objects, runtime, opts.output, opts.distributed)))
    status = 1;
  for (const std::string &object : objects)
    llvm::sys::fs::remove(object);
  llvm::sys::fs::remove(tmpDir);
  return status;
}

/// --testing-negate-grad's names as indices into prog.params: the full name
/// ("Cnn.dense1.bias") or the name without the model's prefix ("dense1.bias").
FailureOr<std::vector<unsigned>> negatedParams(const Program &prog,
                                               const BuildOptions &opts) {
  std::vector<unsigned> indices;
  for (const std::string &name : opts.testingNegateGrad) {
    auto it = llvm::find_if(prog.params, [&](const Param &p) {
      return p.name == name || p.name == prog.modelName + "." + name;
    });
    if (it == prog.params.end()) {
      std::string names;
      for (const Param &p : prog.params)
        names += (names.empty() ? "" : ", ") + p.name;
      fail("--testing-negate-grad: unknown parameter '" + name +
           "' (the parameters: " + names + ")");
      return failure();
    }
    indices.push_back(it - prog.params.begin());
  }
  return indices;
}

int runStages(ModuleOp module, const Program &prog, const BuildOptions &opts,
              StageTimer &timer) {
  FailureOr<std::vector<unsigned>> negate = negatedParams(prog, opts);
  if (failed(negate))
    return 1;
  if (opts.emit == Stage::NN) {
    printModule(module, opts);
    return 0;
  }

  timer.stage("grad");
  AutodiffOptions autodiff;
  autodiff.testingNegateGrad = *negate;
  PassManager grad(module->getContext());
  grad.addPass(createPoolBeforeActivation());
  grad.addPass(createScanHoistProjections());
  grad.addPass(createAutodiff(autodiff));
  grad.addPass(createScanSinkAccumulators());
  if (failed(grad.run(module)))
    return 1;
  if (opts.emit == Stage::Grad) {
    printModule(module, opts);
    return 0;
  }

  // Lowering first, so inlining only meets upstream dialects; inlining the
  // callees into the nnc_* wrappers lets bufferization write results straight
  // into the arena, and symbol-dce then drops @forward/@loss/@train_step.
  timer.stage("linalg");
  PassManager linalg(module->getContext());
  linalg.addPass(createLowerToLinalg());
  linalg.addPass(createInlinerPass());
  linalg.addPass(createSymbolDCEPass());
  linalg.addPass(createCanonicalizerPass());
  linalg.addPass(createCSEPass());
  if (failed(linalg.run(module)))
    return 1;
  if (opts.emit == Stage::Linalg) {
    printModule(module, opts);
    return 0;
  }

  timer.stage("vector");
  if (failed(runVectorize(module, opts.threads)))
    return 1;
  if (opts.emit == Stage::Vector) {
    printModule(module, opts);
    return 0;
  }

  timer.stage("llvm");
  if (failed(runLowerToLLVM(module)))
    return 1;
  if (opts.emit == Stage::LLVM) {
    printModule(module, opts);
    return 0;
  }

  timer.stage("llvm-ir");
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return 1;
  if (opts.emit == Stage::LLVMIR) {
    if (opts.print)
      llvmModule->print(llvm::outs(), nullptr);
    return 0;
  }
  if (opts.emit == Stage::Asm) {
    timer.stage("asm");
    llvm::SmallString<0> text;
    llvm::raw_svector_ostream os(text);
    if (failed(emitMachineCode(*llvmModule, os, /*assembly=*/true)))
      return 1;
    llvm::outs() << text;
    return 0;
  }
  return emitBinary(*llvmModule, opts, timer);
}

} // namespace

int buildProgram(const Program &prog, const BuildOptions &opts) {
  if (opts.emit == Stage::AST)
    return 0; // the frontend prints the AST
  if (opts.emit == Stage::Binary && opts.output.empty())
    return fail("no output file given (-o)");

  DialectRegistry registry;
  registry.insert<nn::NNDialect, func::FuncDialect, arith::ArithDialect,
                  tensor::TensorDialect, linalg::LinalgDialect,
                  math::MathDialect, memref::MemRefDialect,
                  bufferization::BufferizationDialect, LLVM::LLVMDialect>();
  func::registerInlinerExtension(registry);
  if (opts.emit >= Stage::Vector)
    registerCodegenDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);

  llvm::SourceMgr sourceMgr;
  if (auto buffer = llvm::MemoryBuffer::getFile(prog.sourceFile))
    sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  StageTimer ownTimer;
  StageTimer &timer = opts.timer ? *opts.timer : ownTimer;
  timer.stage("mlirgen");
  int64_t batch = opts.batch > 0 ? opts.batch : prog.train.batch;
  // --distributed N: B is the global batch; each rank compiles B / N rows.
  if (int64_t ranks = prog.train.ranks; ranks > 0) {
    if (batch % ranks != 0)
      return fail("--distributed " + llvm::Twine(ranks) + ": the batch " +
                  llvm::Twine(batch) + " is not a multiple of the " +
                  llvm::Twine(ranks) + " ranks (each runs batch / ranks rows)");
    batch /= ranks;
  }
  OwningOpRef<ModuleOp> module = mlirGen(context, prog, batch);
  if (!module || failed(verify(*module)))
    return 1;
  return runStages(*module, prog, opts, timer);
}

} // namespace nnc
