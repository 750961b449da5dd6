// RUN: longctx-opt %s --convert-longctx-to-linalg | FileCheck %s

/// A loop over chunks of 16 carries (output, W, S). Inside: log(1 - alpha)
/// and log(eta); masked range sums of logs selected by linalg.index
/// comparisons (lo < l <= hi) and their exp on the lower triangle (P, and N
/// weighted by theta) — products of decays without any division; G = P N;
/// then W and S are written in place of the chunk-start state.
// CHECK-LABEL: func.func @titans(
//  CHECK-SAME:     %[[W:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>, %[[S:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>)
//   CHECK-DAG:   %[[C16:.+]] = arith.constant 16 : index
//       CHECK:   %[[R:.+]]:3 = scf.for %{{.+}} = %{{.+}} to %{{.+}} step %[[C16]] iter_args(%{{.+}} = %{{.+}}, %[[W0:.+]] = %[[W]], %[[S0:.+]] = %[[S]])
//       CHECK:     arith.subf
//       CHECK:     math.log
//       CHECK:     math.log
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
//       CHECK:       linalg.index 2
//       CHECK:       linalg.index 3
//       CHECK:       linalg.index 4
//       CHECK:       arith.cmpi sgt
//       CHECK:       arith.cmpi sle
//       CHECK:       arith.andi
//       CHECK:     linalg.generic
//       CHECK:       arith.cmpi sle
//       CHECK:       math.exp
//       CHECK:       arith.select
//   CHECK-NOT:     arith.divf
//       CHECK:     %[[NEWW:.+]] = linalg.generic {{.*}} outs(%[[W0]] :
//       CHECK:     %[[NEWS:.+]] = linalg.generic {{.*}} outs(%[[S0]] :
//       CHECK:     scf.yield %{{.+}}, %[[NEWW]], %[[NEWS]]
//       CHECK:   return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @titans(%k: tensor<1x2x40x8xf32>, %v: tensor<1x2x40x4xf32>,
    %q: tensor<1x2x40x8xf32>, %theta: tensor<1x2x40xf32>, %eta: tensor<1x2x40xf32>,
    %alpha: tensor<1x2x40xf32>, %w: tensor<1x2x8x4xf32>, %s: tensor<1x2x8x4xf32>)
    -> (tensor<1x2x40x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) {
  %o, %w2, %s2 = longctx.titans_memory
      ins(%k, %v, %q : tensor<1x2x40x8xf32>, tensor<1x2x40x4xf32>, tensor<1x2x40x8xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x40xf32>, tensor<1x2x40xf32>, tensor<1x2x40xf32>)
      state(%w, %s : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
      chunk_length(16) -> tensor<1x2x40x4xf32>
  return %o, %w2, %s2 : tensor<1x2x40x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>
}
