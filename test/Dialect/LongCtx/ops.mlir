// RUN: longctx-opt %s | longctx-opt | FileCheck %s
// RUN: longctx-opt %s --mlir-print-op-generic | longctx-opt | FileCheck %s

// Round trip of every form of `longctx.attention`. Cases are named
// @attention_<form>; the optional clauses print in the order
// `mask(...)`, `causal`, `scale(...)`, then the attribute dictionary.

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
