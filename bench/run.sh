#!/usr/bin/env bash
# Benchmarks the compiled examples/mlp.nn against the tuned PyTorch reference (bench/mlp_torch.py) on this machine:
# compiles the model with nnc, then runs our binary and PyTorch alternately K times each (one training run of
# E epochs per process), prints best/median training samples/s of both and their ratio, and writes
# bench/results.json. See bench/README.md.
#
#   bench/run.sh [-b BUILD_DIR] [-k K] [-e EPOCHS] [-t TORCH_THREADS] [-o RESULTS_JSON]
#
# BUILD_DIR defaults to ./build; if it has no bin/nnc yet, it is configured and built (ninja -j2 nnc nnrt).
# TORCH_THREADS defaults to 1: for this small model PyTorch is fastest single-threaded (bench/README.md).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build="$repo/build"
build_given=0
runs=5
epochs=1
threads=1 # the faster PyTorch setting for this model here: 37k samples/s vs 26k with 2 threads
results="$repo/bench/results.json"
python=/usr/bin/python3

die() { echo "bench/run.sh: error: $*" >&2; exit 1; }
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while getopts "b:k:e:t:o:h" opt; do
  case $opt in
    b) build=$(cd "$OPTARG" 2>/dev/null && pwd) || die "build directory '$OPTARG' does not exist"; build_given=1 ;;
    k) runs=$OPTARG ;;
    e) epochs=$OPTARG ;;
    t) threads=$OPTARG ;;
    o) results=$OPTARG ;;
    h) usage 0 ;;
    *) usage 1 >&2 ;;
  esac
done
for opt in k:runs e:epochs t:threads; do
  v=${opt#*:}
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "-${opt%%:*} needs a positive integer, got '${!v}'"
done

[ -x "$python" ] || die "$python not found (install python3-torch python3-numpy)"
"$python" -c 'import torch, numpy' 2>/dev/null || die "$python cannot import torch and numpy (apt-get install python3-torch)"
model="$repo/examples/mlp.nn"
[ -f "$model" ] || die "$model not found"

nnc="$build/bin/nnc"
if [ ! -x "$nnc" ]; then
  [ "$build_given" -eq 0 ] || die "$nnc not found: build it first (ninja -C $build nnc nnrt) or omit -b"
  echo "bench: building nnc in $build"
  [ -f "$build/build.ninja" ] || cmake -G Ninja -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$build" -j2 nnc nnrt || die "building nnc failed"
  [ -x "$nnc" ] || die "the build finished but $nnc does not exist"
fi

work="$build/bench"
mkdir -p "$work"
rm -f "$work"/*.json
echo "bench: $nnc build $model -o $work/mlp"
"$nnc" build "$model" -o "$work/mlp" || die "nnc failed to compile $model"
[ -x "$work/mlp" ] || die "nnc reported success but wrote no $work/mlp"

# PyTorch tuned as shared/TOOLCHAIN.md says: torch's OpenMP pool (--threads) does the parallel work, OpenBLAS
# stays single-threaded and idle OpenMP threads sleep.
torch_env=(OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1)

for i in $(seq 1 "$runs"); do
  echo "bench: run $i/$runs: nnc"
  "$work/mlp" train --epochs "$epochs" --metrics "$work/nnc-$i.json" >/dev/null \
    || die "$work/mlp train failed (run $i)"
  [ -s "$work/nnc-$i.json" ] || die "$work/mlp wrote no metrics to $work/nnc-$i.json"
  echo "bench: run $i/$runs: pytorch"
  env "${torch_env[@]}" "$python" "$repo/bench/mlp_torch.py" --epochs "$epochs" --threads "$threads" \
    >"$work/torch-$i.json" || die "bench/mlp_torch.py failed (run $i)"
done

"$python" - "$work" "$runs" "$epochs" "$threads" "$results" "$nnc" <<'EOF'
import json, os, platform, statistics, subprocess, sys, time

work, runs, epochs, threads, results, nnc = sys.argv[1:]
runs, epochs = int(runs), int(epochs)

def load(prefix):
    """Per process: samples/s summed over its epochs (total samples / total train seconds), last epoch's metrics."""
    out = []
    for i in range(1, runs + 1):
        path = os.path.join(work, f"{prefix}-{i}.json")
        recs = [json.loads(l) for l in open(path) if l.strip()]
        if not recs or any("samples_per_s" not in r or "seconds" not in r for r in recs):
            sys.exit(f"bench/run.sh: error: {path}: no samples_per_s/seconds records")
        samples = sum(r["samples_per_s"] * r["seconds"] for r in recs)
        out.append(dict(samples_per_s=samples / sum(r["seconds"] for r in recs),
                        test_acc=recs[-1].get("test_acc"), train_loss=recs[-1].get("train_loss")))
    return out

def summary(rs):
    sps = [r["samples_per_s"] for r in rs]
    return dict(best=max(sps), median=statistics.median(sps), worst=min(sps), spread=max(sps) / min(sps),
                runs=sps, test_acc=[r["test_acc"] for r in rs])

ours, torch = summary(load("nnc")), summary(load("torch"))
try:
    rev = subprocess.run(["git", "-C", os.path.dirname(results), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip() or None
except OSError:
    rev = None
doc = dict(model="examples/mlp.nn", date=time.strftime("%Y-%m-%dT%H:%M:%S"), git=rev, nnc=nnc,
           cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), runs_each=runs, epochs=epochs,
           torch_threads=int(threads), nnc_results=ours, pytorch_results=torch,
           ratio_best=ours["best"] / torch["best"], ratio_median=ours["median"] / torch["median"])
with open(results, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")

fmt = lambda v: f"{v:,.0f}"
acc = lambda s: "/".join("-" if a is None else f"{a:.2f}" for a in s["test_acc"])
print(f"\nMLP 784-256-128-10, batch 64, Adam; {runs} alternating runs x {epochs} epoch(s); train samples/s")
print(f"{'':10} {'best':>10} {'median':>10} {'worst':>10} {'spread':>7}  test_acc %")
for name, s in (("nnc", ours), ("pytorch", torch)):
    print(f"{name:10} {fmt(s['best']):>10} {fmt(s['median']):>10} {fmt(s['worst']):>10} {s['spread']:>6.2f}x  {acc(s)}")
print(f"{'nnc/torch':10} {doc['ratio_best']:>9.2f}x {doc['ratio_median']:>9.2f}x")
print(f"wrote {results}")
EOF
