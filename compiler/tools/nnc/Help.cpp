//===- Help.cpp - nnc's help texts ----------------------------------------===//
//
// The subcommand table (see Help.h) and the texts built from it.
//
//===----------------------------------------------------------------------===//
#include "Help.h"

using namespace nnc::cli;

static const char *kBuildOptions =
    R"(  -o OUT             the executable to write (default: FILE without .nn, in
                     the current directory)
  --emit=STAGE       print a stage to stdout instead of linking; STAGE is one of
                       ast      the AST, every node with file:line:col
                       nn       the nn dialect module from MLIRGen
                       grad     after autodiff (train_step has a body)
                       linalg   after lowering to linalg/tensor/arith/math
                       vector   after tiling and vectorization
                       llvm     the LLVM dialect
                       llvm-ir  LLVM IR
                       asm      host assembly
  --batch N          compiled batch size (default: the train section's batch)
  --runtime-lib PATH libnnrt.a to link (default: <dir of nnc>/../lib/libnnrt.a)
  --grad-norms       also compile the train step that reports gradient norms,
                     for `./OUT train --grad-norms` (per parameter, and per
                     time step for every scan state: vanishing gradients)
  --check-numerics   also compile a train step that checks every value it
                     computes; `./OUT train` then stops at the first op whose
                     result is NaN or infinite, named with its file:line:col
  --distributed N    data-parallel training on N MPI ranks: `mpirun -np N
                     ./OUT train` splits every batch B into N parts of B / N
                     rows and combines the gradients (needs Open MPI)
  --time, -v         print each stage's wall time and peak memory to stderr
                     (machine code: merge identical kernels, then O3 and
                     code generation of the parts on every hardware thread)
  --testing-negate-grad=P
                     testing only: negate parameter P's gradient (e.g.
                     dense1.bias; repeatable), a wrong gradient on purpose so
                     tests can show that `./OUT gradcheck` catches it
)";

static const char *kCommonOptions =
    R"(  --stdlib DIR       where `import "x.nn"` looks after the importing file's
                     directory (default: the source tree's stdlib/)
  --seq-len N        the sequence length T of types such as f32[B, T, 8]
                     (default: what the train section's data fixes)
)";

static const char *kErrors =
    R"(Errors are printed as file:line:col: error: message, with the source line
and a caret; the exit status is 1 if there was any error.
)";

const std::vector<Command> &nnc::cli::commands() {
  static const std::vector<Command> table = {
      {"build",
       "nnc build FILE [-o OUT] [--emit=STAGE] [--batch N] [--runtime-lib "
       "PATH]\n"
       "            [--grad-norms] [--check-numerics] [--distributed N] "
       "[--time]",
       "compile FILE into an executable that trains, evaluates and\n"
       "runs the model, or print one stage of the compilation (--emit)",
       kBuildOptions, true},
      {"check", "nnc check FILE [--print-program]",
       "parse and analyse FILE (names, types, shapes); report\nevery error",
       "  --print-program    print the analysed program (typed graphs, "
       "parameters,\n                     training configuration)\n",
       true},
      {"summary", "nnc summary FILE [--json]",
       "per-layer output shapes, weights, biases and\nmultiply-accumulates",
       "  --json             one JSON document instead of tables\n", true},
      {"export",
       "nnc export FILE --load CKPT [--model NAME] -o OUT.onnx\n"
       "       nnc export FILE --load CKPT [--model NAME] --pytorch -o DIR",
       "the trained model's inference graph as an ONNX file, or as\n"
       "DIR/model.py (a PyTorch nn.Module) and DIR/model.safetensors\n"
       "(PyTorch's names and layouts; docs/export.md)",
       "  --load CKPT        the checkpoint with the weights (train --save)\n"
       "  -o OUT             the ONNX file, or with --pytorch the directory\n"
       "  --pytorch          write a PyTorch module and state dict\n"
       "  --model NAME       the model to export, of those a train section\n"
       "                     trains in steps (a GAN's generator)\n",
       true},
      {"import", "nnc import FILE --pytorch STATE -o CKPT",
       "a PyTorch state dict (safetensors, as export --pytorch writes\n"
       "it) as an nnc checkpoint; `./OUT train --resume CKPT` fine-tunes it",
       "  --pytorch STATE    the state dict (.safetensors)\n"
       "  -o CKPT            the checkpoint to write\n",
       true},
      {"lsp", "nnc lsp [--stdlib DIR] [--seq-len N]",
       "the language server for editors (LSP over stdin/stdout):\n"
       "errors, hover (types, shapes, parameters), definitions",
       "", false},
  };
  return table;
}

const Command *nnc::cli::findCommand(const std::string &name) {
  for (const Command &c : commands())
    if (name == c.name)
      return &c;
  return nullptr;
}

std::string nnc::cli::commandList() {
  std::string s;
  const auto &all = commands();
  for (size_t i = 0; i < all.size(); ++i)
    s += std::string(i == 0                ? ""
                     : i + 1 == all.size() ? " or "
                                           : ", ") +
         all[i].name;
  return s;
}

/// `text` with every line indented by `n` spaces.
static std::string indent(const std::string &text, size_t n) {
  std::string out(n, ' ');
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\n' && i + 1 < text.size())
      out += std::string(n, ' ');
  }
  return out;
}

std::string nnc::cli::overview() {
  std::string s = "nnc - compile neural-network model files (.nn) to native "
                  "training binaries\n\nusage:\n";
  for (const Command &c : commands())
    s += "  " + std::string(c.usage) + "\n" + indent(c.summary, 20) + "\n";
  s += "  nnc help [COMMAND]  this text, or one command's (also: nnc COMMAND "
       "--help)\n  nnc --version       nnc's and LLVM's versions\n";
  for (const Command &c : commands())
    if (*c.options)
      s += "\n" + std::string(c.name) + ":\n" + c.options;
  s += "\ncommon (every command):\n" + std::string(kCommonOptions) + "\n" +
       kErrors;
  return s;
}

std::string nnc::cli::commandHelp(const Command &c) {
  std::string s = "usage: " + std::string(c.usage) + "\n\n" + c.summary + "\n";
  if (*c.options)
    s += "\noptions:\n" + std::string(c.options);
  s += "\ncommon options:\n" + std::string(kCommonOptions);
  if (c.takesFile)
    s += "\n" + std::string(kErrors);
  return s;
}
