#!/usr/bin/python3
"""Compares a checkpoint written by a compiled model (`train ... --save FILE`) with make_golden.py's expected JSON.

  compare.py CHECKPOINT EXPECTED.json [--metrics METRICS.jsonl] [--alias CKPT_NAME=EXPECTED_NAME ...]

Prints `maxdiff <name> <value>` for every expected parameter and optimizer state tensor; for a one-step SGD
case also `maxdiff <name>.grad <value>` for the gradient recovered as (init - saved) / lr (the init file is the
one named in the JSON, next to it); with --metrics, `maxdiff loss[k] <value>` for the train_loss of each epoch
(batch = all rows, so epoch k's train_loss is the loss before step k), and `diff train_acc <value>` when the JSON
holds the first epoch's train_acc (the percentage of correct labels, exact: the generator keeps every argmax
clear of float32 rounding). Then PASS or FAIL; exits 1 on FAIL or on a missing or misshapen tensor.

Tolerances, per element (expected values are float64 from make_golden.py; the binary computes in float32):
- parameters, losses: |got - want| <= 1e-5 + 1e-5 |want|. Values are <= ~2 in magnitude and come from dot
  products of <= 8 terms, so float32 (unit roundoff 6e-8) leaves relative errors of a few 1e-7; a float32
  PyTorch run of each case stays under 1e-7 (`f32_maxdiff` in the JSON, which make_golden.py requires to be
  under 1e-6), and a different summation order (vectorized reductions) adds only a few ulps. That is >= 10x
  margin, while a wrong gradient rule, a transposed weight or a missing bias term moves a parameter by
  lr |gradient| ~ 1e-4..1e-1.
- recovered gradients: the same 1e-5 + 1e-5 |want|. The initial parameters are exact (the init file); rounding
  the saved ones (|p| < 2: half an ulp <= 6e-8) divided by lr = 0.1 costs <= 6e-7, plus the gradient's own
  ~1e-7 relative error: >= 10x margin, and it sees a gradient error of 2e-5 that moves the parameter by only
  2e-6, under the parameter check's tolerance.
- optimizer state (Adam m, v are 1e-10..1e-2): |got - want| <= 1e-5 max|want over the tensor| + 1e-5 |want|,
  i.e. the same relative accuracy measured against the tensor's scale (float32 runs: <= 4e-7 of it).
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("expected")
    ap.add_argument("--metrics", help="the --metrics file of the same run (one JSON object per epoch)")
    ap.add_argument("--alias", action="append", default=[], metavar="CKPT=EXPECTED",
                    help="read the expected tensor EXPECTED under the checkpoint name CKPT")
    args = ap.parse_args()

    with open(args.expected) as f:
        exp = json.load(f)
    abs_tol, rel_tol = exp["tolerance"]["abs"], exp["tolerance"]["rel"]
    try:
        got, metadata = safetensors_io.read(args.checkpoint)
    except (OSError, ValueError, json.JSONDecodeError) as e:
        print(f"compare.py: error: {e}", file=sys.stderr)
        return 1
    aliases = {b: a for a, b in (s.split("=", 1) for s in args.alias)}

    ok = True
    if metadata.get("format") != "nnc":
        print(f"note: checkpoint metadata format is {metadata.get('format')!r}, expected 'nnc'")

    def check(name, have, want, abs_tol):
        diff = np.abs(have - want)
        print(f"maxdiff {name} {diff.max():.3e}")
        if np.all(diff <= abs_tol + rel_tol * np.abs(want)):  # also false for NaN
            return True
        worst = np.unravel_index(np.argmax(np.where(np.isnan(diff), np.inf, diff)), diff.shape)
        print(f"  {name}{list(worst)}: got {have[worst]!r} expected {want[worst]!r}")
        return False

    saved = {}
    for group in ("params", "state"):
        for name, t in exp[group].items():
            want = np.array(t["values"], dtype=np.float64).reshape(t["shape"])
            key = aliases.get(name, name)
            if key not in got:
                print(f"missing {key} (have: {', '.join(sorted(got))})")
                ok = False
                continue
            have = got[key].astype(np.float64)
            if list(have.shape) != list(want.shape):
                print(f"shape {key} {list(have.shape)} expected {list(want.shape)}")
                ok = False
                continue
            saved[name] = have
            scale = np.abs(want).max(initial=0.0) if group == "state" else 1.0
            ok &= check(name, have, want, abs_tol * scale)

    opt = exp["optimizer"]
    if opt["kind"] == "sgd" and exp["steps"] == 1:  # p1 = p0 - lr g  =>  g = (p0 - p1) / lr
        init, _ = safetensors_io.read(os.path.join(os.path.dirname(os.path.abspath(args.expected)), exp["init"]))
        for name, t in exp["grads"].items():
            if name in saved:
                want = np.array(t["values"], dtype=np.float64).reshape(t["shape"])
                ok &= check(name + ".grad", (init[name].astype(np.float64) - saved[name]) / opt["lr"], want,
                            abs_tol)

    if args.metrics:
        with open(args.metrics) as f:
            epochs = [json.loads(line) for line in f if line.strip()]
        if len(epochs) != len(exp["losses"]):
            print(f"metrics: {len(epochs)} epochs, expected {len(exp['losses'])}")
            ok = False
        for k, (rec, want) in enumerate(zip(epochs, exp["losses"])):
            diff = abs(float(rec["train_loss"]) - want)
            print(f"maxdiff loss[{k}] {diff:.3e}")
            if not diff <= abs_tol + rel_tol * abs(want):
                print(f"  train_loss of epoch {k + 1}: got {rec['train_loss']!r} expected {want!r}")
                ok = False

        if "train_acc" in exp and epochs:
            got_acc = epochs[0]["train_acc"]
            diff = abs(float(got_acc) - exp["train_acc"]) if got_acc is not None else math.inf
            print(f"diff train_acc {diff:.3e}")
            if not diff <= 1e-9:
                print(f"  train_acc of epoch 1: got {got_acc!r} expected {exp['train_acc']!r}")
                ok = False

    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
