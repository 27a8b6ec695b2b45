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

int main(int argc, char **argv) {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return nnrt::runCli(argc, argv,
                      {nnc_model_desc, nnc_train_step, nnc_eval_step,
                       nnc_predict, nnc_train_loss, nnc_sample_step,
                       nnc_train_step_norms});
}
