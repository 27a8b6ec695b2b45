//===- FuzzIdx.cpp - libFuzzer: the IDX (Fashion-MNIST) reader ------------===//
//
// An input is an IDX file, gzip-compressed or plain (readIdx takes both),
// read as images (rank 3) and as labels (rank 1). nnrt::Error is fine; see
// FuzzCommon.h.
//
//===----------------------------------------------------------------------===//
#include "FuzzCommon.h"

#include "Data.h"
#include "Error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = nnc::fuzz::inputFile(data, size, ".idx");
  for (int rank : {3, 1}) {
    try {
      nnrt::readIdx(path, rank);
    } catch (const nnrt::Error &) {
    }
  }
  return 0;
}
