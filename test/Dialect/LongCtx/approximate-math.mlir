// RUN: longctx-opt %s --longctx-approximate-math | FileCheck %s

/// f32 exp and log, scalar or vector, become polynomials (fused
/// multiply-adds and bit manipulation, no math.exp or math.log left).
// CHECK-LABEL: func.func @f32(
//   CHECK-NOT:   math.exp
//   CHECK-NOT:   math.log
//       CHECK:   math.fma
//   CHECK-NOT:   math.exp
//   CHECK-NOT:   math.log
//       CHECK:   return
func.func @f32(%x: f32, %v: vector<16xf32>) -> (f32, vector<16xf32>, f32) {
  %e = math.exp %x : f32
  %ev = math.exp %v : vector<16xf32>
  %l = math.log %x : f32
  return %e, %ev, %l : f32, vector<16xf32>, f32
}

/// f64 and the other math ops are left alone.
// CHECK-LABEL: func.func @others(
//       CHECK:   math.exp %{{.+}} : f64
//       CHECK:   math.tanh %{{.+}} : f32
func.func @others(%x: f64, %y: f32) -> (f64, f32) {
  %e = math.exp %x : f64
  %t = math.tanh %y : f32
  return %e, %t : f64, f32
}
