#!/usr/bin/python3
"""Checks compare.py and the committed golden files without the compiler: for each case, a float32 PyTorch run
from <case>.init.safetensors (standing in for the compiled binary: it writes a checkpoint and a metrics file)
must PASS, and classic mistakes must FAIL: the bias gradient dropped, the loss summed instead of averaged over
the batch, the first weight gradient 1% off (SGD), the optimizer state not saved (Adam). Also checks that the
init files and datasets on disk are the ones make_golden.py makes. Prints one line per check and
`selftest: OK`; exits 1 on the first surprise.

  selftest.py WORKDIR
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_golden  # noqa: E402
import safetensors_io  # noqa: E402


def emulate(case, x, y, init, workdir, tag, mutate=None):
    """Runs the case in float32 (optionally mutated) and writes <tag>.st and <tag>.metrics like the binary."""
    res = make_golden.run(case, x, y, init, torch.float32)
    names = make_golden.param_names(case)
    if mutate == "no-bias-grad":  # the bias keeps its initial value
        for k in names:
            if k.endswith(".bias"):
                res["params"][k] = init[k].astype(np.float64)
    elif mutate == "grad-x1.01":  # the first layer's weight gradient 1% too big (SGD, one step)
        k = names[0]
        res["params"][k] = init[k] + 1.01 * (res["params"][k] - init[k])
    elif mutate == "sum-loss":  # sum instead of mean over the batch: every step is N times too big (SGD)
        n = x.shape[0]
        for k in names:
            res["params"][k] = init[k] + n * (res["params"][k] - init[k])
    tensors = [(k, res["params"][k].astype(np.float32)) for k in names]
    if mutate != "no-state":
        tensors += [(k, v.astype(np.float32)) for k, v in res["state"].items()]
    st = os.path.join(workdir, f"{tag}.st")
    safetensors_io.write(st, tensors, {"format": "nnc"})
    metrics = os.path.join(workdir, f"{tag}.metrics")
    with open(metrics, "w") as f:
        for k, loss in enumerate(res["losses"], start=1):
            f.write(json.dumps({"epoch": k, "train_loss": loss}) + "\n")
    return st, metrics


def compare(st, expected, metrics):
    p = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), st, expected, "--metrics", metrics],
                       capture_output=True, text=True)
    return p.returncode, p.stdout


def main():
    workdir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(workdir, exist_ok=True)
    torch.set_num_threads(1)
    for case in make_golden.CASES:
        name = case["name"]
        x, y, init = make_golden.make_inputs(case)
        expected = os.path.join(HERE, f"{name}.expected.json")
        on_disk, meta = safetensors_io.read(os.path.join(HERE, f"{name}.init.safetensors"))
        for k, v in init.items():
            if not np.array_equal(on_disk[k], v):
                sys.exit(f"selftest: {name}: {k} in the init file differs from make_golden.py's value")
        if meta != {"format": "nnc", "model": case["model"], "step": "0", "epoch": "0"}:
            sys.exit(f"selftest: {name}: init file metadata {meta}")
        exp = json.load(open(expected))
        if exp["x"] != x.tolist() or exp["y"] != y.tolist():
            sys.exit(f"selftest: {name}: the dataset in {name}.expected.json is stale: rerun make_golden.py")

        st, metrics = emulate(case, x, y, init, workdir, f"{name}-f32")
        rc, out = compare(st, expected, metrics)
        if rc != 0 or "PASS" not in out:
            sys.exit(f"selftest: {name}: the float32 run should PASS:\n{out}")
        print(f"{name}: float32 run PASS")
        mutations = ["no-bias-grad"]
        if case["optimizer"]["kind"] == "adam":
            mutations.append("no-state")
        elif case["rows"] > 1:  # with one row a sum is the mean
            mutations.append("sum-loss")
        if case["optimizer"]["kind"] == "sgd":
            mutations.append("grad-x1.01")
        for mutate in mutations:
            st, metrics = emulate(case, x, y, init, workdir, f"{name}-{mutate}", mutate)
            rc, out = compare(st, expected, metrics)
            if rc == 0 or "FAIL" not in out:
                sys.exit(f"selftest: {name}: mutation {mutate} should FAIL:\n{out}")
            print(f"{name}: {mutate} FAIL (as it should)")
    print("selftest: OK")


if __name__ == "__main__":
    main()
