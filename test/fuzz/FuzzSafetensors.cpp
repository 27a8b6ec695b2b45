//===- FuzzSafetensors.cpp - libFuzzer: the checkpoint reader -------------===//
//
// An input is a checkpoint file for a small model (two params, Adam state, a
// buffer), loaded with loadCheckpoint. nnrt::Error is fine; see FuzzCommon.h.
//
//===----------------------------------------------------------------------===//
#include "FuzzCommon.h"

#include "Checkpoint.h"
#include "Error.h"

namespace {
const char *kDesc = "nnc-model 1\n"
                    "source fuzz.nn\n"
                    "model Fuzz\n"
                    "batch 4\n"
                    "arena 1024\n"
                    "optimizer adam lr=0.01 momentum=0 beta1=0.9 "
                    "beta2=0.999 eps=1e-08\n"
                    "lr_schedule constant min=0 every=1 gamma=0.1\n"
                    "train epochs=1 seed=1 classification=0\n"
                    "data tensors\n"
                    "dataset x 1,2 1 2\n"
                    "dataset y 1,1 3\n"
                    "slot param W f32 2,1 0\n"
                    "init zeros\n"
                    "slot param b f32 1 64\n"
                    "init zeros\n"
                    "slot state W.m f32 2,1 128\n"
                    "slot state W.v f32 2,1 192\n"
                    "slot state b.m f32 1 256\n"
                    "slot state b.v f32 1 320\n"
                    "slot buffer mean f32 1 384\n"
                    "init zeros\n"
                    "slot input x f32 4,2 448\n"
                    "slot target y f32 4,1 512\n"
                    "slot weight w f32 4 576\n"
                    "slot hyper hyper f32 4 640\n"
                    "slot loss loss f32 scalar 704\n"
                    "slot output out f32 4,1 768\n";
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static nnrt::ModelDesc d = nnrt::parseDescriptor(kDesc);
  static nnrt::Arena arena(d.arenaBytes);
  std::string path = nnc::fuzz::inputFile(data, size, ".st");
  try {
    nnrt::loadCheckpoint(path, d, arena);
  } catch (const nnrt::Error &) {
  }
  return 0;
}
