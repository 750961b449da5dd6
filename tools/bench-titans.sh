#!/usr/bin/env bash
# Titans vs Infini-attention at equal sizes (4 heads, d = dv = 64, 64-token
# chunks/segments), each streamed over SHORT and LONG tokens: tokens/s, the
# Titans/Infini ratio, and the long/short ratio of each (flat is 1.0). Then
# the same causal attention layer rewritten into each Titans architecture
# (MAG, MAC, MAL; 4 persistent tokens, one 64-token segment per call), and
# the shipped GQA model rewritten to each, streamed.
#
# usage: tools/bench-titans.sh [SHORT_TOKENS [LONG_TOKENS]]   (default 65536 1048576)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
short=${1:-65536} long=${2:-1048576}
work="$root/build/bench"
mkdir -p "$work"
"$root/build/bin/longctx-opt" "$root/test/Examples/infini-stream.mlir" \
  --longctx-attention-to-infini="segment-length=64 update-rule=delta" -o "$work/infini.mlir"
rate() { # module entry tokens -> tokens/s
  "$root/build/bin/longctx-run" "$1" -e "$2" --stream-tokens "$3" --seed 1 |
    awk '/tokens\/s \(/ { for (i = 1; i <= NF; ++i) if ($i == "tokens/s") r = $(i - 1) } END { print r }'
}
ts=$(rate "$root/test/Examples/titans-stream.mlir" titans_stream "$short")
tl=$(rate "$root/test/Examples/titans-stream.mlir" titans_stream "$long")
is=$(rate "$work/infini.mlir" infini_stream "$short")
il=$(rate "$work/infini.mlir" infini_stream "$long")
awk -v ts="$ts" -v tl="$tl" -v is="$is" -v il="$il" -v s="$short" -v l="$long" 'BEGIN {
  printf "Titans (linear memory, chunk 64) vs Infini-attention (delta, segment 64); 4 heads, d = dv = 64\n"
  printf "  %-8s %9d tokens: %9.0f tokens/s   %9d tokens: %9.0f tokens/s   long/short %.3f\n", "titans", s, ts, l, tl, tl / ts
  printf "  %-8s %9d tokens: %9.0f tokens/s   %9d tokens: %9.0f tokens/s   long/short %.3f\n", "infini", s, is, l, il, il / is
  printf "  titans/infini tokens/s ratio: %.3f at %d tokens, %.3f at %d tokens\n", ts / is, s, tl / il, l
}'
for arch in mag mac mal; do
  "$root/build/bin/longctx-opt" "$root/test/Examples/infini-stream.mlir" \
    --longctx-attention-to-titans="arch=$arch chunk-length=64 persistent-tokens=4" \
    -o "$work/titans-$arch.mlir"
  as=$(rate "$work/titans-$arch.mlir" infini_stream "$short")
  al=$(rate "$work/titans-$arch.mlir" infini_stream "$long")
  awk -v a="$arch" -v as="$as" -v al="$al" -v is="$is" -v il="$il" -v s="$short" -v l="$long" 'BEGIN {
    printf "  %-8s %9d tokens: %9.0f tokens/s   %9d tokens: %9.0f tokens/s   long/short %.3f   vs infini %.3f\n", a, s, as, l, al, al / as, al / il
  }'
done
# The shipped GQA model (test/Examples/onnx/gpt_gqa_512.onnx: two blocks, 4
# query heads over 2 KV heads, d = 16) rewritten to each architecture,
# streamed (window / segments of 512, chunks of 64, 4 persistent tokens;
# rates small enough for a stable memory on this model) in calls of 512:
# tokens/s and peak memory at SHORT and LONG tokens.
gqa="$root/test/Examples/onnx/gpt_gqa_512.onnx"
"$root/build/bin/longctx-import-onnx" "$gqa" --func-name=layer --stream-dim=1 \
  -o "$work/gpt_gqa_512.mlir"
printf "gpt_gqa_512.onnx rewritten to Titans, streamed (GQA: one memory per KV head)\n"
for arch in mag mal mac; do
  "$root/build/bin/longctx-opt" "$work/gpt_gqa_512.mlir" --longctx-raise-attention \
    --longctx-attention-to-titans="arch=$arch chunk-length=64 persistent-tokens=4 window=512 theta=0.004 eta=0.6" \
    -o "$work/gqa-titans-$arch.mlir"
  line=""
  for n in "$short" "$long"; do
    out=$("$root/build/bin/longctx-run" "$work/gqa-titans-$arch.mlir" -e layer \
      --stream-tokens "$n" --seed 1 2>&1)
    r=$(awk '/tokens\/s \(/ { for (i = 1; i <= NF; ++i) if ($i == "tokens/s") r = $(i - 1) } END { print r }' <<<"$out")
    m=$(sed -n 's/^longctx-run: peak RSS \([0-9.]*\) MiB$/\1/p' <<<"$out" | tail -1)
    line="$line$(printf "%9d tokens: %8.0f tokens/s, %6.1f MiB   " "$n" "$r" "$m")"
  done
  printf "  %-8s %s\n" "$arch" "$line"
done
