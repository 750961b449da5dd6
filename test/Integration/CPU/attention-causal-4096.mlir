// Long causal GQA attention: 4096 tokens, 4 query heads over 2 key/value
// heads, head dim 64. fp32 result within 1e-4 relative of the f64 reference.
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,4,4096,64 --kv 1,2,4096,64 --causal --seed 8 --out %t
// RUN: longctx-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy --atol 1e-6 --rtol 1e-4 | FileCheck %s

// CHECK: result 0: {{.*}} PASS

func.func @main(%q: tensor<1x4x4096x64xf32>, %k: tensor<1x2x4096x64xf32>,
                %v: tensor<1x2x4096x64xf32>) -> tensor<1x4x4096x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x4096x64xf32>,
         tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>) causal
         -> tensor<1x4x4096x64xf32>
  return %o : tensor<1x4x4096x64xf32>
}
