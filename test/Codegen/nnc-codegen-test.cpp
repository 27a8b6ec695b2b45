//===- nnc-codegen-test.cpp - Drives the code generator on an .mlir file --===//
//
// Test tool for compiler/lib/Codegen: reads linalg-on-tensors MLIR (the
// `linalg` stage), runs the back end up to --emit=STAGE and writes it:
// vector | llvm | llvm-ir | asm | obj | exe (links with --runtime).
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::Required);
static cl::opt<std::string> outputFile("o", cl::desc("output file"),
                                       cl::init("-"));
static cl::opt<std::string>
    emit("emit", cl::desc("vector | llvm | llvm-ir | asm | obj | exe"),
         cl::init("obj"));
static cl::opt<int> threads("nthreads", cl::desc("threads to split over"),
                            cl::init(2));
static cl::opt<std::string> cpu("mcpu", cl::desc("target CPU (default: host)"),
                                cl::init(""));
static cl::opt<std::string> runtime("runtime",
                                    cl::desc("archive with main (exe)"));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "nnc code generator test driver\n");
  const std::vector<std::string> stages = {"vector", "llvm", "llvm-ir",
                                           "asm",    "obj",  "exe"};
  auto stage = std::find(stages.begin(), stages.end(), emit) - stages.begin();
  if (stage == (long)stages.size()) {
    errs() << "error: unknown --emit=" << emit << "\n";
    return 1;
  }

  mlir::DialectRegistry registry;
  nnc::registerCodegenDialects(registry);
  mlir::MLIRContext ctx(registry);
  SourceMgr sm;
  mlir::SourceMgrDiagnosticHandler diag(sm, &ctx);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(inputFile, sm, &ctx);
  if (!module || failed(nnc::runVectorize(*module, threads, cpu)))
    return 1;
  std::string objPath = stage == 5 ? outputFile + ".o" : outputFile.getValue();
  std::string err;
  auto out = mlir::openOutputFile(objPath, &err);
  if (!out) {
    errs() << "error: " << err << "\n";
    return 1;
  }
  if (stage == 0) {
    module->print(out->os());
    out->keep();
    return 0;
  }
  if (failed(nnc::runLowerToLLVM(*module)))
    return 1;
  if (stage == 1) {
    module->print(out->os());
    out->keep();
    return 0;
  }
  LLVMContext llvmCtx;
  std::unique_ptr<Module> llvmModule = nnc::translateToLLVMIR(*module, llvmCtx);
  if (!llvmModule)
    return 1;
  if (stage == 2) {
    llvmModule->print(out->os(), nullptr);
    out->keep();
    return 0;
  }
  if (failed(nnc::emitMachineCode(*llvmModule, out->os(), stage == 3, cpu)))
    return 1;
  out->keep();
  if (stage < 5)
    return 0;
  out->os().close();
  return failed(nnc::linkExecutable({objPath}, runtime, outputFile)) ? 1 : 0;
}
