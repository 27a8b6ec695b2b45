"""Loads DIR/model.py and DIR/model.safetensors (written by `nnc export
--pytorch`) into PyTorch with load_state_dict(strict=True), runs the module on
the samples of a `predict --input` file and prints one line of outputs per
sample. With --save STATE it first trains the module for a few SGD steps (on
its own outputs' squares, a stand-in for fine-tuning) and saves the new state
dict as safetensors, for `nnc import`.

usage: torch_run.py DIR INPUT D1,D2,...|- [--ids] [--save STATE]
"""
import argparse
import importlib.util
import sys

import torch

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("input")
p.add_argument("dims")
p.add_argument("--ids", action="store_true")
p.add_argument("--save")
a = p.parse_args()

spec = importlib.util.spec_from_file_location("model", a.dir + "/model.py")
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
classes = [c for c in vars(mod).values()
           if isinstance(c, type) and issubclass(c, torch.nn.Module) and c.__module__ == "model"]
model = classes[0]()
state = mod.load_safetensors(a.dir + "/model.safetensors")
model.load_state_dict(state, strict=True)  # raises on a missing or extra name
model.eval()

rows = [[float(t) for t in line.split()] for line in open(a.input) if line.strip()]
dims = [] if a.dims == "-" else [int(d) for d in a.dims.split(",")]
x = torch.tensor(rows, dtype=torch.float32).reshape([len(rows)] + dims)
if a.ids:
    x = x.int()
torch.set_printoptions(precision=9)
if a.save:
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(3):
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()
    mod.save_safetensors(model.state_dict(), a.save)
with torch.no_grad():
    y = model(x).reshape(len(rows), -1)
for row in y.tolist():
    print(" ".join(repr(v) for v in row))
