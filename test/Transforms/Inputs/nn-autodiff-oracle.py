"""PyTorch oracle for nn-autodiff-oracle.mlir: rebuilds the test's model from
the constants of its @main, takes one momentum step with torch autograd and
compares it with the printMemrefF32 output of the compiled train step.
Prints one line per tensor: `<name> maxdiff <d> ok|FAIL`; the tolerance is
|ours - torch| <= 2e-5 + 1e-5 |torch| (the runner prints 6 significant digits).
Usage: nn-autodiff-oracle.py TEST.mlir RUN_OUTPUT"""
import re
import sys

import torch
import torch.nn.functional as F
import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import compare  # noqa: E402

src, out = open(sys.argv[1]).read(), open(sys.argv[2]).read()

# %name = arith.constant dense<LITERAL> : tensor<SHAPExTYPE>, possibly over lines.
consts = {}
for m in re.finditer(r"%(\w+) = arith\.constant dense<(.*?)> : tensor<([0-9x]*)x?(f32|i32)>",
                     src, re.S):
    name, lit, shape, dtype = m.groups()
    shape = [int(d) for d in shape.split("x") if d]
    value = eval(lit.replace("\n", " "))
    dt = torch.float64 if dtype == "f32" else torch.int64
    t = torch.tensor(value, dtype=dt)
    consts[name] = t.expand(shape).clone() if t.dim() == 0 else t

params = ["Wt", "b", "A", "s", "Q", "unused"]
P = {n: consts[n].clone().requires_grad_() for n in params}
x, y, w = consts["x"], consts["y"], consts["w"]
lr, mu = float(consts["hyper"][0]), 0.9

# The forward of @loss, line by line (float64: the oracle's own error is nil).
z = x @ P["Wt"].T + P["b"]
u = F.leaky_relu(torch.tanh(z), 0.1)
v = u @ P["A"].T
q = v / P["s"]
r = q - u * P["b"]
l1 = F.cross_entropy(r, y, reduction="none")
p = torch.sigmoid(-v).clamp(1e-7, 1 - 1e-7)
l2 = F.binary_cross_entropy(p, consts["c_bce"], reduction="none").mean(1)
l3 = ((torch.softmax(q, -1) - consts["c_mse"]) ** 2).mean(1)
g = P["Q"].T @ u.T
l4 = ((g - consts["c_g"]) ** 2).mean(1)
loss = ((l1 + l2 + l3 + l4) * w).sum() / w.sum()
loss.backward()

expected = [("loss", loss.detach())]
states = []
for n in params:
    grad = P[n].grad
    if grad is None:  # PyTorch skips parameters without a gradient.
        expected.append((n, P[n].detach()))
        states.append(("v" + n, consts["v" + n]))
        continue
    vn = mu * consts["v" + n] + grad
    expected.append((n, P[n].detach() - lr * vn))
    states.append(("v" + n, vn))
expected += states

compare(expected, out)
