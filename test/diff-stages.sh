#!/usr/bin/env bash
# Compares one stage of every example and benchmark model between two nnc binaries: a refactoring that must
# not change the generated code (issue 13) shows no difference. Exits 1 and prints the first lines of each
# difference if any model differs.
#
#   test/diff-stages.sh BASE_NNC [NNC] [STAGE]
#
# NNC defaults to build/bin/nnc, STAGE to vector (any --emit value: nn, grad, linalg, vector, llvm, ...).
# BASE_NNC is typically built from the commit before the change: git worktree add /tmp/base HEAD~1 &&
# cmake -G Ninja -S /tmp/base -B /tmp/base/build -DCMAKE_BUILD_TYPE=Release && ninja -C /tmp/base/build nnc
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
base=${1:?usage: test/diff-stages.sh BASE_NNC [NNC] [STAGE]}
nnc=${2:-$repo/build/bin/nnc}
stage=${3:-vector}
for t in "$base" "$nnc"; do
  [ -x "$t" ] || { echo "test/diff-stages.sh: error: '$t' is not an executable" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for f in "$repo"/examples/*.nn "$repo"/bench/*.nn; do
  name=${f#"$repo"/}
  if ! "$base" build "$f" --emit="$stage" >"$tmp/base" 2>"$tmp/err" ||
     ! "$nnc" build "$f" --emit="$stage" >"$tmp/new" 2>>"$tmp/err"; then
    echo "$name: error: $(head -3 "$tmp/err")"; status=1; continue
  fi
  if cmp -s "$tmp/base" "$tmp/new"; then
    echo "$name: $stage identical ($(wc -l <"$tmp/new") lines)"
  else
    echo "$name: $stage DIFFERS"; diff "$tmp/base" "$tmp/new" | head -20; status=1
  fi
done
exit $status
