"""Seeded mutation test of the frontend on convolutional models: mutates the given .nn files (insert a token,
delete a few characters), runs `nnc check` and `nnc summary` on each, and counts runs that end in anything
but output or a diagnostic with exit status 1 (a crash, a hang, or a diagnostic without file:line:col).
Usage: mutate-check.py NNC STDLIB SEED COUNT FILE.nn..."""
import random
import re
import subprocess
import sys
import tempfile

nnc, stdlib, seed, count, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
random.seed(seed)
sources = [open(f).read() for f in files]
tokens = ["1", "0", "B", "2.0", "-", "*", "+", "/", "(", ")", ",", "[", "]", "x", "h", "c", "n", "-1", "0.5",
          "1e9", "99999999", "conv2d(", "max_pool(", "avg_pool(", "global_avg_pool(", "flatten(", "reshape(",
          "concat(", "batch_norm(", "dropout(", "flip_lr(", "repeat 3 {", "repeat n {", "}", "{", "\"same\"",
          "\"valid\"", "padding=", "stride=", "dilation=", "axis=", "[1, 2, 3, 4]", "[B, -1]", "block ",
          "Residual(", "Inception(", "f32[B, 4, 4, 2]", "= ", "return "]
crashes = 0
with tempfile.TemporaryDirectory() as tmp:
    path = tmp + "/m.nn"
    for i in range(count):
        s = random.choice(sources)
        for _ in range(random.randint(1, 3)):
            p = random.randrange(len(s))
            if random.random() < 0.6:
                s = s[:p] + random.choice(tokens) + s[p:]
            else:
                s = s[:p] + s[p + random.randint(1, 4):]
        open(path, "w").write(s)
        for cmd in (["check", path, "--print-program"], ["summary", path]):
            try:
                r = subprocess.run([nnc] + cmd + ["--stdlib", stdlib], capture_output=True, text=True,
                                   timeout=60)
                bad = r.returncode not in (0, 1) or (r.returncode == 1 and not re.search(r":\d+:\d+: error: ",
                                                                                         r.stderr))
            except subprocess.TimeoutExpired:
                bad, r = True, None
            if bad:
                crashes += 1
                print("crash on mutation %d (%s):\n%s\n--- stderr:\n%s" %
                      (i, cmd[0], s, r.stderr[-2000:] if r else "timeout"))
print("crashes", crashes)
