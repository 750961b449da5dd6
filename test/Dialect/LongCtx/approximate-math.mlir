// RUN: longctx-opt %s --longctx-approximate-math | FileCheck %s

/// f32 exp, log and tanh, scalar or vector, become polynomials (fused
/// multiply-adds and bit manipulation, no math.exp, math.log or math.tanh
/// left).
// CHECK-LABEL: func.func @f32(
//   CHECK-NOT:   math.exp
//   CHECK-NOT:   math.log
//   CHECK-NOT:   math.tanh
//       CHECK:   math.fma
//   CHECK-NOT:   math.exp
//   CHECK-NOT:   math.log
//   CHECK-NOT:   math.tanh
//       CHECK:   return
func.func @f32(%x: f32, %v: vector<16xf32>) -> (f32, vector<16xf32>, f32,
                                                 vector<16xf32>) {
  %e = math.exp %x : f32
  %ev = math.exp %v : vector<16xf32>
  %l = math.log %x : f32
  %t = math.tanh %v : vector<16xf32>
  return %e, %ev, %l, %t : f32, vector<16xf32>, f32, vector<16xf32>
}

/// f64 and the other math ops are left alone.
// CHECK-LABEL: func.func @others(
//       CHECK:   math.exp %{{.+}} : f64
//       CHECK:   math.tanh %{{.+}} : f64
//       CHECK:   math.sin %{{.+}} : f32
func.func @others(%x: f64, %y: f32) -> (f64, f64, f32) {
  %e = math.exp %x : f64
  %t = math.tanh %x : f64
  %s = math.sin %y : f32
  return %e, %t, %s : f64, f64, f32
}
