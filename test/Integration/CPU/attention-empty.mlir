// Attention over no keys, and over no queries, compiles and runs through the
// default CPU pipeline: a row that sees no key is 0 (the op's definition),
// and an empty output is empty.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -c "import numpy as np; np.save('%t/zeros.npy', np.zeros((1, 4, 5, 8), np.float32)); \
// RUN:   np.save('%t/none.npy', np.zeros((1, 4, 0, 8), np.float32))"
// RUN: longctx-run %s -e no_keys --expected %t/zeros.npy | FileCheck %s
// RUN: longctx-run %s -e no_queries --expected %t/none.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS

func.func @no_keys(%q: tensor<1x4x5x8xf32>, %k: tensor<1x2x0x8xf32>,
                   %v: tensor<1x2x0x8xf32>) -> tensor<1x4x5x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x5x8xf32>,
         tensor<1x2x0x8xf32>, tensor<1x2x0x8xf32>) -> tensor<1x4x5x8xf32>
  return %o : tensor<1x4x5x8xf32>
}

func.func @no_queries(%q: tensor<1x4x0x8xf32>, %k: tensor<1x2x3x8xf32>,
                      %v: tensor<1x2x3x8xf32>) -> tensor<1x4x0x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x0x8xf32>,
         tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) causal -> tensor<1x4x0x8xf32>
  return %o : tensor<1x4x0x8xf32>
}
