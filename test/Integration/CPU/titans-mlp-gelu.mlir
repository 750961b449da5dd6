// Titans MLP memory with GELU (tanh form): compiled chunked form vs the NumPy
// token recurrence, chunk lengths 1 and 16, and f64 to rounding.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed -e 's/chunk_length(16)/chunk_length(1)/' %s > %t/c1.mlir
// RUN: sed -e 's/xf32>/xf64>/g' %s > %t/f64.mlir
// RUN: %PYTHON -m longctx.make_data titans --hidden 16 --activation gelu --q 1,2,60,8 --dv 4 --chunk-length 1 --seed 81 --out %t/d1
// RUN: %PYTHON -m longctx.make_data titans --hidden 16 --activation gelu --q 1,2,60,8 --dv 4 --chunk-length 16 --seed 81 --out %t/d16
// RUN: %PYTHON -m longctx.make_data titans --hidden 16 --activation gelu --q 1,2,60,8 --dv 4 --chunk-length 16 --dtype float64 --seed 82 --out %t/f
// RUN: longctx-run %t/c1.mlir --input %t/d1/k.npy --input %t/d1/v.npy --input %t/d1/q.npy --input %t/d1/theta.npy --input %t/d1/eta.npy --input %t/d1/alpha.npy --input %t/d1/w1.npy --input %t/d1/w2.npy --input %t/d1/s1.npy --input %t/d1/s2.npy --expected %t/d1/expected.npy --expected %t/d1/expected_w1.npy --expected %t/d1/expected_w2.npy --expected %t/d1/expected_s1.npy --expected %t/d1/expected_s2.npy | FileCheck %s
// RUN: longctx-run %s --input %t/d16/k.npy --input %t/d16/v.npy --input %t/d16/q.npy --input %t/d16/theta.npy --input %t/d16/eta.npy --input %t/d16/alpha.npy --input %t/d16/w1.npy --input %t/d16/w2.npy --input %t/d16/s1.npy --input %t/d16/s2.npy --expected %t/d16/expected.npy --expected %t/d16/expected_w1.npy --expected %t/d16/expected_w2.npy --expected %t/d16/expected_s1.npy --expected %t/d16/expected_s2.npy | FileCheck %s
// RUN: longctx-run %t/f64.mlir --atol 1e-10 --rtol 1e-10 --input %t/f/k.npy --input %t/f/v.npy --input %t/f/q.npy --input %t/f/theta.npy --input %t/f/eta.npy --input %t/f/alpha.npy --input %t/f/w1.npy --input %t/f/w2.npy --input %t/f/s1.npy --input %t/f/s2.npy --expected %t/f/expected.npy --expected %t/f/expected_w1.npy --expected %t/f/expected_w2.npy --expected %t/f/expected_s1.npy --expected %t/f/expected_s2.npy | FileCheck %s
/// The SiLU memory on the GELU data differs: the activation matters.
// RUN: sed -e 's/ activation(gelu)//' %s > %t/silu.mlir
// RUN: not longctx-run %t/silu.mlir --input %t/d16/k.npy --input %t/d16/v.npy --input %t/d16/q.npy --input %t/d16/theta.npy --input %t/d16/eta.npy --input %t/d16/alpha.npy --input %t/d16/w1.npy --input %t/d16/w2.npy --input %t/d16/s1.npy --input %t/d16/s2.npy --expected %t/d16/expected.npy | FileCheck %s --check-prefix=SILU

// CHECK: all 5 checked results match
// SILU: result 0: {{.*}} FAIL

func.func @main(%k: tensor<1x2x60x8xf32>, %v: tensor<1x2x60x4xf32>,
                %q: tensor<1x2x60x8xf32>, %theta: tensor<1x2x60xf32>,
                %eta: tensor<1x2x60xf32>, %alpha: tensor<1x2x60xf32>,
                %w1: tensor<1x2x8x16xf32>, %w2: tensor<1x2x16x4xf32>,
                %s1: tensor<1x2x8x16xf32>, %s2: tensor<1x2x16x4xf32>)
    -> (tensor<1x2x60x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x4xf32>,
        tensor<1x2x8x16xf32>, tensor<1x2x16x4xf32>) {
  %o, %w1n, %w2n, %s1n, %s2n = longctx.titans_mlp_memory
      ins(%k, %v, %q : tensor<1x2x60x8xf32>, tensor<1x2x60x4xf32>, tensor<1x2x60x8xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x60xf32>, tensor<1x2x60xf32>, tensor<1x2x60xf32>)
      weights(%w1, %w2 : tensor<1x2x8x16xf32>, tensor<1x2x16x4xf32>)
      momentum(%s1, %s2 : tensor<1x2x8x16xf32>, tensor<1x2x16x4xf32>)
      chunk_length(16) activation(gelu) -> tensor<1x2x60x4xf32>
  return %o, %w1n, %w2n, %s1n, %s2n : tensor<1x2x60x4xf32>, tensor<1x2x8x16xf32>,
      tensor<1x2x16x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x4xf32>
}
