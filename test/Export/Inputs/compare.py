"""Compares two files of outputs, one sample per line (a binary's `predict`,
whose lines may end in ` class=K`, and ONNX Runtime's or PyTorch's): every
value must be finite and agree to 1e-4 (1 + |a|), which float32 arithmetic in another order
meets with room (the differences seen are a few 1e-7). Exits 1 on the first
difference; prints the largest.

usage: compare.py A B
"""
import math
import sys


def rows(path):
    out = []
    for line in open(path):
        vals = [float(t) for t in line.split() if not t.startswith("class=")]
        if vals:
            out.append(vals)
    return out


a, b = rows(sys.argv[1]), rows(sys.argv[2])
if len(a) != len(b) or not a:
    sys.exit(f"compare: {len(a)} samples against {len(b)}")
worst = 0.0
for i, (ra, rb) in enumerate(zip(a, b)):
    if len(ra) != len(rb):
        sys.exit(f"compare: sample {i + 1}: {len(ra)} values against {len(rb)}")
    for x, y in zip(ra, rb):
        if not (math.isfinite(x) and math.isfinite(y) and abs(x - y) <= 1e-4 * (1 + abs(x))):
            sys.exit(f"compare: sample {i + 1}: {x} against {y}")
        worst = max(worst, abs(x - y) / (1 + abs(x)))
print(f"agree: {len(a)} samples, {len(a[0])} values each, largest difference {worst:.1e}")
