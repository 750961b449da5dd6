// RUN: longctx-opt %s --convert-longctx-to-gpu | FileCheck %s

// A memory of 128 x 128 f32 (64 KiB) does not fit in shared memory: the
// op stays for the host lowering.
// CHECK-LABEL: func.func @large(
// CHECK:         longctx.memory_retrieve
// CHECK-NOT:     call
func.func @large(%q: tensor<1x1x4x128xf32>, %m: tensor<1x1x128x128xf32>,
                 %z: tensor<1x1x128xf32>) -> tensor<1x1x4x128xf32> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x1x4x128xf32>,
         tensor<1x1x128x128xf32>, tensor<1x1x128xf32>) -> tensor<1x1x4x128xf32>
  return %a : tensor<1x1x4x128xf32>
}
