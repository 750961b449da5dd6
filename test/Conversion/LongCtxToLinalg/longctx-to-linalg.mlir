// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg="vector-kernels=false" | FileCheck %s
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg="query-tile-size=32 key-tile-size=16 vector-kernels=false" | FileCheck %s --check-prefix=TILES

/// Causal GQA self-attention: the query heads (and the output's) are viewed
/// as [Hkv, G]; a parallel loop over (64-row query tile, batch, key/value
/// head), each iteration reading the operands' tiles at its batch and head,
/// contains a loop over 64-key tiles that stops at the tile's diagonal, carrying (acc, max, sum); scores are masked with
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
//       CHECK:   %[[EMPTY:.+]] = tensor.empty() : tensor<1x4x100x8xf32>
//       CHECK:   %[[INIT:.+]] = tensor.expand_shape %[[EMPTY]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 100, 8]
//       CHECK:   %[[OUT:.+]] = scf.forall (%[[IT:[a-zA-Z0-9_]+]], %[[BI:[a-zA-Z0-9_]+]], %[[HI:[a-zA-Z0-9_]+]]) in (%[[NT:.+]], 1, 2) shared_outs(%[[ACCOUT:.+]] = %[[INIT]])
/// Iterations alternate between the cheap and the expensive end of the
/// causal triangle: tile i/2 or T-1-i/2.
//       CHECK:     %[[HALF:.+]] = arith.divui %[[IT]], %[[C2:.+]] : index
//       CHECK:     %[[ODD:.+]] = arith.cmpi ne
//       CHECK:     %[[MIRROR:.+]] = arith.subi %{{.+}}, %[[HALF]]
//       CHECK:     %[[TILE:.+]] = arith.select %[[ODD]], %[[MIRROR]], %[[HALF]]
//       CHECK:     %[[Q0:.+]] = arith.muli %[[TILE]], %[[C64]]
//       CHECK:     %[[TQ:.+]] = arith.minsi %{{.+}}, %[[C64]]
//       CHECK:     %[[QT:.+]] = tensor.extract_slice %[[Q5]][%[[BI]], %[[HI]], 0, %[[Q0]], 0] [1, 1, 2, %[[TQ]], 16]
//       CHECK:     linalg.generic {{.*}} ins(%[[QT]] :
//       CHECK:       arith.mulf %{{.+}}, %[[SCALE]]
//       CHECK:     %[[END:.+]] = arith.addi %[[Q0]], %[[TQ]]
//       CHECK:     %[[CLAMP:.+]] = arith.maxsi %[[END]]
//       CHECK:     %[[KEND:.+]] = arith.minsi %[[CLAMP]], %[[N]]
//       CHECK:     linalg.fill ins(%[[LOWEST]] : f32)
//       CHECK:     %[[INNER:.+]]:3 = scf.for %[[K0:.+]] = %{{.+}} to %[[KEND]] step %[[C64]] iter_args(
//       CHECK:       tensor.extract_slice %[[K]][%[[BI]], %[[HI]], %[[K0]], 0]
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
//       CHECK:     scf.forall.in_parallel
//       CHECK:       tensor.parallel_insert_slice %{{.+}} into %[[ACCOUT]][%[[BI]], %[[HI]], 0, %[[Q0]], 0] [1, 1, 2, %[[TQ]], 8]
//       CHECK:   %[[RES:.+]] = tensor.collapse_shape %[[OUT]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x2x100x8xf32> into tensor<1x4x100x8xf32>
//       CHECK:   return %[[RES]]
// TILES-LABEL: func.func @attention_causal_gqa(
//   TILES-DAG:   %[[C32:.+]] = arith.constant 32 : index
//   TILES-DAG:   %[[C16:.+]] = arith.constant 16 : index
//       TILES:   scf.forall
//       TILES:     arith.muli %{{.+}}, %[[C32]]
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

// -----

/// Causal cross attention with dynamic batch and sequence lengths (N != M),
/// dv = 32 != d = 16 and an explicit scale: the diagonal offset M - N comes
/// from tensor.dim, shifts both the key-loop bound (clamped to [0, M]) and
/// the row index of the causal comparison.
// CHECK-LABEL: func.func @attention_causal_cross_dynamic(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<?x4x?x16xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<?x2x?x16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<?x2x?x32xf32>)
//   CHECK-DAG:   %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG:   %[[SCALE:.+]] = arith.constant 5.000000e-01 : f32
//   CHECK-DAG:   %[[C0:.+]] = arith.constant 0 : index
//   CHECK-DAG:   %[[C2:.+]] = arith.constant 2 : index
//   CHECK-DAG:   %[[C64:.+]] = arith.constant 64 : index
//   CHECK-DAG:   %[[B:.+]] = tensor.dim %[[Q]], %[[C0]]
//   CHECK-DAG:   %[[N:.+]] = tensor.dim %[[Q]], %[[C2]]
//   CHECK-DAG:   %[[M:.+]] = tensor.dim %[[K]], %[[C2]]
//       CHECK:   tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2], [3], [4]] output_shape [%{{.+}}, 2, 2, %{{.+}}, 16]
//       CHECK:   %[[DIAG:.+]] = arith.subi %[[M]], %[[N]]
//       CHECK:   %[[EMPTY:.+]] = tensor.empty(%[[B]], %[[N]]) : tensor<?x4x?x32xf32>
//       CHECK:   %[[INIT:.+]] = tensor.expand_shape %[[EMPTY]] {{\[}}[0], [1, 2], [3], [4]] output_shape [%{{.+}}, 2, 2, %{{.+}}, 32]
//       CHECK:   %[[NT:.+]] = arith.ceildivsi %[[N]], %[[C64]]
//       CHECK:   %[[OUT:.+]] = scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (%[[NT]], %[[B]], 2) shared_outs(%{{.+}} = %[[INIT]])
//       CHECK:     %[[Q0:.+]] = arith.muli %{{.+}}, %[[C64]]
//       CHECK:     %[[TQ:.+]] = arith.minsi %{{.+}}, %[[C64]]
//       CHECK:     arith.mulf %{{.+}}, %[[SCALE]]
//       CHECK:     %[[LAST:.+]] = arith.addi %[[Q0]], %[[TQ]]
//       CHECK:     %[[END:.+]] = arith.addi %[[LAST]], %[[DIAG]]
//       CHECK:     %[[CLAMP:.+]] = arith.maxsi %[[END]], %[[C0]]
//       CHECK:     %[[KEND:.+]] = arith.minsi %[[CLAMP]], %[[M]]
//       CHECK:     scf.for %[[K0:.+]] = %[[C0]] to %[[KEND]] step %[[C64]]
//       CHECK:         %[[I:.+]] = linalg.index 3 : index
//       CHECK:         %[[J:.+]] = linalg.index 4 : index
//       CHECK:         %[[I0:.+]] = arith.addi %[[I]], %[[Q0]]
//       CHECK:         %[[ROW:.+]] = arith.addi %[[I0]], %[[DIAG]]
//       CHECK:         %[[COL:.+]] = arith.addi %[[J]], %[[K0]]
//       CHECK:         %[[VIS:.+]] = arith.cmpi sle, %[[COL]], %[[ROW]]
//       CHECK:         arith.select %[[VIS]], %{{.+}}, %[[NEGINF]] : f32
//       CHECK:       tensor.extract_slice %{{.+}}[%{{.+}}, %{{.+}}, %[[K0]], 0] [1, 1, %{{.+}}, 32]
//       CHECK:   tensor.collapse_shape %[[OUT]] {{\[}}[0], [1, 2], [3], [4]] : tensor<?x2x2x?x32xf32> into tensor<?x4x?x32xf32>
func.func @attention_causal_cross_dynamic(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>,
    %v: tensor<?x2x?x32xf32>) -> tensor<?x4x?x32xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<?x4x?x16xf32>,
         tensor<?x2x?x16xf32>, tensor<?x2x?x32xf32>) causal scale(0.5)
         -> tensor<?x4x?x32xf32>
  return %o : tensor<?x4x?x32xf32>
}

// -----

/// A full float mask [B, H, N, M] under GQA is viewed as [B, Hkv, G, N, M]
/// like the queries, sliced per (batch, head), (query tile, key tile), and
/// added to the scores (its -inf selected, so a hidden key's non-finite
/// score has no effect) before the causal select.
// CHECK-LABEL: func.func @attention_causal_float_mask_gqa(
//  CHECK-SAME:     %[[MASK:[a-zA-Z0-9_]+]]: tensor<2x4x40x40xf32>)
//   CHECK-DAG:   %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
//       CHECK:   %[[MASK5:.+]] = tensor.expand_shape %[[MASK]] {{\[}}[0], [1, 2], [3], [4]] output_shape [2, 2, 2, 40, 40]
//       CHECK:   scf.forall (%{{.+}}, %[[BI:[a-zA-Z0-9_]+]], %[[HI:[a-zA-Z0-9_]+]]) in
//       CHECK:     %[[Q0:.+]] = arith.muli
//       CHECK:     %[[MH:.+]] = tensor.extract_slice %[[MASK5]][%[[BI]], %[[HI]], 0, 0, 0] [1, 1, 2, 40, 40]
//       CHECK:     scf.for %[[K0:[a-zA-Z0-9_]+]] =
//       CHECK:       %[[MT:.+]] = tensor.extract_slice %[[MH]][0, 0, 0, %[[Q0]], %[[K0]]] [1, 1, 2, %{{.+}}, %{{.+}}]
//       CHECK:       linalg.generic {{.*}} ins(%[[MT]] : tensor<1x1x2x?x?xf32>)
//       CHECK:       ^bb0(%[[BIAS:.+]]: f32, %[[S:.+]]: f32):
//       CHECK:         %[[HIDDEN:.+]] = arith.cmpf oeq, %[[BIAS]], %[[NEGINF]] : f32
//       CHECK:         %[[SUM:.+]] = arith.addf %[[S]], %[[BIAS]]
//       CHECK:         %[[BIASED:.+]] = arith.select %[[HIDDEN]], %[[NEGINF]], %[[SUM]] : f32
//       CHECK:         linalg.index 3
//       CHECK:         arith.select %{{.+}}, %[[BIASED]], %[[NEGINF]] : f32
func.func @attention_causal_float_mask_gqa(%q: tensor<2x4x40x8xf32>, %k: tensor<2x2x40x8xf32>,
    %v: tensor<2x2x40x8xf32>, %m: tensor<2x4x40x40xf32>) -> tensor<2x4x40x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x40x8xf32>,
         tensor<2x2x40x8xf32>, tensor<2x2x40x8xf32>) mask(%m : tensor<2x4x40x40xf32>)
         causal -> tensor<2x4x40x8xf32>
  return %o : tensor<2x4x40x8xf32>
}

// -----

/// bf16 inputs with a bf16 mask: queries (times the default scale
/// 1/sqrt(8)), keys, values and the mask are extended to f32, and only the
/// final quotient, after the empty-row select, is truncated back to bf16.
// CHECK-LABEL: func.func @attention_bf16_float_mask(
//   CHECK-DAG:   %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
//   CHECK-DAG:   %[[SCALE:.+]] = arith.constant 0.353553385 : f32
//       CHECK:   scf.for
//       CHECK:     %[[QX:.+]] = arith.extf {{.*}} : bf16 to f32
//       CHECK:     arith.mulf %[[QX]], %[[SCALE]]
//       CHECK:     scf.for
//       CHECK:       arith.extf {{.*}} : bf16 to f32
//       CHECK:       ^bb0(%[[BIAS:.+]]: bf16, %[[S:.+]]: f32):
//       CHECK:         %[[BIAS32:.+]] = arith.extf %[[BIAS]] : bf16 to f32
//       CHECK:         arith.addf %[[S]], %[[BIAS32]]
//       CHECK:       arith.extf {{.*}} : bf16 to f32
//       CHECK:       scf.yield
//       CHECK:     %[[QUOT:.+]] = arith.select %{{.+}}, %[[ZERO]], %{{.+}} : f32
//       CHECK:     %[[OUT:.+]] = arith.truncf %[[QUOT]] {{.*}}: f32 to bf16
//       CHECK:     linalg.yield %[[OUT]] : bf16
func.func @attention_bf16_float_mask(%q: tensor<1x2x16x8xbf16>, %k: tensor<1x2x16x8xbf16>,
    %v: tensor<1x2x16x8xbf16>, %m: tensor<1x1x16x16xbf16>) -> tensor<1x2x16x8xbf16> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xbf16>,
         tensor<1x2x16x8xbf16>, tensor<1x2x16x8xbf16>) mask(%m : tensor<1x1x16x16xbf16>)
         -> tensor<1x2x16x8xbf16>
  return %o : tensor<1x2x16x8xbf16>
}

// -----

/// f64 inputs accumulate in f64: the constants (-inf, lowest, scale) are
/// f64 and nothing is extended or truncated.
// CHECK-LABEL: func.func @attention_f64(
//   CHECK-DAG:   %[[LOWEST:.+]] = arith.constant -1.7976931348623157E+308 : f64
//   CHECK-DAG:   %[[NEGINF:.+]] = arith.constant 0xFFF0000000000000 : f64
//   CHECK-DAG:   %[[ZERO:.+]] = arith.constant 0.000000e+00 : f64
//   CHECK-DAG:   %[[SCALE:.+]] = arith.constant 2.500000e-01 : f64
//   CHECK-NOT:   arith.extf
//       CHECK:   arith.mulf %{{.+}}, %[[SCALE]] {{.*}}: f64
//       CHECK:   linalg.fill ins(%[[LOWEST]] : f64)
//       CHECK:   arith.select %{{.+}}, %{{.+}}, %[[NEGINF]] : f64
//       CHECK:   math.exp {{.*}} : f64
//       CHECK:   arith.divf {{.*}} : f64
//       CHECK:   arith.select %{{.+}}, %[[ZERO]], %{{.+}} : f64
//   CHECK-NOT:   arith.truncf
//       CHECK:   tensor.collapse_shape {{.*}} into tensor<1x1x16x16xf64>
func.func @attention_f64(%q: tensor<1x1x16x16xf64>, %k: tensor<1x1x16x16xf64>,
    %v: tensor<1x1x16x16xf64>) -> tensor<1x1x16x16xf64> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x1x16x16xf64>,
         tensor<1x1x16x16xf64>, tensor<1x1x16x16xf64>) causal -> tensor<1x1x16x16xf64>
  return %o : tensor<1x1x16x16xf64>
}

// -----

/// The mask is expanded with its own sizes: dynamic mask lengths with static
/// query/key lengths, and a static mask with a dynamic query length.
// CHECK-LABEL: func.func @attention_mask_dynamic_lengths(
//       CHECK:   %[[MN:.+]] = tensor.dim %{{.+}}, %{{.+}} : tensor<2x4x?x?xi1>
//       CHECK:   %[[MM:.+]] = tensor.dim %{{.+}}, %{{.+}} : tensor<2x4x?x?xi1>
//       CHECK:   tensor.expand_shape %{{.+}} {{\[}}[0], [1, 2], [3], [4]] output_shape [2, 4, 1, %[[MN]], %[[MM]]] : tensor<2x4x?x?xi1> into tensor<2x4x1x?x?xi1>
// CHECK-LABEL: func.func @attention_static_mask_dynamic_queries(
//       CHECK:   tensor.expand_shape %{{.+}} {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 1, 1, 8, 8] : tensor<1x1x8x8xi1> into tensor<1x1x1x8x8xi1>
func.func @attention_mask_dynamic_lengths(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>,
    %v: tensor<2x4x8x16xf32>, %m: tensor<2x4x?x?xi1>) -> tensor<2x4x8x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>,
         tensor<2x4x8x16xf32>) mask(%m : tensor<2x4x?x?xi1>) -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}
func.func @attention_static_mask_dynamic_queries(%q: tensor<1x4x?x16xf32>, %k: tensor<1x4x8x16xf32>,
    %v: tensor<1x4x8x16xf32>, %m: tensor<1x1x8x8xi1>) -> tensor<1x4x?x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x8x16xf32>,
         tensor<1x4x8x16xf32>) mask(%m : tensor<1x1x8x8xi1>) -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}

// -----

/// Sliding window of 32: the key loop starts at max(q0 - 31, 0), rounded
/// down to a whole key tile, and the mask also requires col + 31 >= row.
// CHECK-LABEL: func.func @attention_window(
//   CHECK-DAG:   %[[C31:.+]] = arith.constant 31 : index
//   CHECK-DAG:   %[[C64:.+]] = arith.constant 64 : index
//       CHECK:   scf.forall
//       CHECK:     %[[Q0:.+]] = arith.muli
//       CHECK:     %[[FIRST:.+]] = arith.subi %[[Q0]], %[[C31]]
//       CHECK:     %[[CLAMPED:.+]] = arith.maxsi %[[FIRST]], %{{.+}}
//       CHECK:     %[[ALIGNED:.+]] = arith.divui %[[CLAMPED]], %[[C64]]
//       CHECK:     %[[START:.+]] = arith.muli %[[ALIGNED]], %[[C64]]
//       CHECK:     scf.for %[[K0:.+]] = %[[START]] to
//       CHECK:       linalg.generic
//       CHECK:         %[[ROW:.+]] = arith.addi %{{.+}}, %[[Q0]]
//       CHECK:         %[[COL:.+]] = arith.addi %{{.+}}, %[[K0]]
//       CHECK:         %[[CAUSAL:.+]] = arith.cmpi sle, %[[COL]], %[[ROW]]
//       CHECK:         %[[REACH:.+]] = arith.addi %[[COL]], %[[C31]]
//       CHECK:         %[[INWIN:.+]] = arith.cmpi sge, %[[REACH]], %[[ROW]]
//       CHECK:         arith.andi %[[CAUSAL]], %[[INWIN]]
func.func @attention_window(%q: tensor<1x1x100x8xf32>) -> tensor<1x1x100x8xf32> {
  %o = longctx.attention ins(%q, %q, %q : tensor<1x1x100x8xf32>,
         tensor<1x1x100x8xf32>, tensor<1x1x100x8xf32>) causal window(32)
         -> tensor<1x1x100x8xf32>
  return %o : tensor<1x1x100x8xf32>
}

// -----

/// A result type that is only compatible with the inferred one (dynamic
/// where the inputs are static) gets a tensor.cast after the collapse.
// CHECK-LABEL: func.func @attention_result_cast(
//       CHECK:   %[[C:.+]] = tensor.collapse_shape %{{.+}} : tensor<1x4x1x16x8xf32> into tensor<1x4x16x8xf32>
//       CHECK:   %[[R:.+]] = tensor.cast %[[C]] : tensor<1x4x16x8xf32> to tensor<1x4x?x8xf32>
//       CHECK:   return %[[R]]
func.func @attention_result_cast(%q: tensor<1x4x16x8xf32>) -> tensor<1x4x?x8xf32> {
  %a = longctx.attention ins(%q, %q, %q : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>,
         tensor<1x4x16x8xf32>) causal -> tensor<1x4x?x8xf32>
  return %a : tensor<1x4x?x8xf32>
}

// -----

/// No keys (or no queries): no tiles, whose zero sizes would not verify;
/// every row sees no key, so the output is zeros.
// CHECK-LABEL: func.func @attention_no_keys(
//   CHECK-DAG:   %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
//   CHECK-DAG:   %[[EMPTY:.+]] = tensor.empty() : tensor<1x4x5x8xf32>
//       CHECK:   %[[OUT:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<1x4x5x8xf32>)
//   CHECK-NOT:   scf.forall
//       CHECK:   return %[[OUT]]
func.func @attention_no_keys(%q: tensor<1x4x5x8xf32>, %k: tensor<1x2x0x8xf32>,
    %v: tensor<1x2x0x8xf32>) -> tensor<1x4x5x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x5x8xf32>,
         tensor<1x2x0x8xf32>, tensor<1x2x0x8xf32>) causal -> tensor<1x4x5x8xf32>
  return %o : tensor<1x4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @attention_no_queries(
//       CHECK:   %[[EMPTY:.+]] = tensor.empty() : tensor<1x4x0x8xf32>
//       CHECK:   %[[OUT:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[EMPTY]] : tensor<1x4x0x8xf32>)
//       CHECK:   return %[[OUT]]
func.func @attention_no_queries(%q: tensor<1x4x0x8xf32>, %k: tensor<1x2x0x8xf32>,
    %v: tensor<1x2x0x8xf32>, %m: tensor<1x1x0x0xi1>) -> tensor<1x4x0x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x0x8xf32>,
         tensor<1x2x0x8xf32>, tensor<1x2x0x8xf32>) mask(%m : tensor<1x1x0x0xi1>)
         -> tensor<1x4x0x8xf32>
  return %o : tensor<1x4x0x8xf32>
}
