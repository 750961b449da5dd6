#!/usr/bin/env bash
# The main job: set up and build, import a model exported by PyTorch
# (test/Examples/onnx/gpt_gqa_512.onnx: two GPT-style blocks with
# grouped-query causal attention, 512-token chunks), raise its attention to
# longctx.attention, rewrite that into Infini-attention, compile it, check it
# against PyTorch and the NumPy reference, then stream 64K and 1M tokens
# through it on the CPU, printing tokens/s and peak memory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/bootstrap.sh"

work="$root/build/example"
mkdir -p "$work"
opt="$root/build/bin/longctx-opt"
run="$root/build/bin/longctx-run"
import="$root/build/bin/longctx-import-onnx"
models="$root/test/Examples/onnx"
model="$models/gpt_gqa_512"
segment=512

echo
echo "== 1. import $(basename "$model").onnx (sequence dimension 1 streams)"
"$import" "$model.onnx" --func-name=layer --stream-dim=1 -o "$work/imported.mlir"
grep -m1 'func.func @layer' "$work/imported.mlir" | sed 's/^ *//'
echo "$(grep -c 'linalg.softmax' "$work/imported.mlir") linalg.softmax," \
  "$(grep -c 'linalg\.' "$work/imported.mlir") linalg ops"

echo
echo "== 2. raise the attention to longctx.attention"
"$opt" "$work/imported.mlir" --longctx-raise-attention -o "$work/raised.mlir"
grep -o 'longctx.attention ins(.*' "$work/raised.mlir" |
  sed 's/ins(.*) causal/... causal/'
if grep -q 'linalg.softmax' "$work/raised.mlir"; then
  echo "run-example: a softmax was not raised" >&2
  exit 1
fi
"$run" "$work/raised.mlir" -e layer --input "$model.x.npy" \
  --expected "$model.expected.npy"

echo
echo "== 3. rewrite it into Infini-attention (delta rule, segments of $segment)"
"$opt" "$work/raised.mlir" \
  --longctx-attention-to-infini="segment-length=$segment update-rule=delta" \
  -o "$work/layer-infini.mlir"
grep -m1 'func.func @layer' "$work/layer-infini.mlir" | sed 's/^ *//'
grep -o 'longctx.infini_attention.*segment_length([0-9]*) rule([a-z]*)' \
  "$work/layer-infini.mlir" | sed 's/ins(.*) gate/... gate/'

echo
echo "== 4. compile and stream 4 chunks (2048 tokens) against PyTorch with the NumPy Infini-attention"
"$run" "$work/layer-infini.mlir" -e layer --stream-tokens 2048 \
  --input "$model.stream.x.npy" --expected "$model.stream.expected.npy" \
  --atol 1e-4 --rtol 1e-4

echo
echo "== 5. stream 65536 and 1048576 tokens (seeded random hidden states)"
BENCH_NAME="gpt_gqa_512.onnx, 2 layers, Infini delta, segment $segment" \
  bash "$root/tools/bench-streaming.sh" "$work/layer-infini.mlir" layer 65536 1048576
