// RUN: longctx-opt %s | longctx-opt | FileCheck %s

// CHECK-LABEL: func.func @attention_causal_gqa(
func.func @attention_causal_gqa(%q: tensor<1x8x128x64xf32>, %k: tensor<1x2x128x64xf32>,
    %v: tensor<1x2x128x64xf32>) -> tensor<1x8x128x64xf32> {
  // CHECK: longctx.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) causal -> tensor<1x8x128x64xf32>
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x128x64xf32>,
         tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) causal
         -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}
