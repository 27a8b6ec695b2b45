//===- GradCheck.cpp - Analytic vs central-difference gradients -----------===//
//
// Analytic: hyper = [1, 1, seed, 0], one nnc_train_step, ga = p - p' (SGD:
// p' = p - lr g with lr = 1; the subtraction, in double, is exact, so ga
// carries only the f32 rounding of p', <= ulp(p')/2), params and buffers
// restored afterwards. Numeric: L from nnc_train_loss (f32, train mode, the
// same hyper: the function the step differentiated) at f32 values of one
// element; every difference and quotient below is taken in double, with the
// steps read back from the f32 values actually stored. L itself is compiled
// f32 code and cannot be made more precise: its rounding error delta, erratic
// in x, is a few ulps of L, taken as <= 1e-6 |L| (about 8 ulps; measured on
// gradcheck-kinks.test's CNN: <= 4e-7 at L = 2.3).
//
// Step and tolerance, fixed up front (not tuned to pass):
//   h = 1e-2 max(1, |p|), c(h) = (L(x0 + h) - L(x0 - h)) / 2h. For a smooth L
//   its error is h^2 |L'''| / 6 (truncation) + delta / h (rounding, ~1e-4 |L|);
//   their sum is smallest near h = cbrt(eps_f32) ~ 5e-3; 1e-2 is within 2x.
//   T = 1e-3 max(1, |L|) + 1e-2 max(|ga|, |gn|). The absolute term is 10x
//   the rounding term; the relative term covers the truncation term for
//   smooth losses and the rounding of ga. |ga - c(h)| <= T: Ok (two
//   evaluations of L; most elements end here).
//
// Kinks. A ReLU input or a max-pool winner that changes within the step puts
// a kink into L(x0 + t): the slope jumps by J at t = d. With 0 < d < h (d < 0
// is the mirror image) the analytic value is the slope at x0, and c(h) is off
// by E = J (h - d) / 2h, up to J / 2: a correct gradient fails (issue 17).
// So an element that disagrees is looked at again with L(x0) and L(x0 +- h/2):
//   s(h) = fwd(h) - bwd(h), the gap of the one-sided differences, is L'' h for
//     a smooth L, so R_A = s(h) - 2 s(h/2) ~ L'''' h^3 / 16 (rounding:
//     <= 16 delta / h = 1.6 of T's absolute term);
//   R_B = c(h) - c(h/2) ~ L''' h^2 / 8 (rounding: <= 3 delta / h = 0.3 of it).
//   One kink at d: R_A = J (3d - h) / h, R_B = J d / 2h for d < h/2, and
//   R_A = J (h - d) / h, R_B = J (h - d) / 2h for d >= h/2. R_A misses the
//   kink at d = h/3, R_B at d -> 0, never both; and always E = 2 R_B - R_A / 2,
//   so |E| <= K = 2 |R_B| + |R_A| / 2.
//   The test at step h: |R_A| <= T and |R_B| <= T / 4 (smooth by both, within
//   their rounding allowance; noise only errs towards "not smooth") and
//   |ga - c(h)| > T + K (K <= T then): no single kink explains the error.
//   Several kinks within the step (batch norm lets one conv weight move every
//   ReLU input and max-pool window of its channel) can mimic a smooth L at
//   one scale, and did on gradcheck-kinks.nn's conv1.weight; a wrong gradient
//   is wrong at every step, while what kinks do changes with the step. So:
//   FAIL iff the test holds at h (with h/2), again at h/2 (with h/4), and
//   c(h/4) disagrees too (its rounding, 4 delta / h, is still within T).
//   Ok as soon as c(h), c(h/2) or c(h/4) agrees (a kink at |d| > h/2 lies
//   outside the smaller step). Anything else is NonSmooth: skipped, counted
//   and printed, never passed; a parameter with no element checked is
//   sampled further, and UNCHECKED (not a PASS) if none can be. A NaN or
//   infinite gradient or loss is a FAIL, never a kink.
//
//===----------------------------------------------------------------------===//
#include "GradCheck.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

namespace nnrt {

static std::string fmt(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

ElementCheck checkElement(double analytic, float x0, double loss,
                          const std::function<double(float)> &lossAt) {
  double h = 1e-2 * std::max(1.0, std::fabs(double(x0)));
  // L at the f32 nearest x0 + t; the step actually taken is x - x0.
  struct Point {
    double x, l;
  };
  auto at = [&](double t) {
    float x = float(double(x0) + t);
    return Point{double(x), lossAt(x)};
  };
  auto slope = [](Point a, Point b) { return (b.l - a.l) / (b.x - a.x); };
  auto tolerance = [&](double numeric) {
    return 1e-3 * std::max(1.0, std::fabs(loss)) +
           1e-2 * std::max(std::fabs(analytic), std::fabs(numeric));
  };
  Point plus = at(h), minus = at(-h), mid{double(x0), NAN};
  // A wrong gradient: smooth by both tests and beyond what a kink explains,
  // at every step tried.
  bool wrong = true;
  for (int halvings = 0;; ++halvings, h /= 2) {
    const double c = slope(minus, plus), err = std::fabs(analytic - c);
    const double tol = tolerance(c);
    if (err <= tol)
      return {Verdict::Ok, c, err};
    if (!std::isfinite(err)) // a NaN or infinite gradient or loss
      return {Verdict::Fail, c, err};
    if (halvings == 2)
      return {wrong ? Verdict::Fail : Verdict::NonSmooth, c, err};
    if (std::isnan(mid.l))
      mid.l = lossAt(x0);
    Point plusHalf = at(h / 2), minusHalf = at(-h / 2);
    double rA = (slope(mid, plus) - slope(minus, mid)) -
                2 * (slope(mid, plusHalf) - slope(minusHalf, mid));
    double rB = c - slope(minusHalf, plusHalf);
    wrong = wrong && std::fabs(rA) <= tol && std::fabs(rB) <= tol / 4 &&
            err > tol + 2 * std::fabs(rB) + std::fabs(rA) / 2;
    plus = plusHalf;
    minus = minusHalf;
  }
}

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
  std::vector<std::vector<float>> p0, r0;
  std::vector<std::vector<double>> grad;
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
      grad[k][i] = double(p0[k][i]) - double(p1[i]);
    std::memcpy(arena.f32(d.params[k]), p0[k].data(), p0[k].size() * 4);
  }
  for (size_t k = 0; k < written.size(); ++k)
    std::memcpy(arena.f32(*written[k]), r0[k].data(), r0[k].size() * 4);

  std::printf("gradcheck: %lld samples, loss %.6g; h = 1e-2 max(1,|p|), "
              "halved at kinks; pass iff |ga-gn| <= 1e-3 max(1,|L|) + 1e-2 "
              "max(|ga|,|gn|)\n",
              (long long)count, loss);
  bool pass = std::isfinite(loss);
  int64_t totalChecked = 0, totalSkipped = 0;
  for (size_t k = 0; k < d.params.size(); ++k) {
    const Slot &p = d.params[k];
    float *v = arena.f32(p);
    const int64_t n = p.numel(), m = std::min(n, samples);
    double maxAbs = 0, maxRel = 0;
    int64_t checked = 0, skipped = 0, bad = 0, firstBad = -1;
    ElementCheck firstBadCheck{};
    std::vector<bool> seen(n);
    auto check = [&](int64_t i) {
      seen[i] = true;
      const float orig = v[i];
      ElementCheck e = checkElement(grad[k][i], orig, loss, [&](float x) {
        v[i] = x;
        ep.trainLoss(arena.base());
        v[i] = orig;
        return double(*arena.f32(d.loss));
      });
      if (e.verdict == Verdict::NonSmooth) {
        ++skipped;
        return;
      }
      ++checked;
      double scale = std::max(std::fabs(grad[k][i]), std::fabs(e.numeric));
      maxAbs = std::max(maxAbs, e.err);
      maxRel = std::max(maxRel, scale > 0 ? e.err / scale : 0);
      if (e.verdict == Verdict::Fail && bad++ == 0) {
        firstBad = i;
        firstBadCheck = e;
      }
    };
    for (int64_t j = 0; j < m; ++j)
      check(j * n / m); // evenly spaced over the tensor
    // Every sample at a kink: sample on rather than pass vacuously.
    for (int64_t i = 0; i < n && checked == 0; ++i)
      if (!seen[i])
        check(i);
    std::string verdict = "ok";
    if (bad)
      verdict = "FAIL (" + std::to_string(bad) + " out of tolerance; [" +
                std::to_string(firstBad) + "]: analytic " +
                fmt(grad[k][firstBad]) + ", numeric " +
                fmt(firstBadCheck.numeric) + ")";
    else if (checked == 0)
      verdict = "UNCHECKED (every element non-smooth)";
    if (skipped && checked)
      verdict += " (" + std::to_string(skipped) + " non-smooth, skipped)";
    std::printf("gradcheck %s [%s]: %lld/%lld elements  max_abs_err %.3g  "
                "max_rel_err %.3g  %s\n",
                p.name.c_str(), shapeStr(p.shape).c_str(),
                (long long)(checked + skipped), (long long)n, maxAbs, maxRel,
                verdict.c_str());
    pass = pass && bad == 0 && checked > 0;
    totalChecked += checked;
    totalSkipped += skipped;
  }
  std::printf("gradcheck: %s (%lld elements checked, %lld non-smooth "
              "skipped)\n",
              pass ? "PASS" : "FAIL", (long long)totalChecked,
              (long long)totalSkipped);
  return pass;
}

} // namespace nnrt
