// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg | FileCheck %s

/// memory_retrieve with GQA (4 query heads over 2 memories): queries viewed
/// as [B, Hkv, G, S, d], sigma = ELU+1 (select(x > 0, x + 1, exp x)), the
/// numerator sigma(Q) M with the value dim innermost, the denominator
/// sigma(Q) z, then num / max(den, eps).
// CHECK-LABEL: func.func @retrieve_gqa(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x16x8xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//   CHECK-DAG:   %[[EPS:.+]] = arith.constant 9.99999997E-7 : f32
//       CHECK:   %[[Q5:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 16, 8]
//       CHECK:   %[[ACT:.+]] = linalg.generic {{.*}} ins(%[[Q5]] :
//       CHECK:     %[[POS:.+]] = arith.cmpf ogt
//       CHECK:     %[[LIN:.+]] = arith.addf
//       CHECK:     %[[EXP:.+]] = math.exp
//       CHECK:     arith.select %[[POS]], %[[LIN]], %[[EXP]]
//       CHECK:   %[[NUM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[ACT]], %[[M]] :
//       CHECK:   %[[DEN:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[ACT]], %[[Z]] :
//       CHECK:   %[[READ:.+]] = linalg.generic {{.*}} ins(%[[NUM]], %[[DEN]] :
//       CHECK:     ^bb0(%[[N:.+]]: f32, %[[D:.+]]: f32, %{{.+}}: f32):
//       CHECK:       %[[CL:.+]] = arith.maximumf %[[D]], %[[EPS]]
//       CHECK:       arith.divf %[[N]], %[[CL]]
//       CHECK:   tensor.collapse_shape %[[READ]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
func.func @retrieve_gqa(%q: tensor<1x4x16x8xf32>, %m: tensor<1x2x8x4xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x4x16x4xf32> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x4x16x8xf32>,
         tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) -> tensor<1x4x16x4xf32>
  return %a : tensor<1x4x16x4xf32>
}

// -----

/// Linear update: M' = M + sigma(K)^T V written into M (loops b, h, t, c, e
/// with the token dim reduced), z' = z + sum_t sigma(K) written into z; no
/// memory read, so no clamp.
// CHECK-LABEL: func.func @update_linear(
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x16x4xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//       CHECK:   %[[ACT:.+]] = linalg.generic {{.*}} ins(%[[K]] :
//   CHECK-NOT:   arith.maximumf
//       CHECK:   %[[NM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "parallel", "parallel"]} ins(%[[ACT]], %[[V]] : {{.*}}) outs(%[[M]] :
//       CHECK:   %[[NZ:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[ACT]] : {{.*}}) outs(%[[Z]] :
//       CHECK:   return %[[NM]], %[[NZ]]
func.func @update_linear(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>,
    %m: tensor<1x2x8x4xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>,
               tensor<1x2x16x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x4xf32>, tensor<1x2x8xf32>
}

// -----

/// Delta update: first read the memory with the keys (numerator, clamped
/// denominator), subtract it from V, then write the residual.
// CHECK-LABEL: func.func @update_delta(
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x16x4xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//       CHECK:   %[[ACT:.+]] = linalg.generic {{.*}} ins(%[[K]] :
//       CHECK:   %[[NUM:.+]] = linalg.generic {{.*}} ins(%[[ACT]], %[[M]] :
//       CHECK:   %[[DEN:.+]] = linalg.generic {{.*}} ins(%[[ACT]], %[[Z]] :
//       CHECK:   %[[RES:.+]] = linalg.generic {{.*}} ins(%[[V]], %[[NUM]], %[[DEN]] :
//       CHECK:     arith.maximumf
//       CHECK:     arith.divf
//       CHECK:     arith.subf
//       CHECK:   linalg.generic {{.*}} ins(%[[ACT]], %[[RES]] : {{.*}}) outs(%[[M]] :
func.func @update_delta(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>,
    %m: tensor<1x2x8x4xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>,
               tensor<1x2x16x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) rule(delta)
  return %m2, %z2 : tensor<1x2x8x4xf32>, tensor<1x2x8xf32>
}

// -----

/// Infini-attention lowers completely: no longctx op is left.
// CHECK-LABEL: func.func @infini_to_linalg(
//       CHECK:   scf.for
//       CHECK:     scf.for
//   CHECK-NOT:   longctx.
//       CHECK:   return
func.func @infini_to_linalg(%q: tensor<1x2x64x8xf32>, %k: tensor<1x1x64x8xf32>,
    %v: tensor<1x1x64x8xf32>, %g: tensor<2xf32>, %m: tensor<1x1x8x8xf32>,
    %z: tensor<1x1x8xf32>) -> (tensor<1x2x64x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) {
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x64x8xf32>,
      tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32>) gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
      segment_length(32) rule(delta) -> tensor<1x2x64x8xf32>
  return %o, %m2, %z2 : tensor<1x2x64x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>
}
