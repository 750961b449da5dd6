#!/usr/bin/env bash
# Whole-model benchmark: every shipped ONNX model (test/Examples/onnx/*.onnx
# that has a PyTorch output), compiled by longctx (imported, attention
# raised, longctx-lower-to-cpu) and run by ONNX Runtime's CPU provider, on
# the same input, at 1 and 2 threads, back to back in one run. Prints both
# median times (of REPEAT calls after warm-up calls), their ratio (> 1:
# longctx is faster) and checks both outputs against PyTorch's.
#
# usage: tools/bench-model.sh [REPEAT] [MODEL.onnx ...]
#
# ONNX Runtime comes from npm (a benchmark dependency only, never a test
# dependency): installed on first use into build/onnxruntime with
# `npm install --ignore-scripts onnxruntime-node` (its install script
# downloads GPU binaries; the CPU provider is in the package itself).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeat=${1:-10}
shift || true
models=("$@")
if ((${#models[@]} == 0)); then
  for f in "$root"/test/Examples/onnx/*.onnx; do
    [[ -f "${f%.onnx}.expected.npy" ]] && models+=("$f")
  done
fi
bash "$root/tools/bootstrap.sh" >&2

ort="$root/build/onnxruntime"
if [[ ! -d "$ort/node_modules/onnxruntime-node" ]]; then
  echo "bench-model: installing onnxruntime-node into $ort" >&2
  mkdir -p "$ort"
  (cd "$ort" && npm install --ignore-scripts --no-audit --no-fund \
    onnxruntime-node >&2)
fi

work="$root/build/bench-model"
mkdir -p "$work"
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

longctx_time() { # MLIR THREADS X EXPECTED
  local pipeline="longctx-lower-to-cpu"
  [[ $2 == 1 ]] && pipeline="longctx-lower-to-cpu{threads=false}"
  OMP_NUM_THREADS=$2 "$root/build/bin/longctx-run" "$1" --pipeline="$pipeline" \
    --input "$3" --expected "$4" --atol 1e-3 --rtol 1e-3 --warmup 2 \
    --repeat "$repeat" > "$work/longctx.log" 2>&1 ||
    { cat "$work/longctx.log" >&2; echo "bench-model: longctx failed" >&2; exit 1; }
  grep -q "all 1 checked results match" "$work/longctx.log" ||
    { echo "bench-model: longctx output differs from PyTorch" >&2; exit 1; }
  sed -n 's/^longctx-run: run [0-9]*\/[0-9]*: \([0-9.e+-]*\) s$/\1/p' \
    "$work/longctx.log" | median
}

ort_time() { # ONNX THREADS X EXPECTED
  NODE_PATH="$ort/node_modules" node "$root/tools/bench-model/ort-run.js" \
    "$1" "$2" "$repeat" "$3" "$4" > "$work/ort.log" 2>&1 ||
    { cat "$work/ort.log" >&2; echo "bench-model: onnxruntime failed" >&2; exit 1; }
  sed -n 's/^ort: median \([0-9.]*\) s.*/\1/p' "$work/ort.log"
}

printf '\n%-16s %7s %12s %12s %10s %10s\n' model threads longctx onnxruntime \
  "speed-up" "compile"
for onnx in "${models[@]}"; do
  name=$(basename "${onnx%.onnx}")
  x="${onnx%.onnx}.x.npy" expected="${onnx%.onnx}.expected.npy"
  start=$(date +%s.%N)
  "$root/build/bin/longctx-import-onnx" "$onnx" |
    "$root/build/bin/longctx-opt" --longctx-raise-attention -o "$work/$name.mlir"
  for threads in 1 2; do
    t_longctx=$(longctx_time "$work/$name.mlir" "$threads" "$x" "$expected")
    compile=$(sed -n 's/^longctx-run: compiled .* in \([0-9.]*\) s.*/\1/p' \
      "$work/longctx.log" | head -n 1)
    t_ort=$(ort_time "$onnx" "$threads" "$x" "$expected")
    awk -v n="$name" -v t="$threads" -v a="$t_longctx" -v b="$t_ort" \
        -v c="${compile:-?}" 'BEGIN {
      printf "%-16s %7d %10.5f s %10.5f s %9.2fx %8s s\n", n, t, a, b, b / a, c }'
  done
done
# The main job's model with Infini-attention (tools/run-example.sh) streaming
# 64K tokens, against ONNX Runtime running it with full attention on its
# 512-token inputs, both on every core.
gqa="$root/test/Examples/onnx/gpt_gqa_512"
if [[ -f "$gqa.onnx" ]]; then
  "$root/build/bin/longctx-import-onnx" "$gqa.onnx" --func-name=layer --stream-dim=1 |
    "$root/build/bin/longctx-opt" --longctx-raise-attention \
      --longctx-attention-to-infini="segment-length=512 update-rule=delta" \
      -o "$work/gpt_gqa_512.infini.mlir"
  rate=$("$root/build/bin/longctx-run" "$work/gpt_gqa_512.infini.mlir" -e layer \
    --stream-tokens 65536 --seed 1 2>&1 |
    sed -n 's/.*calls of [0-9]*: .* s in compiled code, \([0-9]*\) tokens\/s.*/\1/p')
  t_ort=$(ort_time "$gqa.onnx" 2 "$gqa.x.npy" "$gqa.expected.npy")
  awk -v r="$rate" -v t="$t_ort" 'BEGIN {
    o = 512 / t
    printf "\ngpt_gqa_512 streaming 64K tokens with Infini-attention (longctx, 2 threads):"
    printf " %.0f tokens/s\n", r
    printf "gpt_gqa_512 with full attention on 512-token inputs (onnxruntime, 2 threads):"
    printf " %.0f tokens/s\nratio: %.2fx\n", o, r / o }'
fi

echo
echo "speed-up: ONNX Runtime's median time / longctx's (> 1: longctx is faster);"
echo "both outputs checked against PyTorch's (longctx: atol/rtol 1e-3)."
