// Causal self-attention, 100 tokens: not a multiple of the 64-token tiles, so
// both loops end on a partial tile.
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 2,3,100,16 --kv 2,3,100,16 --causal --seed 1 --out %t
// RUN: longctx-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s
// RUN: longctx-run %s --pipeline="longctx-lower-to-cpu{threads=false}" --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s
// RUN: longctx-run %s --pipeline="longctx-lower-to-cpu{query-tile-size=7 key-tile-size=13}" --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match

func.func @main(%q: tensor<2x3x100x16xf32>, %k: tensor<2x3x100x16xf32>,
                %v: tensor<2x3x100x16xf32>) -> tensor<2x3x100x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x3x100x16xf32>,
         tensor<2x3x100x16xf32>, tensor<2x3x100x16xf32>) causal
         -> tensor<2x3x100x16xf32>
  return %o : tensor<2x3x100x16xf32>
}
