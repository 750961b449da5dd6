// RUN: longctx-opt %s --split-input-file --transform-interpreter --canonicalize --cse --verify-diagnostics | FileCheck %s

/// Causal GQA attention (4 query heads over 2 key/value heads) tiled by
/// tile_using_forall into (1, 2, 32): each tile of query rows [n0, n0 + n)
/// takes the key/value head of its group and the key prefix it can see,
/// [0, n0 + n); the tiled op stays causal, with the scale made explicit.
// CHECK-DAG: #[[$HEADS:.+]] = affine_map<(d0) -> (d0 * 2)>
// CHECK-DAG: #[[$ROWS:.+]] = affine_map<(d0) -> (d0 * 32)>
// CHECK-DAG: #[[$LAST:.+]] = affine_map<(d0) -> (d0 * -32 + 100, 32)>
// CHECK-DAG: #[[$KEYS:.+]] = affine_map<(d0)[s0] -> (0, d0 * 32 + s0)>
// CHECK-LABEL: func.func @attention_causal_gqa(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x100x16xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x100x16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x100x8xf32>)
//       CHECK:   scf.forall (%[[H:.+]], %[[N:.+]]) in (2, 4) shared_outs(%[[OUT:.+]] = %{{.+}})
//       CHECK:     %[[H0:.+]] = affine.apply #[[$HEADS]](%[[H]])
//       CHECK:     %[[N0:.+]] = affine.apply #[[$ROWS]](%[[N]])
//       CHECK:     %[[SIZE:.+]] = affine.min #[[$LAST]](%[[N]])
//       CHECK:     %[[NKEYS:.+]] = affine.max #[[$KEYS]](%[[N]])[%[[SIZE]]]
//       CHECK:     %[[QS:.+]] = tensor.extract_slice %[[Q]][0, %[[H0]], %[[N0]], 0] [1, 2, %[[SIZE]], 16]
//       CHECK:     %[[KS:.+]] = tensor.extract_slice %[[K]][0, %[[H]], 0, 0] [1, 1, %[[NKEYS]], 16]
//       CHECK:     %[[VS:.+]] = tensor.extract_slice %[[V]][0, %[[H]], 0, 0] [1, 1, %[[NKEYS]], 8]
//       CHECK:     %[[A:.+]] = longctx.attention ins(%[[QS]], %[[KS]], %[[VS]] : tensor<1x2x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x8xf32>) causal scale(2.500000e-01) -> tensor<1x2x?x8xf32>
//       CHECK:     tensor.parallel_insert_slice %[[A]] into %[[OUT]][0, %[[H0]], %[[N0]], 0] [1, 2, %[[SIZE]], 8]
func.func @attention_causal_gqa(%q: tensor<1x4x100x16xf32>, %k: tensor<1x2x100x16xf32>,
    %v: tensor<1x2x100x8xf32>) -> tensor<1x4x100x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x100x16xf32>, tensor<1x2x100x16xf32>,
         tensor<1x2x100x8xf32>) causal -> tensor<1x4x100x8xf32>
  return %o : tensor<1x4x100x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %a tile_sizes [1, 2, 32] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// A sliding window of 16 over 64 queries aligned to the end of 80 keys:
/// rows [n0, n0 + 16) see keys [max(0, n0 + 16 - 16 + 1), n0 + 16 + 16).
/// The mask's unit batch and head dims stay whole; its rows and key columns
/// follow the tile.
// CHECK-DAG: #[[$START:.+]] = affine_map<()[s0] -> (0, s0 + 1)>
// CHECK-DAG: #[[$END:.+]] = affine_map<()[s0] -> (0, s0 + 32)>
// CHECK-DAG: #[[$COUNT:.+]] = affine_map<()[s0, s1] -> (s0 - s1)>
// CHECK-LABEL: func.func @attention_window_mask(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x64x8xf32>, %{{[a-zA-Z0-9_]+}}: tensor<1x2x80x8xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x1x64x80xi1>)
//       CHECK:   scf.for %[[N:.+]] = %{{.+}} to %{{.+}} step %{{.+}}
//       CHECK:     %[[END:.+]] = affine.max #[[$END]]()[%[[N]]]
//       CHECK:     %[[START:.+]] = affine.max #[[$START]]()[%[[N]]]
//       CHECK:     %[[COUNT:.+]] = affine.apply #[[$COUNT]]()[%[[END]], %[[START]]]
//       CHECK:     tensor.extract_slice %{{.+}}[0, 0, %[[START]], 0] [1, 2, %[[COUNT]], 8]
//       CHECK:     %[[MS:.+]] = tensor.extract_slice %[[M]][0, 0, %{{.+}}, %[[START]]] [1, 1, 16, %[[COUNT]]]
//       CHECK:     longctx.attention ins({{.*}}) mask(%[[MS]] : tensor<1x1x16x?xi1>) causal window(16) scale(5.000000e-01) -> tensor<1x2x16x8xf32>
func.func @attention_window_mask(%q: tensor<1x2x64x8xf32>, %k: tensor<1x2x80x8xf32>,
    %m: tensor<1x1x64x80xi1>) -> tensor<1x2x64x8xf32> {
  %o = longctx.attention ins(%q, %k, %k : tensor<1x2x64x8xf32>, tensor<1x2x80x8xf32>,
         tensor<1x2x80x8xf32>) mask(%m : tensor<1x1x64x80xi1>) causal window(16) scale(0.5) -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [0, 0, 16] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// A key-padding mask [B, 1, 1, M] keeps its single row in every query tile;
/// its batch and key columns follow the tile.
// CHECK-LABEL: func.func @attention_key_padding(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<2x2x64x8xf32>, %{{[a-zA-Z0-9_]+}}: tensor<2x2x64x8xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<2x1x1x64xi1>)
//       CHECK:   scf.for %[[B:.+]] = %{{.+}} to %{{.+}} step %{{.+}}
//       CHECK:     scf.for %[[N:.+]] = %{{.+}} to %{{.+}} step %{{.+}}
//       CHECK:       %[[MS:.+]] = tensor.extract_slice %[[M]][%[[B]], 0, 0, 0] [1, 1, 1, %{{.+}}]
//       CHECK:       longctx.attention ins({{.*}}) mask(%[[MS]] : tensor<1x1x1x?xi1>) causal scale(5.000000e-01) -> tensor<1x2x16x8xf32>
func.func @attention_key_padding(%q: tensor<2x2x64x8xf32>, %k: tensor<2x2x64x8xf32>,
    %m: tensor<2x1x1x64xi1>) -> tensor<2x2x64x8xf32> {
  %o = longctx.attention ins(%q, %k, %k : tensor<2x2x64x8xf32>, tensor<2x2x64x8xf32>,
         tensor<2x2x64x8xf32>) mask(%m : tensor<2x1x1x64xi1>) causal scale(0.5) -> tensor<2x2x64x8xf32>
  return %o : tensor<2x2x64x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:2 = transform.structured.tile_using_for %a tile_sizes [1, 0, 16] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// A producer of the queries fuses into the attention's tile loop: it is
/// recomputed on the tile's slice only.
// CHECK-LABEL: func.func @fuse_query_producer(
//       CHECK:   scf.forall (%[[N:.+]]) in (4)
//       CHECK:     %[[QS:.+]] = tensor.extract_slice %{{.+}}[0, 0, %{{.+}}, 0] [1, 2, 16, 8]
//       CHECK:     %[[SCALED:.+]] = linalg.generic {{.*}} ins(%[[QS]] : tensor<1x2x16x8xf32>)
//       CHECK:     longctx.attention ins(%[[SCALED]], %{{.+}}, %{{.+}} : tensor<1x2x16x8xf32>,
//   CHECK-NOT:   linalg.generic
//       CHECK:   return
#id = affine_map<(b, h, n, d) -> (b, h, n, d)>
func.func @fuse_query_producer(%x: tensor<1x2x64x8xf32>, %k: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %e = tensor.empty() : tensor<1x2x64x8xf32>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x2x64x8xf32>) outs(%e : tensor<1x2x64x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %c = arith.constant 2.0 : f32
    %s = arith.mulf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<1x2x64x8xf32>
  %o = longctx.attention ins(%q, %k, %k : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>) causal -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %g = transform.structured.match ops{["linalg.generic"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %a tile_sizes [0, 0, 16] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %f, %l2 = transform.structured.fuse_into_containing_op %g into %l : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// The attention fuses, as a producer, into the tile loop of its consumer:
/// each tile computes only its rows.
// CHECK-LABEL: func.func @fuse_attention_into_consumer(
//       CHECK:   scf.forall (%[[H:.+]], %[[N:.+]]) in (2, 2)
//       CHECK:     longctx.attention ins({{.*}} : tensor<1x1x32x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) causal scale({{.*}}) -> tensor<1x1x32x8xf32>
//       CHECK:     linalg.generic {{.*}} outs(%{{.+}} : tensor<1x1x32x8xf32>)
#id = affine_map<(b, h, n, d) -> (b, h, n, d)>
func.func @fuse_attention_into_consumer(%q: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>) causal -> tensor<1x2x64x8xf32>
  %e = tensor.empty() : tensor<1x2x64x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%o : tensor<1x2x64x8xf32>) outs(%e : tensor<1x2x64x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %s = arith.mulf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<1x2x64x8xf32>
  return %r : tensor<1x2x64x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %g = transform.structured.match ops{["linalg.generic"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %g tile_sizes [1, 1, 32, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %f, %l2 = transform.structured.fuse_into_containing_op %a into %l : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// Attention with sinks tiles over batch and heads, its rows and keys
/// whole.
// CHECK-LABEL: func.func @attention_sinks_heads(
//       CHECK:   scf.forall
//       CHECK:     longctx.attention ins({{.*}} : tensor<1x1x32x8xf32>, tensor<1x1x32x8xf32>, tensor<1x1x32x8xf32>) causal window(4) sinks(2)
func.func @attention_sinks_heads(%q: tensor<1x2x32x8xf32>) -> tensor<1x2x32x8xf32> {
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>,
         tensor<1x2x32x8xf32>) causal window(4) sinks(2) -> tensor<1x2x32x8xf32>
  return %o : tensor<1x2x32x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %a tile_sizes [1, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// Not over its rows: a tile of rows sees the sinks and its own keys.
func.func @attention_sinks_rows(%q: tensor<1x2x32x8xf32>) -> tensor<1x2x32x8xf32> {
  // expected-error @+4 {{with sinks cannot be tiled over its queries (only over batch and heads)}}
  // expected-error @+3 {{faild to tile operation}}
  // expected-error @+2 {{failed to generate tiling loops}}
  // expected-note @+1 {{when applied to this op}}
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>,
         tensor<1x2x32x8xf32>) causal sinks(2) -> tensor<1x2x32x8xf32>
  return %o : tensor<1x2x32x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{transform.structured.tile_using_forall failed to apply}}
    %t, %l = transform.structured.tile_using_forall %a tile_sizes [1, 1, 16] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// A head tile must hold whole groups of query heads.
func.func @attention_gqa_split_group(%q: tensor<1x4x32x8xf32>, %k: tensor<1x2x32x8xf32>) -> tensor<1x4x32x8xf32> {
  // expected-error @+4 {{a tile of query heads must be a static multiple of the query heads per key/value head (2)}}
  // expected-error @+3 {{faild to tile operation}}
  // expected-error @+2 {{failed to generate tiling loops}}
  // expected-note @+1 {{when applied to this op}}
  %o = longctx.attention ins(%q, %k, %k : tensor<1x4x32x8xf32>, tensor<1x2x32x8xf32>,
         tensor<1x2x32x8xf32>) causal -> tensor<1x4x32x8xf32>
  return %o : tensor<1x4x32x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{transform.structured.tile_using_forall failed to apply}}
    %t, %l = transform.structured.tile_using_forall %a tile_sizes [1, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// Titans memory over (batch, head) with tile_using_for: every operand is
/// sliced to one batch and one head; the sequence stays whole.
// CHECK-LABEL: func.func @titans(
//       CHECK:   scf.for %[[B:.+]] = {{.*}} iter_args(
//       CHECK:     scf.for %[[H:.+]] = {{.*}} iter_args(
//       CHECK:       tensor.extract_slice %{{.+}}[%[[B]], %[[H]], 0, 0] [1, 1, 40, 8]
//       CHECK:       tensor.extract_slice %{{.+}}[%[[B]], %[[H]], 0] [1, 1, 40]
//       CHECK:       %[[R:.+]], %[[W:.+]], %[[S:.+]] = longctx.titans_memory {{.*}} state({{.*}} : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) chunk_length(16) -> tensor<1x1x40x4xf32>
//       CHECK:       tensor.insert_slice %[[R]] into %{{.+}}[%[[B]], %[[H]], 0, 0] [1, 1, 40, 4]
//       CHECK:       tensor.insert_slice %[[W]] into %{{.+}}[%[[B]], %[[H]], 0, 0] [1, 1, 8, 4]
//       CHECK:       tensor.insert_slice %[[S]] into %{{.+}}[%[[B]], %[[H]], 0, 0] [1, 1, 8, 4]
func.func @titans(%k: tensor<2x4x40x8xf32>, %v: tensor<2x4x40x4xf32>, %r: tensor<2x4x40xf32>,
    %w: tensor<2x4x8x4xf32>, %s: tensor<2x4x8x4xf32>) -> (tensor<2x4x40x4xf32>, tensor<2x4x8x4xf32>, tensor<2x4x8x4xf32>) {
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %v, %k : tensor<2x4x40x8xf32>, tensor<2x4x40x4xf32>, tensor<2x4x40x8xf32>)
      rates(%r, %r, %r : tensor<2x4x40xf32>, tensor<2x4x40xf32>, tensor<2x4x40xf32>)
      state(%w, %s : tensor<2x4x8x4xf32>, tensor<2x4x8x4xf32>) chunk_length(16) -> tensor<2x4x40x4xf32>
  return %o, %w2, %s2 : tensor<2x4x40x4xf32>, tensor<2x4x8x4xf32>, tensor<2x4x8x4xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.titans_memory"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:2 = transform.structured.tile_using_for %a tile_sizes [1, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// Infini-attention tiles over key/value heads: each iteration takes its
/// memory, its key/value head and its group of 2 query heads (and their
/// gate logits).
// CHECK-DAG: #[[$GROUP:.+]] = affine_map<(d0) -> (d0 * 2)>
// CHECK-LABEL: func.func @infini_gqa(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x64x8xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<4xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x8xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//       CHECK:   scf.forall (%[[H:.+]]) in (2)
//       CHECK:     %[[H0:.+]] = affine.apply #[[$GROUP]](%[[H]])
//       CHECK:     %[[QS:.+]] = tensor.extract_slice %[[Q]][0, %[[H0]], 0, 0] [1, 2, 64, 8]
//       CHECK:     %[[KS:.+]] = tensor.extract_slice %[[K]][0, %[[H]], 0, 0] [1, 1, 64, 8]
//       CHECK:     %[[GS:.+]] = tensor.extract_slice %[[G]][%[[H0]]] [2] [1]
//       CHECK:     %[[MS:.+]] = tensor.extract_slice %[[M]][0, %[[H]], 0, 0] [1, 1, 8, 8]
//       CHECK:     longctx.infini_attention ins(%[[QS]], %[[KS]], %{{.+}} : tensor<1x2x64x8xf32>, tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32>) gate(%[[GS]] : tensor<2xf32>) memory(%[[MS]], %{{.+}} : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
func.func @infini_gqa(%q: tensor<1x4x64x8xf32>, %k: tensor<1x2x64x8xf32>, %v: tensor<1x2x64x8xf32>,
    %g: tensor<4xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>)
    -> (tensor<1x4x64x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x4x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
      gate(%g : tensor<4xf32>) memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(32) rule(delta) -> tensor<1x4x64x8xf32>
  return %o, %m2, %z2 : tensor<1x4x64x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.infini_attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %a tile_sizes [1, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// The compressive-memory primitives tile over key/value heads; the read's
/// queries come in groups of 2 heads.
// CHECK-LABEL: func.func @memory_ops(
//       CHECK:   scf.forall (%[[H:.+]]) in (2)
//       CHECK:     longctx.memory_retrieve ins({{.*}} : tensor<1x2x16x8xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8xf32>) -> tensor<1x2x16x4xf32>
//       CHECK:   scf.forall (%[[H2:.+]]) in (2)
//       CHECK:     longctx.memory_update ins({{.*}} : tensor<1x1x16x8xf32>, tensor<1x1x16x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8xf32>) rule(linear)
func.func @memory_ops(%q: tensor<1x4x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>,
    %m: tensor<1x2x8x4xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x4x16x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) {
  %r = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x4x16x8xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) -> tensor<1x4x16x4xf32>
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) rule(linear)
  return %r, %m2, %z2 : tensor<1x4x16x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.memory_retrieve"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %a tile_sizes [1, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %b = transform.structured.match ops{["longctx.memory_update"]} in %root : (!transform.any_op) -> !transform.any_op
    %t2, %l2 = transform.structured.tile_using_forall %b tile_sizes [1, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// A depth-3 MLP memory tiles over heads; every weight and momentum tensor
/// and its result follow the tile.
// CHECK-LABEL: func.func @titans_mlp(
//       CHECK:   scf.forall (%[[H:.+]]) in (2) shared_outs({{.*}}) -> (tensor<1x2x40x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>)
//       CHECK:     longctx.titans_mlp_memory {{.*}} weights({{.*}} : tensor<1x1x8x16xf32>, tensor<1x1x16x12xf32>, tensor<1x1x12x4xf32>) momentum({{.*}} : tensor<1x1x8x16xf32>, tensor<1x1x16x12xf32>, tensor<1x1x12x4xf32>) chunk_length(8) -> tensor<1x1x40x4xf32>
//   CHECK-COUNT-7:     tensor.parallel_insert_slice
func.func @titans_mlp(%k: tensor<1x2x40x8xf32>, %v: tensor<1x2x40x4xf32>, %r: tensor<1x2x40xf32>,
    %w1: tensor<1x2x8x16xf32>, %w2: tensor<1x2x16x12xf32>, %w3: tensor<1x2x12x4xf32>)
    -> (tensor<1x2x40x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>,
        tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>) {
  %o, %w:3, %s:3 = longctx.titans_mlp_memory
      ins(%k, %v, %k : tensor<1x2x40x8xf32>, tensor<1x2x40x4xf32>, tensor<1x2x40x8xf32>)
      rates(%r, %r, %r : tensor<1x2x40xf32>, tensor<1x2x40xf32>, tensor<1x2x40xf32>)
      weights(%w1, %w2, %w3 : tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>)
      momentum(%w1, %w2, %w3 : tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>)
      chunk_length(8) -> tensor<1x2x40x4xf32>
  return %o, %w#0, %w#1, %w#2, %s#0, %s#1, %s#2 : tensor<1x2x40x4xf32>, tensor<1x2x8x16xf32>,
      tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>,
      tensor<1x2x12x4xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.titans_mlp_memory"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %a tile_sizes [1, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
