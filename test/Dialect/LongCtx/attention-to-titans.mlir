// RUN: longctx-opt %s --split-input-file --verify-diagnostics --longctx-attention-to-titans="chunk-length=16 persistent-tokens=4 theta=0.5" | FileCheck %s
// RUN: not longctx-opt %s --split-input-file --longctx-attention-to-titans="arch=mat" 2>&1 | FileCheck %s --check-prefix=ARCH
// RUN: not longctx-opt %s --split-input-file --longctx-attention-to-titans="chunk-length=0" 2>&1 | FileCheck %s --check-prefix=CHUNK
// RUN: not longctx-opt %s --split-input-file --longctx-attention-to-titans="theta=-1" 2>&1 | FileCheck %s --check-prefix=THETA
// RUN: not longctx-opt %s --split-input-file --longctx-attention-to-titans="eta=nan" 2>&1 | FileCheck %s --check-prefix=ETA
// RUN: not longctx-opt %s --split-input-file --longctx-attention-to-titans="alpha=1.5" 2>&1 | FileCheck %s --check-prefix=ALPHA
// RUN: not longctx-opt %s --split-input-file --longctx-attention-to-titans="theta=inf" 2>&1 | FileCheck %s --check-prefix=INF

// ARCH: longctx-attention-to-titans: unknown arch 'mat' (expected mag, mac or mal)
// CHUNK: longctx-attention-to-titans: chunk-length must be positive and persistent-tokens non-negative, got 0 and 4
// THETA: longctx-attention-to-titans: theta must be finite and >= 0, eta and alpha in [0, 1], got theta=-1, eta=0.9 and alpha=0.001
// ETA: longctx-attention-to-titans: theta must be finite and >= 0, eta and alpha in [0, 1], got theta=0.01, eta=nan and alpha=0.001
// ALPHA: longctx-attention-to-titans: theta must be finite and >= 0, eta and alpha in [0, 1], got theta=0.01, eta=0.9 and alpha=1.5
// INF: longctx-attention-to-titans: theta must be finite and >= 0, eta and alpha in [0, 1], got theta=inf, eta=0.9 and alpha=0.001

/// MAG: persistent keys/values and per-head rates become parameters with
/// initial values, W and S state; the attention sees [persistent ; tokens]
/// causally; the Titans memory reads with the queries; the output is the
/// attention times sigmoid(memory).
// CHECK-LABEL: func.func @mag(
//  CHECK-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x2x64x16xf32> {longctx.stream_dim = 2 : i64}
//  CHECK-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x64x16xf32> {longctx.stream_dim = 2 : i64}
//  CHECK-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64}
//  CHECK-SAME:     %[[PK:[a-zA-Z0-9_]+]]: tensor<1x2x4x16xf32> {longctx.init = 0.000000e+00 : f64}
//  CHECK-SAME:     %[[PV:[a-zA-Z0-9_]+]]: tensor<1x2x4x8xf32> {longctx.init = 0.000000e+00 : f64}
//  CHECK-SAME:     %[[TH:[a-zA-Z0-9_]+]]: tensor<2xf32> {longctx.init = 5.000000e-01 : f64}
//  CHECK-SAME:     %[[ET:[a-zA-Z0-9_]+]]: tensor<2xf32> {longctx.init = 9.000000e-01 : f64}
//  CHECK-SAME:     %[[AL:[a-zA-Z0-9_]+]]: tensor<2xf32> {longctx.init = 1.000000e-03 : f64}
//  CHECK-SAME:     %[[W:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 1 : i64}
//  CHECK-SAME:     %[[S:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 2 : i64})
//  CHECK-SAME:     -> (tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64}, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
//       CHECK:   %[[K0:.+]] = tensor.insert_slice %[[PK]] into %{{.+}}[0, 0, 0, 0] [1, 2, 4, 16]
//       CHECK:   %[[KEYS:.+]] = tensor.insert_slice %[[K]] into %[[K0]][0, 0, 4, 0] [1, 2, 64, 16]
//       CHECK:   %[[V0:.+]] = tensor.insert_slice %[[PV]] into
//       CHECK:   %[[VALUES:.+]] = tensor.insert_slice %[[V]] into %[[V0]][0, 0, 4, 0]
//       CHECK:   %[[Y:.+]] = longctx.attention ins(%[[Q]], %[[KEYS]], %[[VALUES]] : tensor<1x2x64x16xf32>, tensor<1x2x68x16xf32>, tensor<1x2x68x8xf32>) causal scale(2.500000e-01)
//       CHECK:   %[[THT:.+]] = linalg.generic {{.*}} ins(%[[TH]] : tensor<2xf32>)
//       CHECK:   %[[M:.+]], %[[W2:.+]], %[[S2:.+]] = longctx.titans_memory ins(%[[K]], %[[V]], %[[Q]] : {{.*}}) rates(%[[THT]], {{.*}}) state(%[[W]], %[[S]] : {{.*}}) chunk_length(16)
//       CHECK:   %[[O:.+]] = linalg.generic {{.*}} ins(%[[Y]], %[[M]] :
//       CHECK:     math.exp
//       CHECK:   return %[[O]], %[[W2]], %[[S2]]
func.func @mag(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
               %v: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x64x16xf32>,
         tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>) causal
         -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}

// -----

/// Grouped-query attention: one memory per KV head (rates [Hkv], W and S
/// [B, Hkv, d, dv], persistent tokens per KV head), read by all 4 query
/// heads; the attention stays grouped.
// CHECK-LABEL: func.func @gqa(
//  CHECK-SAME:     %[[Q:[a-z0-9]+]]: tensor<1x4x64x16xf32>
//  CHECK-SAME:     %[[KV:[a-z0-9]+]]: tensor<1x2x64x16xf32>
//  CHECK-SAME:     tensor<1x2x4x16xf32>
//  CHECK-SAME:     tensor<1x2x4x16xf32>
//  CHECK-SAME:     tensor<2xf32> {longctx.init = 5.000000e-01 : f64}
//  CHECK-SAME:     %[[W:[a-z0-9]+]]: tensor<1x2x16x16xf32> {longctx.state = 1 : i64}
//  CHECK-SAME:     %[[S:[a-z0-9]+]]: tensor<1x2x16x16xf32> {longctx.state = 2 : i64}
//       CHECK:   longctx.attention ins(%[[Q]], {{.*}} : tensor<1x4x64x16xf32>, tensor<1x2x68x16xf32>, tensor<1x2x68x16xf32>) causal
//       CHECK:   longctx.titans_memory ins(%[[KV]], %[[KV]], %[[Q]] : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x4x64x16xf32>) rates({{.*}} : tensor<1x2x64xf32>, tensor<1x2x64xf32>, tensor<1x2x64xf32>) state(%[[W]], %[[S]] : {{.*}}) chunk_length(16) -> tensor<1x4x64x16xf32>
func.func @gqa(%q: tensor<1x4x64x16xf32>, %kv: tensor<1x2x64x16xf32>) -> tensor<1x4x64x16xf32> {
  %o = longctx.attention ins(%q, %kv, %kv : tensor<1x4x64x16xf32>,
         tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) causal -> tensor<1x4x64x16xf32>
  return %o : tensor<1x4x64x16xf32>
}

// -----

/// The shared blockers apply too.
// CHECK-LABEL: func.func @negative_not_causal(
//       CHECK:   longctx.attention
func.func @negative_not_causal(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  // expected-remark @+1 {{not rewritten to Titans: attention is not causal}}
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}

// -----

/// One token attending to itself is causal whether or not it says so (a
/// model imported at one token for decoding): rewritten.
// CHECK-LABEL: func.func @one_token(
//       CHECK:   longctx.attention {{.*}} causal
//       CHECK:   longctx.titans_memory
func.func @one_token(%x: tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32> {
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x1x8xf32>,
         tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32>
  return %a : tensor<1x2x1x8xf32>
}
