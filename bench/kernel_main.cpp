//===- kernel_main.cpp - Times one compiled kernel over its arena ---------===//
//
// Main for the kernel benchmark (bench/kernels.py): linked by
// nnc-codegen-test --emit=exe with a module whose nnc_train_step runs one nn
// op on arena slots. Fills the whole arena with seeded floats in [-0.5, 0.5),
// sets the OpenMP thread count as `model train --threads T` does, and either
// runs the step once and writes the arena to DUMP (for the numeric check) or
// times it: one warm-up call, then batches of calls lasting about 50 ms each
// for SECONDS in all, and prints the best batch's seconds per call.
// Usage: kernel_main ARENA_BYTES THREADS SECONDS [DUMP]
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>

extern "C" void nnc_train_step(char *arena);
extern "C" void omp_set_num_threads(int) __attribute__((weak));

static double now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: %s ARENA_BYTES THREADS SECONDS [DUMP]\n", argv[0]);
    return 2;
  }
  const size_t bytes = strtoull(argv[1], nullptr, 10);
  const double budget = atof(argv[3]);
  if (omp_set_num_threads)
    omp_set_num_threads(atoi(argv[2]));
  char *arena = static_cast<char *>(aligned_alloc(64, (bytes + 63) / 64 * 64));
  float *f = reinterpret_cast<float *>(arena);
  uint32_t seed = 12345;
  for (size_t i = 0; i < bytes / 4; ++i) {
    seed = seed * 1664525u + 1013904223u;
    f[i] = static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
  }

  if (argc == 5) {
    nnc_train_step(arena);
    FILE *out = fopen(argv[4], "wb");
    if (!out || fwrite(arena, 1, bytes, out) != bytes || fclose(out) != 0) {
      fprintf(stderr, "%s: cannot write %s\n", argv[0], argv[4]);
      return 1;
    }
    return 0;
  }

  double t0 = now();
  nnc_train_step(arena); // warm-up: page faults, OpenMP pool start
  const double first = now() - t0;
  const long reps = std::max(1L, long(0.05 / std::max(first, 1e-7)));
  double best = first;
  for (double start = now(); now() - start < budget;) {
    t0 = now();
    for (long i = 0; i < reps; ++i)
      nnc_train_step(arena);
    best = std::min(best, (now() - t0) / reps);
  }
  printf("%.9g\n", best);
  free(arena);
  return 0;
}
