// RUN: longctx-opt %s --split-input-file --longctx-attention-to-kv-cache=capacity=64 \
// RUN:   --verify-diagnostics | FileCheck %s
// RUN: not longctx-opt %s --split-input-file --longctx-attention-to-kv-cache=capacity=0 2>&1 | \
// RUN:   FileCheck %s --check-prefix=BADCAP

// BADCAP: longctx-attention-to-kv-cache: capacity must be positive, got 0

// The caches and their count become state; the call's keys and values go in
// at the count (clamped to [0, C - N]); the queries attend causally to the
// filled C' = count + N keys; the count grows by N.
// CHECK-LABEL: func.func @gqa(
//  CHECK-SAME:     %[[Q:[a-z0-9]+]]: tensor<1x4x7x16xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[K:[a-z0-9]+]]: tensor<1x2x7x16xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[V:[a-z0-9]+]]: tensor<1x2x7x8xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[KC:[a-z0-9]+]]: tensor<1x2x64x16xf32> {longctx.state = 1 : i64},
//  CHECK-SAME:     %[[VC:[a-z0-9]+]]: tensor<1x2x64x8xf32> {longctx.state = 2 : i64},
//  CHECK-SAME:     %[[N:[a-z0-9]+]]: tensor<1xi64> {longctx.kv_cache_capacity = 64 : i64, longctx.kv_cache_tokens = 7 : i64, longctx.state = 3 : i64})
//  CHECK-SAME:     -> (tensor<1x4x7x8xf32> {longctx.stream_dim = 2 : i64}, tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>, tensor<1xi64>)
//       CHECK:   %[[C0:.+]] = arith.constant 0 : index
//       CHECK:   %[[RAW:.+]] = tensor.extract %[[N]][%[[C0]]] : tensor<1xi64>
//       CHECK:   %[[I:.+]] = arith.index_cast %[[RAW]] : i64 to index
//       CHECK:   %[[LAST:.+]] = arith.constant 57 : index
//       CHECK:   %[[LO:.+]] = arith.maxsi %[[I]], %[[C0]] : index
//       CHECK:   %[[AT:.+]] = arith.minsi %[[LO]], %[[LAST]] : index
//       CHECK:   %[[TOTAL:.+]] = arith.addi %[[AT]], %{{.+}} : index
//       CHECK:   %[[K2:.+]] = tensor.insert_slice %[[K]] into %[[KC]][0, 0, %[[AT]], 0] [1, 2, 7, 16] [1, 1, 1, 1]
//       CHECK:   %[[V2:.+]] = tensor.insert_slice %[[V]] into %[[VC]][0, 0, %[[AT]], 0] [1, 2, 7, 8] [1, 1, 1, 1]
//       CHECK:   %[[KS:.+]] = tensor.extract_slice %[[K2]][0, 0, 0, 0] [1, 2, %[[TOTAL]], 16] [1, 1, 1, 1] : tensor<1x2x64x16xf32> to tensor<1x2x?x16xf32>
//       CHECK:   %[[VS:.+]] = tensor.extract_slice %[[V2]][0, 0, 0, 0] [1, 2, %[[TOTAL]], 8] [1, 1, 1, 1] : tensor<1x2x64x8xf32> to tensor<1x2x?x8xf32>
//       CHECK:   %[[O:.+]] = longctx.attention ins(%[[Q]], %[[KS]], %[[VS]] : tensor<1x4x7x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>) causal window(3) scale(2.000000e-01) -> tensor<1x4x7x8xf32>
//       CHECK:   %[[CNT:.+]] = arith.index_cast %[[TOTAL]] : index to i64
//       CHECK:   %[[N2:.+]] = tensor.from_elements %[[CNT]] : tensor<1xi64>
//       CHECK:   return %[[O]], %[[K2]], %[[V2]], %[[N2]]
func.func @gqa(%q: tensor<1x4x7x16xf32>, %k: tensor<1x2x7x16xf32>,
               %v: tensor<1x2x7x8xf32>) -> tensor<1x4x7x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x7x16xf32>,
         tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>) causal window(3) scale(0.2)
         -> tensor<1x4x7x8xf32>
  return %o : tensor<1x4x7x8xf32>
}

// -----

// CHECK-LABEL: func.func @not_causal(
//       CHECK:   longctx.attention ins(%{{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
func.func @not_causal(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-remark @+1 {{not rewritten to a KV-cache decoder: attention is not causal, so a token would need later ones}}
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x8x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @too_long(%q: tensor<1x2x80x16xf32>) -> tensor<1x2x80x16xf32> {
  // expected-remark @+1 {{not rewritten to a KV-cache decoder: a call's 80 tokens do not fit a cache of 64}}
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x80x16xf32>,
         tensor<1x2x80x16xf32>, tensor<1x2x80x16xf32>) causal -> tensor<1x2x80x16xf32>
  return %o : tensor<1x2x80x16xf32>
}

// -----

func.func @masked(%q: tensor<1x2x8x16xf32>, %m: tensor<1x1x1x8xi1>) -> tensor<1x2x8x16xf32> {
  // expected-remark @+1 {{not rewritten to a KV-cache decoder: attention has a mask operand}}
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x8x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) mask(%m : tensor<1x1x1x8xi1>) causal -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @cross(%q: tensor<1x2x4x16xf32>, %k: tensor<1x2x8x16xf32>) -> tensor<1x2x4x16xf32> {
  // expected-remark @+1 {{not rewritten to a KV-cache decoder: cross attention (4 queries, 8 keys) is not self-attention}}
  %o = longctx.attention ins(%q, %k, %k : tensor<1x2x4x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) causal -> tensor<1x2x4x16xf32>
  return %o : tensor<1x2x4x16xf32>
}

// -----

func.func @callee(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-remark @+1 {{not rewritten to a KV-cache decoder: function @callee has callers, so its signature cannot change}}
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x8x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) causal -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
func.func @caller(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = func.call @callee(%q) : (tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// One token attending to itself (a model imported at one token has no mask
// to raise `causal` from) is causal: over the cache it sees every key.
// CHECK-LABEL: func.func @one_token(
//       CHECK:   longctx.attention ins(%{{.*}} : tensor<1x2x1x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) causal -> tensor<1x2x1x16xf32>
func.func @one_token(%q: tensor<1x2x1x16xf32>) -> tensor<1x2x1x16xf32> {
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x1x16xf32>,
         tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x1x16xf32>
  return %o : tensor<1x2x1x16xf32>
}
