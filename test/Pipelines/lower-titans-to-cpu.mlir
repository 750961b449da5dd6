// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mac chunk-length=4 persistent-tokens=2" --longctx-lower-to-cpu | FileCheck %s
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mal chunk-length=4 persistent-tokens=2" --longctx-lower-to-cpu | FileCheck %s
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mac chunk-length=4 persistent-tokens=2" \
// RUN:   --convert-longctx-to-linalg --canonicalize --cse \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --canonicalize --cse | FileCheck %s --check-prefix=BUFFERS
// RUN: longctx-opt %s --longctx-lower-to-cpu | FileCheck %s --check-prefix=DEEP

/// A Titans-rewritten layer goes the whole way to the LLVM dialect.
// CHECK-LABEL: llvm.func @layer(
//   CHECK-NOT:   longctx.
//   CHECK-NOT:   linalg.
//   CHECK-NOT:   scf.
//   CHECK-NOT:   tensor.
//   CHECK-NOT:   memref.
//       CHECK:   llvm.return

/// After bufferization the memory state (W, S) is updated in place: the
/// function returns the state argument buffers themselves.
// BUFFERS-LABEL: func.func @layer(
//  BUFFERS-SAME:     %[[W:[a-zA-Z0-9_]+]]: memref<1x2x16x4xf32> {longctx.state = 1 : i64}, %[[S:[a-zA-Z0-9_]+]]: memref<1x2x16x4xf32> {longctx.state = 2 : i64})
//       BUFFERS:   return %{{.+}}, %[[W]], %[[S]] :
func.func @layer(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                 %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x4xf32>) causal
         -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

/// A depth-3 MLP memory lowers the whole way too.
// DEEP-LABEL: llvm.func @deep(
//   DEEP-NOT:   longctx.
//   DEEP-NOT:   linalg.
//       DEEP:   llvm.return
func.func @deep(%k: tensor<1x1x40x8xf32>, %v: tensor<1x1x40x4xf32>,
    %q: tensor<1x1x40x8xf32>, %r: tensor<1x1x40xf32>,
    %w1: tensor<1x1x8x16xf32>, %w2: tensor<1x1x16x12xf32>, %w3: tensor<1x1x12x4xf32>)
    -> (tensor<1x1x40x4xf32>, tensor<1x1x12x4xf32>) {
  %o, %w:3, %s:3 = longctx.titans_mlp_memory
      ins(%k, %v, %q : tensor<1x1x40x8xf32>, tensor<1x1x40x4xf32>, tensor<1x1x40x8xf32>)
      rates(%r, %r, %r : tensor<1x1x40xf32>, tensor<1x1x40xf32>, tensor<1x1x40xf32>)
      weights(%w1, %w2, %w3 : tensor<1x1x8x16xf32>, tensor<1x1x16x12xf32>, tensor<1x1x12x4xf32>)
      momentum(%w1, %w2, %w3 : tensor<1x1x8x16xf32>, tensor<1x1x16x12xf32>, tensor<1x1x12x4xf32>)
      chunk_length(16) -> tensor<1x1x40x4xf32>
  return %o, %w#2 : tensor<1x1x40x4xf32>, tensor<1x1x12x4xf32>
}
