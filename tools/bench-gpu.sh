#!/usr/bin/env bash
# GPU benchmark: the fused flash-attention kernel that longctx-lower-to-nvvm
# generates (run by `longctx-run --target=cuda`) against an unfused cuBLAS
# baseline built here with nvcc (SGEMM for Q K^T, a softmax kernel, SGEMM
# for P V; the N x M scores in device memory), both f32, on the same inputs.
# Prints, per sequence length, the kernel times (best of REPS; ours from
# CUDA events around the launch, LONGCTX_CUDA_KERNEL_TIMING), the speed-up
# over cuBLAS, TFLOP/s and the fraction of the device's FP32 (non-tensor)
# peak, and checks that the two outputs agree.
#
#   bash tools/bench-gpu.sh                  # causal, B=1, H=16, Hkv=4, d=64
#   NS="1024 4096" REPS=20 bash tools/bench-gpu.sh
#   PIPELINE='longctx-lower-to-nvvm{chip=sm_90 format=isa query-tile-size=64}' \
#     bash tools/bench-gpu.sh
#
# Needs a CUDA GPU (and nvcc, cuBLAS); exits 1 with a message without one.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NS=${NS:-"2048 4096 8192"}
REPS=${REPS:-10}
B=${B:-1}
H=${H:-16}
HKV=${HKV:-4}
D=${D:-64}
CAUSAL=${CAUSAL:-1}
python=/usr/bin/python3

if ! command -v nvidia-smi >/dev/null 2>&1 ||
  ! nvidia-smi -L 2>/dev/null | grep -q GPU; then
  echo "bench-gpu: no GPU found (nvidia-smi lists none); this benchmark" \
    "needs a CUDA device" >&2
  exit 1
fi
nvcc=$(command -v nvcc || true)
[[ -n $nvcc ]] || nvcc=/usr/local/cuda/bin/nvcc
if [[ ! -x $nvcc ]]; then
  echo "bench-gpu: nvcc not found (PATH or /usr/local/cuda/bin); it builds" \
    "the cuBLAS baseline" >&2
  exit 1
fi
[[ -x $root/build/bin/longctx-run ]] || bash "$root/tools/bootstrap.sh"

out="$root/build/bench-gpu"
mkdir -p "$out"
cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -n 1 |
  tr -d ' .')
echo "bench-gpu: building the cuBLAS baseline for sm_$cc"
"$nvcc" -O3 -arch="sm_$cc" -o "$out/attention_cublas" \
  "$root/tools/bench-gpu/attention_cublas.cu" -lcublas

causal_attr=""
[[ $CAUSAL == 1 ]] && causal_attr="causal"
printf '%-7s %-11s %-11s %-9s %-18s %-14s %s\n' N longctx_ms cublas_ms \
  speedup "longctx TFLOP/s" "% FP32 peak" "cublas TFLOP/s"
for n in $NS; do
  dir="$out/n$n"
  mkdir -p "$dir"
  "$python" - "$dir" "$B" "$H" "$HKV" "$n" "$D" <<'EOF'
import sys
import numpy as np
d, b, h, hkv, n, dim = sys.argv[1], *map(int, sys.argv[2:])
rng = np.random.default_rng(0)
for name, heads in (("q", h), ("k", hkv), ("v", hkv)):
    np.save(f"{d}/{name}.npy",
            rng.uniform(-1, 1, (b, heads, n, dim)).astype(np.float32))
EOF
  qt="tensor<${B}x${H}x${n}x${D}xf32>"
  kt="tensor<${B}x${HKV}x${n}x${D}xf32>"
  cat >"$dir/attention.mlir" <<EOF
func.func @main(%q: $qt, %k: $kt, %v: $kt) -> $qt {
  %o = longctx.attention ins(%q, %k, %v : $qt, $kt, $kt) $causal_attr -> $qt
  return %o : $qt
}
EOF
  args=(--target=cuda --input "$dir/q.npy" --input "$dir/k.npy"
    --input "$dir/v.npy" --repeat "$REPS" --output-dir "$dir/out")
  [[ -n ${PIPELINE:-} ]] && args+=(--pipeline="$PIPELINE")
  LONGCTX_CUDA_KERNEL_TIMING=1 "$root/build/bin/longctx-run" \
    "$dir/attention.mlir" "${args[@]}" >"$dir/longctx.log" 2>&1 || {
    cat "$dir/longctx.log" >&2
    exit 1
  }
  "$out/attention_cublas" "$dir/q.npy" "$dir/k.npy" "$dir/v.npy" \
    "$dir/cublas.npy" "$REPS" "$CAUSAL" >"$dir/cublas.log"
  "$python" - "$dir" "$B" "$H" "$n" "$D" "$CAUSAL" <<'EOF'
import re
import sys
import numpy as np
d = sys.argv[1]
b, h, n, dim, causal = map(int, sys.argv[2:])
log = open(f"{d}/longctx.log").read()
ours = max(float(re.search(r"kernel launches, best ([0-9.]+) ms", log).group(1)), 1e-9)
dev = re.search(r"target cuda: (.*), sm_(\d+), (\d+) SMs, (\d+) MHz", log)
theirs = float(re.search(r"best ([0-9.]+) ms",
                         open(f"{d}/cublas.log").read()).group(1))
sm, sms, mhz = int(dev.group(2)), int(dev.group(3)), int(dev.group(4))
# FP32 lanes per multiprocessor: 64 on sm_80 (A100), 128 from sm_86 on.
lanes = 64 if sm == 80 else 128
peak = sms * mhz * 1e6 * lanes * 2 / 1e12
pairs = n * (n + 1) / 2 if causal else n * n
flops = 2 * pairs * (dim + dim) * b * h
a = np.load(f"{d}/out/result0.npy")
c = np.load(f"{d}/cublas.npy")
err = float(np.abs(a - c).max())
tf = flops / (ours * 1e-3) / 1e12
tc = flops / (theirs * 1e-3) / 1e12
print(f"{n:<7} {ours:<11.3f} {theirs:<11.3f} {theirs / ours:<9.2f} "
      f"{tf:<18.2f} {100 * tf / peak:<14.1f} {tc:.2f}")
if err > 1e-3:
    print(f"bench-gpu: outputs differ by up to {err:.2e}", file=sys.stderr)
    sys.exit(2)
EOF
done
grep -h "target cuda" "$out"/n*/longctx.log | head -n 1
echo "bench-gpu: FP32 peak = SMs x clock x FP32 lanes x 2; speed-up =" \
  "cuBLAS time / longctx time (kernel times, no copies)"
