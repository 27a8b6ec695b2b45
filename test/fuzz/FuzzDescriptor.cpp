//===- FuzzDescriptor.cpp - libFuzzer: the model descriptor parser --------===//
//
// An input is the descriptor text a model object carries (MLIRGen writes
// it; the runtime parses and checks it before anything else). nnrt::Error is
// fine; see FuzzCommon.h.
//
//===----------------------------------------------------------------------===//
#include "Descriptor.h"
#include "Error.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try {
    nnrt::parseDescriptor(
        std::string(reinterpret_cast<const char *>(data), size));
  } catch (const nnrt::Error &) {
  }
  return 0;
}
