#!/usr/bin/env bash
# The CPU attention benchmark, every comparison measured in one longctx-run
# process on the same inputs:
#  1. fused (longctx.attention, flash-style) vs unfused (matmul -> mask ->
#     softmax -> matmul materialising N x N) causal attention, 4 heads,
#     head dim D (default 128), both compiled by longctx (--baseline, which
#     also checks the results agree), on one thread and on all cores; on all
#     cores also the fused kernel's GFLOP/s as a fraction of the machine's
#     FP32 FMA peak and of OpenBLAS SGEMM, measured in the same process
#     (--peak);
#  2. Infini-attention (segments of 2048, delta rule) vs full causal
#     attention at N = LONG (default 32768);
#  3. Infini-attention tokens/s and peak RSS streamed from 4K to 1M tokens;
#  4. decoding (one query of 8 heads over a cache of DECODE keys of one
#     key/value head): fused with its keys split across the threads vs
#     unfused in one process, and fused without the split.
#
# usage: tools/bench-attention.sh [N ...]   (default: 4096 8192)
# env:   LONGCTX_BENCH_D (head dim, 128), LONGCTX_BENCH_LONG (32768),
#        LONGCTX_BENCH_STREAM ("4096 65536 1048576"),
#        LONGCTX_BENCH_DECODE (65536)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$root/build/bench"
mkdir -p "$work"
d=${LONGCTX_BENCH_D:-128}
lengths=("$@")
((${#lengths[@]})) || lengths=(4096 8192)
# OpenBLAS runs its best kernel for this CPU, not the one a test setup pins.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
scale=$(awk -v d="$d" 'BEGIN { printf "%.9e", 1 / sqrt(d) }')
example() { # N -> the fused/unfused example at N tokens and head dim d
  sed -e "s/1024/$1/g" -e "s/x64xf32/x${d}xf32/g" \
      -e "s/arith.constant 0.125 : f32/arith.constant $scale : f32/" \
      "$root/test/Examples/attention-vs-unfused.mlir"
}

echo "== 1. fused vs unfused causal attention, 4 heads, d = $d"
printf "%-7s %-8s %12s %12s %10s %10s\n" N threads "fused s" "unfused s" speed-up GFLOP/s
peaks=()
for n in "${lengths[@]}"; do
  example "$n" > "$work/attention-$n-$d.mlir"
  # Causal work: 4 heads x N(N+1)/2 score pairs x 4 d FLOPs (QK^T and PV).
  flops=$(awk -v n="$n" -v d="$d" 'BEGIN { printf "%.0f", 4 * n * (n + 1) / 2 * 4 * d }')
  for threads in false true; do
    extra=()
    [[ $threads == true ]] && extra=(--flops "$flops" --peak)
    out=$("$root/build/bin/longctx-run" "$work/attention-$n-$d.mlir" -e fused \
            --baseline unfused --repeat 5 --seed 1 "${extra[@]}" \
            --pipeline="longctx-lower-to-cpu{threads=$threads}")
    grep -q "vs baseline: .*PASS" <<<"$out" || { echo "$out"; echo "results differ" >&2; exit 1; }
    fused=$(sed -n 's/.*ran @fused in \([0-9.]*\) s.*/\1/p' <<<"$out")
    unfused=$(sed -n 's/.*baseline @unfused in \([0-9.]*\) s.*/\1/p' <<<"$out")
    awk -v n="$n" -v t="$threads" -v f="$fused" -v u="$unfused" -v fl="$flops" 'BEGIN {
      printf "%-7d %-8s %12.4f %12.4f %9.2fx %10.1f\n", n, (t == "true" ? "all" : 1), f, u, u / f, fl / f / 1e9 }'
    [[ $threads == true ]] && peaks+=("N = $n: $(grep -E 'FMA peak|SGEMM|no SGEMM' <<<"$out" | sed 's/^longctx-run: //' | paste -sd '|' -)")
  done
done
printf '%s\n' "${peaks[@]}" | sed 's/|/\n          /g'

# 2. Infini-attention against full causal attention at the same long
# length: both from the same @fused function, once as is and once
# rewritten, each compiled and run by longctx-run.
long=${LONGCTX_BENCH_LONG:-32768}
example "$long" | sed -n '/^func.func @fused/,/^}/p' > "$work/full-$long-$d.mlir"
"$root/build/bin/longctx-opt" "$work/full-$long-$d.mlir" \
  --longctx-attention-to-infini="segment-length=2048 update-rule=delta" -o "$work/infini-$long-$d.mlir"
time_of() {
  "$root/build/bin/longctx-run" "$1" -e fused --seed 1 |
    sed -n 's/.*ran @fused in \([0-9.]*\) s.*/\1/p'
}
full=$(time_of "$work/full-$long-$d.mlir")
infini=$(time_of "$work/infini-$long-$d.mlir")
awk -v n="$long" -v f="$full" -v i="$infini" -v d="$d" 'BEGIN {
  printf "\n== 2. N = %d, 4 heads, d = %d, all cores:\n", n, d
  printf "  full causal attention      %8.3f s  (%6.0f tokens/s)\n", f, n / f
  printf "  Infini-attention (S=2048)  %8.3f s  (%6.0f tokens/s)\n", i, n / i
  printf "  Infini / full speed-up     %8.1fx\n", f / i }'

# 3. Infini-attention streamed one 2048-token segment per call.
example 2048 | sed -n '/^func.func @fused/,/^}/p' > "$work/segment-$d.mlir"
"$root/build/bin/longctx-opt" "$work/segment-$d.mlir" \
  --longctx-attention-to-infini="segment-length=2048 update-rule=delta" -o "$work/stream-$d.mlir"
echo
echo "== 3. Infini-attention (S = 2048, delta), 4 heads, d = $d, streamed"
echo "   (the median call's rate moves less with other processes on the machine)"
printf "%10s %12s %14s %12s %14s\n" tokens tokens/s "median call" "vs first" "peak RSS MiB"
first=""
for tokens in ${LONGCTX_BENCH_STREAM:-4096 65536 1048576}; do
  out=$("$root/build/bin/longctx-run" "$work/stream-$d.mlir" -e fused --warmup 1 --stream-tokens "$tokens" --seed 1)
  rate=$(awk '/tokens\/s \(/ { for (i = 1; i <= NF; ++i) if ($i == "tokens/s") r = $(i - 1) } END { print r }' <<<"$out")
  median=$(sed -n 's/^longctx-run: median call .* s: \([0-9]*\) tokens\/s$/\1/p' <<<"$out")
  rss=$(awk '/^longctx-run: peak RSS/ { r = $4 } END { print r }' <<<"$out")
  first=${first:-$median}
  awk -v t="$tokens" -v r="$rate" -v md="$median" -v f="$first" -v m="$rss" 'BEGIN {
    printf "%10d %12.0f %14.0f %12.3f %14.1f\n", t, r, md, md / f, m }'
done

# 4. Decoding against a long cache.
cache=${LONGCTX_BENCH_DECODE:-65536}
sed -e "s/1024/$cache/g" "$root/test/Examples/decode-vs-unfused.mlir" > "$work/decode-$cache.mlir"
split=$("$root/build/bin/longctx-run" "$work/decode-$cache.mlir" -e fused --baseline unfused --repeat 10 --seed 1)
grep -q "vs baseline: .*PASS" <<<"$split" || { echo "$split"; echo "results differ" >&2; exit 1; }
whole=$("$root/build/bin/longctx-run" "$work/decode-$cache.mlir" -e fused --repeat 10 --seed 1 \
          --pipeline="longctx-lower-to-cpu{key-splits=false}")
fs=$(sed -n 's/.*ran @fused in \([0-9.]*\) s.*/\1/p' <<<"$split")
us=$(sed -n 's/.*baseline @unfused in \([0-9.]*\) s.*/\1/p' <<<"$split")
ws=$(sed -n 's/.*ran @fused in \([0-9.]*\) s.*/\1/p' <<<"$whole")
awk -v n="$cache" -v f="$fs" -v u="$us" -v w="$ws" 'BEGIN {
  printf "\n== 4. decoding: 1 query, 8 heads over 1 key/value head, d = 128, %d cached keys, all cores\n", n
  printf "  fused, keys split         %8.4f s\n", f
  printf "  unfused                   %8.4f s  (fused %.2fx faster)\n", u, u / f
  printf "  fused, keys not split     %8.4f s  (the split %.2fx faster)\n", w, w / f }'
