#!/usr/bin/python3
"""PyTorch reference for examples/charlm.nn: the same character model on the same stream, the benchmark peer.

The text file (default /usr/share/games/fortunes/cookie) is read as nnc's runtime reads `text(...)` data
(runtime/Data.cpp): bytes tab, newline and ' '..'~' are classes 0, 1, 2..96, other bytes are skipped; the first
90% of the classes train, the rest test. A stream of n classes is cut into B rows of (n - 1) / B consecutive
characters and batch s holds positions [sT, sT + T) of every row, one-hot inputs, the next characters as labels;
the LSTM starts each batch from the (detached) state the previous one ended with, zeros at the start of every
epoch and of the test pass. Model: nn.LSTM(97, H) -> Linear(H, 97), PyTorch-default init, cross-entropy over all
positions, clip_grad_norm_(5), Adam (lr 0.002), no shuffling. Prints one JSON line per epoch with the keys of
`<binary> train --metrics` (train_loss, train_bpc, test_loss, test_bpc, seconds, samples_per_s: sequences of T
characters per second of training steps) plus impl, threads, blas_core. Run it tuned:
  OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/charlm_torch.py --threads 1
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp_torch import warn_untuned  # noqa: E402
from rnn_torch import openblas_core  # noqa: E402

V = 97


def read_stream(path):
    data = open(path, "rb").read()
    classes = [0 if c == 9 else 1 if c == 10 else c - 30 for c in data if c in (9, 10) or 32 <= c <= 126]
    return torch.tensor(classes, dtype=torch.int64)


def batches(stream, b, t):
    row = (len(stream) - 1) // b
    rows = stream[:b * row].view(b, row)
    nexts = stream[1:b * row + 1].view(b, row)  # row i's next characters (row i + 1's first ends row i)
    for s in range(row // t):
        yield rows[:, s * t:(s + 1) * t], nexts[:, s * t:(s + 1) * t]


class CharLM(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.lstm = nn.LSTM(V, hidden, batch_first=True)
        self.dense = nn.Linear(hidden, V)
        bound = 1.0 / math.sqrt(hidden)
        for p in self.lstm.parameters():
            nn.init.uniform_(p, -bound, bound)
        nn.init.uniform_(self.dense.weight, -bound, bound)
        nn.init.uniform_(self.dense.bias, -bound, bound)

    def forward(self, x, state):
        h, state = self.lstm(x, state)
        return self.dense(h), state


def run_pass(model, stream, args, opt=None, limit=0):
    """One pass over a stream (training when opt is given); returns (mean loss, steps, timed seconds)."""
    state, losses, seconds = None, [], 0.0
    eye = torch.eye(V)
    for k, (xi, yi) in enumerate(batches(stream, args.batch, args.seq_len)):
        if limit and k >= limit:
            break
        x = eye[xi]  # one-hot [B, T, V], built untimed
        t0 = time.perf_counter()
        if opt is None:
            with torch.no_grad():
                logits, state = model(x, state)
                loss = nn.functional.cross_entropy(logits.reshape(-1, V), yi.reshape(-1))
        else:
            logits, state = model(x, state)
            loss = nn.functional.cross_entropy(logits.reshape(-1, V), yi.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            state = tuple(s.detach() for s in state)
        seconds += time.perf_counter() - t0
        losses.append(loss.item())
    return sum(losses) / len(losses), len(losses), seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--text", default="/usr/share/games/fortunes/cookie")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--seq-len", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--limit-batches", type=int, default=0)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-test", action="store_true", help="skip the (untimed) test pass")
    args = ap.parse_args()

    warn_untuned("charlm_torch.py")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    stream = read_stream(args.text)
    cut = int(len(stream) * 0.9)
    train, test = stream[:cut], stream[cut:]
    model = CharLM(args.hidden)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, foreach=True)
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        loss, steps, seconds = run_pass(model, train, args, opt, args.limit_batches)
        rec = dict(epoch=epoch, train_loss=loss, train_bpc=loss / math.log(2))
        if not args.no_test:
            model.eval()
            test_loss, _, _ = run_pass(model, test, args)
            rec.update(test_loss=test_loss, test_bpc=test_loss / math.log(2))
        rec.update(seconds=time.perf_counter() - t0, samples_per_s=steps * args.batch / seconds, impl="pytorch",
                   threads=args.threads, blas_core=openblas_core())
        print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
