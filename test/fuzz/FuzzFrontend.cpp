//===- FuzzFrontend.cpp - libFuzzer: parse + semantic analysis ------------===//
//
// An input is a .nn file: parsed (with its imports from stdlib/) and
// analysed. Reported errors are fine; see FuzzCommon.h.
//
//===----------------------------------------------------------------------===//
#include "FuzzCommon.h"

#include "nnc/Frontend.h"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = nnc::fuzz::inputFile(data, size, ".nn");
  std::ostringstream errors;
  nnc::Diagnostics diags(errors);
  auto module = nnc::parseModule(path, NNC_STDLIB_DIR, diags);
  if (module) {
    nnc::Program prog;
    nnc::analyze(*module, prog, diags);
  }
  return 0;
}
