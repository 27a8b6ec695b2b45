"""What the PyTorch oracles of test/Transforms share: reading the tensors a compiled @main printed with
printMemrefF32 and comparing them with the expected ones. Prints `<name> maxdiff <d> ok|FAIL` per tensor; the
tolerance is |ours - torch| <= 2e-5 + 1e-5 |torch| (the runner prints 6 significant digits)."""
import re
import sys

import torch


def compare(expected, out):
    """expected: [(name, tensor)] in print order; out: the runner's output."""
    blocks = re.findall(r"data = \n(.*?)(?=Unranked|\Z)", out, re.S)
    if len(blocks) != len(expected):
        sys.exit(f"FAIL: expected {len(expected)} printed tensors, got {len(blocks)}")
    for (name, ref), block in zip(expected, blocks):
        got = torch.tensor([float(t) for t in re.findall(r"[-+0-9.eEinfa]+", block)], dtype=torch.float64)
        ref = ref.flatten()
        if got.numel() != ref.numel():
            print(f"{name} FAIL: {got.numel()} values, expected {ref.numel()}")
            continue
        diff = (got - ref).abs()
        ok = bool((diff <= 2e-5 + 1e-5 * ref.abs()).all())
        print(f"{name} maxdiff {diff.max().item():.3g} {'ok' if ok else 'FAIL'}")
