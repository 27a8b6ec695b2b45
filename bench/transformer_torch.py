#!/usr/bin/python3
"""PyTorch peer of bench/transformer_block.nn: one transformer encoder block, trained on synthetic data.

nn.TransformerEncoderLayer(128, 4, 512, dropout=0, batch_first=True) (post-norm, ReLU) on x [32, 64, 128] ~
U(-1, 1), the mean over the 64 positions, nn.Linear(128, 10), cross entropy against uniform labels, Adam lr 0.001,
batch 32, 2048 samples (64 batches) per epoch: the same model and data sizes as the .nn file. Prints one JSON
line per epoch (epoch, train_loss, seconds, samples_per_s: samples / seconds spent in training steps, impl,
threads), as bench/run.sh reads it. Run it tuned (shared/TOOLCHAIN.md):
  OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/transformer_torch.py --threads 2
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp_torch import warn_untuned  # noqa: E402


class Block(nn.Module):
    def __init__(self, d=128, heads=4, ffn=512, classes=10):
        super().__init__()
        self.block = nn.TransformerEncoderLayer(d, heads, ffn, dropout=0.0, batch_first=True)
        self.head = nn.Linear(d, classes)

    def forward(self, x):  # (B, T, d) -> (B, classes)
        return self.head(self.block(x).mean(dim=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--samples", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    warn_untuned("bench/transformer_torch.py")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x = torch.rand(args.samples, 64, 128) * 2 - 1
    y = torch.randint(0, 10, (args.samples,))
    model = Block()
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(args.samples)
        seconds, total, count = 0.0, 0.0, 0
        for start in range(0, args.samples, args.batch):
            idx = order[start:start + args.batch]
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            seconds += time.perf_counter() - t0
            count += len(idx)
        print(json.dumps(dict(epoch=epoch, train_loss=total / count, seconds=seconds,
                              samples_per_s=count / seconds, impl="torch", threads=args.threads)), flush=True)


if __name__ == "__main__":
    main()
