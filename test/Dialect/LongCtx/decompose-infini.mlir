// RUN: longctx-opt %s --split-input-file --longctx-decompose-infini | FileCheck %s

/// 300 tokens in segments of 128: an scf.for stepping by 128 carrying the
/// output, M and z; each step slices Q/K/V to min(128, 300 - s0) tokens, runs
/// causal local attention, reads the memory from before the segment, writes
/// it, and mixes the two with sigmoid(gate).
// CHECK-LABEL: func.func @decompose_linear(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x300x16xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x300x16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x300x8xf32>,
//  CHECK-SAME:     %[[G:[a-zA-Z0-9_]+]]: tensor<4xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32>, %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x16xf32>)
//   CHECK-DAG:   %[[C128:.+]] = arith.constant 128 : index
//   CHECK-DAG:   %[[C300:.+]] = arith.constant 300 : index
//       CHECK:   %[[R:.+]]:3 = scf.for %[[S0:.+]] = %{{.+}} to %[[C300]] step %[[C128]] iter_args(%[[OUT:.+]] = %{{.+}}, %[[MI:.+]] = %[[M]], %[[ZI:.+]] = %[[Z]])
//       CHECK:     %[[LEFT:.+]] = arith.subi %[[C300]], %[[S0]]
//       CHECK:     %[[LEN:.+]] = arith.minsi %[[LEFT]], %[[C128]]
//       CHECK:     %[[QS:.+]] = tensor.extract_slice %[[Q]][0, 0, %[[S0]], 0] [1, 4, %[[LEN]], 16]
//       CHECK:     %[[KS:.+]] = tensor.extract_slice %[[K]][0, 0, %[[S0]], 0] [1, 2, %[[LEN]], 16]
//       CHECK:     %[[VS:.+]] = tensor.extract_slice %[[V]][0, 0, %[[S0]], 0] [1, 2, %[[LEN]], 8]
//       CHECK:     %[[LOCAL:.+]] = longctx.attention ins(%[[QS]], %[[KS]], %[[VS]] : {{.*}}) causal scale(2.500000e-01)
//       CHECK:     %[[READ:.+]] = longctx.memory_retrieve ins(%[[QS]], %[[MI]], %[[ZI]] :
//       CHECK:     %[[NM:.+]], %[[NZ:.+]] = longctx.memory_update ins(%[[KS]], %[[VS]], %[[MI]], %[[ZI]] : {{.*}}) rule(linear)
//       CHECK:     %[[MIX:.+]] = linalg.generic {{.*}} ins(%[[READ]], %[[LOCAL]], %[[G]] :
//       CHECK:       arith.negf
//       CHECK:       math.exp
//       CHECK:       arith.divf
//       CHECK:     %[[INS:.+]] = tensor.insert_slice %[[MIX]] into %[[OUT]][0, 0, %[[S0]], 0] [1, 4, %[[LEN]], 8]
//       CHECK:     scf.yield %[[INS]], %[[NM]], %[[NZ]]
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

/// With memory_inputs the memory is read with the mq slice and written with
/// the mk slice, while local attention keeps q and k; eps and rule carry over.
// CHECK-LABEL: func.func @decompose_memory_inputs(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<1x1x64x8xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x1x64x8xf32>, %[[MQ:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32>, %[[MK:[a-zA-Z0-9_]+]]: tensor<1x1x64x8xf32>
//       CHECK:   scf.for %[[S0:.+]] = {{.*}} iter_args(
//   CHECK-DAG:     %[[QS:.+]] = tensor.extract_slice %[[Q]][0, 0, %[[S0]], 0]
//   CHECK-DAG:     %[[KS:.+]] = tensor.extract_slice %[[K]][0, 0, %[[S0]], 0]
//   CHECK-DAG:     %[[MQS:.+]] = tensor.extract_slice %[[MQ]][0, 0, %[[S0]], 0]
//   CHECK-DAG:     %[[MKS:.+]] = tensor.extract_slice %[[MK]][0, 0, %[[S0]], 0]
//       CHECK:     longctx.attention ins(%[[QS]], %[[KS]],
//       CHECK:     longctx.memory_retrieve ins(%[[MQS]], {{.*}}) eps(1.000000e-03)
//       CHECK:     longctx.memory_update ins(%[[MKS]], {{.*}}) rule(delta) eps(1.000000e-03)
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
