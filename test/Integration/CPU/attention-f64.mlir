// f64 attention accumulates in f64: agreement to 1e-12.
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,2,65,8 --kv 1,2,65,8 --causal --dtype float64 --seed 7 --out %t
// RUN: longctx-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy --atol 1e-12 --rtol 1e-12 | FileCheck %s

// CHECK: result 0: {{.*}} PASS

func.func @main(%q: tensor<1x2x65x8xf64>, %k: tensor<1x2x65x8xf64>,
                %v: tensor<1x2x65x8xf64>) -> tensor<1x2x65x8xf64> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x65x8xf64>,
         tensor<1x2x65x8xf64>, tensor<1x2x65x8xf64>) causal
         -> tensor<1x2x65x8xf64>
  return %o : tensor<1x2x65x8xf64>
}
