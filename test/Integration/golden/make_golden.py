#!/usr/bin/python3
"""Generates the golden whole-model gradient tests: PyTorch (float64) is the oracle.

For each case below it writes, next to this script:
  <case>.nn                  the model and its train section (inline dataset, batch = all rows, so one epoch is
                             exactly one full-batch step and the runtime's shuffle cannot change the result)
  <case>.init.safetensors    the initial parameters (and zero optimizer state) in nnc's checkpoint layout, for
                             `train --resume`: names `<Model>.denseK.weight` [in, out] (input-major, y = x @ W + b)
                             and `<Model>.denseK.bias` [out], state `<param>.m` / `<param>.v`, metadata format=nnc, model, step=0, epoch=0
  <case>.expected.json       the loss and model outputs at the initial parameters, every parameter's gradient
                             there, the loss before every step, and the parameters (and optimizer state) after
                             `steps` optimizer steps
Cases: `worked` is the worked example of shared/CONCEPTS.md §5 (its published numbers are asserted here);
`ce` and `mse` are 6-5-4-3 MLPs mixing tanh/relu/sigmoid with cross_entropy and mse (one SGD step); `adam`
is a 6-5-4-3 classifier trained 3 full-batch Adam steps (checks the bias correction and the state); `softplus`
is a 6-5-4-3 softplus/tanh/softplus regressor with mse (one SGD step).

The reference runs in float64 from the float32 initial values (which the .safetensors file holds exactly) and
is cross-checked against torch.optim in float64; a float32 PyTorch run of the same steps is recorded as
`f32_maxdiff` and must stay 10x under compare.py's tolerance, so an honest float32 implementation passes.
Rerun after changing a case: /usr/bin/python3 make_golden.py (the output is deterministic).
"""
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ABS_TOL, REL_TOL = 1e-5, 1e-5  # compare.py's tolerance; see the comment there
RELU_MARGIN = 1e-3  # every ReLU input must be this far from 0, or float32 rounding could flip the mask

# name, model, input width, layers [(width, activation or None)], loss, optimizer, steps, rows, seed.
CASES = [
    dict(name="worked", model="Worked", inputs=2, layers=[(2, "relu"), (2, None)], loss="mse",
         optimizer=dict(kind="sgd", lr=0.1), steps=1, rows=1, seed=0),
    dict(name="ce", model="Clf", inputs=6, layers=[(5, "tanh"), (4, "relu"), (3, None)], loss="cross_entropy",
         optimizer=dict(kind="sgd", lr=0.1), steps=1, rows=8, seed=1),
    dict(name="mse", model="Reg", inputs=6, layers=[(5, "sigmoid"), (4, "relu"), (3, "tanh")], loss="mse",
         optimizer=dict(kind="sgd", lr=0.1), steps=1, rows=8, seed=2),
    dict(name="adam", model="ClfAdam", inputs=6, layers=[(5, "relu"), (4, "sigmoid"), (3, None)],
         loss="cross_entropy", optimizer=dict(kind="adam", lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8),
         steps=3, rows=8, seed=4),
    dict(name="clipnorm", model="RegClipNorm", inputs=6, layers=[(5, "tanh"), (4, "sigmoid"), (3, None)],
         loss="mse", optimizer=dict(kind="sgd", lr=0.1, clip_norm=0.25), steps=1, rows=8, seed=6),
    dict(name="clipvalue", model="ClfClipValue", inputs=6, layers=[(5, "tanh"), (4, "relu"), (3, None)],
         loss="cross_entropy", optimizer=dict(kind="sgd", lr=0.1, clip_value=0.02), steps=1, rows=8, seed=7),
    dict(name="softplus", model="RegSoftplus", inputs=6, layers=[(5, "softplus"), (4, "tanh"), (3, "softplus")],
         loss="mse", optimizer=dict(kind="sgd", lr=0.1), steps=1, rows=8, seed=5),
    # mse + 0.01 l1(M) (weights only) + 0.1 l2(M, biases=true): the regularisers' values and gradients.
    dict(name="l1l2", model="RegL1L2", inputs=6, layers=[(5, "tanh"), (4, "sigmoid"), (3, None)], loss="mse",
         reg=dict(l1=0.01, l2=0.1), optimizer=dict(kind="sgd", lr=0.1), steps=1, rows=8, seed=8),
]

# CONCEPTS.md §5, input-major: W1[i][j] is the weight from input i+1 to hidden j+1 (w11 w12 / w21 w22),
# W2[i][j] from hidden i+1 (h3, h4) to output j+1 (w31 w32 / w41 w42).
WORKED_INIT = {
    "Worked.dense1.weight": [[1.0, -0.5], [0.5, -1.0]],
    "Worked.dense1.bias": [0.5, -0.5],
    "Worked.dense2.weight": [[0.5, -1.0], [-0.5, 1.0]],
    "Worked.dense2.bias": [-1.0, 0.5],
}
WORKED_DATA = ([[2.0, -1.0]], [[1.0, 0.5]])


def param_names(case):
    names = []
    for k in range(1, len(case["layers"]) + 1):
        names += [f"{case['model']}.dense{k}.weight", f"{case['model']}.dense{k}.bias"]
    return names


def make_inputs(case):
    """Returns x f32 [N, in], y (i64 labels [N] or f32 [N, out]) and the initial params {name: f32 array}.
    Data values are multiples of 1/8, exact in float32 and in the decimal text of the .nn file."""
    if case["name"] == "worked":
        x, y = (np.array(a, dtype=np.float32) for a in WORKED_DATA)
        return x, y, {k: np.array(v, dtype=np.float32) for k, v in WORKED_INIT.items()}
    rng = np.random.RandomState(case["seed"])
    n, outs = case["rows"], case["layers"][-1][0]
    x = (rng.randint(-12, 13, size=(n, case["inputs"])) / 8.0).astype(np.float32)
    if case["loss"] == "cross_entropy":
        y = np.array([i % outs for i in range(n)], dtype=np.int64)
        rng.shuffle(y)
    else:
        y = (rng.randint(-7, 8, size=(n, outs)) / 8.0).astype(np.float32)
    params, fan_in = {}, case["inputs"]
    for k, (width, _) in enumerate(case["layers"], start=1):
        bound = 1.0 / math.sqrt(fan_in)  # PyTorch's nn.Linear default
        params[f"{case['model']}.dense{k}.weight"] = rng.uniform(-bound, bound, (fan_in, width)).astype(np.float32)
        params[f"{case['model']}.dense{k}.bias"] = rng.uniform(-bound, bound, (width,)).astype(np.float32)
        fan_in = width
    return x, y, params


def forward(case, params, x, relu_inputs):
    """The model: h = act(h @ W + b) per layer (input-major W). Collects ReLU inputs for the margin check."""
    h = x
    for k, (_, act) in enumerate(case["layers"], start=1):
        h = h @ params[f"{case['model']}.dense{k}.weight"] + params[f"{case['model']}.dense{k}.bias"]
        if act == "relu":
            relu_inputs.append(h.detach())
            h = torch.relu(h)
        elif act == "tanh":
            h = torch.tanh(h)
        elif act == "sigmoid":
            h = torch.sigmoid(h)
        elif act == "softplus":
            h = torch.nn.functional.softplus(h)
    return h


def loss_fn(case, out, y, params):
    if case["loss"] == "cross_entropy":  # mean over samples of logsumexp(z) - z[label]
        loss = (torch.logsumexp(out, dim=1) - out.gather(1, y[:, None])[:, 0]).mean()
    else:
        loss = ((out - y) ** 2).mean()  # mse: mean over samples of the mean over features
    reg = case.get("reg")
    if reg:  # l1 over the weights (rank 2), l2 over weights and biases
        loss = loss + reg["l1"] * sum(p.abs().sum() for k, p in params.items() if p.dim() == 2)
        loss = loss + reg["l2"] * sum((p ** 2).sum() for p in params.values())
    return loss


def clip(o, grads):
    """The train section's clip_value then clip_norm, as docs/language.md states them: each element to
    [-v, v]; then every gradient times min(1, c / (||g|| + 1e-6)), ||g|| the L2 norm over all of them."""
    grads = list(grads)
    if "clip_value" in o:
        assert any((g.abs() > o["clip_value"]).any() for g in grads), "clip_value must bind in the golden case"
        grads = [g.clamp(-o["clip_value"], o["clip_value"]) for g in grads]
    if "clip_norm" in o:
        total = torch.sqrt(sum((g * g).sum() for g in grads))
        assert total > o["clip_norm"], "clip_norm must bind in the golden case"
        coef = min(1.0, o["clip_norm"] / (float(total) + 1e-6))
        grads = [g * coef for g in grads]
    return grads


def run(case, x, y, init, dtype, use_torch_optim=False):
    """Trains `steps` full-batch steps from `init`; returns a dict of numpy float64 results."""
    names = param_names(case)
    params = {k: torch.tensor(init[k], dtype=dtype, requires_grad=True) for k in names}
    xt = torch.tensor(x, dtype=dtype)
    yt = torch.tensor(y) if case["loss"] == "cross_entropy" else torch.tensor(y, dtype=dtype)
    o = case["optimizer"]
    state = {k: (torch.zeros_like(params[k]), torch.zeros_like(params[k])) for k in names}
    if use_torch_optim:
        plist = [params[k] for k in names]
        opt = (torch.optim.SGD(plist, lr=o["lr"]) if o["kind"] == "sgd" else
               torch.optim.Adam(plist, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"]))
    losses, relu_inputs, first = [], [], None
    for t in range(1, case["steps"] + 1):
        out = forward(case, params, xt, relu_inputs)
        loss = loss_fn(case, out, yt, params)
        raw = torch.autograd.grad(loss, [params[k] for k in names])
        grads = clip(o, raw)
        losses.append(loss.item())
        if first is None:
            first = dict(loss=loss.item(), outputs=out.detach().numpy().astype(np.float64),
                         grads={k: g.numpy().astype(np.float64) for k, g in zip(names, grads)})
        with torch.no_grad():
            if use_torch_optim:  # torch's own clipping of the raw gradients
                for k, g in zip(names, raw):
                    params[k].grad = g.clone()
                if "clip_value" in o:
                    torch.nn.utils.clip_grad_value_(plist, o["clip_value"])
                if "clip_norm" in o:
                    torch.nn.utils.clip_grad_norm_(plist, o["clip_norm"])
                opt.step()
                continue
            for k, g in zip(names, grads):
                p = params[k]
                if o["kind"] == "sgd":  # p' = p - lr g
                    p -= o["lr"] * g
                else:  # PyTorch Adam (docs/internals.md, nn.adam_update)
                    m, v = state[k]
                    m.mul_(o["beta1"]).add_((1 - o["beta1"]) * g)
                    v.mul_(o["beta2"]).add_((1 - o["beta2"]) * g * g)
                    mhat = m / (1 - o["beta1"] ** t)
                    vhat = v / (1 - o["beta2"] ** t)
                    p -= o["lr"] * mhat / (torch.sqrt(vhat) + o["eps"])
    first["losses"] = losses
    first["params"] = {k: params[k].detach().numpy().astype(np.float64) for k in names}
    if use_torch_optim and o["kind"] == "adam":
        st = opt.state_dict()["state"]
        for i, k in enumerate(names):
            state[k] = (st[i]["exp_avg"], st[i]["exp_avg_sq"])
    first["state"] = {} if o["kind"] == "sgd" else {
        f"{k}.{s}": state[k][j].detach().numpy().astype(np.float64) for k in names for j, s in enumerate("mv")}
    first["relu_margin"] = min([r.abs().min().item() for r in relu_inputs], default=math.inf)
    return first


def maxdiff(a, b):
    """Largest |a - b| over the tensors of two result dicts (params, state, grads, outputs, losses)."""
    d = abs(a["loss"] - b["loss"])
    d = max(d, float(np.max(np.abs(np.array(a["losses"]) - np.array(b["losses"])))))
    d = max(d, float(np.max(np.abs(a["outputs"] - b["outputs"]))))
    for group in ("grads", "params", "state"):
        for k in a[group]:
            d = max(d, float(np.max(np.abs(a[group][k] - b[group][k]))))
    return d


def check_worked(ref):
    """The numbers CONCEPTS.md §5 publishes."""
    assert abs(ref["loss"] - 2.5) < 1e-12, ref["loss"]
    assert np.allclose(ref["outputs"], [[0.0, -1.5]], atol=1e-12), ref["outputs"]
    assert abs(ref["grads"]["Worked.dense1.weight"][1, 0] - (-1.5)) < 1e-12  # dMSE/dw21
    assert abs(ref["params"]["Worked.dense1.weight"][1, 0] - 0.65) < 1e-7  # w21 after one step (lr 0.1)


def fmt(v):
    """A float in .nn source: multiples of 1/8 print exactly."""
    s = repr(float(v))
    return s if "e" not in s else f"{v:.9g}"


def nested(a, leaf):
    if a.ndim == 1:
        return "[" + ", ".join(leaf(v) for v in a) + "]"
    return "[" + ", ".join(nested(r, leaf) for r in a) + "]"


def train_section(model, x, y, loss, optimizer, rows, epochs=1, settings=(), extra=""):
    """The lines of a generated case's train section: the inline dataset (y as integer labels for
    cross_entropy), the loss of the model's output, the optimizer expression, extra `key = value` settings,
    batch = all rows, seed 1."""
    ytext = nested(y, str) if loss == "cross_entropy" else nested(y, fmt)
    return ([f"train {model} {{",
             f"  data = tensors(x={nested(x, fmt)},",
             f"                 y={ytext})",
             f"  loss = {loss}({model}(x), y){extra}",
             f"  optimizer = {optimizer}"] +
            [f"  {k} = {v}" for k, v in settings] +
            [f"  batch = {rows}", f"  epochs = {epochs}", "  seed = 1", "}"])


def write_nn(case, x, y):
    m, lines = case["model"], []
    o = case["optimizer"]
    lines.append(f"// Generated by make_golden.py (case `{case['name']}`): do not edit; rerun the script.")
    lines.append(f"// Parameters come from {case['name']}.init.safetensors via `train --resume`.")
    out_w = case["layers"][-1][0]
    lines.append(f"model {m}(x: f32[B, {case['inputs']}]) -> f32[B, {out_w}] {{")
    src = "x"
    for k, (width, act) in enumerate(case["layers"], start=1):
        expr = f"dense({src}, {width})"
        if act:
            expr = f"{act}({expr})"
        if k == len(case["layers"]):
            lines.append(f"  return {expr}")
        else:
            lines.append(f"  h{k} = {expr}")
            src = f"h{k}"
    lines.append("}")
    lines.append("")
    opt = (f"sgd(lr={o['lr']})" if o["kind"] == "sgd" else
           f"adam(lr={o['lr']}, beta1={o['beta1']}, beta2={o['beta2']}, eps={o['eps']})")
    reg = case.get("reg")
    extra = f" + {reg['l1']} * l1({m}) + {reg['l2']} * l2({m}, biases=true)" if reg else ""
    lines += train_section(m, x, y, case["loss"], opt, case["rows"], case["steps"],
                           [(k, o[k]) for k in ("clip_norm", "clip_value") if k in o], extra)
    with open(os.path.join(HERE, f"{case['name']}.nn"), "w") as f:
        f.write("\n".join(lines) + "\n")


def tensor_json(a):
    return {"shape": list(a.shape), "values": a.reshape(-1).tolist()}


def write_sgd_step(name, model, init, loss, grads, params, d_f32, lr):
    """<name>.init.safetensors (`init`: (name, array) pairs, in order) and <name>.expected.json of one SGD step
    (lr) from it: the loss, the recovered gradients and the parameters after the step, as compare.py reads them.
    For the generators whose cases have no data in the expected file (cae, losses, vae)."""
    metadata = {"format": "nnc", "model": model, "step": "0", "epoch": "0"}
    safetensors_io.write(os.path.join(HERE, f"{name}.init.safetensors"), init, metadata)
    expected = {"case": name, "model": model, "source": f"{name}.nn", "init": f"{name}.init.safetensors",
                "optimizer": {"kind": "sgd", "lr": lr}, "steps": 1,
                "tolerance": {"abs": ABS_TOL, "rel": REL_TOL}, "f32_maxdiff": d_f32,
                "loss": loss, "losses": [loss],
                "grads": {k: tensor_json(v) for k, v in grads.items()},
                "params": {k: tensor_json(v) for k, v in params.items()}, "state": {}}
    with open(os.path.join(HERE, f"{name}.expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


def write_expected(case, x, y, ref, d_f32, optimizer, steps, state, extra=None):
    """<case>.expected.json, the values compare.py checks; `extra` keys (e.g. a seed) follow the tolerance."""
    expected = {
        "case": case["name"],
        "model": case["model"],
        "source": f"{case['name']}.nn",
        "init": f"{case['name']}.init.safetensors",
        "loss_kind": case["loss"],
        "optimizer": optimizer,
        "steps": steps,
        "tolerance": {"abs": ABS_TOL, "rel": REL_TOL},
        **(extra or {}),
        "f32_maxdiff": d_f32,
        "x": x.tolist(),
        "y": y.tolist(),
        "loss": ref["loss"],
        "losses": ref["losses"],
        "outputs": tensor_json(ref["outputs"]),
        "grads": {k: tensor_json(v) for k, v in ref["grads"].items()},
        "params": {k: tensor_json(v) for k, v in ref["params"].items()},
        "state": {k: tensor_json(v) for k, v in state.items()},
    }
    with open(os.path.join(HERE, f"{case['name']}.expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


def main():
    torch.set_num_threads(1)
    for case in CASES:
        x, y, init = make_inputs(case)
        ref = run(case, x, y, init, torch.float64)
        via_optim = run(case, x, y, init, torch.float64, use_torch_optim=True)
        f32 = run(case, x, y, init, torch.float32)
        d_optim, d_f32 = maxdiff(ref, via_optim), maxdiff(ref, f32)
        assert d_optim < 1e-12, f"{case['name']}: manual update differs from torch.optim by {d_optim}"
        assert d_f32 < ABS_TOL / 10, f"{case['name']}: float32 run differs by {d_f32}: tolerance too tight"
        assert ref["relu_margin"] > RELU_MARGIN, f"{case['name']}: a ReLU input is {ref['relu_margin']} from 0"
        if case["name"] == "worked":
            check_worked(ref)

        names = param_names(case)
        tensors = [(k, init[k]) for k in names]
        if case["optimizer"]["kind"] == "adam":
            tensors += [(f"{k}.{s}", np.zeros_like(init[k])) for k in names for s in "mv"]
        # The runtime's checkpoint metadata (runtime/Checkpoint.cpp): before the first step.
        metadata = {"format": "nnc", "model": case["model"], "step": "0", "epoch": "0"}
        safetensors_io.write(os.path.join(HERE, f"{case['name']}.init.safetensors"), tensors, metadata)
        write_nn(case, x, y)
        write_expected(case, x, y, ref, d_f32, case["optimizer"], case["steps"], ref["state"])
        print(f"{case['name']}: loss {ref['loss']:.9g}  steps {case['steps']}  f32_maxdiff {d_f32:.3g}  "
              f"relu_margin {ref['relu_margin']:.3g}")


if __name__ == "__main__":
    main()
