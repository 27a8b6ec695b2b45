#!/usr/bin/python3
"""PyTorch references for recurrent models on Sequential Fashion-MNIST: benchmark peers and accuracy oracles.

Each 28x28 Fashion-MNIST image is a sequence of T=28 time steps (rows) of 28 pixels: x [N, 28, 28] = pixels / 255,
batch-first. --model picks the recurrent layer (one layer, hidden size --hidden, default 128):
  lstm    nn.LSTM                       -> Linear(H, 10) on the last step's output (h_T)
  gru     nn.GRU (PyTorch's formulation: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)))
  rnn     nn.RNN, tanh
  bilstm  bidirectional nn.LSTM         -> Linear(2H, 10) on [forward h_T, reverse h_1] (torch's h_n of both
                                           directions concatenated, forward first)
PyTorch-default init: every recurrent weight and both biases (b_ih, b_hh) ~ U(-1/sqrt(H), 1/sqrt(H)); the
Linear's weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Softmax cross-entropy, Adam (lr 0.002, betas
0.9/0.999, eps 1e-8), batch 64 (the last partial batch trains too), seed 42, shuffled every epoch; --samples N
trains on the first N training images. Prints one JSON line per epoch with the keys of `<binary> train --metrics`
(epoch, train_loss, train_acc, test_loss, test_acc, seconds, samples_per_s; + impl, threads, batches, and rnn
(the --model), hidden, blas_core); only the training steps are timed, as in the compiled binary. Run it tuned
(shared/TOOLCHAIN.md):
  OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/rnn_torch.py --model lstm --threads 1
On a CPU that Debian's OpenBLAS 0.3.21 does not know (e.g. Intel family 6 model 207, "Intel(R) Xeon(R)
Processor") it falls back to its generic SSE3 "Prescott" kernels: GEMMs run 4-7x slow, these models train 2-2.5x
slow. The script warns and records the kernel set as blas_core; add OPENBLAS_CORETYPE=SkylakeX (Haswell on
AVX2-only CPUs) to the environment.

The recurrence runs in aten::lstm / gru / rnn_tanh: a C++ loop of one addmm (64xH @ Hx4H, 3H, H) and a handful of
elementwise ops per step, each recorded by autograd; about half of a step is those small GEMMs, the rest is
elementwise ops and framework overhead. Tried on torch 1.13.1 on the 2-core VM and not kept: a second thread
(not faster in our runs: the GEMMs run on one OpenBLAS thread anyway and the elementwise ops on 64xH tensors are
too small to split), time-major input (batch_first=False with a timed transpose: bit-identical results, same
speed), torch.jit.script / trace of the model (same aten op, no gain), torch.backends.mkldnn off (aten 1.13 has no
oneDNN RNN path; no change), torch.set_flush_denormal (no change), a TorchScript LSTM cell for the CPU fuser
(Debian's torch has no LLVM backend: "LLVM Backend not found"; unfused it is 4x slower than aten::lstm).
torch.compile does not exist in torch 1.13.
"""
import argparse
import ctypes
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp_torch import DATA_DIR, load_split, train, warn_untuned  # noqa: E402

T, STEP = 28, 28  # time steps (image rows) and pixels per step


def openblas_core():
    """The kernel set OpenBLAS picked for this CPU (openblas_get_corename of the loaded library), or None."""
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "openblas" in path and ".so" in path:
            try:
                corename = ctypes.CDLL(path).openblas_get_corename
            except (OSError, AttributeError):
                return None
            corename.restype = ctypes.c_char_p
            return corename().decode()
    return None


class RecurrentClassifier(nn.Module):
    def __init__(self, kind, hidden):
        super().__init__()
        bidirectional = kind == "bilstm"
        cls = {"lstm": nn.LSTM, "bilstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind]
        extra = {"nonlinearity": "tanh"} if kind == "rnn" else {}
        self.rnn = cls(STEP, hidden, num_layers=1, bias=True, batch_first=True,
                       bidirectional=bidirectional, **extra)
        self.dense = nn.Linear(hidden * (2 if bidirectional else 1), 10)
        # PyTorch's defaults, written out: RNNBase.reset_parameters and nn.Linear's kaiming_uniform(a=sqrt(5)).
        bound = 1.0 / math.sqrt(hidden)
        for p in self.rnn.parameters():
            nn.init.uniform_(p, -bound, bound)
        bound = 1.0 / math.sqrt(self.dense.in_features)
        nn.init.uniform_(self.dense.weight, -bound, bound)
        nn.init.uniform_(self.dense.bias, -bound, bound)

    def forward(self, x):  # x: (B, T, 28) -> logits (B, 10)
        _, h = self.rnn(x)
        h_n = h[0] if isinstance(h, tuple) else h  # LSTM: (h_n, c_n); (directions, B, H)
        # Forward direction: its last step's output; reverse direction: its final state = output at t = 1.
        last = torch.cat([h_n[0], h_n[1]], 1) if h_n.shape[0] == 2 else h_n[0]
        return self.dense(last)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["lstm", "gru", "rnn", "bilstm"], default="lstm")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit-batches", type=int, default=0, help="train only this many batches per epoch")
    ap.add_argument("--samples", type=int, default=0, help="train on the first N training images (default: all)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default=DATA_DIR, help="directory of the Fashion-MNIST IDX .gz files")
    ap.add_argument("--no-test", action="store_true", help="skip the (untimed) test-set pass")
    args = ap.parse_args()

    warn_untuned("rnn_torch.py")
    core = openblas_core()
    if core == "Prescott" and "avx2" in open("/proc/cpuinfo").read():
        # OpenBLAS 0.3.21 does not know this CPU model (e.g. Intel family 6 model 207) and falls back to its
        # generic SSE3 kernels: GEMMs run 4-7x slow. OPENBLAS_CORETYPE must be set before torch is imported.
        print("rnn_torch.py: warning: OpenBLAS runs its generic 'Prescott' kernels on this AVX2/AVX-512 CPU; "
              "set OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2 only)", file=sys.stderr)
    if args.samples < 0:
        ap.error("--samples must be >= 0")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x_train, y_train = load_split(args.data, "train")
    x_test, y_test = load_split(args.data, "t10k")
    if args.samples:
        x_train, y_train = x_train[:args.samples], y_train[:args.samples]
    x_train, x_test = x_train.view(-1, T, STEP), x_test.view(-1, T, STEP)  # row t of the image = step t
    model = RecurrentClassifier(args.model, args.hidden)
    # foreach=True: the multi-tensor Adam (same math), as in mlp_torch.py.
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, foreach=True)
    # The model's name goes out as `rnn`: train() has a parameter called `model`.
    train(model, opt, x_train, y_train, x_test, y_test, args.batch, args, rnn=args.model, hidden=args.hidden,
          blas_core=core)


if __name__ == "__main__":
    main()
