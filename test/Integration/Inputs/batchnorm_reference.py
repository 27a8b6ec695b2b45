#!/usr/bin/python3
"""PyTorch (float64) reference for test/Integration/batchnorm-stats.test.

Usage: batchnorm_reference.py MODEL.nn INIT.txt CHECKPOINT.safetensors METRICS.jsonl
  MODEL.nn     Inputs/batchnorm-stats.nn (the dataset is read from its `tensors(x=..., y=...)`)
  INIT.txt     `./model params` before training (the initial parameters and buffers)
  CHECKPOINT   the checkpoint saved after training (params and running statistics)
  METRICS      `train --metrics` output: per epoch train_loss (train mode) and test_loss (eval mode, same set)
Replays the training in PyTorch (one full-batch SGD step per epoch; BatchNorm with momentum m:
rm = (1-m) rm + m mean, rv = (1-m) rv + m var_unbiased, as torch.nn.BatchNorm2d/1d) and checks, within
1e-5 abs + 1e-5 rel (float32 vs float64 over a few steps of a tiny network):
  * every running mean / var and every parameter in the checkpoint;
  * every epoch's train loss (batch statistics) and eval loss (running statistics);
  * that eval mode really differs: the eval loss is at least 1e-2 away from the train-mode loss of the same
    final parameters (so a binary evaluating with batch statistics would fail).
Prints one line per check and PASS / FAIL (exit status 1).
"""
import ast
import json
import os
import re
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import safetensors_io  # noqa: E402

ABS, REL = 1e-5, 1e-5
nn_path, init_path, ckpt_path, metrics_path = sys.argv[1:5]
src = open(nn_path).read()
x = np.array(ast.literal_eval(re.search(r"x=(\[.*?\]),\s*\n", src, re.S).group(1)), dtype=np.float64)
y = torch.tensor(ast.literal_eval(re.search(r"y=(\[[^\]]*\])", src).group(1)))
lr = float(re.search(r"sgd\(lr=([0-9.]+)\)", src).group(1))
epochs = int(re.search(r"epochs = (\d+)", src).group(1))
X = torch.tensor(x).permute(0, 3, 1, 2)  # NHWC -> NCHW

P = {}
for line in open(init_path):
    f = line.split()
    shape = [int(d) for d in f[1].strip("[]").split(",")]
    vals = [float(v) for v in f[2:] if v != "(buffer)"]
    P[f[0]] = torch.tensor(np.array(vals, dtype=np.float32).astype(np.float64).reshape(shape))
names = [n for n in P if "running" not in n]
for n in names:
    P[n].requires_grad_(True)
buf = {n: P[n].clone() for n in P if "running" in n}


def forward(train):
    w = P["BnNet.conv1.weight"].permute(3, 2, 0, 1)  # HWCF -> OIHW
    h = F.conv2d(X, w, P["BnNet.conv1.bias"], padding=1)
    h = torch.tanh(F.batch_norm(h, buf["BnNet.bn1.running_mean"], buf["BnNet.bn1.running_var"],
                                P["BnNet.bn1.weight"], P["BnNet.bn1.bias"], training=train, momentum=0.1, eps=1e-5))
    h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # flatten in NHWC order
    h = h @ P["BnNet.dense1.weight"] + P["BnNet.dense1.bias"]
    h = torch.tanh(F.batch_norm(h, buf["BnNet.bn2.running_mean"], buf["BnNet.bn2.running_var"],
                                P["BnNet.bn2.weight"], P["BnNet.bn2.bias"], training=train, momentum=0.2, eps=1e-5))
    return F.cross_entropy(h @ P["BnNet.dense2.weight"] + P["BnNet.dense2.bias"], y)


ok = True


def check(what, got, want):
    global ok
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    err = np.abs(got - want)
    good = bool(np.all(err <= ABS + REL * np.abs(want)))
    ok &= good
    print(f"{what}: max_abs_err {err.max():.3g} {'ok' if good else 'FAIL'}")


metrics = [json.loads(l) for l in open(metrics_path) if l.strip()]
assert len(metrics) == epochs, f"{len(metrics)} metrics lines, expected {epochs}"
for e in range(epochs):
    loss = forward(True)  # updates the running statistics in place, as the compiled step does
    grads = torch.autograd.grad(loss, [P[n] for n in names])
    with torch.no_grad():
        for n, g in zip(names, grads):
            P[n] -= lr * g
        eval_loss = forward(False).item()
    check(f"epoch {e + 1} train_loss", metrics[e]["train_loss"], loss.item())
    check(f"epoch {e + 1} eval_loss", metrics[e]["test_loss"], eval_loss)

ckpt, _ = safetensors_io.read(ckpt_path)
for n in buf:
    check(n, ckpt[n], buf[n].numpy())
for n in names:
    check(n, ckpt[n], P[n].detach().numpy())
with torch.no_grad():
    train_mode = forward(True).item()
gap = abs(train_mode - eval_loss)
print(f"eval loss {eval_loss:.6f} vs train-mode loss {train_mode:.6f}: gap {gap:.3g} {'ok' if gap > 1e-2 else 'FAIL'}")
ok &= gap > 1e-2
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
