// An example model: one pre-projection attention layer of a small language
// model (width 64, 2 query heads over 1 key/value head, head dim 32) written
// in ordinary linalg on tensors around a standard causal longctx.attention.
// The hidden states `x` are one chunk of 512 tokens (`longctx.stream_dim` on
// the sequence axis); the weights are plain arguments, constant across calls.
//
// It is the hand-written counterpart of what the README's main job
// (tools/run-example.sh) imports from ONNX, raises and streams.
//
// RUN: longctx-opt %s | FileCheck %s --check-prefix=PARSE
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=512 update-rule=delta" | FileCheck %s --check-prefix=INFINI
// PARSE: longctx.attention
// INFINI-LABEL: func.func @layer(
// INFINI-SAME: tensor<2xf32> {longctx.init = 0.000000e+00 : f64}
// INFINI-SAME: tensor<1x1x32x32xf32> {longctx.state = 1 : i64}
// INFINI-SAME: tensor<1x1x32xf32> {longctx.state = 2 : i64}
// INFINI-SAME: -> (tensor<512x64xf32> {longctx.stream_dim = 0 : i64}, tensor<1x1x32x32xf32>, tensor<1x1x32xf32>)
// INFINI: longctx.infini_attention {{.*}} segment_length(512) rule(delta)

func.func @layer(%x: tensor<512x64xf32> {longctx.stream_dim = 0 : i64},
                 %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>,
                 %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>)
    -> (tensor<512x64xf32> {longctx.stream_dim = 0 : i64}) {
  %zero = arith.constant 0.0 : f32
  %e64 = tensor.empty() : tensor<512x64xf32>
  %z64 = linalg.fill ins(%zero : f32) outs(%e64 : tensor<512x64xf32>) -> tensor<512x64xf32>
  %e32 = tensor.empty() : tensor<512x32xf32>
  %z32 = linalg.fill ins(%zero : f32) outs(%e32 : tensor<512x32xf32>) -> tensor<512x32xf32>

  // Projections.
  %q2 = linalg.matmul ins(%x, %wq : tensor<512x64xf32>, tensor<64x64xf32>)
                      outs(%z64 : tensor<512x64xf32>) -> tensor<512x64xf32>
  %k2 = linalg.matmul ins(%x, %wk : tensor<512x64xf32>, tensor<64x32xf32>)
                      outs(%z32 : tensor<512x32xf32>) -> tensor<512x32xf32>
  %v2 = linalg.matmul ins(%x, %wv : tensor<512x64xf32>, tensor<64x32xf32>)
                      outs(%z32 : tensor<512x32xf32>) -> tensor<512x32xf32>

  // [N, H*d] -> [1, H, N, d].
  %q3 = tensor.expand_shape %q2 [[0, 1], [2, 3]] output_shape [1, 512, 2, 32]
        : tensor<512x64xf32> into tensor<1x512x2x32xf32>
  %qe = tensor.empty() : tensor<1x2x512x32xf32>
  %q = linalg.transpose ins(%q3 : tensor<1x512x2x32xf32>)
                        outs(%qe : tensor<1x2x512x32xf32>) permutation = [0, 2, 1, 3]
  %k = tensor.expand_shape %k2 [[0, 1, 2], [3]] output_shape [1, 1, 512, 32]
       : tensor<512x32xf32> into tensor<1x1x512x32xf32>
  %v = tensor.expand_shape %v2 [[0, 1, 2], [3]] output_shape [1, 1, 512, 32]
       : tensor<512x32xf32> into tensor<1x1x512x32xf32>

  %a = longctx.attention ins(%q, %k, %v : tensor<1x2x512x32xf32>,
         tensor<1x1x512x32xf32>, tensor<1x1x512x32xf32>) causal
         -> tensor<1x2x512x32xf32>

  // [1, H, N, d] -> [N, H*d], output projection and residual.
  %ae = tensor.empty() : tensor<1x512x2x32xf32>
  %at = linalg.transpose ins(%a : tensor<1x2x512x32xf32>)
                         outs(%ae : tensor<1x512x2x32xf32>) permutation = [0, 2, 1, 3]
  %a2 = tensor.collapse_shape %at [[0, 1], [2, 3]]
        : tensor<1x512x2x32xf32> into tensor<512x64xf32>
  %o = linalg.matmul ins(%a2, %wo : tensor<512x64xf32>, tensor<64x64xf32>)
                     outs(%z64 : tensor<512x64xf32>) -> tensor<512x64xf32>
  %y = linalg.add ins(%o, %x : tensor<512x64xf32>, tensor<512x64xf32>)
                  outs(%e64 : tensor<512x64xf32>) -> tensor<512x64xf32>
  return %y : tensor<512x64xf32>
}
