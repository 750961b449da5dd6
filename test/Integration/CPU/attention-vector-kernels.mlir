// The register-blocked attention kernels on shapes that leave partial
// blocks everywhere, vs the NumPy reference: 77 causal queries and keys
// (4 query heads over 2), d = 32, dv = 48 (P V: 3 vectors x 5 rows), key
// tiles of 48 (Q K^T: 3 vectors x 5 rows) and of 64, query tiles of 20 and
// 64, with and without a boolean mask; the same with the kernels off; and
// each machine shape whatever the host: 16 lanes (AVX-512: blocks of 5 x 3
// vectors), 8 lanes with 16 registers (AVX2: 6 x 2 blocks over column
// blocks; the last key tile has 29 keys, its panels zero past them), 4
// lanes, and a sliding window (its key loop starts at a whole key tile).
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,4,77,32 --kv 1,2,77,32 --dv 48 --causal --seed 71 --out %t/c
// RUN: longctx-run %s --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: longctx-run %s --pipeline="longctx-lower-to-cpu{query-tile-size=20 key-tile-size=48}" --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: longctx-run %s --pipeline="longctx-lower-to-cpu{query-tile-size=20 key-tile-size=48 vector-kernels=false}" --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: longctx-run %s --pipeline="longctx-lower-to-cpu{query-tile-size=20 key-tile-size=48 vector-lanes=16}" --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: longctx-run %s --pipeline="longctx-lower-to-cpu{query-tile-size=20 key-tile-size=48 vector-lanes=8}" --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: longctx-run %s --pipeline="longctx-lower-to-cpu{query-tile-size=20 key-tile-size=48 vector-lanes=4 threads=false}" --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,77,32 --kv 1,2,77,32 --dv 48 --causal --window 21 --seed 73 --out %t/w
// RUN: sed -e 's/) causal ->/) causal window(21) ->/' %s > %t/window.mlir
// RUN: longctx-run %t/window.mlir --pipeline="longctx-lower-to-cpu{query-tile-size=20 key-tile-size=16 vector-lanes=8}" --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,77,32 --kv 1,2,77,32 --dv 48 --causal --mask bool --masked-rows 3 --seed 72 --out %t/m
// RUN: sed -e 's/) causal ->/) mask(%%m : tensor<1x4x77x77xi1>) causal ->/' -e 's/%%v: tensor<1x2x77x48xf32>)/%%v: tensor<1x2x77x48xf32>, %%m: tensor<1x4x77x77xi1>)/' %s > %t/masked.mlir
// RUN: longctx-run %t/masked.mlir --pipeline="longctx-lower-to-cpu{query-tile-size=20 key-tile-size=48}" --input %t/m/q.npy --input %t/m/k.npy --input %t/m/v.npy --input %t/m/mask.npy --expected %t/m/expected.npy | FileCheck %s

// CHECK: all 1 checked results match

func.func @main(%q: tensor<1x4x77x32xf32>, %k: tensor<1x2x77x32xf32>,
                %v: tensor<1x2x77x48xf32>) -> tensor<1x4x77x48xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x77x32xf32>,
         tensor<1x2x77x32xf32>, tensor<1x2x77x48xf32>) causal -> tensor<1x4x77x48xf32>
  return %o : tensor<1x4x77x48xf32>
}
