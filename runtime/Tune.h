//===- Tune.h - Hyper-parameter search over child training runs -*- C++ -*-===//
//
// `MODEL tune --lr DIST --trials N [--jobs J] ...` draws N learning rates
// from DIST (seeded: the same draws for the same --seed), trains one child
// process per trial (this binary, `train --lr X --val F --save ...`, up to J
// at a time), reads each child's --metrics file, prints a table of the trials
// sorted by their best validation loss and keeps the best trial's best
// checkpoint (`--save FILE`). Distributions: loguniform(a,b) (0 < a < b:
// exp of a uniform draw between ln a and ln b), uniform(a,b) (a < b), and
// choice(v1,v2,...); malformed ones are an Error.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_TUNE_H
#define NNRT_TUNE_H

#include "CliFlags.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace nnrt {

struct Distribution {
  enum Kind { LogUniform, Uniform, Choice } kind = LogUniform;
  double lo = 0, hi = 0;       ///< LogUniform, Uniform
  std::vector<double> choices; ///< Choice
  double draw(std::mt19937_64 &rng) const;
};

/// Parses "loguniform(1e-4,1e-1)", "uniform(0.001, 0.01)",
/// "choice(0.1,0.01)" for flag `flag` (values must be positive). Throws
/// Error naming the flag and what is wrong.
Distribution parseDistribution(const std::string &flag,
                               const std::string &text);

/// The `tune` command; `self` is the path of this binary.
int runTune(const Options &o, const ModelDesc &d, const std::string &self);

} // namespace nnrt

#endif // NNRT_TUNE_H
