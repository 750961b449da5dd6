// RUN: longctx-opt %s | longctx-opt | FileCheck %s
// RUN: longctx-opt %s --mlir-print-op-generic | longctx-opt | FileCheck %s

// Every form of each op survives printing and parsing, in the custom and in
// the generic form. Cases are named @<op>_<form>; for longctx.attention the
// optional clauses print in the order `mask(...)`, `causal`, `scale(...)`,
// then the attribute dictionary.

/// The example of the op documentation (LongCtxOps.td), copied verbatim:
/// causal grouped-query attention, 8 query heads over 2 key/value heads.
// CHECK-LABEL: func.func @attention_doc_example(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x8x128x64xf32>,
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x128x64xf32>,
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x128x64xf32>)
//       CHECK:   %[[O:.+]] = longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x8x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) causal -> tensor<1x8x128x64xf32>
//       CHECK:   return %[[O]]
func.func @attention_doc_example(%q: tensor<1x8x128x64xf32>,
    %k: tensor<1x2x128x64xf32>, %v: tensor<1x2x128x64xf32>)
    -> tensor<1x8x128x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x128x64xf32>,
         tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) causal
         -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}

/// Non-causal cross attention with an explicit scale, dv != d.
// CHECK-LABEL: func.func @attention_cross_scale(
//       CHECK:   longctx.attention ins({{.*}}) scale(1.250000e-01) -> tensor<2x4x10x16xf32>
//   CHECK-NOT:   causal
func.func @attention_cross_scale(%q: tensor<2x4x10x32xf32>, %k: tensor<2x4x77x32xf32>,
    %v: tensor<2x4x77x16xf32>) -> tensor<2x4x10x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x10x32xf32>,
         tensor<2x4x77x32xf32>, tensor<2x4x77x16xf32>) scale(0.125)
         -> tensor<2x4x10x16xf32>
  return %o : tensor<2x4x10x16xf32>
}

/// Boolean mask with causal, and a broadcast float mask.
// CHECK-LABEL: func.func @attention_masks(
//       CHECK:   longctx.attention ins({{.*}}) mask(%{{.*}} : tensor<1x2x16x16xi1>) causal -> tensor<1x2x16x8xf16>
//       CHECK:   longctx.attention ins({{.*}}) mask(%{{.*}} : tensor<1x1x16x16xf16>) -> tensor<1x2x16x8xf16>
func.func @attention_masks(%q: tensor<1x2x16x8xf16>, %k: tensor<1x2x16x8xf16>,
    %v: tensor<1x2x16x8xf16>, %b: tensor<1x2x16x16xi1>, %f: tensor<1x1x16x16xf16>)
    -> (tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>) {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf16>,
         tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>)
         mask(%b : tensor<1x2x16x16xi1>) causal -> tensor<1x2x16x8xf16>
  %p = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf16>,
         tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>)
         mask(%f : tensor<1x1x16x16xf16>) -> tensor<1x2x16x8xf16>
  return %o, %p : tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>
}

/// Dynamic batch and sequence lengths; bf16 and f64.
// CHECK-LABEL: func.func @attention_dynamic(
//       CHECK:   longctx.attention ins({{.*}} : tensor<?x4x?x8xbf16>, tensor<?x2x?x8xbf16>, tensor<?x2x?x8xbf16>) causal -> tensor<?x4x?x8xbf16>
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x1x4x2xf64>, tensor<1x1x4x2xf64>, tensor<1x1x4x2xf64>) -> tensor<1x1x4x2xf64>
func.func @attention_dynamic(%q: tensor<?x4x?x8xbf16>, %k: tensor<?x2x?x8xbf16>,
    %v: tensor<?x2x?x8xbf16>, %d: tensor<1x1x4x2xf64>) -> (tensor<?x4x?x8xbf16>, tensor<1x1x4x2xf64>) {
  %o = longctx.attention ins(%q, %k, %v : tensor<?x4x?x8xbf16>,
         tensor<?x2x?x8xbf16>, tensor<?x2x?x8xbf16>) causal -> tensor<?x4x?x8xbf16>
  %p = longctx.attention ins(%d, %d, %d : tensor<1x1x4x2xf64>,
         tensor<1x1x4x2xf64>, tensor<1x1x4x2xf64>) -> tensor<1x1x4x2xf64>
  return %o, %p : tensor<?x4x?x8xbf16>, tensor<1x1x4x2xf64>
}

/// Plain multi-head attention: no optional clause is printed.
// CHECK-LABEL: func.func @attention_noncausal_mha(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<2x4x32x16xf32>,
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<2x4x32x16xf32>,
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<2x4x32x16xf32>)
//       CHECK:   longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x16xf32>
func.func @attention_noncausal_mha(%q: tensor<2x4x32x16xf32>,
    %k: tensor<2x4x32x16xf32>, %v: tensor<2x4x32x16xf32>)
    -> tensor<2x4x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x32x16xf32>,
         tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x16xf32>
  return %o : tensor<2x4x32x16xf32>
}

/// Causal multi-head self attention (H == Hkv).
// CHECK-LABEL: func.func @attention_causal_mha(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x32x16xf32>,
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x4x32x16xf32>,
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x4x32x16xf32>)
//       CHECK:   longctx.attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) causal -> tensor<1x4x32x16xf32>
func.func @attention_causal_mha(%q: tensor<1x4x32x16xf32>,
    %k: tensor<1x4x32x16xf32>, %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) causal
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}

/// Non-causal grouped-query attention: 8 query heads read 2 key/value heads.
// CHECK-LABEL: func.func @attention_noncausal_gqa(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x8x32x16xf32>,
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x32x16xf32>,
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x32x16xf32>)
//       CHECK:   longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x8x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) -> tensor<1x8x32x16xf32>
func.func @attention_noncausal_gqa(%q: tensor<1x8x32x16xf32>,
    %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>)
    -> tensor<1x8x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x32x16xf32>,
         tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) -> tensor<1x8x32x16xf32>
  return %o : tensor<1x8x32x16xf32>
}

/// Multi-query attention: every query head shares the single key/value head.
// CHECK-LABEL: func.func @attention_causal_mqa(
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x8x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) causal -> tensor<1x8x32x16xf32>
func.func @attention_causal_mqa(%q: tensor<1x8x32x16xf32>,
    %k: tensor<1x1x32x16xf32>, %v: tensor<1x1x32x16xf32>)
    -> tensor<1x8x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x32x16xf32>,
         tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) causal
         -> tensor<1x8x32x16xf32>
  return %o : tensor<1x8x32x16xf32>
}

/// An explicit scale is an f64 attribute and prints in scientific notation.
// CHECK-LABEL: func.func @attention_scale(
//       CHECK:   longctx.attention ins({{.*}}) scale(1.250000e-01) -> tensor<1x4x32x16xf32>
func.func @attention_scale(%q: tensor<1x4x32x16xf32>,
    %k: tensor<1x4x32x16xf32>, %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) scale(0.125)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}

/// A scale that is not short in decimal keeps all its digits through the
/// round trip (here 1/sqrt(128)).
// CHECK-LABEL: func.func @attention_scale_full_precision(
//       CHECK:   longctx.attention ins({{.*}}) scale(0.088388347648318447) -> tensor<1x4x32x16xf32>
func.func @attention_scale_full_precision(%q: tensor<1x4x32x16xf32>,
    %k: tensor<1x4x32x16xf32>, %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>)
         scale(0.08838834764831845) -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}

/// `causal` prints before `scale`.
// CHECK-LABEL: func.func @attention_causal_scale(
//       CHECK:   longctx.attention ins({{.*}}) causal scale(5.000000e-01) -> tensor<1x4x32x16xf32>
func.func @attention_causal_scale(%q: tensor<1x4x32x16xf32>,
    %k: tensor<1x4x32x16xf32>, %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) causal scale(0.5)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}

/// A boolean mask of full shape [B, H, N, M].
// CHECK-LABEL: func.func @attention_mask_i1(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<2x4x32x16xf32>,
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<2x4x32x16xf32>,
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<2x4x32x16xf32>,
//  CHECK-SAME:     %[[MASK:[a-zA-Z0-9_]+]]: tensor<2x4x32x32xi1>)
//       CHECK:   longctx.attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) mask(%[[MASK]] : tensor<2x4x32x32xi1>) -> tensor<2x4x32x16xf32>
func.func @attention_mask_i1(%q: tensor<2x4x32x16xf32>,
    %k: tensor<2x4x32x16xf32>, %v: tensor<2x4x32x16xf32>,
    %m: tensor<2x4x32x32xi1>) -> tensor<2x4x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x32x16xf32>,
         tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>)
         mask(%m : tensor<2x4x32x32xi1>) -> tensor<2x4x32x16xf32>
  return %o : tensor<2x4x32x16xf32>
}

/// An additive floating-point mask with the query element type.
// CHECK-LABEL: func.func @attention_mask_f32(
//  CHECK-SAME:     %[[MASK:[a-zA-Z0-9_]+]]: tensor<2x4x32x32xf32>)
//       CHECK:   longctx.attention ins({{.*}}) mask(%[[MASK]] : tensor<2x4x32x32xf32>) -> tensor<2x4x32x16xf32>
func.func @attention_mask_f32(%q: tensor<2x4x32x16xf32>,
    %k: tensor<2x4x32x16xf32>, %v: tensor<2x4x32x16xf32>,
    %m: tensor<2x4x32x32xf32>) -> tensor<2x4x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x32x16xf32>,
         tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>)
         mask(%m : tensor<2x4x32x32xf32>) -> tensor<2x4x32x16xf32>
  return %o : tensor<2x4x32x16xf32>
}

/// A mask broadcast over batch and heads, [1, 1, N, M].
// CHECK-LABEL: func.func @attention_mask_broadcast(
//  CHECK-SAME:     %[[MASK:[a-zA-Z0-9_]+]]: tensor<1x1x32x32xi1>)
//       CHECK:   longctx.attention ins({{.*}} : tensor<2x8x32x16xf32>, tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>) mask(%[[MASK]] : tensor<1x1x32x32xi1>) -> tensor<2x8x32x16xf32>
func.func @attention_mask_broadcast(%q: tensor<2x8x32x16xf32>,
    %k: tensor<2x2x32x16xf32>, %v: tensor<2x2x32x16xf32>,
    %m: tensor<1x1x32x32xi1>) -> tensor<2x8x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x8x32x16xf32>,
         tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>)
         mask(%m : tensor<1x1x32x32xi1>) -> tensor<2x8x32x16xf32>
  return %o : tensor<2x8x32x16xf32>
}

/// Every optional clause at once, plus a discardable attribute: they print
/// as mask, causal, scale, attribute dictionary.
// CHECK-LABEL: func.func @attention_mask_causal_scale_attr(
//  CHECK-SAME:     %[[MASK:[a-zA-Z0-9_]+]]: tensor<1x8x32x32xf32>)
//       CHECK:   longctx.attention ins({{.*}}) mask(%[[MASK]] : tensor<1x8x32x32xf32>) causal scale(2.500000e-01) {test.tag = 7 : i32} -> tensor<1x8x32x16xf32>
func.func @attention_mask_causal_scale_attr(%q: tensor<1x8x32x16xf32>,
    %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>,
    %m: tensor<1x8x32x32xf32>) -> tensor<1x8x32x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x32x16xf32>,
         tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         mask(%m : tensor<1x8x32x32xf32>) causal scale(0.25) {test.tag = 7 : i32}
         -> tensor<1x8x32x16xf32>
  return %o : tensor<1x8x32x16xf32>
}

/// Dynamic batch and sequence lengths (query and key/value may differ).
// CHECK-LABEL: func.func @attention_dynamic_batch_seq(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<?x8x?x64xf32>,
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<?x2x?x64xf32>,
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<?x2x?x64xf32>)
//       CHECK:   longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) causal -> tensor<?x8x?x64xf32>
func.func @attention_dynamic_batch_seq(%q: tensor<?x8x?x64xf32>,
    %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>)
    -> tensor<?x8x?x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<?x8x?x64xf32>,
         tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) causal
         -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

/// Static operands may produce a dynamic result, and a fully dynamic mask
/// is accepted (dynamic extents are compatible with anything).
// CHECK-LABEL: func.func @attention_dynamic_result_and_mask(
//  CHECK-SAME:     %[[MASK:[a-zA-Z0-9_]+]]: tensor<?x?x?x?xi1>)
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) mask(%[[MASK]] : tensor<?x?x?x?xi1>) -> tensor<?x?x?x?xf32>
func.func @attention_dynamic_result_and_mask(%q: tensor<1x4x32x16xf32>,
    %k: tensor<1x4x32x16xf32>, %v: tensor<1x4x32x16xf32>,
    %m: tensor<?x?x?x?xi1>) -> tensor<?x?x?x?xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>)
         mask(%m : tensor<?x?x?x?xi1>) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}

/// Half-precision inputs.
// CHECK-LABEL: func.func @attention_f16(
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x4x32x16xf16>, tensor<1x4x32x16xf16>, tensor<1x4x32x16xf16>) causal -> tensor<1x4x32x16xf16>
func.func @attention_f16(%q: tensor<1x4x32x16xf16>,
    %k: tensor<1x4x32x16xf16>, %v: tensor<1x4x32x16xf16>)
    -> tensor<1x4x32x16xf16> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf16>,
         tensor<1x4x32x16xf16>, tensor<1x4x32x16xf16>) causal
         -> tensor<1x4x32x16xf16>
  return %o : tensor<1x4x32x16xf16>
}

/// bf16 inputs with a bf16 additive mask.
// CHECK-LABEL: func.func @attention_bf16_mask_bf16(
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x4x32x16xbf16>, tensor<1x4x32x16xbf16>, tensor<1x4x32x16xbf16>) mask(%{{.*}} : tensor<1x1x32x32xbf16>) -> tensor<1x4x32x16xbf16>
func.func @attention_bf16_mask_bf16(%q: tensor<1x4x32x16xbf16>,
    %k: tensor<1x4x32x16xbf16>, %v: tensor<1x4x32x16xbf16>,
    %m: tensor<1x1x32x32xbf16>) -> tensor<1x4x32x16xbf16> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xbf16>,
         tensor<1x4x32x16xbf16>, tensor<1x4x32x16xbf16>)
         mask(%m : tensor<1x1x32x32xbf16>) -> tensor<1x4x32x16xbf16>
  return %o : tensor<1x4x32x16xbf16>
}

/// Double-precision inputs with an explicit scale.
// CHECK-LABEL: func.func @attention_f64(
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x4x32x16xf64>, tensor<1x4x32x16xf64>, tensor<1x4x32x16xf64>) causal scale(1.000000e+00) -> tensor<1x4x32x16xf64>
func.func @attention_f64(%q: tensor<1x4x32x16xf64>,
    %k: tensor<1x4x32x16xf64>, %v: tensor<1x4x32x16xf64>)
    -> tensor<1x4x32x16xf64> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf64>,
         tensor<1x4x32x16xf64>, tensor<1x4x32x16xf64>) causal scale(1.0)
         -> tensor<1x4x32x16xf64>
  return %o : tensor<1x4x32x16xf64>
}

/// The value head dim dv (32) differs from the query/key head dim d (16);
/// the result takes dv.
// CHECK-LABEL: func.func @attention_value_dim(
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x32xf32>) -> tensor<1x4x32x32xf32>
func.func @attention_value_dim(%q: tensor<1x4x32x16xf32>,
    %k: tensor<1x4x32x16xf32>, %v: tensor<1x4x32x32xf32>)
    -> tensor<1x4x32x32xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>, tensor<1x4x32x32xf32>) -> tensor<1x4x32x32xf32>
  return %o : tensor<1x4x32x32xf32>
}

/// Cross attention: N = 8 queries over M = 100 keys, with a [1, 1, N, M]
/// mask and causal (queries are the last 8 positions of the key sequence).
// CHECK-LABEL: func.func @attention_cross(
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x4x8x16xf32>, tensor<1x4x100x16xf32>, tensor<1x4x100x16xf32>) mask(%{{.*}} : tensor<1x1x8x100xi1>) causal -> tensor<1x4x8x16xf32>
func.func @attention_cross(%q: tensor<1x4x8x16xf32>,
    %k: tensor<1x4x100x16xf32>, %v: tensor<1x4x100x16xf32>,
    %m: tensor<1x1x8x100xi1>) -> tensor<1x4x8x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x8x16xf32>,
         tensor<1x4x100x16xf32>, tensor<1x4x100x16xf32>)
         mask(%m : tensor<1x1x8x100xi1>) causal -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

/// The documentation examples of memory_retrieve and memory_update.
// CHECK-LABEL: func.func @memory_doc_examples(
//       CHECK:   longctx.memory_retrieve ins({{.*}} : tensor<1x8x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) -> tensor<1x8x64x32xf32>
//       CHECK:   longctx.memory_update ins({{.*}} : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) rule(delta)
func.func @memory_doc_examples(%q: tensor<1x8x64x32xf32>, %k: tensor<1x2x64x32xf32>,
    %v: tensor<1x2x64x32xf32>, %m: tensor<1x2x32x32xf32>, %z: tensor<1x2x32xf32>)
    -> (tensor<1x8x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x8x64x32xf32>,
         tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) -> tensor<1x8x64x32xf32>
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x64x32xf32>,
               tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>)
               rule(delta)
  return %a, %m2, %z2 : tensor<1x8x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>
}

/// A non-default eps is printed; f16 inputs with an f32 state.
// CHECK-LABEL: func.func @memory_eps_f16(
//       CHECK:   longctx.memory_retrieve ins({{.*}}) eps(1.000000e-03) -> tensor<1x2x4x8xf16>
//       CHECK:   longctx.memory_update ins({{.*}}) rule(linear) eps(1.000000e-03)
func.func @memory_eps_f16(%q: tensor<1x2x4x8xf16>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> (tensor<1x2x4x8xf16>, tensor<1x2x8x8xf32>) {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x4x8xf16>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) eps(1.0e-3) -> tensor<1x2x4x8xf16>
  %m2, %z2 = longctx.memory_update ins(%q, %q, %m, %z : tensor<1x2x4x8xf16>,
               tensor<1x2x4x8xf16>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
               rule(linear) eps(1.0e-3)
  return %a, %m2 : tensor<1x2x4x8xf16>, tensor<1x2x8x8xf32>
}

/// The documentation example of infini_attention.
// CHECK-LABEL: func.func @infini_doc_example(
//       CHECK:   longctx.infini_attention ins({{.*}}) gate(%{{.*}} : tensor<8xf32>) memory(%{{.*}}, %{{.*}} : tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) segment_length(128) rule(linear) -> tensor<1x8x256x32xf32>
func.func @infini_doc_example(%q: tensor<1x8x256x32xf32>, %k: tensor<1x2x256x32xf32>,
    %v: tensor<1x2x256x32xf32>, %beta: tensor<8xf32>, %m: tensor<1x2x32x32xf32>,
    %z: tensor<1x2x32xf32>) -> tensor<1x8x256x32xf32> {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x8x256x32xf32>, tensor<1x2x256x32xf32>,
          tensor<1x2x256x32xf32>)
      gate(%beta : tensor<8xf32>)
      memory(%m, %z : tensor<1x2x32x32xf32>, tensor<1x2x32xf32>)
      segment_length(128) rule(linear) -> tensor<1x8x256x32xf32>
  return %o : tensor<1x8x256x32xf32>
}

/// Memory-path inputs, delta rule, eps and scale, dynamic sequence length.
// CHECK-LABEL: func.func @infini_all_options(
//       CHECK:   longctx.infini_attention ins({{.*}}) gate({{.*}}) memory({{.*}}) memory_inputs(%{{.*}}, %{{.*}} : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>) segment_length(64) rule(delta) eps(1.000000e-04) scale(5.000000e-01) -> tensor<1x2x?x8xf32>
func.func @infini_all_options(%q: tensor<1x2x?x8xf32>, %k: tensor<1x1x?x8xf32>,
    %v: tensor<1x1x?x8xf32>, %g: tensor<2xf32>, %m: tensor<1x1x8x8xf32>,
    %z: tensor<1x1x8xf32>) -> tensor<1x2x?x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
      memory_inputs(%q, %k : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>)
      segment_length(64) rule(delta) eps(1.0e-4) scale(0.5) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

/// The documentation example of titans_memory.
// CHECK-LABEL: func.func @titans_doc_example(
//       CHECK:   longctx.titans_memory ins({{.*}} : tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32>) rates({{.*}} : tensor<1x2x128xf32>, tensor<1x2x128xf32>, tensor<1x2x128xf32>) state({{.*}} : tensor<1x2x32x32xf32>, tensor<1x2x32x32xf32>) chunk_length(16) -> tensor<1x2x128x32xf32>
func.func @titans_doc_example(%k: tensor<1x2x128x32xf32>, %v: tensor<1x2x128x32xf32>,
    %q: tensor<1x2x128x32xf32>, %theta: tensor<1x2x128xf32>, %eta: tensor<1x2x128xf32>,
    %alpha: tensor<1x2x128xf32>, %w: tensor<1x2x32x32xf32>, %s: tensor<1x2x32x32xf32>)
    -> tensor<1x2x128x32xf32> {
  %o, %w2, %s2 = longctx.titans_memory
      ins(%k, %v, %q : tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32>,
          tensor<1x2x128x32xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x128xf32>, tensor<1x2x128xf32>,
            tensor<1x2x128xf32>)
      state(%w, %s : tensor<1x2x32x32xf32>, tensor<1x2x32x32xf32>)
      chunk_length(16) -> tensor<1x2x128x32xf32>
  return %o : tensor<1x2x128x32xf32>
}

/// f16 tokens with an f32 state, dynamic sequence length, dv != d.
// CHECK-LABEL: func.func @titans_f16_dynamic(
//       CHECK:   longctx.titans_memory {{.*}} chunk_length(1) -> tensor<1x1x?x4xf16>
func.func @titans_f16_dynamic(%k: tensor<1x1x?x8xf16>, %v: tensor<1x1x?x4xf16>,
    %q: tensor<1x1x?x8xf16>, %r: tensor<1x1x?xf32>, %w: tensor<1x1x8x4xf32>)
    -> tensor<1x1x?x4xf16> {
  %o, %w2, %s2 = longctx.titans_memory
      ins(%k, %v, %q : tensor<1x1x?x8xf16>, tensor<1x1x?x4xf16>, tensor<1x1x?x8xf16>)
      rates(%r, %r, %r : tensor<1x1x?xf32>, tensor<1x1x?xf32>, tensor<1x1x?xf32>)
      state(%w, %w : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>)
      chunk_length(1) -> tensor<1x1x?x4xf16>
  return %o : tensor<1x1x?x4xf16>
}

/// Sliding-window causal attention.
// CHECK-LABEL: func.func @attention_window(
//       CHECK:   longctx.attention ins({{.*}}) causal window(128) scale(1.250000e-01) -> tensor<1x2x512x64xf32>
func.func @attention_window(%q: tensor<1x2x512x64xf32>) -> tensor<1x2x512x64xf32> {
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x512x64xf32>,
         tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>) causal window(128)
         scale(0.125) -> tensor<1x2x512x64xf32>
  return %o : tensor<1x2x512x64xf32>
}

/// Attention sinks: the first keys every query sees, with a window.
// CHECK-LABEL: func.func @attention_sinks(
//       CHECK:   longctx.attention ins({{.*}}) causal window(128) sinks(4) -> tensor<1x2x512x64xf32>
func.func @attention_sinks(%q: tensor<1x2x512x64xf32>) -> tensor<1x2x512x64xf32> {
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x512x64xf32>,
         tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>) causal window(128)
         sinks(4) -> tensor<1x2x512x64xf32>
  return %o : tensor<1x2x512x64xf32>
}

/// The documentation example of titans_mlp_memory.
// CHECK-LABEL: func.func @titans_mlp_doc_example(
//       CHECK:   longctx.titans_mlp_memory ins({{.*}}) rates({{.*}}) weights(%{{.*}}, %{{.*}} : tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>) momentum(%{{.*}}, %{{.*}} : tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>) chunk_length(16) -> tensor<1x2x64x16xf32>
func.func @titans_mlp_doc_example(%k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x16xf32>,
    %q: tensor<1x2x64x16xf32>, %theta: tensor<1x2x64xf32>, %eta: tensor<1x2x64xf32>,
    %alpha: tensor<1x2x64xf32>, %w1: tensor<1x2x16x32xf32>, %w2: tensor<1x2x32x16xf32>,
    %s1: tensor<1x2x16x32xf32>, %s2: tensor<1x2x32x16xf32>) -> tensor<1x2x64x16xf32> {
  %o, %w1n, %w2n, %s1n, %s2n = longctx.titans_mlp_memory
      ins(%k, %v, %q : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
          tensor<1x2x64x16xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x64xf32>, tensor<1x2x64xf32>,
            tensor<1x2x64xf32>)
      weights(%w1, %w2 : tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>)
      momentum(%s1, %s2 : tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>)
      chunk_length(16) -> tensor<1x2x64x16xf32>
  return %o : tensor<1x2x64x16xf32>
}

/// A depth-3 MLP memory lists three weights and three momentum tensors, and
/// its six state results take their types.
// CHECK-LABEL: func.func @titans_mlp_depth3(
//       CHECK:   %{{.*}}, %{{.*}}:3, %{{.*}}:3 = longctx.titans_mlp_memory {{.*}} weights(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x1x4x8xf32>, tensor<1x1x8x6xf32>, tensor<1x1x6x4xf32>) momentum(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x1x4x8xf32>, tensor<1x1x8x6xf32>, tensor<1x1x6x4xf32>) chunk_length(8) -> tensor<1x1x16x4xf32>
//       CHECK:   return {{.*}} : tensor<1x1x16x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x8x6xf32>
func.func @titans_mlp_depth3(%k: tensor<1x1x16x4xf32>, %r: tensor<1x1x16xf32>,
    %w1: tensor<1x1x4x8xf32>, %w2: tensor<1x1x8x6xf32>, %w3: tensor<1x1x6x4xf32>)
    -> (tensor<1x1x16x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x8x6xf32>) {
  %o, %w:3, %s:3 = longctx.titans_mlp_memory
      ins(%k, %k, %k : tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>)
      rates(%r, %r, %r : tensor<1x1x16xf32>, tensor<1x1x16xf32>, tensor<1x1x16xf32>)
      weights(%w1, %w2, %w3 : tensor<1x1x4x8xf32>, tensor<1x1x8x6xf32>, tensor<1x1x6x4xf32>)
      momentum(%w1, %w2, %w3 : tensor<1x1x4x8xf32>, tensor<1x1x8x6xf32>, tensor<1x1x6x4xf32>)
      chunk_length(8) -> tensor<1x1x16x4xf32>
  return %o, %w#2, %s#1 : tensor<1x1x16x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x8x6xf32>
}

/// A GELU MLP memory prints its activation; the SiLU default is elided.
// CHECK-LABEL: func.func @titans_mlp_gelu(
//       CHECK:   longctx.titans_mlp_memory {{.*}} chunk_length(8) activation(gelu) -> tensor<1x1x16x4xf32>
//       CHECK:   longctx.titans_mlp_memory {{.*}} chunk_length(8) -> tensor<1x1x16x4xf32>
func.func @titans_mlp_gelu(%k: tensor<1x1x16x4xf32>, %r: tensor<1x1x16xf32>,
    %w1: tensor<1x1x4x8xf32>, %w2: tensor<1x1x8x4xf32>) -> (tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>) {
  %o, %a, %b, %c, %d = longctx.titans_mlp_memory
      ins(%k, %k, %k : tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>)
      rates(%r, %r, %r : tensor<1x1x16xf32>, tensor<1x1x16xf32>, tensor<1x1x16xf32>)
      weights(%w1, %w2 : tensor<1x1x4x8xf32>, tensor<1x1x8x4xf32>)
      momentum(%w1, %w2 : tensor<1x1x4x8xf32>, tensor<1x1x8x4xf32>)
      chunk_length(8) activation(gelu) -> tensor<1x1x16x4xf32>
  %p, %e, %f, %g, %h = longctx.titans_mlp_memory
      ins(%k, %k, %k : tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>)
      rates(%r, %r, %r : tensor<1x1x16xf32>, tensor<1x1x16xf32>, tensor<1x1x16xf32>)
      weights(%w1, %w2 : tensor<1x1x4x8xf32>, tensor<1x1x8x4xf32>)
      momentum(%w1, %w2 : tensor<1x1x4x8xf32>, tensor<1x1x8x4xf32>)
      chunk_length(8) activation(silu) -> tensor<1x1x16x4xf32>
  return %o, %p : tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>
}
