#!/usr/bin/env bash
# Titans vs Infini-attention at equal sizes (4 heads, d = dv = 64, 64-token
# chunks/segments), each streamed over SHORT and LONG tokens: tokens/s, the
# Titans/Infini ratio, and the long/short ratio of each (flat is 1.0). Then
# the same causal attention layer rewritten into each Titans architecture
# (MAG, MAC, MAL; 4 persistent tokens, one 64-token segment per call).
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
