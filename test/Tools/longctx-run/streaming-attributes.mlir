// The streaming attributes stay on a lowered function with one result (the
// LLVM dialect keeps its result attributes); translating it to LLVM IR drops
// them without a warning.
// RUN: longctx-run %s --stream-tokens 32 2>&1 | FileCheck %s
// The function takes no state, so the stream is no long-context stream:
// said once, before anything else.
// CHECK: longctx-run: warning: @main takes no state (no argument tagged longctx.state): each call of the stream sees only its own tokens, as if no long-context rewrite had applied
// CHECK-NOT: warning
// CHECK-NOT: Unhandled
// CHECK: longctx-run: streamed 32 tokens in 4 calls of 8
// CHECK: longctx-run: median call {{[0-9.]+}} s: {{[0-9]+}} tokens/s
// CHECK-NOT: warning

func.func @main(%x: tensor<1x8x4xf32> {longctx.stream_dim = 1 : i64})
    -> (tensor<1x8x4xf32> {longctx.stream_dim = 1 : i64}) {
  %e = tensor.empty() : tensor<1x8x4xf32>
  %y = linalg.add ins(%x, %x : tensor<1x8x4xf32>, tensor<1x8x4xf32>) outs(%e : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  return %y : tensor<1x8x4xf32>
}
