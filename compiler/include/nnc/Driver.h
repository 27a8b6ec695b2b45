//===- Driver.h - From an analysed program to a stage or an executable -*- C++
//-*-===//
//
// The back half of `nnc build`: MLIRGen, the nn passes, code generation, and
// linking with the runtime. The CLI (tools/nnc) runs the frontend, then calls
// buildProgram. Stages are ordered: every --emit= value stops after its stage.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DRIVER_H
#define NNC_DRIVER_H

#include "nnc/Program.h"
#include "nnc/Timing.h"
#include <cstdint>
#include <string>
#include <vector>

namespace nnc {

enum class Stage { AST, NN, Grad, Linalg, Vector, LLVM, LLVMIR, Asm, Binary };

struct BuildOptions {
  Stage emit = Stage::Binary;  ///< print this stage to stdout; Binary: link
  std::string output;          ///< the executable to write (Stage::Binary)
  int64_t batch = 0;           ///< compiled batch size; 0: the train section's
  std::string runtimeLib;      ///< path of libnnrt.a; empty: next to nnc
  int threads = 2;             ///< threads the generated code is built for
  /// --distributed N: link the MPI runtime (libnnrt-mpi.a and Open MPI)
  bool distributed = false;
  /// False: run up to opts.emit without printing it (the fuzz harnesses).
  bool print = true;
  StageTimer *timer = nullptr; ///< --time: stages are recorded here
  /// --testing-negate-grad: parameters (as `./OUT params` names them, or
  /// without the model's prefix) whose gradient is negated, only to test
  /// the binary's gradcheck.
  std::vector<std::string> testingNegateGrad;
};

/// Runs MLIRGen and the pipeline on `prog`; prints the stage named by
/// opts.emit to stdout, or writes the executable. Errors are printed to stderr
/// as `file:line:col: error: message` with the source line and a caret.
/// Returns the process exit status (0 or 1).
int buildProgram(const Program &prog, const BuildOptions &opts);

} // namespace nnc

#endif // NNC_DRIVER_H
