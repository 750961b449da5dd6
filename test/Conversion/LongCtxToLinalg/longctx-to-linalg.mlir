// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg | FileCheck %s
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg="query-tile-size=32 key-tile-size=16" | FileCheck %s --check-prefix=TILES

/// Causal GQA self-attention: the query heads are viewed as [Hkv, G]; a loop
/// over 64-row query tiles contains a loop over 64-key tiles that stops at
/// the tile's diagonal, carrying (acc, max, sum); scores are masked with
/// -inf by comparing linalg.index positions; P V keeps the value dim
/// innermost; empty rows give 0; the result is collapsed back to [B, H, N, dv].
// CHECK-LABEL: func.func @attention_causal_gqa(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x100x16xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x100x16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x100x8xf32>)
//   CHECK-DAG:   %[[LOWEST:.+]] = arith.constant -3.40282347E+38 : f32
//   CHECK-DAG:   %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG:   %[[SCALE:.+]] = arith.constant 2.500000e-01 : f32
//   CHECK-DAG:   %[[C64:.+]] = arith.constant 64 : index
//   CHECK-DAG:   %[[N:.+]] = arith.constant 100 : index
//       CHECK:   %[[Q5:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 100, 16]
//       CHECK:   %[[OUT:.+]] = scf.for %[[Q0:.+]] = %{{.+}} to %[[N]] step %[[C64]] iter_args(%[[ACCOUT:.+]] = %{{.+}})
//       CHECK:     %[[TQ:.+]] = arith.minsi %{{.+}}, %[[C64]]
//       CHECK:     %[[QT:.+]] = tensor.extract_slice %[[Q5]][0, 0, 0, %[[Q0]], 0] [1, 2, 2, %[[TQ]], 16]
//       CHECK:     linalg.generic {{.*}} ins(%[[QT]] :
//       CHECK:       arith.mulf %{{.+}}, %[[SCALE]]
//       CHECK:     %[[END:.+]] = arith.addi %[[Q0]], %[[TQ]]
//       CHECK:     %[[CLAMP:.+]] = arith.maxsi %[[END]]
//       CHECK:     %[[KEND:.+]] = arith.minsi %[[CLAMP]], %[[N]]
//       CHECK:     linalg.fill ins(%[[LOWEST]] : f32)
//       CHECK:     %[[INNER:.+]]:3 = scf.for %[[K0:.+]] = %{{.+}} to %[[KEND]] step %[[C64]] iter_args(
//       CHECK:       tensor.extract_slice %[[K]][0, 0, %[[K0]], 0]
//       CHECK:       tensor.extract_slice %[[V]][0, 0, %[[K0]], 0]
//       CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]
//       CHECK:         arith.mulf {{.*}} fastmath<reassoc,contract>
//       CHECK:       linalg.generic
//       CHECK:         %[[I:.+]] = linalg.index 3 : index
//       CHECK:         %[[J:.+]] = linalg.index 4 : index
//       CHECK:         %[[ROW:.+]] = arith.addi %[[I]], %[[Q0]]
//       CHECK:         %[[COL:.+]] = arith.addi %[[J]], %[[K0]]
//       CHECK:         %[[VIS:.+]] = arith.cmpi sle, %[[COL]], %[[ROW]]
//       CHECK:         arith.select %[[VIS]], %{{.+}}, %[[NEGINF]]
//       CHECK:       arith.maximumf
//       CHECK:       math.exp
//       CHECK:       math.exp
//       CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]
//       CHECK:       scf.yield
//       CHECK:     linalg.generic {{.*}} ins(%[[INNER]]#0, %[[INNER]]#2 :
//       CHECK:       %[[EMPTY:.+]] = arith.cmpf oeq
//       CHECK:       %[[DIV:.+]] = arith.divf
//       CHECK:       arith.select %[[EMPTY]], %{{.+}}, %[[DIV]]
//       CHECK:     tensor.insert_slice %{{.+}} into %[[ACCOUT]][0, 0, 0, %[[Q0]], 0] [1, 2, 2, %[[TQ]], 8]
//       CHECK:   %[[RES:.+]] = tensor.collapse_shape %[[OUT]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x2x100x8xf32> into tensor<1x4x100x8xf32>
//       CHECK:   return %[[RES]]
// TILES-LABEL: func.func @attention_causal_gqa(
//   TILES-DAG:   %[[C32:.+]] = arith.constant 32 : index
//   TILES-DAG:   %[[C16:.+]] = arith.constant 16 : index
//       TILES:   scf.for {{.*}} step %[[C32]]
//       TILES:     scf.for {{.*}} step %[[C16]]
func.func @attention_causal_gqa(%q: tensor<1x4x100x16xf32>, %k: tensor<1x2x100x16xf32>,
    %v: tensor<1x2x100x8xf32>) -> tensor<1x4x100x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x100x16xf32>,
         tensor<1x2x100x16xf32>, tensor<1x2x100x8xf32>) causal -> tensor<1x4x100x8xf32>
  return %o : tensor<1x4x100x8xf32>
}

// -----

/// Without causal or mask there is no masking generic and the key loop runs
/// over all keys.
// CHECK-LABEL: func.func @attention_plain(
//   CHECK-DAG:   %[[M:.+]] = arith.constant 70 : index
//       CHECK:   scf.for
//       CHECK:     scf.for %{{.+}} = %{{.+}} to %[[M]] step
//   CHECK-NOT:       linalg.index
//   CHECK-NOT:       0xFF800000
//       CHECK:       scf.yield
func.func @attention_plain(%q: tensor<1x2x50x8xf32>, %k: tensor<1x2x70x8xf32>,
    %v: tensor<1x2x70x8xf32>) -> tensor<1x2x50x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x50x8xf32>,
         tensor<1x2x70x8xf32>, tensor<1x2x70x8xf32>) -> tensor<1x2x50x8xf32>
  return %o : tensor<1x2x50x8xf32>
}

// -----

/// A boolean mask broadcast over batch and heads is read at index 0 of those
/// dimensions and selects -inf where false.
// CHECK-DAG: #[[$BCAST:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (0, 0, 0, d3, d4)>
// CHECK-LABEL: func.func @attention_bool_mask(
//       CHECK:   tensor.expand_shape %{{.+}} {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 1, 1, 16, 16] : tensor<1x1x16x16xi1>
//       CHECK:   linalg.generic {indexing_maps = [#[[$BCAST]], {{.*}}]
//       CHECK:     ^bb0(%[[KEEP:.+]]: i1, %[[S:.+]]: f32):
//       CHECK:       arith.select %[[KEEP]], %[[S]], %{{.+}} : f32
func.func @attention_bool_mask(%q: tensor<2x2x16x8xf32>, %k: tensor<2x2x16x8xf32>,
    %v: tensor<2x2x16x8xf32>, %m: tensor<1x1x16x16xi1>) -> tensor<2x2x16x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x2x16x8xf32>,
         tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>) mask(%m : tensor<1x1x16x16xi1>)
         -> tensor<2x2x16x8xf32>
  return %o : tensor<2x2x16x8xf32>
}

// -----

/// A float mask is added to the scores.
// CHECK-LABEL: func.func @attention_float_mask(
//       CHECK:   linalg.generic
//       CHECK:     ^bb0(%[[BIAS:.+]]: f32, %[[S:.+]]: f32):
//       CHECK:       arith.addf %[[S]], %[[BIAS]]
func.func @attention_float_mask(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %m: tensor<1x2x16x16xf32>) -> tensor<1x2x16x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>,
         tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) mask(%m : tensor<1x2x16x16xf32>)
         -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// f16 inputs accumulate in f32 and the output is truncated back.
// CHECK-LABEL: func.func @attention_f16(
//       CHECK:   arith.extf %{{.+}} : f16 to f32
//       CHECK:   scf.for
//       CHECK:     arith.extf %{{.+}} : f16 to f32
//       CHECK:   arith.truncf %{{.+}} : f32 to f16
func.func @attention_f16(%q: tensor<1x1x16x8xf16>, %k: tensor<1x1x16x8xf16>,
    %v: tensor<1x1x16x8xf16>) -> tensor<1x1x16x8xf16> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x1x16x8xf16>,
         tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16>) causal -> tensor<1x1x16x8xf16>
  return %o : tensor<1x1x16x8xf16>
}
