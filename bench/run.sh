#!/usr/bin/env bash
# Benchmarks nnc on this machine, in one run: our generated GEMM and convolution kernels against OpenBLAS
# sgemm (bench/kernels.py, GFLOP/s at 1 and 2 threads), then compiled .nn models against their tuned PyTorch
# references: for each model it compiles the .nn file with nnc, runs our binary and every PyTorch setting
# alternately K times (one training run per process), prints best/median training samples/s, PyTorch's best
# setting and the ratio nnc/PyTorch. Writes everything to bench/results.json. See bench/README.md.
#
#   bench/run.sh [-b BUILD_DIR] [-k K] [-m MODELS] [-o RESULTS_JSON]
#
# MODELS: comma-separated from kernels (bench/kernels.py), mlp (examples/mlp.nn, 1 epoch), cnn (examples/cnn.nn,
# 200 batches of 64), inception (bench/inception_block.nn, 64 batches of 32 at 32x32x64), lstm, gru, bilstm
# (examples/<model>.nn, 200 batches of 64), charlm (examples/charlm.nn, 60 batches of 32 sequences of 64
# characters: samples/s are sequences/s), gene (bench/gene_ae.nn, the 81 M-parameter gene-expression autoencoder,
# 32 batches of 32 synthetic profiles; also measures memory bandwidth, bench/bandwidth.py), vae (examples/vae.nn,
# 300 batches of 128), gan (examples/gan.nn, 300 batches of 64: 150 D and 150 G steps), transformer
# (bench/transformer_block.nn, 64 batches of 32), g2p (examples/g2p.nn, 100 batches of 64); default: all.
# Skip-gram is compared with fastText by bench/skipgram_fasttext.py.
# BUILD_DIR defaults to ./build; if it lacks a tool, it is configured and built (ninja -j2 nnc nnrt, and
# nn-opt nnc-codegen-test for kernels).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build="$repo/build"
build_given=0
runs=5
models=kernels,mlp,cnn,inception,lstm,gru,bilstm,charlm,gene,vae,gan,transformer,g2p
results="$repo/bench/results.json"
python=/usr/bin/python3

die() { echo "bench/run.sh: error: $*" >&2; exit 1; }
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while getopts "b:k:m:o:h" opt; do
  case $opt in
    b) build=$(cd "$OPTARG" 2>/dev/null && pwd) || die "build directory '$OPTARG' does not exist"; build_given=1 ;;
    k) runs=$OPTARG ;;
    m) models=$OPTARG ;;
    o) results=$OPTARG ;;
    h) usage 0 ;;
    *) usage 1 >&2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "-k needs a positive integer, got '$runs'"

# Per model: the .nn file, the binary's train flags, the PyTorch script and its settings (one per line; the
# best one is the peer quoted). Both sides train the same number of batches.
declare -A nn_file nnc_args torch_cmd torch_settings
nn_file[mlp]=examples/mlp.nn
nnc_args[mlp]="--epochs 1"
torch_cmd[mlp]="bench/mlp_torch.py --epochs 1"
torch_settings[mlp]=$'--threads 1\n--threads 2'
nn_file[cnn]=examples/cnn.nn
nnc_args[cnn]="--epochs 1 --limit-batches 200"
torch_cmd[cnn]="bench/cnn_torch.py --model cnn --epochs 1 --limit-batches 200"
torch_settings[cnn]=$'--threads 2\n--threads 2 --channels-last\n--threads 1 --channels-last'
nn_file[inception]=bench/inception_block.nn
nnc_args[inception]="--epochs 1"
torch_cmd[inception]="bench/cnn_torch.py --model inception --epochs 1 --samples 2048"
torch_settings[inception]=$'--threads 2\n--threads 2 --channels-last'
# Recurrent (Sequential Fashion-MNIST rows: T = 28 steps of 28 pixels, h128, Adam, batch 64); PyTorch has no
# faster layout or backend for these on CPU (bench/rnn_torch.py's notes): its threads are the settings.
for m in lstm gru bilstm; do
  nn_file[$m]=examples/$m.nn
  nnc_args[$m]="--epochs 1 --limit-batches 200"
  torch_cmd[$m]="bench/rnn_torch.py --model $m --epochs 1 --limit-batches 200"
  torch_settings[$m]=$'--threads 1\n--threads 2'
done
# The character model on fortunes' cookie file (LSTM h256, T = 64, batch 32, Adam, clip_norm 5), stateful.
nn_file[charlm]=examples/charlm.nn
nnc_args[charlm]="--epochs 1 --limit-batches 60"
torch_cmd[charlm]="bench/charlm_torch.py --epochs 1 --limit-batches 60"
torch_settings[charlm]=$'--threads 1\n--threads 2'
# The gene-expression autoencoder (20000-2000-200-20-200-2000-20000, sigmoid, MSE against x, SGD lr 0.01, batch
# 32) on 1024 synthetic profiles ~ U(0, 15): memory-bound, so bench/bandwidth.py runs with it.
nn_file[gene]=bench/gene_ae.nn
nnc_args[gene]="--epochs 1"
torch_cmd[gene]="bench/gene_ae_torch.py --epochs 1 --samples 1024"
torch_settings[gene]=$'--threads 1\n--threads 2\n--threads 2 --foreach'
# The VAE (784-400-20/20, Adam, batch 128) and the MLP GAN (one D step and one G step per two batches of 64,
# Adam; samples/s: the images of every scheduled batch, as both sides count them): 300 batches each.
nn_file[vae]=examples/vae.nn
nnc_args[vae]="--epochs 1 --limit-batches 300"
torch_cmd[vae]="bench/vae_torch.py --epochs 1 --limit-batches 300 --no-test"
torch_settings[vae]=$'--threads 1\n--threads 2'
nn_file[gan]=examples/gan.nn
nnc_args[gan]="--epochs 1 --limit-batches 300"
torch_cmd[gan]="bench/gan_torch.py --epochs 1 --limit-batches 300 --no-test"
torch_settings[gan]=$'--threads 1\n--threads 2'

# The transformer encoder block (stdlib/transformer.nn: sequence 64, d 128, 4 heads, FFN 512, batch 32, Adam) on
# 2048 synthetic sequences, and the G2P attention seq2seq (examples/g2p.nn: BiLSTM 2x128 encoder, LSTM 256 decoder
# with dot attention, T = 24, batch 64, Adam, clip_norm 5) on CMUdict, 100 batches.
nn_file[transformer]=bench/transformer_block.nn
nnc_args[transformer]="--epochs 1"
torch_cmd[transformer]="bench/transformer_torch.py --epochs 1"
torch_settings[transformer]=$'--threads 1\n--threads 2'
nn_file[g2p]=examples/g2p.nn
nnc_args[g2p]="--epochs 1 --limit-batches 100"
torch_cmd[g2p]="bench/g2p_torch.py --epochs 1 --steps 100 --time"
torch_settings[g2p]=$'--threads 1\n--threads 2'

[ -x "$python" ] || die "$python not found (install python3-torch python3-numpy)"
"$python" -c 'import torch, numpy' 2>/dev/null || die "$python cannot import torch and numpy (apt-get install python3-torch)"
IFS=, read -r -a model_list <<<"$models"
kernels=0
nn_models=()
for m in "${model_list[@]}"; do
  if [ "$m" = kernels ]; then kernels=1; continue; fi
  [ -n "${nn_file[$m]:-}" ] || die "unknown model '$m' (expected kernels, mlp, cnn, inception, lstm, gru, bilstm, charlm, gene, vae, gan, transformer or g2p)"
  nn_models+=("$m")
done

nnc="$build/bin/nnc"
tools=()
[ ${#nn_models[@]} -eq 0 ] || tools+=(nnc nnrt)
[ "$kernels" -eq 0 ] || tools+=(nn-opt nnc-codegen-test)
missing=()
for t in "${tools[@]}"; do
  [ "$t" = nnrt ] || [ -x "$build/bin/$t" ] || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$build_given" -eq 0 ] ||
    die "$build/bin lacks ${missing[*]}: build it first (ninja -C $build ${tools[*]}) or omit -b"
  echo "bench: building ${tools[*]} in $build"
  [ -f "$build/build.ninja" ] || cmake -G Ninja -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$build" -j2 "${tools[@]}" || die "building ${tools[*]} failed"
  for t in "${missing[@]}"; do
    [ -x "$build/bin/$t" ] || die "the build finished but $build/bin/$t does not exist"
  done
fi

work="$build/bench"
mkdir -p "$work"
rm -f "$work"/*.json
# PyTorch tuned as shared/TOOLCHAIN.md says: torch's OpenMP pool does the parallel work, OpenBLAS stays
# single-threaded and idle OpenMP threads sleep.
torch_env=(OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1)
# OpenBLAS 0.3.21 does not recognise newer Xeons (Sapphire Rapids) and falls back to its generic "Prescott"
# kernels, 4-7x slower GEMMs: PyTorch's best setting on such a machine forces the AVX-512 kernels. Only then,
# so that correctly detected machines (Zen 4) keep their own kernels and AVX2-only ones cannot crash.
if OPENBLAS_VERBOSE=2 "$python" -c 'import numpy' 2>&1 | grep -q 'Core: Prescott' && grep -q avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX # PyTorch and bench/kernels.py's OpenBLAS reference
  echo "bench: OpenBLAS fell back to its generic kernels here: it runs with OPENBLAS_CORETYPE=SkylakeX"
fi

# The memory-bound gene autoencoder is measured against this machine's bandwidth (STREAM-like, bench/bandwidth.py).
for m in "${nn_models[@]}"; do
  [ "$m" = gene ] || continue
  echo "bench: bandwidth: $python bench/bandwidth.py"
  env "${torch_env[@]}" "$python" "$repo/bench/bandwidth.py" >"$work/bandwidth.json" || die "bench/bandwidth.py failed"
done

if [ "$kernels" -eq 1 ]; then
  echo "bench: kernels: $python bench/kernels.py -b $build -o $work/kernels.json"
  "$python" "$repo/bench/kernels.py" -b "$build" -o "$work/kernels.json" || die "bench/kernels.py failed"
fi

for m in "${nn_models[@]}"; do
  echo "bench: $nnc build ${nn_file[$m]} -o $work/$m"
  "$nnc" build "$repo/${nn_file[$m]}" -o "$work/$m" || die "nnc failed to compile ${nn_file[$m]}"
  mapfile -t settings <<<"${torch_settings[$m]}"
  printf '%s\n' "${settings[@]}" >"$work/$m.settings"
  for i in $(seq 1 "$runs"); do
    echo "bench: $m run $i/$runs: nnc"
    # shellcheck disable=SC2086
    "$work/$m" train ${nnc_args[$m]} --metrics "$work/$m-nnc-$i.json" >/dev/null || die "$work/$m train failed"
    for s in "${!settings[@]}"; do
      echo "bench: $m run $i/$runs: pytorch ${settings[$s]}"
      # shellcheck disable=SC2086
      (cd "$repo" && env "${torch_env[@]}" "$python" ${torch_cmd[$m]} ${settings[$s]}) \
        >"$work/$m-torch$s-$i.json" || die "PyTorch run failed: ${torch_cmd[$m]} ${settings[$s]}"
    done
  done
done

"$python" - "$work" "$runs" "$results" "$nnc" "$repo/bench" "${nn_models[@]}" <<'PYEOF'
import json, os, platform, statistics, subprocess, sys, time

work, runs, results, nnc, bench, *models = sys.argv[1:]
runs = int(runs)
sys.path.insert(0, bench)
sys.dont_write_bytecode = True
import kernels  # bench/kernels.py, for its table

def load(path):
    """samples/s of one process (total samples / total train seconds) and its last test accuracy."""
    recs = [json.loads(l) for l in open(path) if l.strip()]
    if not recs or any("samples_per_s" not in r or "seconds" not in r for r in recs):
        sys.exit(f"bench/run.sh: error: {path}: no samples_per_s/seconds records")
    samples = sum(r["samples_per_s"] * r["seconds"] for r in recs)
    return samples / sum(r["seconds"] for r in recs), recs[-1].get("test_acc")

def summary(paths):
    rs = [load(p) for p in paths]
    sps = [r[0] for r in rs]
    return dict(best=max(sps), median=statistics.median(sps), worst=min(sps), spread=max(sps) / min(sps),
                runs=sps, test_acc=[r[1] for r in rs])

rev = subprocess.run(["git", "-C", os.path.dirname(results), "rev-parse", "--short", "HEAD"],
                     capture_output=True, text=True).stdout.strip() or None
doc = dict(date=time.strftime("%Y-%m-%dT%H:%M:%S"), git=rev, nnc=nnc, cpu=platform.processor() or platform.machine(),
           cores=os.cpu_count(), runs_each=runs, models={})
if os.path.exists(os.path.join(work, "kernels.json")):
    doc["kernels"] = json.load(open(os.path.join(work, "kernels.json")))
    kernels.print_table(doc["kernels"])
fmt = lambda v: f"{v:,.0f}"
if models:
    print(f"\n{runs} alternating processes per setting; train samples/s (best / median / worst, spread)")
for m in models:
    settings = open(os.path.join(work, f"{m}.settings")).read().splitlines()
    ours = summary([os.path.join(work, f"{m}-nnc-{i}.json") for i in range(1, runs + 1)])
    torch = {s: summary([os.path.join(work, f"{m}-torch{k}-{i}.json") for i in range(1, runs + 1)])
             for k, s in enumerate(settings)}
    peer = max(torch, key=lambda s: torch[s]["best"])
    entry = dict(nnc=ours, pytorch=torch, pytorch_peer=peer, ratio_best=ours["best"] / torch[peer]["best"],
                 ratio_median=ours["median"] / torch[peer]["median"])
    doc["models"][m] = entry
    print(f"\n{m}")
    for name, s in [("nnc", ours)] + [(f"pytorch {k}", v) for k, v in torch.items()]:
        print(f"  {name:34} {fmt(s['best']):>8} {fmt(s['median']):>8} {fmt(s['worst']):>8}  {s['spread']:.2f}x")
    print(f"  nnc / pytorch ({peer}): {entry['ratio_best']:.2f}x best, {entry['ratio_median']:.2f}x median")
    if m == "gene" and os.path.exists(os.path.join(work, "bandwidth.json")):
        # The least memory traffic of a step: each dense layer's weights (and bias) are read by the forward
        # GEMM, read again for dX (not for the first layer, whose input needs no gradient) and read and written
        # by the SGD update; activations (32 x 20000 floats at most) are negligible. A step that also fuses dX
        # into the update's pass over W would need 12 instead of 16 bytes per weight of the later layers.
        sizes = [20000, 2000, 200, 20, 200, 2000, 20000]
        batch = 32
        step_bytes = sum(4 * (a * b + b) * (3 if i == 0 else 4) for i, (a, b) in enumerate(zip(sizes, sizes[1:])))
        bw = json.load(open(os.path.join(work, "bandwidth.json")))
        gbs = lambda sps: step_bytes * sps / batch / 1e9
        entry["bandwidth"] = dict(bench=bw, step_bytes=step_bytes, nnc_gbs=gbs(ours["best"]),
                                  pytorch_gbs=gbs(torch[peer]["best"]))
        print(f"  memory: a step moves at least {step_bytes / 1e9:.3f} GB; measured bandwidth {bw['best']:.1f} GB/s "
              f"(triad 2 threads {bw['threads']['2']['triad']:.1f}) -> at most {bw['best'] * 1e9 / step_bytes * batch:,.0f} samples/s")
        print(f"  achieved (best runs): nnc {gbs(ours['best']):.1f} GB/s, pytorch {gbs(torch[peer]['best']):.1f} GB/s "
              f"of that minimum traffic")
with open(results, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
print(f"\nwrote {results}")
PYEOF
