//===- CliFlags.h - Parsed flags of a produced binary's command -*- C++ -*-===//
//
// The command line as Cli.cpp parsed it (a command and its --flag values,
// each flag accepted by the command, given once, not empty), typed readers
// of one flag that throw Error("--name expects ...") on a malformed value,
// and the commands that live in files of their own (TrainCli.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_CLIFLAGS_H
#define NNRT_CLIFLAGS_H

#include "Arena.h"
#include "Descriptor.h"
#include "Train.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nnrt {

struct Options {
  std::string command;
  std::map<std::string, std::string> flags;
  bool has(const std::string &f) const { return flags.count(f); }
};

/// The integer value of --name in [lo, hi]; dflt when absent.
int64_t intFlag(const Options &o, const std::string &name, int64_t dflt,
                int64_t lo, int64_t hi);

/// A finite number flag, > 0 (or >= 0 with `zeroOk`).
double realFlag(const Options &o, const std::string &name, double dflt,
                bool zeroOk = false);

/// The value of --name, "" when absent.
std::string strFlag(const Options &o, const std::string &name);

/// Throws Error if two of the given flags (those present) name the same file:
/// an output must not replace an input or another output.
void distinctFiles(const Options &o, const std::vector<std::string> &flags);

/// --threads T (default 2, or $OMP_NUM_THREADS) for an OpenMP model.
void setThreads(const Options &o);

/// `train`: the flags checked, the datasets loaded, the run trained (and
/// saved); `arena` holds the initialised (or --load'ed) parameters. Returns
/// the exit status.
int runTrain(const Options &o, const ModelDesc &d, const EntryPoints &ep,
             Arena &arena, uint64_t seed);

} // namespace nnrt

#endif // NNRT_CLIFLAGS_H
