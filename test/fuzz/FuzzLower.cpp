//===- FuzzLower.cpp - libFuzzer: a .nn file through the MLIR pipeline ----===//
//
// The slower harness: an input that parses and analyses is taken through
// MLIRGen, nn-autodiff, the lowering to linalg, vectorization and the
// lowering to the LLVM dialect (not to machine code). Sema must reject what
// the later stages cannot handle: a verifier failure or an assertion there
// is a finding. Reported errors are fine; see FuzzCommon.h.
//
//===----------------------------------------------------------------------===//
#include "FuzzCommon.h"

#include "nnc/Driver.h"
#include "nnc/Frontend.h"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = nnc::fuzz::inputFile(data, size, ".nn");
  std::ostringstream errors;
  nnc::Diagnostics diags(errors);
  auto module = nnc::parseModule(path, NNC_STDLIB_DIR, diags);
  nnc::Program prog;
  if (!module || !nnc::analyze(*module, prog, diags))
    return 0;
  nnc::BuildOptions opts;
  opts.emit = nnc::Stage::LLVM;
  opts.print = false;
  nnc::buildProgram(prog, opts);
  return 0;
}
