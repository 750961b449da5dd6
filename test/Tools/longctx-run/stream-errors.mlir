// Streaming misuse is reported, not crashed on.
// RUN: rm -rf %t && mkdir -p %t
// RUN: not longctx-run %s --stream-tokens 100 2>&1 | FileCheck %s --check-prefix=MULTIPLE
// RUN: not longctx-run %s --stream-tokens 64 --repeat 2 2>&1 | FileCheck %s --check-prefix=REPEAT
// RUN: not longctx-run %s --load-state %t/nowhere 2>&1 | FileCheck %s --check-prefix=LOAD
// RUN: longctx-run %s --stream-tokens 64 --save-state %t/state | FileCheck %s --check-prefix=SAVE
// RUN: longctx-run %s --stream-tokens 32 --load-state %t/state | FileCheck %s --check-prefix=RESUME

// MULTIPLE: error: --stream-tokens=100 is not a multiple of the chunk length 16
// REPEAT: error: --repeat cannot be combined with --stream-tokens
// LOAD: error: argument 1 (state): '{{.*}}state1.npy': cannot open
// SAVE: streamed 64 tokens in 4 calls of 16
// SAVE: saved the state to
// RESUME: streamed 32 tokens in 2 calls of 16

func.func @main(%x: tensor<16x4xf32> {longctx.stream_dim = 0 : i64},
                %acc: tensor<4xf32> {longctx.state = 1 : i64})
    -> (tensor<16x4xf32> {longctx.stream_dim = 0 : i64}, tensor<4xf32>) {
  %sum = linalg.reduce ins(%x : tensor<16x4xf32>) outs(%acc : tensor<4xf32>)
           dimensions = [0]
    (%in: f32, %out: f32) {
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
  return %x, %sum : tensor<16x4xf32>, tensor<4xf32>
}
