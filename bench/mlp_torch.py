#!/usr/bin/python3
"""PyTorch reference for examples/mlp.nn: the benchmark peer and accuracy oracle.

The same model and training as the compiled binary: 784-256-128-10 with ReLU, softmax cross-entropy, Adam
(lr 0.001, betas 0.9/0.999, eps 1e-8), batch 64 (the last partial batch trains too), seed 42, Fashion-MNIST
pixels / 255, PyTorch-default init (weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))). Prints one JSON
line per epoch with the keys of `mlp train --metrics`:
  epoch, train_loss, train_acc, test_loss, test_acc, seconds, samples_per_s
(+ impl, threads, batches); accuracies are percentages, as in the binary's metrics. `seconds` covers only
the training steps (forward, backward, Adam, the running loss/accuracy); loading, the per-epoch shuffle and
the test pass are not timed, as in the compiled binary.

Run it tuned (shared/TOOLCHAIN.md): OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 /usr/bin/python3 mlp_torch.py
(the script sets torch.set_num_threads(--threads), default 2). Without the env, OpenBLAS's own threads fight
libgomp on 2 cores and the figures are 1.2-5x low and noisy.
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """Reads a gzip'd IDX file (big-endian header: magic 0x0000 08 ndim, then ndim u32 dims, then u8 data)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic >> 8 != 0x08:
        sys.exit(f"mlp_torch.py: error: {path}: not an unsigned-byte IDX file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != math.prod(dims):
        sys.exit(f"mlp_torch.py: error: {path}: {data.size} bytes of data, header says {dims}")
    return data.reshape(dims)


def load_split(data_dir, prefix):
    """Returns x f32 [N, 784] in [0, 1] and y int64 [N]."""
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense1 = torch.nn.Linear(784, 256)
        self.dense2 = torch.nn.Linear(256, 128)
        self.dense3 = torch.nn.Linear(128, 10)
        # PyTorch's default for nn.Linear, written out: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        for layer in (self.dense1, self.dense2, self.dense3):
            bound = 1.0 / math.sqrt(layer.in_features)
            torch.nn.init.uniform_(layer.weight, -bound, bound)
            torch.nn.init.uniform_(layer.bias, -bound, bound)

    def forward(self, x):  # x: (B, 784) -> logits (B, 10)
        h = torch.relu(self.dense1(x))  # (B, 256)
        h = torch.relu(self.dense2(h))  # (B, 128)
        return self.dense3(h)


def evaluate(model, x, y, chunk=2000):
    """Mean cross-entropy and accuracy (percent) over the whole split."""
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, x.shape[0], chunk):
            logits = model(x[i:i + chunk])
            loss_sum += torch.nn.functional.cross_entropy(logits, y[i:i + chunk], reduction="sum").item()
            correct += (logits.argmax(1) == y[i:i + chunk]).sum().item()
    return loss_sum / x.shape[0], 100.0 * correct / x.shape[0]


def train(model, opt, x_train, y_train, x_test, y_test, batch, args, fmt=torch.contiguous_format, sched=None,
          **extra):
    """Trains args.epochs epochs of `batch`-sized steps (args.limit_batches per epoch if > 0), printing one JSON
    line per epoch; only the steps are timed. `fmt` is the memory format of the shuffled inputs; `sched`, if
    given, is a learning-rate scheduler stepped after every step; `extra` keys are added to every line."""
    gen = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]
    nbatches = (n + batch - 1) // batch
    if args.limit_batches > 0:
        nbatches = min(nbatches, args.limit_batches)

    for epoch in range(1, args.epochs + 1):
        # Shuffle the whole epoch up front (untimed), so each step reads a contiguous slice.
        perm = torch.randperm(n, generator=gen)
        xs, ys = x_train[perm].contiguous(memory_format=fmt), y_train[perm]
        model.train()
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        samples = 0
        t0 = time.perf_counter()
        for b in range(nbatches):
            xb, yb = xs[b * batch:(b + 1) * batch], ys[b * batch:(b + 1) * batch]
            logits = model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            with torch.no_grad():
                loss_sum += loss.detach() * xb.shape[0]
                correct += (logits.argmax(1) == yb).sum()
            samples += xb.shape[0]
        seconds = time.perf_counter() - t0

        model.eval()
        test_loss, test_acc = (None, None) if args.no_test else evaluate(model, x_test, y_test)
        print(json.dumps({
            "epoch": epoch, "train_loss": loss_sum.item() / samples, "train_acc": 100.0 * correct.item() / samples,
            "test_loss": test_loss, "test_acc": test_acc, "seconds": seconds, "samples_per_s": samples / seconds,
            "impl": "pytorch-" + torch.__version__, "threads": args.threads, "batches": nbatches, **extra,
        }), flush=True)

def warn_untuned(script):
    """The tuning every peer needs (shared/TOOLCHAIN.md), or a warning on stderr."""
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1" or os.environ.get("OMP_WAIT_POLICY", "").lower() != "passive":
        print(f"{script}: warning: run with OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 "
              "(see shared/TOOLCHAIN.md); figures are not tuned", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit-batches", type=int, default=0, help="train only this many batches per epoch")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default=DATA_DIR, help="directory of the Fashion-MNIST IDX .gz files")
    ap.add_argument("--no-test", action="store_true", help="skip the (untimed) test-set pass")
    args = ap.parse_args()

    warn_untuned("mlp_torch.py")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x_train, y_train = load_split(args.data, "train")
    x_test, y_test = load_split(args.data, "t10k")
    model = MLP()
    # foreach=True: the multi-tensor Adam (same math), ~0.5 ms/step faster here than the per-tensor default.
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, foreach=True)
    train(model, opt, x_train, y_train, x_test, y_test, args.batch, args)


if __name__ == "__main__":
    main()
