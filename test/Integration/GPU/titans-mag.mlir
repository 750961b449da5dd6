// Titans memory-as-a-gate on the GPU, three streamed calls: the attention
// of each call is a kernel, the chunk recurrence runs on the host; output,
// memory weights and momentum against the NumPy reference.
// REQUIRES: cuda-gpu
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --longctx-attention-to-titans="chunk-length=16 persistent-tokens=4" -o %t/mag.mlir
// RUN: %PYTHON -m longctx.make_data mag --q 1,2,64,16 --dv 8 --calls 3 --persistent 4 --chunk-length 16 --seed 61 --out %t/d
// RUN: longctx-run %t/mag.mlir --target=cuda --stream-tokens 192 --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/pk.npy --input %t/d/pv.npy --input %t/d/theta.npy --input %t/d/eta.npy --input %t/d/alpha.npy --expected %t/d/expected.npy --expected %t/d/expected_weights.npy --expected %t/d/expected_momentum.npy | FileCheck %s

// CHECK: all 3 checked results match

func.func @main(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                %v: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x64x16xf32>,
         tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>) causal
         -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
