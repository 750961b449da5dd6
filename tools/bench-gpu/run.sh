#!/usr/bin/env bash
# The device half of tools/bench-gpu.sh: runs in a folder that
# `tools/bench-gpu.sh prepare DIR` filled, on a machine with an NVIDIA GPU,
# nvcc (with cuBLAS) and python3 with NumPy, and needs no LLVM or MLIR (the
# longctx kernels and host code were compiled ahead of time, with the longctx
# CUDA runtime linked in).
#   1. checks the longctx kernel against the float64 NumPy reference
#      (python/longctx/reference.py) at the small CHECK shapes;
#   2. builds the unfused cuBLAS baseline for this GPU and, per sequence
#      length, times both (kernel times from CUDA events, best of REPS),
#      checks that they agree, and prints the speed-up, TFLOP/s and the
#      fraction of the FP32 (non-tensor) peak.
# Exits 1 with a message when there is no GPU, 2 when a result is wrong.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$here/config.sh"
python=${PYTHON:-python3}

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
cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -n 1 |
  tr -d ' .')
echo "bench-gpu: building the cuBLAS baseline for sm_$cc"
"$nvcc" -O3 -arch="sm_$cc" -o "$here/attention_cublas" \
  "$here/attention_cublas.cu" -lcublas

gen() { # dir dtype b h hkv n d
  "$python" - "$@" <<'PY'
import sys
import numpy as np
d, dtype = sys.argv[1], {"f32": np.float32, "f16": np.float16}[sys.argv[2]]
b, h, hkv, n, dim = map(int, sys.argv[3:])
rng = np.random.default_rng(0)
for name, heads in (("q", h), ("k", hkv), ("v", hkv)):
    np.save(f"{d}/{name}.npy",
            rng.uniform(-1, 1, (b, heads, n, dim)).astype(dtype))
PY
}

export LONGCTX_CUDA_KERNEL_TIMING=1
status=0
for dtype in $DTYPES; do
for shape in $CHECKS; do
  IFS=x read -r b h hkv n d <<<"$shape"
  dir="$here/check-$dtype-$shape"
  mkdir -p "$dir"
  gen "$dir" "$dtype" "$b" "$h" "$hkv" "$n" "$d"
  "$here/attention_longctx_${dtype}_check_$shape" "$dir/q.npy" "$dir/k.npy" \
    "$dir/v.npy" "$dir/out.npy" 1 >"$dir/log" 2>&1 || {
    cat "$dir/log" >&2
    exit 1
  }
  "$python" - "$here" "$dir" "$CAUSAL" "$dtype" <<'PY' || status=2
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from reference import attention
d, causal, dtype = sys.argv[2], sys.argv[3] == "1", sys.argv[4]
q, k, v = (np.load(f"{d}/{x}.npy").astype(np.float64) for x in "qkv")
ref = attention(q, k, v, causal=causal)
out = np.load(f"{d}/out.npy").astype(np.float64)
err = np.abs(out - ref)
# f16 on tensor cores rounds P to f16 before P V.
atol, rtol = (1e-5, 1e-4) if dtype == "f32" else (1e-3, 1e-2)
ok = bool((err <= atol + rtol * np.abs(ref)).all())
print(f"check {dtype} {d.rsplit('-', 1)[1]}: max abs err {err.max():.3e} vs "
      f"the float64 reference (atol {atol}, rtol {rtol}): "
      f"{'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
done
done

for dtype in $DTYPES; do
echo "bench-gpu: $dtype ($([[ $dtype == f32 ]] && echo "FMA kernel vs FP32 cuBLAS" ||
  echo "tensor-core kernel vs cuBLAS on tensor cores"))"
printf '%-7s %-11s %-11s %-9s %-18s %-14s %s\n' N longctx_ms cublas_ms \
  speedup "longctx TFLOP/s" "% of peak" "cublas TFLOP/s"
for n in $NS; do
  dir="$here/$dtype-n$n"
  mkdir -p "$dir"
  gen "$dir" "$dtype" "$B" "$H" "$HKV" "$n" "$D"
  "$here/attention_longctx_${dtype}_n$n" "$dir/q.npy" "$dir/k.npy" "$dir/v.npy" \
    "$dir/out.npy" "$REPS" >"$dir/longctx.log" 2>&1 || {
    cat "$dir/longctx.log" >&2
    exit 1
  }
  "$here/attention_cublas" "$dir/q.npy" "$dir/k.npy" "$dir/v.npy" \
    "$dir/cublas.npy" "$REPS" "$CAUSAL" >"$dir/cublas.log"
  "$python" - "$dir" "$dtype" "$B" "$H" "$n" "$D" "$CAUSAL" <<'PY' || status=2
import re
import sys
import numpy as np
d, dtype = sys.argv[1], sys.argv[2]
b, h, n, dim, causal = map(int, sys.argv[3:])
log = open(f"{d}/longctx.log").read()
ours = max(float(re.search(r"kernel launches, best ([0-9.]+) ms",
                           log).group(1)), 1e-9)
dev = re.search(r"target cuda: (.*), sm_(\d+), (\d+) SMs, (\d+) MHz", log)
theirs = float(re.search(r"best ([0-9.]+) ms",
                         open(f"{d}/cublas.log").read()).group(1))
sm, sms, mhz = int(dev.group(2)), int(dev.group(3)), int(dev.group(4))
# f32: FP32 lanes per multiprocessor x 2 (64 on sm_80, 128 from sm_86 on);
# f16: dense tensor-core FLOP per multiprocessor per clock (A100, H100/H200).
per_sm = ((64 if sm == 80 else 128) * 2 if dtype == "f32"
          else {80: 2048, 90: 4096}.get(sm))
peak = sms * mhz * 1e6 * per_sm / 1e12 if per_sm else None
pairs = n * (n + 1) / 2 if causal else n * n
flops = 2 * pairs * (dim + dim) * b * h
err = float(np.abs(np.load(f"{d}/out.npy").astype(np.float64) -
                  np.load(f"{d}/cublas.npy").astype(np.float64)).max())
tf = flops / (ours * 1e-3) / 1e12
tc = flops / (theirs * 1e-3) / 1e12
share = f"{100 * tf / peak:.1f}" if peak else "n/a"
print(f"{n:<7} {ours:<11.3f} {theirs:<11.3f} {theirs / ours:<9.2f} "
      f"{tf:<18.2f} {share:<14} {tc:.2f}")
if err > (1e-3 if dtype == "f32" else 2e-2):
    print(f"bench-gpu: longctx and cuBLAS differ by up to {err:.2e} at "
          f"N = {n}", file=sys.stderr)
    sys.exit(1)
PY
done
done
grep -h "target cuda" "$here"/*-n*/longctx.log | head -n 1
echo "bench-gpu: peak = SMs x clock x (f32: FP32 lanes x 2; f16: dense" \
  "tensor FLOP/clock); speed-up = cuBLAS time / longctx time (kernel" \
  "times, no copies); shapes B=$B H=$H Hkv=$HKV d=$D causal=$CAUSAL"
exit $status
