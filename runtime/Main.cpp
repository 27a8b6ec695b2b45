//===- Main.cpp - main() of every produced model binary -------------------===//
//
// The compiled model object defines the descriptor and the six entry points
// (docs/internals.md); main hands them to the CLI. The compiled steps malloc
// their temporaries (up to tens of MiB for im2col buffers) and free them
// before returning: glibc would mmap and unmap each one per step, paying a
// page fault per 4 KiB; keeping them on the heap reuses the same pages.
//
//===----------------------------------------------------------------------===//
#include "Cli.h"

#include <malloc.h>

extern "C" const char nnc_model_desc[];
extern "C" void nnc_train_step(char *arena);
extern "C" void nnc_eval_step(char *arena);
extern "C" void nnc_predict(char *arena);
extern "C" void nnc_train_loss(char *arena);
extern "C" void nnc_sample_step(char *arena);
extern "C" void nnc_train_step_norms(char *arena);
extern "C" void nnc_train_step_checked(char *arena);
extern "C" __attribute__((weak)) const char nnc_numerics_ops[];
// Entry points only some models have: null when the object lacks them.
#define NNC_WEAK(name) extern "C" __attribute__((weak)) void name(char *arena);
NNC_WEAK(nnc_train_step_1)
NNC_WEAK(nnc_train_step_2)
NNC_WEAK(nnc_train_step_3)
NNC_WEAK(nnc_train_step_4)
NNC_WEAK(nnc_train_step_5)
NNC_WEAK(nnc_train_step_6)
NNC_WEAK(nnc_train_step_7)
NNC_WEAK(nnc_train_step_checked_1)
NNC_WEAK(nnc_train_step_checked_2)
NNC_WEAK(nnc_train_step_checked_3)
NNC_WEAK(nnc_train_step_checked_4)
NNC_WEAK(nnc_train_step_checked_5)
NNC_WEAK(nnc_train_step_checked_6)
NNC_WEAK(nnc_train_step_checked_7)
NNC_WEAK(nnc_eval_step_1)
NNC_WEAK(nnc_eval_step_2)
NNC_WEAK(nnc_eval_step_3)
NNC_WEAK(nnc_eval_step_4)
NNC_WEAK(nnc_eval_step_5)
NNC_WEAK(nnc_eval_step_6)
NNC_WEAK(nnc_eval_step_7)
NNC_WEAK(nnc_sample)
NNC_WEAK(nnc_reconstruct)
NNC_WEAK(nnc_encode)
NNC_WEAK(nnc_decode_init)
NNC_WEAK(nnc_decode_step)

int main(int argc, char **argv) {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  nnrt::EntryPoints ep{nnc_model_desc,      nnc_train_step, nnc_eval_step,
                       nnc_predict,         nnc_train_loss, nnc_sample_step,
                       nnc_train_step_norms};
  void (*train[8])(char *) = {
      nnc_train_step,   nnc_train_step_1, nnc_train_step_2, nnc_train_step_3,
      nnc_train_step_4, nnc_train_step_5, nnc_train_step_6, nnc_train_step_7};
  void (*eval[8])(char *) = {nnc_eval_step,   nnc_eval_step_1, nnc_eval_step_2,
                             nnc_eval_step_3, nnc_eval_step_4, nnc_eval_step_5,
                             nnc_eval_step_6, nnc_eval_step_7};
  void (*checked[8])(char *) = {
      nnc_train_step_checked,   nnc_train_step_checked_1,
      nnc_train_step_checked_2, nnc_train_step_checked_3,
      nnc_train_step_checked_4, nnc_train_step_checked_5,
      nnc_train_step_checked_6, nnc_train_step_checked_7};
  for (int k = 0; k < 8; ++k) {
    ep.trainSteps[k] = train[k];
    ep.evalSteps[k] = eval[k];
    ep.checkedSteps[k] = checked[k];
  }
  ep.numericsTable = nnc_numerics_ops;
  ep.sampleImages = nnc_sample;
  ep.reconstruct = nnc_reconstruct;
  ep.encode = nnc_encode;
  ep.decodeInit = nnc_decode_init;
  ep.decodeStep = nnc_decode_step;
  return nnrt::runCli(argc, argv, ep);
}
