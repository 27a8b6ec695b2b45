#!/usr/bin/python3
"""PyTorch references for examples/cnn.nn and bench/inception_block.nn: benchmark peers.

--model cnn: examples/cnn.nn on Fashion-MNIST: conv3x3(32, same)-relu-maxpool2-conv3x3(64, same)-relu-maxpool2-
  dense(128)-relu-dense(10), softmax cross-entropy, Adam (lr 0.002, cosine decay to 0 over all steps), batch 64,
  seed 42.
--model inception: bench/inception_block.nn on synthetic data (the same recipe as the `synthetic` dataset of
  the .nn language: x ~ U(0, 1) of shape 32x32x64, labels uniform in 0..9): one inception block
  (1x1 64; 1x1 96 -> 3x3 128; 1x1 16 -> 5x5 32; 3x3 max-pool -> 1x1 32; ReLU after every conv; concat to 256
  channels), global average pooling, dense(10); Adam, batch 32.
Both use PyTorch-default init. Prints one JSON line per epoch with the keys of `<binary> train --metrics`
(epoch, train_loss, train_acc, test_loss, test_acc, seconds, samples_per_s); only the training steps are
timed, as in the compiled binary. Run it tuned (shared/TOOLCHAIN.md):
  OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 /usr/bin/python3 cnn_torch.py --model cnn --threads 2
--channels-last runs the convolutions in NHWC memory format (the layout nnc uses); bench/run.sh times both
formats and quotes PyTorch's faster one.
"""
import argparse
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp_torch import DATA_DIR, load_split, train, warn_untuned  # noqa: E402


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.dense1 = nn.Linear(7 * 7 * 64, 128)
        self.dense2 = nn.Linear(128, 10)

    def forward(self, x):  # x: (B, 1, 28, 28)
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (B, 32, 14, 14)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)  # (B, 64, 7, 7)
        h = h.permute(0, 2, 3, 1).flatten(1)  # NHWC flatten order, as nnc's flatten
        return self.dense2(F.relu(self.dense1(h)))


class Inception(nn.Module):
    def __init__(self, cin, c1, c3r, c3, c5r, c5, cp):
        super().__init__()
        self.b1 = nn.Conv2d(cin, c1, 1)
        self.b2r, self.b2 = nn.Conv2d(cin, c3r, 1), nn.Conv2d(c3r, c3, 3, padding=1)
        self.b3r, self.b3 = nn.Conv2d(cin, c5r, 1), nn.Conv2d(c5r, c5, 5, padding=2)
        self.b4 = nn.Conv2d(cin, cp, 1)

    def forward(self, x):
        a = F.relu(self.b1(x))
        b = F.relu(self.b2(F.relu(self.b2r(x))))
        c = F.relu(self.b3(F.relu(self.b3r(x))))
        d = F.relu(self.b4(F.max_pool2d(x, 3, stride=1, padding=1)))
        return torch.cat([a, b, c, d], 1)


class InceptionNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.inc = Inception(64, 64, 96, 128, 16, 32, 32)
        self.dense = nn.Linear(256, 10)

    def forward(self, x):  # x: (B, 64, 32, 32)
        return self.dense(self.inc(x).mean((2, 3)))


def synthetic(n, shape, classes, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand((n,) + shape, generator=g), torch.randint(0, classes, (n,), generator=g)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["cnn", "inception"], default="cnn")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit-batches", type=int, default=0, help="train only this many batches per epoch")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--batch", type=int, default=0, help="default: 64 (cnn), 32 (inception)")
    ap.add_argument("--samples", type=int, default=2048, help="inception: synthetic samples per epoch")
    ap.add_argument("--lr", type=float, default=0, help="default: 0.002 (cnn), 0.001 (inception)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default=DATA_DIR, help="directory of the Fashion-MNIST IDX .gz files")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--no-test", action="store_true", help="skip the (untimed) test-set pass")
    args = ap.parse_args()

    warn_untuned("cnn_torch.py")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format

    if args.model == "cnn":
        batch = args.batch or 64
        x_train, y_train = load_split(args.data, "train")
        x_test, y_test = load_split(args.data, "t10k")
        x_train, x_test = x_train.view(-1, 1, 28, 28), x_test.view(-1, 1, 28, 28)
        model = CNN()
    else:
        batch = args.batch or 32
        x_train, y_train = synthetic(args.samples, (64, 32, 32), 10, args.seed)
        x_test, y_test = x_train[:batch], y_train[:batch]
        model = InceptionNet()
    model = model.to(memory_format=fmt)
    x_train, x_test = x_train.contiguous(memory_format=fmt), x_test.contiguous(memory_format=fmt)
    lr = args.lr or (0.002 if args.model == "cnn" else 0.001)
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8, foreach=True)
    sched = None
    if args.model == "cnn":  # examples/cnn.nn's lr_schedule = cosine(): over every step of the run
        steps = args.epochs * (min((x_train.shape[0] + batch - 1) // batch, args.limit_batches or 1 << 62))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.5 * (1 + math.cos(math.pi * t / steps)))
    train(model, opt, x_train, y_train, x_test, y_test, batch, args, fmt, sched, channels_last=args.channels_last)

if __name__ == "__main__":
    main()
