// A streaming Titans memory layer for benchmarks: 4 heads, d = dv = 64,
// chunks of 64 tokens per call (tools/bench-titans.sh compares it with
// infini-stream.mlir at the same sizes).
// RUN: longctx-opt %s --convert-longctx-to-linalg | FileCheck %s
// CHECK-LABEL: func.func @titans_stream(
// CHECK-NOT: longctx.titans_memory
func.func @titans_stream(
    %k: tensor<1x4x64x64xf32> {longctx.stream_dim = 2 : i64},
    %v: tensor<1x4x64x64xf32> {longctx.stream_dim = 2 : i64},
    %q: tensor<1x4x64x64xf32> {longctx.stream_dim = 2 : i64},
    %theta: tensor<1x4x64xf32> {longctx.init = 0.01 : f64},
    %eta: tensor<1x4x64xf32> {longctx.init = 0.9 : f64},
    %alpha: tensor<1x4x64xf32> {longctx.init = 0.001 : f64},
    %w: tensor<1x4x64x64xf32> {longctx.state = 1 : i64},
    %s: tensor<1x4x64x64xf32> {longctx.state = 2 : i64})
    -> (tensor<1x4x64x64xf32> {longctx.stream_dim = 2 : i64},
        tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>) {
  %o, %w2, %s2 = longctx.titans_memory
      ins(%k, %v, %q : tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>)
      rates(%theta, %eta, %alpha : tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x4x64xf32>)
      state(%w, %s : tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>)
      chunk_length(64) -> tensor<1x4x64x64xf32>
  return %o, %w2, %s2 : tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>
}
