// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg | FileCheck %s

// Lowering of the compressive-memory ops and of infini_attention by
// convert-longctx-to-linalg. sigma(x) = ELU(x) + 1 is select(x > 0, x + 1,
// exp(x)); reads and writes are matmul-like linalg.generic reductions in the
// state type (f32, or f64 for f64 inputs). Cases are named
// @<op>_<variant>. The indexing maps that make a generic a contraction are
// checked where the module that uses them starts (before its CHECK-LABEL),
// into global ($) variables.

/// memory_retrieve with GQA (4 query heads over 2 memories): the queries are
/// viewed as [B, Hkv, G, S, d] with expand_shape, activated with ELU+1, then
/// the numerator sigma(Q) M (loops b, h, g, s, c, e: c reduced, e innermost)
/// and the denominator sigma(Q) z (c reduced), both from zero-filled inits,
/// then num / max(den, eps) with the default eps 1e-6 (rounded to f32), and
/// the group dimension folded back into the heads.
// CHECK-DAG: #[[$RD_ACT:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[$RD_MEM:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d5)>
// CHECK-DAG: #[[$RD_NUM:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d5)>
// CHECK-DAG: #[[$RD_NORM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>
// CHECK-LABEL: func.func @retrieve_gqa(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x16x8xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//   CHECK-DAG:   %[[EPS:.+]] = arith.constant 9.99999997E-7 : f32
//   CHECK-DAG:   %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
//   CHECK-DAG:   %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
//       CHECK:   %[[Q5:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 16, 8] : tensor<1x4x16x8xf32> into tensor<1x2x2x16x8xf32>
//       CHECK:   %[[ACT:.+]] = linalg.generic {{.*}} ins(%[[Q5]] : tensor<1x2x2x16x8xf32>)
//       CHECK:     ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
//       CHECK:       %[[POS:.+]] = arith.cmpf ogt, %[[X]], %[[ZERO]]
//       CHECK:       %[[LIN:.+]] = arith.addf %[[X]], %[[ONE]]
//       CHECK:       %[[EXP:.+]] = math.exp %[[X]]
//       CHECK:       %[[SIGMA:.+]] = arith.select %[[POS]], %[[LIN]], %[[EXP]]
//       CHECK:       linalg.yield %[[SIGMA]]
//       CHECK:   %[[NUM0:.+]] = linalg.fill ins(%[[ZERO]] : f32) {{.*}} -> tensor<1x2x2x16x4xf32>
//       CHECK:   %[[NUM:.+]] = linalg.generic {indexing_maps = [#[[$RD_ACT]], #[[$RD_MEM]], #[[$RD_NUM]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[ACT]], %[[M]] : tensor<1x2x2x16x8xf32>, tensor<1x2x8x4xf32>) outs(%[[NUM0]] :
//       CHECK:       arith.mulf
//       CHECK:       arith.addf
//       CHECK:   %[[DEN0:.+]] = linalg.fill ins(%[[ZERO]] : f32) {{.*}} -> tensor<1x2x2x16xf32>
//       CHECK:   %[[DEN:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #[[$RD_NORM]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[ACT]], %[[Z]] : tensor<1x2x2x16x8xf32>, tensor<1x2x8xf32>) outs(%[[DEN0]] :
//       CHECK:   %[[READ:.+]] = linalg.generic {{.*}} ins(%[[NUM]], %[[DEN]] : tensor<1x2x2x16x4xf32>, tensor<1x2x2x16xf32>)
//       CHECK:     ^bb0(%[[N:.+]]: f32, %[[D:.+]]: f32, %{{.+}}: f32):
//       CHECK:       %[[CL:.+]] = arith.maximumf %[[D]], %[[EPS]]
//       CHECK:       %[[QUOT:.+]] = arith.divf %[[N]], %[[CL]]
//       CHECK:       linalg.yield %[[QUOT]] : f32
//       CHECK:   %[[RES:.+]] = tensor.collapse_shape %[[READ]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
//       CHECK:   return %[[RES]]
func.func @retrieve_gqa(%q: tensor<1x4x16x8xf32>, %m: tensor<1x2x8x4xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x4x16x4xf32> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x4x16x8xf32>,
         tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) -> tensor<1x4x16x4xf32>
  return %a : tensor<1x4x16x4xf32>
}

// -----

/// f16 queries (one memory per head, so a group of 1) with a dynamic
/// sequence length and eps(1e-3): sigma is computed in f32 after an extf, the
/// clamp uses the given eps, the read is truncated back to f16, and the
/// dynamic length flows through expand_shape and collapse_shape.
// CHECK-LABEL: func.func @retrieve_f16_dynamic_eps(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<2x2x?x8xf16>, %[[M:[a-zA-Z0-9_]+]]: tensor<2x2x8x4xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<2x2x8xf32>)
//   CHECK-DAG:   %[[EPS:.+]] = arith.constant 1.000000e-03 : f32
//   CHECK-DAG:   %[[C2:.+]] = arith.constant 2 : index
//       CHECK:   %[[S:.+]] = tensor.dim %[[Q]], %[[C2]]
//       CHECK:   %[[Q5:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2], [3], [4]] output_shape [2, 2, 1, %[[S]], 8] : tensor<2x2x?x8xf16> into tensor<2x2x1x?x8xf16>
//       CHECK:   linalg.generic {{.*}} ins(%[[Q5]] : tensor<2x2x1x?x8xf16>) outs(%{{.+}} : tensor<2x2x1x?x8xf32>)
//       CHECK:     ^bb0(%[[X:.+]]: f16, %{{.+}}: f32):
//       CHECK:       arith.extf %[[X]] {{.*}}: f16 to f32
//       CHECK:   linalg.generic {{.*}} ins(%{{.+}}, %[[M]] :
//       CHECK:   linalg.generic {{.*}} ins(%{{.+}}, %[[Z]] :
//       CHECK:   %[[READ:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<2x2x1x?x4xf16>)
//       CHECK:     ^bb0(%[[N:.+]]: f32, %[[D:.+]]: f32, %{{.+}}: f16):
//       CHECK:       %[[CL:.+]] = arith.maximumf %[[D]], %[[EPS]]
//       CHECK:       %[[QUOT:.+]] = arith.divf %[[N]], %[[CL]]
//       CHECK:       %[[T:.+]] = arith.truncf %[[QUOT]] {{.*}}: f32 to f16
//       CHECK:       linalg.yield %[[T]] : f16
//       CHECK:   tensor.collapse_shape %[[READ]] {{\[}}[0], [1, 2], [3], [4]] : tensor<2x2x1x?x4xf16> into tensor<2x2x?x4xf16>
func.func @retrieve_f16_dynamic_eps(%q: tensor<2x2x?x8xf16>, %m: tensor<2x2x8x4xf32>,
    %z: tensor<2x2x8xf32>) -> tensor<2x2x?x4xf16> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<2x2x?x8xf16>,
         tensor<2x2x8x4xf32>, tensor<2x2x8xf32>) eps(1.0e-3) -> tensor<2x2x?x4xf16>
  return %a : tensor<2x2x?x4xf16>
}

// -----

/// f64 queries with an f64 state are computed in f64 throughout: the default
/// eps is an f64 constant and nothing is extended or truncated.
// CHECK-LABEL: func.func @retrieve_f64(
//   CHECK-DAG:   %[[EPS:.+]] = arith.constant 9.9999999999999995E-7 : f64
//   CHECK-NOT:   arith.extf
//       CHECK:   arith.maximumf %{{.+}}, %[[EPS]] {{.*}}: f64
//   CHECK-NOT:   arith.truncf
//       CHECK:   tensor.collapse_shape {{.*}} into tensor<1x2x16x8xf64>
func.func @retrieve_f64(%q: tensor<1x2x16x8xf64>, %m: tensor<1x2x8x8xf64>,
    %z: tensor<1x2x8xf64>) -> tensor<1x2x16x8xf64> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf64>,
         tensor<1x2x8x8xf64>, tensor<1x2x8xf64>) -> tensor<1x2x16x8xf64>
  return %a : tensor<1x2x16x8xf64>
}

// -----

/// Linear update: M' = M + sigma(K)^T V accumulated into M (loops b, h, t, c,
/// e with the token dim t reduced) and z' = z + sum_t sigma(K) accumulated
/// into z (loops b, h, c, t). No memory read, so no clamp and no residual.
// CHECK-DAG: #[[$UP_KEY:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$UP_VAL:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$UP_MEM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[$UP_NKEY:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>
// CHECK-DAG: #[[$UP_NORM:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @update_linear(
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x16x4xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//       CHECK:   %[[ACT:.+]] = linalg.generic {{.*}} ins(%[[K]] :
//       CHECK:     arith.select
//   CHECK-NOT:   arith.maximumf
//   CHECK-NOT:   arith.subf
//       CHECK:   %[[NM:.+]] = linalg.generic {indexing_maps = [#[[$UP_KEY]], #[[$UP_VAL]], #[[$UP_MEM]]], iterator_types = ["parallel", "parallel", "reduction", "parallel", "parallel"]} ins(%[[ACT]], %[[V]] : tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>) outs(%[[M]] : tensor<1x2x8x4xf32>)
//       CHECK:     ^bb0(%[[A:.+]]: f32, %[[B:.+]]: f32, %[[ACC:.+]]: f32):
//       CHECK:       %[[P:.+]] = arith.mulf %[[A]], %[[B]]
//       CHECK:       %[[S:.+]] = arith.addf %[[ACC]], %[[P]]
//       CHECK:       linalg.yield %[[S]]
//   CHECK-NOT:   arith.maximumf
//   CHECK-NOT:   arith.subf
//       CHECK:   %[[NZ:.+]] = linalg.generic {indexing_maps = [#[[$UP_NKEY]], #[[$UP_NORM]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[ACT]] : tensor<1x2x16x8xf32>) outs(%[[Z]] : tensor<1x2x8xf32>)
//   CHECK-NOT:   arith.maximumf
//   CHECK-NOT:   arith.subf
//       CHECK:   return %[[NM]], %[[NZ]]
func.func @update_linear(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>,
    %m: tensor<1x2x8x4xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>,
               tensor<1x2x16x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x4xf32>, tensor<1x2x8xf32>
}

// -----

/// Delta update: first read the memory with the keys (numerator from M,
/// denominator from z, both from the old state), subtract the clamped read
/// from V, then write the residual into M; z' still sums sigma(K) only.
// CHECK-LABEL: func.func @update_delta(
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x16x4xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//   CHECK-DAG:   %[[EPS:.+]] = arith.constant 9.99999997E-7 : f32
//       CHECK:   %[[ACT:.+]] = linalg.generic {{.*}} ins(%[[K]] :
//       CHECK:   %[[NUM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[ACT]], %[[M]] :
//       CHECK:   %[[DEN:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[ACT]], %[[Z]] :
//       CHECK:   %[[RES:.+]] = linalg.generic {{.*}} ins(%[[V]], %[[NUM]], %[[DEN]] : tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16xf32>)
//       CHECK:     ^bb0(%[[VE:.+]]: f32, %[[N:.+]]: f32, %[[D:.+]]: f32, %{{.+}}: f32):
//       CHECK:       %[[CL:.+]] = arith.maximumf %[[D]], %[[EPS]]
//       CHECK:       %[[SEEN:.+]] = arith.divf %[[N]], %[[CL]]
//       CHECK:       %[[DIFF:.+]] = arith.subf %[[VE]], %[[SEEN]]
//       CHECK:       linalg.yield %[[DIFF]]
//       CHECK:   %[[NM:.+]] = linalg.generic {{.*}} ins(%[[ACT]], %[[RES]] : {{.*}}) outs(%[[M]] :
//       CHECK:   %[[NZ:.+]] = linalg.generic {{.*}} ins(%[[ACT]] : {{.*}}) outs(%[[Z]] :
//       CHECK:   return %[[NM]], %[[NZ]]
func.func @update_delta(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>,
    %m: tensor<1x2x8x4xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>,
               tensor<1x2x16x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) rule(delta)
  return %m2, %z2 : tensor<1x2x8x4xf32>, tensor<1x2x8xf32>
}

// -----

/// f16 keys and values with an f32 state and eps(0.5): sigma is computed in
/// f32, and the values are extended to f32 before the residual.
// CHECK-LABEL: func.func @update_delta_f16_eps(
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf16>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x16x4xf16>,
//   CHECK-DAG:   %[[EPS:.+]] = arith.constant 5.000000e-01 : f32
//       CHECK:   linalg.generic {{.*}} ins(%[[K]] : tensor<1x2x16x8xf16>) outs(%{{.+}} : tensor<1x2x16x8xf32>)
//       CHECK:     arith.extf %{{.+}} : f16 to f32
//       CHECK:   linalg.generic {{.*}} ins(%[[V]], %{{.+}}, %{{.+}} : tensor<1x2x16x4xf16>, tensor<1x2x16x4xf32>, tensor<1x2x16xf32>) outs(%{{.+}} : tensor<1x2x16x4xf32>)
//       CHECK:     ^bb0(%[[VE:.+]]: f16, %{{.+}}: f32, %[[D:.+]]: f32, %{{.+}}: f32):
//       CHECK:       arith.maximumf %[[D]], %[[EPS]]
//       CHECK:       %[[VX:.+]] = arith.extf %[[VE]] {{.*}}: f16 to f32
//       CHECK:       arith.subf %[[VX]],
func.func @update_delta_f16_eps(%k: tensor<1x2x16x8xf16>, %v: tensor<1x2x16x4xf16>,
    %m: tensor<1x2x8x4xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf16>,
               tensor<1x2x16x4xf16>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) rule(delta) eps(0.5)
  return %m2, %z2 : tensor<1x2x8x4xf32>, tensor<1x2x8xf32>
}

// -----

/// Infini-attention lowers completely, in one pass: it is decomposed into
/// the segment loop, whose local attention, memory read, memory write and
/// gate are lowered in turn. No longctx op is left anywhere in the function.
// CHECK-LABEL: func.func @infini_to_linalg(
//   CHECK-NOT:   longctx.
//       CHECK:   %[[R:.+]]:3 = scf.for {{.*}} -> (tensor<1x2x64x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
//   CHECK-NOT:     longctx.
//       CHECK:     scf.forall
//   CHECK-NOT:     longctx.
//       CHECK:     arith.maximumf
//   CHECK-NOT:     longctx.
//       CHECK:     arith.subf
//   CHECK-NOT:     longctx.
//       CHECK:     arith.negf
//   CHECK-NOT:     longctx.
//       CHECK:     scf.yield {{.*}} : tensor<1x2x64x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>
//   CHECK-NOT:   longctx.
//       CHECK:   return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @infini_to_linalg(%q: tensor<1x2x64x8xf32>, %k: tensor<1x1x64x8xf32>,
    %v: tensor<1x1x64x8xf32>, %g: tensor<2xf32>, %m: tensor<1x1x8x8xf32>,
    %z: tensor<1x1x8xf32>) -> (tensor<1x2x64x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) {
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x64x8xf32>,
      tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32>) gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
      segment_length(32) rule(delta) -> tensor<1x2x64x8xf32>
  return %o, %m2, %z2 : tensor<1x2x64x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>
}

// -----

/// With memory_inputs and a dynamic sequence length the lowering is also
/// complete.
// CHECK-LABEL: func.func @infini_memory_inputs_dynamic_to_linalg(
//   CHECK-NOT:   longctx.
//       CHECK:   scf.for
//   CHECK-NOT:   longctx.
//       CHECK:   return
func.func @infini_memory_inputs_dynamic_to_linalg(%q: tensor<1x2x?x8xf32>,
    %k: tensor<1x1x?x8xf32>, %v: tensor<1x1x?x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x1x8x8xf32>, %z: tensor<1x1x8xf32>) -> tensor<1x2x?x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x?x8xf32>,
      tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
      memory_inputs(%q, %k : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>)
      segment_length(16) rule(linear) eps(1.0e-4) scale(0.5) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// -----

/// A compatible but differently static result type gets a tensor.cast.
// CHECK-LABEL: func.func @retrieve_result_cast(
//       CHECK:   %[[C:.+]] = tensor.collapse_shape %{{.+}} : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
//       CHECK:   tensor.cast %[[C]] : tensor<1x4x16x4xf32> to tensor<1x4x?x4xf32>
func.func @retrieve_result_cast(%q: tensor<1x4x16x8xf32>, %m: tensor<1x2x8x4xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x4x?x4xf32> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x4x16x8xf32>,
         tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) -> tensor<1x4x?x4xf32>
  return %a : tensor<1x4x?x4xf32>
}

// -----

/// f32 with dv = 32, a multiple of the 16 lanes: the numerator sigma(Q) M is
/// the score kernel's register blocks on M packed into panels (one tile of
/// d = 8 rows, 2 vectors of 16 columns), started from zero; the denominator
/// stays a generic.
// CHECK-LABEL: func.func @retrieve_kernel(
//  CHECK-SAME:     %{{.+}}: tensor<1x2x16x8xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x32xf32>
//       CHECK:   %[[MS:.+]] = tensor.expand_shape %[[M]] {{\[}}[0], [1], [2, 3], [4, 5]] output_shape [1, 2, 1, 8, 1, 32]
//       CHECK:   %[[MP:.+]] = linalg.generic {{.*}} ins(%[[MS]] : tensor<1x2x1x8x1x32xf32>) outs(%{{.+}} : tensor<1x2x1x1x8x32xf32>)
//       CHECK:   scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>
//       CHECK:     vector.transfer_read %[[MP]]
//       CHECK:     vector.fma
//   CHECK-NOT:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
func.func @retrieve_kernel(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x32xf32>,
                           %z: tensor<1x2x8xf32>) -> tensor<1x2x16x32xf32> {
  %r = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<1x2x8x32xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x32xf32>
  return %r : tensor<1x2x16x32xf32>
}

// -----

/// f32 delta update with dv = 32 and 512 tokens: the read sigma(K) M runs on
/// the register-blocked kernel from zero (M packed as one depth tile of
/// d = 8), and the write M' = M + sigma(K)^T R on the same kernel with the
/// keys read transposed (sigma(K)[t, row]) and the residual R packed into
/// 2 depth tiles of 256 tokens, accumulated into M tile after tile. Neither
/// product is a contraction generic any more; z' still is one.
// CHECK-LABEL: func.func @update_delta_kernel(
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x512x8xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x512x32xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x32xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//   CHECK-NOT:   iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]
//       CHECK:   %[[ACT:.+]] = linalg.generic {{.*}} ins(%[[K]] :
//       CHECK:   %[[ACT5:.+]] = tensor.expand_shape %[[ACT]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 512, 8]
//       CHECK:   %[[MS:.+]] = tensor.expand_shape %[[M]] {{\[}}[0], [1], [2, 3], [4, 5]] output_shape [1, 2, 1, 8, 1, 32]
//       CHECK:   %[[MP:.+]] = linalg.generic {{.*}} ins(%[[MS]] : tensor<1x2x1x8x1x32xf32>) outs(%{{.+}} : tensor<1x2x1x1x8x32xf32>)
//       CHECK:   scf.for {{.*}} -> (tensor<1x2x1x512x32xf32>)
//       CHECK:     scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>,
//       CHECK:       vector.transfer_read %[[MP]]
//       CHECK:       tensor.extract %[[ACT5]]
//       CHECK:       vector.fma
//       CHECK:   %[[SEEN:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x1x512x32xf32> into tensor<1x2x512x32xf32>
//       CHECK:   %[[RES:.+]] = linalg.generic {{.*}} ins(%[[V]], %[[SEEN]], %{{.+}} :
//       CHECK:   %[[ACTW:.+]] = tensor.expand_shape %[[ACT]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 512, 8]
//       CHECK:   %[[M5:.+]] = tensor.expand_shape %[[M]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 8, 32]
//       CHECK:   %[[RS:.+]] = tensor.expand_shape %[[RES]] {{\[}}[0], [1], [2, 3], [4, 5]] output_shape [1, 2, 2, 256, 1, 32]
//       CHECK:   %[[RP:.+]] = linalg.generic {{.*}} ins(%[[RS]] : tensor<1x2x2x256x1x32xf32>) outs(%{{.+}} : tensor<1x2x2x1x256x32xf32>)
//       CHECK:   %[[NM5:.+]] = scf.for %[[T:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %[[M5]]) -> (tensor<1x2x1x8x32xf32>)
//       CHECK:     %[[T0:.+]] = arith.muli %[[T]], %{{.+}} : index
//       CHECK:     scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>,
//       CHECK:       vector.transfer_read %[[RP]][%{{.+}}, %{{.+}}, %[[T]], %{{.+}}, %[[J:[a-z0-9_]+]], %{{.+}}]
//       CHECK:       %[[TOK:.+]] = arith.addi %{{.+}}, %[[J]] : index
//       CHECK:       tensor.extract %[[ACTW]][%{{.+}}, %{{.+}}, %{{.+}}, %[[TOK]], %{{.+}}] : tensor<1x2x1x512x8xf32>
//       CHECK:       vector.fma
//       CHECK:   %[[NM:.+]] = tensor.collapse_shape %[[NM5]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x1x8x32xf32> into tensor<1x2x8x32xf32>
//   CHECK-NOT:   iterator_types = ["parallel", "parallel", "reduction", "parallel", "parallel"]
//       CHECK:   %[[NZ:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[ACT]] : {{.*}}) outs(%[[Z]] :
//       CHECK:   return %[[NM]], %[[NZ]]
func.func @update_delta_kernel(%k: tensor<1x2x512x8xf32>, %v: tensor<1x2x512x32xf32>,
    %m: tensor<1x2x8x32xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x32xf32>, tensor<1x2x8xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x512x8xf32>,
               tensor<1x2x512x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8xf32>) rule(delta)
  return %m2, %z2 : tensor<1x2x8x32xf32>, tensor<1x2x8xf32>
}

// -----

/// A linear update of a dynamic number of f16 tokens: the keys are read
/// transposed from sigma(K) in f32, the f16 values packed (extended, and
/// zeroed past the last token) into depth tiles of 256, and the loop over
/// tiles covers ceil(S / 256) of them, the last one S - 256 t tokens long.
// CHECK-LABEL: func.func @update_linear_dynamic_kernel(
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x1x?x8xf16>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x1x?x16xf16>
//   CHECK-DAG:   %[[C256:.+]] = arith.constant 256 : index
//       CHECK:   %[[S:.+]] = tensor.dim %[[V]], %{{.+}}
//       CHECK:   %[[VP:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<1x1x?x1x256x16xf32>)
//       CHECK:     %[[IN:.+]] = arith.cmpi slt, %{{.+}}, %{{.+}} : index
//       CHECK:     tensor.extract %[[V]]
//       CHECK:     arith.extf
//       CHECK:     arith.select %[[IN]]
//       CHECK:   %[[NT:.+]] = arith.ceildivsi %[[S]], %[[C256]] : index
//       CHECK:   scf.for %[[T:.+]] = %{{.+}} to %[[NT]] step
//       CHECK:     %[[T0:.+]] = arith.muli %[[T]], %[[C256]] : index
//       CHECK:     %[[LEFT:.+]] = arith.subi %[[S]], %[[T0]] : index
//       CHECK:     %[[LEN:.+]] = arith.minsi %[[LEFT]], %[[C256]] : index
//       CHECK:     scf.for %{{.+}} = %{{.+}} to %[[LEN]] step %{{.+}} iter_args({{.*}}) -> (vector<16xf32>
//       CHECK:       vector.transfer_read %[[VP]]
//       CHECK:       vector.fma
func.func @update_linear_dynamic_kernel(%k: tensor<1x1x?x8xf16>, %v: tensor<1x1x?x16xf16>,
    %m: tensor<1x1x8x16xf32>, %z: tensor<1x1x8xf32>) -> (tensor<1x1x8x16xf32>, tensor<1x1x8xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x1x?x8xf16>,
               tensor<1x1x?x16xf16>, tensor<1x1x8x16xf32>, tensor<1x1x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x1x8x16xf32>, tensor<1x1x8xf32>
}
