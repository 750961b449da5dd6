// RUN: longctx-opt %s --split-input-file --longctx-parallelize-heads --canonicalize --cse | FileCheck %s
// RUN: longctx-opt %s --split-input-file --longctx-parallelize-heads="head-tile-size=2" --canonicalize --cse | FileCheck %s --check-prefix=TWO
// RUN: not longctx-opt %s --split-input-file --longctx-parallelize-heads="head-tile-size=0" 2>&1 | FileCheck %s --check-prefix=OPTION

// OPTION: longctx-parallelize-heads: head-tile-size must be positive, got 0

/// The Titans memory becomes an scf.forall over (batch, head). The state
/// results are written into the state arguments: the shared outputs start
/// as W and S, and each head reads its state slice from them.
// CHECK-LABEL: func.func @titans(
//  CHECK-SAME:     %[[W:[a-zA-Z0-9_]+]]: tensor<2x4x8x4xf32>, %[[S:[a-zA-Z0-9_]+]]: tensor<2x4x8x4xf32>)
//       CHECK:   %[[R:.+]]:3 = scf.forall (%[[B:.+]], %[[H:.+]]) in (2, 4) shared_outs(%{{.+}} = %{{.+}}, %[[WO:.+]] = %[[W]], %[[SO:.+]] = %[[S]])
//       CHECK:     %[[WS:.+]] = tensor.extract_slice %[[WO]][%[[B]], %[[H]], 0, 0] [1, 1, 8, 4]
//       CHECK:     %[[SS:.+]] = tensor.extract_slice %[[SO]][%[[B]], %[[H]], 0, 0] [1, 1, 8, 4]
//       CHECK:     longctx.titans_memory {{.*}} state(%[[WS]], %[[SS]] : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>)
//       CHECK:   return %[[R]]#0, %[[R]]#1, %[[R]]#2
// TWO-LABEL: func.func @titans(
//       TWO:   scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (2, 4) step (1, 2)
//       TWO:     longctx.titans_memory {{.*}} -> tensor<1x2x40x4xf32>
func.func @titans(%k: tensor<2x4x40x8xf32>, %v: tensor<2x4x40x4xf32>, %r: tensor<2x4x40xf32>,
    %w: tensor<2x4x8x4xf32>, %s: tensor<2x4x8x4xf32>) -> (tensor<2x4x40x4xf32>, tensor<2x4x8x4xf32>, tensor<2x4x8x4xf32>) {
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %v, %k : tensor<2x4x40x8xf32>, tensor<2x4x40x4xf32>, tensor<2x4x40x8xf32>)
      rates(%r, %r, %r : tensor<2x4x40xf32>, tensor<2x4x40xf32>, tensor<2x4x40xf32>)
      state(%w, %s : tensor<2x4x8x4xf32>, tensor<2x4x8x4xf32>) chunk_length(16) -> tensor<2x4x40x4xf32>
  return %o, %w2, %s2 : tensor<2x4x40x4xf32>, tensor<2x4x8x4xf32>, tensor<2x4x8x4xf32>
}

// -----

/// Infini-attention runs one key/value head (and its 2 query heads) per
/// iteration, its memory state written in place; the plain attention is left
/// to its own lowering.
// CHECK-LABEL: func.func @infini(
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x8xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//       CHECK:   scf.forall (%{{.+}}) in (2) shared_outs(%{{.+}} = %{{.+}}, %{{.+}} = %[[M]], %{{.+}} = %[[Z]])
//       CHECK:     longctx.infini_attention {{.*}} : tensor<1x2x64x8xf32>, tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32>)
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x4x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
func.func @infini(%q: tensor<1x4x64x8xf32>, %k: tensor<1x2x64x8xf32>, %g: tensor<4xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>)
    -> (tensor<1x4x64x8xf32>, tensor<1x4x64x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %k : tensor<1x4x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
      gate(%g : tensor<4xf32>) memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(32) rule(delta) -> tensor<1x4x64x8xf32>
  %a = longctx.attention ins(%q, %k, %k : tensor<1x4x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal -> tensor<1x4x64x8xf32>
  return %o, %a, %m2, %z2 : tensor<1x4x64x8xf32>, tensor<1x4x64x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// One batch and one head is one tile already: nothing to do.
// CHECK-LABEL: func.func @one_head(
//   CHECK-NOT:   scf.forall
//       CHECK:   longctx.memory_update
func.func @one_head(%k: tensor<1x1x16x8xf32>, %m: tensor<1x1x8x8xf32>, %z: tensor<1x1x8xf32>)
    -> (tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %k, %m, %z : tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>
}

// -----

/// Dynamic result shapes have no destination to tile into: the op is left
/// as it is (and lowered serially).
// CHECK-LABEL: func.func @dynamic(
//   CHECK-NOT:   scf.forall
//       CHECK:   longctx.memory_retrieve
func.func @dynamic(%q: tensor<1x2x?x8xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x?x8xf32> {
  %r = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x?x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x?x8xf32>
  return %r : tensor<1x2x?x8xf32>
}
