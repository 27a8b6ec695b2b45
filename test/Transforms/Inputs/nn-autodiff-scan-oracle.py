"""PyTorch oracle for nn-autodiff-scan-oracle.test: gradients through nn.scan.
`emit` prints an MLIR module whose @loss runs two scans (the first with two
states h, c, a gated cell that also reads the step index t, on a sequence
that depends on a parameter; the second reversed over the first's stacked
outputs, one state) and whose @main takes one SGD step and prints the loss
and the updated parameters. `check OUTPUT` recomputes the step with torch
autograd (float64) and prints `<name> maxdiff <d> ok|FAIL` per tensor; the
tolerance is |ours - torch| <= 2e-5 + 1e-5 |torch| (6 printed digits).
Usage: nn-autodiff-scan-oracle.py emit | check OUTPUT [--truncate K]"""
import math
import sys
import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import compare, emit_step, nested, ty  # noqa: E402

B, T, D, H, O = 2, 3, 4, 5, 3
LR = 0.5


def values(shape, k):
    n = math.prod(shape)
    return [round(0.6 * math.sin(1.7 * i + k) + 0.1 * math.cos(0.3 * i * k), 4) for i in range(n)]


# name, shape: parameters in @loss argument order, then the data.
PARAMS = [("P", [T, D]), ("U", [D, H]), ("W", [H, H]), ("Q", [H, H]), ("V", [H, O]), ("K", [H, O])]
DATA = [("xs", [B, T, D]), ("y", [B, O])]


def emit():
    p = {n: s for n, s in PARAMS}
    args = ", ".join(f"%{n}: {ty(s)}" for n, s in PARAMS + DATA)
    print(f"""func.func private @loss({args}, %w: tensor<{B}xf32>, %hyper: tensor<4xf32>)
    -> (tensor<f32>, {ty([B, O])}) attributes {{nn.loss}} {{
  %seq = nn.mul %xs, %P : {ty([B, T, D])}, {ty(p['P'])} -> {ty([B, T, D])}
  %h0 = arith.constant dense<0.25> : {ty([B, H])}
  %c0 = arith.constant dense<-0.5> : {ty([B, H])}
  %hs, %hT, %cT = nn.scan(%seq : {ty([B, T, D])}) carry(%h0, %c0 : {ty([B, H])}, {ty([B, H])})
      {{length = {T} : i64}} -> ({ty([B, T, H])}, {ty([B, H])}, {ty([B, H])}) {{
  ^bb0(%t: tensor<f32>, %x: {ty([B, D])}, %h: {ty([B, H])}, %c: {ty([B, H])}):
    %xu = nn.matmul %x, %U : {ty([B, D])}, {ty([D, H])} -> {ty([B, H])}
    %hw = nn.matmul %h, %W : {ty([B, H])}, {ty([H, H])} -> {ty([B, H])}
    %a0 = nn.add %xu, %hw : {ty([B, H])}, {ty([B, H])} -> {ty([B, H])}
    %tenth = arith.constant dense<0.1> : tensor<f32>
    %s = nn.mul %t, %tenth : tensor<f32>, tensor<f32> -> tensor<f32>
    %a = nn.add %a0, %s : {ty([B, H])}, tensor<f32> -> {ty([B, H])}
    %f = nn.sigmoid %a : {ty([B, H])}
    %g = nn.tanh %a0 : {ty([B, H])}
    %fc = nn.mul %f, %c : {ty([B, H])}, {ty([B, H])} -> {ty([B, H])}
    %fg = nn.mul %f, %g : {ty([B, H])}, {ty([B, H])} -> {ty([B, H])}
    %c1 = nn.add %fc, %g : {ty([B, H])}, {ty([B, H])} -> {ty([B, H])}
    %c2 = nn.sub %c1, %fg : {ty([B, H])}, {ty([B, H])} -> {ty([B, H])}
    %tc = nn.tanh %c2 : {ty([B, H])}
    %h2 = nn.mul %tc, %f : {ty([B, H])}, {ty([B, H])} -> {ty([B, H])}
    nn.yield %h2, %h2, %c2 : {ty([B, H])}, {ty([B, H])}, {ty([B, H])}
  }}
  %r0 = arith.constant dense<0.0> : {ty([B, H])}
  %rT = nn.scan(%hs : {ty([B, T, H])}) carry(%r0 : {ty([B, H])}) {{length = {T} : i64, reverse}}
      -> ({ty([B, H])}) {{
  ^bb0(%t: tensor<f32>, %x: {ty([B, H])}, %r: {ty([B, H])}):
    %xq = nn.matmul %x, %Q : {ty([B, H])}, {ty([H, H])} -> {ty([B, H])}
    %sum = nn.add %xq, %r : {ty([B, H])}, {ty([B, H])} -> {ty([B, H])}
    %r2 = nn.tanh %sum : {ty([B, H])}
    nn.yield %r2 : {ty([B, H])}
  }}
  %o1 = nn.matmul %rT, %V : {ty([B, H])}, {ty([H, O])} -> {ty([B, O])}
  %o2 = nn.matmul %cT, %K : {ty([B, H])}, {ty([H, O])} -> {ty([B, O])}
  %o3 = nn.matmul %hT, %K : {ty([B, H])}, {ty([H, O])} -> {ty([B, O])}
  %o12 = nn.add %o1, %o2 : {ty([B, O])}, {ty([B, O])} -> {ty([B, O])}
  %out = nn.add %o12, %o3 : {ty([B, O])}, {ty([B, O])} -> {ty([B, O])}
  %l = nn.mse %out, %y : {ty([B, O])}, {ty([B, O])} -> tensor<{B}xf32>
  %loss = nn.weighted_mean %l, %w : tensor<{B}xf32>, tensor<{B}xf32> -> tensor<f32>
  return %loss, %out : tensor<f32>, {ty([B, O])}
}}""")
    emit_step(PARAMS, DATA, B, LR, [B, O], values,
              f", nn.truncate = {TRUNCATE} : i64" if TRUNCATE else "")


def check(out):
    import torch
    P = {n: torch.tensor(nested(values(s, k + 1), s), dtype=torch.float64, requires_grad=True)
         for k, (n, s) in enumerate(PARAMS)}
    xs = torch.tensor(nested(values([B, T, D], len(PARAMS) + 1), [B, T, D]), dtype=torch.float64)
    y = torch.tensor(nested(values([B, O], len(PARAMS) + 2), [B, O]), dtype=torch.float64)
    seq = xs * P["P"]
    h = torch.full((B, H), 0.25, dtype=torch.float64)
    c = torch.full((B, H), -0.5, dtype=torch.float64)
    hs = []
    for t in range(T):
        if TRUNCATE and t > 0 and t % TRUNCATE == 0:  # truncated BPTT: no gradient into earlier steps
            h, c = h.detach(), c.detach()
        a0 = seq[:, t] @ P["U"] + h @ P["W"]
        f = torch.sigmoid(a0 + 0.1 * t)
        g = torch.tanh(a0)
        c = f * c + g - f * g
        h = torch.tanh(c) * f
        hs.append(h)
    r = torch.zeros(B, H, dtype=torch.float64)
    for i, t in enumerate(reversed(range(T))):
        if TRUNCATE and i > 0 and i % TRUNCATE == 0:
            r = r.detach()
        r = torch.tanh(hs[t] @ P["Q"] + r)
    out_ = r @ P["V"] + c @ P["K"] + h @ P["K"]
    loss = ((out_ - y) ** 2).mean(1).mean()
    loss.backward()
    expected = [("loss", loss.detach())] + [(n, P[n].detach() - LR * P[n].grad) for n, _ in PARAMS]
    compare(expected, out)


if __name__ == "__main__":
    # `--truncate K` (last): truncated BPTT, nn.truncate = K on the train step, PyTorch detaching the states
    # entering every K-th step (in loop order) after the first.
    TRUNCATE = int(sys.argv[-1]) if "--truncate" in sys.argv else 0
    emit() if sys.argv[1] == "emit" else check(open(sys.argv[2]).read())
