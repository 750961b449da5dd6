// Titans linear memory, compiled chunk-parallel closed form vs the NumPy
// token recurrence with gradients at chunk-start weights: chunk lengths 1
// (the exact token recurrence), 16 and 64 over 100 tokens (partial last
// chunk), from a non-zero state; eta = alpha = 0 from a zero state; and f64
// to show the closed form equals the recurrence to rounding.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed -e 's/chunk_length(16)/chunk_length(1)/' %s > %t/c1.mlir
// RUN: sed -e 's/chunk_length(16)/chunk_length(64)/' %s > %t/c64.mlir
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --chunk-length 1 --seed 21 --out %t/d1
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --chunk-length 16 --seed 21 --out %t/d16
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --chunk-length 64 --seed 21 --out %t/d64
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --chunk-length 16 --no-decay --zero-state --seed 22 --out %t/d0
// RUN: longctx-run %t/c1.mlir --input %t/d1/k.npy --input %t/d1/v.npy --input %t/d1/q.npy --input %t/d1/theta.npy --input %t/d1/eta.npy --input %t/d1/alpha.npy --input %t/d1/weights.npy --input %t/d1/momentum.npy --expected %t/d1/expected.npy --expected %t/d1/expected_weights.npy --expected %t/d1/expected_momentum.npy | FileCheck %s
// RUN: longctx-run %s --input %t/d16/k.npy --input %t/d16/v.npy --input %t/d16/q.npy --input %t/d16/theta.npy --input %t/d16/eta.npy --input %t/d16/alpha.npy --input %t/d16/weights.npy --input %t/d16/momentum.npy --expected %t/d16/expected.npy --expected %t/d16/expected_weights.npy --expected %t/d16/expected_momentum.npy | FileCheck %s
// RUN: longctx-run %t/c64.mlir --input %t/d64/k.npy --input %t/d64/v.npy --input %t/d64/q.npy --input %t/d64/theta.npy --input %t/d64/eta.npy --input %t/d64/alpha.npy --input %t/d64/weights.npy --input %t/d64/momentum.npy --expected %t/d64/expected.npy --expected %t/d64/expected_weights.npy --expected %t/d64/expected_momentum.npy | FileCheck %s
// RUN: longctx-run %s --input %t/d0/k.npy --input %t/d0/v.npy --input %t/d0/q.npy --input %t/d0/theta.npy --input %t/d0/eta.npy --input %t/d0/alpha.npy --input %t/d0/weights.npy --input %t/d0/momentum.npy --expected %t/d0/expected.npy --expected %t/d0/expected_weights.npy --expected %t/d0/expected_momentum.npy | FileCheck %s
// Rates past their usual range (eta < 0, alpha > 1: negative decay
// factors, whose products the closed form signs by counting them) equal the
// recurrence, in f32 and in f64.
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --chunk-length 16 --signed-decays --seed 25 --out %t/neg
// RUN: longctx-run %s --input %t/neg/k.npy --input %t/neg/v.npy --input %t/neg/q.npy --input %t/neg/theta.npy --input %t/neg/eta.npy --input %t/neg/alpha.npy --input %t/neg/weights.npy --input %t/neg/momentum.npy --expected %t/neg/expected.npy --expected %t/neg/expected_weights.npy --expected %t/neg/expected_momentum.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --chunk-length 16 --signed-decays --dtype float64 --seed 26 --out %t/neg64
// RUN: sed -e 's/xf32>/xf64>/g' %s > %t/neg64.mlir
// RUN: longctx-run %t/neg64.mlir --atol 1e-10 --rtol 1e-10 --input %t/neg64/k.npy --input %t/neg64/v.npy --input %t/neg64/q.npy --input %t/neg64/theta.npy --input %t/neg64/eta.npy --input %t/neg64/alpha.npy --input %t/neg64/weights.npy --input %t/neg64/momentum.npy --expected %t/neg64/expected.npy --expected %t/neg64/expected_weights.npy --expected %t/neg64/expected_momentum.npy | FileCheck %s
// A chunk_length past the tokens (100000, INT64_MAX) is one chunk of all
// 100: the reference with chunks of 100, no scratch sized by the attribute.
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --chunk-length 100 --seed 24 --out %t/d100
// RUN: for c in 100000 9223372036854775807; do \
// RUN:   sed -e "s/chunk_length(16)/chunk_length($c)/" %s > %t/big.mlir; \
// RUN:   longctx-run %t/big.mlir --input %t/d100/k.npy --input %t/d100/v.npy --input %t/d100/q.npy --input %t/d100/theta.npy --input %t/d100/eta.npy --input %t/d100/alpha.npy --input %t/d100/weights.npy --input %t/d100/momentum.npy --expected %t/d100/expected.npy --expected %t/d100/expected_weights.npy --expected %t/d100/expected_momentum.npy; \
// RUN: done | FileCheck %s --check-prefix=BIG
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --chunk-length 16 --dtype float64 --seed 23 --out %t/f64
// RUN: sed -e 's/xf32>/xf64>/g' %s > %t/f64.mlir
// RUN: longctx-run %t/f64.mlir --atol 1e-10 --rtol 1e-10 --input %t/f64/k.npy --input %t/f64/v.npy --input %t/f64/q.npy --input %t/f64/theta.npy --input %t/f64/eta.npy --input %t/f64/alpha.npy --input %t/f64/weights.npy --input %t/f64/momentum.npy --expected %t/f64/expected.npy --expected %t/f64/expected_weights.npy --expected %t/f64/expected_momentum.npy | FileCheck %s

// CHECK: all 3 checked results match
// BIG: all 3 checked results match
// BIG: all 3 checked results match

func.func @main(%k: tensor<2x2x100x8xf32>, %v: tensor<2x2x100x4xf32>,
                %q: tensor<2x2x100x8xf32>, %theta: tensor<2x2x100xf32>,
                %eta: tensor<2x2x100xf32>, %alpha: tensor<2x2x100xf32>,
                %w: tensor<2x2x8x4xf32>, %s: tensor<2x2x8x4xf32>)
    -> (tensor<2x2x100x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>) {
  %o, %w2, %s2 = longctx.titans_memory
      ins(%k, %v, %q : tensor<2x2x100x8xf32>, tensor<2x2x100x4xf32>, tensor<2x2x100x8xf32>)
      rates(%theta, %eta, %alpha : tensor<2x2x100xf32>, tensor<2x2x100xf32>, tensor<2x2x100xf32>)
      state(%w, %s : tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>)
      chunk_length(16) -> tensor<2x2x100x4xf32>
  return %o, %w2, %s2 : tensor<2x2x100x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>
}
