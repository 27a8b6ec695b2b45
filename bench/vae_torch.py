#!/usr/bin/python3
"""PyTorch reference for the VAE on Fashion-MNIST: the benchmark peer and the test-ELBO oracle.

The VAE of the Keras and PyTorch examples: encoder 784-400 (ReLU) then two heads 400-20 (mu) and 400-20
(logvar); z = mu + exp(0.5 logvar) * eps, eps ~ N(0, I) drawn anew at every step; decoder 20-400 (ReLU)-784
giving logits. Loss per batch = BCE-with-logits of the logits against the pixels (pixels / 255, not binarised)
summed over the 784 pixels, mean over the batch, + KL(N(mu, sigma^2) || N(0, I)) = -0.5 sum(1 + logvar - mu^2 -
exp(logvar)) summed over the 20 code units, mean over the batch: the negative ELBO in nats per image. Adam (lr
0.001, betas 0.9/0.999, eps 1e-8), batch 128 (the last partial batch trains too), seed 42, weight and bias ~
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's default for nn.Linear, written out).

Prints one JSON line per epoch: epoch, train_loss (the mean negative ELBO over the epoch's training images, each
at the parameters of its step), test_loss (the same loss on the whole test set in eval mode, one draw of z per
image from a generator seeded with --seed, untimed: the number the nnc example is compared with), seconds,
samples_per_s (training images / seconds spent in training steps: forward, backward, Adam, the running loss;
loading, the per-epoch shuffle and the test pass are not timed), impl, threads, batches. --out FILE.png writes 64
images decoded from z ~ N(0, I) (sigmoid of the logits) as a grid laid out like the binaries' `sample` command.

Run it tuned (shared/TOOLCHAIN.md):
  OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/vae_torch.py --threads 1 --epochs 10
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from image_grid import write_grid  # noqa: E402
from mlp_torch import DATA_DIR, load_split, warn_untuned  # noqa: E402


def default_init(layers):
    """nn.Linear's default, written out: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    for layer in layers:
        bound = 1.0 / math.sqrt(layer.in_features)
        nn.init.uniform_(layer.weight, -bound, bound)
        nn.init.uniform_(layer.bias, -bound, bound)


class VAE(nn.Module):
    def __init__(self, hidden=400, code=20):
        super().__init__()
        self.enc = nn.Linear(784, hidden)
        self.mu = nn.Linear(hidden, code)
        self.logvar = nn.Linear(hidden, code)
        self.dec1 = nn.Linear(code, hidden)
        self.dec2 = nn.Linear(hidden, 784)
        default_init([self.enc, self.mu, self.logvar, self.dec1, self.dec2])

    def encode(self, x):  # (B, 784) -> mu, logvar (B, 20)
        h = torch.relu(self.enc(x))
        return self.mu(h), self.logvar(h)

    def decode(self, z):  # (B, 20) -> logits (B, 784)
        return self.dec2(torch.relu(self.dec1(z)))

    def forward(self, x, eps):
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * eps
        return self.decode(z), mu, logvar


def negative_elbo(logits, x, mu, logvar, reduction="mean"):
    """BCE-with-logits summed over pixels + KL summed over the code; per image, then mean (or sum) over the
    batch."""
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu * mu - torch.exp(logvar))
    total = bce + kl
    return total / x.shape[0] if reduction == "mean" else total


def evaluate(model, x, seed, chunk=2000):
    """The mean negative ELBO over the split, one draw of z per image (generator seeded with `seed`)."""
    gen = torch.Generator().manual_seed(seed)
    total = 0.0
    with torch.no_grad():
        for i in range(0, x.shape[0], chunk):
            xb = x[i:i + chunk]
            eps = torch.randn(xb.shape[0], model.mu.out_features, generator=gen)
            logits, mu, logvar = model(xb, eps)
            total += negative_elbo(logits, xb, mu, logvar, reduction="sum").item()
    return total / x.shape[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit-batches", type=int, default=0, help="train only this many batches per epoch")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default=DATA_DIR, help="directory of the Fashion-MNIST IDX .gz files")
    ap.add_argument("--no-test", action="store_true", help="skip the (untimed) test-set pass")
    ap.add_argument("--out", help="after training, write 64 decoded samples of z ~ N(0, I) to this PNG")
    args = ap.parse_args()

    warn_untuned("vae_torch.py")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train, _ = load_split(args.data, "train")
    x_test, _ = load_split(args.data, "t10k")
    model = VAE()
    # foreach=True: the multi-tensor Adam (same math), as in mlp_torch.py.
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, foreach=True)
    gen = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]
    nbatches = (n + args.batch - 1) // args.batch
    if args.limit_batches > 0:
        nbatches = min(nbatches, args.limit_batches)

    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(n, generator=gen)
        xs = x_train[perm]  # shuffled up front (untimed), each step reads a contiguous slice
        model.train()
        loss_sum = torch.zeros(())
        samples = 0
        t0 = time.perf_counter()
        for b in range(nbatches):
            xb = xs[b * args.batch:(b + 1) * args.batch]
            eps = torch.randn(xb.shape[0], model.mu.out_features)
            logits, mu, logvar = model(xb, eps)
            loss = negative_elbo(logits, xb, mu, logvar)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum += loss.detach() * xb.shape[0]
            samples += xb.shape[0]
        seconds = time.perf_counter() - t0

        model.eval()
        test_loss = None if args.no_test else evaluate(model, x_test, args.seed)
        print(json.dumps({
            "epoch": epoch, "train_loss": loss_sum.item() / samples, "test_loss": test_loss, "seconds": seconds,
            "samples_per_s": samples / seconds, "impl": "pytorch-" + torch.__version__, "threads": args.threads,
            "batches": nbatches,
        }), flush=True)

    if args.out:
        with torch.no_grad():
            z = torch.randn(64, model.mu.out_features, generator=torch.Generator().manual_seed(args.seed))
            images = torch.sigmoid(model.decode(z)).view(64, 28, 28).numpy()
        write_grid(args.out, images, cols=8)


if __name__ == "__main__":
    main()
