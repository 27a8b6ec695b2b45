#!/usr/bin/python3
"""Generates the golden test of `train --grad-norms` (test/Integration/grad-norms.test): PyTorch (float64) is
the oracle of every parameter's gradient norm ||dL/dp|| and of ||dL/dh_t||, per scan state and time step.

Writes, next to this script, for the cases `gradnorms` and `gradnorms_tiny`:
  <case>.nn                     a sigmoid rnn (return_sequences) -> a reverse lstm (return_sequences) ->
                                reshape [B, T H] -> dense -> cross_entropy, batch = all rows (one epoch is one
                                full-batch SGD step, lr 0.1); every step's states reach the loss directly and
                                through the later steps. `gradnorms_tiny` multiplies the logits by 1e-20, so every
                                gradient is ~1e-21: their squares (~1e-42) are below f32's normal range, the case
                                a vanishing gradient's norm must survive
  <case>.init.safetensors       the initial parameters, for `train --resume` (PyTorch's layout and defaults)
  <case>.expected.json          the loss, each parameter's ||dL/dp|| and, for each scan state (named as the
                                descriptor's step_norm slots: GradNorms.rnn1.h, GradNorms.lstm1.h,
                                GradNorms.lstm1.c), ||dL/dh_t|| over the batch for t = 1..T, position t being
                                the state after reading x_t (for the reverse lstm: after steps T..t)

The oracle runs the cell equations of compiler/lib/Frontend/SemaRecurrent.cpp step by step in float64 and
calls retain_grad() on every state h_t (and c_t) the cell yields; after backward, h_t.grad is the whole
dL/dh_t (through the output at t and through the steps after it), and its Frobenius norm over [B, H] is what
nnc reports. Cross-checks, all asserted:
  - the lstm's outputs and gradients agree with torch.nn.LSTM (run on x.flip(1)) to 1e-12 (case
    `gradnorms`); torch.nn.RNN has no sigmoid, so the rnn's equation is the one line of SemaRecurrent.cpp;
  - a float32 run of the oracle stays 10x under the tolerance check_gradnorms.py applies.
Rerun after a change: /usr/bin/python3 make_golden_gradnorms.py (the output is deterministic).
"""
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_golden  # noqa: E402  (fmt, nested)
import safetensors_io  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = "GradNorms"
CASES = [("gradnorms", 1.0), ("gradnorms_tiny", 1e-20)]  # name, factor on the logits
T, I, ROWS, CLASSES, RNN_H, LSTM_H = 5, 3, 5, 3, 4, 3
LR, SEED = 0.1, 7
ABS_TOL, REL_TOL = 1e-9, 1e-5  # check_gradnorms.py's tolerance for the norms (abs: x the logit scale)


def shapes():
    r, l = f"{MODEL}.rnn1.", f"{MODEL}.lstm1."
    return {r + "weight_ih_l0": (RNN_H, I), r + "weight_hh_l0": (RNN_H, RNN_H), r + "bias_ih_l0": (RNN_H,),
            r + "bias_hh_l0": (RNN_H,), l + "weight_ih_l0": (4 * LSTM_H, RNN_H),
            l + "weight_hh_l0": (4 * LSTM_H, LSTM_H), l + "bias_ih_l0": (4 * LSTM_H,),
            l + "bias_hh_l0": (4 * LSTM_H,), f"{MODEL}.dense1.weight": (T * LSTM_H, CLASSES),
            f"{MODEL}.dense1.bias": (CLASSES,)}


def make_inputs():
    """x in multiples of 1/8 (exact in the .nn text), labels, and PyTorch's default initialisation."""
    rng = np.random.RandomState(SEED)
    x = (rng.randint(-12, 13, size=(ROWS, T, I)) / 8.0).astype(np.float32)
    y = np.array([i % CLASSES for i in range(ROWS)], dtype=np.int64)
    rng.shuffle(y)
    init = {}
    for k, shape in shapes().items():
        fan = RNN_H if ".rnn1." in k else LSTM_H if ".lstm1." in k else T * LSTM_H
        bound = 1.0 / math.sqrt(fan)
        init[k] = rng.uniform(-bound, bound, shape).astype(np.float32)
    return x, y, init


def run(x, y, init, dtype, scale):
    """The loss, each parameter's gradient and every state's dL/dh_t (the cell equations, step by step)."""
    p = {k: torch.tensor(v, dtype=dtype, requires_grad=True) for k, v in init.items()}
    r, l = f"{MODEL}.rnn1.", f"{MODEL}.lstm1."
    xt = torch.tensor(x, dtype=dtype)
    states = {f"{MODEL}.rnn1.h": [None] * T, f"{MODEL}.lstm1.h": [None] * T, f"{MODEL}.lstm1.c": [None] * T}
    h = torch.zeros(ROWS, RNN_H, dtype=dtype)
    for t in range(T):  # rnn, sigmoid: h' = sigmoid(x_t Wih^T + bih + h Whh^T + bhh)
        h = torch.sigmoid(xt[:, t] @ p[r + "weight_ih_l0"].T + p[r + "bias_ih_l0"] + h @ p[r + "weight_hh_l0"].T
                          + p[r + "bias_hh_l0"])
        h.retain_grad()
        states[f"{MODEL}.rnn1.h"][t] = h
    a = torch.stack(states[f"{MODEL}.rnn1.h"], dim=1)
    h = c = torch.zeros(ROWS, LSTM_H, dtype=dtype)
    for t in reversed(range(T)):  # lstm, reverse=true: steps T-1 .. 0, position t holds step t's state
        z = a[:, t] @ p[l + "weight_ih_l0"].T + p[l + "bias_ih_l0"] + h @ p[l + "weight_hh_l0"].T + p[l + "bias_hh_l0"]
        i, f, g, o = z.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        h.retain_grad()
        c.retain_grad()
        states[f"{MODEL}.lstm1.h"][t], states[f"{MODEL}.lstm1.c"][t] = h, c
    hs = torch.stack(states[f"{MODEL}.lstm1.h"], dim=1)
    out = hs.reshape(ROWS, -1) @ p[f"{MODEL}.dense1.weight"] + p[f"{MODEL}.dense1.bias"]
    if scale != 1.0:
        out = out * scale
    loss = torch.nn.functional.cross_entropy(out, torch.tensor(y))
    loss.backward()
    return dict(loss=loss.item(), out=out, hs=hs,
                grads={k: v.grad.numpy().astype(np.float64) for k, v in p.items()},
                param_norms={k: float(v.grad.double().norm()) for k, v in p.items()},
                step_norms={k: [float(s.grad.double().norm()) for s in v] for k, v in states.items()})


def check_lstm_module(x, y, init, ref):
    """The lstm half against torch.nn.LSTM: same outputs and gradients of its parameters."""
    dtype = torch.float64
    p = {k: torch.tensor(v, dtype=dtype, requires_grad=True) for k, v in init.items() if ".lstm1." not in k}
    mod = torch.nn.LSTM(RNN_H, LSTM_H, batch_first=True).to(dtype)
    with torch.no_grad():
        for n, prm in mod.named_parameters():
            prm.copy_(torch.from_numpy(init[f"{MODEL}.lstm1.{n}"]).to(dtype))
    r = f"{MODEL}.rnn1."
    h, hs = torch.zeros(ROWS, RNN_H, dtype=dtype), []
    xt = torch.tensor(x, dtype=dtype)
    for t in range(T):
        h = torch.sigmoid(xt[:, t] @ p[r + "weight_ih_l0"].T + p[r + "bias_ih_l0"] + h @ p[r + "weight_hh_l0"].T
                          + p[r + "bias_hh_l0"])
        hs.append(h)
    out, _ = mod(torch.stack(hs, dim=1).flip(1))
    out = out.flip(1)
    logits = out.reshape(ROWS, -1) @ p[f"{MODEL}.dense1.weight"] + p[f"{MODEL}.dense1.bias"]
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    loss.backward()
    d = max(abs(loss.item() - ref["loss"]), float((out - ref["hs"]).abs().max()))
    for n, prm in mod.named_parameters():
        d = max(d, float(np.abs(prm.grad.numpy() - ref["grads"][f"{MODEL}.lstm1.{n}"]).max()))
    for k, v in p.items():
        d = max(d, float(np.abs(v.grad.numpy() - ref["grads"][k]).max()))
    return d


def reldiff(a, b):
    """The largest |a - b| / |b| over every norm."""
    d = 0.0
    for k in a["param_norms"]:
        d = max(d, abs(a["param_norms"][k] - b["param_norms"][k]) / abs(b["param_norms"][k]))
    for k in a["step_norms"]:
        for u, v in zip(a["step_norms"][k], b["step_norms"][k]):
            d = max(d, abs(u - v) / abs(v))
    return d


def write_nn(name, scale, x, y):
    logits = f"dense(reshape(b, [B, -1]), {CLASSES})" + ("" if scale == 1.0 else f" * {scale!r}")
    lines = [f"// Generated by make_golden_gradnorms.py (case `{name}`): do not edit; rerun the script.",
             f"// Parameters come from {name}.init.safetensors via `train --resume`.",
             f"model {MODEL}(x: f32[B, {T}, {I}]) -> f32[B, {CLASSES}] {{",
             f"  a = rnn(x, {RNN_H}, activation=sigmoid, return_sequences=true)  // [B, {T}, {RNN_H}]",
             f"  b = lstm(a, {LSTM_H}, reverse=true, return_sequences=true)  // [B, {T}, {LSTM_H}]",
             f"  return {logits}",
             "}",
             ""] + make_golden.train_section(MODEL, x, y, "cross_entropy", f"sgd(lr={LR})", ROWS)
    with open(os.path.join(HERE, f"{name}.nn"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    torch.set_num_threads(1)
    x, y, init = make_inputs()
    d_module = check_lstm_module(x, y, init, run(x, y, init, torch.float64, 1.0))
    assert d_module < 1e-12, f"the lstm equations differ from torch.nn.LSTM by {d_module}"
    for name, scale in CASES:
        ref = run(x, y, init, torch.float64, scale)
        d_f32 = reldiff(run(x, y, init, torch.float32, scale), ref)
        assert d_f32 < REL_TOL / 10, f"{name}: float32 norms differ by {d_f32} (relative): tolerance too tight"

        names = list(shapes())
        metadata = {"format": "nnc", "model": MODEL, "step": "0", "epoch": "0"}
        safetensors_io.write(os.path.join(HERE, f"{name}.init.safetensors"), [(k, init[k]) for k in names],
                             metadata)
        write_nn(name, scale, x, y)
        expected = {"case": name, "model": MODEL, "source": f"{name}.nn", "init": f"{name}.init.safetensors",
                    "lr": LR, "logit_scale": scale, "tolerance": {"abs": ABS_TOL * scale, "rel": REL_TOL},
                    "f32_reldiff": d_f32, "lstm_module_maxdiff": d_module, "loss": ref["loss"],
                    "param_norms": ref["param_norms"], "step_norms": ref["step_norms"]}
        with open(os.path.join(HERE, f"{name}.expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        print(f"{name}: loss {ref['loss']:.9g}  f32_reldiff {d_f32:.3g}  lstm_module_maxdiff {d_module:.3g}")
        for k, v in ref["step_norms"].items():
            print(f"  {k}: " + " ".join(f"{n:.3e}" for n in v))


if __name__ == "__main__":
    main()
