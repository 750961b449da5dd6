// RUN: longctx-opt %s --split-input-file --verify-diagnostics --longctx-attention-to-infini="segment-length=128" | FileCheck %s
// RUN: longctx-opt %s --split-input-file --verify-diagnostics --longctx-attention-to-infini="segment-length=64 update-rule=delta gate-init=-2.5 eps=1e-4" | FileCheck %s --check-prefix=OPTS

/// Causal self-attention on function arguments: three new arguments (gate,
/// M, z) with their driver attributes, two new results, Q/K/V and the output
/// tagged with the sequence dimension.
// CHECK-LABEL: func.func @rewrite_self_attention(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x512x32xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x512x32xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x512x16xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[GATE:[a-zA-Z0-9_]+]]: tensor<4xf32> {longctx.init = 0.000000e+00 : f64},
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x32x16xf32> {longctx.state = 1 : i64},
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x32xf32> {longctx.state = 2 : i64})
//  CHECK-SAME:     -> (tensor<1x4x512x16xf32> {longctx.stream_dim = 2 : i64}, tensor<1x2x32x16xf32>, tensor<1x2x32xf32>)
//       CHECK:   %[[O:.+]], %[[M2:.+]], %[[Z2:.+]] = longctx.infini_attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) gate(%[[GATE]] : tensor<4xf32>) memory(%[[M]], %[[Z]] : {{.*}}) segment_length(128) rule(linear) -> tensor<1x4x512x16xf32>
//   CHECK-NOT:   longctx.attention
//       CHECK:   return %[[O]], %[[M2]], %[[Z2]]
// OPTS-LABEL: func.func @rewrite_self_attention(
//  OPTS-SAME:     tensor<4xf32> {longctx.init = -2.500000e+00 : f64}
//       OPTS:   longctx.infini_attention {{.*}} segment_length(64) rule(delta) eps(1.000000e-04)
func.func @rewrite_self_attention(%q: tensor<1x4x512x32xf32>, %k: tensor<1x2x512x32xf32>,
    %v: tensor<1x2x512x16xf32>) -> tensor<1x4x512x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x512x32xf32>,
         tensor<1x2x512x32xf32>, tensor<1x2x512x16xf32>) causal
         -> tensor<1x4x512x16xf32>
  return %o : tensor<1x4x512x16xf32>
}

// -----

/// An explicit scale is kept; two layers get two memories, with the state
/// results numbered after the original result.
// CHECK-LABEL: func.func @rewrite_two_layers(
//  CHECK-SAME:     {longctx.state = 1 : i64}
//  CHECK-SAME:     {longctx.state = 2 : i64}
//  CHECK-SAME:     {longctx.state = 3 : i64}
//  CHECK-SAME:     {longctx.state = 4 : i64}
//  CHECK-SAME:     -> (tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64}, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
//       CHECK:   %[[A:.+]], %[[AM:.+]], %[[AZ:.+]] = longctx.infini_attention {{.*}} scale(2.500000e-01)
//       CHECK:   %[[B:.+]], %[[BM:.+]], %[[BZ:.+]] = longctx.infini_attention ins(%[[A]],
//       CHECK:   return %[[B]], %[[AM]], %[[AZ]], %[[BM]], %[[BZ]]
func.func @rewrite_two_layers(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal scale(0.25)
         -> tensor<1x2x64x8xf32>
  %b = longctx.attention ins(%a, %a, %a : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal
         -> tensor<1x2x64x8xf32>
  return %b : tensor<1x2x64x8xf32>
}

// -----

/// Non-causal attention is not rewritten.
// CHECK-LABEL: func.func @negative_not_causal(
//  CHECK-SAME:     -> tensor<1x2x64x8xf32>
//       CHECK:   longctx.attention
func.func @negative_not_causal(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention is not causal}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}

// -----

/// A mask could encode anything; it is not rewritten.
// CHECK-LABEL: func.func @negative_masked(
//       CHECK:   longctx.attention
func.func @negative_masked(%x: tensor<1x2x64x8xf32>, %m: tensor<1x1x64x64xi1>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention has a mask operand}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) mask(%m : tensor<1x1x64x64xi1>)
         causal -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}

// -----

/// Cross attention (N != M) is not self-attention.
// CHECK-LABEL: func.func @negative_cross(
//       CHECK:   longctx.attention
func.func @negative_cross(%q: tensor<1x2x16x8xf32>, %kv: tensor<1x2x64x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: cross attention (16 queries, 64 keys) is not self-attention}}
  %a = longctx.attention ins(%q, %kv, %kv : tensor<1x2x16x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// The state's shape must be known to add it to the signature.
// CHECK-LABEL: func.func @negative_dynamic(
//       CHECK:   longctx.attention
func.func @negative_dynamic(%x: tensor<?x2x64x8xf32>) -> tensor<?x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention has dynamic shapes}}
  %a = longctx.attention ins(%x, %x, %x : tensor<?x2x64x8xf32>,
         tensor<?x2x64x8xf32>, tensor<?x2x64x8xf32>) causal -> tensor<?x2x64x8xf32>
  return %a : tensor<?x2x64x8xf32>
}

// -----

/// A function with callers keeps its signature.
// CHECK-LABEL: func.func @negative_called(
//       CHECK:   longctx.attention
func.func @negative_called(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: function @negative_called has callers, so its signature cannot change}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}
func.func @caller(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %a = func.call @negative_called(%x) : (tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}

// -----

/// Sliding-window attention already bounds its context; it is left alone.
// CHECK-LABEL: func.func @negative_window(
//       CHECK:   longctx.attention
func.func @negative_window(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention has a sliding window}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal window(16) -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}
