// RUN: longctx-opt %s --split-input-file --transform-interpreter --canonicalize --cse --verify-diagnostics | FileCheck %s

// longctx.attention's PartialReductionOpInterface: its key loop (loop 3, a
// reduction) splits into parallel partial reductions. Numerics against
// NumPy: test/Integration/CPU/attention-split-keys.mlir.

/// 3 splits of 100 keys (34, 34, 32): the partials start at the merge's
/// identities (O = 0, lse = -inf); each split slices its keys and values,
/// offsets the causal diagonal by its first key (M - N - m0 = 92 - m0),
/// runs the flash lowering over them and writes its normalised output and
/// its rows' log-sum-exp m + log(l) (-inf where l = 0) into its slot; the
/// merge takes max_s lse, the weights exp(lse_s - max) (0 for lse_s = -inf),
/// their sum and the weighted sum of the outputs, and divides (0 for a row
/// that sees no key).
// CHECK-DAG: #[[$SPLIT0:.+]] = affine_map<(d0) -> (d0 * 34)>
// CHECK-DAG: #[[$SLOTS:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d0, d1, d2)>
// CHECK-LABEL: func.func @split_keys(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x8x16xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x100x16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x100x8xf32>)
//   CHECK-DAG:   %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
//   CHECK-DAG:   %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG:   %[[C92:.+]] = arith.constant 92 : index
//       CHECK:   %[[O0:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<3x1x4x8x8xf32>)
//       CHECK:   %[[L0:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.+}} : tensor<3x1x4x8xf32>)
//       CHECK:   %[[P:.+]]:2 = scf.forall (%[[S:.+]]) in (3) shared_outs(%[[OA:.+]] = %[[O0]], %[[LA:.+]] = %[[L0]])
//       CHECK:     %[[M0:.+]] = affine.apply #[[$SPLIT0]](%[[S]])
//       CHECK:     %[[KS:.+]] = tensor.extract_slice %[[K]][0, 0, %[[M0]], 0] [1, 2, %[[LEN:.+]], 16]
//       CHECK:     tensor.extract_slice %[[V]][0, 0, %[[M0]], 0] [1, 2, %[[LEN]], 8]
//       CHECK:     arith.subi %[[C92]], %[[M0]] : index
//       CHECK:     scf.forall
//       CHECK:       scf.for
//       CHECK:         vector.fma
//       CHECK:       math.log
//       CHECK:       arith.select %{{.+}}, %[[NEGINF]], %{{.+}} : f32
//       CHECK:     scf.forall.in_parallel {
//       CHECK:       tensor.parallel_insert_slice %{{.+}} into %[[OA]][%[[S]], 0, 0, 0, 0] [1, 1, 4, 8, 8] [1, 1, 1, 1, 1] : tensor<1x4x8x8xf32> into tensor<3x1x4x8x8xf32>
//       CHECK:       tensor.parallel_insert_slice %{{.+}} into %[[LA]][%[[S]], 0, 0, 0] [1, 1, 4, 8] [1, 1, 1, 1] : tensor<1x4x8xf32> into tensor<3x1x4x8xf32>
//       CHECK:   %[[TOP:.+]] = linalg.generic {indexing_maps = [#[[$SLOTS]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[P]]#1 : tensor<3x1x4x8xf32>)
//       CHECK:     arith.maximumf
//       CHECK:   %[[DEN:.+]] = linalg.generic {{.*}} ins(%[[P]]#1, %[[TOP]] : tensor<3x1x4x8xf32>, tensor<1x4x8xf32>)
//       CHECK:     %[[NONE:.+]] = arith.cmpf oeq, %{{.+}}, %[[NEGINF]]
//       CHECK:     math.exp
//       CHECK:     arith.select %[[NONE]], %[[ZERO]], %{{.+}} : f32
//       CHECK:   %[[NUM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[P]]#0, %[[P]]#1, %[[TOP]] : tensor<3x1x4x8x8xf32>, tensor<3x1x4x8xf32>, tensor<1x4x8xf32>)
//       CHECK:   %[[OUT:.+]] = linalg.generic {{.*}} ins(%[[NUM]], %[[DEN]] : tensor<1x4x8x8xf32>, tensor<1x4x8xf32>)
//       CHECK:     arith.divf
//       CHECK:   return %[[OUT]]
func.func @split_keys(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x100x16xf32>,
                      %v: tensor<1x2x100x8xf32>) -> tensor<1x4x8x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x8x16xf32>,
         tensor<1x2x100x16xf32>, tensor<1x2x100x8xf32>) causal -> tensor<1x4x8x8xf32>
  return %o : tensor<1x4x8x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %fill:2, %split, %merge, %forall = transform.structured.tile_reduction_using_forall %a
        by num_threads = [0, 0, 0, 3]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// The key loop does not tile in place.
func.func @tile_keys_in_place(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x64x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+3 {{cannot tile its key loop (the softmax's reduction) in place: split the keys as a partial reduction (tile_reduction_using_forall)}}
  // expected-error @+2 {{faild to tile operation}}
  // expected-error @+1 {{failed to generate tiling loops}}
  %o = longctx.attention ins(%q, %k, %k : tensor<1x2x8x16xf32>, tensor<1x2x64x16xf32>,
         tensor<1x2x64x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [0, 0, 0, 16] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// Chained partial reductions (an scf.for over key chunks) are refused.
func.func @split_keys_serially(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x64x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+3 {{splits its keys only into parallel partial reductions (tile_reduction_using_forall): the softmax state of a key chunk cannot be accumulated into a partial result in place}}
  // expected-error @+2 {{faild to tile operation}}
  // expected-error @+1 {{failed to generate tiling loops}}
  %o = longctx.attention ins(%q, %k, %k : tensor<1x2x8x16xf32>, tensor<1x2x64x16xf32>,
         tensor<1x2x64x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{failed to tile using partial reduction}}
    %fill:2, %split, %merge, %loop = transform.structured.tile_reduction_using_for %a
        by tile_sizes = [0, 0, 0, 16]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// Splitting the keys and the rows at once: tile the rows first.
func.func @split_keys_and_rows(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x64x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{tiling parallel dimensions is not supported with partial reduction tiling strategies}}
  %o = longctx.attention ins(%q, %k, %k : tensor<1x2x8x16xf32>, tensor<1x2x64x16xf32>,
         tensor<1x2x64x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{could not tile reduction}}
    %fill:2, %split, %merge, %forall = transform.structured.tile_reduction_using_forall %a
        by num_threads = [0, 0, 2, 2]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}
