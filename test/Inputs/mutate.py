"""Seeded mutation test: mutates the given .nn files (insert a token, delete a few characters) and runs each
`nnc` command given with --run on every mutant. A run is bad if it exits with a status other than 0 or 1, exits
1 without a `file:line:col: error:` diagnostic, prints an LLVM fatal error, an assertion or a stack dump, or
does not finish in --timeout seconds. Prints every bad run, then `mutations N crashes K`; exits 1 if K > 0.
Usage: mutate.py NNC SEED COUNT --run "check --print-program" [--run ...] [--timeout S] FILE.nn..."""
import argparse
import random
import re
import subprocess
import sys
import tempfile

TOKENS = ["1", "0", "3", "B", "2.0", "0.0", "0.5", "-1", "1e9", "99999999", "-", "@", "*", "+", "/", "(", ")",
          ",", "[", "]", "{", "}", "x", "h", "c", "n", "= ", "return ", "[[1.0]]", "f32[B, 2]", "i32[B]",
          "f32[B, 4, 4, 2]", "relu(", "sigmoid(", "softmax(", "dense(", "bias=false", "conv2d(", "max_pool(",
          "avg_pool(", "global_avg_pool(", "flatten(", "reshape(", "concat(", "batch_norm(", "dropout(",
          "flip_lr(", "repeat 3 {", "repeat n {", "\"same\"", "\"valid\"", "padding=", "stride=", "dilation=",
          "axis=", "[1, 2, 3, 4]", "[B, -1]", "block ", "Residual(", "Inception(", "scan ", "scan reverse ",
          "emit ", "emit h, ", " in ", "x in xs", "t in 3", " with ", "with h = ", "zeros([B, 2])", "first", "if ",
          "if first {", "} else {", "else ", "t, "]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nnc")
    ap.add_argument("seed", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--run", action="append", required=True, help="an nnc command; the mutant's path is appended")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    random.seed(args.seed)
    sources = [open(f).read() for f in args.files]
    crashes = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = tmp + "/m.nn"
        for i in range(args.count):
            s = random.choice(sources)
            for _ in range(random.randint(1, 3)):
                p = random.randrange(len(s))
                if random.random() < 0.55:
                    s = s[:p] + random.choice(TOKENS) + s[p:]
                else:
                    s = s[:p] + s[p + random.randint(1, 4):]
            open(path, "w").write(s)
            for cmd in args.run:
                try:
                    r = subprocess.run([args.nnc] + cmd.split() + [path], capture_output=True, text=True,
                                       timeout=args.timeout)
                    bad = (r.returncode not in (0, 1) or
                           (r.returncode == 1 and not re.search(r":\d+:\d+: error: ", r.stderr)) or
                           any(m in r.stderr for m in ("LLVM ERROR", "Assertion", "Stack dump")))
                    why = "exit %d" % r.returncode
                except subprocess.TimeoutExpired:
                    bad, r, why = True, None, "timeout"
                if bad:
                    crashes += 1
                    print("bad run (%s) of `%s` on mutation %d:\n%s\n--- stderr:\n%s" %
                          (why, cmd, i, s, r.stderr[-2000:] if r else ""))
    print("mutations %d crashes %d" % (args.count, crashes))
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
