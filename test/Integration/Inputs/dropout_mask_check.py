#!/usr/bin/python3
"""Checks dropout's masks from `params` dumps of Inputs/dropout-mask.nn (test/Integration/dropout-flip-behaviour.test).

Usage: dropout_mask_check.py P P0 P1 P2: `params` before training, after step 1 and after step 2.
For step k, r_i = dW_i / db / w_i (dense weight and bias changes; w before the step) must be 0 (dropped) or 1 / (1 - P) (kept, scaled),
to 1e-4 relative (the f32 rounding of the differences); the dropped fraction must be within 0.045 of P
(3 standard deviations of a binomial over 1000 elements: the stream is deterministic, so this is no flake,
but a biased or all-keep mask fails); and the masks of steps 1 and 2 must differ (a fresh mask per step).
"""
import sys

import numpy as np

p = float(sys.argv[1])


def load(path):
    out = {}
    for line in open(path):
        f = line.split()
        out[f[0]] = np.array([float(v) for v in f[2:]], dtype=np.float64)
    return out


dumps = [load(f) for f in sys.argv[2:5]]
ok = True
masks = []
for k in (1, 2):
    a, b = dumps[k - 1], dumps[k]
    dw = a["Mask.dense1.weight"] - b["Mask.dense1.weight"]
    db = (a["Mask.dense1.bias"] - b["Mask.dense1.bias"])[0]
    r = dw / db / a["Mask.w"]  # h_i = x w_i m_i with the w before the step
    dropped = np.abs(r) < 1e-4
    kept_ok = np.abs(r[~dropped] - 1 / (1 - p)) <= 1e-4 / (1 - p)
    frac = dropped.mean()
    good = bool(kept_ok.all()) and abs(frac - p) <= 0.045 and abs(db) > 1e-3
    print(f"step {k}: dropped {frac:.3f} (p {p}); kept scaled by 1/(1-p): {kept_ok.sum()}/{(~dropped).sum()};"
          f" {'ok' if good else 'FAIL'}")
    ok &= good
    masks.append(dropped)
same = float((masks[0] == masks[1]).mean())
print(f"masks of steps 1 and 2 agree on {same:.3f} of the elements {'ok' if same < 0.9 else 'FAIL'}")
ok &= same < 0.9
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
