#!/usr/bin/python3
"""Generates the golden test of a stateful character model on a text stream: PyTorch (float64) is the oracle.

Case `stream`: stream.txt (a short text, written here) read by `data = text("stream.txt", seq_len=4,
test=0.25)` with batch 2; the model is lstm(x, 3, return_sequences=true, stateful=true) -> dense(97) on one-hot
characters, cross_entropy per position, SGD lr 0.1, one epoch. The runtime cuts the training part (the first 75%
of the characters) into B = 2 rows of L = (n - 1) / 2 consecutive characters; batch s holds positions
[4 s, 4 s + 4) of both rows, the labels the next characters, and the LSTM starts each batch from the state the
previous batch ended with, without gradient through it (truncated BPTT across batches). The oracle does the same
with torch.nn.LSTM + Linear and (h, c).detach() between batches, one SGD step per batch.

Writes next to this script, in make_golden.py's formats (compare.py checks them): stream.txt, stream.nn,
stream.init.safetensors (the initial parameters, for `train --resume`) and stream.expected.json (the parameters
after the epoch and the epoch's mean training loss). Cross-checks, asserted: a float32 run of the oracle stays
10x under compare.py's tolerance, and the same run without carrying the state (zeros every batch) moves some
parameter by more than 100x the tolerance (so the test sees a state that is not carried).
Rerun after changing it: /usr/bin/python3 make_golden_text.py (the output is deterministic).
"""
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_golden  # noqa: E402  (write_expected, ABS_TOL)
import safetensors_io  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT = ("the cat sat on the mat.\nthe dog sat on the log;\n"
        "a cat and a dog sat\ton a mat by the log!\n")
B, T, H, V, LR, TEST = 2, 4, 3, 97, 0.1, 0.25
MODEL = "Stream"
NAMES = [f"{MODEL}.lstm1.{w}_l0" for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")] + \
        [f"{MODEL}.dense1.weight", f"{MODEL}.dense1.bias"]


def text_class(ch):  # runtime/Data.cpp textClass: tab, newline, ' '..'~'
    return {"\t": 0, "\n": 1}.get(ch, ord(ch) - 32 + 2)


def batches(stream):
    """(x one-hot [B, T, V], y [B, T]) per batch, as fillStreamBatch cuts the stream."""
    row = (len(stream) - 1) // B
    out = []
    for s in range(row // T):
        idx = np.array([[stream[i * row + s * T + j] for j in range(T + 1)] for i in range(B)])
        x = np.zeros((B, T, V))
        for i in range(B):
            x[i, np.arange(T), idx[i, :T]] = 1
        out.append((x, idx[:, 1:]))
    return out


def run(init, stream, dtype, carry=True):
    lstm = torch.nn.LSTM(V, H, batch_first=True).to(dtype)
    with torch.no_grad():
        for n, p in lstm.named_parameters():
            p.copy_(torch.from_numpy(init[f"{MODEL}.lstm1.{n}"]).to(dtype))
    w = torch.tensor(init[f"{MODEL}.dense1.weight"], dtype=dtype, requires_grad=True)  # [H, V]
    b = torch.tensor(init[f"{MODEL}.dense1.bias"], dtype=dtype, requires_grad=True)
    params = dict(lstm.named_parameters())
    leaves = [params[n.split(".")[-1]] for n in NAMES[:4]] + [w, b]
    state, losses = None, []
    for x, y in batches(stream):
        out, (h, c) = lstm(torch.tensor(x, dtype=dtype), state)
        logits = out @ w + b  # [B, T, V]
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.tensor(y).reshape(-1))
        grads = torch.autograd.grad(loss, leaves)
        with torch.no_grad():
            for p, g in zip(leaves, grads):
                p -= LR * g
        losses.append(loss.item())
        state = (h.detach(), c.detach()) if carry else None
    return dict(loss=float(np.mean(losses)), losses=[float(np.mean(losses))],
                outputs=np.zeros((0,)), grads={},
                params={n: p.detach().numpy().astype(np.float64) for n, p in zip(NAMES, leaves)})


def maxdiff(a, b):
    return max(float(np.max(np.abs(a["params"][k] - b["params"][k]))) for k in NAMES)


def main():
    torch.set_num_threads(1)
    chars = [text_class(c) for c in TEXT]
    stream = chars[:int(len(chars) * (1 - TEST))]
    rng = np.random.RandomState(80)
    bound = 1 / math.sqrt(H)
    init = {}
    for n in NAMES[:4]:
        shape = (4 * H, V) if "weight_ih" in n else (4 * H, H) if "weight_hh" in n else (4 * H,)
        init[n] = rng.uniform(-bound, bound, shape).astype(np.float32)
    init[NAMES[4]] = rng.uniform(-bound, bound, (H, V)).astype(np.float32)
    init[NAMES[5]] = rng.uniform(-bound, bound, (V,)).astype(np.float32)
    ref = run(init, stream, torch.float64)
    d_f32 = maxdiff(ref, run(init, stream, torch.float32))
    d_carry = maxdiff(ref, run(init, stream, torch.float64, carry=False))
    assert d_f32 < make_golden.ABS_TOL / 10, f"float32 run differs by {d_f32}: tolerance too tight"
    assert d_carry > 100 * make_golden.ABS_TOL, f"carrying the state changes the parameters by only {d_carry}"

    with open(os.path.join(HERE, "stream.txt"), "w") as f:
        f.write(TEXT)
    with open(os.path.join(HERE, "stream.nn"), "w") as f:
        f.write(f"""// Generated by make_golden_text.py: do not edit; rerun the script.
// Parameters come from stream.init.safetensors via `train --resume`.
model {MODEL}(x: f32[B, T, {V}]) -> f32[B, T, {V}] {{
  return dense(lstm(x, {H}, return_sequences=true, stateful=true), {V})
}}

train {MODEL} {{
  data = text("stream.txt", seq_len={T}, test={TEST})
  loss = cross_entropy({MODEL}(x), y)
  optimizer = sgd(lr={LR})
  batch = {B}
  epochs = 1
  seed = 1
}}
""")
    metadata = {"format": "nnc", "model": MODEL, "step": "0", "epoch": "0"}
    safetensors_io.write(os.path.join(HERE, "stream.init.safetensors"), [(k, init[k]) for k in NAMES], metadata)
    case = dict(name="stream", model=MODEL, loss="cross_entropy")
    make_golden.write_expected(case, np.zeros((0,)), np.zeros((0,)), ref, d_f32, {"kind": "sgd", "lr": LR},
                               len(batches(stream)), {}, {"text_chars": len(chars)})
    print(f"stream: {len(batches(stream))} batches  loss {ref['loss']:.9g}  f32_maxdiff {d_f32:.3g}  "
          f"no-carry maxdiff {d_carry:.3g}")


if __name__ == "__main__":
    main()
