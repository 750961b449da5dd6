// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=16 partial-segments=true" | FileCheck %s

// partial-segments=true: the state also holds the current segment's keys
// and values [B, Hkv, S, d|dv] and their count f (clamped to [0, S - 1]).
// The call's tokens follow the f cached ones (L = f + N rows, queries of the
// cached rows 0); the complete segments (C = L - L mod S rows) run with the
// memory and write it; the tail [C, L) runs with the memory after them and
// its write is dropped; the output is rows [f, f + N); the tail becomes
// the cache, L mod S its count.
// CHECK-LABEL: func.func @layer(
//  CHECK-SAME:     %[[Q:[a-z0-9]+]]: tensor<1x4x5x16xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[K:[a-z0-9]+]]: tensor<1x2x5x16xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[V:[a-z0-9]+]]: tensor<1x2x5x8xf32> {longctx.stream_dim = 2 : i64},
//  CHECK-SAME:     %[[G:[a-z0-9]+]]: tensor<4xf32> {longctx.init = 0.000000e+00 : f64},
//  CHECK-SAME:     %[[M:[a-z0-9]+]]: tensor<1x2x16x8xf32> {longctx.state = 1 : i64},
//  CHECK-SAME:     %[[Z:[a-z0-9]+]]: tensor<1x2x16xf32> {longctx.state = 2 : i64},
//  CHECK-SAME:     %[[KC:[a-z0-9]+]]: tensor<1x2x16x16xf32> {longctx.state = 3 : i64},
//  CHECK-SAME:     %[[VC:[a-z0-9]+]]: tensor<1x2x16x8xf32> {longctx.state = 4 : i64},
//  CHECK-SAME:     %[[F:[a-z0-9]+]]: tensor<1xi64> {longctx.state = 5 : i64})
//  CHECK-SAME:     -> (tensor<1x4x5x8xf32> {longctx.stream_dim = 2 : i64}, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x8xf32>, tensor<1xi64>)
//       CHECK:   %[[RAW:.+]] = tensor.extract %[[F]]
//       CHECK:   %[[FI:.+]] = arith.index_cast %[[RAW]]
//       CHECK:   %[[LO:.+]] = arith.maxsi %[[FI]]
//       CHECK:   %[[AT:.+]] = arith.minsi %[[LO]], %c15
//       CHECK:   %[[L:.+]] = arith.addi %[[AT]], %c5
//       CHECK:   %[[TAIL:.+]] = arith.remsi %[[L]], %c16
//       CHECK:   %[[C:.+]] = arith.subi %[[L]], %[[TAIL]]
//       CHECK:   %[[QX:.+]] = tensor.insert_slice %[[Q]] into %{{.+}}[0, 0, %[[AT]], 0] [1, 4, 5, 16]
//       CHECK:   %[[KOLD:.+]] = tensor.extract_slice %[[KC]][0, 0, 0, 0] [1, 2, %[[AT]], 16]
//       CHECK:   %[[KX:.+]] = tensor.insert_slice %[[K]] into %{{.+}}[0, 0, %[[AT]], 0] [1, 2, 5, 16]
//       CHECK:   %[[VX:.+]] = tensor.insert_slice %[[V]] into %{{.+}}[0, 0, %[[AT]], 0] [1, 2, 5, 8]
//       CHECK:   %[[O1:.+]], %[[M1:.+]], %[[Z1:.+]] = longctx.infini_attention ins({{.*}}) gate(%[[G]] : tensor<4xf32>) memory(%[[M]], %[[Z]] : {{.*}}) segment_length(16) rule(linear) -> tensor<1x4x?x8xf32>
//       CHECK:   %[[O2:.+]], %{{.+}}, %{{.+}} = longctx.infini_attention ins({{.*}}) gate(%[[G]] : tensor<4xf32>) memory(%[[M1]], %[[Z1]] : {{.*}}) segment_length(16) rule(linear) -> tensor<1x4x?x8xf32>
//       CHECK:   %[[OUT:.+]] = tensor.extract_slice %{{.+}}[0, 0, %[[AT]], 0] [1, 4, 5, 8] {{.*}} to tensor<1x4x5x8xf32>
//       CHECK:   %[[KT:.+]] = tensor.extract_slice %[[KX]][0, 0, %[[C]], 0] [1, 2, %[[TAIL]], 16]
//       CHECK:   %[[KC2:.+]] = tensor.insert_slice %[[KT]] into %[[KC]][0, 0, 0, 0]
//       CHECK:   %[[VT:.+]] = tensor.extract_slice %[[VX]][0, 0, %[[C]], 0] [1, 2, %[[TAIL]], 8]
//       CHECK:   %[[VC2:.+]] = tensor.insert_slice %[[VT]] into %[[VC]][0, 0, 0, 0]
//       CHECK:   %[[N:.+]] = arith.index_cast %[[TAIL]] : index to i64
//       CHECK:   %[[F2:.+]] = tensor.from_elements %[[N]]
//       CHECK:   return %[[OUT]], %[[M1]], %[[Z1]], %[[KC2]], %[[VC2]], %[[F2]]
func.func @layer(%q: tensor<1x4x5x16xf32>, %k: tensor<1x2x5x16xf32>,
                 %v: tensor<1x2x5x8xf32>) -> tensor<1x4x5x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x5x16xf32>,
         tensor<1x2x5x16xf32>, tensor<1x2x5x8xf32>) causal
         -> tensor<1x4x5x8xf32>
  return %o : tensor<1x4x5x8xf32>
}
