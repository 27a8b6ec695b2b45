//===- Frontend.h - From .nn source to an analysed Program -------*- C++
//-*-===//
//
// The frontend's three entry points, in pipeline order: parse a file and its
// imports into an AST (ANTLR parse tree -> ast::Module), analyse the AST into
// an nnc::Program (names, types, shapes; model calls inlined), and print the
// per-layer summary. All errors go to a Diagnostics; every function keeps
// going after an error so one run reports all errors of a file.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FRONTEND_H
#define NNC_FRONTEND_H

#include "nnc/AST.h"
#include "nnc/Diagnostics.h"
#include "nnc/Program.h"
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace nnc {

/// Deepest nesting of brackets (and longest run of unary minus) accepted.
constexpr int kMaxNesting = 256;

/// Parses `path` and, transitively, the files it imports (each once; an
/// import is resolved relative to the importing file, then in `stdlibDir`).
/// Returns null if any file could not be read or had a syntax error.
std::unique_ptr<ast::Module> parseModule(const std::string &path,
                                         const std::string &stdlibDir,
                                         Diagnostics &diags);

/// parseModule of a file whose text is `text` (an editor's unsaved buffer):
/// `path` names it in errors and locates its imports.
std::unique_ptr<ast::Module> parseModuleText(const std::string &path,
                                             const std::string &text,
                                             const std::string &stdlibDir,
                                             Diagnostics &diags);

/// A name where it is bound or used, with what sema knows of it: `type` is
/// its tensor type (`f32[B,14,14,32]`) or, for a compile-time number or list
/// (a block's `c1`), `= 64`. A model or block call is recorded at its callee
/// with its result type and its instance's parameter count
/// (`f32[B,10]; parameters: 4640 (Net.Res1/*)`). A name in a model that is
/// inlined several times is recorded once per distinct type.
struct NameInfo {
  Loc loc; ///< the binding or use (for `param W: ...`, the word `param`)
  std::string name;
  std::string type;
};

/// Semantic analysis of a parsed module into `prog`. `seqLen` is the
/// sequence length T (`--seq-len`; 0: the train section's data gives it, if
/// it fixes it). Returns false if any error was reported (prog is then
/// incomplete).
/// With `names`, every name's type is recorded there (`nnc lsp`'s hover).
bool analyze(const ast::Module &module, Program &prog, Diagnostics &diags,
             int64_t seqLen = 0, std::vector<NameInfo> *names = nullptr);

/// Analyses only model `model` of the module's main file: its forward graph
/// and parameters (no train section), for `nnc export --model` of one of
/// the models a train section trains in steps (a GAN's generator).
bool analyzeModel(const ast::Module &module, const std::string &model,
                  Program &prog, Diagnostics &diags, int64_t seqLen = 0);

/// `f32[B,784]`, `i32[B]`, `f32[]` (scalar).
std::string formatType(const TensorType &type);

/// The `nnc summary` table (or JSON document) of prog.layers with totals.
void printSummary(const Program &prog, std::ostream &os, bool json);

/// The analysed program as text (`nnc check --print-program`).
void printProgram(const Program &prog, std::ostream &os);

} // namespace nnc

#endif // NNC_FRONTEND_H
