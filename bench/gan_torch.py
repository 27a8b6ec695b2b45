#!/usr/bin/python3
"""PyTorch reference for the MLP GAN on Fashion-MNIST: the benchmark peer.

Generator G: z[64] ~ N(0, I) -> 256 -> 512 -> 784, leaky_relu(0.2) after the hidden layers, sigmoid on the last:
images in [0, 1], the same scale as the data (pixels / 255, as nnc's fashion_mnist()). Discriminator D: 784 ->
512 -> 256 -> 1, leaky_relu(0.2), a logit. Non-saturating loss with BCE-with-logits (means over the batch):
  step D: bce_with_logits(D(x), 1) + bce_with_logits(D(G(z)), 0)    (updates D; G(z) without gradient)
  step G: bce_with_logits(D(G(z)), 1)                                (updates G; D's weights get no gradient)
as in docs/language.md's GAN example (schedule = [D, G]). Each step has its own Adam (lr 0.0002, betas 0.5/0.999,
eps 1e-8) and draws its own z. Batch 64; as the compiled binary does, every scheduled step takes a batch of its
own: batches 1, 3, 5, ... of the shuffled epoch are D steps (real images x), batches 2, 4, ... G steps (their
images unused, only their count: z has as many rows), the last partial batch included. Seed 42, weight and bias ~
U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

Prints one JSON line per epoch: epoch, train_losses {D, G} (each step's mean loss over its batches),
test_losses {D, G} (on the test set, untimed, z from a generator seeded with --seed), seconds, samples_per_s
(images of all scheduled batches / seconds spent in training steps, as the binary counts them), d_samples_per_s
(real images consumed by D steps / seconds: half of it), impl, threads, batches. --out FILE.png writes a grid of
64 samples G(z) after training (8 columns, laid out like the binaries' `sample` command).

Run it tuned (shared/TOOLCHAIN.md):
  OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/gan_torch.py --threads 1 --epochs 20 \\
      --out gan.png
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
from image_grid import write_grid  # noqa: E402
from mlp_torch import DATA_DIR, load_split, warn_untuned  # noqa: E402
from vae_torch import default_init  # noqa: E402

Z = 64


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(Z, 256), nn.Linear(256, 512), nn.Linear(512, 784)])
        default_init(self.layers)

    def forward(self, z):  # (B, 64) -> images (B, 784) in [0, 1]
        h = F.leaky_relu(self.layers[0](z), 0.2)
        h = F.leaky_relu(self.layers[1](h), 0.2)
        return torch.sigmoid(self.layers[2](h))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(784, 512), nn.Linear(512, 256), nn.Linear(256, 1)])
        default_init(self.layers)

    def forward(self, x):  # (B, 784) -> logits (B, 1)
        h = F.leaky_relu(self.layers[0](x), 0.2)
        h = F.leaky_relu(self.layers[1](h), 0.2)
        return self.layers[2](h)


def bce_logits(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def d_loss(gen, disc, x, z):
    with torch.no_grad():  # D's step differentiates nothing of G
        fake = gen(z)
    return bce_logits(disc(x), 1.0) + bce_logits(disc(fake), 0.0)


def g_loss(gen, disc, z):
    return bce_logits(disc(gen(z)), 1.0)


def evaluate(gen, disc, x, seed, batch):
    """Each step's mean loss over the test set in batches (D on every batch, G on every batch)."""
    rng = torch.Generator().manual_seed(seed)
    sums, n = {"D": 0.0, "G": 0.0}, 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            xb = x[i:i + batch]
            sums["D"] += d_loss(gen, disc, xb, torch.randn(xb.shape[0], Z, generator=rng)).item() * xb.shape[0]
            sums["G"] += g_loss(gen, disc, torch.randn(xb.shape[0], Z, generator=rng)).item() * xb.shape[0]
            n += xb.shape[0]
    return {k: v / n for k, v in sums.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit-batches", type=int, default=0, help="train only this many batches per epoch")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.0002)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default=DATA_DIR, help="directory of the Fashion-MNIST IDX .gz files")
    ap.add_argument("--no-test", action="store_true", help="skip the (untimed) test-set pass")
    ap.add_argument("--out", help="after training, write a grid of 64 samples G(z) to this PNG")
    args = ap.parse_args()

    warn_untuned("gan_torch.py")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train, _ = load_split(args.data, "train")
    x_test, _ = load_split(args.data, "t10k")
    gen, disc = Generator(), Discriminator()
    opt_d = torch.optim.Adam(disc.parameters(), lr=args.lr, betas=(0.5, 0.999), eps=1e-8, foreach=True)
    opt_g = torch.optim.Adam(gen.parameters(), lr=args.lr, betas=(0.5, 0.999), eps=1e-8, foreach=True)
    shuffle = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]
    nbatches = (n + args.batch - 1) // args.batch
    if args.limit_batches > 0:
        nbatches = min(nbatches, args.limit_batches)

    for epoch in range(1, args.epochs + 1):
        xs = x_train[torch.randperm(n, generator=shuffle)]  # shuffled up front (untimed)
        gen.train()
        disc.train()
        sums, runs = {"D": torch.zeros(()), "G": torch.zeros(())}, {"D": 0, "G": 0}
        samples = d_samples = 0
        t0 = time.perf_counter()
        for b in range(nbatches):
            xb = xs[b * args.batch:(b + 1) * args.batch]
            z = torch.randn(xb.shape[0], Z)
            if b % 2 == 0:  # step D on this batch's real images
                loss, opt, step = d_loss(gen, disc, xb, z), opt_d, "D"
                d_samples += xb.shape[0]
            else:  # step G: D's weights need no gradient (only its input's)
                disc.requires_grad_(False)
                loss, opt, step = g_loss(gen, disc, z), opt_g, "G"
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            disc.requires_grad_(True)
            with torch.no_grad():
                sums[step] += loss.detach()
            runs[step] += 1
            samples += xb.shape[0]
        seconds = time.perf_counter() - t0

        gen.eval()
        disc.eval()
        train_losses = {k: (sums[k].item() / runs[k] if runs[k] else None) for k in sums}
        test_losses = None if args.no_test else evaluate(gen, disc, x_test, args.seed, args.batch)
        print(json.dumps({
            "epoch": epoch, "train_losses": train_losses, "test_losses": test_losses, "seconds": seconds,
            "samples_per_s": samples / seconds, "d_samples_per_s": d_samples / seconds,
            "impl": "pytorch-" + torch.__version__, "threads": args.threads, "batches": nbatches,
        }), flush=True)

    if args.out:
        with torch.no_grad():
            z = torch.randn(64, Z, generator=torch.Generator().manual_seed(args.seed))
            images = gen(z).view(64, 28, 28).numpy()
        write_grid(args.out, images, cols=8)


if __name__ == "__main__":
    main()
