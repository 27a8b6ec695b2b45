//===- Distributed.h - Data-parallel training over MPI ranks ----*- C++ -*-===//
//
// A binary built with `nnc build --distributed N` trains on N MPI ranks
// (`mpirun -np N ./model train`): every global batch of B = N b rows (b, the
// compiled batch) is split in rank order, rank r taking rows [r b, (r+1) b)
// of it (fewer, or none, in a last partial batch), so each rank reads the
// same data, shuffles with the same seed and computes the same random
// streams as one process running the global batch (hyper[3] = r b is the
// rank's first row: Random.cpp adds it to every random op's row index). In
// each train step the compiled code calls nnc_all_reduce on every gradient
// (runtime/mpi/Mpi.cpp): each rank scales its gradient by count_r / count
// (a rank without rows contributes zero), and every rank sums them in rank
// order, so all ranks apply the same update bit for bit. Batch-norm running
// statistics are combined the same way after each step; the loss reported is
// the global batch's mean. Rank 0 prints, evaluates, writes metrics, samples
// and checkpoints; the others print only errors (prefixed `rank r:`). An
// error on any rank ends the whole run (MPI_Abort).
//
// Ordinary binaries have no MPI: nnrt_mpi_comm is a weak symbol that only
// libnnrt-mpi.a defines, and dist() is then a single rank.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_DISTRIBUTED_H
#define NNRT_DISTRIBUTED_H

#include <cstdint>

namespace nnrt {

/// The ranks of a run (MPI in binaries built with --distributed).
class Comm {
public:
  int rank = 0, size = 1;
  virtual ~Comm() = default;
  /// v[i] = sum over ranks of v[i], added in rank order (the same on every
  /// rank).
  virtual void sum(double *v, int64_t n) = 0;
  /// x = sum over ranks r of w_r x_r in rank order, w_r the `weight` rank r
  /// passes (0: its x is not read, so a NaN there cannot spread).
  virtual void combine(float *x, int64_t n, double weight) = 0;
  /// Ends every rank of the run with exit status `code`.
  [[noreturn]] virtual void abort(int code) = 0;
};

/// The run's ranks: null until startDistributed, and in a binary without
/// MPI.
Comm *dist();

/// In a binary built with --distributed: initialises MPI and checks that the
/// run has `ranks` of them (Error otherwise). Returns dist().
Comm *startDistributed(int *argc, char ***argv, int64_t ranks);

/// Whether this binary was linked with MPI (nnc build --distributed).
bool hasMpi();

/// The weight nnc_all_reduce gives this rank's gradients in the current
/// step: count_r / count (Distributed.h above).
void setGradientWeight(double w);
double gradientWeight();

} // namespace nnrt

/// Defined by libnnrt-mpi.a only (weak here): a Comm over MPI_COMM_WORLD.
extern "C" nnrt::Comm *nnrt_mpi_comm(int *argc, char ***argv)
    __attribute__((weak));

#endif // NNRT_DISTRIBUTED_H
