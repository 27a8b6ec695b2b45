//===- nnc.cpp - The nnc command-line compiler ----------------------------===//
//
// `nnc build|check|summary|export|import FILE ...`: runs the frontend (parse,
// analyse) and then, for `build`, hands the Program to the back end
// (nnc::buildProgram in NNCDriver), which prints the stage named by --emit or
// links an executable. `nnc lsp` serves editors (Lsp.h); `nnc help [CMD]`, `nnc
// CMD --help` and `nnc --version` print help (Help.h) and versions. Every error
// is reported in the house format and gives exit status 1.
//
//===----------------------------------------------------------------------===//
#include "Help.h"
#include "Lsp.h"
#include "nnc/Driver.h"
#include "nnc/Export.h"
#include "nnc/Frontend.h"

#include "llvm/Config/llvm-config.h"

#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>

using namespace nnc;
namespace fs = std::filesystem;

#ifndef NNC_STDLIB_DIR
#define NNC_STDLIB_DIR "/work/main/stdlib"
#endif

#ifndef NNC_VERSION
#define NNC_VERSION "unknown"
#endif

namespace {

struct Args {
  std::string command, file, output, emit, runtimeLib, load, model;
  std::string state;      ///< import --pytorch STATE
  bool toPyTorch = false; ///< export --pytorch
  std::string stdlib = NNC_STDLIB_DIR;
  std::vector<std::string> negateGrad; ///< --testing-negate-grad
  int64_t batch = 0, seqLen = 0;
  bool json = false, printProgram = false, time = false, gradNorms = false,
       checkNumerics = false;
  int64_t ranks = 0;
};

int usageError(const std::string &msg, const std::string &command = "") {
  std::cerr << "nnc: error: " << msg << "\n(run 'nnc "
            << (command.empty() ? "" : command + " ") << "--help' for usage)\n";
  return 1;
}

/// `nnc help [CMD]`.
int help(int argc, char **argv) {
  if (argc == 2) {
    std::cout << cli::overview();
    return 0;
  }
  if (argc > 3)
    return usageError("'nnc help' takes one command, got '" +
                      std::string(argv[3]) + "' too");
  const cli::Command *c = cli::findCommand(argv[2]);
  if (!c)
    return usageError("unknown command '" + std::string(argv[2]) +
                      "' (expected " + cli::commandList() + ")");
  std::cout << cli::commandHelp(*c);
  return 0;
}

/// `v` as an integer in [1, max]; 0 if it is not one.
int64_t positive(const std::string &v, int64_t max) {
  char *end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  return v.empty() || *end || n < 1 || n > max ? 0 : n;
}

/// Parses argv; returns -1 on success, else the exit status.
int parseArgs(int argc, char **argv, Args &a) {
  if (argc < 2)
    return usageError("no command given");
  if (std::strcmp(argv[1], "help") == 0)
    return help(argc, argv);
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&](const std::string &flag, std::string &out) {
      if (s.rfind(flag + "=", 0) == 0) {
        out = s.substr(flag.size() + 1);
        return true;
      }
      if (s == flag && i + 1 < argc) {
        out = argv[++i];
        return true;
      }
      return false;
    };
    std::string v;
    if (s == "--help" || s == "-h") {
      const cli::Command *c = cli::findCommand(a.command);
      std::cout << (c ? cli::commandHelp(*c) : cli::overview());
      return 0;
    } else if (s == "--version" && a.command.empty()) {
      std::cout << "nnc " NNC_VERSION " (LLVM " LLVM_VERSION_STRING ")\n";
      return 0;
    } else if (a.command.empty() && !s.empty() && s[0] != '-') {
      a.command = s;
      if (!cli::findCommand(a.command))
        return usageError("unknown command '" + s + "' (expected " +
                          cli::commandList() + ")");
    } else if (value("-o", a.output) &&
               (a.command == "build" || a.command == "export" ||
                a.command == "import")) {
    } else if (value("--load", a.load) && a.command == "export") {
    } else if (value("--model", a.model) && a.command == "export") {
    } else if (s == "--pytorch" && a.command == "export") {
      a.toPyTorch = true;
    } else if (value("--pytorch", a.state) && a.command == "import") {
    } else if (value("--emit", a.emit) && a.command == "build") {
    } else if (value("--runtime-lib", a.runtimeLib) && a.command == "build") {
    } else if (value("--testing-negate-grad", v) && a.command == "build") {
      a.negateGrad.push_back(v);
    } else if (value("--stdlib", a.stdlib)) {
    } else if (value("--batch", v) && a.command == "build") {
      if (!(a.batch = positive(v, 1 << 24)))
        return usageError("--batch needs a positive integer, got '" + v + "'");
    } else if (value("--seq-len", v)) {
      if (!(a.seqLen = positive(v, 1 << 24)))
        return usageError("--seq-len needs a positive integer, got '" + v +
                          "'");
    } else if ((s == "--time" || s == "-v") && a.command == "build") {
      a.time = true;
    } else if (s == "--grad-norms" && a.command == "build") {
      a.gradNorms = true;
    } else if (value("--distributed", v) && a.command == "build") {
      if (!(a.ranks = positive(v, 4096)))
        return usageError("--distributed needs the number of ranks (1 to "
                          "4096), got '" +
                          v + "'");
    } else if (s == "--check-numerics" && a.command == "build") {
      a.checkNumerics = true;
    } else if (s == "--print-program" && a.command == "check") {
      a.printProgram = true;
    } else if (s == "--json" && a.command == "summary") {
      a.json = true;
    } else if (s.size() > 1 && s[0] == '-') {
      return usageError(
          "unknown option '" + s + "'" +
              (a.command.empty() ? "" : " for 'nnc " + a.command + "'"),
          a.command);
    } else if (a.file.empty() && !a.command.empty() &&
               cli::findCommand(a.command)->takesFile) {
      a.file = s;
    } else {
      return usageError("unexpected argument '" + s + "'", a.command);
    }
  }
  if (a.command.empty())
    return usageError("no command given");
  if (a.file.empty() && cli::findCommand(a.command)->takesFile)
    return usageError("no input file given", a.command);
  if (a.command == "export" && (a.load.empty() || a.output.empty()))
    return usageError("'nnc export' needs --load CKPT and -o OUT", a.command);
  if (a.command == "import" && (a.state.empty() || a.output.empty()))
    return usageError("'nnc import' needs --pytorch STATE and -o CKPT",
                      a.command);
  return -1;
}

const std::map<std::string, Stage> kStages = {
    {"nn", Stage::NN},         {"grad", Stage::Grad},
    {"linalg", Stage::Linalg}, {"vector", Stage::Vector},
    {"llvm", Stage::LLVM},     {"llvm-ir", Stage::LLVMIR},
    {"asm", Stage::Asm}};

int run(int argc, char **argv) {
  Args a;
  int status = parseArgs(argc, argv, a);
  if (status >= 0)
    return status;
  if (!a.emit.empty() && a.emit != "ast" && !kStages.count(a.emit))
    return usageError("unknown --emit value '" + a.emit +
                      "' (expected ast, nn, grad, linalg, vector, llvm, "
                      "llvm-ir or asm)");

  if (a.command == "lsp") {
    std::ios::sync_with_stdio(false);
    return lsp::serve(std::cin, std::cout, std::cerr,
                      {a.stdlib, a.seqLen, NNC_VERSION});
  }

  StageTimer timer;
  timer.enabled = a.time;
  timer.stage("frontend");
  Diagnostics diags(std::cerr);
  auto module = parseModule(a.file, a.stdlib, diags);
  if (!module)
    return 1;
  if (a.emit == "ast") {
    ast::dump(*module, std::cout);
    return 0;
  }
  Program prog;
  if (!analyze(*module, prog, diags, a.seqLen))
    return 1;
  if (a.command == "check") {
    if (a.printProgram)
      printProgram(prog, std::cout);
    else
      std::cout << a.file << ": ok (model " << prog.modelName << ")\n";
    return 0;
  }
  if (a.command == "summary") {
    printSummary(prog, std::cout, a.json);
    return 0;
  }
  // An output never replaces an input.
  auto clobbers = [&](const std::string &out, const std::string &in) {
    if (!sameFile(out, in))
      return false;
    diags.error(out + ": is also the input " + in +
                "; write the output to another file");
    return true;
  };
  if (a.command == "import")
    return !clobbers(a.output, a.state) &&
                   importPyTorch(prog, a.state, a.output, diags)
               ? 0
               : 1;
  if (a.command == "export") {
    // A train section of several steps trains several models (a GAN's
    // generator and discriminator): one of them is exported, by name.
    Program one;
    if (!a.model.empty() &&
        !analyzeModel(*module, a.model, one, diags, a.seqLen))
      return 1;
    if (a.model.empty() && !prog.steps.empty()) {
      diags.error(prog.modelLoc,
                  prog.modelName +
                      " trains several models in steps: name the one to "
                      "export with --model NAME");
      return 1;
    }
    if (!a.toPyTorch ? clobbers(a.output, a.load)
                     : clobbers(a.output + "/model.py", a.load) ||
                           clobbers(a.output + "/model.safetensors", a.load))
      return 1;
    const Program &p = a.model.empty() ? prog : one;
    TensorFile weights;
    if (!loadWeights(p, a.load, prog.modelName, weights, diags))
      return 1;
    bool ok = !a.toPyTorch ? exportOnnx(p, weights, a.output, diags)
                           : exportPyTorch(p, weights, a.output, diags);
    return ok ? 0 : 1;
  }
  prog.train.gradNorms = a.gradNorms;
  prog.train.checkNumerics = a.checkNumerics;
  prog.train.ranks = a.ranks;
  BuildOptions opts;
  opts.emit = a.emit.empty() ? Stage::Binary : kStages.at(a.emit);
  opts.output = a.output.empty() ? fs::path(a.file).stem().string() : a.output;
  opts.batch = a.batch;
  opts.distributed = a.ranks > 0;
  opts.testingNegateGrad = a.negateGrad;
  opts.runtimeLib = a.runtimeLib;
  if (opts.runtimeLib.empty()) {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
      self = fs::absolute(argv[0]);
    opts.runtimeLib =
        (self.parent_path() / ".." / "lib" / "libnnrt.a").lexically_normal();
  }
  opts.timer = &timer;
  int rc = buildProgram(prog, opts);
  timer.finish(llvm::errs());
  return rc;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    std::cerr << "nnc: error: internal failure: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "nnc: error: internal failure\n";
  }
  return 1;
}
