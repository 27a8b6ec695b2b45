#!/usr/bin/python3
"""Checks the draws of Inputs/random-draws.nn printed by `predict` (test/Integration/random-draws.test).

Usage: random_draws_check.py OUT: the predict output of 200 rows (two calls of B = 100), 2000 values each:
[a | n | u | v], 500 columns each, a ~ N(1, 2^2), n ~ N(0, 1), u ~ U[-1, 3), v ~ U[0, 1).
Each group has 1e5 draws. Bounds are 6 standard errors of the statistic for independent draws (the streams
are deterministic, so a pass is no luck of the run, but a wrong transform, scale, shift or a correlated
stream fails):
- mean: 6 sigma / sqrt(n); variance: 6 sigma^2 sqrt(2 / n) (normal), 6 sqrt((m4 - sigma^4) / n) (uniform);
- normal shape: P(|z| < 1) = 0.6827 within 6 sqrt(p (1 - p) / n), kurtosis 3 within 6 sqrt(24 / n);
- uniform range: every draw in [lo, hi); each of 10 equal bins holds 1/10 within 6 sqrt(0.09 / n);
- independence: the correlation between two call sites (a and n, n and v, same positions), between two
  calls (the first 100 rows and the next 100 of n) and between neighbours (n[:, j] and n[:, j + 1]) is
  below 6 / sqrt(m) for m pairs.
"""
import sys

import numpy as np

rows = [[float(v) for v in line.split()] for line in open(sys.argv[1]) if line.strip()]
d = np.array(rows, dtype=np.float64)
assert d.shape == (200, 2000), d.shape
a, n, u, v = (d[:, 500 * k:500 * (k + 1)] for k in range(4))
ok = True


def check(name, value, want, tol):
    global ok
    good = abs(value - want) <= tol
    ok &= good
    print("%-28s %.5f (want %.5f +- %.5f) %s" % (name, value, want, tol, "ok" if good else "FAIL"))


N = a.size
for name, x, mu, sd in (("normal(1, 2)", a, 1.0, 2.0), ("normal()", n, 0.0, 1.0)):
    check(name + " mean", x.mean(), mu, 6 * sd / np.sqrt(N))
    check(name + " variance", x.var(), sd * sd, 6 * sd * sd * np.sqrt(2.0 / N))
    z = (x - mu) / sd
    p = 0.682689492
    check(name + " P(|z|<1)", np.mean(np.abs(z) < 1), p, 6 * np.sqrt(p * (1 - p) / N))
    check(name + " kurtosis", np.mean(z ** 4) / np.mean(z ** 2) ** 2, 3.0, 6 * np.sqrt(24.0 / N))
for name, x, lo, hi in (("uniform(-1, 3)", u, -1.0, 3.0), ("uniform()", v, 0.0, 1.0)):
    w = hi - lo
    check(name + " mean", x.mean(), (lo + hi) / 2, 6 * w / np.sqrt(12 * N))
    m4 = w ** 4 / 80
    check(name + " variance", x.var(), w * w / 12, 6 * np.sqrt((m4 - (w * w / 12) ** 2) / N))
    inside = bool(x.min() >= lo and x.max() < hi)
    ok &= inside
    print("%-28s [%.5f, %.5f] %s" % (name + " range", x.min(), x.max(), "ok" if inside else "FAIL"))
    bins = np.histogram(x, bins=10, range=(lo, hi))[0] / N
    check(name + " fullest bin", bins[np.argmax(np.abs(bins - 0.1))], 0.1, 6 * np.sqrt(0.09 / N))


def corr(name, x, y):
    r = np.corrcoef(x.ravel(), y.ravel())[0, 1]
    check("corr " + name, r, 0.0, 6 / np.sqrt(x.size))


corr("call sites a, n", a, n)
corr("call sites n, v", n, v)
corr("calls 1, 2 of n", n[:100], n[100:])
corr("neighbours in n", n[:, :-1], n[:, 1:])
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
