// Causal GQA where the queries are the last 5 of 200 positions (N < M, as in
// decoding with a cache): row i sees keys j <= i + 195.
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,4,5,16 --kv 1,1,200,16 --causal --seed 3 --out %t
// RUN: longctx-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS

func.func @main(%q: tensor<1x4x5x16xf32>, %k: tensor<1x1x200x16xf32>,
                %v: tensor<1x1x200x16xf32>) -> tensor<1x4x5x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x5x16xf32>,
         tensor<1x1x200x16xf32>, tensor<1x1x200x16xf32>) causal
         -> tensor<1x4x5x16xf32>
  return %o : tensor<1x4x5x16xf32>
}
