// RUN: longctx-opt %s --split-input-file --verify-diagnostics

// At least one case per diagnostic of the verifiers of longctx.memory_retrieve,
// longctx.memory_update and longctx.infini_attention (LongCtxOps.cpp), with
// the exact message; a few messages get a second case for a boundary (zero
// heads, a negative length, an infinite or NaN attribute, another dimension).
// Cases are named @<op>_<what is wrong>; each is otherwise valid, so that the
// diagnostic under test is the first one the verifier reaches.

/// The query is rank 4 [B, H, S, d].
func.func @memory_retrieve_query_rank(%q: tensor<2x16x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected query to be a rank-4 tensor, got rank 3}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<2x16x8xf32>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// The result is rank 4 [B, H, S, dv].
func.func @memory_retrieve_result_rank(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<2x16x8xf32> {
  // expected-error @+1 {{expected result to be a rank-4 tensor, got rank 3}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<2x16x8xf32>
  return %a : tensor<2x16x8xf32>
}

// -----

/// The result has the query element type (the state may be wider, the result is not).
func.func @memory_retrieve_result_element_type(%q: tensor<1x2x16x8xf16>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected result element type to match the query element type 'f16', got 'f32'}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf16>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// The memory is rank 4 [B, Hkv, d, dv].
func.func @memory_retrieve_memory_rank(%q: tensor<1x2x16x8xf32>, %m: tensor<2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected memory to be a rank-4 tensor [B, Hkv, d, dv], got rank 3}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// The normaliser is rank 3 [B, Hkv, d].
func.func @memory_retrieve_norm_rank(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected norm to be a rank-3 tensor [B, Hkv, d], got rank 4}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// f16 queries read an f32 state, not f64.
func.func @memory_retrieve_memory_element_type(%q: tensor<1x2x16x8xf16>,
    %m: tensor<1x2x8x8xf64>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf16> {
  // expected-error @+1 {{expected memory element type 'f32' (the state type for 'f16' inputs), got 'f64'}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf16>,
         tensor<1x2x8x8xf64>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf16>
  return %a : tensor<1x2x16x8xf16>
}

// -----

/// f64 queries read an f64 state: an f32 normaliser is rejected.
func.func @memory_retrieve_norm_element_type(%q: tensor<1x2x16x8xf64>,
    %m: tensor<1x2x8x8xf64>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf64> {
  // expected-error @+1 {{expected norm element type 'f64' (the state type for 'f64' inputs), got 'f32'}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf64>,
         tensor<1x2x8x8xf64>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf64>
  return %a : tensor<1x2x16x8xf64>
}

// -----

/// Every memory serves the same number of query heads: 3 query heads cannot share 2 memories.
func.func @memory_retrieve_heads_multiple(%q: tensor<1x3x16x8xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x3x16x8xf32> {
  // expected-error @+1 {{expected the number of query heads (3) to be a multiple of the number of memory heads (2)}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x3x16x8xf32>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<1x3x16x8xf32>
  return %a : tensor<1x3x16x8xf32>
}

// -----

/// Zero memory heads are rejected (and do not divide by zero).
func.func @memory_retrieve_zero_memory_heads(%q: tensor<1x2x16x8xf32>,
    %m: tensor<1x0x8x8xf32>, %z: tensor<1x0x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected the number of query heads (2) to be a multiple of the number of memory heads (0)}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<1x0x8x8xf32>, tensor<1x0x8xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// The memory's key dim d is the query head dim.
func.func @memory_retrieve_memory_shape(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x4x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected memory shape [1, 2, 8, 8] ([B, Hkv, d, dv]), got [1, 2, 4, 8]}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<1x2x4x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// The memory has the query batch size.
func.func @memory_retrieve_memory_batch(%q: tensor<1x2x16x8xf32>, %m: tensor<3x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected memory shape [1, 2, 8, 8] ([B, Hkv, d, dv]), got [3, 2, 8, 8]}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<3x2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// The normaliser has one entry per key dim of each memory.
func.func @memory_retrieve_norm_shape(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x4xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected norm shape [1, 2, 8] ([B, Hkv, d]), got [1, 2, 4]}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<1x2x8x8xf32>, tensor<1x2x4xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// The result's last dim is the memory's value dim dv.
func.func @memory_retrieve_result_shape(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x4xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected result shape [1, 2, 16, 4] ([B, H, S, dv]), got [1, 2, 16, 8]}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// eps clamps the denominator and must be positive.
func.func @memory_retrieve_eps_zero(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected eps to be positive and finite, got 0}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) eps(0.0) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// An infinite eps would clamp every read to 0.
func.func @memory_retrieve_eps_inf(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected eps to be positive and finite, got INF}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) eps(0x7FF0000000000000) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}

// -----

/// The keys are rank 4 [B, Hkv, S, d].
func.func @memory_update_key_rank(%k: tensor<2x16x8xf32>, %v: tensor<1x2x16x8xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{expected key to be a rank-4 tensor, got rank 3}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<2x16x8xf32>, tensor<1x2x16x8xf32>,
               tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// The values are rank 4 [B, Hkv, S, dv].
func.func @memory_update_value_rank(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8x1xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{expected value to be a rank-4 tensor, got rank 5}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x8x1xf32>,
               tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// Keys and values have one element type.
func.func @memory_update_key_value_element_type(%k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf16>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{expected key and value element types to match, got 'f32' and 'f16'}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf16>,
               tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(delta)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// Keys and values have the same batch size.
func.func @memory_update_batch_mismatch(%k: tensor<1x2x16x8xf32>,
    %v: tensor<2x2x16x8xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{expected key and value dimension 0 to match, got 1 and 2}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<2x2x16x8xf32>,
               tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// Keys and values have the same number of heads.
func.func @memory_update_heads_mismatch(%k: tensor<1x2x16x8xf32>,
    %v: tensor<1x1x16x8xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{expected key and value dimension 1 to match, got 2 and 1}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x1x16x8xf32>,
               tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// Every key has a value.
func.func @memory_update_length_mismatch(%k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x12x8xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{expected key and value dimension 2 to match, got 16 and 12}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>,
               tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// The memory is rank 4 [B, Hkv, d, dv].
func.func @memory_update_memory_rank(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>,
    %m: tensor<2x8x8xf32>, %z: tensor<1x2x8xf32>) -> (tensor<2x8x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{expected memory to be a rank-4 tensor [B, Hkv, d, dv], got rank 3}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
               tensor<2x8x8xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// The normaliser is rank 3 [B, Hkv, d].
func.func @memory_update_norm_rank(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<2x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<2x8xf32>) {
  // expected-error @+1 {{expected norm to be a rank-3 tensor [B, Hkv, d], got rank 2}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
               tensor<1x2x8x8xf32>, tensor<2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<2x8xf32>
}

// -----

/// f32 keys write an f32 state, not f64.
func.func @memory_update_memory_element_type(%k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x8xf64>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x8xf64>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{expected memory element type 'f32' (the state type for 'f32' inputs), got 'f64'}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
               tensor<1x2x8x8xf64>, tensor<1x2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x8xf64>, tensor<1x2x8xf32>
}

// -----

/// bf16 keys write an f32 state: an f64 normaliser is rejected.
func.func @memory_update_norm_element_type(%k: tensor<1x2x16x8xbf16>,
    %v: tensor<1x2x16x8xbf16>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf64>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8xf64>) {
  // expected-error @+1 {{expected norm element type 'f32' (the state type for 'bf16' inputs), got 'f64'}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xbf16>, tensor<1x2x16x8xbf16>,
               tensor<1x2x8x8xf32>, tensor<1x2x8xf64>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x8xf64>
}

// -----

/// One memory per key/value head: 2 heads cannot write 1 memory.
func.func @memory_update_memory_shape(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>,
    %m: tensor<1x1x8x8xf32>, %z: tensor<1x1x8xf32>) -> (tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) {
  // expected-error @+1 {{expected memory shape [1, 2, 8, 8] ([B, Hkv, d, dv]), got [1, 1, 8, 8]}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
               tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>
}

// -----

/// The memory's value dim is the values' dv.
func.func @memory_update_memory_value_dim(%k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x4xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{expected memory shape [1, 2, 8, 4] ([B, Hkv, d, dv]), got [1, 2, 8, 8]}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>,
               tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// The normaliser has one entry per key dim.
func.func @memory_update_norm_shape(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x16xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x16xf32>) {
  // expected-error @+1 {{expected norm shape [1, 2, 8] ([B, Hkv, d]), got [1, 2, 16]}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
               tensor<1x2x8x8xf32>, tensor<1x2x16xf32>) rule(linear)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x16xf32>
}

// -----

/// eps clamps the delta rule's read and must be positive.
func.func @memory_update_eps_negative(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{expected eps to be positive and finite, got -1.000000e-03}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
               tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(delta) eps(-1.0e-3)
  return %m2, %z2 : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>
}

// -----

/// The keys are rank 4 [B, Hkv, N, d].
func.func @infini_attention_key_rank(%q: tensor<1x2x16x8xf32>, %k: tensor<2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected key to be a rank-4 tensor, got rank 3}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The result is rank 4 [B, H, N, dv].
func.func @infini_attention_result_rank(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<2x16x8xf32> {
  // expected-error @+1 {{expected result to be a rank-4 tensor, got rank 3}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<2x16x8xf32>
  return %o : tensor<2x16x8xf32>
}

// -----

/// Query, key and value share one element type.
func.func @infini_attention_value_element_type(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf16>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected value element type to match the query element type 'f32', got 'f16'}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf16>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Keys have the query batch size.
func.func @infini_attention_key_batch(%q: tensor<1x2x16x8xf32>, %k: tensor<2x2x16x8xf32>,
    %v: tensor<2x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected key batch size to match the query batch size 1, got 2}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Keys and values have the same number of heads.
func.func @infini_attention_key_value_heads(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x1x16x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected key and value to have the same number of heads, got 2 and 1}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x1x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// GQA needs a whole number of query heads per key/value head.
func.func @infini_attention_heads_multiple(%q: tensor<1x3x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %g: tensor<3xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x3x16x8xf32> {
  // expected-error @+1 {{expected the number of query heads (3) to be a multiple of the number of key/value heads (2)}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x3x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<3xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x3x16x8xf32>
  return %o : tensor<1x3x16x8xf32>
}

// -----

/// Every key has a value.
func.func @infini_attention_key_value_lengths(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x12x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected key and value sequence lengths to match, got 16 and 12}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Queries and keys have one head dim.
func.func @infini_attention_head_dims(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x4xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected query and key head dims to match, got 8 and 4}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The result is [B, H, N, dv] with dv from the values.
func.func @infini_attention_result_shape(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x4xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected result shape [1, 2, 16, 4] ([B, H, N, dv]), got [1, 2, 16, 8]}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x4xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Infini-attention is self-attention: as many keys as queries.
func.func @infini_attention_self_attention(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x12x8xf32>, %v: tensor<1x2x12x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected the key sequence length to match the query sequence length 16 (self-attention), got 12}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The memory is rank 4 [B, Hkv, d, dv].
func.func @infini_attention_memory_rank(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8x1xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected memory to be a rank-4 tensor [B, Hkv, d, dv], got rank 5}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8x1xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The normaliser is rank 3 [B, Hkv, d].
func.func @infini_attention_norm_rank(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected norm to be a rank-3 tensor [B, Hkv, d], got rank 4}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// f64 activations keep an f64 state.
func.func @infini_attention_memory_element_type(%q: tensor<1x2x16x8xf64>,
    %k: tensor<1x2x16x8xf64>, %v: tensor<1x2x16x8xf64>, %g: tensor<2xf64>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf64> {
  // expected-error @+1 {{expected memory element type 'f64' (the state type for 'f64' inputs), got 'f32'}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>)
      gate(%g : tensor<2xf64>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf64>
  return %o : tensor<1x2x16x8xf64>
}

// -----

/// f16 activations keep an f32 state, normaliser included.
func.func @infini_attention_norm_element_type(%q: tensor<1x2x16x8xf16>,
    %k: tensor<1x2x16x8xf16>, %v: tensor<1x2x16x8xf16>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf64>) -> tensor<1x2x16x8xf16> {
  // expected-error @+1 {{expected norm element type 'f32' (the state type for 'f16' inputs), got 'f64'}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf64>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf16>
  return %o : tensor<1x2x16x8xf16>
}

// -----

/// One memory per key/value head (GQA: 4 query heads, 2 memories).
func.func @infini_attention_memory_shape(%q: tensor<1x4x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %g: tensor<4xf32>,
    %m: tensor<1x4x8x8xf32>, %z: tensor<1x4x8xf32>) -> tensor<1x4x16x8xf32> {
  // expected-error @+1 {{expected memory shape [1, 2, 8, 8] ([B, Hkv, d, dv]), got [1, 4, 8, 8]}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<4xf32>)
      memory(%m, %z : tensor<1x4x8x8xf32>, tensor<1x4x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x4x16x8xf32>
  return %o : tensor<1x4x16x8xf32>
}

// -----

/// The normaliser has one entry per key dim.
func.func @infini_attention_norm_shape(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x4xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected norm shape [1, 2, 8] ([B, Hkv, d]), got [1, 2, 4]}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x4xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// One gate logit per query head, not per key/value head.
func.func @infini_attention_gate_shape(%q: tensor<1x4x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x4x16x8xf32> {
  // expected-error @+1 {{expected gate shape [4] (one logit per query head), got [2]}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x4x16x8xf32>
  return %o : tensor<1x4x16x8xf32>
}

// -----

/// The gate is a vector [H] (not per head and channel).
func.func @infini_attention_gate_rank(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected gate shape [2] (one logit per query head), got [2, 8]}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2x8xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The gate logits have the state element type.
func.func @infini_attention_gate_element_type(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %g: tensor<2xf64>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected gate element type 'f32', got 'f64'}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf64>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// memory_query has exactly the query type.
func.func @infini_attention_memory_query_type(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>, %mq: tensor<1x2x8x8xf32>,
    %mk: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected memory_query type 'tensor<1x2x16x8xf32>' (the query type), got 'tensor<1x2x8x8xf32>'}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      memory_inputs(%mq, %mk : tensor<1x2x8x8xf32>, tensor<1x2x16x8xf32>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// memory_key has exactly the key type.
func.func @infini_attention_memory_key_type(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>, %mq: tensor<1x2x16x8xf32>,
    %mk: tensor<1x2x16x8xf16>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected memory_key type 'tensor<1x2x16x8xf32>' (the key type), got 'tensor<1x2x16x8xf16>'}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      memory_inputs(%mq, %mk : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf16>)
      segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Segments hold at least one token.
func.func @infini_attention_segment_length_zero(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a positive segment_length, got 0}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(0) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// segment_length is read as a signed value.
func.func @infini_attention_segment_length_negative(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a positive segment_length, got -8}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(-8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// eps clamps the memory read and must be positive.
func.func @infini_attention_eps_zero(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected eps to be positive and finite, got 0}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) eps(0.0) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The local attention scale is finite.
func.func @infini_attention_scale_inf(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a finite scale, got INF}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) scale(0x7FF0000000000000) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// A NaN scale is not finite either.
func.func @infini_attention_scale_nan(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a finite scale, got nan}}
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
      segment_length(8) rule(linear) scale(0x7FF8000000000000) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// memory_query without memory_key (generic form: the custom syntax cannot express it).
func.func @infini_attention_memory_query_without_key(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %x: tensor<1x2x16x8xf32>,
    %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected both or neither of memory_query and memory_key}}
  %o:3 = "longctx.infini_attention"(%q, %k, %v, %g, %m, %z, %x) <{eps = 1.0e-6 : f64,
      operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0>, rule = 0 : i32,
      segment_length = 8 : i64}>
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2xf32>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>, tensor<1x2x16x8xf32>)
      -> (tensor<1x2x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
  return %o#0 : tensor<1x2x16x8xf32>
}

// -----

/// memory_key without memory_query (generic form).
func.func @infini_attention_memory_key_without_query(%q: tensor<1x2x16x8xf32>,
    %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %x: tensor<1x2x16x8xf32>,
    %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected both or neither of memory_query and memory_key}}
  %o:3 = "longctx.infini_attention"(%q, %k, %v, %g, %m, %z, %x) <{eps = 1.0e-6 : f64,
      operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 1>, rule = 0 : i32,
      segment_length = 8 : i64}>
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2xf32>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>, tensor<1x2x16x8xf32>)
      -> (tensor<1x2x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
  return %o#0 : tensor<1x2x16x8xf32>
}
