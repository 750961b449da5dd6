// RUN: longctx-opt %s --longctx-lower-to-cpu | FileCheck %s
// RUN: longctx-opt %s --longctx-lower-to-cpu="query-tile-size=16 key-tile-size=8" | FileCheck %s --check-prefix=TILES
// RUN: longctx-opt %s --convert-longctx-to-linalg --canonicalize --cse --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse | FileCheck %s --check-prefix=BUFFERS

/// The pipeline ends in the LLVM dialect only, with no call to a runtime
/// copy routine (the runner loads no runtime library).
// CHECK-LABEL: llvm.func @infini(
//   CHECK-NOT:   memrefCopy
//   CHECK-NOT:   longctx.
//   CHECK-NOT:   linalg.
//   CHECK-NOT:   scf.
//   CHECK-NOT:   memref.
//   CHECK-NOT:   tensor.
//       CHECK:   llvm.return

/// The tile sizes reach the lowering: the key loop steps by 8.
// TILES-LABEL: llvm.func @infini(
//       TILES:   llvm.mlir.constant(8 : index)
//       TILES:   llvm.mlir.constant(16 : index)

/// After bufferization the memory state is updated in place: the function
/// returns the argument buffers of M and z themselves.
// BUFFERS-LABEL: func.func @infini(
//  BUFFERS-SAME:     %[[M:[a-zA-Z0-9_]+]]: memref<1x1x8x8xf32>, %[[Z:[a-zA-Z0-9_]+]]: memref<1x1x8xf32>)
//       BUFFERS:   return %{{.+}}, %[[M]], %[[Z]] :
func.func @infini(%q: tensor<1x2x100x8xf32>, %k: tensor<1x1x100x8xf32>,
    %v: tensor<1x1x100x8xf32>, %g: tensor<2xf32>, %m: tensor<1x1x8x8xf32>,
    %z: tensor<1x1x8xf32>) -> (tensor<1x2x100x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) {
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x100x8xf32>,
      tensor<1x1x100x8xf32>, tensor<1x1x100x8xf32>) gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
      segment_length(32) rule(delta) -> tensor<1x2x100x8xf32>
  return %o, %m2, %z2 : tensor<1x2x100x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>
}
