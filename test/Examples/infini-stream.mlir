// A streaming Infini-attention layer for benchmarks: 4 heads, d = dv = 64,
// segments of 64 tokens per call, the same sizes as titans-stream.mlir.
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=64 update-rule=delta" | FileCheck %s
// CHECK: longctx.infini_attention {{.*}} segment_length(64) rule(delta)
func.func @infini_stream(%q: tensor<1x4x64x64xf32>, %k: tensor<1x4x64x64xf32>,
                         %v: tensor<1x4x64x64xf32>) -> tensor<1x4x64x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x64x64xf32>,
         tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>) causal
         -> tensor<1x4x64x64xf32>
  return %o : tensor<1x4x64x64xf32>
}
