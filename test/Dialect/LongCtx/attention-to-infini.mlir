// RUN: longctx-opt %s --split-input-file --verify-diagnostics --longctx-attention-to-infini="segment-length=128" | FileCheck %s
// RUN: longctx-opt %s --split-input-file --verify-diagnostics --longctx-attention-to-infini="segment-length=64 update-rule=delta gate-init=-2.5 eps=1e-4" | FileCheck %s --check-prefix=OPTS

// Positive cases are named @rewrite_<what>, cases that must stay unchanged
// @negative_<why>. Every skipped op gets a remark that says why; the remarks
// are the same under both sets of options. Bad option values are tested in
// attention-to-infini-options.mlir.

/// Causal self-attention on function arguments (GQA, 4 query heads over 2
/// key/value heads, dv != d): three new arguments (gate [H], M [B, Hkv, d, dv],
/// z [B, Hkv, d]) with their driver attributes, two new results (M', z'),
/// Q/K/V and the output tagged with the sequence dimension, and the default
/// options (linear rule, default eps: not printed).
// CHECK-LABEL: func.func @rewrite_self_attention(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x4x512x32xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x512x32xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x512x16xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[GATE:[a-zA-Z0-9_]+]]: tensor<4xf32> {longctx.init = 0.000000e+00 : f64},
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x32x16xf32> {longctx.state = 1 : i64},
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x32xf32> {longctx.state = 2 : i64})
//  CHECK-SAME:     -> (tensor<1x4x512x16xf32> {longctx.stream_dim = 2 : i64}, tensor<1x2x32x16xf32>, tensor<1x2x32xf32>) {
//       CHECK:   %[[O:.+]], %[[M2:.+]], %[[Z2:.+]] = longctx.infini_attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x4x512x32xf32>, tensor<1x2x512x32xf32>, tensor<1x2x512x16xf32>) gate(%[[GATE]] : tensor<4xf32>) memory(%[[M]], %[[Z]] : tensor<1x2x32x16xf32>, tensor<1x2x32xf32>) segment_length(128) rule(linear) -> tensor<1x4x512x16xf32>
//   CHECK-NOT:   longctx.attention
//       CHECK:   return %[[O]], %[[M2]], %[[Z2]] : tensor<1x4x512x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32xf32>
// The options reach the attributes: gate-init on the gate argument, the
// segment length, the rule and eps on the op.
// OPTS-LABEL: func.func @rewrite_self_attention(
//  OPTS-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<4xf32> {longctx.init = -2.500000e+00 : f64}
//       OPTS:   longctx.infini_attention {{.*}} segment_length(64) rule(delta) eps(1.000000e-04) -> tensor<1x4x512x16xf32>
func.func @rewrite_self_attention(%q: tensor<1x4x512x32xf32>, %k: tensor<1x2x512x32xf32>,
    %v: tensor<1x2x512x16xf32>) -> tensor<1x4x512x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x512x32xf32>,
         tensor<1x2x512x32xf32>, tensor<1x2x512x16xf32>) causal
         -> tensor<1x4x512x16xf32>
  return %o : tensor<1x4x512x16xf32>
}

// -----

/// Two layers in one function get two memories: two sets of (gate, M, z)
/// arguments appended in program order, with the state results numbered
/// after the original result (1, 2 for the first layer, 3, 4 for the
/// second). The second layer reads the first one's output; an explicit scale
/// is kept.
// CHECK-LABEL: func.func @rewrite_two_layers(
//  CHECK-SAME:     %[[X:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[G1:[a-zA-Z0-9_]+]]: tensor<2xf32> {longctx.init = 0.000000e+00 : f64},
//  CHECK-SAME:     %[[M1:[a-zA-Z0-9_]+]]: tensor<1x2x8x8xf32> {longctx.state = 1 : i64},
//  CHECK-SAME:     %[[Z1:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32> {longctx.state = 2 : i64},
//  CHECK-SAME:     %[[G2:[a-zA-Z0-9_]+]]: tensor<2xf32> {longctx.init = 0.000000e+00 : f64},
//  CHECK-SAME:     %[[M2:[a-zA-Z0-9_]+]]: tensor<1x2x8x8xf32> {longctx.state = 3 : i64},
//  CHECK-SAME:     %[[Z2:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32> {longctx.state = 4 : i64})
//  CHECK-SAME:     -> (tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64}, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
//       CHECK:   %[[A:.+]], %[[AM:.+]], %[[AZ:.+]] = longctx.infini_attention ins(%[[X]], %[[X]], %[[X]] : {{.*}}) gate(%[[G1]] : tensor<2xf32>) memory(%[[M1]], %[[Z1]] : {{.*}}) segment_length(128) rule(linear) scale(2.500000e-01)
//       CHECK:   %[[B:.+]], %[[BM:.+]], %[[BZ:.+]] = longctx.infini_attention ins(%[[A]], %[[A]], %[[A]] : {{.*}}) gate(%[[G2]] : tensor<2xf32>) memory(%[[M2]], %[[Z2]] : {{.*}}) segment_length(128) rule(linear) ->
//   CHECK-NOT:   longctx.attention
//       CHECK:   return %[[B]], %[[AM]], %[[AZ]], %[[BM]], %[[BZ]] :
// Both gates get gate-init, both ops the options.
// OPTS-LABEL: func.func @rewrite_two_layers(
//  OPTS-SAME:     tensor<2xf32> {longctx.init = -2.500000e+00 : f64}
//  OPTS-SAME:     tensor<2xf32> {longctx.init = -2.500000e+00 : f64}
//       OPTS:   longctx.infini_attention {{.*}} segment_length(64) rule(delta) eps(1.000000e-04) scale(2.500000e-01)
//       OPTS:   longctx.infini_attention {{.*}} segment_length(64) rule(delta) eps(1.000000e-04) ->
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

/// f64 attention keeps an f64 gate and state (f16 attention gets an f32 gate
/// and state, see @rewrite_computed_query).
// CHECK-LABEL: func.func @rewrite_f64(
//  CHECK-SAME:     tensor<2xf64> {longctx.init = 0.000000e+00 : f64},
//  CHECK-SAME:     tensor<2x2x8x8xf64> {longctx.state = 1 : i64},
//  CHECK-SAME:     tensor<2x2x8xf64> {longctx.state = 2 : i64})
//       CHECK:   longctx.infini_attention {{.*}} gate(%{{.+}} : tensor<2xf64>) memory(%{{.+}}, %{{.+}} : tensor<2x2x8x8xf64>, tensor<2x2x8xf64>) segment_length(128) rule(linear) -> tensor<2x2x64x8xf64>
func.func @rewrite_f64(%x: tensor<2x2x64x8xf64>) -> tensor<2x2x64x8xf64> {
  %a = longctx.attention ins(%x, %x, %x : tensor<2x2x64x8xf64>,
         tensor<2x2x64x8xf64>, tensor<2x2x64x8xf64>) causal -> tensor<2x2x64x8xf64>
  return %a : tensor<2x2x64x8xf64>
}

// -----

/// Only function arguments and directly returned outputs are tagged: the
/// query computed in the body tags nothing, the returned value derived from
/// the output has no stream_dim, and the key and value arguments are tagged.
/// The state results go after both original results (state = 2, 3).
// CHECK-LABEL: func.func @rewrite_computed_query(
//  CHECK-SAME:     %[[X:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf16> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[Y:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf16> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[G:[a-zA-Z0-9_]+]]: tensor<2xf32> {longctx.init = 0.000000e+00 : f64},
//  CHECK-SAME:     %[[M:[a-zA-Z0-9_]+]]: tensor<1x2x8x8xf32> {longctx.state = 2 : i64},
//  CHECK-SAME:     %[[Z:[a-zA-Z0-9_]+]]: tensor<1x2x8xf32> {longctx.state = 3 : i64})
//  CHECK-SAME:     -> (tensor<1x2x64x8xf16>, tensor<1x2x64x8xf16>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
//       CHECK:   %[[S:.+]] = arith.addf %[[X]], %[[Y]]
//       CHECK:   %[[O:.+]], %[[M2:.+]], %[[Z2:.+]] = longctx.infini_attention ins(%[[S]], %[[X]], %[[Y]] : {{.*}}) gate(%[[G]] : tensor<2xf32>) memory(%[[M]], %[[Z]] :
//       CHECK:   %[[R:.+]] = arith.addf %[[O]], %[[O]]
//       CHECK:   return %[[R]], %[[X]], %[[M2]], %[[Z2]] :
func.func @rewrite_computed_query(%x: tensor<1x2x64x8xf16>, %y: tensor<1x2x64x8xf16>)
    -> (tensor<1x2x64x8xf16>, tensor<1x2x64x8xf16>) {
  %s = arith.addf %x, %y : tensor<1x2x64x8xf16>
  %a = longctx.attention ins(%s, %x, %y : tensor<1x2x64x8xf16>,
         tensor<1x2x64x8xf16>, tensor<1x2x64x8xf16>) causal -> tensor<1x2x64x8xf16>
  %b = arith.addf %a, %a : tensor<1x2x64x8xf16>
  return %b, %x : tensor<1x2x64x8xf16>, tensor<1x2x64x8xf16>
}

// -----

/// In one function, a non-causal layer is kept (with a remark) and the causal
/// layer that reads it is rewritten: one set of state arguments only.
// CHECK-LABEL: func.func @rewrite_one_of_two(
//  CHECK-SAME:     %[[X:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32>,
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<2xf32> {longctx.init = 0.000000e+00 : f64},
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x8x8xf32> {longctx.state = 1 : i64},
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x8xf32> {longctx.state = 2 : i64})
//  CHECK-SAME:     -> (tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64}, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
//       CHECK:   %[[A:.+]] = longctx.attention ins(%[[X]], %[[X]], %[[X]] :
//       CHECK:   longctx.infini_attention ins(%[[A]], %[[A]], %[[A]] :
func.func @rewrite_one_of_two(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention is not causal}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32>
  %b = longctx.attention ins(%a, %a, %a : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal -> tensor<1x2x64x8xf32>
  return %b : tensor<1x2x64x8xf32>
}

// -----

/// Non-causal attention sees the future, which a memory of past segments
/// cannot provide: not rewritten, signature unchanged.
// CHECK-LABEL: func.func @negative_not_causal(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
//       CHECK:   longctx.attention
//   CHECK-NOT:   longctx.infini_attention
// OPTS-LABEL: func.func @negative_not_causal(
//  OPTS-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
//   OPTS-NOT:   longctx.infini_attention
func.func @negative_not_causal(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention is not causal}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}

// -----

/// A mask could encode anything (padding, document boundaries): not
/// rewritten.
// CHECK-LABEL: func.func @negative_masked(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x64x8xf32>, %{{[a-zA-Z0-9_]+}}: tensor<1x1x64x64xi1>) -> tensor<1x2x64x8xf32> {
//       CHECK:   longctx.attention {{.*}} mask(
//   CHECK-NOT:   longctx.infini_attention
func.func @negative_masked(%x: tensor<1x2x64x8xf32>, %m: tensor<1x1x64x64xi1>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention has a mask operand}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) mask(%m : tensor<1x1x64x64xi1>)
         causal -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}

// -----

/// Cross attention (N = 16 queries, M = 64 keys) is not self-attention, which
/// infini_attention requires.
// CHECK-LABEL: func.func @negative_cross(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x16x8xf32>, %{{[a-zA-Z0-9_]+}}: tensor<1x2x64x8xf32>) -> tensor<1x2x16x8xf32> {
//       CHECK:   longctx.attention
//   CHECK-NOT:   longctx.infini_attention
func.func @negative_cross(%q: tensor<1x2x16x8xf32>, %kv: tensor<1x2x64x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: cross attention (16 queries, 64 keys) is not self-attention}}
  %a = longctx.attention ins(%q, %kv, %kv : tensor<1x2x16x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// The state's shape must be known to add it to the signature: a dynamic
/// batch is not rewritten.
// CHECK-LABEL: func.func @negative_dynamic_batch(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<?x2x64x8xf32>) -> tensor<?x2x64x8xf32> {
//       CHECK:   longctx.attention
//   CHECK-NOT:   longctx.infini_attention
func.func @negative_dynamic_batch(%x: tensor<?x2x64x8xf32>) -> tensor<?x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention has dynamic shapes}}
  %a = longctx.attention ins(%x, %x, %x : tensor<?x2x64x8xf32>,
         tensor<?x2x64x8xf32>, tensor<?x2x64x8xf32>) causal -> tensor<?x2x64x8xf32>
  return %a : tensor<?x2x64x8xf32>
}

// -----

/// A dynamic sequence length is also "dynamic shapes" (even though the
/// state would not depend on it).
// CHECK-LABEL: func.func @negative_dynamic_seq(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
//       CHECK:   longctx.attention
//   CHECK-NOT:   longctx.infini_attention
func.func @negative_dynamic_seq(%x: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention has dynamic shapes}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x?x8xf32>,
         tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) causal -> tensor<1x2x?x8xf32>
  return %a : tensor<1x2x?x8xf32>
}

// -----

/// A function with callers keeps its signature (the calls would no longer
/// match), and the caller is left alone.
// CHECK-LABEL: func.func @negative_called(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
//       CHECK:   longctx.attention
//   CHECK-NOT:   longctx.infini_attention
// CHECK-LABEL: func.func @caller(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
//       CHECK:   call @negative_called(%{{.+}}) : (tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32>
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

/// Attention with sinks (StreamingLLM) is left alone too.
// CHECK-LABEL: func.func @negative_sinks(
//       CHECK:   longctx.attention {{.*}} causal sinks(4)
//   CHECK-NOT:   longctx.infini_attention
func.func @negative_sinks(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention has sinks}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal sinks(4) -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}

// -----

/// Sliding-window attention already bounds its context; it is left alone.
// CHECK-LABEL: func.func @negative_window(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
//       CHECK:   longctx.attention {{.*}} causal window(16)
//   CHECK-NOT:   longctx.infini_attention
func.func @negative_window(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: attention has a sliding window}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal window(16) -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}

// -----

/// Attention nested in a region (here scf.if) cannot thread the state
/// through the function: not rewritten.
// CHECK-LABEL: func.func @negative_nested(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x64x8xf32>, %{{[a-zA-Z0-9_]+}}: i1) -> tensor<1x2x64x8xf32> {
//       CHECK:   scf.if
//       CHECK:     longctx.attention
//   CHECK-NOT:   longctx.infini_attention
func.func @negative_nested(%x: tensor<1x2x64x8xf32>, %c: i1) -> tensor<1x2x64x8xf32> {
  %r = scf.if %c -> tensor<1x2x64x8xf32> {
    // expected-remark @+1 {{not rewritten to Infini-attention: attention is not directly in the body of a func.func}}
    %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
           tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal -> tensor<1x2x64x8xf32>
    scf.yield %a : tensor<1x2x64x8xf32>
  } else {
    scf.yield %x : tensor<1x2x64x8xf32>
  }
  return %r : tensor<1x2x64x8xf32>
}

// -----

/// A function with several blocks (several returns to patch) is not
/// rewritten.
// CHECK-LABEL: func.func @negative_multi_block(
//  CHECK-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
//       CHECK:   longctx.attention
//   CHECK-NOT:   longctx.infini_attention
func.func @negative_multi_block(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Infini-attention: the function has more than one block}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal -> tensor<1x2x64x8xf32>
  cf.br ^bb1(%a : tensor<1x2x64x8xf32>)
^bb1(%b: tensor<1x2x64x8xf32>):
  return %b : tensor<1x2x64x8xf32>
}
