// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg --canonicalize --cse | FileCheck %s
// RUN: longctx-opt %s --split-input-file --longctx-vectorize-linalg="vector-lanes=8 threads=2" | FileCheck %s --check-prefix=VECTORIZE

/// Transposes from [B, N, H, d] projections are read through: Q tiles are
/// slices of the [B, N, Hkv, G, d] view of the query's source, K^T and V
/// panels are packed from [B, N, Hkv, d] sources (one copy, the pack), the
/// output tiles are written into [B, N, Hkv, G, dv], and the transposes
/// (K through two, the output through one) are gone.
/// K^T panels [b, h, t, p, c, w] read K [b, t p w, h, c]; V panels
/// [b, h, t, p, j, w] read V [b, t j, h, p w]; Q [b, h, g, i, c] reads
/// [b, i, h, g, c] and the output is written likewise.
//   CHECK-DAG: #[[$KMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d3, d5, d1, d4)>
//   CHECK-DAG: #[[$VMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d4, d1, d3, d5)>
//   CHECK-DAG: #[[$QMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d2, d4)>
// CHECK-LABEL: func.func @projections(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x128x4x16xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<1x128x2x16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x128x2x16xf32>)
//   CHECK-NOT:   linalg.transpose
//       CHECK:   %[[Q5:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3], [4]] output_shape [1, 128, 2, 2, 16]
//       CHECK:   %[[OUT:.+]] = tensor.empty() : tensor<1x128x4x16xf32>
//       CHECK:   %[[OUT5:.+]] = tensor.expand_shape %[[OUT]] {{\[}}[0], [1], [2, 3], [4]] output_shape [1, 128, 2, 2, 16]
//       CHECK:   %[[K6:.+]] = tensor.expand_shape %[[K]] {{\[}}[0], [1, 2, 3], [4], [5]] output_shape [1, 2, {{[0-9]+}}, {{[0-9]+}}, 2, 16]
//       CHECK:   linalg.generic {indexing_maps = [#[[$KMAP]], #{{.+}}], {{.*}} ins(%[[K6]] :
//       CHECK:   %[[V6:.+]] = tensor.expand_shape %[[V]] {{\[}}[0], [1, 2], [3], [4, 5]] output_shape [1, 2, 64, 2, 1, 16]
//       CHECK:   linalg.generic {indexing_maps = [#[[$VMAP]], #{{.+}}], {{.*}} ins(%[[V6]] :
//       CHECK:   %[[FORALL:.+]] = scf.forall (%{{.+}}, %[[HI:.+]]) in (2, 2) shared_outs(%[[SHARED:.+]] = %[[OUT5]])
//       CHECK:     %[[QT:.+]] = tensor.extract_slice %[[Q5]][0, %[[Q0:.+]], %[[HI]], 0, 0] [1, %[[TQ:.+]], 1, 2, 16]
//       CHECK:     linalg.generic {indexing_maps = [#[[$QMAP]], #{{.+}}], {{.*}} ins(%[[QT]] :
//       CHECK:     %[[OT:.+]] = tensor.extract_slice %[[SHARED]][0, %[[Q0]], %[[HI]], 0, 0] [1, %[[TQ]], 1, 2, 16]
//       CHECK:     %[[TILE:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #[[$QMAP]]], {{.*}} outs(%[[OT]] :
//       CHECK:       tensor.parallel_insert_slice %[[TILE]] into %[[SHARED]][0, %[[Q0]], %[[HI]], 0, 0] [1, %[[TQ]], 1, 2, 16]
//       CHECK:   %[[RESULT:.+]] = tensor.collapse_shape %[[FORALL]] {{\[}}[0], [1], [2, 3], [4]] : tensor<1x128x2x2x16xf32> into tensor<1x128x4x16xf32>
//       CHECK:   return %[[RESULT]]

/// The exporters' transposes are left to the lowering by
/// longctx-vectorize-linalg (no bias add fused into them); one with another
/// use is vectorized like any copy.
// VECTORIZE-LABEL: func.func @projections(
//       VECTORIZE:   linalg.transpose ins(%{{.+}} : tensor<1x128x4x16xf32>) {{.*}} permutation = [0, 2, 1, 3]
//       VECTORIZE:   linalg.transpose ins(%{{.+}} : tensor<1x128x2x16xf32>) {{.*}} permutation = [0, 2, 3, 1]
//       VECTORIZE:   linalg.transpose ins(%{{.+}} : tensor<1x2x16x128xf32>) {{.*}} permutation = [0, 1, 3, 2]
//       VECTORIZE:   linalg.transpose ins(%{{.+}} : tensor<1x128x2x16xf32>) {{.*}} permutation = [0, 2, 1, 3]
//       VECTORIZE:   longctx.attention
//       VECTORIZE:   linalg.transpose ins(%{{.+}} : tensor<1x4x128x16xf32>) {{.*}} permutation = [0, 2, 1, 3]
func.func @projections(%q: tensor<1x128x4x16xf32>, %k: tensor<1x128x2x16xf32>,
                       %v: tensor<1x128x2x16xf32>) -> tensor<1x128x4x16xf32> {
  %eq = tensor.empty() : tensor<1x4x128x16xf32>
  %qt = linalg.transpose ins(%q : tensor<1x128x4x16xf32>)
          outs(%eq : tensor<1x4x128x16xf32>) permutation = [0, 2, 1, 3]
  %ek1 = tensor.empty() : tensor<1x2x16x128xf32>
  %kt1 = linalg.transpose ins(%k : tensor<1x128x2x16xf32>)
           outs(%ek1 : tensor<1x2x16x128xf32>) permutation = [0, 2, 3, 1]
  %ek = tensor.empty() : tensor<1x2x128x16xf32>
  %kt = linalg.transpose ins(%kt1 : tensor<1x2x16x128xf32>)
          outs(%ek : tensor<1x2x128x16xf32>) permutation = [0, 1, 3, 2]
  %ev = tensor.empty() : tensor<1x2x128x16xf32>
  %vt = linalg.transpose ins(%v : tensor<1x128x2x16xf32>)
          outs(%ev : tensor<1x2x128x16xf32>) permutation = [0, 2, 1, 3]
  %o = longctx.attention ins(%qt, %kt, %vt : tensor<1x4x128x16xf32>,
         tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) causal
         -> tensor<1x4x128x16xf32>
  %eo = tensor.empty() : tensor<1x128x4x16xf32>
  %ot = linalg.transpose ins(%o : tensor<1x4x128x16xf32>)
          outs(%eo : tensor<1x128x4x16xf32>) permutation = [0, 2, 1, 3]
  return %ot : tensor<1x128x4x16xf32>
}

// -----

/// A transpose the function also returns is read through by the attention
/// and kept for its other use; an output with two users is written as it
/// is (its transpose stays).
// CHECK-LABEL: func.func @shared(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x64x2x8xf32>
//       CHECK:   %[[QT:.+]] = linalg.transpose ins(%[[Q]] : tensor<1x64x2x8xf32>)
//       CHECK:   tensor.expand_shape %[[Q]]
//       CHECK:   %[[O:.+]] = tensor.collapse_shape %{{.+}} : tensor<1x2x1x64x8xf32> into tensor<1x2x64x8xf32>
//       CHECK:   %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<1x2x64x8xf32>)
//       CHECK:   return %[[QT]], %[[O]], %[[OT]]

// VECTORIZE-LABEL: func.func @shared(
//   VECTORIZE-NOT:   linalg.transpose
//       VECTORIZE:   longctx.attention
//   VECTORIZE-NOT:   linalg.transpose
//       VECTORIZE:   return
func.func @shared(%q: tensor<1x64x2x8xf32>, %k: tensor<1x2x64x8xf32>,
                  %v: tensor<1x2x64x8xf32>)
    -> (tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x64x2x8xf32>) {
  %eq = tensor.empty() : tensor<1x2x64x8xf32>
  %qt = linalg.transpose ins(%q : tensor<1x64x2x8xf32>)
          outs(%eq : tensor<1x2x64x8xf32>) permutation = [0, 2, 1, 3]
  %o = longctx.attention ins(%qt, %k, %v : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
         -> tensor<1x2x64x8xf32>
  %eo = tensor.empty() : tensor<1x64x2x8xf32>
  %ot = linalg.transpose ins(%o : tensor<1x2x64x8xf32>)
          outs(%eo : tensor<1x64x2x8xf32>) permutation = [0, 2, 1, 3]
  return %qt, %o, %ot : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x64x2x8xf32>
}

// -----

/// A bias add before the transpose stays an op of its own (a matmul's
/// epilogue in a model), not fused into the transpose the lowering reads
/// through.
// VECTORIZE-LABEL: func.func @bias(
//       VECTORIZE:   scf.for
//       VECTORIZE:     arith.addf
//       VECTORIZE:   linalg.transpose
//       VECTORIZE:   longctx.attention
func.func @bias(%q: tensor<1x64x2x8xf32>, %b: tensor<8xf32>,
                %k: tensor<1x2x64x8xf32>, %v: tensor<1x2x64x8xf32>)
    -> tensor<1x2x64x8xf32> {
  %e = tensor.empty() : tensor<1x64x2x8xf32>
  %qb = linalg.generic {
      indexing_maps = [affine_map<(a, n, h, d) -> (a, n, h, d)>,
                       affine_map<(a, n, h, d) -> (d)>,
                       affine_map<(a, n, h, d) -> (a, n, h, d)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q, %b : tensor<1x64x2x8xf32>, tensor<8xf32>)
      outs(%e : tensor<1x64x2x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<1x64x2x8xf32>
  %eq = tensor.empty() : tensor<1x2x64x8xf32>
  %qt = linalg.transpose ins(%qb : tensor<1x64x2x8xf32>)
          outs(%eq : tensor<1x2x64x8xf32>) permutation = [0, 2, 1, 3]
  %o = longctx.attention ins(%qt, %k, %v : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
         -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
