// Sliding-window causal GQA attention (each query sees its last 50
// positions) over 300 tokens vs the NumPy reference; the key loop starts at
// the window, so tiles before it are never visited. With tiles of 7x13 too.
// A window covering all tokens equals plain causal attention.
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,4,300,16 --kv 1,2,300,16 --causal --window 50 --seed 31 --out %t/w
// RUN: longctx-run %s --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s
// RUN: longctx-run %s --pipeline="longctx-lower-to-cpu{query-tile-size=7 key-tile-size=13}" --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,300,16 --kv 1,2,300,16 --causal --seed 31 --out %t/c
// RUN: sed -e 's/window(50)/window(300)/' %s > %t/wide.mlir
// RUN: longctx-run %t/wide.mlir --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: not longctx-run %s --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s --check-prefix=DIFFERS

// CHECK: result 0: {{.*}} PASS
// DIFFERS: result 0: {{.*}} FAIL

func.func @main(%q: tensor<1x4x300x16xf32>, %k: tensor<1x2x300x16xf32>,
                %v: tensor<1x2x300x16xf32>) -> tensor<1x4x300x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x300x16xf32>,
         tensor<1x2x300x16xf32>, tensor<1x2x300x16xf32>) causal window(50)
         -> tensor<1x4x300x16xf32>
  return %o : tensor<1x4x300x16xf32>
}
