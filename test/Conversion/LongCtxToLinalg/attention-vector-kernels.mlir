// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg | FileCheck %s
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg="key-tile-size=32" | FileCheck %s --check-prefix=TK32

/// f32 attention, d = dv = 64, key tiles of 64: K is transposed once for
/// all query tiles. In each key tile, S = Q K^T is the register-blocked
/// kernel: blocks of 4 query rows x 4 vectors of 16 keys, 16 accumulators
/// carried over the 64 head dims, each step one K^T vector per key vector
/// and one broadcast query element per row, 16 multiply-adds; reads past
/// the tile's keys are padded (not in bounds), rows past the tile are not
/// written. P V is the second kernel: 4 rows x 4 vectors of 16 value dims
/// started from acc * alpha, carried over the tile's keys. No generic
/// matmul is left in the key loop.
// CHECK-LABEL: func.func @f32_d64(
//       CHECK:   %[[KT:.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<1x2x100x64xf32>) outs(%{{.+}} : tensor<1x2x64x100xf32>)
//       CHECK:   scf.forall
//       CHECK:     scf.for %[[K0:.+]] = {{.*}} iter_args(
//       CHECK:       %[[KTS:.+]] = tensor.extract_slice %[[KT]][0, 0, 0, %[[K0]]] [1, 2, 64, %{{.+}}]
//       CHECK:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c4
//       CHECK:         scf.for %[[C:.+]] = %{{.+}} to %c64 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
//       CHECK:           vector.transfer_read %[[KTS]][%{{.+}}, %{{.+}}, %[[C]], %c0], %{{.+}} : tensor<1x2x64x?xf32>, vector<16xf32>
//   CHECK-NOT:           in_bounds
//       CHECK:           vector.transfer_read %[[KTS]][%{{.+}}, %{{.+}}, %[[C]], %c48]
//       CHECK:           tensor.extract
//       CHECK:           vector.broadcast
// CHECK-COUNT-4:         vector.fma
//       CHECK:           tensor.extract
// CHECK-COUNT-12:        vector.fma
//       CHECK:           scf.yield
//       CHECK:         vector.insert {{.*}} [0] : vector<16xf32> into vector<4x16xf32>
//       CHECK:         vector.insert {{.*}} [3] : vector<16xf32> into vector<4x16xf32>
//       CHECK:         vector.transfer_write {{.*}} : vector<4x16xf32>, tensor<1x2x2x?x?xf32>
//   CHECK-NOT:         in_bounds
//       CHECK:       math.exp
//       CHECK:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c4
//       CHECK:         vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x2x2x?x64xf32>, vector<16xf32>
//       CHECK:         arith.mulf %{{.+}}, %{{.+}} : vector<16xf32>
//       CHECK:         scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
//       CHECK:           vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x2x?x64xf32>, vector<16xf32>
// CHECK-COUNT-16:        vector.fma
//       CHECK:         vector.transfer_write {{.*}} {in_bounds = [false, true]} : vector<4x16xf32>, tensor<1x2x2x?x64xf32>
//   CHECK-NOT:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]
//   CHECK-NOT:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]
//       CHECK:   return
// TK32-LABEL: func.func @f32_d64(
//       TK32:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c8
//       TK32:         scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
func.func @f32_d64(%q: tensor<1x4x100x64xf32>, %k: tensor<1x2x100x64xf32>,
                   %v: tensor<1x2x100x64xf32>) -> tensor<1x4x100x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x100x64xf32>, tensor<1x2x100x64xf32>,
         tensor<1x2x100x64xf32>) causal -> tensor<1x4x100x64xf32>
  return %o : tensor<1x4x100x64xf32>
}

// -----

/// dv = 128: the P V kernel holds 2 rows x 8 vectors.
// CHECK-LABEL: func.func @f32_dv128(
//       CHECK:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c2
//       CHECK:         scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-16:        vector.fma
func.func @f32_dv128(%q: tensor<1x2x64x32xf32>, %k: tensor<1x2x64x32xf32>,
                     %v: tensor<1x2x64x128xf32>) -> tensor<1x2x64x128xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>,
         tensor<1x2x64x128xf32>) causal -> tensor<1x2x64x128xf32>
  return %o : tensor<1x2x64x128xf32>
}

// -----

/// f16 values: the scores use the kernel (f32 accumulation), P V keeps the
/// generic, which widens the values; f64 uses the generics throughout.
// CHECK-LABEL: func.func @f16(
//       CHECK:   vector.fma
//       CHECK:   iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]
//       CHECK:     arith.extf {{.*}} : f16 to f32
// CHECK-LABEL: func.func @f64(
//   CHECK-NOT:   vector.
//       CHECK:   return
func.func @f16(%q: tensor<1x2x64x16xf16>) -> tensor<1x2x64x16xf16> {
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x64x16xf16>, tensor<1x2x64x16xf16>,
         tensor<1x2x64x16xf16>) causal -> tensor<1x2x64x16xf16>
  return %o : tensor<1x2x64x16xf16>
}
func.func @f64(%q: tensor<1x2x64x16xf64>) -> tensor<1x2x64x16xf64> {
  %o = longctx.attention ins(%q, %q, %q : tensor<1x2x64x16xf64>, tensor<1x2x64x16xf64>,
         tensor<1x2x64x16xf64>) causal -> tensor<1x2x64x16xf64>
  return %o : tensor<1x2x64x16xf64>
}
