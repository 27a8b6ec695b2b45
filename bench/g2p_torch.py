#!/usr/bin/python3
"""PyTorch reference for the grapheme-to-phoneme (G2P) model on the CMU dictionary: benchmark peer and oracle.

Data: the CMU pronouncing dictionary 0.4 as Debian's festlex-cmu installs it, read as nnc's runtime reads it
(runtime/Dict.h): a `MNCL` header line, then `("word" pos (((ph ph) stress) ...))`. Words are lower-cased, letters
a..z are ids 1..26 (0 pad); phones lose their stress and are ids 3..42 in PHONES order (0 pad, 1 <s>, 2 </s>).
A word's pronunciations (over all its lines, identical ones merged) are kept in first-seen order. A word is held
out for testing when FNV-1a-32 of its bytes % 10 == 0. One sample per (word, pronunciation): x = letters padded
to S, y = phones, </s>, padded to T; samples that do not fit are skipped (none do at S = T = 24).

Model (the same as the .nn peer):
  encoder  Embedding(27, 64) -> bidirectional LSTM(64, 128) over all S steps (pads too) -> mem [B, S, 256];
           h0 = c0... = concat of the two directions' final h (and c) [B, 256]
  decoder  Embedding(43, 64) of [<s>, y_0 .. y_{T-2}] -> LSTM(64, 256) from (h0, c0) -> H [B, T, 256]
           scores = H @ mem^T [B, T, S] - 1e9 at padding letters; attn = softmax over S; ctx = attn @ mem
           out = tanh(Linear(512, 256)([H, ctx])); logits = Linear(256, 43)(out)
PyTorch-default init written out (LSTM and Linear ~ U(-1/sqrt(fan), 1/sqrt(fan)), Embedding ~ N(0, 1), no
padding_idx). Cross-entropy over real target tokens (ignore_index 0, </s> included), Adam (lr 0.002), batch 64
(the last partial batch trains too), clip_grad_norm_(5), seed 1, shuffled every epoch.

After training: test loss, and word/phone error rates (WER/PER, percent) of greedy and beam-K decoding on the
held-out words. Decoding follows runtime/Decode.h: scores are sums of log-softmax (float64); each step takes the
best candidates (ties: lower row, then lower token) until K live hypotheses are kept, a candidate ending in </s>
is finished with score / len^1 (len counts </s>); it stops when K have finished or after T steps (live ones then
finish with score / len). A word is wrong unless the hypothesis equals one of its pronunciations; its phone
errors are the least edit distance over them (first on ties), divided by that reference's length (summed).

Prints one JSON line per epoch (epoch, train_loss, test_loss, seconds, samples_per_s: training samples per second
of training steps, impl, threads, blas_core), then one final line with the error rates. Benchmark mode
`--steps N --time`: N timed training steps, one JSON line (steps, seconds, samples_per_s), no evaluation. Run tuned:
  OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/g2p_torch.py --threads 2 --minutes 10
"""
import argparse
import json
import math
import os
import re
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp_torch import warn_untuned  # noqa: E402
from rnn_torch import openblas_core  # noqa: E402

CMUDICT = "/usr/share/festival/dicts/cmu/cmudict-0.4.out"
PHONES = ("aa ae ah ao aw ax ay b ch d dh eh er ey f g hh ih iy jh k l m n ng ow oy p r s sh t th uh uw v w y z "
          "zh").split()
PAD, START, END = 0, 1, 2
LETTER_CLASSES, PHONE_CLASSES = 27, 3 + len(PHONES)
PHONE_ID = {p: 3 + i for i, p in enumerate(PHONES)}
ENTRY = re.compile(r'^\("([^"]+)" [^\s()"]+ \(((?:\(\([a-z ]+\) [0-9]\) ?)+)\)\)$')
SYLLABLE = re.compile(r'\(\(([a-z ]+)\) [0-9]\)')


def fnv1a32(data):
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def held_out(word):
    return fnv1a32(word.encode()) % 10 == 0


def read_cmudict(path):
    """(train, test): lists of (word, letter ids, [phone id tuples]) in file order."""
    lines = open(path, encoding="ascii").read().split("\n")
    if not lines or lines[0] != "MNCL":
        sys.exit(f"{path}:1: expected the header 'MNCL'")
    words = {}
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        m = ENTRY.match(line)
        if not m:
            sys.exit(f"{path}:{number}: not an entry ('(\"word\" pos (((phones) stress) ...))')")
        word = m.group(1).lower()
        if not re.fullmatch("[a-z]+", word):
            sys.exit(f"{path}:{number}: word '{word}' has a character outside a-z")
        phones = " ".join(SYLLABLE.findall(m.group(2))).split()
        if any(p not in PHONE_ID for p in phones):
            sys.exit(f"{path}:{number}: unknown phone in {phones}")
        pron = tuple(PHONE_ID[p] for p in phones)
        prons = words.setdefault(word, [])
        if pron not in prons:
            prons.append(pron)
    train, test = [], []
    for word, prons in words.items():
        (test if held_out(word) else train).append((word, [ord(c) - 96 for c in word], prons))
    return train, test


def encode(words, s, t):
    """x [n, s], y [n, t] (int64), one row per (word, pronunciation) that fits; and the skipped count."""
    xs, ys, skipped = [], [], 0
    for _, letters, prons in words:
        for pron in prons:
            if len(letters) > s or len(pron) > t - 1:
                skipped += 1
                continue
            xs.append(letters + [PAD] * (s - len(letters)))
            ys.append(list(pron) + [END] + [PAD] * (t - 1 - len(pron)))
    return torch.tensor(xs, dtype=torch.int64), torch.tensor(ys, dtype=torch.int64), skipped


def uniform_(module, fan):
    bound = 1.0 / math.sqrt(fan)
    for p in module.parameters():
        nn.init.uniform_(p, -bound, bound)


class G2P(nn.Module):
    def __init__(self):
        super().__init__()
        self.letters = nn.Embedding(LETTER_CLASSES, 64)
        self.encoder = nn.LSTM(64, 128, batch_first=True, bidirectional=True)
        self.phones = nn.Embedding(PHONE_CLASSES, 64)
        self.decoder = nn.LSTM(64, 256, batch_first=True)
        self.combine = nn.Linear(512, 256)
        self.dense = nn.Linear(256, PHONE_CLASSES)
        uniform_(self.encoder, 128)
        uniform_(self.decoder, 256)
        uniform_(self.combine, 512)
        uniform_(self.dense, 256)

    def encode(self, x):
        """x [B, S] -> memory [B, S, 256], padding mask [B, 1, S] (True at pads), state ([1, B, 256] x 2)."""
        mem, (h, c) = self.encoder(self.letters(x))
        state = (torch.cat([h[0], h[1]], 1)[None], torch.cat([c[0], c[1]], 1)[None])
        return mem, (x == PAD)[:, None, :], state

    def decode(self, tokens, mem, pad, state):
        """tokens [B, T'] from state -> logits [B, T', 43] and the new state."""
        h, state = self.decoder(self.phones(tokens), state)  # [B, T', 256]
        scores = torch.bmm(h, mem.transpose(1, 2)).masked_fill(pad, -1e9)  # [B, T', S]
        ctx = torch.bmm(torch.softmax(scores, 2), mem)  # [B, T', 256]
        return self.dense(torch.tanh(self.combine(torch.cat([h, ctx], 2)))), state

    def forward(self, x, y):
        """Teacher forcing: logits [B, T, 43] for inputs [<s>, y_0 .. y_{T-2}]."""
        mem, pad, state = self.encode(x)
        inputs = torch.cat([torch.full_like(y[:, :1], START), y[:, :-1]], 1)
        return self.decode(inputs, mem, pad, state)[0]


def loss_of(model, x, y):
    return nn.functional.cross_entropy(model(x, y).reshape(-1, PHONE_CLASSES), y.reshape(-1), ignore_index=PAD)


def test_loss(model, x, y, chunk=1024):
    """Mean cross-entropy per real target token over the whole set."""
    total, tokens = 0.0, 0
    with torch.no_grad():
        for i in range(0, x.shape[0], chunk):
            logits = model(x[i:i + chunk], y[i:i + chunk])
            total += nn.functional.cross_entropy(logits.reshape(-1, PHONE_CLASSES), y[i:i + chunk].reshape(-1),
                                                 ignore_index=PAD, reduction="sum").item()
            tokens += (y[i:i + chunk] != PAD).sum().item()
    return total / tokens


def beam_search(model, x, beam, max_len, length_penalty=1.0):
    """Best phone sequence (without </s>) per row of x [n, S]; beam 1 is greedy (see the module docstring)."""
    n = x.shape[0]
    mem, pad, (h, c) = model.encode(x)
    rows = torch.arange(n).repeat_interleave(beam)
    mem, pad, state = mem[rows], pad[rows], (h[:, rows], c[:, rows])
    hyps = [[((), 0.0)] + [None] * (beam - 1) for _ in range(n)]  # per input, per row: (prefix, score) or None
    finished = [[] for _ in range(n)]
    done = [False] * n
    tokens = torch.full((n * beam, 1), START, dtype=torch.int64)
    for _ in range(max_len):
        logits, state = model.decode(tokens, mem, pad, state)
        logp = torch.log_softmax(logits[:, 0].double(), 1)  # [n * beam, V]
        live = torch.tensor([[h is not None for h in row] for row in hyps]).reshape(-1)
        base = torch.tensor([[h[1] if h else 0.0 for h in row] for row in hyps], dtype=torch.float64).reshape(-1)
        cand = (base[:, None] + logp).masked_fill(~live[:, None], -math.inf).reshape(n, beam * PHONE_CLASSES)
        top_scores, top_index = cand.topk(min(2 * beam, beam * PHONE_CLASSES), 1)
        frm = torch.arange(n * beam)
        nexts = torch.full((n * beam,), END, dtype=torch.int64)
        for i in range(n):
            if done[i]:
                continue
            picks = sorted((-s, k // PHONE_CLASSES, k % PHONE_CLASSES)
                           for s, k in zip(top_scores[i].tolist(), top_index[i].tolist()) if s > -math.inf)
            kept = []
            for neg, r, tok in picks:
                if len(kept) == beam:
                    break
                prefix = hyps[i][r][0]
                if tok == END:
                    finished[i].append((prefix, -neg / (len(prefix) + 1) ** length_penalty))
                else:
                    kept.append((i * beam + r, prefix + (tok,), -neg))
            hyps[i] = [(p, s) for _, p, s in kept] + [None] * (beam - len(kept))
            for j, (r, p, _) in enumerate(kept):
                frm[i * beam + j] = r
                nexts[i * beam + j] = p[-1]
            done[i] = len(finished[i]) >= beam or not kept
        if all(done):
            break
        state = (state[0][:, frm], state[1][:, frm])
        tokens = nexts[:, None]
    best = []
    for i in range(n):
        cands = list(finished[i])
        if not done[i]:
            cands += [(p, s / len(p) ** length_penalty) for p, s in (h for h in hyps[i] if h)]
        best.append(max(cands, key=lambda c: c[1])[0])  # max keeps the first of equal scores
    return best


def edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, row[0] = row[0], i
        for j in range(1, len(b) + 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
    return row[len(b)]


def error_rates(hyps, refs):
    """(WER, PER) in percent; refs[i] is the list of word i's pronunciations."""
    wrong, errors, length = 0, 0, 0
    for hyp, prons in zip(hyps, refs):
        wrong += tuple(hyp) not in [tuple(p) for p in prons]
        dist, ref = min(((edit_distance(hyp, p), len(p)) for p in prons), key=lambda d: d[0])
        errors += dist
        length += ref
    return 100.0 * wrong / len(hyps), 100.0 * errors / length


def evaluate_decoding(model, words, beam, s, t, chunk=256):
    """(WER, PER) of beam-`beam` decoding over the words that fit in S letters."""
    words = [w for w in words if len(w[1]) <= s]
    hyps = []
    with torch.no_grad():
        for i in range(0, len(words), chunk):
            part = words[i:i + chunk]
            x = torch.tensor([w[1] + [PAD] * (s - len(w[1])) for w in part], dtype=torch.int64)
            hyps += beam_search(model, x, beam, t)
    return error_rates(hyps, [w[2] for w in words])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dict", default=CMUDICT)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--minutes", type=float, default=0, help="stop after this many minutes of training steps")
    ap.add_argument("--steps", type=int, default=0, help="stop after this many training steps")
    ap.add_argument("--time", action="store_true", help="benchmark mode: time the training steps only")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--seq-len", type=int, default=24, help="S = T, letters and phones + </s>")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cosine", action="store_true",
                    help="cosine learning-rate decay to 0 over the run (examples/g2p.nn's lr_schedule = cosine()): "
                         "over the epochs' steps, or with --minutes over the training time, so that it reaches 0 "
                         "when the time is up")
    args = ap.parse_args()
    if args.time and args.steps <= 0:
        ap.error("--time needs --steps N")

    warn_untuned("g2p_torch.py")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    s = t = args.seq_len
    train_words, test_words = read_cmudict(args.dict)
    x_train, y_train, skipped_train = encode(train_words, s, t)
    x_test, y_test, skipped_test = encode(test_words, s, t)
    if skipped_train or skipped_test:
        print(f"cmudict: {skipped_train + skipped_test} of {len(x_train) + len(x_test) + skipped_train + skipped_test}"
              f" samples longer than S={s} / T={t} skipped", file=sys.stderr)
    model = G2P()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, foreach=True)
    gen = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]
    steps, budget = 0, args.minutes * 60 if args.minutes > 0 else math.inf
    trained_seconds, trained_samples, stop = 0.0, 0, False
    extra = dict(impl="pytorch-" + torch.__version__, threads=args.threads, blas_core=openblas_core())
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(n, generator=gen)
        xs, ys = x_train[perm], y_train[perm]
        model.train()
        loss_sum, samples, seconds = torch.zeros((), dtype=torch.float64), 0, 0.0
        for b in range(0, n, args.batch):
            xb, yb = xs[b:b + args.batch], ys[b:b + args.batch]
            if args.cosine:
                done = ((trained_seconds + seconds) / budget if budget < math.inf
                        else steps / (args.epochs * math.ceil(n / args.batch)))
                for g in opt.param_groups:
                    g["lr"] = args.lr * (1 + math.cos(math.pi * min(done, 1.0))) / 2
            t0 = time.perf_counter()
            loss = loss_of(model, xb, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            seconds += time.perf_counter() - t0
            loss_sum += loss.detach() * xb.shape[0]
            samples += xb.shape[0]
            steps += 1
            if steps == args.steps or trained_seconds + seconds >= budget:
                stop = True
                break
        trained_seconds += seconds
        trained_samples += samples
        if args.time:
            if stop or epoch == args.epochs:
                print(json.dumps(dict(steps=steps, seconds=trained_seconds,
                                      samples_per_s=trained_samples / trained_seconds, batch=args.batch, **extra)),
                      flush=True)
                return
            continue
        model.eval()
        print(json.dumps(dict(epoch=epoch, steps=steps, train_loss=loss_sum.item() / samples,
                              test_loss=test_loss(model, x_test, y_test), seconds=seconds,
                              samples_per_s=samples / seconds, **extra)), flush=True)
        if stop:
            break
    model.eval()
    rec = dict(final=True, steps=steps, train_seconds=trained_seconds, test_loss=test_loss(model, x_test, y_test))
    for name, k in (("greedy", 1), (f"beam{args.beam}", args.beam)):
        t0 = time.perf_counter()
        wer, per = evaluate_decoding(model, test_words, k, s, t)
        rec.update({f"{name}_wer": wer, f"{name}_per": per, f"{name}_seconds": time.perf_counter() - t0})
    print(json.dumps({**rec, "test_words": len(test_words), **extra}), flush=True)


if __name__ == "__main__":
    main()
