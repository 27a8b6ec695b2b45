//===- MachineCode.cpp - LLVM IR to host machine code ---------------------===//
//
// The `asm` stage and the objects of an executable: optimizes the LLVM IR at
// O3 for the host CPU (all its features, so AVX-512 when present; fused
// multiply-adds allowed) and emits assembly or object code. Before O3,
// identical kernels are merged into one function: OpenMP outlines every
// parallel loop into its own function, and a repeated block or the forward
// pass of the four entry points yields identical ones that differ only in
// the name inside their OpenMP source-location string. For objects, the
// module is then split into one partition per hardware thread (LLVM's
// SplitModule, as its parallel LTO code generation does), each optimized and
// compiled on its own thread in its own LLVMContext.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/IPO/ConstantMerge.h"
#include "llvm/Transforms/IPO/MergeFunctions.h"
#include "llvm/Transforms/Utils/SplitModule.h"
#include <mutex>
#include <thread>

using namespace mlir;

std::unique_ptr<llvm::Module> nnc::translateToLLVMIR(ModuleOp module,
                                                     llvm::LLVMContext &ctx) {
  DialectRegistry registry;
  registerCodegenDialects(registry);
  module.getContext()->appendDialectRegistry(registry);
  return translateModuleToLLVMIR(module, ctx, "nnc_model");
}

namespace {

/// Once per process: the native target, LLVM's unrolling limits, and the
/// options in $NNC_LLVM_ARGS (e.g. "-time-passes"; for measuring).
///
/// Unrolling: full unrolling of loops of at most 4 iterations stays on (it
/// turns the small arrays left by vector lowering into registers; with no
/// unrolling at all the MLP trained at half speed), partial and runtime
/// unrolling are off. Our loops are already tiled and vectorized, and LLVM's
/// partial unrolling and full unrolling of longer loops cost 80% of a
/// Winograd model's build (bench/inception_block.nn: 96 s of O3 -> 23 s)
/// for no measured speed (bench/compile_time.sh, docs/codegen.md).
void initLLVM() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    std::string args = "nnc -unroll-full-max-count=4 -unroll-allow-partial=0 "
                       "-unroll-runtime=0";
    if (const char *extra = getenv("NNC_LLVM_ARGS"))
      args += std::string(" ") + extra;
    llvm::SmallVector<llvm::StringRef> words;
    llvm::StringRef(args).split(words, ' ', -1, /*KeepEmpty=*/false);
    static std::vector<std::string> storage(words.begin(), words.end());
    std::vector<const char *> argv;
    for (const std::string &w : storage)
      argv.push_back(w.c_str());
    llvm::cl::ParseCommandLineOptions(argv.size(), argv.data(), "nnc",
                                      &llvm::errs());
  });
}

/// The host (or `cpu`, with its default features) as a target machine.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(llvm::StringRef cpu,
                                                         bool assembly) {
  std::string triple = llvm::sys::getDefaultTargetTriple();
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    llvm::errs() << "error: no target for " << triple << ": " << error << "\n";
    return nullptr;
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
  if (!tm)
    llvm::errs() << "error: cannot create a target machine for " << cpuName
                 << "\n";
  return tm;
}

/// Triple, data layout and the per-function attributes that drive the IR
/// optimizer's cost model; on AVX-512 hosts, 512-bit vectors (LLVM prefers
/// 256 on some CPUs).
void setTarget(llvm::Module &m, llvm::TargetMachine &tm) {
  m.setTargetTriple(tm.getTargetTriple().str());
  m.setDataLayout(tm.createDataLayout());
  bool avx512 = tm.getMCSubtargetInfo()->checkFeatures("+avx512f");
  for (llvm::Function &f : m) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", tm.getTargetCPU());
    f.addFnAttr("target-features", tm.getTargetFeatureString());
    if (avx512)
      f.addFnAttr("prefer-vector-width", "512");
  }
}

/// One OpenMP source location for every outlined kernel, then identical
/// kernels merged into one function. The location strings
/// (";nnc_model;nnc_train_step;2;1;;") name the entry function a parallel
/// region was outlined from; they are only shown by OpenMP debugging tools.
void mergeIdenticalKernels(llvm::Module &m) {
  llvm::StructType *identType =
      llvm::StructType::getTypeByName(m.getContext(), "struct.ident_t");
  if (identType && identType->getNumElements() == 5) {
    llvm::StringRef location = ";nnc_model;nnc_kernel;0;0;;";
    llvm::IRBuilder<> b(m.getContext());
    llvm::Constant *str = nullptr;
    for (llvm::GlobalVariable &g : m.globals()) {
      auto *init = dyn_cast_or_null<llvm::ConstantStruct>(g.getInitializer());
      if (!init || init->getType() != identType)
        continue;
      if (!str)
        str = b.CreateGlobalString(location, ".nnc_kernel_loc", 0, &m);
      llvm::SmallVector<llvm::Constant *> fields;
      for (unsigned i = 0; i < 5; ++i)
        fields.push_back(init->getOperand(i));
      fields[3] = llvm::ConstantInt::get(fields[3]->getType(), location.size());
      fields[4] = str;
      g.setInitializer(llvm::ConstantStruct::get(identType, fields));
    }
  }
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder().registerModuleAnalyses(mam);
  llvm::ModulePassManager mpm;
  mpm.addPass(llvm::ConstantMergePass());
  mpm.addPass(llvm::MergeFunctionsPass());
  mpm.run(m, mam);
}

/// O3 for `tm`, with the unrolling limits of initLLVM.
void optimize(llvm::Module &m, llvm::TargetMachine &tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(m, mam);
}

LogicalResult codegen(llvm::Module &m, llvm::TargetMachine &tm,
                      llvm::raw_pwrite_stream &os, bool assembly) {
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             assembly ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile)) {
    llvm::errs() << "error: the target cannot emit this file type\n";
    return failure();
  }
  pm.run(m);
  return success();
}

} // namespace

LogicalResult nnc::emitMachineCode(llvm::Module &m, llvm::raw_pwrite_stream &os,
                                   bool assembly, llvm::StringRef cpu) {
  initLLVM();
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(cpu, assembly);
  if (!tm)
    return failure();
  setTarget(m, *tm);
  mergeIdenticalKernels(m);
  optimize(m, *tm);
  return codegen(m, *tm, os, assembly);
}

LogicalResult nnc::emitObjects(llvm::Module &m, llvm::StringRef pathPrefix,
                               llvm::SmallVectorImpl<std::string> &objects) {
  initLLVM();
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine("", false);
  if (!tm)
    return failure();
  setTarget(m, *tm);
  mergeIdenticalKernels(m);

  // Each partition as bitcode: the parts share m's LLVMContext, which is not
  // thread-safe, so every thread reads its part into a context of its own.
  unsigned n = std::max(
      1u, std::min(8u, llvm::hardware_concurrency().compute_thread_count()));
  std::vector<llvm::SmallString<0>> parts;
  llvm::SplitModule(m, n, [&](std::unique_ptr<llvm::Module> part) {
    parts.emplace_back();
    llvm::raw_svector_ostream os(parts.back());
    llvm::WriteBitcodeToFile(*part, os);
  });

  std::vector<std::string> errors(parts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < parts.size(); ++i) {
    objects.push_back((pathPrefix + "." + llvm::Twine(i) + ".o").str());
    threads.emplace_back([&, i] {
      llvm::LLVMContext ctx;
      llvm::raw_string_ostream err(errors[i]);
      auto part = llvm::parseBitcodeFile(
          llvm::MemoryBufferRef(parts[i].str(), "part"), ctx);
      if (!part) {
        err << "error: " << llvm::toString(part.takeError()) << "\n";
        return;
      }
      std::unique_ptr<llvm::TargetMachine> ptm = createTargetMachine("", false);
      std::error_code ec;
      llvm::raw_fd_ostream os(objects[i], ec);
      if (ec) {
        err << "error: cannot write " << objects[i] << ": " << ec.message()
            << "\n";
        return;
      }
      if (!ptm)
        return;
      optimize(**part, *ptm);
      if (failed(codegen(**part, *ptm, os, false)))
        err << "error: code generation failed\n";
    });
  }
  for (std::thread &t : threads)
    t.join();
  bool ok = true;
  for (const std::string &e : errors)
    if (!e.empty()) {
      llvm::errs() << e;
      ok = false;
    }
  return success(ok);
}
