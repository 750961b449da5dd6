// RUN: longctx-opt %s --longctx-legalize-for-cpu | FileCheck %s

// linalg.softmax becomes max, exp(x - max), sum and divide generics.
// CHECK-LABEL: func.func @softmax(
// CHECK-NOT: linalg.softmax
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.max
// CHECK: linalg.generic
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK-NOT: linalg.softmax
func.func @softmax(%x: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %e = tensor.empty() : tensor<2x8x16xf32>
  %s = linalg.softmax dimension(2) ins(%x : tensor<2x8x16xf32>)
         outs(%e : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %s : tensor<2x8x16xf32>
}

// math.erf becomes a polynomial in arith and math ops LLVM can lower.
// CHECK-LABEL: func.func @erf(
// CHECK-NOT: math.erf
// CHECK: math.fma
// CHECK-NOT: math.erf
// CHECK: return
func.func @erf(%x: f32) -> f32 {
  %y = math.erf %x : f32
  return %y : f32
}

// Everything else is left alone.
// CHECK-LABEL: func.func @untouched(
// CHECK: math.exp
// CHECK: linalg.matmul
func.func @untouched(%a: tensor<4x4xf32>, %x: f32) -> (tensor<4x4xf32>, f32) {
  %y = math.exp %x : f32
  %m = linalg.matmul ins(%a, %a : tensor<4x4xf32>, tensor<4x4xf32>)
         outs(%a : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %m, %y : tensor<4x4xf32>, f32
}
