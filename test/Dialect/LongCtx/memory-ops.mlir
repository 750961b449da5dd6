// RUN: longctx-opt %s | longctx-opt | FileCheck %s
// RUN: longctx-opt %s --mlir-print-op-generic | longctx-opt | FileCheck %s

// Round trip of the compressive-memory ops (memory_retrieve, memory_update)
// and of infini_attention, through the custom and the generic form. Cases are
// named @<op>_<form>. `eps` is printed only when it differs from its default
// 1.0e-6; the optional clauses of infini_attention print in the order
// memory_inputs, segment_length, rule, eps, scale.

//===----------------------------------------------------------------------===//
// memory_retrieve
//===----------------------------------------------------------------------===//

/// The example of the op documentation (LongCtxOps.td), copied verbatim:
/// 8 query heads read 2 memories (GQA), default eps.
// CHECK-LABEL: func.func @memory_retrieve_doc_example(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x8x64x32xf32>,
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x32x32xf32>,
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x32xf32>)
//       CHECK:   %[[A:.+]] = longctx.memory_retrieve ins(%[[Q]], %[[M]], %[[Z]] : tensor<1x8x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) -> tensor<1x8x64x32xf32>
//       CHECK:   return %[[A]]
func.func @memory_retrieve_doc_example(%q: tensor<1x8x64x32xf32>,
    %m: tensor<1x2x32x32xf32>, %z: tensor<1x2x32xf32>) -> tensor<1x8x64x32xf32> {
    %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x8x64x32xf32>,
           tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) -> tensor<1x8x64x32xf32>
  return %a : tensor<1x8x64x32xf32>
}

/// One memory per query head (H == Hkv) and dv != d; an eps spelled as its
/// default value is not printed.
// CHECK-LABEL: func.func @memory_retrieve_mha_default_eps(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<2x4x16x8xf32>,
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<2x4x8x12xf32>,
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<2x4x8xf32>)
//       CHECK:   longctx.memory_retrieve ins(%[[Q]], %[[M]], %[[Z]] : tensor<2x4x16x8xf32>, tensor<2x4x8x12xf32>, tensor<2x4x8xf32>) -> tensor<2x4x16x12xf32>
//   CHECK-NOT:   eps
func.func @memory_retrieve_mha_default_eps(%q: tensor<2x4x16x8xf32>,
    %m: tensor<2x4x8x12xf32>, %z: tensor<2x4x8xf32>) -> tensor<2x4x16x12xf32> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<2x4x16x8xf32>,
         tensor<2x4x8x12xf32>, tensor<2x4x8xf32>) eps(1.0e-6) -> tensor<2x4x16x12xf32>
  return %a : tensor<2x4x16x12xf32>
}

/// A non-default eps survives both forms; GQA with 4 query heads per memory.
// CHECK-LABEL: func.func @memory_retrieve_gqa_eps(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x8x16x8xf32>,
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x8xf32>,
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//       CHECK:   longctx.memory_retrieve ins(%[[Q]], %[[M]], %[[Z]] : tensor<1x8x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) eps(1.000000e-03) -> tensor<1x8x16x8xf32>
func.func @memory_retrieve_gqa_eps(%q: tensor<1x8x16x8xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x8x16x8xf32> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x8x16x8xf32>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) eps(1.0e-3) -> tensor<1x8x16x8xf32>
  return %a : tensor<1x8x16x8xf32>
}

/// f16 queries read an f32 state; the result has the query element type.
// CHECK-LABEL: func.func @memory_retrieve_f16_f32_state(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf16>,
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>,
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//       CHECK:   longctx.memory_retrieve ins(%[[Q]], %[[M]], %[[Z]] : tensor<1x2x16x8xf16>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x4xf16>
func.func @memory_retrieve_f16_f32_state(%q: tensor<1x2x16x8xf16>,
    %m: tensor<1x2x8x4xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x4xf16> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf16>,
         tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x4xf16>
  return %a : tensor<1x2x16x4xf16>
}

/// bf16 queries also read an f32 state.
// CHECK-LABEL: func.func @memory_retrieve_bf16_f32_state(
//       CHECK:   longctx.memory_retrieve ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<1x2x16x8xbf16>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xbf16>
func.func @memory_retrieve_bf16_f32_state(%q: tensor<1x2x16x8xbf16>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xbf16> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xbf16>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xbf16>
  return %a : tensor<1x2x16x8xbf16>
}

/// f64 queries read an f64 state, with an eps below f32's range.
// CHECK-LABEL: func.func @memory_retrieve_f64_f64_state(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf64>,
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x8xf64>,
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf64>)
//       CHECK:   longctx.memory_retrieve ins(%[[Q]], %[[M]], %[[Z]] : tensor<1x2x16x8xf64>, tensor<1x2x8x8xf64>, tensor<1x2x8xf64>) eps(1.000000e-300) -> tensor<1x2x16x8xf64>
func.func @memory_retrieve_f64_f64_state(%q: tensor<1x2x16x8xf64>,
    %m: tensor<1x2x8x8xf64>, %z: tensor<1x2x8xf64>) -> tensor<1x2x16x8xf64> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf64>,
         tensor<1x2x8x8xf64>, tensor<1x2x8xf64>) eps(1.0e-300) -> tensor<1x2x16x8xf64>
  return %a : tensor<1x2x16x8xf64>
}

/// Dynamic batch and segment length: unknown extents are compatible with
/// everything, and the result may stay dynamic.
// CHECK-LABEL: func.func @memory_retrieve_dynamic(
//       CHECK:   longctx.memory_retrieve ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<?x4x?x8xf32>, tensor<?x2x8x8xf32>, tensor<?x2x8xf32>) -> tensor<?x4x?x8xf32>
func.func @memory_retrieve_dynamic(%q: tensor<?x4x?x8xf32>,
    %m: tensor<?x2x8x8xf32>, %z: tensor<?x2x8xf32>) -> tensor<?x4x?x8xf32> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<?x4x?x8xf32>,
         tensor<?x2x8x8xf32>, tensor<?x2x8xf32>) -> tensor<?x4x?x8xf32>
  return %a : tensor<?x4x?x8xf32>
}

//===----------------------------------------------------------------------===//
// memory_update
//===----------------------------------------------------------------------===//

/// The example of the op documentation (LongCtxOps.td), copied verbatim: the
/// delta rule; the two results have the types of M and z.
// CHECK-LABEL: func.func @memory_update_doc_example(
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x64x32xf32>,
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x64x32xf32>,
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x32x32xf32>,
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x32xf32>)
//       CHECK:   %[[M2:.+]], %[[Z2:.+]] = longctx.memory_update ins(%[[K]], %[[V]], %[[M]], %[[Z]] : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) rule(delta)
//   CHECK-NOT:   eps
//       CHECK:   return %[[M2]], %[[Z2]] : tensor<1x2x32x32xf32>, tensor<1x2x32xf32>
func.func @memory_update_doc_example(%k: tensor<1x2x64x32xf32>,
    %v: tensor<1x2x64x32xf32>, %m: tensor<1x2x32x32xf32>, %z: tensor<1x2x32xf32>)
    -> (tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) {
    %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x64x32xf32>,
                 tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>)
                 rule(delta)
  return %m2, %z2 : tensor<1x2x32x32xf32>, tensor<1x2x32xf32>
}

/// The linear rule, with dv != d.
// CHECK-LABEL: func.func @memory_update_linear(
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32>,
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x16x4xf32>,
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>,
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32>)
//       CHECK:   %[[M2:.+]], %[[Z2:.+]] = longctx.memory_update ins(%[[K]], %[[V]], %[[M]], %[[Z]] : tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) rule(linear)
//   CHECK-NOT:   eps
//       CHECK:   return %[[M2]], %[[Z2]]
func.func @memory_update_linear(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>,
    %m: tensor<1x2x8x4xf32>, %z: tensor<1x2x8xf32>)
    -> (tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>,
               tensor<1x2x16x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>)
               rule(linear)
  return %m2, %z2 : tensor<1x2x8x4xf32>, tensor<1x2x8xf32>
}

/// The delta rule with a non-default eps (its read is clamped by eps).
// CHECK-LABEL: func.func @memory_update_delta_eps(
//       CHECK:   longctx.memory_update ins({{.*}} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(delta) eps(2.500000e-02)
func.func @memory_update_delta_eps(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>)
    -> (tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>,
               tensor<1x2x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
               rule(delta) eps(0.025)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

/// f16 keys and values write an f32 state; f64 inputs write an f64 state.
// CHECK-LABEL: func.func @memory_update_mixed_precision(
//       CHECK:   longctx.memory_update ins({{.*}} : tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) rule(linear)
//       CHECK:   longctx.memory_update ins({{.*}} : tensor<1x1x16x8xf64>, tensor<1x1x16x8xf64>, tensor<1x1x8x8xf64>, tensor<1x1x8xf64>) rule(delta)
func.func @memory_update_mixed_precision(%k16: tensor<1x1x16x8xf16>,
    %m32: tensor<1x1x8x8xf32>, %z32: tensor<1x1x8xf32>, %k64: tensor<1x1x16x8xf64>,
    %m64: tensor<1x1x8x8xf64>, %z64: tensor<1x1x8xf64>)
    -> (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf64>) {
  %a, %b = longctx.memory_update ins(%k16, %k16, %m32, %z32 : tensor<1x1x16x8xf16>,
             tensor<1x1x16x8xf16>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) rule(linear)
  %c, %d = longctx.memory_update ins(%k64, %k64, %m64, %z64 : tensor<1x1x16x8xf64>,
             tensor<1x1x16x8xf64>, tensor<1x1x8x8xf64>, tensor<1x1x8xf64>) rule(delta)
  return %a, %c : tensor<1x1x8x8xf32>, tensor<1x1x8x8xf64>
}

//===----------------------------------------------------------------------===//
// infini_attention
//===----------------------------------------------------------------------===//

/// The example of the op documentation (LongCtxOps.td), copied verbatim:
/// linear rule, GQA (8 query heads, 2 memories), no memory_inputs, default
/// eps and scale.
// CHECK-LABEL: func.func @infini_attention_doc_example(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x8x256x32xf32>,
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x256x32xf32>,
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x256x32xf32>,
//  CHECK-SAME:     %[[BETA:[a-zA-Z0-9_]+]]: tensor<8xf32>,
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x32x32xf32>,
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x32xf32>)
//       CHECK:   %[[O:.+]], %[[M2:.+]], %[[Z2:.+]] = longctx.infini_attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x8x256x32xf32>, tensor<1x2x256x32xf32>, tensor<1x2x256x32xf32>) gate(%[[BETA]] : tensor<8xf32>) memory(%[[M]], %[[Z]] : tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) segment_length(128) rule(linear) -> tensor<1x8x256x32xf32>
//       CHECK:   return %[[O]], %[[M2]], %[[Z2]] : tensor<1x8x256x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>
func.func @infini_attention_doc_example(%q: tensor<1x8x256x32xf32>,
    %k: tensor<1x2x256x32xf32>, %v: tensor<1x2x256x32xf32>, %beta: tensor<8xf32>,
    %m: tensor<1x2x32x32xf32>, %z: tensor<1x2x32xf32>)
    -> (tensor<1x8x256x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) {
    %o, %m2, %z2 = longctx.infini_attention
        ins(%q, %k, %v : tensor<1x8x256x32xf32>, tensor<1x2x256x32xf32>,
            tensor<1x2x256x32xf32>)
        gate(%beta : tensor<8xf32>)
        memory(%m, %z : tensor<1x2x32x32xf32>, tensor<1x2x32xf32>)
        segment_length(128) rule(linear) -> tensor<1x8x256x32xf32>
  return %o, %m2, %z2 : tensor<1x8x256x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>
}

/// The delta rule on multi-head attention (H == Hkv), dv != d, a last
/// segment shorter than segment_length (100 = 64 + 36).
// CHECK-LABEL: func.func @infini_attention_delta(
//       CHECK:   longctx.infini_attention ins({{.*}} : tensor<2x4x100x16xf32>, tensor<2x4x100x16xf32>, tensor<2x4x100x8xf32>) gate(%{{.+}} : tensor<4xf32>) memory(%{{.+}}, %{{.+}} : tensor<2x4x16x8xf32>, tensor<2x4x16xf32>) segment_length(64) rule(delta) -> tensor<2x4x100x8xf32>
//   CHECK-NOT:   memory_inputs
func.func @infini_attention_delta(%q: tensor<2x4x100x16xf32>, %k: tensor<2x4x100x16xf32>,
    %v: tensor<2x4x100x8xf32>, %g: tensor<4xf32>, %m: tensor<2x4x16x8xf32>,
    %z: tensor<2x4x16xf32>) -> tensor<2x4x100x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<2x4x100x16xf32>, tensor<2x4x100x16xf32>, tensor<2x4x100x8xf32>)
      gate(%g : tensor<4xf32>)
      memory(%m, %z : tensor<2x4x16x8xf32>, tensor<2x4x16xf32>)
      segment_length(64) rule(delta) -> tensor<2x4x100x8xf32>
  return %o : tensor<2x4x100x8xf32>
}

/// memory_inputs: separate queries and keys for the memory path (no position
/// encoding), printed right after memory(...) and with their own operands.
// CHECK-LABEL: func.func @infini_attention_memory_inputs(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x64x8xf32>,
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32>,
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32>,
//  CHECK-SAME:     %[[QM:[a-zA-Z0-9_]+]]: tensor<1x4x64x8xf32>,
//  CHECK-SAME:     %[[KM:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32>,
//       CHECK:   longctx.infini_attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) gate({{.*}}) memory({{.*}}) memory_inputs(%[[QM]], %[[KM]] : tensor<1x4x64x8xf32>, tensor<1x2x64x8xf32>) segment_length(32) rule(linear) -> tensor<1x4x64x8xf32>
func.func @infini_attention_memory_inputs(%q: tensor<1x4x64x8xf32>,
    %k: tensor<1x2x64x8xf32>, %v: tensor<1x2x64x8xf32>, %qm: tensor<1x4x64x8xf32>,
    %km: tensor<1x2x64x8xf32>, %g: tensor<4xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x4x64x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x4x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
      gate(%g : tensor<4xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      memory_inputs(%qm, %km : tensor<1x4x64x8xf32>, tensor<1x2x64x8xf32>)
      segment_length(32) rule(linear) -> tensor<1x4x64x8xf32>
  return %o : tensor<1x4x64x8xf32>
}

/// An explicit scale and eps; both print after rule(...), eps first.
// CHECK-LABEL: func.func @infini_attention_scale_eps(
//       CHECK:   longctx.infini_attention ins({{.*}}) gate({{.*}}) memory({{.*}}) segment_length(16) rule(delta) eps(1.000000e-04) scale(1.250000e-01) -> tensor<1x2x64x8xf32>
func.func @infini_attention_scale_eps(%x: tensor<1x2x64x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x64x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%x, %x, %x : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(16) rule(delta) eps(1.0e-4) scale(0.125) -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}

/// A scale spelled as 1/sqrt(d) is still an explicit attribute and printed;
/// only eps has a default that is elided.
// CHECK-LABEL: func.func @infini_attention_default_eps_explicit_scale(
//       CHECK:   longctx.infini_attention ins({{.*}}) segment_length(16) rule(linear) scale(0.35355339059327379) -> tensor<1x2x64x8xf32>
func.func @infini_attention_default_eps_explicit_scale(%x: tensor<1x2x64x8xf32>,
    %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>)
    -> tensor<1x2x64x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%x, %x, %x : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(16) rule(linear) eps(1.0e-6) scale(0.35355339059327379)
      -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}

/// GQA with 3 query heads per key/value head: the gate has one logit per
/// query head, the state one memory per key/value head.
// CHECK-LABEL: func.func @infini_attention_gqa(
//       CHECK:   longctx.infini_attention ins({{.*}} : tensor<1x6x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x4xf32>) gate(%{{.+}} : tensor<6xf32>) memory(%{{.+}}, %{{.+}} : tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) segment_length(8) rule(linear) -> tensor<1x6x32x4xf32>
func.func @infini_attention_gqa(%q: tensor<1x6x32x8xf32>, %k: tensor<1x2x32x8xf32>,
    %v: tensor<1x2x32x4xf32>, %g: tensor<6xf32>, %m: tensor<1x2x8x4xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x6x32x4xf32> {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x6x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x4xf32>)
      gate(%g : tensor<6xf32>)
      memory(%m, %z : tensor<1x2x8x4xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x6x32x4xf32>
  return %o : tensor<1x6x32x4xf32>
}

/// A dynamic sequence length (streaming chunks of any size), with
/// memory_inputs of the same dynamic types.
// CHECK-LABEL: func.func @infini_attention_dynamic_seq(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x2x?x8xf32>,
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x1x?x8xf32>,
//       CHECK:   %[[O:.+]], %{{.+}}, %{{.+}} = longctx.infini_attention ins(%[[Q]], %[[K]], %{{.+}} : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) gate({{.*}}) memory({{.*}}) memory_inputs(%[[Q]], %[[K]] : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>) segment_length(64) rule(delta) -> tensor<1x2x?x8xf32>
//       CHECK:   return %[[O]]
func.func @infini_attention_dynamic_seq(%q: tensor<1x2x?x8xf32>, %k: tensor<1x1x?x8xf32>,
    %v: tensor<1x1x?x8xf32>, %g: tensor<2xf32>, %m: tensor<1x1x8x8xf32>,
    %z: tensor<1x1x8xf32>) -> tensor<1x2x?x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
      memory_inputs(%q, %k : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>)
      segment_length(64) rule(delta) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

/// f16 activations with an f32 gate and state; f64 activations with an f64
/// gate and state.
// CHECK-LABEL: func.func @infini_attention_precisions(
//       CHECK:   longctx.infini_attention ins({{.*}} : tensor<1x2x32x8xf16>, tensor<1x2x32x8xf16>, tensor<1x2x32x8xf16>) gate(%{{.+}} : tensor<2xf32>) memory(%{{.+}}, %{{.+}} : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) segment_length(16) rule(linear) -> tensor<1x2x32x8xf16>
//       CHECK:   longctx.infini_attention ins({{.*}} : tensor<1x2x32x8xf64>, tensor<1x2x32x8xf64>, tensor<1x2x32x8xf64>) gate(%{{.+}} : tensor<2xf64>) memory(%{{.+}}, %{{.+}} : tensor<1x2x8x8xf64>, tensor<1x2x8xf64>) segment_length(16) rule(linear) -> tensor<1x2x32x8xf64>
func.func @infini_attention_precisions(%x16: tensor<1x2x32x8xf16>, %g32: tensor<2xf32>,
    %m32: tensor<1x2x8x8xf32>, %z32: tensor<1x2x8xf32>, %x64: tensor<1x2x32x8xf64>,
    %g64: tensor<2xf64>, %m64: tensor<1x2x8x8xf64>, %z64: tensor<1x2x8xf64>)
    -> (tensor<1x2x32x8xf16>, tensor<1x2x32x8xf64>) {
  %a, %am, %az = longctx.infini_attention
      ins(%x16, %x16, %x16 : tensor<1x2x32x8xf16>, tensor<1x2x32x8xf16>, tensor<1x2x32x8xf16>)
      gate(%g32 : tensor<2xf32>)
      memory(%m32, %z32 : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(16) rule(linear) -> tensor<1x2x32x8xf16>
  %b, %bm, %bz = longctx.infini_attention
      ins(%x64, %x64, %x64 : tensor<1x2x32x8xf64>, tensor<1x2x32x8xf64>, tensor<1x2x32x8xf64>)
      gate(%g64 : tensor<2xf64>)
      memory(%m64, %z64 : tensor<1x2x8x8xf64>, tensor<1x2x8xf64>)
      segment_length(16) rule(linear) -> tensor<1x2x32x8xf64>
  return %a, %b : tensor<1x2x32x8xf16>, tensor<1x2x32x8xf64>
}
