//===- Distributed.cpp - Data-parallel training over MPI ranks ------------===//
//
// See Distributed.h. The MPI side is runtime/mpi/Mpi.cpp.
//
//===----------------------------------------------------------------------===//
#include "Distributed.h"
#include "Error.h"

#include <string>

namespace nnrt {

namespace {
Comm *theComm = nullptr;
double theWeight = 1;
} // namespace

Comm *dist() { return theComm; }

bool hasMpi() { return nnrt_mpi_comm != nullptr; }

Comm *startDistributed(int *argc, char ***argv, int64_t ranks) {
  if (!hasMpi())
    throw Error("this binary has no MPI; rebuild it with `nnc build "
                "--distributed N`");
  theComm = nnrt_mpi_comm(argc, argv);
  if (theComm->size != ranks) {
    std::string n = std::to_string(ranks);
    throw Error("this binary trains on " + n +
                " ranks (nnc build "
                "--distributed " +
                n + "), but the run has " + std::to_string(theComm->size) +
                ": start it with `mpirun -np " + n +
                " ...`, or rebuild it with --distributed " +
                std::to_string(theComm->size));
  }
  return theComm;
}

void setGradientWeight(double w) { theWeight = w; }
double gradientWeight() { return theWeight; }

} // namespace nnrt
