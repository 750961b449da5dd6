// RUN: longctx-opt %s --split-input-file --longctx-decompose-infini | FileCheck %s

// Cases are named @decompose_<what>. The gate is read per query head: its
// indexing map (d0, d1, d2, d3) -> (d1) is checked once, here.
// CHECK: #[[$PER_HEAD:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>

/// 300 tokens in segments of 128 (GQA, 4 query heads over 2 key/value
/// heads): an scf.for from 0 to 300 stepping by 128 carrying (output, M, z),
/// M and z starting from the op's state. Each step slices Q/K/V to
/// min(300 - s0, 128) tokens, runs causal local attention with the default
/// scale 1/sqrt(16), reads the memory from before the segment (the iter_args,
/// not the update's results), writes it, mixes the two with sigmoid(gate[h])
/// and inserts the segment into the output. The loop's three results replace
/// the op's.
// CHECK-LABEL: func.func @decompose_linear(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x300x16xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x300x16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x300x8xf32>,
//  CHECK-SAME:     %[[G:[a-zA-Z0-9_]+]]: tensor<4xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x16xf32>)
//   CHECK-DAG:   %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
//   CHECK-DAG:   %[[C0:.+]] = arith.constant 0 : index
//   CHECK-DAG:   %[[C128:.+]] = arith.constant 128 : index
//   CHECK-DAG:   %[[C300:.+]] = arith.constant 300 : index
//   CHECK-DAG:   %[[EMPTY:.+]] = tensor.empty() : tensor<1x4x300x8xf32>
//       CHECK:   %[[R:.+]]:3 = scf.for %[[S0:.+]] = %[[C0]] to %[[C300]] step %[[C128]] iter_args(%[[OUT:.+]] = %[[EMPTY]], %[[MI:.+]] = %[[M]], %[[ZI:.+]] = %[[Z]]) -> (tensor<1x4x300x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
//       CHECK:     %[[LEFT:.+]] = arith.subi %[[C300]], %[[S0]]
//       CHECK:     %[[LEN:.+]] = arith.minsi %[[LEFT]], %[[C128]]
//       CHECK:     %[[QS:.+]] = tensor.extract_slice %[[Q]][0, 0, %[[S0]], 0] [1, 4, %[[LEN]], 16] [1, 1, 1, 1] : tensor<1x4x300x16xf32> to tensor<1x4x?x16xf32>
//       CHECK:     %[[KS:.+]] = tensor.extract_slice %[[K]][0, 0, %[[S0]], 0] [1, 2, %[[LEN]], 16] [1, 1, 1, 1] : tensor<1x2x300x16xf32> to tensor<1x2x?x16xf32>
//       CHECK:     %[[VS:.+]] = tensor.extract_slice %[[V]][0, 0, %[[S0]], 0] [1, 2, %[[LEN]], 8] [1, 1, 1, 1] : tensor<1x2x300x8xf32> to tensor<1x2x?x8xf32>
//       CHECK:     %[[OS:.+]] = tensor.extract_slice %[[OUT]][0, 0, %[[S0]], 0] [1, 4, %[[LEN]], 8]
//       CHECK:     %[[LOCAL:.+]] = longctx.attention ins(%[[QS]], %[[KS]], %[[VS]] : tensor<1x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>) causal scale(2.500000e-01) -> tensor<1x4x?x8xf32>
//       CHECK:     %[[READ:.+]] = longctx.memory_retrieve ins(%[[QS]], %[[MI]], %[[ZI]] : tensor<1x4x?x16xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>) -> tensor<1x4x?x8xf32>
//       CHECK:     %[[NM:.+]], %[[NZ:.+]] = longctx.memory_update ins(%[[KS]], %[[VS]], %[[MI]], %[[ZI]] : tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>) rule(linear)
//       CHECK:     %[[MIX:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #[[$PER_HEAD]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[READ]], %[[LOCAL]], %[[G]] : tensor<1x4x?x8xf32>, tensor<1x4x?x8xf32>, tensor<4xf32>) outs(%[[OS]] : tensor<1x4x?x8xf32>)
//       CHECK:     ^bb0(%[[AMEM:.+]]: f32, %[[ADOT:.+]]: f32, %[[BETA:.+]]: f32, %{{.+}}: f32):
//       CHECK:       %[[NEG:.+]] = arith.negf %[[BETA]]
//       CHECK:       %[[EXP:.+]] = math.exp %[[NEG]]
//       CHECK:       %[[DEN:.+]] = arith.addf %[[EXP]], %[[ONE]]
//       CHECK:       %[[SIG:.+]] = arith.divf %[[ONE]], %[[DEN]]
//       CHECK:       %[[WMEM:.+]] = arith.mulf %[[SIG]], %[[AMEM]]
//       CHECK:       %[[REST:.+]] = arith.subf %[[ONE]], %[[SIG]]
//       CHECK:       %[[WDOT:.+]] = arith.mulf %[[REST]], %[[ADOT]]
//       CHECK:       %[[SUM:.+]] = arith.addf %[[WMEM]], %[[WDOT]]
//       CHECK:       linalg.yield %[[SUM]] : f32
//       CHECK:     %[[INS:.+]] = tensor.insert_slice %[[MIX]] into %[[OUT]][0, 0, %[[S0]], 0] [1, 4, %[[LEN]], 8] [1, 1, 1, 1] : tensor<1x4x?x8xf32> into tensor<1x4x300x8xf32>
//       CHECK:     scf.yield %[[INS]], %[[NM]], %[[NZ]] : tensor<1x4x300x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>
//   CHECK-NOT:   longctx.infini_attention
//       CHECK:   return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @decompose_linear(%q: tensor<1x4x300x16xf32>, %k: tensor<1x2x300x16xf32>,
    %v: tensor<1x2x300x8xf32>, %g: tensor<4xf32>, %m: tensor<1x2x16x8xf32>,
    %z: tensor<1x2x16xf32>) -> (tensor<1x4x300x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>) {
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x4x300x16xf32>,
      tensor<1x2x300x16xf32>, tensor<1x2x300x8xf32>) gate(%g : tensor<4xf32>)
      memory(%m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
      segment_length(128) rule(linear) -> tensor<1x4x300x8xf32>
  return %o, %m2, %z2 : tensor<1x4x300x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>
}

// -----

/// With memory_inputs the memory is read with the memory_query slice and
/// written with the memory_key slice (and the value slice), while the local
/// attention keeps Q and K; the rule and eps carry over to both memory ops.
// CHECK-LABEL: func.func @decompose_memory_inputs(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<1x1x64x8xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x1x64x8xf32>, %[[QM:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32>, %[[KM:[a-zA-Z0-9_]+]]: tensor<1x1x64x8xf32>,
//  CHECK-SAME:     %[[G:[a-zA-Z0-9_]+]]: tensor<2xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x1x8x8xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x1x8xf32>)
//   CHECK-DAG:   %[[C32:.+]] = arith.constant 32 : index
//       CHECK:   scf.for %[[S0:.+]] = %{{.+}} to %{{.+}} step %[[C32]] iter_args(%{{.+}} = %{{.+}}, %[[MI:.+]] = %[[M]], %[[ZI:.+]] = %[[Z]])
//   CHECK-DAG:     %[[QS:.+]] = tensor.extract_slice %[[Q]][0, 0, %[[S0]], 0]
//   CHECK-DAG:     %[[KS:.+]] = tensor.extract_slice %[[K]][0, 0, %[[S0]], 0]
//   CHECK-DAG:     %[[VS:.+]] = tensor.extract_slice %[[V]][0, 0, %[[S0]], 0]
//   CHECK-DAG:     %[[QMS:.+]] = tensor.extract_slice %[[QM]][0, 0, %[[S0]], 0]
//   CHECK-DAG:     %[[KMS:.+]] = tensor.extract_slice %[[KM]][0, 0, %[[S0]], 0]
//       CHECK:     longctx.attention ins(%[[QS]], %[[KS]], %[[VS]] : {{.*}}) causal
//       CHECK:     longctx.memory_retrieve ins(%[[QMS]], %[[MI]], %[[ZI]] : {{.*}}) eps(1.000000e-03)
//       CHECK:     longctx.memory_update ins(%[[KMS]], %[[VS]], %[[MI]], %[[ZI]] : {{.*}}) rule(delta) eps(1.000000e-03)
func.func @decompose_memory_inputs(%q: tensor<1x2x64x8xf32>, %k: tensor<1x1x64x8xf32>,
    %v: tensor<1x1x64x8xf32>, %mq: tensor<1x2x64x8xf32>, %mk: tensor<1x1x64x8xf32>,
    %g: tensor<2xf32>, %m: tensor<1x1x8x8xf32>, %z: tensor<1x1x8xf32>) -> tensor<1x2x64x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x64x8xf32>,
      tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32>) gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
      memory_inputs(%mq, %mk : tensor<1x2x64x8xf32>, tensor<1x1x64x8xf32>)
      segment_length(32) rule(delta) eps(1.0e-3) -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}

// -----

/// A dynamic sequence length bounds the loop with tensor.dim and sizes the
/// output with it; an explicit scale is kept. f16 activations are mixed in
/// f32 (the gate's type): extended before the mix, truncated after.
// CHECK-LABEL: func.func @decompose_dynamic_f16(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x2x?x8xf16>,
//   CHECK-DAG:   %[[C2:.+]] = arith.constant 2 : index
//   CHECK-DAG:   %[[C16:.+]] = arith.constant 16 : index
//   CHECK-DAG:   %[[N:.+]] = tensor.dim %[[Q]], %[[C2]] : tensor<1x2x?x8xf16>
//   CHECK-DAG:   %[[EMPTY:.+]] = tensor.empty(%{{.+}}) : tensor<1x2x?x8xf16>
//       CHECK:   scf.for %[[S0:.+]] = %{{.+}} to %[[N]] step %[[C16]] iter_args(%{{.+}} = %[[EMPTY]],
//       CHECK:     %[[LEFT:.+]] = arith.subi %[[N]], %[[S0]]
//       CHECK:     arith.minsi %[[LEFT]], %[[C16]]
//       CHECK:     %[[LOCAL:.+]] = longctx.attention {{.*}} causal scale(5.000000e-01) -> tensor<1x2x?x8xf16>
//       CHECK:     %[[READ:.+]] = longctx.memory_retrieve {{.*}} -> tensor<1x2x?x8xf16>
//       CHECK:     longctx.memory_update {{.*}} rule(delta)
//       CHECK:     linalg.generic {{.*}} ins(%[[READ]], %[[LOCAL]], %{{.+}} : tensor<1x2x?x8xf16>, tensor<1x2x?x8xf16>, tensor<2xf32>)
//       CHECK:     ^bb0(%[[AMEM:.+]]: f16, %[[ADOT:.+]]: f16, %{{.+}}: f32, %{{.+}}: f16):
//       CHECK:       arith.extf %[[AMEM]] : f16 to f32
//       CHECK:       arith.extf %[[ADOT]] : f16 to f32
//       CHECK:       %[[SUM:.+]] = arith.addf
//       CHECK:       %[[T:.+]] = arith.truncf %[[SUM]] : f32 to f16
//       CHECK:       linalg.yield %[[T]] : f16
func.func @decompose_dynamic_f16(%q: tensor<1x2x?x8xf16>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>)
    -> (tensor<1x2x?x8xf16>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %q, %q : tensor<1x2x?x8xf16>,
      tensor<1x2x?x8xf16>, tensor<1x2x?x8xf16>) gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(16) rule(delta) scale(0.5) -> tensor<1x2x?x8xf16>
  return %o, %m2, %z2 : tensor<1x2x?x8xf16>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// A result type less static than the inputs (allowed by the verifier) is
/// reached with a tensor.cast of the loop's output.
// CHECK-LABEL: func.func @decompose_cast_result(
//       CHECK:   %[[R:.+]]:3 = scf.for
//       CHECK:   %[[CAST:.+]] = tensor.cast %[[R]]#0 : tensor<1x2x64x8xf32> to tensor<1x2x?x8xf32>
//       CHECK:   return %[[CAST]] : tensor<1x2x?x8xf32>
func.func @decompose_cast_result(%x: tensor<1x2x64x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x?x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
      tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(16) rule(linear) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// -----

/// With a dynamic head dim and no scale attribute, the local attention keeps
/// the default scale (1/sqrt(d) at run time) instead of a NaN constant.
// CHECK-LABEL: func.func @decompose_dynamic_head_dim(
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>) causal -> tensor<1x2x?x?xf32>
func.func @decompose_dynamic_head_dim(%q: tensor<1x2x64x?xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x64x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %q, %q : tensor<1x2x64x?xf32>,
      tensor<1x2x64x?xf32>, tensor<1x2x64x?xf32>) gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(16) rule(linear) -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
