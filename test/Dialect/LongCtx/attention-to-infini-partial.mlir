// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=16 partial-segments=true" | FileCheck %s

// partial-segments=true: the state also holds the current segment's keys
// and values [B, Hkv, S, d|dv] and their count f (clamped to [0, S - 1]).
// The call's tokens follow the f cached ones (L = f + N rows, queries of the
// cached rows 0); the complete segments (C = L - L mod S rows) run with the
// memory and write it; the call's rows of the tail, [max(f, C), L), attend
// causally to the tail [C, L) and read the memory after the complete
// segments, gated; the output is rows [f, f + N); the tail becomes the
// cache, L mod S its count.
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
//       CHECK:   %[[FIRST:.+]] = arith.maxsi %[[AT]], %[[C]]
//       CHECK:   %[[R:.+]] = arith.subi %[[L]], %[[FIRST]]
//       CHECK:   %[[TQ:.+]] = tensor.extract_slice %[[QX]][0, 0, %[[FIRST]], 0] [1, 4, %[[R]], 16]
//       CHECK:   %[[TK:.+]] = tensor.extract_slice %[[KX]][0, 0, %[[C]], 0] [1, 2, %[[TAIL]], 16]
//       CHECK:   %[[TV:.+]] = tensor.extract_slice %[[VX]][0, 0, %[[C]], 0] [1, 2, %[[TAIL]], 8]
//       CHECK:   %[[LOCAL:.+]] = longctx.attention ins(%[[TQ]], %[[TK]], %[[TV]] : {{.*}}) causal scale(2.500000e-01)
//       CHECK:   %[[READ:.+]] = longctx.memory_retrieve ins(%[[TQ]], %[[M1]], %[[Z1]] : {{.*}})
//       CHECK:   %[[MIX:.+]] = linalg.generic {{.*}} ins(%[[READ]], %[[LOCAL]], %[[G]] :
//       CHECK:   %[[HEAD:.+]] = tensor.insert_slice %[[O1]] into %{{.+}}[0, 0, 0, 0]
//       CHECK:   %[[BOTH:.+]] = tensor.insert_slice %[[MIX]] into %[[HEAD]][0, 0, %[[FIRST]], 0]
//       CHECK:   %[[OUT:.+]] = tensor.extract_slice %[[BOTH]][0, 0, %[[AT]], 0] [1, 4, 5, 8] {{.*}} to tensor<1x4x5x8xf32>
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
