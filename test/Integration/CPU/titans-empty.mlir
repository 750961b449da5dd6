// A Titans memory fed no tokens (a call of length 0) compiles and runs: its
// output is empty and its state comes back as it went in (no update
// happened), for the linear memory and for the MLP memory.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -c "import numpy as np; r = np.random.default_rng(3); \
// RUN:   [np.save('%t/' + n + '.npy', r.uniform(-1, 1, s).astype(np.float32)) for n, s in \
// RUN:    (('w', (1, 2, 8, 4)), ('s', (1, 2, 8, 4)), ('w1', (1, 2, 8, 16)), ('w2', (1, 2, 16, 4)), \
// RUN:     ('s1', (1, 2, 8, 16)), ('s2', (1, 2, 16, 4)))]; \
// RUN:   np.save('%t/none.npy', np.zeros((1, 2, 0, 4), np.float32))"
// RUN: longctx-run %s -e linear --input random --input random --input random --input random \
// RUN:   --input random --input random --input %t/w.npy --input %t/s.npy \
// RUN:   --expected %t/none.npy --expected %t/w.npy --expected %t/s.npy | FileCheck %s
// RUN: longctx-run %s -e mlp --input random --input random --input random --input random \
// RUN:   --input random --input random --input %t/w1.npy --input %t/w2.npy --input %t/s1.npy \
// RUN:   --input %t/s2.npy --expected %t/none.npy --expected %t/w1.npy --expected %t/w2.npy \
// RUN:   --expected %t/s1.npy --expected %t/s2.npy | FileCheck %s --check-prefix=MLP

// CHECK: all 3 checked results match
// MLP: all 5 checked results match

func.func @linear(%k: tensor<1x2x0x8xf32>, %v: tensor<1x2x0x4xf32>,
                  %q: tensor<1x2x0x8xf32>, %theta: tensor<1x2x0xf32>,
                  %eta: tensor<1x2x0xf32>, %alpha: tensor<1x2x0xf32>,
                  %w: tensor<1x2x8x4xf32>, %s: tensor<1x2x8x4xf32>)
    -> (tensor<1x2x0x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) {
  %o, %w2, %s2 = longctx.titans_memory
      ins(%k, %v, %q : tensor<1x2x0x8xf32>, tensor<1x2x0x4xf32>, tensor<1x2x0x8xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x0xf32>, tensor<1x2x0xf32>, tensor<1x2x0xf32>)
      state(%w, %s : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
      chunk_length(16) -> tensor<1x2x0x4xf32>
  return %o, %w2, %s2 : tensor<1x2x0x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>
}

func.func @mlp(%k: tensor<1x2x0x8xf32>, %v: tensor<1x2x0x4xf32>,
               %q: tensor<1x2x0x8xf32>, %theta: tensor<1x2x0xf32>,
               %eta: tensor<1x2x0xf32>, %alpha: tensor<1x2x0xf32>,
               %w1: tensor<1x2x8x16xf32>, %w2: tensor<1x2x16x4xf32>,
               %s1: tensor<1x2x8x16xf32>, %s2: tensor<1x2x16x4xf32>)
    -> (tensor<1x2x0x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x4xf32>,
        tensor<1x2x8x16xf32>, tensor<1x2x16x4xf32>) {
  %o, %w1n, %w2n, %s1n, %s2n = longctx.titans_mlp_memory
      ins(%k, %v, %q : tensor<1x2x0x8xf32>, tensor<1x2x0x4xf32>, tensor<1x2x0x8xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x0xf32>, tensor<1x2x0xf32>, tensor<1x2x0xf32>)
      weights(%w1, %w2 : tensor<1x2x8x16xf32>, tensor<1x2x16x4xf32>)
      momentum(%s1, %s2 : tensor<1x2x8x16xf32>, tensor<1x2x16x4xf32>)
      chunk_length(16) -> tensor<1x2x0x4xf32>
  return %o, %w1n, %w2n, %s1n, %s2n : tensor<1x2x0x4xf32>, tensor<1x2x8x16xf32>,
      tensor<1x2x16x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x4xf32>
}
