// The Titans chunk products on the register-blocked vector kernels, vs the
// NumPy token recurrence, at 16, 8 and 4 lanes: d = dv = 16 (whole vectors
// at every width), chunks of 16 over 100 tokens (the last chunk has 4, so
// Q K^T and the products over tokens pack a partial tile), from a non-zero
// state. The linear memory (K W0, Q W0, Q S0, Q K^T, A R, K^T diag(c) R)
// and a SiLU MLP memory with a hidden width of 32 (forward, the backward's
// delta W^T, and the weight gradients).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data titans --q 1,2,100,16 --dv 16 --chunk-length 16 --seed 71 --out %t/l
// RUN: %PYTHON -m longctx.make_data titans --hidden 32 --q 1,2,100,16 --dv 16 --chunk-length 16 --seed 72 --out %t/m
// RUN: longctx-run %s -e linear --pipeline="longctx-lower-to-cpu{vector-lanes=16}" --input %t/l/k.npy --input %t/l/v.npy --input %t/l/q.npy --input %t/l/theta.npy --input %t/l/eta.npy --input %t/l/alpha.npy --input %t/l/weights.npy --input %t/l/momentum.npy --expected %t/l/expected.npy --expected %t/l/expected_weights.npy --expected %t/l/expected_momentum.npy | FileCheck %s --check-prefix=LINEAR
// RUN: longctx-run %s -e linear --pipeline="longctx-lower-to-cpu{vector-lanes=8}" --input %t/l/k.npy --input %t/l/v.npy --input %t/l/q.npy --input %t/l/theta.npy --input %t/l/eta.npy --input %t/l/alpha.npy --input %t/l/weights.npy --input %t/l/momentum.npy --expected %t/l/expected.npy --expected %t/l/expected_weights.npy --expected %t/l/expected_momentum.npy | FileCheck %s --check-prefix=LINEAR
// RUN: longctx-run %s -e linear --pipeline="longctx-lower-to-cpu{vector-lanes=4}" --input %t/l/k.npy --input %t/l/v.npy --input %t/l/q.npy --input %t/l/theta.npy --input %t/l/eta.npy --input %t/l/alpha.npy --input %t/l/weights.npy --input %t/l/momentum.npy --expected %t/l/expected.npy --expected %t/l/expected_weights.npy --expected %t/l/expected_momentum.npy | FileCheck %s --check-prefix=LINEAR
// RUN: longctx-run %s -e mlp --pipeline="longctx-lower-to-cpu{vector-lanes=16}" --input %t/m/k.npy --input %t/m/v.npy --input %t/m/q.npy --input %t/m/theta.npy --input %t/m/eta.npy --input %t/m/alpha.npy --input %t/m/w1.npy --input %t/m/w2.npy --input %t/m/s1.npy --input %t/m/s2.npy --expected %t/m/expected.npy --expected %t/m/expected_w1.npy --expected %t/m/expected_w2.npy --expected %t/m/expected_s1.npy --expected %t/m/expected_s2.npy | FileCheck %s --check-prefix=MLP
// RUN: longctx-run %s -e mlp --pipeline="longctx-lower-to-cpu{vector-lanes=8}" --input %t/m/k.npy --input %t/m/v.npy --input %t/m/q.npy --input %t/m/theta.npy --input %t/m/eta.npy --input %t/m/alpha.npy --input %t/m/w1.npy --input %t/m/w2.npy --input %t/m/s1.npy --input %t/m/s2.npy --expected %t/m/expected.npy --expected %t/m/expected_w1.npy --expected %t/m/expected_w2.npy --expected %t/m/expected_s1.npy --expected %t/m/expected_s2.npy | FileCheck %s --check-prefix=MLP
// RUN: longctx-run %s -e mlp --pipeline="longctx-lower-to-cpu{vector-lanes=4}" --input %t/m/k.npy --input %t/m/v.npy --input %t/m/q.npy --input %t/m/theta.npy --input %t/m/eta.npy --input %t/m/alpha.npy --input %t/m/w1.npy --input %t/m/w2.npy --input %t/m/s1.npy --input %t/m/s2.npy --expected %t/m/expected.npy --expected %t/m/expected_w1.npy --expected %t/m/expected_w2.npy --expected %t/m/expected_s1.npy --expected %t/m/expected_s2.npy | FileCheck %s --check-prefix=MLP

// LINEAR: all 3 checked results match
// MLP: all 5 checked results match

func.func @linear(%k: tensor<1x2x100x16xf32>, %v: tensor<1x2x100x16xf32>,
    %q: tensor<1x2x100x16xf32>, %theta: tensor<1x2x100xf32>, %eta: tensor<1x2x100xf32>,
    %alpha: tensor<1x2x100xf32>, %w: tensor<1x2x16x16xf32>, %s: tensor<1x2x16x16xf32>)
    -> (tensor<1x2x100x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) {
  %o, %w2, %s2 = longctx.titans_memory
      ins(%k, %v, %q : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x100xf32>, tensor<1x2x100xf32>, tensor<1x2x100xf32>)
      state(%w, %s : tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>)
      chunk_length(16) -> tensor<1x2x100x16xf32>
  return %o, %w2, %s2 : tensor<1x2x100x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>
}

func.func @mlp(%k: tensor<1x2x100x16xf32>, %v: tensor<1x2x100x16xf32>,
    %q: tensor<1x2x100x16xf32>, %theta: tensor<1x2x100xf32>,
    %eta: tensor<1x2x100xf32>, %alpha: tensor<1x2x100xf32>,
    %w1: tensor<1x2x16x32xf32>, %w2: tensor<1x2x32x16xf32>,
    %s1: tensor<1x2x16x32xf32>, %s2: tensor<1x2x32x16xf32>)
    -> (tensor<1x2x100x16xf32>, tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>,
        tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>) {
  %o, %w1n, %w2n, %s1n, %s2n = longctx.titans_mlp_memory
      ins(%k, %v, %q : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x100xf32>, tensor<1x2x100xf32>, tensor<1x2x100xf32>)
      weights(%w1, %w2 : tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>)
      momentum(%s1, %s2 : tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>)
      chunk_length(16) -> tensor<1x2x100x16xf32>
  return %o, %w1n, %w2n, %s1n, %s2n : tensor<1x2x100x16xf32>, tensor<1x2x16x32xf32>,
      tensor<1x2x32x16xf32>, tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>
}
