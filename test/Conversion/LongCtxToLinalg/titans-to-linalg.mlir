// RUN: longctx-opt %s --convert-longctx-to-linalg="vector-kernels=false" | FileCheck %s

// The chunk products as linalg.generic contractions (with the vector kernels
// on, the shapes here that are not whole vectors lower the same way; the
// kernels: titans-kernels.mlir).

/// A loop over chunks of 16 carries (output, W, S). Inside: log(1 - alpha)
/// and log(eta); their prefix sums over l <= t (linalg.index comparison),
/// with zero factors (log = -inf) counted apart; products over (i, t] as
/// exp of a difference of prefix sums, zeroed above the diagonal or when a
/// zero factor lies in the range — no division of decays; G = P N; then W
/// and S are written in place of the chunk-start state.
// CHECK-LABEL: func.func @titans(
//  CHECK-SAME:     %[[W:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>, %[[S:[a-zA-Z0-9_]+]]: tensor<1x2x8x4xf32>)
//   CHECK-DAG:   %[[C16:.+]] = arith.constant 16 : index
//   CHECK-DAG:   %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
//       CHECK:   %[[R:.+]]:3 = scf.for %{{.+}} = %{{.+}} to %{{.+}} step %[[C16]] iter_args(%{{.+}} = %{{.+}}, %[[W0:.+]] = %[[W]], %[[S0:.+]] = %[[S]])
// The decays' logs of magnitudes and their signs (1 - alpha, eta < 0 give
// negative factors), then prefix scans, t after t: the finite logs' sum and
// the zero factors' count, and the signs' product.
//       CHECK:     arith.subf
//       CHECK:     math.absf
//       CHECK:     math.log
//       CHECK:     math.absf
//       CHECK:     math.log
//       CHECK:     arith.cmpf olt
//       CHECK:     arith.select
//       CHECK:     scf.for
//       CHECK:       scf.for
//       CHECK:         scf.for
//       CHECK:           tensor.extract
//       CHECK:           arith.cmpf oeq, %{{.+}}, %[[NEGINF]]
//       CHECK:           arith.select
//       CHECK:           arith.addf
//       CHECK:           tensor.insert
//       CHECK:           tensor.extract
//       CHECK:           arith.mulf
//       CHECK:           tensor.insert
// A range's product: 0 after a zero factor, else the signed exponential of
// a difference of logs.
//       CHECK:     linalg.generic
//       CHECK:       arith.cmpi sle
//       CHECK:       arith.subf
//       CHECK:       arith.cmpf olt
//       CHECK:       arith.andi
//       CHECK:       math.exp
//       CHECK:       arith.mulf
//       CHECK:       arith.mulf
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

/// The MLP memory: the same chunk coefficients, a SiLU forward (x times
/// sigmoid), its derivative s (1 + x (1 - s)) in the generated backward,
/// and four states written in place.
// CHECK-LABEL: func.func @titans_mlp(
//  CHECK-SAME:     %[[W1:[a-zA-Z0-9_]+]]: tensor<1x1x8x16xf32>, %[[W2:[a-zA-Z0-9_]+]]: tensor<1x1x16x4xf32>, %[[S1:[a-zA-Z0-9_]+]]: tensor<1x1x8x16xf32>, %[[S2:[a-zA-Z0-9_]+]]: tensor<1x1x16x4xf32>)
//       CHECK:   %[[R:.+]]:5 = scf.for {{.*}} iter_args(%{{.+}} = %{{.+}}, %[[A:.+]] = %[[W1]], %[[B:.+]] = %[[W2]], %[[C:.+]] = %[[S1]], %[[D:.+]] = %[[S2]])
//       CHECK:     math.log
/// SiLU forward: x * sigmoid(x).
//       CHECK:     ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
//       CHECK:       arith.negf %[[X]]
//       CHECK:       math.exp
//       CHECK:       %[[SIG:.+]] = arith.divf
//       CHECK:       arith.mulf %[[X]], %[[SIG]]
/// SiLU backward: dAct * s (1 + x (1 - s)).
//       CHECK:     ^bb0(%[[DACT:.+]]: f32, %[[PRE:.+]]: f32, %{{.+}}: f32):
//       CHECK:       arith.negf %[[PRE]]
//       CHECK:       %[[S:.+]] = arith.divf
//       CHECK:       %[[OM:.+]] = arith.subf %{{.+}}, %[[S]]
//       CHECK:       %[[XOM:.+]] = arith.mulf %[[PRE]], %[[OM]]
//       CHECK:       %[[INNER:.+]] = arith.addf %[[XOM]]
//       CHECK:       %[[DERIV:.+]] = arith.mulf %[[S]], %[[INNER]]
//       CHECK:       arith.mulf %[[DACT]], %[[DERIV]]
//       CHECK:     linalg.generic {{.*}} outs(%[[A]] :
//       CHECK:     linalg.generic {{.*}} outs(%[[C]] :
//       CHECK:     linalg.generic {{.*}} outs(%[[B]] :
//       CHECK:     linalg.generic {{.*}} outs(%[[D]] :
//       CHECK:   return %[[R]]#0, %[[R]]#1, %[[R]]#2, %[[R]]#3, %[[R]]#4
func.func @titans_mlp(%k: tensor<1x1x40x8xf32>, %v: tensor<1x1x40x4xf32>,
    %q: tensor<1x1x40x8xf32>, %r: tensor<1x1x40xf32>,
    %w1: tensor<1x1x8x16xf32>, %w2: tensor<1x1x16x4xf32>,
    %s1: tensor<1x1x8x16xf32>, %s2: tensor<1x1x16x4xf32>)
    -> (tensor<1x1x40x4xf32>, tensor<1x1x8x16xf32>, tensor<1x1x16x4xf32>,
        tensor<1x1x8x16xf32>, tensor<1x1x16x4xf32>) {
  %o, %a, %b, %c, %d = longctx.titans_mlp_memory
      ins(%k, %v, %q : tensor<1x1x40x8xf32>, tensor<1x1x40x4xf32>, tensor<1x1x40x8xf32>)
      rates(%r, %r, %r : tensor<1x1x40xf32>, tensor<1x1x40xf32>, tensor<1x1x40xf32>)
      weights(%w1, %w2 : tensor<1x1x8x16xf32>, tensor<1x1x16x4xf32>)
      momentum(%s1, %s2 : tensor<1x1x8x16xf32>, tensor<1x1x16x4xf32>)
      chunk_length(16) -> tensor<1x1x40x4xf32>
  return %o, %a, %b, %c, %d : tensor<1x1x40x4xf32>, tensor<1x1x8x16xf32>,
      tensor<1x1x16x4xf32>, tensor<1x1x8x16xf32>, tensor<1x1x16x4xf32>
}

/// A depth-3 memory carries three weights and three momentum tensors. Its
/// backward multiplies by the activation's derivative once per hidden layer
/// (twice), from the last layer down (delta W3^T, then delta W2^T), and
/// writes every state in place.
// CHECK-LABEL: func.func @titans_mlp_depth3(
//  CHECK-SAME:     %[[W1:[a-zA-Z0-9_]+]]: tensor<1x1x8x16xf32>, %[[W2:[a-zA-Z0-9_]+]]: tensor<1x1x16x12xf32>, %[[W3:[a-zA-Z0-9_]+]]: tensor<1x1x12x4xf32>, %[[S1:[a-zA-Z0-9_]+]]: tensor<1x1x8x16xf32>, %[[S2:[a-zA-Z0-9_]+]]: tensor<1x1x16x12xf32>, %[[S3:[a-zA-Z0-9_]+]]: tensor<1x1x12x4xf32>)
//       CHECK:   %[[R:.+]]:7 = scf.for {{.*}} iter_args(%{{.+}} = %{{.+}}, %[[A:.+]] = %[[W1]], %[[B:.+]] = %[[W2]], %[[C:.+]] = %[[W3]], %[[D:.+]] = %[[S1]], %[[E:.+]] = %[[S2]], %[[F:.+]] = %[[S3]])
//       CHECK:     linalg.generic {{.*}} ins(%{{.+}}, %[[C]] : tensor<1x1x?x4xf32>, tensor<1x1x12x4xf32>) outs(%{{.+}} : tensor<1x1x?x12xf32>)
//       CHECK:     linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x1x?x12xf32>, tensor<1x1x?x12xf32>) outs(%{{.+}} : tensor<1x1x?x12xf32>)
//       CHECK:     linalg.generic {{.*}} ins(%{{.+}}, %[[B]] : tensor<1x1x?x12xf32>, tensor<1x1x16x12xf32>) outs(%{{.+}} : tensor<1x1x?x16xf32>)
//       CHECK:     linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) outs(%{{.+}} : tensor<1x1x?x16xf32>)
//       CHECK:     %[[NW1:.+]] = linalg.generic {{.*}} outs(%[[A]] :
//       CHECK:     %[[NS1:.+]] = linalg.generic {{.*}} outs(%[[D]] :
//       CHECK:     %[[NW2:.+]] = linalg.generic {{.*}} outs(%[[B]] :
//       CHECK:     %[[NS2:.+]] = linalg.generic {{.*}} outs(%[[E]] :
//       CHECK:     %[[NW3:.+]] = linalg.generic {{.*}} outs(%[[C]] :
//       CHECK:     %[[NS3:.+]] = linalg.generic {{.*}} outs(%[[F]] :
//       CHECK:     scf.yield %{{.+}}, %[[NW1]], %[[NW2]], %[[NW3]], %[[NS1]], %[[NS2]], %[[NS3]]
//       CHECK:   return %[[R]]#0, %[[R]]#1, %[[R]]#2, %[[R]]#3, %[[R]]#4, %[[R]]#5, %[[R]]#6
func.func @titans_mlp_depth3(%k: tensor<1x1x40x8xf32>, %v: tensor<1x1x40x4xf32>,
    %q: tensor<1x1x40x8xf32>, %r: tensor<1x1x40xf32>,
    %w1: tensor<1x1x8x16xf32>, %w2: tensor<1x1x16x12xf32>, %w3: tensor<1x1x12x4xf32>,
    %s1: tensor<1x1x8x16xf32>, %s2: tensor<1x1x16x12xf32>, %s3: tensor<1x1x12x4xf32>)
    -> (tensor<1x1x40x4xf32>, tensor<1x1x8x16xf32>, tensor<1x1x16x12xf32>,
        tensor<1x1x12x4xf32>, tensor<1x1x8x16xf32>, tensor<1x1x16x12xf32>,
        tensor<1x1x12x4xf32>) {
  %o, %w:3, %s:3 = longctx.titans_mlp_memory
      ins(%k, %v, %q : tensor<1x1x40x8xf32>, tensor<1x1x40x4xf32>, tensor<1x1x40x8xf32>)
      rates(%r, %r, %r : tensor<1x1x40xf32>, tensor<1x1x40xf32>, tensor<1x1x40xf32>)
      weights(%w1, %w2, %w3 : tensor<1x1x8x16xf32>, tensor<1x1x16x12xf32>, tensor<1x1x12x4xf32>)
      momentum(%s1, %s2, %s3 : tensor<1x1x8x16xf32>, tensor<1x1x16x12xf32>, tensor<1x1x12x4xf32>)
      chunk_length(16) -> tensor<1x1x40x4xf32>
  return %o, %w#0, %w#1, %w#2, %s#0, %s#1, %s#2 : tensor<1x1x40x4xf32>,
      tensor<1x1x8x16xf32>, tensor<1x1x16x12xf32>, tensor<1x1x12x4xf32>,
      tensor<1x1x8x16xf32>, tensor<1x1x16x12xf32>, tensor<1x1x12x4xf32>
}

