//===- main.cpp - Numeric check of a compiled training step --------------===//
//
// Test main for test/Codegen/Inputs/{mlp_step,odd_step}.mlir: lays out the
// same arena (x[M,K] w[K,N] b[N] hyper[4] h[M,N] dy[M,N] dw[K,N] dx[M,K], each
// 64-byte aligned), fills it with fixed pseudo-random values, calls
// nnc_train_step with T threads and compares with naive loops in double:
//   h = relu(x w + b); dw = x^T dy; dx = dy w^T; w' = w - lr dw.
// Prints the max abs difference and a hash of the output bytes (equal for
// every thread count when no reduction is split across threads).
// Usage: main M K N T
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" void nnc_train_step(char *arena);
extern "C" void omp_set_num_threads(int) __attribute__((weak));

static size_t align64(size_t n) { return (n + 63) / 64 * 64; }

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s M K N threads\n", argv[0]);
    return 2;
  }
  const size_t m = atoi(argv[1]), k = atoi(argv[2]), n = atoi(argv[3]);
  if (omp_set_num_threads)
    omp_set_num_threads(atoi(argv[4]));
  size_t sizes[] = {m * k, k * n, n, 4, m * n, m * n, k * n, m * k};
  size_t off[8], total = 0;
  for (int i = 0; i < 8; ++i) {
    off[i] = total;
    total += align64(sizes[i] * 4);
  }
  char *arena = static_cast<char *>(aligned_alloc(64, total));
  memset(arena, 0, total);
  auto slot = [&](int i) { return reinterpret_cast<float *>(arena + off[i]); };
  float *x = slot(0), *w = slot(1), *b = slot(2), *hyper = slot(3),
        *h = slot(4), *dy = slot(5), *dw = slot(6), *dx = slot(7);
  uint32_t seed = 12345;
  auto rnd = [&] {
    seed = seed * 1664525u + 1013904223u;
    return static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
  };
  for (int i : {0, 1, 2, 5})
    for (size_t j = 0; j < sizes[i]; ++j)
      slot(i)[j] = rnd();
  const float lr = 0.125f;
  hyper[0] = lr;

  // Reference, in double, from the inputs before the in-place update of w.
  std::vector<double> rh(m * n), rdw(k * n), rdx(m * k), rw(k * n);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = b[j];
      for (size_t p = 0; p < k; ++p)
        s += double(x[i * k + p]) * w[p * n + j];
      rh[i * n + j] = std::max(s, 0.0);
    }
  for (size_t p = 0; p < k; ++p)
    for (size_t j = 0; j < n; ++j) {
      double s = 0;
      for (size_t i = 0; i < m; ++i)
        s += double(x[i * k + p]) * dy[i * n + j];
      rdw[p * n + j] = s;
      rw[p * n + j] = w[p * n + j] - lr * s;
    }
  for (size_t i = 0; i < m; ++i)
    for (size_t p = 0; p < k; ++p) {
      double s = 0;
      for (size_t j = 0; j < n; ++j)
        s += double(dy[i * n + j]) * w[p * n + j];
      rdx[i * k + p] = s;
    }

  nnc_train_step(arena);

  double maxDiff = 0;
  auto compare = [&](const float *got, const std::vector<double> &want) {
    for (size_t i = 0; i < want.size(); ++i)
      maxDiff = std::max(maxDiff, std::fabs(got[i] - want[i]));
  };
  compare(h, rh);
  compare(dw, rdw);
  compare(dx, rdx);
  compare(w, rw);
  uint64_t hash = 1469598103934665603ull; // FNV-1a over the whole arena
  for (size_t i = 0; i < total; ++i)
    hash = (hash ^ static_cast<unsigned char>(arena[i])) * 1099511628211ull;
  printf("max abs diff %.3g\n", maxDiff);
  printf("within 1e-4: %s\n", maxDiff < 1e-4 ? "yes" : "no");
  printf("arena hash %016llx\n", static_cast<unsigned long long>(hash));
  free(arena);
  return 0;
}
