//===- Main.cpp - main() of every produced model binary -------------------===//
//
// The compiled model object defines the descriptor and the four entry points
// (docs/internals.md); main hands them to the CLI.
//
//===----------------------------------------------------------------------===//
#include "Cli.h"

extern "C" const char nnc_model_desc[];
extern "C" void nnc_train_step(char *arena);
extern "C" void nnc_eval_step(char *arena);
extern "C" void nnc_predict(char *arena);
extern "C" void nnc_train_loss(char *arena);

int main(int argc, char **argv) {
  return nnrt::runCli(argc, argv,
                      {nnc_model_desc, nnc_train_step, nnc_eval_step,
                       nnc_predict, nnc_train_loss});
}
