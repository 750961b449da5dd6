#!/usr/bin/env bash
# The main job: set up and build, take the example model's standard attention
# (test/Examples/tiny-lm-layer.mlir), rewrite it into Infini-attention,
# compile it, check it against the NumPy reference, then stream 64K and 1M
# tokens through it on the CPU, printing tokens/s and peak memory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/bootstrap.sh"

work="$root/build/example"
mkdir -p "$work"
opt="$root/build/bin/longctx-opt"
run="$root/build/bin/longctx-run"
segment=512

echo
echo "== 1. rewrite the example's causal attention into Infini-attention (delta rule, segments of $segment)"
"$opt" "$root/test/Examples/tiny-lm-layer.mlir" \
  --longctx-attention-to-infini="segment-length=$segment update-rule=delta" \
  -o "$work/layer-infini.mlir"
grep -m1 'func.func @layer' "$work/layer-infini.mlir" | sed 's/^ *//'
grep -o 'longctx.infini_attention.*segment_length([0-9]*) rule([a-z]*)' \
  "$work/layer-infini.mlir" | sed 's/ins(.*) gate/... gate/'

echo
echo "== 2. compile and stream 8 chunks (4096 tokens) against the NumPy reference"
(cd "$root/python" && /usr/bin/python3 -m longctx.make_data layer --tokens 4096 \
  --segment-length $segment --rule delta --out "$work/check")
"$run" "$work/layer-infini.mlir" -e layer --stream-tokens 4096 \
  --input "$work/check/x.npy" --input "$work/check/wq.npy" \
  --input "$work/check/wk.npy" --input "$work/check/wv.npy" \
  --input "$work/check/wo.npy" \
  --expected "$work/check/expected.npy" \
  --expected "$work/check/expected_memory.npy" \
  --expected "$work/check/expected_norm.npy" --atol 1e-3 --rtol 1e-4

echo
echo "== 3. stream 65536 and 1048576 tokens (seeded random hidden states and weights)"
BENCH_NAME="tiny-lm-layer, Infini delta, segment $segment" \
  bash "$root/tools/bench-streaming.sh" "$work/layer-infini.mlir" layer 65536 1048576
