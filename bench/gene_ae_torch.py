#!/usr/bin/python3
"""PyTorch reference for bench/gene_ae.nn: the benchmark peer of the gene-expression autoencoder.

The same model and training as the compiled binary: 20000-2000-200-20-200-2000-20000 nn.Linear layers with a
sigmoid after every one (80.9 M parameters), MSE against the input (nn.MSELoss, mean over batch and features,
as the .nn `mse`), SGD (lr 0.01, no momentum), batch 32 (the last partial batch trains too), float32, seed 42,
PyTorch-default init, on synthetic profiles: --samples rows of 20,000 values ~ U(0, 15) (the recipe of the .nn
`synthetic(samples=N, range=[0, 15])`, from torch's generator: not the same numbers as the binary's). Prints
one JSON line per epoch with the keys of `<binary> train --metrics` (epoch, train_loss, train_acc (null),
test_loss, test_acc (null), seconds, samples_per_s, + impl, threads, batches); only the training steps are
timed, as in the compiled binary; the test pass is over the training rows (as `synthetic` data's is).

Run it tuned (shared/TOOLCHAIN.md): OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 /usr/bin/python3
gene_ae_torch.py --threads 2. --foreach uses the multi-tensor SGD (torch.optim.SGD(foreach=True)); the
default is PyTorch's own choice on CPU (a loop over the parameters).
"""
import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp_torch import warn_untuned  # noqa: E402

SIZES = [20000, 2000, 200, 20, 200, 2000, 20000]


class GeneAE(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(SIZES, SIZES[1:]))
        # PyTorch's default for nn.Linear, written out: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        for layer in self.layers:
            bound = 1.0 / math.sqrt(layer.in_features)
            torch.nn.init.uniform_(layer.weight, -bound, bound)
            torch.nn.init.uniform_(layer.bias, -bound, bound)

    def forward(self, x):  # x: (B, 20000) -> (B, 20000)
        for layer in self.layers:
            x = torch.sigmoid(layer(x))
        return x


def evaluate(model, x, chunk=256):
    """Mean MSE over the rows (per sample: the mean over its features)."""
    total = 0.0
    with torch.no_grad():
        for i in range(0, x.shape[0], chunk):
            xb = x[i:i + chunk]
            total += torch.nn.functional.mse_loss(model(xb), xb, reduction="sum").item() / x.shape[1]
    return total / x.shape[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit-batches", type=int, default=0, help="train only this many batches per epoch")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--samples", type=int, default=1024, help="synthetic rows per epoch")
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--foreach", action="store_true", help="multi-tensor SGD")
    ap.add_argument("--no-test", action="store_true", help="skip the (untimed) test pass")
    args = ap.parse_args()

    warn_untuned("gene_ae_torch.py")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    x_train = torch.rand((args.samples, SIZES[0]), generator=g) * 15.0
    model = GeneAE()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, foreach=True if args.foreach else None)
    loss_fn = torch.nn.MSELoss()

    batch = args.batch
    n = x_train.shape[0]
    nbatches = (n + batch - 1) // batch
    if args.limit_batches > 0:
        nbatches = min(nbatches, args.limit_batches)
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(n, generator=g)
        xs = x_train[perm].contiguous()  # shuffled up front (untimed): each step reads a contiguous slice
        model.train()
        loss_sum = torch.zeros(())
        samples = 0
        t0 = time.perf_counter()
        for b in range(nbatches):
            xb = xs[b * batch:(b + 1) * batch]
            loss = loss_fn(model(xb), xb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum += loss.detach() * xb.shape[0]
            samples += xb.shape[0]
        seconds = time.perf_counter() - t0

        model.eval()
        test_loss = None if args.no_test else evaluate(model, x_train)
        print(json.dumps({
            "epoch": epoch, "train_loss": loss_sum.item() / samples, "train_acc": None,
            "test_loss": test_loss, "test_acc": None, "seconds": seconds, "samples_per_s": samples / seconds,
            "impl": "pytorch-" + torch.__version__, "threads": args.threads, "batches": nbatches,
            "foreach": args.foreach,
        }), flush=True)


if __name__ == "__main__":
    main()
