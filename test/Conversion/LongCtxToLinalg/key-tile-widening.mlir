// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg="key-split-threads=0" | FileCheck %s

// A last key tile of under a quarter of a tile costs a whole one: 68 keys
// over tiles of 64 become one tile of 80 (K^T packed as one panel of 80
// keys), not two of 64.
// CHECK-LABEL: func.func @small_remainder(
//       CHECK:   tensor.empty() : tensor<1x4x1x1x64x80xf32>
//   CHECK-NOT:   x128xf32>
func.func @small_remainder(%q: tensor<1x4x64x64xf32>, %k: tensor<1x4x68x64xf32>,
                           %v: tensor<1x4x68x64xf32>) -> tensor<1x4x64x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x64x64xf32>,
         tensor<1x4x68x64xf32>, tensor<1x4x68x64xf32>) causal
         -> tensor<1x4x64x64xf32>
  return %o : tensor<1x4x64x64xf32>
}

// -----

// 100 keys: the last tile holds 36 keys, more than a quarter; the tiles
// stay 64 wide (K^T packed as two panels of 64).
// CHECK-LABEL: func.func @large_remainder(
//       CHECK:   tensor.empty() : tensor<1x4x2x1x64x64xf32>
func.func @large_remainder(%q: tensor<1x4x64x64xf32>, %k: tensor<1x4x100x64xf32>,
                           %v: tensor<1x4x100x64xf32>) -> tensor<1x4x64x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x64x64xf32>,
         tensor<1x4x100x64xf32>, tensor<1x4x100x64xf32>) causal
         -> tensor<1x4x64x64xf32>
  return %o : tensor<1x4x64x64xf32>
}
