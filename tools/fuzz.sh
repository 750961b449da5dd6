#!/usr/bin/env bash
# Fuzzes the .npy reader, the ONNX importer and longctx-opt's
# parse-verify-pipeline path with libFuzzer, each for SECONDS (default 60),
# built with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/
# (tools/sanitize.sh configures it with coverage instrumentation). Each
# starts from its committed corpus (test/fuzz/<target>, plus the shipped
# small models and lit tests as seeds) and keeps what it finds in
# build-asan/fuzz/<target>. A crash or sanitizer report fails the target
# (the input is kept as build-asan/fuzz/<target>-crash-*; replay it with
# build/bin/longctx-fuzz-<target> FILE); a slow or memory-hungry input is
# reported and does not. Ends with "fuzz: N passed, N failed".
#
# usage: tools/fuzz.sh [SECONDS]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=${1:-60}
build="$root/build-asan"
SANITIZE_BUILD_ONLY=1 bash "$root/tools/sanitize.sh" || {
  echo "fuzz: 0 passed, 1 failed"; exit 1; }
ninja -C "$build" -j2 longctx-fuzz-npy longctx-fuzz-onnx longctx-fuzz-mlir || {
  echo "fuzz: 0 passed, 1 failed"; exit 1; }

export ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
# A frame in longctx's own code (not the fuzz harness): the crash is ours.
ours="$root/(lib|include|tools/longctx-(opt|run|import-onnx))/"
passed=0 failed=0
for target in npy onnx mlir; do
  bin="$build/bin/longctx-fuzz-$target"
  work="$build/fuzz/$target"
  seeds="$build/fuzz/$target-seeds"
  artifacts="$build/fuzz/$target-artifacts"
  rm -rf "$seeds" "$artifacts"
  mkdir -p "$work" "$seeds" "$artifacts"
  cp "$root/test/fuzz/$target"/* "$seeds/"
  case $target in
    npy) find "$root/test/Examples" -name '*.npy' -size -64k -exec cp {} "$seeds/" \; ;;
    onnx) find "$root/test/Examples/onnx" -name '*.onnx' -size -128k -exec cp {} "$seeds/" \; ;;
    mlir) find "$root/test/Dialect" "$root/test/Conversion/LongCtxToLinalg" \
            -name '*.mlir' -size -16k -exec cp {} "$seeds/" \; ;;
  esac
  log="$build/fuzz/$target.log"
  echo "== fuzz $target for $seconds s ($(ls "$seeds" | wc -l) seeds)"
  # Fork mode goes on after a crash, so that one input does not end the
  # run; every crash is replayed below and judged by its stack.
  "$bin" "$work" "$seeds" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
    -ignore_ooms=1 -max_total_time="$seconds" -timeout=60 \
    -rss_limit_mb=4096 -max_len=65536 -artifact_prefix="$artifacts/" \
    >"$log" 2>&1
  runs=$(grep -oE "^#[0-9]+" "$log" | tail -n 1 | tr -d '#')
  bad=0 upstream=0
  for input in "$artifacts"/crash-*; do
    [[ -e $input ]] || continue
    replay="$input.log"
    timeout 300 "$bin" "$input" >"$replay" 2>&1
    if grep -qE "^ *#[0-9]+ .*$ours|runtime error:.*$ours|^$ours" "$replay" ||
       ! grep -qE "ERROR: |runtime error:" "$replay"; then
      echo "fuzz: $target: a crash in longctx's code ($input):"
      grep -m 1 -A 25 -E "ERROR: |runtime error:" "$replay" || tail -n 20 "$replay"
      bad=$((bad + 1))
    else
      upstream=$((upstream + 1))
      echo "fuzz: $target: a crash inside LLVM/MLIR's own code, not longctx's ($input): $(grep -m 1 -E '^ *#[0-9]+ ' "$replay" | sed 's/^ *//')"
    fi
  done
  slow=$(ls "$artifacts" | grep -cE "^(timeout|oom|slow-unit)-" || true)
  summary="${runs:-?} runs, corpus $(ls "$work" | wc -l) inputs"
  ((upstream)) && summary+=", $upstream upstream crash(es) kept"
  ((slow)) && summary+=", $slow slow or memory-hungry input(s) kept"
  if ((bad)); then
    echo "fuzz: $target: $bad crash(es) in longctx's code; $summary"
    failed=$((failed + 1))
  else
    echo "fuzz: $target: no crash in longctx's code; $summary"
    passed=$((passed + 1))
  fi
done
echo "fuzz: ${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
