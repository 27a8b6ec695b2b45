//===- Cli.h - The command line of a produced model binary ------*- C++ -*-===//
//
// runCli implements `MODEL train|eval|predict|params|gradcheck [options]`
// (the full usage is in Cli.cpp and printed by --help) over the entry points
// of one compiled model. main() (Main.cpp) calls it with the symbols the
// compiled object provides; tests call it with a fake model.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_CLI_H
#define NNRT_CLI_H

#include "Train.h"

namespace nnrt {

/// Returns the process exit status: 0 on success, 1 on any error (printed to
/// stderr as `error: ...`) or a failed gradcheck.
int runCli(int argc, char **argv, const EntryPoints &ep);

} // namespace nnrt

#endif // NNRT_CLI_H
