// RUN: longctx-opt %s --split-input-file --verify-diagnostics

/// Query must be rank 4 [B, H, N, d].
func.func @attention_query_rank(%q: tensor<2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected query to be a rank-4 tensor, got rank 3}}
  %o = longctx.attention ins(%q, %k, %v : tensor<2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// All of query, key, value and result share one element type.
func.func @attention_element_type(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf16>,
    %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected key element type to match the query element type 'f32', got 'f16'}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf16>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// Integer queries are rejected by the ODS type constraint.
func.func @attention_integer_query(%q: tensor<1x2x16x8xi32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xi32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// Key batch must match the query batch.
func.func @attention_batch(%q: tensor<1x2x16x8xf32>, %k: tensor<2x2x16x8xf32>,
    %v: tensor<2x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected key batch size to match the query batch size 1, got 2}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// Key and value have the same number of heads.
func.func @attention_kv_heads(%q: tensor<1x4x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32> {
  // expected-error @+1 {{expected key and value to have the same number of heads, got 2 and 4}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  return %o : tensor<1x4x16x8xf32>
}
// -----

/// GQA needs H to be a multiple of Hkv.
func.func @attention_gqa_multiple(%q: tensor<1x8x16x8xf32>, %k: tensor<1x3x16x8xf32>,
    %v: tensor<1x3x16x8xf32>) -> tensor<1x8x16x8xf32> {
  // expected-error @+1 {{expected the number of query heads (8) to be a multiple of the number of key/value heads (3)}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x16x8xf32>, tensor<1x3x16x8xf32>, tensor<1x3x16x8xf32>) -> tensor<1x8x16x8xf32>
  return %o : tensor<1x8x16x8xf32>
}
// -----

/// Key and value sequence lengths match.
func.func @attention_kv_length(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x12x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected key and value sequence lengths to match, got 16 and 12}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// Head dims are not zero (nothing to compute, nothing to scale by).
func.func @attention_zero_head_dim(%q: tensor<1x2x16x0xf32>, %k: tensor<1x2x16x0xf32>,
    %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected head dims of at least 1, got d = 0 and dv = 8}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x0xf32>, tensor<1x2x16x0xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// Nor the value head dim.
func.func @attention_zero_value_dim(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x0xf32>) -> tensor<1x2x16x0xf32> {
  // expected-error @+1 {{expected head dims of at least 1, got d = 8 and dv = 0}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x0xf32>) -> tensor<1x2x16x0xf32>
  return %o : tensor<1x2x16x0xf32>
}
// -----

/// Query and key head dims match.
func.func @attention_head_dim(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x4xf32>,
    %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected query and key head dims to match, got 8 and 4}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// The result is [B, H, N, dv].
func.func @attention_result_shape(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x6xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected result shape [1, 2, 16, 6] ([B, H, N, dv]), got [1, 2, 16, 8]}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x6xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// The mask is rank 4.
func.func @attention_mask_rank(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %m: tensor<16x16xi1>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected mask to be a rank-4 tensor [B|1, H|1, N|1, M], got rank 2}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) mask(%m : tensor<16x16xi1>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// A float mask has the query element type.
func.func @attention_mask_element_type(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %m: tensor<1x1x16x16xf16>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a floating-point mask to have the query element type 'f32', got 'f16'}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) mask(%m : tensor<1x1x16x16xf16>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// Mask batch/head dims are 1 (broadcast) or equal to the query's.
func.func @attention_mask_heads(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %m: tensor<1x3x16x16xi1>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected mask dimension 1 to be 1 or 2, got 3}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) mask(%m : tensor<1x3x16x16xi1>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// Mask rows are the queries.
func.func @attention_mask_rows(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %m: tensor<1x1x12x16xi1>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected mask dimension 2 to be 1 or the query sequence length 16, got 12}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) mask(%m : tensor<1x1x12x16xi1>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// Mask columns are the keys.
func.func @attention_mask_cols(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %m: tensor<1x1x16x12xi1>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected mask dimension 3 to be the key sequence length 16, got 12}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) mask(%m : tensor<1x1x16x12xi1>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// The scale is finite.
func.func @attention_scale(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a finite scale, got INF}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) scale(0x7FF0000000000000) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// The key must be rank 4 [B, Hkv, M, d].
func.func @attention_key_rank(%q: tensor<1x4x32x16xf32>, %k: tensor<1x1x4x32x16xf32>,
    %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  // expected-error @+1 {{expected key to be a rank-4 tensor, got rank 5}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x1x4x32x16xf32>,
         tensor<1x4x32x16xf32>)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}
// -----

/// The value must be rank 4 [B, Hkv, M, dv].
func.func @attention_value_rank(%q: tensor<1x4x32x16xf32>, %k: tensor<1x4x32x16xf32>,
    %v: tensor<4x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  // expected-error @+1 {{expected value to be a rank-4 tensor, got rank 3}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>,
         tensor<4x32x16xf32>)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}
// -----

/// The result must be rank 4 [B, H, N, dv].
func.func @attention_result_rank(%q: tensor<1x4x32x16xf32>, %k: tensor<1x4x32x16xf32>,
    %v: tensor<1x4x32x16xf32>)
    -> tensor<128x16xf32> {
  // expected-error @+1 {{expected result to be a rank-4 tensor, got rank 2}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>)
         -> tensor<128x16xf32>
  return %o : tensor<128x16xf32>
}
// -----

/// A bf16 value with an f32 query is rejected.
func.func @attention_value_element_type(%q: tensor<1x4x32x16xf32>, %k: tensor<1x4x32x16xf32>,
    %v: tensor<1x4x32x16xbf16>)
    -> tensor<1x4x32x16xf32> {
  // expected-error @+1 {{expected value element type to match the query element type 'f32', got 'bf16'}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xbf16>)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}
// -----

/// The result cannot change the element type (f32 inputs, f64 result).
func.func @attention_result_element_type(%q: tensor<1x4x32x16xf32>, %k: tensor<1x4x32x16xf32>,
    %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xf64> {
  // expected-error @+1 {{expected result element type to match the query element type 'f32', got 'f64'}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>)
         -> tensor<1x4x32x16xf64>
  return %o : tensor<1x4x32x16xf64>
}
// -----

/// The value batch size (3) differs from the query batch size (2).
func.func @attention_value_batch(%q: tensor<2x4x32x16xf32>, %k: tensor<2x4x32x16xf32>,
    %v: tensor<3x4x32x16xf32>)
    -> tensor<2x4x32x16xf32> {
  // expected-error @+1 {{expected value batch size to match the query batch size 2, got 3}}
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>,
         tensor<3x4x32x16xf32>)
         -> tensor<2x4x32x16xf32>
  return %o : tensor<2x4x32x16xf32>
}
// -----

/// Hkv = 0 is rejected by the same check, without dividing by zero.
func.func @attention_zero_kv_heads(%q: tensor<1x4x32x16xf32>, %k: tensor<1x0x32x16xf32>,
    %v: tensor<1x0x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  // expected-error @+1 {{expected the number of query heads (4) to be a multiple of the number of key/value heads (0)}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x0x32x16xf32>,
         tensor<1x0x32x16xf32>)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}
// -----

/// The mask batch dimension must be 1 (broadcast) or B = 2.
func.func @attention_mask_batch(%q: tensor<2x4x32x16xf32>, %k: tensor<2x4x32x16xf32>,
    %v: tensor<2x4x32x16xf32>, %m: tensor<3x4x32x32xi1>)
    -> tensor<2x4x32x16xf32> {
  // expected-error @+1 {{expected mask dimension 0 to be 1 or 2, got 3}}
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>,
         tensor<2x4x32x16xf32>) mask(%m : tensor<3x4x32x32xi1>)
         -> tensor<2x4x32x16xf32>
  return %o : tensor<2x4x32x16xf32>
}
// -----

/// ODS: operands must be ranked tensors; the generic form reaches the type
/// constraint with an unranked query.
func.func @attention_ods_query_unranked(%q: tensor<*xf32>, %k: tensor<1x4x32x16xf32>,
    %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<*xf32>'}}
  %o = "longctx.attention"(%q, %k, %v)
         : (tensor<*xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}
// -----

/// The custom form already refuses an unranked query while parsing its
/// type.
func.func @attention_parse_query_unranked(%q: tensor<*xf32>, %k: tensor<1x4x32x16xf32>,
    %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  // expected-error @+1 {{custom op 'longctx.attention' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %o = longctx.attention ins(%q, %k, %v : tensor<*xf32>, tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}
// -----

/// ODS: a mask is i1 or a float type; an i8 mask is rejected.
func.func @attention_ods_mask_integer(%q: tensor<1x4x32x16xf32>, %k: tensor<1x4x32x16xf32>,
    %v: tensor<1x4x32x16xf32>, %m: tensor<1x4x32x32xi8>)
    -> tensor<1x4x32x16xf32> {
  // expected-error @+1 {{operand #3 must be ranked tensor of 1-bit signless integer or 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<1x4x32x32xi8>'}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>) mask(%m : tensor<1x4x32x32xi8>)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}
// -----

/// ODS: the result element type must be a float type.
func.func @attention_ods_result_integer(%q: tensor<1x4x32x16xf32>, %k: tensor<1x4x32x16xf32>,
    %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xi32> {
  // expected-error @+1 {{result #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<1x4x32x16xi32>'}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>,
         tensor<1x4x32x16xf32>)
         -> tensor<1x4x32x16xi32>
  return %o : tensor<1x4x32x16xi32>
}
// -----

/// ODS: the scale attribute is an f64 attribute; an f32 one is rejected.
func.func @attention_ods_scale_f32(%q: tensor<1x4x32x16xf32>, %k: tensor<1x4x32x16xf32>,
    %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 64-bit float attribute}}
  %o = "longctx.attention"(%q, %k, %v) {scale = 1.250000e-01 : f32}
         : (tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}
// -----

/// ODS: causal is a unit attribute, not a boolean or an integer.
func.func @attention_ods_causal_not_unit(%q: tensor<1x4x32x16xf32>, %k: tensor<1x4x32x16xf32>,
    %v: tensor<1x4x32x16xf32>)
    -> tensor<1x4x32x16xf32> {
  // expected-error @+1 {{attribute 'causal' failed to satisfy constraint: unit attribute}}
  %o = "longctx.attention"(%q, %k, %v) {causal = true}
         : (tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>)
         -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}
// -----

/// Memory is [B, Hkv, d, dv].
func.func @retrieve_memory_rank(%q: tensor<1x2x16x8xf32>, %m: tensor<2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected memory to be a rank-4 tensor [B, Hkv, d, dv], got rank 3}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>, tensor<2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}
// -----

/// The normaliser is [B, Hkv, d].
func.func @retrieve_norm_rank(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected norm to be a rank-3 tensor [B, Hkv, d], got rank 4}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}
// -----

/// f16 queries read an f32 state.
func.func @retrieve_state_type(%q: tensor<1x2x16x8xf16>, %m: tensor<1x2x8x8xf64>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf16> {
  // expected-error @+1 {{expected memory element type 'f32' (the state type for 'f16' inputs), got 'f64'}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf16>, tensor<1x2x8x8xf64>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf16>
  return %a : tensor<1x2x16x8xf16>
}
// -----

/// Query heads are a multiple of memory heads.
func.func @retrieve_heads(%q: tensor<1x3x16x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x3x16x8xf32> {
  // expected-error @+1 {{expected the number of query heads (3) to be a multiple of the number of memory heads (2)}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x3x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) -> tensor<1x3x16x8xf32>
  return %a : tensor<1x3x16x8xf32>
}
// -----

/// The memory's key dim is the query head dim.
func.func @retrieve_memory_shape(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x4x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected memory shape [1, 2, 8, 8] ([B, Hkv, d, dv]), got [1, 2, 4, 8]}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}
// -----

/// The normaliser matches the memory.
func.func @retrieve_norm_shape(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x4xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected norm shape [1, 2, 8] ([B, Hkv, d]), got [1, 2, 4]}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x4xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}
// -----

/// The read is [B, H, S, dv].
func.func @retrieve_result_shape(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x4xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected result shape [1, 2, 16, 4] ([B, H, S, dv]), got [1, 2, 16, 8]}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}
// -----

/// eps is positive.
func.func @retrieve_eps(%q: tensor<1x2x16x8xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected eps to be positive and finite, got 0}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) eps(0.0) -> tensor<1x2x16x8xf32>
  return %a : tensor<1x2x16x8xf32>
}
// -----

/// Keys and values agree on batch, heads and length.
func.func @update_kv_dims(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x12x8xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{expected key and value dimension 2 to match, got 16 and 12}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2 : tensor<1x2x8x8xf32>
}
// -----

/// Keys and values share an element type.
func.func @update_kv_types(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf16>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{expected key and value element types to match, got 'f32' and 'f16'}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf16>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(delta)
  return %m2 : tensor<1x2x8x8xf32>
}
// -----

/// Key rank.
func.func @update_key_rank(%k: tensor<2x16x8xf32>, %v: tensor<1x2x16x8xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{expected key to be a rank-4 tensor, got rank 3}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) rule(linear)
  return %m2 : tensor<1x2x8x8xf32>
}
// -----

/// The memory must have one slot per key/value head.
func.func @update_memory_shape(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>,
    %m: tensor<1x1x8x8xf32>, %z: tensor<1x1x8xf32>) -> tensor<1x1x8x8xf32> {
  // expected-error @+1 {{expected memory shape [1, 2, 8, 8] ([B, Hkv, d, dv]), got [1, 1, 8, 8]}}
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) rule(linear)
  return %m2 : tensor<1x1x8x8xf32>
}
// -----

/// Infini-attention is self-attention: keys are the query tokens.
func.func @infini_self_length(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x12x8xf32>,
    %v: tensor<1x2x12x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected the key sequence length to match the query sequence length 16 (self-attention), got 12}}
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>) gate(%g : tensor<2xf32>) memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// One gate logit per query head.
func.func @infini_gate_shape(%q: tensor<1x4x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x4x16x8xf32> {
  // expected-error @+1 {{expected gate shape [4] (one logit per query head), got [2]}}
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) gate(%g : tensor<2xf32>) memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) segment_length(8) rule(linear) -> tensor<1x4x16x8xf32>
  return %o : tensor<1x4x16x8xf32>
}
// -----

/// The gate is in the state type.
func.func @infini_gate_type(%q: tensor<1x2x16x8xf64>, %k: tensor<1x2x16x8xf64>,
    %v: tensor<1x2x16x8xf64>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf64>,
    %z: tensor<1x2x8xf64>) -> tensor<1x2x16x8xf64> {
  // expected-error @+1 {{expected gate element type 'f64', got 'f32'}}
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>) gate(%g : tensor<2xf32>) memory(%m, %z : tensor<1x2x8x8xf64>, tensor<1x2x8xf64>) segment_length(8) rule(linear) -> tensor<1x2x16x8xf64>
  return %o : tensor<1x2x16x8xf64>
}
// -----

/// Memory-path queries have the query type.
func.func @infini_memory_query_type(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %mq: tensor<1x2x8x8xf32>, %mk: tensor<1x2x16x8xf32>,
    %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected memory_query type 'tensor<1x2x16x8xf32>' (the query type), got 'tensor<1x2x8x8xf32>'}}
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) gate(%g : tensor<2xf32>) memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) memory_inputs(%mq, %mk : tensor<1x2x8x8xf32>, tensor<1x2x16x8xf32>) segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// Memory-path keys have the key type.
func.func @infini_memory_key_type(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %mq: tensor<1x2x16x8xf32>, %mk: tensor<1x2x16x4xf32>,
    %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected memory_key type 'tensor<1x2x16x8xf32>' (the key type), got 'tensor<1x2x16x4xf32>'}}
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) gate(%g : tensor<2xf32>) memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) memory_inputs(%mq, %mk : tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>) segment_length(8) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// memory_query and memory_key come together (generic form, one missing).
func.func @infini_memory_inputs_pair(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %mq: tensor<1x2x16x8xf32>,
    %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected both or neither of memory_query and memory_key}}
  %o:3 = "longctx.infini_attention"(%q, %k, %v, %g, %m, %z, %mq) <{eps = 1.0e-6 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0>, rule = 0 : i32, segment_length = 8 : i64}> : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>, tensor<1x2x16x8xf32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
  return %o#0 : tensor<1x2x16x8xf32>
}
// -----

/// Segments have at least one token.
func.func @infini_segment_length(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a positive segment_length, got 0}}
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) gate(%g : tensor<2xf32>) memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) segment_length(0) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
// -----

/// Unknown update rules do not parse.
func.func @infini_rule(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %g: tensor<2xf32>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'rule' [linear, delta]}}
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) gate(%g : tensor<2xf32>) memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) segment_length(8) rule(hebbian) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Keys, values and queries cover the same batch, heads and tokens.
func.func @titans_token_mismatch(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x12x8xf32>,
    %q: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>, %w: tensor<1x2x8x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected key, value and query dimension 2 to match, got 16, 12 and 16}}
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %v, %q : tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) state(%w, %w : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Grouped-query reads: the query heads are a whole multiple of the
/// memory heads (here 3 over 2).
func.func @titans_query_heads(%k: tensor<1x2x16x8xf32>, %q: tensor<1x3x16x8xf32>,
    %r: tensor<1x2x16xf32>, %w: tensor<1x2x8x8xf32>) -> tensor<1x3x16x8xf32> {
  // expected-error @+1 {{expected key, value and query dimension 1 to match (or the query heads to be a multiple of the key heads), got 2, 2 and 3}}
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %k, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x3x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) state(%w, %w : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) chunk_length(4) -> tensor<1x3x16x8xf32>
  return %o : tensor<1x3x16x8xf32>
}

// -----

/// The MLP memory has one query head per memory head.
func.func @titans_mlp_query_heads(%k: tensor<1x2x16x8xf32>, %q: tensor<1x4x16x8xf32>,
    %r: tensor<1x2x16xf32>, %w1: tensor<1x2x8x32xf32>, %w2: tensor<1x2x32x8xf32>) -> tensor<1x4x16x8xf32> {
  // expected-error @+1 {{expected key, value and query dimension 1 to match, got 2, 2 and 4}}
  %o, %a, %b, %c, %d = longctx.titans_mlp_memory ins(%k, %k, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x4x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) weights(%w1, %w2 : tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) momentum(%w1, %w2 : tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) chunk_length(4) -> tensor<1x4x16x8xf32>
  return %o : tensor<1x4x16x8xf32>
}

// -----

/// Queries and keys share the head dim.
func.func @titans_head_dim(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>,
    %q: tensor<1x2x16x4xf32>, %r: tensor<1x2x16xf32>, %w: tensor<1x2x8x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected query and key head dims to match, got 4 and 8}}
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %v, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) state(%w, %w : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The output is [B, H, N, dv].
func.func @titans_result(%k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>,
    %q: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>, %w: tensor<1x2x8x4xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected result shape [1, 2, 16, 4] ([B, H, N, dv]), got [1, 2, 16, 8]}}
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %v, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) state(%w, %w : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// One rate per token.
func.func @titans_rates_shape(%k: tensor<1x2x16x8xf32>, %q: tensor<1x2x16x8xf32>,
    %r: tensor<1x2x8xf32>, %w: tensor<1x2x8x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected theta, eta and alpha shape [1, 2, 16] ([B, H, N], one rate per token), got [1, 2, 8]}}
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %k, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>) state(%w, %w : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Rates are in the state type.
func.func @titans_rates_type(%k: tensor<1x2x16x8xf64>, %r: tensor<1x2x16xf32>,
    %w: tensor<1x2x8x8xf64>) -> tensor<1x2x16x8xf64> {
  // expected-error @+1 {{expected theta, eta and alpha element type 'f64', got 'f32'}}
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %k, %k : tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) state(%w, %w : tensor<1x2x8x8xf64>, tensor<1x2x8x8xf64>) chunk_length(4) -> tensor<1x2x16x8xf64>
  return %o : tensor<1x2x16x8xf64>
}

// -----

/// The weights are d x dv per head.
func.func @titans_weights_shape(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w: tensor<1x2x4x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected weights and momentum shape [1, 2, 8, 8] ([B, H, d, dv]), got [1, 2, 4, 8]}}
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) state(%w, %w : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The weights are in the state type.
func.func @titans_weights_type(%k: tensor<1x2x16x8xf16>, %r: tensor<1x2x16xf32>,
    %w: tensor<1x2x8x8xf64>) -> tensor<1x2x16x8xf16> {
  // expected-error @+1 {{expected weights and momentum element type 'f32', got 'f64'}}
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %k, %k : tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) state(%w, %w : tensor<1x2x8x8xf64>, tensor<1x2x8x8xf64>) chunk_length(4) -> tensor<1x2x16x8xf16>
  return %o : tensor<1x2x16x8xf16>
}

// -----

/// Chunks have at least one token.
func.func @titans_chunk_length(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w: tensor<1x2x8x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a positive chunk_length, got 0}}
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) state(%w, %w : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) chunk_length(0) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Sinks only make sense on causal attention.
func.func @attention_sinks_not_causal(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected causal attention with sinks}}
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) sinks(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// At least one sink.
func.func @attention_sinks_zero(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a positive number of sinks, got 0}}
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) causal sinks(0) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// A window only makes sense on causal attention.
func.func @attention_window_not_causal(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected causal attention with a window}}
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) window(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The window holds at least the query's own position.
func.func @attention_window_zero(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a positive window, got 0}}
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) causal window(0) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// W2 starts from W1's hidden width.
func.func @titans_mlp_hidden(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w1: tensor<1x2x8x32xf32>, %w2: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected w2 and s2 shape [1, 2, 32, 8] ([B, H, hidden, dv]), got [1, 2, 16, 8]}}
  %o, %a, %b, %c, %d = longctx.titans_mlp_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) weights(%w1, %w2 : tensor<1x2x8x32xf32>, tensor<1x2x16x8xf32>) momentum(%w1, %w2 : tensor<1x2x8x32xf32>, tensor<1x2x16x8xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// W1 maps the key head dim to the hidden width.
func.func @titans_mlp_w1(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w1: tensor<1x2x4x32xf32>, %w2: tensor<1x2x32x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected w1 and s1 shape [1, 2, 8, 32] ([B, H, d, hidden]), got [1, 2, 4, 32]}}
  %o, %a, %b, %c, %d = longctx.titans_mlp_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) weights(%w1, %w2 : tensor<1x2x4x32xf32>, tensor<1x2x32x8xf32>) momentum(%w1, %w2 : tensor<1x2x4x32xf32>, tensor<1x2x32x8xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// A hidden layer of no units leaves the memory nothing to learn.
func.func @titans_mlp_zero_hidden(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w1: tensor<1x2x8x0xf32>, %w2: tensor<1x2x0x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected hidden widths of at least 1, got 0 for w1}}
  %o, %a, %b, %c, %d = longctx.titans_mlp_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) weights(%w1, %w2 : tensor<1x2x8x0xf32>, tensor<1x2x0x8xf32>) momentum(%w1, %w2 : tensor<1x2x8x0xf32>, tensor<1x2x0x8xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Nor do head dims of zero.
func.func @titans_zero_head_dim(%k: tensor<1x2x16x0xf32>, %v: tensor<1x2x16x8xf32>,
    %r: tensor<1x2x16xf32>, %w: tensor<1x2x0x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected head dims of at least 1, got d = 0 and dv = 8}}
  %o, %w2, %s2 = longctx.titans_memory ins(%k, %v, %k : tensor<1x2x16x0xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x0xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) state(%w, %w : tensor<1x2x0x8xf32>, tensor<1x2x0x8xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// A one-layer MLP is the linear memory, which has its own op.
func.func @titans_mlp_depth_one(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w1: tensor<1x2x8x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected at least 2 weights (an MLP of depth >= 2; use longctx.titans_memory for a linear memory), got 1}}
  %o, %a, %b = longctx.titans_mlp_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) weights(%w1 : tensor<1x2x8x8xf32>) momentum(%w1 : tensor<1x2x8x8xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Every weight has its momentum.
func.func @titans_mlp_momentum_count(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w1: tensor<1x2x8x32xf32>, %w2: tensor<1x2x32x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected one momentum tensor per weight, got 2 weights and 1 momentum tensors}}
  %o, %a, %b, %c = longctx.titans_mlp_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) weights(%w1, %w2 : tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) momentum(%w1 : tensor<1x2x8x32xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// A momentum tensor has the type of its weight.
func.func @titans_mlp_momentum_type(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w1: tensor<1x2x8x32xf32>, %w2: tensor<1x2x32x8xf32>, %s2: tensor<1x2x32x4xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected w2, s2 and their results to have one type, got 'tensor<1x2x32x8xf32>', 'tensor<1x2x32x4xf32>', 'tensor<1x2x32x8xf32>' and 'tensor<1x2x32x4xf32>'}}
  %o, %a, %b, %c, %d = longctx.titans_mlp_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) weights(%w1, %w2 : tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) momentum(%w1, %s2 : tensor<1x2x8x32xf32>, tensor<1x2x32x4xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// A middle layer of a deeper memory maps one hidden width to the next.
func.func @titans_mlp_middle(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w1: tensor<1x2x8x32xf32>, %w2: tensor<1x2x16x12xf32>, %w3: tensor<1x2x12x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected w2 and s2 shape [1, 2, 32, 12] ([B, H, hidden, hidden]), got [1, 2, 16, 12]}}
  %o, %w:3, %s:3 = longctx.titans_mlp_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) weights(%w1, %w2, %w3 : tensor<1x2x8x32xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x8xf32>) momentum(%w1, %w2, %w3 : tensor<1x2x8x32xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x8xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The last layer of a deeper memory ends at the value head dim.
func.func @titans_mlp_last(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w1: tensor<1x2x8x32xf32>, %w2: tensor<1x2x32x12xf32>, %w3: tensor<1x2x12x4xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected w3 and s3 shape [1, 2, 12, 8] ([B, H, hidden, dv]), got [1, 2, 12, 4]}}
  %o, %w:3, %s:3 = longctx.titans_mlp_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) weights(%w1, %w2, %w3 : tensor<1x2x8x32xf32>, tensor<1x2x32x12xf32>, tensor<1x2x12x4xf32>) momentum(%w1, %w2, %w3 : tensor<1x2x8x32xf32>, tensor<1x2x32x12xf32>, tensor<1x2x12x4xf32>) chunk_length(4) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// The MLP memory also needs positive chunks.
func.func @titans_mlp_chunk(%k: tensor<1x2x16x8xf32>, %r: tensor<1x2x16xf32>,
    %w1: tensor<1x2x8x32xf32>, %w2: tensor<1x2x32x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a positive chunk_length, got -1}}
  %o, %a, %b, %c, %d = longctx.titans_mlp_memory ins(%k, %k, %k : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) rates(%r, %r, %r : tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) weights(%w1, %w2 : tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) momentum(%w1, %w2 : tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) chunk_length(-1) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Negative lengths are rejected, not read as huge unsigned values.
func.func @infini_negative_segment(%q: tensor<1x2x16x8xf32>, %g: tensor<2xf32>,
    %m: tensor<1x2x8x8xf32>, %z: tensor<1x2x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a positive segment_length, got -4}}
  %o, %m2, %z2 = longctx.infini_attention ins(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) gate(%g : tensor<2xf32>) memory(%m, %z : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) segment_length(-4) rule(linear) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

func.func @attention_negative_window(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{expected a positive window, got -3}}
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) causal window(-3) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
