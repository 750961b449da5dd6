// The runner feeds a longctx.state result back into its argument after every
// chunk and slices/concatenates longctx.stream_dim arrays: a running column
// sum over 4 chunks of 16 rows must equal the NumPy sum of all 64 rows, the
// streamed output must equal the input, and a stream resumed from a saved
// state must continue the sum.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -c "import numpy as np; r = np.random.default_rng(3); x = r.uniform(-1, 1, (64, 4)).astype(np.float32); np.save('%t/x.npy', x); np.save('%t/x0.npy', x[:32]); np.save('%t/x1.npy', x[32:]); np.save('%t/sum.npy', x.astype(np.float64).sum(0).astype(np.float32)); np.save('%t/zero.npy', np.zeros(4, np.float32))"
// RUN: longctx-run %s --stream-tokens 64 --input %t/x.npy --input %t/zero.npy --expected %t/x.npy --expected %t/sum.npy | FileCheck %s
// RUN: longctx-run %s --stream-tokens 32 --input %t/x0.npy --save-state %t/state
// RUN: longctx-run %s --stream-tokens 32 --input %t/x1.npy --load-state %t/state --expected %t/x1.npy --expected %t/sum.npy | FileCheck %s

// CHECK: result 0: max abs err 0.000e+00{{.*}}PASS
// CHECK: result 1: {{.*}}PASS

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
