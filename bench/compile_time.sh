#!/usr/bin/env bash
# Compile-time benchmark: `nnc build` of every example and benchmark model, K times each, with the wall time
# and peak memory of the fastest run (and, with --time, where the time went). With -B, a second nnc (say
# one built from an older commit) runs alternately with ours, and the table has before/after columns.
#
#   bench/compile_time.sh [-b BUILD_DIR] [-B BASE_NNC] [-k K] [-o RESULTS_JSON]
#
# BUILD_DIR defaults to ./build (its bin/nnc must exist). Writes bench/compile_time.json by default.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build="$repo/build"
base=""
runs=3
results="$repo/bench/compile_time.json"

die() { echo "bench/compile_time.sh: error: $*" >&2; exit 1; }
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while getopts "b:B:k:o:h" opt; do
  case $opt in
    b) build=$OPTARG ;;
    B) base=$OPTARG ;;
    k) runs=$OPTARG ;;
    o) results=$OPTARG ;;
    h) usage 0 ;;
    *) usage 1 >&2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "-k needs a positive integer, got '$runs'"
nnc="$build/bin/nnc"
[ -x "$nnc" ] || die "$nnc not found: build it first (ninja -C $build nnc)"
[ -z "$base" ] || [ -x "$base" ] || die "base nnc '$base' is not an executable"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
models=("$repo"/examples/*.nn "$repo"/bench/*.nn)

# One build: "seconds peak_kib" (GNU time's %e %M) of `nnc build FILE` with binary NNC.
one() {
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$1" build "$2" -o "$tmp/out" >/dev/null 2>"$tmp/err" ||
    die "$1 build $2 failed: $(head -3 "$tmp/err")"
  cat "$tmp/time"
}

json="["
printf '%-26s %12s %12s %12s %12s\n' model "after s" "after MiB" "before s" "before MiB"
for f in "${models[@]}"; do
  name=${f#"$repo"/}
  best=""; bestmem=0; bbest=""; bbestmem=0
  for ((i = 0; i < runs; i++)); do
    read -r s m < <(one "$nnc" "$f")
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; bestmem=$m; fi
    if [ -n "$base" ]; then
      read -r s m < <(one "$base" "$f")
      if [ -z "$bbest" ] || awk "BEGIN{exit !($s < $bbest)}"; then bbest=$s; bbestmem=$m; fi
    fi
  done
  printf '%-26s %12s %12d %12s %12s\n' "$name" "$best" $((bestmem / 1024)) "${bbest:--}" \
    "$([ -n "$base" ] && echo $((bbestmem / 1024)) || echo -)"
  json+="{\"model\":\"$name\",\"seconds\":$best,\"peak_mib\":$((bestmem / 1024))"
  [ -z "$base" ] || json+=",\"base_seconds\":$bbest,\"base_peak_mib\":$((bbestmem / 1024))"
  json+="},"
done
json="${json%,}]"
rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
printf '{"date":"%s","revision":"%s","base_nnc":"%s","cpu":"%s","cores":%s,"runs":%s,"models":%s}\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$rev" "$base" "$cpu" "$(nproc)" "$runs" "$json" >"$results"
echo "wrote $results"
