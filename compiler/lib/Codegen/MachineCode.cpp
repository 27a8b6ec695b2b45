//===- MachineCode.cpp - LLVM IR to host machine code ---------------------===//
//
// The `asm` stage and the objects of an executable: optimizes the LLVM IR at
// O3 for the host CPU (all its features, so AVX-512 when present; fused
// multiply-adds allowed) and emits assembly or object code. Before O3,
// identical kernels are merged into one function: OpenMP outlines every
// parallel loop into its own function, and a repeated block or the forward
// pass of the four entry points yields identical ones that differ only in
// the name inside their OpenMP source-location string. For objects, the
// module is then split into one part per hardware thread, balanced by size
// (as LLVM's parallel LTO code generation splits a module), each part
// optimized and compiled on its own thread in its own LLVMContext.
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
#include "llvm/IR/PassTimingInfo.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/StandardInstrumentations.h"
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
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"
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
LogicalResult initLLVM() {
  static const bool ok = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::StringMap<llvm::cl::Option *> &opts =
        llvm::cl::getRegisteredOptions();
    for (auto [name, value] : {std::pair{"unroll-full-max-count", "4"},
                               {"unroll-allow-partial", "false"},
                               {"unroll-runtime", "false"}})
      if (auto *opt = opts.lookup(name))
        (void)opt->addOccurrence(0, name, value);
    const char *extra = getenv("NNC_LLVM_ARGS");
    if (!extra)
      return true;
    std::string args = std::string("nnc ") + extra;
    llvm::SmallVector<llvm::StringRef> words;
    llvm::StringRef(args).split(words, ' ', -1, /*KeepEmpty=*/false);
    static std::vector<std::string> storage(words.begin(), words.end());
    std::vector<const char *> argv;
    for (const std::string &w : storage)
      argv.push_back(w.c_str());
    std::string error;
    llvm::raw_string_ostream os(error);
    if (llvm::cl::ParseCommandLineOptions(argv.size(), argv.data(), "nnc", &os))
      return true;
    llvm::errs() << "error: bad LLVM options in NNC_LLVM_ARGS ('" << extra
                 << "'): " << llvm::StringRef(error).trim() << "\n";
    return false;
  }();
  return success(ok);
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
  // NNC_LLVM_ARGS=-time-passes times these passes too.
  llvm::PassInstrumentationCallbacks pic;
  llvm::StandardInstrumentations si(m.getContext(), /*DebugLogging=*/false);
  si.registerCallbacks(pic, &mam);
  llvm::PassBuilder pb(&tm, llvm::PipelineTuningOptions(), std::nullopt, &pic);
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

/// m as n bitcode modules that link together: every function defined in one
/// part (largest first, into the part with the fewest instructions so far),
/// local constants copied into every part that uses them, other globals
/// defined in part 0. Local functions and variables become hidden external
/// symbols, so that a part can call or read what another defines.
/// (llvm::SplitModule balances parts by their number of functions, and ours
/// differ in size by orders of magnitude.)
std::vector<llvm::SmallString<0>> splitModule(llvm::Module &m, unsigned n) {
  auto bitcode = [](const llvm::Module &part) {
    llvm::SmallString<0> buffer;
    llvm::raw_svector_ostream os(buffer);
    llvm::WriteBitcodeToFile(part, os);
    return buffer;
  };
  if (n <= 1 || !m.alias_empty() || !m.ifunc_empty())
    return {bitcode(m)};
  auto externalize = [](llvm::GlobalValue &g) {
    if (g.hasLocalLinkage()) {
      g.setLinkage(llvm::GlobalValue::ExternalLinkage);
      g.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
    if (!g.hasName())
      g.setName("nnc_part_global");
  };
  llvm::SmallVector<llvm::Function *> functions;
  for (llvm::Function &f : m)
    if (!f.isDeclaration()) {
      externalize(f);
      functions.push_back(&f);
    }
  llvm::stable_sort(functions, [](llvm::Function *a, llvm::Function *b) {
    return a->getInstructionCount() > b->getInstructionCount();
  });
  llvm::DenseMap<const llvm::GlobalValue *, unsigned> owner;
  std::vector<size_t> load(n, 0);
  for (llvm::Function *f : functions) {
    unsigned i = std::min_element(load.begin(), load.end()) - load.begin();
    owner[f] = i;
    load[i] += f->getInstructionCount();
  }
  for (llvm::GlobalVariable &g : m.globals())
    if (!(g.hasLocalLinkage() && g.isConstant())) {
      externalize(g);
      owner[&g] = 0;
    }
  std::vector<llvm::SmallString<0>> parts;
  for (unsigned i = 0; i < n; ++i) {
    llvm::ValueToValueMapTy map;
    std::unique_ptr<llvm::Module> part =
        llvm::CloneModule(m, map, [&](const llvm::GlobalValue *g) {
          auto it = owner.find(g);
          return it == owner.end() || it->second == i;
        });
    parts.push_back(bitcode(*part));
  }
  return parts;
}

/// What both outputs start with: LLVM set up, the target machine, m's target
/// attributes, identical kernels merged. Null on failure (reported).
std::unique_ptr<llvm::TargetMachine>
prepare(llvm::Module &m, llvm::StringRef cpu, bool assembly) {
  std::unique_ptr<llvm::TargetMachine> tm;
  if (failed(initLLVM()) || !(tm = createTargetMachine(cpu, assembly)))
    return nullptr;
  setTarget(m, *tm);
  mergeIdenticalKernels(m);
  return tm;
}

} // namespace

LogicalResult nnc::emitMachineCode(llvm::Module &m, llvm::raw_pwrite_stream &os,
                                   bool assembly, llvm::StringRef cpu) {
  std::unique_ptr<llvm::TargetMachine> tm = prepare(m, cpu, assembly);
  if (!tm)
    return failure();
  optimize(m, *tm);
  LogicalResult result = codegen(m, *tm, os, assembly);
  if (llvm::TimePassesIsEnabled)
    llvm::reportAndResetTimings(&llvm::errs());
  return result;
}

LogicalResult nnc::emitObjects(llvm::Module &m, llvm::StringRef pathPrefix,
                               llvm::SmallVectorImpl<std::string> &objects) {
  if (!prepare(m, "", /*assembly=*/false))
    return failure();

  unsigned n = std::max(
      1u, std::min(8u, llvm::hardware_concurrency().compute_thread_count()));
  std::vector<llvm::SmallString<0>> parts = splitModule(m, n);
  std::vector<std::string> paths, errors(parts.size());
  for (size_t i = 0; i < parts.size(); ++i)
    paths.push_back((pathPrefix + "." + llvm::Twine(i) + ".o").str());

  // The parts share m's LLVMContext, which is not thread-safe, so every
  // thread reads its part's bitcode into a context of its own.
  std::vector<std::thread> threads;
  for (size_t i = 0; i < parts.size(); ++i)
    threads.emplace_back([&parts, &errors, path = paths[i], i] {
      llvm::raw_string_ostream err(errors[i]);
      llvm::LLVMContext ctx;
      auto part = llvm::parseBitcodeFile(
          llvm::MemoryBufferRef(parts[i].str(), "part"), ctx);
      if (!part) {
        err << "error: " << llvm::toString(part.takeError()) << "\n";
        return;
      }
      std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine("", false);
      if (!tm) {
        err << "error: cannot create a target machine for the host\n";
        return;
      }
      std::error_code ec;
      llvm::raw_fd_ostream os(path, ec);
      if (ec) {
        err << "error: cannot write " << path << ": " << ec.message() << "\n";
        return;
      }
      optimize(**part, *tm);
      if (failed(codegen(**part, *tm, os, false)))
        err << "error: code generation failed\n";
      os.close();
      if (os.has_error()) {
        err << "error: cannot write " << path << ": " << os.error().message()
            << "\n";
        os.clear_error();
      }
    });
  for (std::thread &t : threads)
    t.join();
  llvm::append_range(objects, paths);
  bool ok = true;
  for (const std::string &e : errors)
    if (!e.empty()) {
      llvm::errs() << e;
      ok = false;
    }
  return success(ok);
}
