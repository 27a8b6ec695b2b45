#!/usr/bin/env bash
# Builds the libFuzzer harnesses (build-fuzz/, clang-19, -DNNC_FUZZ=ON) and runs them (docs/internals.md, "Fuzzing").
#   test/fuzz/run.sh --short S      each harness S seconds (the test suite: .ci/test), then its regressions
#   test/fuzz/run.sh --campaign S   each harness S seconds on the kept corpora (build-fuzz/corpus), niced, going
#                                   on after a finding (-fork=1 -ignore_crashes=1 ...); findings and logs kept
# Seeds: examples/, stdlib/ and every test .nn for the two .nn harnesses; test/fuzz/seeds/<harness>/ for the
# others. Dictionary (the .nn harnesses): make_dict.py, from the grammar and the front end's tables. Every file
# in test/fuzz/regressions/<harness>/ (a crash found and fixed) is run first. Ends with
# "fuzz: N passed, M failed" (one per harness); a finding is kept in build-fuzz/findings/<harness>/.
set -uo pipefail
cd "$(dirname "$0")/../.."
mode=${1:---short}
secs=${2:-45}
src=$PWD
b=$src/build-fuzz
if [ ! -f "$b/build.ninja" ]; then
  CC=clang-19 CXX=clang++-19 cmake -G Ninja -S . -B "$b" -DCMAKE_BUILD_TYPE=Release -DNNC_FUZZ=ON \
    > "$b.configure.log" 2>&1 || { cat "$b.configure.log"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
fi
harnesses=(frontend lower safetensors idx descriptor tensorfile metrics)
ninja -C "$b" -j2 "${harnesses[@]/#/fuzz-}" > "$b/ninja.log" 2>&1 ||
  { tail -30 "$b/ninja.log"; echo "fuzz: 0 passed, ${#harnesses[@]} failed"; exit 1; }
/usr/bin/python3 "$src/test/fuzz/make_dict.py" "$src" > "$b/nn.dict"

passed=0 failed=0
for h in "${harnesses[@]}"; do
  corpus=$b/corpus/$h findings=$b/findings/$h
  mkdir -p "$corpus" "$findings"
  if [ "$h" = lower ] && [ "$mode" = --short ]; then
    # Lowering a seed takes 1-90 s instrumented (convolutions, attention): loading all ~170 took over 10 min.
    # The short run starts afresh from three quick seeds (1-7 s each); campaigns use them all.
    corpus=$b/corpus/lower-short
    rm -rf "$corpus" && mkdir -p "$corpus"
    cp "$src/examples/mlp.nn" "$src/examples/worked.nn" "$src/test/Integration/Inputs/scan-latch.nn" "$corpus/"
    extra=(-dict="$b/nn.dict" -max_len=8192)
  elif [ "$h" = frontend ] || [ "$h" = lower ]; then
    find "$src/examples" "$src/stdlib" "$src/test" -name '*.nn' -size -64k -exec cp -n {} "$corpus/" \; 2>/dev/null
    extra=(-dict="$b/nn.dict" -max_len=8192)
  else
    cp -n "$src/test/fuzz/seeds/$h/"* "$corpus/" 2>/dev/null
    extra=(-max_len=4096)
  fi
  # Timeouts for the instrumented harnesses (ASan and coverage: about 10x slower than nnc): a .nn file the
  # front end caps (kMaxNodes, 1.2 s in nnc) takes up to 15 s in fuzz-frontend.
  case $h in lower) timeout=60 ;; frontend) timeout=30 ;; *) timeout=10 ;; esac
  # A campaign goes on after a finding (one forked job at a time, findings kept) and yields the CPU to others.
  [ "$mode" = --campaign ] && extra+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  [ "$mode" = --campaign ] && nice=(nice -n 19) || nice=()
  regressions=("$src/test/fuzz/regressions/$h/"*)
  log=$b/$h.$mode.log
  ok=1 stamp=$b/$h.started
  touch "$stamp"
  if [ -e "${regressions[0]}" ]; then
    "$b/bin/fuzz-$h" -timeout=$timeout -rss_limit_mb=4096 "${regressions[@]}" > "$log.regressions" 2>&1 || ok=0
  fi
  if [ $ok = 1 ]; then
    (cd "$findings" && "${nice[@]}" "$b/bin/fuzz-$h" "$corpus" "${extra[@]}" -max_total_time="$secs" -timeout=$timeout \
       -rss_limit_mb=4096 -close_fd_mask=3 -print_final_stats=1 > "$log" 2>&1) || ok=0
  fi
  # -ignore_crashes exits 0: a campaign's findings are the inputs it wrote.
  [ -n "$(find "$findings" -newer "$stamp" -name '[cotl]*-*' 2>/dev/null)" ] && ok=0
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" 2>/dev/null | grep -oE '[0-9]+$')
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" 2>/dev/null | tail -1 | tr -d '#') # -fork's lines
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" 2>/dev/null | tail -1)
  if [ $ok = 1 ]; then
    passed=$((passed + 1)); echo "fuzz-$h: ok, ${execs:-0} runs in ${secs} s (${cov:-no stats})"
  else
    failed=$((failed + 1)); echo "fuzz-$h: FINDING (log $log, inputs in $findings)"
    grep -E "ERROR|SUMMARY|Assertion|==[0-9]+==|runtime error" "$log" "$log.regressions" 2>/dev/null | head -12
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed = 0 ]
