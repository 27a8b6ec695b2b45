"""What the PyTorch oracles of test/Transforms share: the @train_step declaration and the @main that takes one
SGD step from literal constants and prints the loss and the updated parameters (emit_step), and the
comparison of what it printed with printMemrefF32 against the expected tensors (compare: one line
`<name> maxdiff <d> ok|FAIL` each; tolerance |ours - torch| <= 2e-5 + 1e-5 |torch|, the runner printing 6
significant digits)."""
import re
import sys


def ty(shape):
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


def nested(flat, shape):
    """A row-major list as nested lists of `shape` (an MLIR dense literal or a torch.tensor argument)."""
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0]
    return [nested(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def emit_step(params, data, batch, lr, out_shape, values, attrs=""):
    """@train_step of @loss(params..., data..., %w, %hyper) -> (loss, out) with SGD, and a @main calling it on
    the constants values(shape, k) (k = 1, 2, ... over params then data; w = 1, lr) that prints the loss and
    every updated parameter. `attrs`: more attributes of @train_step (", nn.truncate = 2 : i64")."""
    ptys = ", ".join(ty(s) for _, s in params)
    dtys = ", ".join(ty(s) for _, s in data)
    print(f"""func.func private @train_step({ptys}, {dtys}, tensor<{batch}xf32>, tensor<4xf32>)
    -> (tensor<f32>, {ty(out_shape)}, {ptys})
    attributes {{nn.grad_of = @loss, nn.num_params = {len(params)} : i64, nn.optimizer = {{kind = "sgd"}}{attrs}}}
func.func private @printMemrefF32(tensor<*xf32>)
func.func @main() {{""")
    for k, (n, s) in enumerate(params + data):
        print(f"  %{n} = arith.constant dense<{nested(values(s, k + 1), s)}> : {ty(s)}")
    print(f"  %w = arith.constant dense<1.0> : tensor<{batch}xf32>")
    print(f"  %hyper = arith.constant dense<[{lr}, 1.0, 0.0, 0.0]> : tensor<4xf32>")
    names = ", ".join("%" + n for n, _ in params + data)
    print(f"  %r:{2 + len(params)} = call @train_step({names}, %w, %hyper) : ({ptys}, {dtys}, "
          f"tensor<{batch}xf32>, tensor<4xf32>) -> (tensor<f32>, {ty(out_shape)}, {ptys})")
    for i, t in [(0, "tensor<f32>")] + [(2 + k, ty(s)) for k, (_, s) in enumerate(params)]:
        print(f"  %u{i} = tensor.cast %r#{i} : {t} to tensor<*xf32>")
        print(f"  call @printMemrefF32(%u{i}) : (tensor<*xf32>) -> ()")
    print("  return\n}")


def compare(expected, out):
    """expected: [(name, tensor)] in print order; out: the runner's output."""
    import torch
    blocks = re.findall(r"data = \n(.*?)(?=Unranked|\Z)", out, re.S)
    if len(blocks) != len(expected):
        sys.exit(f"FAIL: expected {len(expected)} printed tensors, got {len(blocks)}")
    for (name, ref), block in zip(expected, blocks):
        got = torch.tensor([float(t) for t in re.findall(r"[-+0-9.eEinfa]+", block)], dtype=torch.float64)
        ref = ref.flatten()
        if got.numel() != ref.numel():
            print(f"{name} FAIL: {got.numel()} values, expected {ref.numel()}")
            continue
        diff = (got - ref).abs()
        ok = bool((diff <= 2e-5 + 1e-5 * ref.abs()).all())
        print(f"{name} maxdiff {diff.max().item():.3g} {'ok' if ok else 'FAIL'}")
