"""Seeded mutation test of the whole compiler: mutates the example models (insert a token, delete a few
characters), runs `nnc build --emit=STAGE` on each, and fails if any run exits with a status other than 0 or 1
or prints an LLVM fatal error, an assertion or a stack dump (a crash, not a diagnostic).
Usage: mutate-build.py NNC STAGE SEED COUNT FILE.nn..."""
import random
import subprocess
import sys
import tempfile

nnc, stage, seed, count, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
random.seed(seed)
sources = [open(f).read() for f in files]
tokens = ["1", "0", "B", "2.0", "-", "@", "*", "+", "/", "relu(", "softmax(", "dense(", ")", ",", "x", "h",
          "[", "]", "[[1.0]]", "3", "f32[B, 2]", "i32[B]", "sigmoid(", "bias=false", "-1", "0.0"]
crashes = 0
with tempfile.TemporaryDirectory() as tmp:
    path = tmp + "/m.nn"
    for i in range(count):
        s = random.choice(sources)
        for _ in range(random.randint(1, 3)):
            p = random.randrange(len(s))
            if random.random() < 0.5:
                s = s[:p] + random.choice(tokens) + s[p:]
            else:
                s = s[:p] + s[p + random.randint(1, 4):]
        open(path, "w").write(s)
        r = subprocess.run([nnc, "build", path, "--emit=" + stage], capture_output=True, text=True, timeout=120)
        if r.returncode not in (0, 1) or any(m in r.stderr for m in ("LLVM ERROR", "Assertion", "Stack dump")):
            crashes += 1
            print("crash (exit %d) on mutation %d:\n%s\n--- stderr:\n%s" % (r.returncode, i, s, r.stderr[-2000:]))
print("mutations %d crashes %d" % (count, crashes))
sys.exit(1 if crashes else 0)
