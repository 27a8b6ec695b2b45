//===- MachineCode.cpp - LLVM IR, host machine code and linking -----------===//
//
// The `llvm-ir` and `asm` stages and the link step: translates the LLVM
// dialect to LLVM IR, optimizes it at O3 for the host CPU (all its features,
// so AVX-512 when present; fused multiply-adds allowed), emits assembly or an
// object file, and links the object with the runtime archive into an
// executable with the system C++ driver.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#ifndef NNC_LIBOMP_DIR
#define NNC_LIBOMP_DIR "/usr/lib/llvm-19/lib"
#endif

using namespace mlir;

std::unique_ptr<llvm::Module> nnc::translateToLLVMIR(ModuleOp module,
                                                     llvm::LLVMContext &ctx) {
  DialectRegistry registry;
  registerCodegenDialects(registry);
  module.getContext()->appendDialectRegistry(registry);
  return translateModuleToLLVMIR(module, ctx, "nnc_model");
}

LogicalResult nnc::emitMachineCode(llvm::Module &m, llvm::raw_pwrite_stream &os,
                                   bool assembly, llvm::StringRef cpu) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    llvm::errs() << "error: no target for " << triple << ": " << error << "\n";
    return failure();
  }
  std::string cpuName =
      cpu.empty() ? llvm::sys::getHostCPUName().str() : cpu.str();
  llvm::SubtargetFeatures features;
  if (cpu.empty())
    for (const auto &f : llvm::sys::getHostCPUFeatures())
      features.AddFeature(f.first(), f.second);
  llvm::TargetOptions options;
  options.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  options.MCOptions.AsmVerbose = assembly; // loop and spill comments
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpuName, features.getString(), options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!tm) {
    llvm::errs() << "error: cannot create a target machine for " << cpuName
                 << "\n";
    return failure();
  }
  m.setTargetTriple(triple);
  m.setDataLayout(tm->createDataLayout());
  // Per-function attributes drive the IR optimizer's cost model; on AVX-512
  // hosts, ask for 512-bit vectors (LLVM prefers 256 on some CPUs).
  bool avx512 = tm->getMCSubtargetInfo()->checkFeatures("+avx512f");
  for (llvm::Function &f : m) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", cpuName);
    f.addFnAttr("target-features", features.getString());
    if (avx512)
      f.addFnAttr("prefer-vector-width", "512");
  }

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  // LLVM's loop unrolling stays on: without it the MLP trained at half speed
  // on 2 threads (53K against 114K samples/s) and the grey input gradient's
  // strided column reads went through the stack (7 against 42 GFLOP/s). Its
  // cost is build time: it fully unrolls Winograd's transform loops into
  // basic blocks of thousands of instructions, and scheduling them is
  // quadratic (resnet.nn: 2.7 min to build; 47 s without unrolling).
  llvm::PipelineTuningOptions pto;
  pto.LoopUnrolling = true;
  llvm::PassBuilder pb(tm.get(), pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(m, mam);

  llvm::legacy::PassManager codegen;
  if (tm->addPassesToEmitFile(codegen, os, nullptr,
                              assembly ? llvm::CodeGenFileType::AssemblyFile
                                       : llvm::CodeGenFileType::ObjectFile)) {
    llvm::errs() << "error: the target cannot emit this file type\n";
    return failure();
  }
  codegen.run(m);
  return success();
}

/// True when `object` has undefined references to the OpenMP runtime.
static bool callsOpenMP(llvm::StringRef object) {
  auto file = llvm::object::ObjectFile::createObjectFile(object);
  if (!file) {
    llvm::consumeError(file.takeError());
    return false;
  }
  for (const llvm::object::SymbolRef &sym : file->getBinary()->symbols()) {
    auto flags = sym.getFlags();
    auto name = sym.getName();
    if (!flags || !name) {
      if (!flags)
        llvm::consumeError(flags.takeError());
      if (!name)
        llvm::consumeError(name.takeError());
      continue;
    }
    if ((*flags & llvm::object::SymbolRef::SF_Undefined) &&
        (name->starts_with("__kmpc_") || name->starts_with("omp_")))
      return true;
  }
  return false;
}

LogicalResult nnc::linkExecutable(llvm::StringRef object,
                                  llvm::StringRef runtimeLib,
                                  llvm::StringRef output) {
  auto driver = llvm::sys::findProgramByName("c++");
  if (!driver)
    driver = llvm::sys::findProgramByName("clang++-19");
  if (!driver) {
    llvm::errs() << "error: cannot link: no C++ compiler driver (c++ or "
                    "clang++-19) on PATH\n";
    return failure();
  }
  std::string rpath = "-Wl,-rpath," NNC_LIBOMP_DIR;
  llvm::SmallVector<llvm::StringRef> args = {*driver, object, runtimeLib, "-o",
                                             output};
  if (callsOpenMP(object))
    args.append({"-L" NNC_LIBOMP_DIR, "-lomp", rpath});
  args.append({"-lz", "-lm", "-pthread"});
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    llvm::errs() << "error: linking " << output << " failed ("
                 << (message.empty()
                         ? *driver + " exited with status " + std::to_string(rc)
                         : message)
                 << ")\n";
    return failure();
  }
  return success();
}
