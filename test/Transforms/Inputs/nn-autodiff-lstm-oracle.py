"""torch.nn.LSTM as the oracle of an LSTM written as nn.scan (nn-autodiff-lstm-oracle.test).
`emit` prints an MLIR module whose @loss runs an LSTM in PyTorch's layout and gate order (weight_ih [4H, I],
weight_hh [4H, H], bias_ih, bias_hh [4H]; i, f, g, o from one nn.split of the [B, 4H] pre-activations) with
learned initial states h0, c0, and a loss on both the whole output sequence and the final cell state; @main
takes one SGD step and prints the loss and every updated parameter. `check OUTPUT` runs the same step with
torch.nn.LSTM (float64) and prints `<name> maxdiff <d> ok|FAIL`; tolerance 2e-5 + 1e-5 |torch|.
Usage: nn-autodiff-lstm-oracle.py emit | check OUTPUT"""
import math
import sys
import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import compare, emit_step, nested, ty  # noqa: E402

B, T, I, H = 3, 4, 5, 6
LR = 0.5
PARAMS = [("Wih", [4 * H, I]), ("Whh", [4 * H, H]), ("bih", [4 * H]), ("bhh", [4 * H]),
          ("h0", [B, H]), ("c0", [B, H]), ("V", [H, 2])]
DATA = [("xs", [B, T, I]), ("y", [B, T, 2]), ("yc", [B, H])]


def values(shape, k):
    n = math.prod(shape)
    return [round(0.5 * math.sin(1.3 * i + 0.7 * k) + 0.05 * math.cos(0.2 * i * k), 4) for i in range(n)]


def emit():
    g4, bh, bi = ty([B, 4 * H]), ty([B, H]), ty([B, I])
    args = ", ".join(f"%{n}: {ty(s)}" for n, s in PARAMS + DATA)
    print(f"""func.func private @loss({args}, %w: tensor<{B}xf32>, %hyper: tensor<4xf32>)
    -> (tensor<f32>, {ty([B, T, 2])}) attributes {{nn.loss}} {{
  %hs, %hT, %cT = nn.scan(%xs : {ty([B, T, I])}) carry(%h0, %c0 : {bh}, {bh})
      {{length = {T} : i64}} -> ({ty([B, T, H])}, {bh}, {bh}) {{
  ^bb0(%t: tensor<f32>, %x: {bi}, %h: {bh}, %c: {bh}):
    %xw = nn.matmul %x, %Wih {{transpose_b}} : {bi}, {ty([4 * H, I])} -> {g4}
    %hw = nn.matmul %h, %Whh {{transpose_b}} : {bh}, {ty([4 * H, H])} -> {g4}
    %z0 = nn.add %xw, %bih : {g4}, {ty([4 * H])} -> {g4}
    %z1 = nn.add %hw, %bhh : {g4}, {ty([4 * H])} -> {g4}
    %z = nn.add %z0, %z1 : {g4}, {g4} -> {g4}
    %zi, %zf, %zg, %zo = nn.split %z {{axis = 1 : i64}} : {g4} -> {bh}, {bh}, {bh}, {bh}
    %i = nn.sigmoid %zi : {bh}
    %f = nn.sigmoid %zf : {bh}
    %g = nn.tanh %zg : {bh}
    %o = nn.sigmoid %zo : {bh}
    %fc = nn.mul %f, %c : {bh}, {bh} -> {bh}
    %ig = nn.mul %i, %g : {bh}, {bh} -> {bh}
    %c2 = nn.add %fc, %ig : {bh}, {bh} -> {bh}
    %tc = nn.tanh %c2 : {bh}
    %h2 = nn.mul %o, %tc : {bh}, {bh} -> {bh}
    nn.yield %h2, %h2, %c2 : {bh}, {bh}, {bh}
  }}
  %flat = nn.reshape %hs : {ty([B, T, H])} -> {ty([B * T, H])}
  %p = nn.matmul %flat, %V : {ty([B * T, H])}, {ty([H, 2])} -> {ty([B * T, 2])}
  %out = nn.reshape %p : {ty([B * T, 2])} -> {ty([B, T, 2])}
  %l1 = nn.mse %out, %y : {ty([B, T, 2])}, {ty([B, T, 2])} -> tensor<{B}xf32>
  %l2 = nn.mse %cT, %yc : {bh}, {bh} -> tensor<{B}xf32>
  %l = nn.add %l1, %l2 : tensor<{B}xf32>, tensor<{B}xf32> -> tensor<{B}xf32>
  %loss = nn.weighted_mean %l, %w : tensor<{B}xf32>, tensor<{B}xf32> -> tensor<f32>
  return %loss, %out : tensor<f32>, {ty([B, T, 2])}
}}""")
    emit_step(PARAMS, DATA, B, LR, [B, T, 2], values)


def check(out):
    import torch
    t = {n: torch.tensor(nested(values(s, k + 1), s), dtype=torch.float64)
         for k, (n, s) in enumerate(PARAMS + DATA)}
    lstm = torch.nn.LSTM(I, H, batch_first=True).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(t["Wih"])
        lstm.weight_hh_l0.copy_(t["Whh"])
        lstm.bias_ih_l0.copy_(t["bih"])
        lstm.bias_hh_l0.copy_(t["bhh"])
    h0 = t["h0"].clone().requires_grad_()
    c0 = t["c0"].clone().requires_grad_()
    V = t["V"].clone().requires_grad_()
    hs, (hT, cT) = lstm(t["xs"], (h0[None], c0[None]))
    out_ = hs @ V
    loss = (((out_ - t["y"]) ** 2).mean((1, 2)) + ((cT[0] - t["yc"]) ** 2).mean(1)).mean()
    loss.backward()
    grads = {"Wih": lstm.weight_ih_l0.grad, "Whh": lstm.weight_hh_l0.grad, "bih": lstm.bias_ih_l0.grad,
             "bhh": lstm.bias_hh_l0.grad, "h0": h0.grad, "c0": c0.grad, "V": V.grad}
    expected = [("loss", loss.detach())] + [(n, t[n] - LR * grads[n]) for n, _ in PARAMS]
    compare(expected, out)


if __name__ == "__main__":
    emit() if sys.argv[1] == "emit" else check(open(sys.argv[2]).read())
