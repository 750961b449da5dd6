// RUN: longctx-opt %s | longctx-opt | FileCheck %s
// RUN: longctx-opt %s --mlir-print-op-generic | longctx-opt | FileCheck %s

/// The documentation example of longctx.attention.
// CHECK-LABEL: func.func @attention_doc_example(
//       CHECK:   longctx.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) causal -> tensor<1x8x128x64xf32>
func.func @attention_doc_example(%q: tensor<1x8x128x64xf32>, %k: tensor<1x2x128x64xf32>,
    %v: tensor<1x2x128x64xf32>) -> tensor<1x8x128x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x128x64xf32>,
         tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) causal
         -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}

/// Non-causal cross attention with an explicit scale, dv != d.
// CHECK-LABEL: func.func @attention_cross_scale(
//       CHECK:   longctx.attention ins({{.*}}) scale(1.250000e-01) -> tensor<2x4x10x16xf32>
//   CHECK-NOT:   causal
func.func @attention_cross_scale(%q: tensor<2x4x10x32xf32>, %k: tensor<2x4x77x32xf32>,
    %v: tensor<2x4x77x16xf32>) -> tensor<2x4x10x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x10x32xf32>,
         tensor<2x4x77x32xf32>, tensor<2x4x77x16xf32>) scale(0.125)
         -> tensor<2x4x10x16xf32>
  return %o : tensor<2x4x10x16xf32>
}

/// Boolean mask with causal, and a broadcast float mask.
// CHECK-LABEL: func.func @attention_masks(
//       CHECK:   longctx.attention ins({{.*}}) mask(%{{.*}} : tensor<1x2x16x16xi1>) causal -> tensor<1x2x16x8xf16>
//       CHECK:   longctx.attention ins({{.*}}) mask(%{{.*}} : tensor<1x1x16x16xf16>) -> tensor<1x2x16x8xf16>
func.func @attention_masks(%q: tensor<1x2x16x8xf16>, %k: tensor<1x2x16x8xf16>,
    %v: tensor<1x2x16x8xf16>, %b: tensor<1x2x16x16xi1>, %f: tensor<1x1x16x16xf16>)
    -> (tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>) {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf16>,
         tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>)
         mask(%b : tensor<1x2x16x16xi1>) causal -> tensor<1x2x16x8xf16>
  %p = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf16>,
         tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>)
         mask(%f : tensor<1x1x16x16xf16>) -> tensor<1x2x16x8xf16>
  return %o, %p : tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>
}

/// Dynamic batch and sequence lengths; bf16 and f64.
// CHECK-LABEL: func.func @attention_dynamic(
//       CHECK:   longctx.attention ins({{.*}} : tensor<?x4x?x8xbf16>, tensor<?x2x?x8xbf16>, tensor<?x2x?x8xbf16>) causal -> tensor<?x4x?x8xbf16>
//       CHECK:   longctx.attention ins({{.*}} : tensor<1x1x4x2xf64>, tensor<1x1x4x2xf64>, tensor<1x1x4x2xf64>) -> tensor<1x1x4x2xf64>
func.func @attention_dynamic(%q: tensor<?x4x?x8xbf16>, %k: tensor<?x2x?x8xbf16>,
    %v: tensor<?x2x?x8xbf16>, %d: tensor<1x1x4x2xf64>) -> (tensor<?x4x?x8xbf16>, tensor<1x1x4x2xf64>) {
  %o = longctx.attention ins(%q, %k, %v : tensor<?x4x?x8xbf16>,
         tensor<?x2x?x8xbf16>, tensor<?x2x?x8xbf16>) causal -> tensor<?x4x?x8xbf16>
  %p = longctx.attention ins(%d, %d, %d : tensor<1x1x4x2xf64>,
         tensor<1x1x4x2xf64>, tensor<1x1x4x2xf64>) -> tensor<1x1x4x2xf64>
  return %o, %p : tensor<?x4x?x8xbf16>, tensor<1x1x4x2xf64>
}

/// The documentation examples of memory_retrieve and memory_update.
// CHECK-LABEL: func.func @memory_doc_examples(
//       CHECK:   longctx.memory_retrieve ins({{.*}} : tensor<1x8x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) -> tensor<1x8x64x32xf32>
//       CHECK:   longctx.memory_update ins({{.*}} : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) rule(delta)
func.func @memory_doc_examples(%q: tensor<1x8x64x32xf32>, %k: tensor<1x2x64x32xf32>,
    %v: tensor<1x2x64x32xf32>, %m: tensor<1x2x32x32xf32>, %z: tensor<1x2x32xf32>)
    -> (tensor<1x8x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x8x64x32xf32>,
         tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) -> tensor<1x8x64x32xf32>
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x64x32xf32>,
               tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>)
               rule(delta)
  return %a, %m2, %z2 : tensor<1x8x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>
}

/// A non-default eps is printed; f16 inputs with an f32 state.
// CHECK-LABEL: func.func @memory_eps_f16(
//       CHECK:   longctx.memory_retrieve ins({{.*}}) eps(1.000000e-03) -> tensor<1x2x4x8xf16>
//       CHECK:   longctx.memory_update ins({{.*}}) rule(linear) eps(1.000000e-03)
func.func @memory_eps_f16(%q: tensor<1x2x4x8xf16>, %m: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x8xf32>) -> (tensor<1x2x4x8xf16>, tensor<1x2x8x8xf32>) {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x2x4x8xf16>,
         tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) eps(1.0e-3) -> tensor<1x2x4x8xf16>
  %m2, %z2 = longctx.memory_update ins(%q, %q, %m, %z : tensor<1x2x4x8xf16>,
               tensor<1x2x4x8xf16>, tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
               rule(linear) eps(1.0e-3)
  return %a, %m2 : tensor<1x2x4x8xf16>, tensor<1x2x8x8xf32>
}

/// The documentation example of infini_attention.
// CHECK-LABEL: func.func @infini_doc_example(
//       CHECK:   longctx.infini_attention ins({{.*}}) gate(%{{.*}} : tensor<8xf32>) memory(%{{.*}}, %{{.*}} : tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) segment_length(128) rule(linear) -> tensor<1x8x256x32xf32>
func.func @infini_doc_example(%q: tensor<1x8x256x32xf32>, %k: tensor<1x2x256x32xf32>,
    %v: tensor<1x2x256x32xf32>, %beta: tensor<8xf32>, %m: tensor<1x2x32x32xf32>,
    %z: tensor<1x2x32xf32>) -> tensor<1x8x256x32xf32> {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x8x256x32xf32>, tensor<1x2x256x32xf32>,
          tensor<1x2x256x32xf32>)
      gate(%beta : tensor<8xf32>)
      memory(%m, %z : tensor<1x2x32x32xf32>, tensor<1x2x32xf32>)
      segment_length(128) rule(linear) -> tensor<1x8x256x32xf32>
  return %o : tensor<1x8x256x32xf32>
}

/// Memory-path inputs, delta rule, eps and scale, dynamic sequence length.
// CHECK-LABEL: func.func @infini_all_options(
//       CHECK:   longctx.infini_attention ins({{.*}}) gate({{.*}}) memory({{.*}}) memory_inputs(%{{.*}}, %{{.*}} : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>) segment_length(64) rule(delta) eps(1.000000e-04) scale(5.000000e-01) -> tensor<1x2x?x8xf32>
func.func @infini_all_options(%q: tensor<1x2x?x8xf32>, %k: tensor<1x1x?x8xf32>,
    %v: tensor<1x1x?x8xf32>, %g: tensor<2xf32>, %m: tensor<1x1x8x8xf32>,
    %z: tensor<1x1x8xf32>) -> tensor<1x2x?x8xf32> {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>)
      gate(%g : tensor<2xf32>)
      memory(%m, %z : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
      memory_inputs(%q, %k : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>)
      segment_length(64) rule(delta) eps(1.0e-4) scale(0.5) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
