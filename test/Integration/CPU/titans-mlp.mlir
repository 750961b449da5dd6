// Titans with a 2-layer SiLU MLP memory (hidden width 32): the compiled
// chunked form (forward + generated backward, one weighted backward per
// chunk and state) vs the NumPy token recurrence with gradients and reads at
// the chunk-start weights. Chunk lengths 1 (exact recurrence), 16, and 64
// over 100 tokens; eta = alpha = 0; f64 to rounding.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed -e 's/chunk_length(16)/chunk_length(1)/' %s > %t/c1.mlir
// RUN: sed -e 's/chunk_length(16)/chunk_length(64)/' %s > %t/c64.mlir
// RUN: sed -e 's/xf32>/xf64>/g' %s > %t/f64.mlir
// RUN: %PYTHON -m longctx.make_data titans --hidden 32 --q 1,2,100,8 --dv 4 --chunk-length 1 --seed 51 --out %t/d1
// RUN: %PYTHON -m longctx.make_data titans --hidden 32 --q 1,2,100,8 --dv 4 --chunk-length 16 --seed 51 --out %t/d16
// RUN: %PYTHON -m longctx.make_data titans --hidden 32 --q 1,2,100,8 --dv 4 --chunk-length 64 --seed 51 --out %t/d64
// RUN: %PYTHON -m longctx.make_data titans --hidden 32 --q 1,2,100,8 --dv 4 --chunk-length 16 --no-decay --zero-state --seed 52 --out %t/d0
// RUN: %PYTHON -m longctx.make_data titans --hidden 32 --q 1,2,100,8 --dv 4 --chunk-length 16 --dtype float64 --seed 53 --out %t/f
// RUN: longctx-run %t/c1.mlir --input %t/d1/k.npy --input %t/d1/v.npy --input %t/d1/q.npy --input %t/d1/theta.npy --input %t/d1/eta.npy --input %t/d1/alpha.npy --input %t/d1/w1.npy --input %t/d1/w2.npy --input %t/d1/s1.npy --input %t/d1/s2.npy --expected %t/d1/expected.npy --expected %t/d1/expected_w1.npy --expected %t/d1/expected_w2.npy --expected %t/d1/expected_s1.npy --expected %t/d1/expected_s2.npy | FileCheck %s
// RUN: longctx-run %s --input %t/d16/k.npy --input %t/d16/v.npy --input %t/d16/q.npy --input %t/d16/theta.npy --input %t/d16/eta.npy --input %t/d16/alpha.npy --input %t/d16/w1.npy --input %t/d16/w2.npy --input %t/d16/s1.npy --input %t/d16/s2.npy --expected %t/d16/expected.npy --expected %t/d16/expected_w1.npy --expected %t/d16/expected_w2.npy --expected %t/d16/expected_s1.npy --expected %t/d16/expected_s2.npy | FileCheck %s
// Negative decay factors (eta < 0, alpha > 1) equal the recurrence too.
// RUN: %PYTHON -m longctx.make_data titans --hidden 32 --q 1,2,100,8 --dv 4 --chunk-length 16 --signed-decays --seed 52 --out %t/neg
// RUN: longctx-run %s --input %t/neg/k.npy --input %t/neg/v.npy --input %t/neg/q.npy --input %t/neg/theta.npy --input %t/neg/eta.npy --input %t/neg/alpha.npy --input %t/neg/w1.npy --input %t/neg/w2.npy --input %t/neg/s1.npy --input %t/neg/s2.npy --expected %t/neg/expected.npy --expected %t/neg/expected_w1.npy --expected %t/neg/expected_w2.npy --expected %t/neg/expected_s1.npy --expected %t/neg/expected_s2.npy | FileCheck %s
// RUN: longctx-run %t/c64.mlir --input %t/d64/k.npy --input %t/d64/v.npy --input %t/d64/q.npy --input %t/d64/theta.npy --input %t/d64/eta.npy --input %t/d64/alpha.npy --input %t/d64/w1.npy --input %t/d64/w2.npy --input %t/d64/s1.npy --input %t/d64/s2.npy --expected %t/d64/expected.npy --expected %t/d64/expected_w1.npy --expected %t/d64/expected_w2.npy --expected %t/d64/expected_s1.npy --expected %t/d64/expected_s2.npy | FileCheck %s
// RUN: longctx-run %s --input %t/d0/k.npy --input %t/d0/v.npy --input %t/d0/q.npy --input %t/d0/theta.npy --input %t/d0/eta.npy --input %t/d0/alpha.npy --input %t/d0/w1.npy --input %t/d0/w2.npy --input %t/d0/s1.npy --input %t/d0/s2.npy --expected %t/d0/expected.npy --expected %t/d0/expected_w1.npy --expected %t/d0/expected_w2.npy --expected %t/d0/expected_s1.npy --expected %t/d0/expected_s2.npy | FileCheck %s
// RUN: longctx-run %t/f64.mlir --atol 1e-10 --rtol 1e-10 --input %t/f/k.npy --input %t/f/v.npy --input %t/f/q.npy --input %t/f/theta.npy --input %t/f/eta.npy --input %t/f/alpha.npy --input %t/f/w1.npy --input %t/f/w2.npy --input %t/f/s1.npy --input %t/f/s2.npy --expected %t/f/expected.npy --expected %t/f/expected_w1.npy --expected %t/f/expected_w2.npy --expected %t/f/expected_s1.npy --expected %t/f/expected_s2.npy | FileCheck %s

// CHECK: all 5 checked results match

func.func @main(%k: tensor<1x2x100x8xf32>, %v: tensor<1x2x100x4xf32>,
                %q: tensor<1x2x100x8xf32>, %theta: tensor<1x2x100xf32>,
                %eta: tensor<1x2x100xf32>, %alpha: tensor<1x2x100xf32>,
                %w1: tensor<1x2x8x32xf32>, %w2: tensor<1x2x32x4xf32>,
                %s1: tensor<1x2x8x32xf32>, %s2: tensor<1x2x32x4xf32>)
    -> (tensor<1x2x100x4xf32>, tensor<1x2x8x32xf32>, tensor<1x2x32x4xf32>,
        tensor<1x2x8x32xf32>, tensor<1x2x32x4xf32>) {
  %o, %w1n, %w2n, %s1n, %s2n = longctx.titans_mlp_memory
      ins(%k, %v, %q : tensor<1x2x100x8xf32>, tensor<1x2x100x4xf32>, tensor<1x2x100x8xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x100xf32>, tensor<1x2x100xf32>, tensor<1x2x100xf32>)
      weights(%w1, %w2 : tensor<1x2x8x32xf32>, tensor<1x2x32x4xf32>)
      momentum(%s1, %s2 : tensor<1x2x8x32xf32>, tensor<1x2x32x4xf32>)
      chunk_length(16) -> tensor<1x2x100x4xf32>
  return %o, %w1n, %w2n, %s1n, %s2n : tensor<1x2x100x4xf32>, tensor<1x2x8x32xf32>,
      tensor<1x2x32x4xf32>, tensor<1x2x8x32xf32>, tensor<1x2x32x4xf32>
}
