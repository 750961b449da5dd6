#!/usr/bin/env bash
# Decoding one token at a time on one attention layer (8 query heads over 2
# key/value heads, d = dv = 128), at several context lengths:
#  * the KV-cache decoder (longctx-attention-to-kv-cache): per-token time at
#    each context, the K/V bytes it reads per second, and that as a fraction
#    of a streaming read of as many bytes in the same process;
#  * Infini-attention with partial segments (segments of 2048, delta rule):
#    per-token time from an empty segment and from a random memory with a
#    half-full segment (the state is the same size after 4K or 1M tokens);
#  * the KV-cache/Infini per-token ratio at each context;
#  * Titans MAG, MAL and MAC streamed (window=512), one token a call.
# Each time is the median of CALLS one-token calls in one longctx-run.
#
# usage: tools/bench-decode.sh [CONTEXTS [CALLS]]   (default "4096 65536 262144" 64)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
contexts=${1:-"4096 65536 262144"} calls=${2:-64}
bin="$root/build/bin" py=/usr/bin/python3
work="$root/build/bench/decode"
mkdir -p "$work"
cat > "$work/layer.mlir" <<'MLIR'
func.func @decode(%q: tensor<1x8x1x128xf32>, %k: tensor<1x2x1x128xf32>,
                  %v: tensor<1x2x1x128xf32>) -> tensor<1x8x1x128xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x1x128xf32>,
         tensor<1x2x1x128xf32>, tensor<1x2x1x128xf32>) causal
         -> tensor<1x8x1x128xf32>
  return %o : tensor<1x8x1x128xf32>
}
MLIR
median() { # module state-dir [longctx-run options] -> seconds per call
  "$bin/longctx-run" "$1" -e decode --load-state "$2" --stream-tokens "$calls" --seed 1 \
    "${@:3}" > "$work/run.log"
  awk '/median call/ { print $4 }' "$work/run.log"
}
"$bin/longctx-opt" "$work/layer.mlir" \
  --longctx-attention-to-infini="segment-length=2048 update-rule=delta partial-segments=true" \
  -o "$work/infini.mlir"
$py - "$work" <<'PY'
import sys, os, numpy as np
work = sys.argv[1]
rng = np.random.default_rng(0)
for name, count in (("infini-empty", 0), ("infini-half", 1024)):
    d = os.path.join(work, name); os.makedirs(d, exist_ok=True)
    m = rng.uniform(-0.1, 0.1, (1, 2, 128, 128)) if count else np.zeros((1, 2, 128, 128))
    z = rng.uniform(1, 4, (1, 2, 128)) if count else np.zeros((1, 2, 128))
    arrays = {4: m, 5: z, 6: rng.uniform(-1, 1, (1, 2, 2048, 128)),
              7: rng.uniform(-1, 1, (1, 2, 2048, 128))}
    for i, a in arrays.items():
        np.save(os.path.join(d, f"state{i}.npy"), a.astype(np.float32))
    np.save(os.path.join(d, "state8.npy"), np.array([count], np.int64))
PY
ie=$(median "$work/infini.mlir" "$work/infini-empty")
ih=$(median "$work/infini.mlir" "$work/infini-half")
awk -v e="$ie" -v h="$ih" 'BEGIN {
  printf "Infini decode (segments of 2048, delta): %.6f s/token from an empty segment, %.6f s/token half-way through one\n", e, h }'
for c in $contexts; do
  cap=$((c + calls))
  "$bin/longctx-opt" "$work/layer.mlir" --longctx-attention-to-kv-cache=capacity=$cap \
    -o "$work/kv-$c.mlir"
  $py - "$work/kv-$c" "$cap" "$c" <<'PY'
import sys, os, numpy as np
d, cap, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(d, exist_ok=True)
rng = np.random.default_rng(1)
for i in (3, 4):
    np.save(os.path.join(d, f"state{i}.npy"),
            rng.uniform(-1, 1, (1, 2, cap, 128)).astype(np.float32))
np.save(os.path.join(d, "state5.npy"), np.array([count], np.int64))
PY
  # The K and V a call reads; the runner also measures a streaming read of
  # as many bytes in the same process.
  t=$(median "$work/kv-$c.mlir" "$work/kv-$c" --read-bytes $((2 * 2 * c * 128 * 4)))
  stream=$(sed -n 's/.*streaming read of as many bytes on [0-9]* threads: \([0-9.]*\) GB\/s.*/\1/p' "$work/run.log")
  rm -rf "$work/kv-$c"
  awk -v c="$c" -v t="$t" -v ie="$ie" -v ih="$ih" -v s="$stream" 'BEGIN {
    bytes = 2 * 2 * c * 128 * 4
    printf "KV-cache decode at %7d tokens of context: %.6f s/token, K and V read at %.1f GB/s (%.0f%% of a %.1f GB/s streaming read in the same process); Infini is %.1fx faster per token\n", c, t, bytes / t / 1e9, 100 * bytes / t / 1e9 / s, s, t / ((ie + ih) / 2) }'
done
# Titans streamed (longctx-attention-to-titans window=512, chunks of 64,
# 4 persistent tokens) on a layer of 8 heads (d = dv = 64): one-token calls
# over the first TITANS_TOKENS tokens of a stream, median call (the window
# is full after 512; the cost then repeats with the position in the chunk).
titans_tokens=${TITANS_TOKENS:-2048}
cat > "$work/titans-layer.mlir" <<'MLIR'
func.func @decode(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x1x64xf32>,
                  %v: tensor<1x8x1x64xf32>) -> tensor<1x8x1x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x1x64xf32>,
         tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>) causal
         -> tensor<1x8x1x64xf32>
  return %o : tensor<1x8x1x64xf32>
}
MLIR
for arch in mag mal mac; do
  "$bin/longctx-opt" "$work/titans-layer.mlir" \
    --longctx-attention-to-titans="arch=$arch chunk-length=64 persistent-tokens=4 window=512" \
    -o "$work/titans-$arch.mlir"
  "$bin/longctx-run" "$work/titans-$arch.mlir" -e decode --stream-tokens "$titans_tokens" \
    --seed 1 > "$work/run.log" 2>&1
  awk -v a="$arch" -v n="$titans_tokens" '/median call/ {
    printf "Titans %s streamed decode (window 512, chunks of 64): %.6f s/token (median of %d one-token calls)\n", a, $4, n }' \
    "$work/run.log"
done
