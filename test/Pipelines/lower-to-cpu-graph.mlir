// longctx-lower-to-cpu compiles the graph around attention through
// longctx-vectorize-linalg (before convert-longctx-to-linalg); with
// vectorize-graph=false it leaves the graph to scalar loops.
// RUN: longctx-opt %s --longctx-lower-to-cpu="vector-lanes=8" \
// RUN:   --mlir-print-ir-after=longctx-vectorize-linalg -o /dev/null 2>&1 \
// RUN:   | FileCheck %s
// RUN: longctx-opt %s --longctx-lower-to-cpu="vector-lanes=8 vectorize-graph=false" \
// RUN:   --mlir-print-ir-after=convert-longctx-to-linalg -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=OFF

// CHECK-LABEL: IR Dump After LongCtxVectorizeLinalgPass
//       CHECK:   func.func @layer(
//       CHECK:     scf.forall
//       CHECK:       vector.fma %{{.+}} : vector<8xf32>
//       CHECK:     longctx.attention
//   CHECK-NOT:     linalg.matmul
//       CHECK:     return

// OFF-NOT: LongCtxVectorizeLinalgPass
// OFF-LABEL: IR Dump After ConvertLongCtxToLinalgPass
// OFF: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<512x64xf32>, tensor<64x64xf32>)
// OFF: return

func.func @layer(%x: tensor<1x4x128x64xf32>, %w: tensor<64x64xf32>)
    -> tensor<1x4x128x64xf32> {
  %z = arith.constant 0.0 : f32
  %c = tensor.collapse_shape %x [[0, 1, 2], [3]]
         : tensor<1x4x128x64xf32> into tensor<512x64xf32>
  %e = tensor.empty() : tensor<512x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<512x64xf32>) -> tensor<512x64xf32>
  %p = linalg.matmul ins(%c, %w : tensor<512x64xf32>, tensor<64x64xf32>)
         outs(%f : tensor<512x64xf32>) -> tensor<512x64xf32>
  %q = tensor.expand_shape %p [[0, 1, 2], [3]] output_shape [1, 4, 128, 64]
         : tensor<512x64xf32> into tensor<1x4x128x64xf32>
  %o = longctx.attention ins(%q, %q, %q : tensor<1x4x128x64xf32>,
         tensor<1x4x128x64xf32>, tensor<1x4x128x64xf32>) causal
         -> tensor<1x4x128x64xf32>
  return %o : tensor<1x4x128x64xf32>
}
