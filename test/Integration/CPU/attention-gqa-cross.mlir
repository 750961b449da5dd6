// Non-causal cross attention with grouped-query heads (8 query heads over 2
// key/value heads), N != M, dv != d.
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,8,77,32 --kv 1,2,130,32 --dv 24 --seed 2 --out %t
// RUN: longctx-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS

func.func @main(%q: tensor<1x8x77x32xf32>, %k: tensor<1x2x130x32xf32>,
                %v: tensor<1x2x130x24xf32>) -> tensor<1x8x77x24xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x77x32xf32>,
         tensor<1x2x130x32xf32>, tensor<1x2x130x24xf32>)
         -> tensor<1x8x77x24xf32>
  return %o : tensor<1x8x77x24xf32>
}
