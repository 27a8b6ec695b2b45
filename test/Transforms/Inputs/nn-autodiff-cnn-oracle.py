"""PyTorch oracle for the CNN gradient rules of nn-autodiff: one momentum step
of a small CNN going through conv2d (data input; then a parameter-dependent
input with stride, dilation and asymmetric padding), flip_lr, broadcast_to,
sqrt, max_pool, avg_pool, concat, dropout_mask, slice, reshape and a matmul, with a
buffer argument and an extra result (as batch norm's running statistics).

  nn-autodiff-cnn-oracle.py emit          prints the module (@loss, the
                                          @train_step declaration, @main)
  nn-autodiff-cnn-oracle.py check OUTPUT  compares the printed results with
                                          torch autograd in float64

Prints `<name> maxdiff <d> ok|FAIL`; tolerance 2e-5 + 1e-5 |torch|."""
import importlib.util
import os
import re
import sys

import torch
import torch.nn.functional as F

spec = importlib.util.spec_from_file_location(
    "cnn_exec", os.path.join(os.path.dirname(__file__), "nn-lower-to-linalg-cnn-exec.py"))
cnn_exec = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cnn_exec)

LR, MU, P_DROP = 0.1, 0.9, 0.25
HYPER = [LR, 3.0, 9.0, 0.0]  # seed 9: sample 1 is flipped, sample 0 not
PARAMS = [("w1", [3, 3, 1, 2]), ("w2", [2, 2, 2, 3]), ("s", [1, 1, 1, 3]), ("k", [16, 2])]


def inputs():
    torch.manual_seed(1)
    t = {n: torch.randn(shape) * 0.5 for n, shape in PARAMS}
    t.update({"v" + n: torch.randn(shape) * 0.1 for n, shape in PARAMS})
    t["r"] = torch.randn(2)
    t["x"] = torch.randn(2, 5, 5, 1)
    t["y"] = torch.randn(2, 2)
    t["wt"] = torch.tensor([1.0, 0.5])
    t["hyper"] = torch.tensor(HYPER)
    return t


LOSS = """
func.func private @loss(%w1: tensor<3x3x1x2xf32>, %w2: tensor<2x2x2x3xf32>, %s: tensor<1x1x1x3xf32>,
                        %k: tensor<16x2xf32>, %r: tensor<2xf32>, %x: tensor<2x5x5x1xf32>,
                        %y: tensor<2x2xf32>, %wt: tensor<2xf32>, %hyper: tensor<4xf32>)
    -> (tensor<f32>, tensor<2x2xf32>, tensor<2xf32>) attributes {nn.loss} {
  %a = nn.conv2d %x, %w1 {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x5x5x1xf32>, tensor<3x3x1x2xf32> -> tensor<2x5x5x2xf32>
  %f = nn.flip_lr %a, %hyper {salt = 1 : i64} : tensor<2x5x5x2xf32>, tensor<4xf32> -> tensor<2x5x5x2xf32>
  %b = nn.conv2d %f, %w2 {stride = array<i64: 2, 1>, dilation = array<i64: 1, 2>, padding = array<i64: 0, 1, 0, 0>}
      : tensor<2x5x5x2xf32>, tensor<2x2x2x3xf32> -> tensor<2x3x3x3xf32>
  %sb = nn.broadcast_to %s : tensor<1x1x1x3xf32> -> tensor<2x3x3x3xf32>
  %c = nn.add %b, %sb : tensor<2x3x3x3xf32>, tensor<2x3x3x3xf32> -> tensor<2x3x3x3xf32>
  %cc = nn.mul %c, %c : tensor<2x3x3x3xf32>, tensor<2x3x3x3xf32> -> tensor<2x3x3x3xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %cc1 = nn.add %cc, %one : tensor<2x3x3x3xf32>, tensor<f32> -> tensor<2x3x3x3xf32>
  %q = nn.sqrt %cc1 : tensor<2x3x3x3xf32>
  %m = nn.max_pool %q {kernel = array<i64: 2, 2>, stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
      : tensor<2x3x3x3xf32> -> tensor<2x2x2x3xf32>
  %v = nn.avg_pool %c {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x3x3x3xf32> -> tensor<2x2x2x3xf32>
  %cat = nn.concat %m, %v {axis = 3 : i64} : tensor<2x2x2x3xf32>, tensor<2x2x2x3xf32> -> tensor<2x2x2x6xf32>
  %mask = nn.dropout_mask %hyper {p = %P_DROP% : f32, salt = 2 : i64} : tensor<4xf32> -> tensor<2x2x2x6xf32>
  %d = nn.mul %cat, %mask : tensor<2x2x2x6xf32>, tensor<2x2x2x6xf32> -> tensor<2x2x2x6xf32>
  %sl = nn.slice %d {axis = 3 : i64, offset = 1 : i64} : tensor<2x2x2x6xf32> -> tensor<2x2x2x4xf32>
  %flat = nn.reshape %sl : tensor<2x2x2x4xf32> -> tensor<2x16xf32>
  %out = nn.matmul %flat, %k : tensor<2x16xf32>, tensor<16x2xf32> -> tensor<2x2xf32>
  %l = nn.mse %out, %y : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %wt : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  %r2 = nn.add %r, %l : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %loss, %out, %r2 : tensor<f32>, tensor<2x2xf32>, tensor<2xf32>
}
""".replace("%P_DROP%", str(P_DROP))


def ty(shape):
    return "tensor<%sxf32>" % "x".join(map(str, shape)) if shape else "tensor<f32>"


def emit():
    t = inputs()
    ptypes = [ty(s) for _, s in PARAMS]
    atypes = [ty(t[n].shape) for n in ("r", "x", "y", "wt", "hyper")]
    rtypes = ["tensor<f32>", "tensor<2x2xf32>"] + ptypes + ptypes + ["tensor<2xf32>"]
    print("func.func private @printMemrefF32(memref<*xf32>)")
    print("func.func @print(%t: tensor<*xf32>) {\n  %m = bufferization.to_memref %t : memref<*xf32>")
    print("  call @printMemrefF32(%m) : (memref<*xf32>) -> ()\n  return\n}")
    print(LOSS)
    print("func.func private @train_step(%s) -> (%s)" % (", ".join(ptypes * 2 + atypes), ", ".join(rtypes)))
    print('    attributes {nn.grad_of = @loss, nn.num_params = %d : i64,' % len(PARAMS))
    print('                nn.optimizer = {kind = "momentum", momentum = %s : f32}}' % MU)
    print("func.func @main() {")
    names = [n for n, _ in PARAMS] + ["v" + n for n, _ in PARAMS] + ["r", "x", "y", "wt", "hyper"]
    for n in names:
        print(f"  %{n} = arith.constant dense<{t[n].tolist()!r}> : {ty(t[n].shape)}")
    print("  %%res:%d = call @train_step(%s) : (%s) -> (%s)" % (
        len(rtypes), ", ".join("%" + n for n in names), ", ".join(ptypes * 2 + atypes), ", ".join(rtypes)))
    for i, rt in enumerate(rtypes):
        print(f"  %u{i} = tensor.cast %res#{i} : {rt} to tensor<*xf32>")
        print(f"  call @print(%u{i}) : (tensor<*xf32>) -> ()")
    print("  return\n}")


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def check(path):
    t = {n: v.double() for n, v in inputs().items()}
    P = {n: t[n].clone().requires_grad_() for n, _ in PARAMS}
    conv = lambda x, w, s, d, pad: nhwc(F.conv2d(F.pad(nchw(x), (pad[2], pad[3], pad[0], pad[1])),
                                                 w.permute(3, 2, 0, 1), stride=s, dilation=d))
    a = conv(t["x"], P["w1"], 1, 1, (1, 1, 1, 1))
    f = cnn_exec.flip_ref(a, HYPER, 1)
    b = conv(f, P["w2"], (2, 1), (1, 2), (0, 1, 0, 0))
    c = b + P["s"]
    q = torch.sqrt(c * c + 1)
    m = nhwc(F.max_pool2d(nchw(q), 2, 1))
    v = nhwc(F.avg_pool2d(F.pad(nchw(c), (1, 1, 1, 1)), 3, 2))
    mask = cnn_exec.dropout_ref(HYPER, 2, P_DROP, [2, 2, 2, 6]).double()
    out = (torch.cat([m, v], 3) * mask)[..., 1:5].reshape(2, 16) @ P["k"]
    l = ((out - t["y"]) ** 2).mean(1)
    loss = (l * t["wt"]).sum() / t["wt"].sum()
    loss.backward()
    expected = [("loss", loss), ("out", out)]
    vs = [MU * t["v" + n] + P[n].grad for n, _ in PARAMS]
    expected += [(n, P[n] - LR * vn) for (n, _), vn in zip(PARAMS, vs)]
    expected += [("v" + n, vn) for (n, _), vn in zip(PARAMS, vs)]
    expected += [("r2", t["r"] + l)]
    blocks = re.findall(r"data = \n(.*?)(?=Unranked|\Z)", open(path).read(), re.S)
    if len(blocks) != len(expected):
        sys.exit(f"FAIL: expected {len(expected)} printed tensors, got {len(blocks)}")
    for (name, ref), block in zip(expected, blocks):
        got = torch.tensor([float(x) for x in re.findall(r"[-+0-9.eEinfa]+", block)],
                           dtype=torch.float64)
        ref = ref.detach().flatten()
        ok = got.numel() == ref.numel() and bool((got - ref).abs().le(2e-5 + 1e-5 * ref.abs()).all())
        diff = (got - ref).abs().max().item() if got.numel() == ref.numel() else float("nan")
        print(f"{name} maxdiff {diff:.3g} {'ok' if ok else 'FAIL'}")
    # The random ops must not be identities here, or their rules go untested.
    flips = [cnn_exec.stream_hash(HYPER, 1, n) >> 31 for n in range(2)]
    print(f"flipped samples {flips} {'ok' if 0 < sum(flips) < 2 else 'FAIL'}")
    dropped = int((mask == 0).sum())
    print(f"dropped {dropped} of {mask.numel()} {'ok' if 0 < dropped < mask.numel() else 'FAIL'}")


if __name__ == "__main__":
    emit() if sys.argv[1] == "emit" else check(sys.argv[2])
