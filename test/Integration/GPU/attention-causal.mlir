// Causal grouped-query attention on the GPU (8 query heads over 2 key/value
// heads, d = 64, 300 tokens: not a multiple of any tile), against the NumPy
// reference, with the default tiles and with small ones (partial key tiles,
// several query tiles, a block size that is not a warp multiple; sm_80 PTX,
// which the driver JIT-compiles for any newer device).
// REQUIRES: cuda-gpu
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 2,8,300,64 --kv 2,2,300,64 --causal --seed 41 --out %t
// RUN: longctx-run %s --target=cuda --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s
// RUN: longctx-run %s --target=cuda --pipeline="longctx-lower-to-nvvm{chip=sm_80 format=isa query-tile-size=48 key-tile-size=13}" --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s
// A wrong answer is caught: the reference of non-causal attention differs.
// RUN: %PYTHON -m longctx.make_data attention --q 2,8,300,64 --kv 2,2,300,64 --seed 41 --out %t/full
// RUN: not longctx-run %s --target=cuda --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/full/expected.npy | FileCheck %s --check-prefix=DIFFERS

// CHECK: longctx-run: target cuda:
// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match
// DIFFERS: result 0: {{.*}} FAIL

func.func @main(%q: tensor<2x8x300x64xf32>, %k: tensor<2x2x300x64xf32>,
                %v: tensor<2x2x300x64xf32>) -> tensor<2x8x300x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x8x300x64xf32>,
         tensor<2x2x300x64xf32>, tensor<2x2x300x64xf32>) causal
         -> tensor<2x8x300x64xf32>
  return %o : tensor<2x8x300x64xf32>
}
