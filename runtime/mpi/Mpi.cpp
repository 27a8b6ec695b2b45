//===- Mpi.cpp - The MPI side of data-parallel training -------------------===//
//
// libnnrt-mpi.a, linked only into binaries built with `nnc build
// --distributed N` (Distributed.h). It defines nnrt_mpi_comm, a Comm over
// MPI_COMM_WORLD, and nnc_all_reduce, which the compiled train step calls
// on every gradient (nn.all_reduce, NNToLinalg/Distributed.cpp). Sums are
// taken in rank order from an allgather, not by MPI_Allreduce, whose order
// is up to the library: so every rank holds the same bits and the run is
// reproducible. (Each rank receives N copies of a gradient; for the small N
// of one machine or a few this costs less than the step that computed it.)
//
//===----------------------------------------------------------------------===//
#include "Distributed.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
// The C API only: no C++ bindings (libmpi_cxx) to link.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#include <vector>

#ifdef __SANITIZE_ADDRESS__
// -DNNC_SANITIZE=ON (.ci/sanitize): Open MPI leaves ~120 KB allocated at exit
// from code whose frames are "<unknown module>" by then, and the fast unwind
// stops there; a full unwind at malloc reaches the Open MPI frames that
// .ci/lsan.supp names. Only MPI binaries pay for the slower malloc.
extern "C" const char *__lsan_default_options() {
  return "fast_unwind_on_malloc=0";
}
#endif

namespace {

class MpiComm : public nnrt::Comm {
public:
  MpiComm(int *argc, char ***argv) {
    int ready = 0;
    MPI_Initialized(&ready);
    if (!ready)
      MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    std::atexit([] {
      int done = 0;
      MPI_Finalized(&done);
      if (!done)
        MPI_Finalize();
    });
  }

  void sum(double *v, int64_t n) override {
    allgatherSum(v, n, MPI_DOUBLE, doubles);
  }

  void combine(float *x, int64_t n, double weight) override {
    // x_r scaled by w_r on every rank, then summed in rank order in f32, as
    // the single process sums a gradient's parts.
    float w = float(weight);
    for (int64_t i = 0; i < n; ++i)
      x[i] = w == 0 ? 0.0f : x[i] * w;
    allgatherSum(x, n, MPI_FLOAT, floats);
  }

  [[noreturn]] void abort(int code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
  }

private:
  std::vector<double> doubles;
  std::vector<float> floats;

  /// v[i] = sum over ranks r of v_r[i], added in rank order from an
  /// allgather into `all`: the same bits on every rank.
  template <typename T>
  void allgatherSum(T *v, int64_t n, MPI_Datatype type, std::vector<T> &all) {
    all.resize(size_t(n) * size);
    MPI_Allgather(v, int(n), type, all.data(), int(n), type, MPI_COMM_WORLD);
    for (int64_t i = 0; i < n; ++i) {
      T s = all[i];
      for (int r = 1; r < size; ++r)
        s += all[size_t(r) * n + i];
      v[i] = s;
    }
  }
};

} // namespace

extern "C" nnrt::Comm *nnrt_mpi_comm(int *argc, char ***argv) {
  static MpiComm *comm = new MpiComm(argc, argv);
  return comm;
}

/// The compiled step's nn.all_reduce: n contiguous floats at `data` (an
/// index in the IR), combined over the ranks with this rank's weight.
/// Without a run of several ranks (gradcheck, or a step outside `train`) the
/// gradient is left as it is.
extern "C" void nnc_all_reduce(intptr_t data, int64_t n) {
  nnrt::Comm *c = nnrt::dist();
  if (!c)
    return;
  c->combine(reinterpret_cast<float *>(data), n, nnrt::gradientWeight());
}
