// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mag chunk-length=8" | FileCheck %s
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mal chunk-length=8" | FileCheck %s
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mac chunk-length=8" | FileCheck %s

/// An attention whose result type is less static than its operands: every
/// architecture builds its ops on the operands' static shapes and casts the
/// output to the result type at the end (the rewritten IR verifies).
// CHECK-LABEL: func.func @main(
//       CHECK:   longctx.attention {{.*}} -> tensor<1x2x{{[0-9]+}}x8xf32>
//       CHECK:   %[[OUT:.+]] = tensor.cast %{{.+}} : tensor<1x2x16x8xf32> to tensor<?x?x?x?xf32>
//       CHECK:   return %[[OUT]]
func.func @main(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
                %v: tensor<1x2x16x8xf32>) -> tensor<?x?x?x?xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>,
         tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) causal
         -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
