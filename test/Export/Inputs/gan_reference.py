"""examples/gan.nn's Gen or Disc written out in NumPy, with the weights read straight from an nnc checkpoint
(safetensors): an oracle for the exported models that shares no code with nnc's exporters. Prints one line of
outputs per sample of a `predict --input`-style file.

usage: gan_reference.py CKPT Gen|Disc INPUT
"""
import json
import struct
import sys

import numpy as np


def load(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    return {k: np.frombuffer(data[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]],
                             dtype=np.float32).reshape(v["shape"]) for k, v in header.items()}


def leaky(h):
    return np.where(h > 0, h, 0.2 * h)


w = load(sys.argv[1])
model = sys.argv[2]
x = np.loadtxt(sys.argv[3], dtype=np.float32, ndmin=2)
dense = lambda h, k: h @ w[f"{model}.dense{k}.weight"] + w[f"{model}.dense{k}.bias"]  # weights [in, out]
h = leaky(dense(x, 1))
h = leaky(dense(h, 2))
y = dense(h, 3)
if model == "Gen":
    y = 1 / (1 + np.exp(-y))
for row in y:
    print(" ".join(repr(float(v)) for v in row))
