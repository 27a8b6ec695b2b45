#!/usr/bin/python3
"""Golden tests of several training steps (a GAN's discriminator and generator steps): PyTorch (float64) is the
oracle.

Each case is two models, Gen (4 -> 5 relu -> 4 tanh) and Disc (4 -> 5 tanh -> 1 sigmoid), on an inline dataset of
6 rows (batch = all rows, so every scheduled step takes the whole set and one epoch is one step), with
`fake = Gen(x * 0.5)` and
    step D { loss = bce(Disc(x), y) + bce(Disc(fake), 1 - y)   updates = Disc }
    step G { loss = bce(Disc(fake), y)                         updates = Gen }
where y is all ones. The reference takes the scheduled steps in order, each with its own optimizer: step D
differentiates only Disc's parameters (the gradient still flows through Gen's output, which D's loss reads),
then (`gan_clip`) clamps them to [-c, c]; step G then differentiates Gen's parameters through the updated Disc.
It writes, next to this script, <case>.nn, <case>.init.safetensors (the initial parameters and every step's zero
optimizer state, named `<step>/<param>.m|v`) and <case>.expected.json for compare.py: the parameters and optimizer
state after all steps and the loss of every step (epoch k's train_loss).

Cases: `gan`: [D, G], D by SGD (lr 0.1: its parameters after the step give its gradient exactly), G by Adam
(lr 0.01, beta1 0.5: its first moments are 0.5 * gradient); `gan_clip`: [D * 2, G], D by SGD lr 0.5 with
clip_weights = 0.3 (binding: the initial weights reach 0.45), G by SGD lr 0.1; `wgan`: a Wasserstein critic
(Disc without its sigmoid, loss mean(Disc(fake)) - mean(Disc(x)), clip_weights = 0.3, SGD lr 0.5) twice, then
the generator (-mean(Disc(fake)), Adam).
A float32 PyTorch run of each case must stay 10x under compare.py's tolerance.
Rerun after changing a case: /usr/bin/python3 make_golden_steps.py (the output is deterministic).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from make_golden import ABS_TOL, REL_TOL, RELU_MARGIN, fmt, nested, tensor_json  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS = 6

GEN = [("Gen.dense1", 4, 5), ("Gen.dense2", 5, 4)]
DISC = [("Disc.dense1", 4, 5), ("Disc.dense2", 5, 1)]

CASES = [
    dict(name="gan", run="GanSteps", seed=11, init=0.6,
         steps=[dict(name="D", opt=dict(kind="sgd", lr=0.1), updates="Disc", clip=0),
                dict(name="G", opt=dict(kind="adam", lr=0.01, beta1=0.5, beta2=0.999, eps=1e-8), updates="Gen",
                     clip=0)],
         schedule=[("D", 1), ("G", 1)]),
    dict(name="gan_clip", run="GanClip", seed=12, init=0.45,
         steps=[dict(name="D", opt=dict(kind="sgd", lr=0.5), updates="Disc", clip=0.3),
                dict(name="G", opt=dict(kind="sgd", lr=0.1), updates="Gen", clip=0)],
         schedule=[("D", 2), ("G", 1)]),
    # WGAN: the critic's loss mean(D(fake)) - mean(D(x)) on a linear output (no sigmoid), clip_weights,
    # n_critic = 2; the generator's -mean(D(fake)).
    dict(name="wgan", run="WganSteps", seed=13, init=0.45, critic=True,
         steps=[dict(name="D", opt=dict(kind="sgd", lr=0.5), updates="Disc", clip=0.3),
                dict(name="G", opt=dict(kind="adam", lr=0.01, beta1=0.5, beta2=0.999, eps=1e-8), updates="Gen",
                     clip=0)],
         schedule=[("D", 2), ("G", 1)]),
]


def param_names():
    return [f"{layer}.{k}" for layer, _, _ in GEN + DISC for k in ("weight", "bias")]


def make_inputs(case):
    rng = np.random.default_rng(case["seed"])
    x = rng.normal(0, 1, (ROWS, 4)).astype(np.float32)
    y = np.ones((ROWS, 1), np.float32)
    init = {}
    a = case["init"]
    for layer, fan_in, fan_out in GEN + DISC:
        init[f"{layer}.weight"] = rng.uniform(-a, a, (fan_in, fan_out)).astype(np.float32)
        init[f"{layer}.bias"] = rng.uniform(-a, a, (fan_out,)).astype(np.float32)
    return x, y, init


def gen(p, z, margins):
    h = z @ p["Gen.dense1.weight"] + p["Gen.dense1.bias"]
    margins.append(h.abs().min().item())
    return torch.tanh(torch.relu(h) @ p["Gen.dense2.weight"] + p["Gen.dense2.bias"])


def disc(p, x, critic=False):
    h = torch.tanh(x @ p["Disc.dense1.weight"] + p["Disc.dense1.bias"])
    s = h @ p["Disc.dense2.weight"] + p["Disc.dense2.bias"]
    return s if critic else torch.sigmoid(s)


def bce(pred, target):
    return torch.nn.functional.binary_cross_entropy(pred, target)


def run(case, x, y, init, dtype):
    """Takes the schedule's steps in order; returns the final params, state and each step's loss."""
    p = {k: torch.tensor(v, dtype=dtype) for k, v in init.items()}
    xt, yt = torch.tensor(x, dtype=dtype), torch.tensor(y, dtype=dtype)
    steps = {s["name"]: s for s in case["steps"]}
    state = {}
    for s in case["steps"]:
        for k in param_names():
            for suffix in (("m", "v") if s["opt"]["kind"] == "adam" else ()):
                state[f"{s['name']}/{k}.{suffix}"] = torch.zeros_like(p[k])
    counts = {name: 0 for name in steps}
    losses, margins = [], []
    for name, repeat in case["schedule"]:
        for _ in range(repeat):
            s = steps[name]
            counts[name] += 1
            leaves = {k: v.clone().requires_grad_(True) for k, v in p.items()}
            fake = gen(leaves, xt * 0.5, margins)
            if case.get("critic"):
                loss = (disc(leaves, fake, True).mean() - disc(leaves, xt, True).mean() if name == "D" else
                        -disc(leaves, fake, True).mean())
            elif name == "D":
                loss = bce(disc(leaves, xt), yt) + bce(disc(leaves, fake), 1 - yt)
            else:
                loss = bce(disc(leaves, fake), yt)
            losses.append(loss.item())
            wrt = [k for k in param_names() if k.startswith(s["updates"] + ".")]
            grads = torch.autograd.grad(loss, [leaves[k] for k in wrt])
            o, t = s["opt"], counts[name]
            with torch.no_grad():
                for k, g in zip(wrt, grads):
                    if o["kind"] == "sgd":
                        p[k] = p[k] - o["lr"] * g
                    else:
                        m = state[f"{name}/{k}.m"] = o["beta1"] * state[f"{name}/{k}.m"] + (1 - o["beta1"]) * g
                        v = state[f"{name}/{k}.v"] = o["beta2"] * state[f"{name}/{k}.v"] + (1 - o["beta2"]) * g * g
                        mhat, vhat = m / (1 - o["beta1"] ** t), v / (1 - o["beta2"] ** t)
                        p[k] = p[k] - o["lr"] * mhat / (vhat.sqrt() + o["eps"])
                    if s["clip"]:
                        p[k] = p[k].clamp(-s["clip"], s["clip"])
    return ({k: v.numpy().astype(np.float64) for k, v in p.items()},
            {k: v.numpy().astype(np.float64) for k, v in state.items()}, losses, min(margins))


def write_nn(case, x, y):
    def opt(o):
        if o["kind"] == "sgd":
            return f"sgd(lr={o['lr']})"
        return f"adam(lr={o['lr']}, beta1={o['beta1']}, beta2={o['beta2']}, eps={o['eps']})"

    lines = [f"// Generated by make_golden_steps.py (case `{case['name']}`): do not edit; rerun the script.",
             f"// Parameters come from {case['name']}.init.safetensors via `train --resume`.",
             "model Gen(z: f32[B, 4]) -> f32[B, 4] {",
             "  return tanh(dense(relu(dense(z, 5)), 4))",
             "}",
             "model Disc(x: f32[B, 4]) -> f32[B, 1] {",
             "  return dense(tanh(dense(x, 5)), 1)" if case.get("critic") else
             "  return sigmoid(dense(tanh(dense(x, 5)), 1))",
             "}",
             "",
             f"train {case['run']} {{",
             f"  data = tensors(x={nested(x, fmt)},",
             f"                 y={nested(y, fmt)})",
             "  fake = Gen(x * 0.5)"]
    for s in case["steps"]:
        if case.get("critic"):
            loss = "mean(Disc(fake)) - mean(Disc(x))" if s["name"] == "D" else "-mean(Disc(fake))"
        else:
            loss = "bce(Disc(x), y) + bce(Disc(fake), 1 - y)" if s["name"] == "D" else "bce(Disc(fake), y)"
        lines += [f"  step {s['name']} {{", f"    loss = {loss}", f"    optimizer = {opt(s['opt'])}",
                  f"    updates = {s['updates']}"]
        if s["clip"]:
            lines.append(f"    clip_weights = {s['clip']}")
        lines.append("  }")
    lines.append("  schedule = [" + ", ".join(n if r == 1 else f"{n} * {r}" for n, r in case["schedule"]) + "]")
    lines += [f"  batch = {ROWS}", f"  epochs = {sum(r for _, r in case['schedule'])}", "  seed = 1", "}"]
    with open(os.path.join(HERE, f"{case['name']}.nn"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    torch.set_num_threads(1)
    for case in CASES:
        x, y, init = make_inputs(case)
        params, state, losses, margin = run(case, x, y, init, torch.float64)
        p32, s32, l32, _ = run(case, x, y, init, torch.float32)
        d_f32 = max([np.abs(params[k] - p32[k]).max() for k in params] +
                    [np.abs(state[k] - s32[k]).max() for k in state] +
                    [abs(a - b) for a, b in zip(losses, l32)])
        assert d_f32 < ABS_TOL / 10, f"{case['name']}: float32 run differs by {d_f32}: tolerance too tight"
        assert margin > RELU_MARGIN, f"{case['name']}: a ReLU input is {margin} from 0"
        if any(s["clip"] for s in case["steps"]):
            clipped = sum(int((np.abs(params[k]) == 0.3).sum()) for k in params if k.startswith("Disc."))
            assert clipped > 0, f"{case['name']}: clip_weights does not bind"
        names = param_names()
        tensors = [(k, init[k]) for k in names] + [(k, np.zeros(init[k.split("/")[1].rsplit(".", 1)[0]].shape,
                                                               np.float32)) for k in state]
        metadata = {"format": "nnc", "model": case["run"], "step": "0", "epoch": "0"}
        safetensors_io.write(os.path.join(HERE, f"{case['name']}.init.safetensors"), tensors, metadata)
        write_nn(case, x, y)
        expected = {
            "case": case["name"], "model": case["run"], "source": f"{case['name']}.nn",
            "init": f"{case['name']}.init.safetensors", "optimizer": {"kind": "steps"},
            "steps": len(losses), "tolerance": {"abs": ABS_TOL, "rel": REL_TOL}, "f32_maxdiff": d_f32,
            "losses": losses,
            "params": {k: tensor_json(v) for k, v in params.items()},
            "state": {k: tensor_json(v) for k, v in state.items()},
        }
        with open(os.path.join(HERE, f"{case['name']}.expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        print(f"{case['name']}: losses {', '.join(f'{v:.6g}' for v in losses)}  f32_maxdiff {d_f32:.3g}  "
              f"relu_margin {margin:.3g}")


if __name__ == "__main__":
    main()
