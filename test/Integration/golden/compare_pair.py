#!/usr/bin/python3
"""Compares the checkpoints (and losses) of two runs of the same model that must agree, such as the same rows
padded to two lengths (golden-seq.test's padinv5 and padinv8).

  compare_pair.py A.safetensors B.safetensors [--metrics A.metrics B.metrics] [--tol 1e-6]

Prints `maxdiff <name> <value>` for every tensor of A (B must hold the same names and shapes) and, with --metrics,
`maxdiff train_loss[k] <value>` for each epoch; then PASS if every element has |a - b| <= tol (1 + |a|), else FAIL
(exit 1; also on a missing or misshapen tensor). The default tol, 1e-6, is 10x tighter than compare.py's: both
runs compute the same float32 numbers, only summed over more zeros (the padding), so they differ by a few ulps
(values <= ~2: ~1e-7), while a padding position that leaks into the loss or a gradient moves them like a wrong
gradient does (>= 1e-4).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402


def losses(path):
    """The train_loss of each epoch in a --metrics file."""
    with open(path) as f:
        return [float(json.loads(line)["train_loss"]) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--metrics", nargs=2, metavar=("A", "B"), help="the --metrics files of the two runs")
    ap.add_argument("--tol", type=float, default=1e-6)
    args = ap.parse_args()
    try:
        a, _ = safetensors_io.read(args.a)
        b, _ = safetensors_io.read(args.b)
    except (OSError, ValueError, json.JSONDecodeError) as e:
        print(f"compare_pair.py: error: {e}", file=sys.stderr)
        return 1

    ok = True

    def check(name, x, y):
        diff = np.abs(x - y)
        print(f"maxdiff {name} {diff.max(initial=0.0):.3e}")
        return bool(np.all(diff <= args.tol * (1 + np.abs(x))))  # also false for NaN

    for name in sorted(a):
        if name not in b or b[name].shape != a[name].shape:
            print(f"missing or misshapen {name} in {args.b}")
            ok = False
            continue
        ok &= check(name, a[name].astype(np.float64), b[name].astype(np.float64))
    if args.metrics:
        la, lb = losses(args.metrics[0]), losses(args.metrics[1])
        if len(la) != len(lb) or not la:
            print(f"metrics: {len(la)} and {len(lb)} epochs")
            ok = False
        for k, (x, y) in enumerate(zip(la, lb)):
            ok &= check(f"train_loss[{k}]", np.array(x), np.array(y))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
