#!/usr/bin/env bash
# GPU benchmark: the fused flash-attention kernel that longctx-lower-to-nvvm
# generates against an unfused cuBLAS baseline (SGEMM for Q K^T, a softmax
# kernel, SGEMM for P V; the N x M scores in device memory), both f32, on the
# same inputs. Prints, per sequence length, the kernel times (best of REPS;
# ours from CUDA events around each launch), the speed-up over cuBLAS,
# TFLOP/s and the fraction of the device's FP32 (non-tensor) peak; checks
# our result against the float64 NumPy reference (small CHECKS shapes) and
# against cuBLAS (every N).
#
# Two halves, so that the GPU machine needs no LLVM/MLIR:
#   bash tools/bench-gpu.sh prepare DIR   # here: compile ahead of time into DIR
#   bash DIR/run.sh                       # there: GPU, nvcc + cuBLAS, NumPy
#   bash tools/bench-gpu.sh               # both, on a machine that has it all
#
# Settings (environment): NS="2048 4096 8192" REPS=10 B=1 H=16 HKV=4 D=64
# CAUSAL=1 CHECKS="1x8x2x300x64 2x4x4x129x32" (BxHxHkvxNxd) CHIP=sm_90
# FORMAT=bin (isa when ptxas is missing) QUERY_TILE=128 KEY_TILE=32
# DTYPES="f32 f16" (f32: our FMA kernel vs FP32 cuBLAS; f16: our tensor-core
# kernel, mma=true, vs cuBLAS on tensor cores).
# Without a GPU, `run` (and the default) exits 1 with a message.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NS=${NS:-"2048 4096 8192"}
REPS=${REPS:-10}
B=${B:-1}
H=${H:-16}
HKV=${HKV:-4}
D=${D:-64}
CAUSAL=${CAUSAL:-1}
CHECKS=${CHECKS:-"1x8x2x300x64 2x4x4x129x32"}
CHIP_ENV=${CHIP:-}
CHIP=${CHIP:-sm_90}
QUERY_TILE=${QUERY_TILE:-128}
KEY_TILE=${KEY_TILE:-32}
DTYPES=${DTYPES:-"f32 f16"}

prepare() {
  local out=$1
  local ptxas
  ptxas=$(command -v ptxas || true)
  [[ -n $ptxas || ! -x /usr/local/cuda/bin/ptxas ]] ||
    ptxas=/usr/local/cuda/bin/ptxas
  local format=${FORMAT:-$([[ -n $ptxas ]] && echo bin || echo isa)}
  local toolkit=""
  [[ -n $ptxas && $format != isa ]] &&
    toolkit=" toolkit=$(dirname "$(dirname "$ptxas")")"
  [[ -x $root/build/bin/longctx-opt ]] || bash "$root/tools/bootstrap.sh"
  local prefix
  prefix="$(llvm-config-22 --prefix)"
  mkdir -p "$out"
  local causal_attr=""
  [[ $CAUSAL == 1 ]] && causal_attr="causal"
  # build NAME DTYPE B H HKV N D: the entry @attention for one shape,
  # lowered, translated to LLVM IR and linked with the harness and runtime.
  build() {
    local name=$1 dtype=$2 b=$3 h=$4 hkv=$5 n=$6 d=$7
    local qt="tensor<${b}x${h}x${n}x${d}x$dtype>"
    local kt="tensor<${b}x${hkv}x${n}x${d}x$dtype>"
    local mma=false
    [[ $dtype == f16 ]] && mma=true
    cat >"$out/$name.mlir" <<EOF
func.func @attention(%q: $qt, %k: $kt, %v: $kt) -> $qt
    attributes {llvm.emit_c_interface} {
  %o = longctx.attention ins(%q, %k, %v : $qt, $kt, $kt) $causal_attr -> $qt
  return %o : $qt
}
EOF
    "$root/build/bin/longctx-opt" "$out/$name.mlir" \
      --longctx-lower-to-nvvm="chip=$CHIP format=$format$toolkit query-tile-size=$QUERY_TILE key-tile-size=$KEY_TILE mma=$mma" \
      -o "$out/$name.lowered.mlir"
    "$prefix/bin/mlir-translate" --mlir-to-llvmir \
      "$out/$name.lowered.mlir" -o "$out/$name.ll"
    clang++-22 -O2 -Wno-override-module "$root/tools/bench-gpu/harness.cpp" \
      "$out/$name.ll" "$root/lib/Runtime/CUDA/CudaRuntime.cpp" -ldl \
      -o "$out/$name"
    rm -f "$out/$name.ll" "$out/$name.lowered.mlir"
  }
  for dtype in $DTYPES; do
    for shape in $CHECKS; do
      IFS=x read -r b h hkv n d <<<"$shape"
      build "attention_longctx_${dtype}_check_$shape" "$dtype" "$b" "$h" \
        "$hkv" "$n" "$d"
    done
    for n in $NS; do
      build "attention_longctx_${dtype}_n$n" "$dtype" "$B" "$H" "$HKV" "$n" "$D"
    done
  done
  cp "$root/tools/bench-gpu/run.sh" "$root/tools/bench-gpu/attention_cublas.cu" \
    "$root/python/longctx/reference.py" "$out/"
  cat >"$out/config.sh" <<EOF
NS="$NS"
REPS=$REPS
B=$B
H=$H
HKV=$HKV
D=$D
CAUSAL=$CAUSAL
CHECKS="$CHECKS"
DTYPES="$DTYPES"
EOF
  echo "bench-gpu: prepared $out for $CHIP ($format): run 'bash $out/run.sh'" \
    "on the GPU machine"
}

case "${1:-all}" in
prepare)
  [[ $# -eq 2 ]] || {
    echo "usage: bash tools/bench-gpu.sh prepare DIR" >&2
    exit 1
  }
  prepare "$2"
  ;;
all)
  if ! command -v nvidia-smi >/dev/null 2>&1 ||
    ! nvidia-smi -L 2>/dev/null | grep -q GPU; then
    echo "bench-gpu: no GPU found (nvidia-smi lists none); this benchmark" \
      "needs a CUDA device (to compile here and run elsewhere:" \
      "bash tools/bench-gpu.sh prepare DIR)" >&2
    exit 1
  fi
  cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader |
    head -n 1 | tr -d ' .')
  CHIP=${CHIP_ENV:-sm_$cc}
  prepare "$root/build/bench-gpu"
  bash "$root/build/bench-gpu/run.sh"
  ;;
*)
  echo "usage: bash tools/bench-gpu.sh [prepare DIR]" >&2
  exit 1
  ;;
esac
