#!/usr/bin/env bash
# Fused (longctx.attention, flash-style) vs unfused (matmul -> mask ->
# softmax -> matmul materialising N x N) causal attention, 4 heads, d = 64,
# both compiled by longctx and run in the same longctx-run process on the
# same inputs (--baseline), which also checks that their results agree.
# Single-threaded (a like-for-like kernel comparison) and with both cores.
#
# usage: tools/bench-attention.sh [N ...]   (default: 4096 8192)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$root/build/bench"
mkdir -p "$work"
lengths=("$@")
((${#lengths[@]})) || lengths=(4096 8192)
printf "%-7s %-8s %12s %12s %10s %10s\n" N threads "fused s" "unfused s" speed-up GFLOP/s
for n in "${lengths[@]}"; do
  sed -e "s/1024/$n/g" "$root/test/Examples/attention-vs-unfused.mlir" > "$work/attention-$n.mlir"
  for threads in false true; do
    out=$("$root/build/bin/longctx-run" "$work/attention-$n.mlir" -e fused \
            --baseline unfused --repeat 3 --seed 1 \
            --pipeline="longctx-lower-to-cpu{threads=$threads}")
    grep -q "vs baseline: .*PASS" <<<"$out" || { echo "$out"; echo "results differ" >&2; exit 1; }
    fused=$(sed -n 's/.*ran @fused in \([0-9.]*\) s.*/\1/p' <<<"$out")
    unfused=$(sed -n 's/.*baseline @unfused in \([0-9.]*\) s.*/\1/p' <<<"$out")
    # Causal work: 4 heads x N(N+1)/2 score pairs x 4 d FLOPs (QK^T and PV).
    awk -v n="$n" -v t="$threads" -v f="$fused" -v u="$unfused" 'BEGIN {
      flops = 4 * n * (n + 1) / 2 * 4 * 64
      printf "%-7d %-8s %12.4f %12.4f %9.2fx %10.1f\n", n, (t == "true" ? 2 : 1), f, u, u / f, flops / f / 1e9 }'
  done
done

# Infini-attention (segments of 2048, delta rule) against full causal
# attention at the same long length: both from the same @fused function,
# once as is and once rewritten, each compiled and run by longctx-run.
long=${LONGCTX_BENCH_LONG:-32768}
sed -e "s/1024/$long/g" "$root/test/Examples/attention-vs-unfused.mlir" |
  sed -n '/^func.func @fused/,/^}/p' > "$work/full-$long.mlir"
"$root/build/bin/longctx-opt" "$work/full-$long.mlir" \
  --longctx-attention-to-infini="segment-length=2048 update-rule=delta" -o "$work/infini-$long.mlir"
time_of() {
  "$root/build/bin/longctx-run" "$1" -e fused --seed 1 |
    sed -n 's/.*ran @fused in \([0-9.]*\) s.*/\1/p'
}
full=$(time_of "$work/full-$long.mlir")
infini=$(time_of "$work/infini-$long.mlir")
awk -v n="$long" -v f="$full" -v i="$infini" 'BEGIN {
  printf "\nN = %d, 4 heads, d = 64, both cores:\n", n
  printf "  full causal attention      %8.3f s  (%6.0f tokens/s)\n", f, n / f
  printf "  Infini-attention (S=2048)  %8.3f s  (%6.0f tokens/s)\n", i, n / i
  printf "  Infini / full speed-up     %8.1fx\n", f / i }'
