#!/usr/bin/env bash
# What a call from Python costs over the same call in longctx-run: causal
# attention (4 heads, head dim 64, N tokens, default 4096; all cores),
# compiled once by each from the same file, timed over R calls (default
# 20) after 2 warm-up calls, alternating the two LONGCTX_BENCH_ROUNDS times
# (default 3); prints the best and median times of each and their ratios
# over all rounds (the least disturbed by other processes). Then the
# per-call cost
# itself: a 5-element add called from Python (arguments checked, results
# wrapped) against the same call inside longctx-run.
# usage: tools/bench-python.sh [N] [R]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$root/build/bench"
mkdir -p "$work"
n=${1:-4096}
repeat=${2:-20}
run="$root/build/bin/longctx-run"
export PYTHONPATH="$root/build/python_packages"
file="$work/python-attention-$n.mlir"
sed -e "s/1024/$n/g" "$root/test/Examples/attention-vs-unfused.mlir" |
  sed -n '/^func.func @fused/,/^}/p' > "$file"

stats() { # seconds, one a line -> "best median"
  sort -g | awk '{ t[NR] = $1 } END { printf "%.6f %.6f\n", t[1], t[int((NR + 1) / 2)] }'
}
tool_times() {
  "$run" "$file" -e fused --repeat "$repeat" --warmup 2 --seed 1 |
    sed -n 's/^longctx-run: run [0-9]*\/[0-9]*: \([0-9.]*\) s$/\1/p' | stats
}
python_times() {
  /usr/bin/python3 - "$file" "$repeat" <<'PY' | stats
import sys, time
import numpy as np
import longctx
m = longctx.compile(sys.argv[1])
rng = np.random.default_rng(1)
q, k, v = (rng.uniform(-1, 1, (1, 4, int(m.signature().args[0]["shape"][2]), 64))
           .astype(np.float32) for _ in range(3))
for _ in range(2):
    m(q, k, v)
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    y = m(q, k, v)
    print(time.perf_counter() - start)
    del y
PY
}

echo "== causal attention, 4 heads, N = $n, d = 64: $repeat calls each"
printf "%-6s %-12s %10s %10s\n" round caller "best s" "median s"
tool_best=() py_best=() tool_med=() py_med=()
for round in $(seq "${LONGCTX_BENCH_ROUNDS:-3}"); do
  read -r tb tm < <(tool_times)
  read -r pb pm < <(python_times)
  printf "%-6s %-12s %10.5f %10.5f\n" "$round" longctx-run "$tb" "$tm" "" python "$pb" "$pm"
  tool_best+=("$tb") tool_med+=("$tm") py_best+=("$pb") py_med+=("$pm")
done
min() { printf '%s\n' "$@" | sort -g | head -n 1; }
awk -v tb="$(min "${tool_best[@]}")" -v pb="$(min "${py_best[@]}")" \
    -v tm="$(min "${tool_med[@]}")" -v pm="$(min "${py_med[@]}")" 'BEGIN {
  printf "best of all rounds: longctx-run %.5f s, python %.5f s: python / longctx-run = %.3f\n", tb, pb, pb / tb
  printf "best median:        longctx-run %.5f s, python %.5f s: python / longctx-run = %.3f\n", tm, pm, pm / tm }'

echo
echo "== the cost of a call itself: a 5-element add"
/usr/bin/python3 - <<'PY'
import time
import numpy as np
import longctx
m = longctx.compile("""
func.func @add(%a: tensor<5xf32>, %b: tensor<5xf32>) -> tensor<5xf32> {
  %e = tensor.empty() : tensor<5xf32>
  %r = linalg.add ins(%a, %b : tensor<5xf32>, tensor<5xf32>)
                  outs(%e : tensor<5xf32>) -> tensor<5xf32>
  return %r : tensor<5xf32>
}""")
a = np.ones(5, np.float32)
calls = 20000
for _ in range(1000):
    m(a, a)
start = time.perf_counter()
for _ in range(calls):
    m(a, a)
python = (time.perf_counter() - start) / calls
print(f"python: {python * 1e6:.1f} us a call (checks, descriptors, the call, "
      "the result as an array)")
PY
printf '%s\n' 'func.func @add(%a: tensor<5xf32>, %b: tensor<5xf32>) -> tensor<5xf32> {' \
  '  %e = tensor.empty() : tensor<5xf32>' \
  '  %r = linalg.add ins(%a, %b : tensor<5xf32>, tensor<5xf32>) outs(%e : tensor<5xf32>) -> tensor<5xf32>' \
  '  return %r : tensor<5xf32>' '}' > "$work/python-add.mlir"
"$run" "$work/python-add.mlir" -e add --repeat 2000 |
  sed -n 's/^longctx-run: run [0-9]*\/[0-9]*: \([0-9.]*\) s$/\1/p' | stats |
  awk '{ printf "longctx-run: %.6f s the median call alone (timed to the microsecond)\n", $2 }'
