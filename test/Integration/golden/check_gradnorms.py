#!/usr/bin/python3
"""Checks the gradient norms of `train --grad-norms` (one full-batch SGD step) three ways.

  check_gradnorms.py METRICS EXPECTED.json [--table STDOUT] [--checkpoint SAVED] [--clip-norm C]

- against PyTorch: the metrics' "grad_norms" (the last epoch's object) must name the parameters and scan
  states of make_golden_gradnorms.py's expected JSON, in order, with 1 train step, and every norm must agree
  with the float64 oracle: |got - want| <= abs + 1e-5 |want|, abs = 1e-9 x the case's logit scale (it only
  covers a zero norm). Norms are positive magnitudes, so the tolerance is relative; a float32 run of the
  oracle stays under 3e-7 (`f32_reldiff` in the JSON, required to be under 1e-6 when it is generated), while
  a norm taken after clipping, of the wrong state, at the wrong step, of the batch mean instead of the sum,
  or squared in float32 when the gradient is tiny (gradnorms_tiny: squares of ~1e-21 underflow) is off by
  far more.
- against the step taken (--checkpoint, the parameters saved after it): the gradient recovered as
  (init - saved) / lr has the reported norm, to compare.py's 1e-5 + 1e-5 |want|; with --clip-norm C the
  step used g min(1, C / (||g|| + 1e-6)), ||g|| over all parameters, and the reported norms are those of g
  before clipping.
- against the table (--table, the binary's stdout): every parameter row and every step row shows the JSON's
  values, printed with 4 significant digits (|table - json| <= 5e-4 |json|).
Prints `maxdiff ...` lines, then PASS or FAIL; exits 1 on FAIL.
"""
import argparse
import json
import math
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("metrics")
    ap.add_argument("expected")
    ap.add_argument("--table")
    ap.add_argument("--checkpoint")
    ap.add_argument("--clip-norm", type=float, default=0.0)
    args = ap.parse_args()
    with open(args.expected) as f:
        exp = json.load(f)
    with open(args.metrics) as f:
        got = json.loads([line for line in f if line.strip()][-1])["grad_norms"]
    ok = True

    def fail(msg):
        nonlocal ok
        print(msg)
        ok = False

    if got["train_steps"] != 1:
        fail(f"train_steps {got['train_steps']}, expected 1")
    for key, group in (("params", "param_norms"), ("states", "step_norms")):
        if list(got[key]) != list(exp[group]):
            fail(f"{key}: {list(got[key])}, expected {list(exp[group])}")

    # Against PyTorch.
    abs_tol, rel_tol = exp["tolerance"]["abs"], exp["tolerance"]["rel"]
    worst = 0.0
    for name, want in exp["param_norms"].items():
        have = got["params"].get(name, math.nan)
        worst = max(worst, abs(have - want) / want)
        if not abs(have - want) <= abs_tol + rel_tol * abs(want):
            fail(f"  ||dL/d{name}||: got {have!r} expected {want!r}")
    for name, want in exp["step_norms"].items():
        have = got["states"].get(name, [])
        if len(have) != len(want):
            fail(f"  {name}: {len(have)} steps, expected {len(want)}")
            continue
        for t, (h, w) in enumerate(zip(have, want), start=1):
            h = math.nan if h is None else h
            worst = max(worst, abs(h - w) / w)
            if not abs(h - w) <= abs_tol + rel_tol * abs(w):
                fail(f"  ||dL/d{name}_{t}||: got {h!r} expected {w!r}")
    print(f"maxdiff norms (relative to PyTorch) {worst:.3e}")

    # Against the step taken.
    if args.checkpoint:
        init, _ = safetensors_io.read(os.path.join(os.path.dirname(os.path.abspath(args.expected)), exp["init"]))
        saved, _ = safetensors_io.read(args.checkpoint)
        total = math.sqrt(sum(v * v for v in got["params"].values()))
        coef = min(1.0, args.clip_norm / (total + 1e-6)) if args.clip_norm > 0 else 1.0
        worst = 0.0
        for name, reported in got["params"].items():
            g = (init[name].astype(np.float64) - saved[name].astype(np.float64)) / exp["lr"]
            have, want = float(np.linalg.norm(g)), reported * coef
            worst = max(worst, abs(have - want))
            if not abs(have - want) <= 1e-5 + 1e-5 * abs(want):
                fail(f"  ||(p0 - p1) / lr|| of {name}: {have!r}, reported {reported!r} x {coef!r}")
        print(f"maxdiff recovered gradient norms {worst:.3e}" + (f" (clip coefficient {coef:.4g})" if coef < 1 else ""))

    # Against the table.
    if args.table:
        with open(args.table) as f:
            lines = f.read().splitlines()
        rows = {}
        for line in lines:
            m = re.match(r"^  (\S+)  +\S+  +([-+0-9.e]+|nan|inf)$", line)
            if m and m.group(1) in got["params"]:
                rows[m.group(1)] = float(m.group(2))
        worst = 0.0
        for name, v in got["params"].items():
            if name not in rows:
                fail(f"  no table row for {name}")
                continue
            worst = max(worst, abs(rows[name] - v) / v)
        header = next((i for i, line in enumerate(lines) if line.split()[:1] == ["t"]), None)
        states = list(got["states"])
        if header is None or lines[header].split()[1:1 + len(states)] != states:
            fail(f"  no step table with the columns {states}")
        else:
            for t in range(len(next(iter(got["states"].values()), []))):
                cells = lines[header + 1 + t].split()
                if cells[0] != str(t + 1):
                    fail(f"  step row {t + 1}: {lines[header + 1 + t]!r}")
                    continue
                for name, cell in zip(states, cells[1:]):
                    v = got["states"][name][t]
                    worst = max(worst, abs(float(cell) - v) / v)
        print(f"maxdiff table vs metrics (relative) {worst:.3e}")
        if not worst <= 5e-4:
            fail("  the table and the metrics differ")

    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
