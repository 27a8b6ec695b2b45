#!/usr/bin/python3
"""Where a compiled model's training step spends its time, per parallel region and .nn source line.

  bench/regions.py MODEL.nn [-b build] [-- TRAIN ARGS...]

Builds MODEL.nn, runs `<binary> train` (default `--epochs 1 --limit-batches 300`) under
`perf record -e cpu-clock`, and prints every outlined OpenMP region of nnc_train_step (the
`nnc_train_step..omp_par.N` functions) with its share of all samples and the .nn line of the op it came
from. The line comes from the `llvm` stage printed with NNC_PRINT_LOCS=1: its omp.parallel ops, in order,
are the regions in the order nnc_train_step forks them (read from the LLVM IR). Samples outside the step
(evaluation, data loading, libomp's spin-waits) are summed at the end.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"bench/regions.py: error: {' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def region_locations(llvm_mlir):
    """The .nn location of every omp.parallel of nnc_train_step, in textual order."""
    lines = llvm_mlir.split("\n")
    aliases = dict(m.groups() for m in (re.match(r"#(loc\d*) = loc\((.*)\)$", l) for l in lines) if m)

    def resolve(v):
        for _ in range(10):
            v = re.sub(r"#(loc\d*)", lambda m: aliases.get(m.group(1), m.group(0)), v)
        return v

    func, opened, locs = None, [], []
    for line in lines:
        m = re.match(r"\s*llvm\.func @(\w+)\(", line)
        if m:
            func = m.group(1)
        if func != "nnc_train_step":
            continue
        s = line.strip()
        indent = len(line) - len(line.lstrip())
        if s.startswith("omp.parallel"):
            opened.append(indent)
        elif s.startswith("}") and "loc(" in s and opened and opened[-1] == indent:
            opened.pop()
            found = re.findall(r'"([^"]+)":(\d+):(\d+)', resolve(re.search(r"loc\((.*)\)\s*$", s).group(1)))
            locs.append(found[0] if found else ("?", "0", "0"))
    return locs


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("-b", "--build", default=os.path.join(REPO, "build"))
    p.add_argument("train_args", nargs="*", default=["--epochs", "1", "--limit-batches", "300"])
    args = p.parse_args()
    nnc = os.path.join(args.build, "bin", "nnc")
    work = tempfile.mkdtemp(prefix="nnc-regions-")
    binary, data = os.path.join(work, "model"), os.path.join(work, "perf.data")
    run([nnc, "build", args.model, "-o", binary])
    ir = run([nnc, "build", args.model, "--emit=llvm-ir"])
    body = re.search(r"define void @nnc_train_step\(.*?\n}\n", ir, re.S)
    if not body or "__kmpc_fork_call" not in body.group(0):
        sys.exit(f"bench/regions.py: error: {args.model}: the training step has no parallel region "
                 "(a model without a train section, or one too small to split over threads)")
    body = body.group(0)
    forks = [n or "0" for n in re.findall(r"@nnc_train_step\.\.omp_par\.?(\d*)\b", body)]
    locs = region_locations(run([nnc, "build", args.model, "--emit=llvm"], env=dict(os.environ, NNC_PRINT_LOCS="1")))
    if len(locs) != len(forks):
        sys.exit(f"bench/regions.py: error: {len(locs)} omp.parallel ops but {len(forks)} forks")
    run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "2000", "-o", data, binary, "train"] + args.train_args)
    report = run(["perf", "report", "-i", data, "--no-children", "--sort", "symbol", "-g", "none"])
    share = {}
    for m in re.finditer(r"^\s+([0-9.]+)%\s+\[.\]\s+(\S+)", report, re.M):
        share[m.group(2)] = float(m.group(1))
    sources = {}
    total = 0.0
    print(f"{'region':>8} {'samples':>8}  source")
    for n, (path, line, col) in zip(forks, locs):
        name = "nnc_train_step..omp_par" + ("" if n == "0" else "." + n)
        pct = share.get(name, 0.0)
        total += pct
        if path not in sources and os.path.exists(path):
            sources[path] = open(path).read().split("\n")
        text = sources.get(path, [""] * int(line))[int(line) - 1].strip() if int(line) else ""
        print(f"{'.' + n:>8} {pct:7.2f}%  {os.path.basename(path)}:{line}:{col}  {text[:70]}")
    serial = share.get("nnc_train_step", 0.0)
    print(f"parallel regions {total:.2f}%, serial code of nnc_train_step {serial:.2f}%, "
          f"everything else {100 - total - serial:.2f}% (evaluation, data, libomp, kernel)")


if __name__ == "__main__":
    main()
