#!/usr/bin/python3
"""Where a compiled model's training run spends its time, per kernel and .nn source line.

  bench/regions.py MODEL.nn [-b build] [-- TRAIN ARGS...]

Builds MODEL.nn, runs `<binary> train` (default `--epochs 1 --limit-batches 300`) under
`perf record -e cpu-clock`, and prints every kernel function (`nnc_kernel_N`, one per distinct loop nest,
shared by the entry points that run it; its OpenMP regions `nnc_kernel_N..omp_par*` counted with it) with
its share of all samples and the .nn line of the op it came from. The line comes from the `llvm` stage
printed with NNC_PRINT_LOCS=1, where each `llvm.func @nnc_kernel_N` ends with its location. A kernel that
LLVM inlined into its only caller counts in that entry function's own share; samples outside the kernels
(the entry functions' own code, data loading, libomp's spin-waits) are summed at the end.
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


def kernel_locations(llvm_mlir):
    """{kernel name: (file, line, col)} from the `llvm` stage printed with locations."""
    lines = llvm_mlir.split("\n")
    aliases = dict(m.groups() for m in (re.match(r"#(loc\d*) = loc\((.*)\)$", l) for l in lines) if m)

    def resolve(v):
        for _ in range(10):
            v = re.sub(r"#(loc\d*)", lambda m: aliases.get(m.group(1), m.group(0)), v)
        return v

    locs, func, indent = {}, None, 0
    for line in lines:
        m = re.match(r"(\s*)llvm\.func (?:internal )?@(nnc_kernel_\d+)\(", line)
        if m:
            func, indent = m.group(2), len(m.group(1))
            continue
        s = line.strip()
        if func and s.startswith("}") and "loc(" in s and len(line) - len(line.lstrip()) == indent:
            found = re.findall(r'"([^"]+)":(\d+):(\d+)', resolve(re.search(r"loc\((.*)\)\s*$", s).group(1)))
            locs[func] = found[0] if found else ("?", "0", "0")
            func = None
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
    locs = kernel_locations(run([nnc, "build", args.model, "--emit=llvm"], env=dict(os.environ, NNC_PRINT_LOCS="1")))
    if not locs:
        sys.exit(f"bench/regions.py: error: {args.model}: no kernel functions in the `llvm` stage")
    run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "2000", "-o", data, binary, "train"] + args.train_args)
    report = run(["perf", "report", "-i", data, "--no-children", "--sort", "symbol", "-g", "none"])
    share, entries = {}, {}
    for m in re.finditer(r"^\s+([0-9.]+)%\s+\[.\]\s+(\S+)", report, re.M):
        k = re.match(r"(nnc_kernel_\d+)(\.\.omp_par.*)?$", m.group(2))
        if k:
            share[k.group(1)] = share.get(k.group(1), 0.0) + float(m.group(1))
        elif m.group(2).startswith("nnc_"):
            entries[m.group(2)] = float(m.group(1))
    sources = {}
    print(f"{'kernel':>16} {'samples':>8}  source")
    for name, pct in sorted(share.items(), key=lambda kv: -kv[1]):
        path, line, col = locs.get(name, ("?", "0", "0"))
        if path not in sources and os.path.exists(path):
            sources[path] = open(path).read().split("\n")
        text = sources.get(path, [""] * int(line))[int(line) - 1].strip() if int(line) else ""
        print(f"{name:>16} {pct:7.2f}%  {os.path.basename(path)}:{line}:{col}  {text[:70]}")
    total = sum(share.values())
    own = ", ".join(f"{n} {v:.2f}%" for n, v in sorted(entries.items(), key=lambda kv: -kv[1]))
    print(f"kernels {total:.2f}%; entry functions' own code: {own or 'none'}; "
          f"everything else {100 - total - sum(entries.values()):.2f}% (data, libomp, kernel)")


if __name__ == "__main__":
    main()
