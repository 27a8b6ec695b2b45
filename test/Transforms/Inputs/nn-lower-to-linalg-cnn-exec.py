"""Numerics of the CNN ops' lowering (conv2d and its gradients, pools and their
gradients, reshape, concat, slice, broadcast_to, sqrt) against PyTorch 1.13,
and of the random ops (dropout_mask, flip_lr) against a Python copy of the
hash in docs/internals.md ("Random streams").

  nn-lower-to-linalg-cnn-exec.py emit          prints an MLIR module whose @main
                                               runs every case and prints each
                                               result with printMemrefF32
  nn-lower-to-linalg-cnn-exec.py check OUTPUT  recomputes the results and
                                               compares them with OUTPUT

Inputs are seeded multiples of 1/8 (pool inputs small integers, so windows
have ties: the gradient must go to the first maximum, as in PyTorch).
Tolerance |ours - ref| <= 2e-5 + 1e-5 |ref| (the runner prints 6 digits)."""
import re
import struct
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def rand(*shape):
    return (torch.randint(-16, 17, shape) / 8.0).float()


def ints(*shape):
    return torch.randint(-2, 3, shape).float()


# (name, N, H, W, C, F, KH, KW, stride, dilation, padding [t, b, l, r])
CONVS = [
    ("conv3x3_same", 2, 5, 5, 3, 4, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
    ("conv2x2_asym_pad", 1, 4, 5, 2, 3, 2, 2, (1, 1), (1, 1), (0, 1, 1, 0)),
    ("conv3x3_stride2", 2, 6, 7, 2, 3, 3, 3, (2, 2), (1, 1), (1, 0, 1, 1)),
    ("conv3x3_dilation2", 1, 7, 6, 2, 2, 3, 3, (1, 1), (2, 2), (2, 2, 1, 2)),
    ("conv1x3", 2, 4, 5, 3, 2, 1, 3, (1, 1), (1, 1), (0, 0, 1, 1)),
    ("conv3x1_stride2x1", 1, 6, 4, 2, 3, 3, 1, (2, 1), (1, 1), (1, 1, 0, 0)),
    ("conv1x1", 2, 3, 4, 5, 3, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0)),
    ("conv1x1_stride2", 1, 5, 5, 2, 3, 1, 1, (2, 2), (1, 1), (0, 0, 0, 0)),
    # One input channel: the input gradient's col2im drops C (adds vectorized along W).
    ("conv3x3_gray", 2, 6, 5, 1, 4, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
    ("conv3x3_gray_s2_d2", 1, 9, 8, 1, 3, 3, 3, (2, 2), (2, 1), (2, 1, 0, 1)),
    # Weight gradients whose im2col exceeds a chunk (1 MiB): accumulated over chunks of 1 image in two
    # halves of the batch (an even batch: 512 KiB chunks), of 3 output rows (5x5), of 1 output row in two
    # halves (5x5, batch 2), of 1 output row (stride 2, dilation 2, asymmetric padding: 17 chunks).
    ("conv3x3_dw_chunk_images", 4, 16, 16, 32, 4, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
    ("conv5x5_dw_chunk_rows", 1, 24, 24, 128, 4, 5, 5, (1, 1), (1, 1), (2, 2, 2, 2)),
    ("conv5x5_dw_halves_rows", 2, 24, 24, 128, 4, 5, 5, (1, 1), (1, 1), (2, 2, 2, 2)),
    ("conv3x3_s2_d2_dw_chunk_rows", 1, 34, 34, 256, 4, 3, 3, (2, 2), (2, 2), (2, 1, 2, 1)),
    # 3x3 stride-1 convolutions with >= 16 channels in and out and even outputs run as Winograd
    # F(2x2, 3x3), forward and input gradient, and F(3x3, 2x2), weight gradient: an odd batch (no halves, F = 20 not a multiple of the
    # vector width), valid padding, and chunks of 4 tile rows in two halves of the batch.
    ("conv3x3_winograd", 3, 4, 6, 16, 20, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
    ("conv3x3_winograd_valid", 2, 6, 8, 16, 16, 3, 3, (1, 1), (1, 1), (0, 0, 0, 0)),
    ("conv3x3_winograd_rows", 2, 16, 16, 128, 128, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
    # Chunks of one image, two per half; 7 tile rows (prime) in chunks of one; padding 2 (dy not padded
    # for dx); asymmetric padding (odd input: dx takes the direct convolution).
    ("conv3x3_winograd_images", 4, 16, 16, 40, 40, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
    ("conv3x3_winograd_prime_rows", 1, 14, 14, 96, 80, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
    ("conv3x3_winograd_pad2", 2, 4, 4, 16, 16, 3, 3, (1, 1), (1, 1), (2, 2, 2, 2)),
    ("conv3x3_winograd_asym", 2, 7, 7, 16, 16, 3, 3, (1, 1), (1, 1), (1, 0, 1, 0)),
]
# (name, N, H, W, C, KH, KW, stride, padding)
POOLS = [
    ("pool2x2_s2", 2, 4, 4, 3, 2, 2, (2, 2), (0, 0, 0, 0)),
    ("pool3x3_s1_pad1", 1, 5, 5, 2, 3, 3, (1, 1), (1, 1, 1, 1)),
    ("pool3x3_s2_asym", 2, 6, 7, 2, 3, 3, (2, 2), (1, 0, 2, 1)),
    ("pool2x3_s1x2", 1, 4, 7, 3, 2, 3, (1, 2), (0, 1, 0, 2)),
    ("pool_global5x3", 2, 5, 3, 4, 5, 3, (5, 3), (0, 0, 0, 0)),
]
# (name, hyper, salt, p, shape)
DROPOUTS = [
    ("dropout_p0.3", [0.1, 1.0, 42.0, 0.0], 7, 0.3, [64, 1000]),
    ("dropout_same", [0.1, 1.0, 42.0, 0.0], 7, 0.3, [64, 1000]),
    ("dropout_salt8", [0.1, 1.0, 42.0, 0.0], 8, 0.3, [64, 1000]),
    ("dropout_step2_p0.5", [0.1, 2.0, 42.0, 0.0], 7, 0.5, [3, 5, 7]),
]
FLIPS = [("flip_lr", [0.1, 3.0, 12345.0, 0.0], 5, [16, 2, 3, 2])]


def nchw(x):  # [N, H, W, C] -> [N, C, H, W]
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def torch_pad(p):  # [t, b, l, r] -> F.pad's (l, r, t, b)
    return (p[2], p[3], p[0], p[1])


def conv_ref(x, w, stride, dil, pad, dy):
    x = x.clone().requires_grad_()
    w = w.clone().requires_grad_()
    y = F.conv2d(F.pad(nchw(x), torch_pad(pad)), w.permute(3, 2, 0, 1),
                 stride=stride, dilation=dil)
    y = nhwc(y)
    y.backward(dy)
    return y.detach(), x.grad, w.grad


def pool_ref(kind, x, k, stride, pad, dy):
    x = x.clone().requires_grad_()
    fill = float("-inf") if kind == "max" else 0.0
    xp = F.pad(nchw(x), torch_pad(pad), value=fill)
    fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    y = nhwc(fn(xp, k, stride))
    y.backward(dy)
    return y.detach(), x.grad


def out_size(h, k, s, d, lo, hi):
    return (h + lo + hi - d * (k - 1) - 1) // s + 1


def fmix32(h):
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


def stream_hash(hyper, salt, i):
    key = (int(hyper[1]) * 0x9E3779B1) ^ (int(hyper[2]) * 0x85EBCA77) \
        ^ (salt * 0xC2B2AE3D) ^ i
    return fmix32(key & 0xFFFFFFFF)


def f32(v):
    return struct.unpack("f", struct.pack("f", v))[0]


def dropout_ref(hyper, salt, p, shape):
    n = 1
    for s in shape:
        n *= s
    scale = f32(1.0 / (1.0 - f32(p)))
    vals = [scale if (stream_hash(hyper, salt, i) >> 8) * 2.0 ** -24 >= f32(p)
            else 0.0 for i in range(n)]
    return torch.tensor(vals).reshape(shape)


def flip_ref(x, hyper, salt):
    out = x.clone()
    for n in range(x.shape[0]):
        if stream_hash(hyper, salt, n) >> 31:
            out[n] = x[n].flip(1)
    return out


# Every case as (name, mlir lines computing %name from constants, reference).
def cases():
    torch.manual_seed(0)
    for (name, n, h, w, c, f, kh, kw, s, d, p) in CONVS:
        oh = out_size(h, kh, s[0], d[0], p[0], p[1])
        ow = out_size(w, kw, s[1], d[1], p[2], p[3])
        x, wt, dy = rand(n, h, w, c), rand(kh, kw, c, f), rand(n, oh, ow, f)
        y, dx, dw = conv_ref(x, wt, s, d, p, dy)
        attrs = ("{stride = array<i64: %d, %d>, dilation = array<i64: %d, %d>, "
                 "padding = array<i64: %d, %d, %d, %d>}" % (*s, *d, *p))
        yield (name, [("x", x), ("w", wt), ("dy", dy)], [
            ("y", f"nn.conv2d %x, %w {attrs} : {ty(x)}, {ty(wt)} -> {ty(y)}", y),
            ("dx", f"nn.conv2d_grad_input %dy, %w {attrs} : {ty(dy)}, {ty(wt)} -> {ty(dx)}", dx),
            ("dw", f"nn.conv2d_grad_filter %x, %dy {attrs} : {ty(x)}, {ty(dy)} -> {ty(dw)}", dw),
        ])
    for (name, n, h, w, c, kh, kw, s, p) in POOLS:
        oh = out_size(h, kh, s[0], 1, p[0], p[1])
        ow = out_size(w, kw, s[1], 1, p[2], p[3])
        x, dy = ints(n, h, w, c), rand(n, oh, ow, c)
        my, mdx = pool_ref("max", x, (kh, kw), s, p, dy)
        ay, adx = pool_ref("avg", x, (kh, kw), s, p, dy)
        attrs = ("{kernel = array<i64: %d, %d>, stride = array<i64: %d, %d>, "
                 "padding = array<i64: %d, %d, %d, %d>}" % (kh, kw, *s, *p))
        yield (name, [("x", x), ("dy", dy)], [
            ("max", f"nn.max_pool %x {attrs} : {ty(x)} -> {ty(my)}", my),
            ("max_dx", f"nn.max_pool_grad %x, %dy {attrs} : {ty(x)}, {ty(dy)} -> {ty(x)}", mdx),
            ("avg", f"nn.avg_pool %x {attrs} : {ty(x)} -> {ty(ay)}", ay),
            ("avg_dx", f"nn.avg_pool_grad %dy {attrs} : {ty(dy)} -> {ty(x)}", adx),
        ])
    x = rand(2, 3, 4, 5)
    a, b = rand(2, 3, 1, 5), rand(2, 3, 2, 5)
    r = rand(1, 4)
    q = (torch.rand(2, 6) * 10).float()
    yield ("shapes", [("x", x), ("a", a), ("b", b), ("r", r), ("q", q)], [
        ("flatten", f"nn.reshape %x : {ty(x)} -> tensor<2x60xf32>", x.reshape(2, 60)),
        ("regroup", f"nn.reshape %x : {ty(x)} -> tensor<6x4x5xf32>", x.reshape(6, 4, 5)),
        ("split", f"nn.reshape %x : {ty(x)} -> tensor<4x3x10xf32>", x.reshape(4, 3, 10)),
        ("concat_w", f"nn.concat %a, %x, %b {{axis = 2 : i64}} : {ty(a)}, {ty(x)}, {ty(b)} -> tensor<2x3x7x5xf32>",
         torch.cat([a, x, b], 2)),
        ("concat_n", f"nn.concat %x, %x {{axis = 0 : i64}} : {ty(x)}, {ty(x)} -> tensor<4x3x4x5xf32>",
         torch.cat([x, x], 0)),
        ("slice", f"nn.slice %x {{axis = 2 : i64, offset = 1 : i64}} : {ty(x)} -> tensor<2x3x2x5xf32>",
         x[:, :, 1:3]),
        ("slice_c", f"nn.slice %x {{axis = 3 : i64, offset = 4 : i64}} : {ty(x)} -> tensor<2x3x4x1xf32>",
         x[..., 4:5]),
        ("broadcast_to", f"nn.broadcast_to %r : {ty(r)} -> tensor<3x2x4xf32>", r.expand(3, 2, 4)),
        ("sqrt", f"nn.sqrt %q : {ty(q)}", torch.sqrt(q)),
    ])
    for (name, hyper, salt, p, shape) in DROPOUTS:
        h = torch.tensor(hyper)
        out = "tensor<%sxf32>" % "x".join(map(str, shape))
        yield (name, [("h", h)], [
            ("mask", f"nn.dropout_mask %h {{p = {p} : f32, salt = {salt} : i64}} : tensor<4xf32> -> {out}",
             dropout_ref(hyper, salt, p, shape))])
    for (name, hyper, salt, shape) in FLIPS:
        h, x = torch.tensor(hyper), rand(*shape)
        yield (name, [("h", h), ("x", x)], [
            ("y", f"nn.flip_lr %x, %h {{salt = {salt} : i64}} : {ty(x)}, tensor<4xf32> -> {ty(x)}",
             flip_ref(x, hyper, salt))])


def ty(t):
    return "tensor<%sxf32>" % "x".join(str(s) for s in t.shape)


def literal(t):
    return repr(t.tolist()).replace("inf", "0x7F800000")


def emit():
    print("func.func private @printMemrefF32(memref<*xf32>)")
    print("func.func @print(%t: tensor<*xf32>) {")
    print("  %m = bufferization.to_memref %t : memref<*xf32>")
    print("  call @printMemrefF32(%m) : (memref<*xf32>) -> ()")
    print("  return\n}")
    for name, inputs, ops in cases():
        fn = name.replace(".", "_")
        print(f"func.func @{fn}() {{")
        for var, t in inputs:
            print(f"  %{var} = arith.constant dense<{literal(t)}> : {ty(t)}")
        for var, op, ref in ops:
            print(f"  %{var} = {op}")
            print(f"  %{var}_u = tensor.cast %{var} : {ty(ref)} to tensor<*xf32>")
            print(f"  call @print(%{var}_u) : (tensor<*xf32>) -> ()")
        print("  return\n}")
    print("func.func @main() {")
    for name, _, _ in cases():
        print(f"  call @{name.replace('.', '_')}() : () -> ()")
    print("  return\n}")


def check(path):
    blocks = re.findall(r"data = \n(.*?)(?=Unranked|\Z)", open(path).read(), re.S)
    expected = [(f"{name} {var}", ref) for name, _, ops in cases() for var, _, ref in ops]
    if len(blocks) != len(expected):
        sys.exit(f"FAIL: expected {len(expected)} printed tensors, got {len(blocks)}")
    got = {}
    failed = 0
    for (name, ref), block in zip(expected, blocks):
        vals = torch.tensor([float(t) for t in re.findall(r"[-+0-9.eEinfa]+", block)],
                            dtype=torch.float64)
        ref = ref.flatten().double()
        got[name] = vals
        ok = vals.numel() == ref.numel()
        diff = (vals - ref).abs().max().item() if ok else float("nan")
        ok = ok and bool(((vals - ref).abs() <= 2e-5 + 1e-5 * ref.abs()).all())
        failed += not ok
        print(f"{name} maxdiff {diff:.3g} {'ok' if ok else 'FAIL'}")
    # The statistics of the masks, beyond the exact match with the Python hash.
    m, same, other = (got[f"{c} mask"] for c in ("dropout_p0.3", "dropout_same", "dropout_salt8"))
    zeros = (m == 0).double().mean().item()
    print(f"dropout zero fraction {zeros:.4f} {'ok' if abs(zeros - 0.3) < 0.01 else 'FAIL'}")
    print(f"dropout same stream {'ok' if torch.equal(m, same) else 'FAIL'}")
    agree = (m == other).double().mean().item()
    print(f"dropout other salt agreement {agree:.3f} {'ok' if agree < 0.7 else 'FAIL'}")
    flips = sum(stream_hash(FLIPS[0][1], FLIPS[0][2], n) >> 31 for n in range(FLIPS[0][3][0]))
    print(f"flip_lr flips {flips} of {FLIPS[0][3][0]} {'ok' if 0 < flips < FLIPS[0][3][0] else 'FAIL'}")
    # The pool inputs must have windows whose maximum is not unique, or the
    # first-maximum rule of max_pool_grad goes untested.
    torch.manual_seed(0)
    ties = 0
    for name, inputs, _ in cases():
        if name.startswith("pool"):
            _, n, h, w, c, kh, kw, st, p = next(q for q in POOLS if q[0] == name)
            xp = F.pad(nchw(inputs[0][1]), torch_pad(p), value=float("-inf"))
            win = xp.unfold(2, kh, st[0]).unfold(3, kw, st[1]).flatten(-2)
            ties += int((win == win.max(-1, keepdim=True).values).sum(-1).gt(1).sum())
    print(f"max_pool windows with ties {ties} {'ok' if ties > 0 else 'FAIL'}")
    print(f"checked {len(expected)} tensors, {failed} failed")


if __name__ == "__main__":
    emit() if sys.argv[1] == "emit" else check(sys.argv[2])
