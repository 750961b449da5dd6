// RUN: longctx-opt %s --convert-longctx-to-linalg --canonicalize --cse \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --canonicalize --cse --buffer-deallocation-pipeline | FileCheck %s
// RUN: longctx-opt %s --longctx-lower-to-cpu | FileCheck %s --check-prefix=STACK

/// Causal attention over 4096 tokens allocates its output and the kernels'
/// packed K^T and V panels (each the size of K or V) once, and otherwise
/// only per-tile scratch: the score tile is at most 64 x 64 (its sizes are
/// the tile's query rows and a whole key tile), the running statistics one
/// value per row; nothing of size N x N, and every allocation freed.
// CHECK-LABEL: func.func @main(
//   CHECK-NOT:   4096x4096
//       CHECK:   memref.alloc() {{.*}} : memref<1x4x4096x64xf32>
//       CHECK:   memref.alloc() {{.*}} : memref<1x2x64x1x64x64xf32>
//       CHECK:   memref.alloc() {{.*}} : memref<1x2x64x1x64x64xf32>
//   CHECK-NOT:   memref.alloc() {{.*}}4096
//       CHECK:   scf.forall
//       CHECK:     %[[TQ:.+]] = arith.minsi %{{.+}}, %c64 : index
//       CHECK:     memref.alloc(%[[TQ]]) {{.*}} : memref<1x1x2x?x64xf32>
//   CHECK-NOT:   4096x4096
//   CHECK-NOT:   memref.alloc() {{.*}}4096
//       CHECK:     memref.dealloc
//       CHECK:   return

/// No stack allocation survives the pipeline (alloca scopes inlined, no
/// per-iteration stack growth in the OpenMP regions).
// STACK-LABEL: llvm.func @main(
//   STACK-NOT:   llvm.alloca
//       STACK:   llvm.return
func.func @main(%q: tensor<1x4x4096x64xf32>, %k: tensor<1x2x4096x64xf32>,
                %v: tensor<1x2x4096x64xf32>) -> tensor<1x4x4096x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x4096x64xf32>,
         tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>) causal
         -> tensor<1x4x4096x64xf32>
  return %o : tensor<1x4x4096x64xf32>
}
