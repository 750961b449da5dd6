// Titans MLP memory streaming: 128 tokens in one call equal two calls of 64
// with (W1, W2, S1, S2) fed back by longctx-run, and both match the NumPy
// reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data titans --hidden 16 --q 1,2,128,8 --chunk-length 16 --zero-state --seed 91 --out %t/d
// RUN: sed -e 's/x64x/x128x/g; s/x64xf32/x128xf32/g' %s > %t/whole.mlir
// RUN: longctx-run %t/whole.mlir --input %t/d/k.npy --input %t/d/v.npy --input %t/d/q.npy --input %t/d/theta.npy --input %t/d/eta.npy --input %t/d/alpha.npy --input %t/d/w1.npy --input %t/d/w2.npy --expected %t/d/expected.npy --expected %t/d/expected_w1.npy --expected %t/d/expected_w2.npy --expected %t/d/expected_s1.npy --expected %t/d/expected_s2.npy --output-dir %t/whole | FileCheck %s --check-prefix=WHOLE
// RUN: longctx-run %s --stream-tokens 128 --input %t/d/k.npy --input %t/d/v.npy --input %t/d/q.npy --input %t/d/theta.npy --input %t/d/eta.npy --input %t/d/alpha.npy --input %t/d/w1.npy --input %t/d/w2.npy --expected %t/d/expected.npy --expected %t/d/expected_w1.npy --expected %t/d/expected_w2.npy --expected %t/d/expected_s1.npy --expected %t/d/expected_s2.npy --output-dir %t/stream | FileCheck %s --check-prefix=STREAM
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole/result0.npy %t/stream/result0.npy --atol 1e-6 | FileCheck %s --check-prefix=SAME
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole/result1.npy %t/stream/result1.npy --atol 1e-6 | FileCheck %s --check-prefix=SAME

// WHOLE: all 5 checked results match
// STREAM: streamed 128 tokens in 2 calls of 64
// STREAM: all 5 checked results match
// SAME: max abs difference {{.*}}: {{IDENTICAL|WITHIN 1e-06}}

func.func @main(%k: tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64},
                %v: tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64},
                %q: tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64},
                %theta: tensor<1x2x64xf32> {longctx.stream_dim = 2 : i64},
                %eta: tensor<1x2x64xf32> {longctx.stream_dim = 2 : i64},
                %alpha: tensor<1x2x64xf32> {longctx.stream_dim = 2 : i64},
                %w1: tensor<1x2x8x16xf32> {longctx.state = 1 : i64},
                %w2: tensor<1x2x16x8xf32> {longctx.state = 2 : i64},
                %s1: tensor<1x2x8x16xf32> {longctx.state = 3 : i64},
                %s2: tensor<1x2x16x8xf32> {longctx.state = 4 : i64})
    -> (tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64}, tensor<1x2x8x16xf32>,
        tensor<1x2x16x8xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) {
  %o, %w1n, %w2n, %s1n, %s2n = longctx.titans_mlp_memory
      ins(%k, %v, %q : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x64xf32>, tensor<1x2x64xf32>, tensor<1x2x64xf32>)
      weights(%w1, %w2 : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>)
      momentum(%s1, %s2 : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>)
      chunk_length(16) -> tensor<1x2x64x8xf32>
  return %o, %w1n, %w2n, %s1n, %s2n : tensor<1x2x64x8xf32>, tensor<1x2x8x16xf32>,
      tensor<1x2x16x8xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>
}
