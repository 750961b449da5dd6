// RUN: longctx-opt %s --longctx-lower-to-cpu | FileCheck %s
// RUN: longctx-opt %s --longctx-lower-to-cpu="query-tile-size=16 key-tile-size=24" | FileCheck %s --check-prefix=TILES
// RUN: longctx-opt %s --convert-longctx-to-linalg --canonicalize --cse --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse | FileCheck %s --check-prefix=BUFFERS
// RUN: longctx-opt %s --longctx-lower-to-cpu="query-tile-size=16 key-tile-size=8" \
// RUN:   --mlir-print-ir-after=convert-longctx-to-linalg -o /dev/null 2>&1 | FileCheck %s --check-prefix=STEPS
// RUN: longctx-opt %s --convert-longctx-to-linalg \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   | FileCheck %s --check-prefix=STAGE
// RUN: longctx-opt %s --longctx-lower-to-cpu | FileCheck %s --check-prefix=THREADS
// RUN: longctx-opt %s --longctx-lower-to-cpu="threads=false" | FileCheck %s --check-prefix=SERIAL

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

/// The tile sizes reach the lowering: the key loop steps by 24 (no shape has 24).
// TILES-LABEL: llvm.func @infini(
//       TILES:   llvm.mlir.constant(24 : index)
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

/// Causal GQA self-attention through the whole pipeline: only LLVM dialect
/// ops are left, and the softmax exponential is the polynomial of
/// longctx-approximate-math (fused multiply-adds, no llvm.intr.exp, which
/// would become a scalar libm call).
// CHECK-LABEL: llvm.func @main(
//   CHECK-NOT:   {{longctx\.|linalg\.|scf\.|memref\.|tensor\.|unrealized_conversion_cast|llvm.intr.exp}}
//       CHECK:   llvm.intr.fma
//   CHECK-NOT:   {{longctx\.|linalg\.|scf\.|memref\.|tensor\.|unrealized_conversion_cast|llvm.intr.exp}}
//       CHECK:   llvm.return

/// By default the query tiles run on all cores through OpenMP; with
/// threads=false the code has no OpenMP ops.
// THREADS-LABEL: llvm.func @main(
//       THREADS:   omp.parallel
//       THREADS:     omp.wsloop schedule(dynamic)
// SERIAL-LABEL: llvm.func @main(
//   SERIAL-NOT:   omp.
//       SERIAL:   llvm.return

/// The pipeline options reach convert-longctx-to-linalg: query tiles of 16
/// rows (tile number times 16) and a key loop stepping by 8 (the head dim
/// is 12, so neither constant comes from the shapes).
// STEPS-LABEL: IR Dump After ConvertLongCtxToLinalgPass
// STEPS-LABEL: func.func @main(
//   STEPS-DAG:   %[[C16:.+]] = arith.constant 16 : index
//   STEPS-DAG:   %[[C8:.+]] = arith.constant 8 : index
//       STEPS:   scf.forall
//       STEPS:     arith.muli %{{.+}}, %[[C16]]
//       STEPS:     scf.for {{.*}} step %[[C8]]

/// Bufferized straight after the conversion (no canonicalization): the key
/// loop allocates its per-tile score buffer, updates (acc, max, sum) in
/// place — the softmax kernel's loops carry the max and sum buffers as their
/// own iteration buffers — and copies nothing.
// STAGE-LABEL: func.func @main(
//       STAGE:   scf.forall
//       STAGE:     scf.for {{.*}} iter_args(%[[ACC:[a-zA-Z0-9_]+]] = %{{[a-zA-Z0-9_]+}}, %[[MAX:[a-zA-Z0-9_]+]] = %{{[a-zA-Z0-9_]+}}, %[[SUM:[a-zA-Z0-9_]+]] = %{{[a-zA-Z0-9_]+}}) -> (memref<
//   STAGE-NOT:       memref.copy
//       STAGE:       memref.alloc
//   STAGE-NOT:       memref.copy
//       STAGE:       %[[STEP:.+]]:4 = scf.for {{.*}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %[[MAX]], %{{.+}} = %[[SUM]])
//   STAGE-NOT:       memref.copy
//       STAGE:       scf.yield %[[ACC]], %[[STEP]]#2, %[[STEP]]#3 :
func.func @main(%q: tensor<1x8x100x12xf32>, %k: tensor<1x2x100x12xf32>,
    %v: tensor<1x2x100x12xf32>) -> tensor<1x8x100x12xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x100x12xf32>,
         tensor<1x2x100x12xf32>, tensor<1x2x100x12xf32>) causal
         -> tensor<1x8x100x12xf32>
  return %o : tensor<1x8x100x12xf32>
}
