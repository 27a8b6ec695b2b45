//===- GradCheck.cpp - Analytic vs central-difference gradients -----------===//
//
// Analytic: hyper = [1, 1, seed, 0], one nnc_train_step, g = p - p' (SGD:
// p' = p - lr g with lr = 1), params and buffers restored afterwards.
// Numeric: gn = (L(p + h) - L(p - h)) / ((p + h) - (p - h)), the denominator
// taken from the f32 values actually stored, with L from nnc_train_loss (f32,
// train mode, the same hyper: the function the step differentiated).
//
// Step and tolerance, fixed up front (not tuned to pass):
//   h = 1e-2 max(1, |p|). The central-difference error is about
//   h^2 |L'''| / 6 (truncation) + delta_L / h (rounding), where delta_L, the
//   f32 rounding error of L, is a few ulps: ~1e-6 |L|. Their sum is smallest
//   near h = cbrt(eps_f32) ~ 5e-3; 1e-2 is within 2x and keeps the rounding
//   term at ~1e-4 |L|.
//   Pass iff |ga - gn| <= 1e-3 max(1, |L|) + 1e-2 max(|ga|, |gn|).
//   The absolute term is 10x the expected rounding term (which scales with
//   |L|); the relative term covers the truncation term for smooth losses and
//   the f32 rounding of g = p - p'. A ReLU kink closer than h to a
//   pre-activation can exceed this; that is reported as FAIL, not hidden.
//
//===----------------------------------------------------------------------===//
#include "GradCheck.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace nnrt {

bool gradCheck(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
               const Dataset &ds, int64_t samples, uint64_t seed) {
  int64_t count = std::min(d.batch, ds.n);
  resetCarried(d, arena);
  if (ds.isStream()) {
    // The second batch, from the state the first one leaves (eval mode, so
    // the parameters stay): its gradient, with no path into that state.
    count = d.batch;
    fillStreamBatch(d, ds, 0, arena);
    if (streamBatches(d, ds) > 1) {
      setHyper(d, arena, 0, 1, seed);
      ep.evalStep(arena.base());
      fillStreamBatch(d, ds, 1, arena);
    }
  } else {
    std::vector<int64_t> order(count);
    for (int64_t i = 0; i < count; ++i)
      order[i] = i;
    fillBatch(d, ds, order.data(), count, arena);
  }

  // Snapshot params and buffers (the step writes both), take one lr = 1 SGD
  // step, read g, restore.
  std::vector<const Slot *> written; // buffers and carried states
  for (const std::vector<Slot> *slots : {&d.buffers, &d.carried})
    for (const Slot &r : *slots)
      written.push_back(&r);
  std::vector<std::vector<float>> p0, r0, grad;
  for (const Slot &p : d.params)
    p0.emplace_back(arena.f32(p), arena.f32(p) + p.numel());
  for (const Slot *r : written)
    r0.emplace_back(arena.f32(*r), arena.f32(*r) + r->numel());
  setHyper(d, arena, 1, 1, seed);
  ep.trainStep(arena.base());
  const double loss = *arena.f32(d.loss);
  for (size_t k = 0; k < d.params.size(); ++k) {
    const float *p1 = arena.f32(d.params[k]);
    grad.emplace_back(p0[k].size());
    for (size_t i = 0; i < p0[k].size(); ++i)
      grad[k][i] = p0[k][i] - p1[i];
    std::memcpy(arena.f32(d.params[k]), p0[k].data(), p0[k].size() * 4);
  }
  for (size_t k = 0; k < written.size(); ++k)
    std::memcpy(arena.f32(*written[k]), r0[k].data(), r0[k].size() * 4);

  std::printf("gradcheck: %lld samples, loss %.6g; h = 1e-2 max(1,|p|); pass "
              "iff |ga-gn| <= 1e-3 max(1,|L|) + 1e-2 max(|ga|,|gn|)\n",
              (long long)count, loss);
  auto trainLoss = [&] {
    ep.trainLoss(arena.base());
    return double(*arena.f32(d.loss));
  };
  bool pass = std::isfinite(loss);
  for (size_t k = 0; k < d.params.size(); ++k) {
    const Slot &p = d.params[k];
    float *v = arena.f32(p);
    const int64_t n = p.numel(), m = std::min(n, samples);
    double maxAbs = 0, maxRel = 0;
    int64_t bad = 0;
    for (int64_t j = 0; j < m; ++j) {
      int64_t i = j * n / m; // evenly spaced over the tensor
      const float orig = v[i];
      const double h = 1e-2 * std::max(1.0, std::fabs(double(orig)));
      const float plus = float(orig + h), minus = float(orig - h);
      v[i] = plus;
      double lp = trainLoss();
      v[i] = minus;
      double lm = trainLoss();
      v[i] = orig;
      double gn = (lp - lm) / (double(plus) - double(minus));
      double ga = grad[k][i];
      double err = std::fabs(ga - gn);
      double scale = std::max(std::fabs(ga), std::fabs(gn));
      double rel = scale > 0 ? err / scale : 0;
      if (!(err <= 1e-3 * std::max(1.0, std::fabs(loss)) + 1e-2 * scale))
        ++bad;
      maxAbs = std::max(maxAbs, err);
      maxRel = std::max(maxRel, rel);
    }
    std::printf(
        "gradcheck %s [%s]: %lld/%lld elements  max_abs_err %.3g  "
        "max_rel_err %.3g  %s\n",
        p.name.c_str(), shapeStr(p.shape).c_str(), (long long)m, (long long)n,
        maxAbs, maxRel,
        bad ? ("FAIL (" + std::to_string(bad) + " out of tolerance)").c_str()
            : "ok");
    pass = pass && bad == 0;
  }
  std::printf("gradcheck: %s\n", pass ? "PASS" : "FAIL");
  return pass;
}

} // namespace nnrt
