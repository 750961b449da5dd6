// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg | FileCheck %s
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg="key-tile-size=32" | FileCheck %s --check-prefix=TK32
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg="vector-lanes=8 vector-accumulators=12 vector-registers=16" | FileCheck %s --check-prefix=AVX2
// RUN: not longctx-opt %s --split-input-file --convert-longctx-to-linalg="vector-lanes=12" 2>&1 | FileCheck %s --check-prefix=BADLANES
// RUN: not longctx-opt %s --split-input-file --convert-longctx-to-linalg="vector-registers=4" 2>&1 | FileCheck %s --check-prefix=BADREGS

// BADLANES: error: convert-longctx-to-linalg: vector-lanes must be 4, 8 or 16, vector-accumulators 1 to 64 and vector-registers 8 to 64, got vector-lanes=12, vector-accumulators=16 and vector-registers=32
// BADREGS: error: convert-longctx-to-linalg: vector-lanes must be 4, 8 or 16, vector-accumulators 1 to 64 and vector-registers 8 to 64, got vector-lanes=16, vector-accumulators=16 and vector-registers=4

/// f32 attention, d = dv = 64, key tiles of 64, 16 lanes: K^T and V are
/// packed once into contiguous panels, one per register block's columns, of
/// whole key tiles (100 keys -> 2 tiles, the keys past 100 zero): K^T
/// [B, Hkv, tiles, panels, d, 64] and V [B, Hkv, tiles, panels, 64, 64].
/// 100 is not a multiple of the tile, so each element is read at its key
/// (clamped) and zeroed past it. The parallel loop runs over (query tile,
/// batch, key/value head). In each key tile, S = Q K^T is the register-blocked
/// kernel on a whole key tile: blocks of 4 query rows x 4 vectors of 16
/// keys, 16 accumulators carried over the 64 head dims, each step one
/// in-bounds panel vector per key vector and one broadcast query element per
/// row, 16 multiply-adds; rows past the tile are not written. The softmax
/// step is one vector pass a row: lanes past the tile's keys or the diagonal
/// are set to -inf, then the max (vector.reduction), alpha, exp(S - m') in
/// place of S and the row sum. P V is the second kernel: 4 rows x 4 vectors
/// of 16 value dims started from acc * alpha, carried over the tile's keys.
/// No generic is left in the key loop.
// CHECK-LABEL: func.func @f32_d64(
//  CHECK-SAME:     %{{.+}}: tensor<1x4x100x64xf32>, %[[K:.+]]: tensor<1x2x100x64xf32>,
//       CHECK:   %[[KT:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<1x2x2x1x64x64xf32>)
//       CHECK:     %[[KEY:.+]] = arith.addi
//       CHECK:     %[[IN:.+]] = arith.cmpi slt, %[[KEY]], %c100
//       CHECK:     %[[CLAMPED:.+]] = arith.minsi %[[KEY]], %c99
//       CHECK:     %[[X:.+]] = tensor.extract %[[K]][%{{.+}}, %{{.+}}, %[[CLAMPED]], %{{.+}}]
//       CHECK:     arith.select %[[IN]], %[[X]], %{{.+}} : f32
//       CHECK:   %[[VP:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<1x2x2x1x64x64xf32>)
//       CHECK:   scf.forall (%{{.+}}, %[[BI:[a-zA-Z0-9_]+]], %[[HI:[a-zA-Z0-9_]+]]) in (%c2, 1, 2)
//       CHECK:     %[[KTH:.+]] = tensor.extract_slice %[[KT]][%[[BI]], %[[HI]], 0, 0, 0, 0] [1, 1, 2, 1, 64, 64]
//       CHECK:     %[[VPH:.+]] = tensor.extract_slice %[[VP]][%[[BI]], %[[HI]], 0, 0, 0, 0] [1, 1, 2, 1, 64, 64]
//       CHECK:     scf.for %[[K0:.+]] = {{.*}} iter_args(
//       CHECK:       %[[TILE:.+]] = arith.divui %[[K0]], %c64
//       CHECK:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c4
//       CHECK:         scf.for %[[C:.+]] = %{{.+}} to %c64 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
//       CHECK:           vector.transfer_read %[[KTH]][%{{.+}}, %{{.+}}, %[[TILE]], %{{.+}}, %[[C]], %c0], %{{.+}} {in_bounds = [true]} : tensor<1x1x2x1x64x64xf32>, vector<16xf32>
//       CHECK:           vector.transfer_read %[[KTH]][%{{.+}}, %{{.+}}, %[[TILE]], %{{.+}}, %[[C]], %c48]
//       CHECK:           tensor.extract
//       CHECK:           vector.broadcast
// CHECK-COUNT-4:         vector.fma
//       CHECK:           tensor.extract
// CHECK-COUNT-12:        vector.fma
//       CHECK:           scf.yield
//       CHECK:         vector.insert {{.*}} [0] : vector<16xf32> into vector<4x16xf32>
//       CHECK:         vector.insert {{.*}} [3] : vector<16xf32> into vector<4x16xf32>
//       CHECK:         vector.transfer_write {{.*}} {in_bounds = [false, true]} : vector<4x16xf32>, tensor<1x1x2x?x64xf32>
//       CHECK:       scf.for
//       CHECK:         vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x1x2x?x64xf32>, vector<16xf32>
//       CHECK:         arith.cmpi sgt, %{{.+}}, %{{.+}} : vector<16xi32>
//       CHECK:         arith.cmpi sle, %{{.+}}, %{{.+}} : vector<16xi32>
//       CHECK:         arith.select %{{.+}}, %{{.+}}, %{{.+}} : vector<16xi1>, vector<16xf32>
//       CHECK:         arith.maximumf %{{.+}}, %{{.+}} : vector<16xf32>
//       CHECK:         vector.reduction <maximumf>, %{{.+}} : vector<16xf32> into f32
//       CHECK:         math.exp %{{.+}} : f32
// CHECK-COUNT-4:       math.exp %{{.+}} : vector<16xf32>
//       CHECK:         vector.reduction <add>, %{{.+}} fastmath<reassoc> : vector<16xf32> into f32
//       CHECK:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c4
//       CHECK:         vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x1x2x?x64xf32>, vector<16xf32>
//       CHECK:         arith.mulf %{{.+}}, %{{.+}} : vector<16xf32>
//       CHECK:         scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
//       CHECK:           vector.transfer_read %[[VPH]][{{.*}}], %{{.+}} {in_bounds = [true]} : tensor<1x1x2x1x64x64xf32>, vector<16xf32>
// CHECK-COUNT-16:        vector.fma
//       CHECK:         vector.transfer_write {{.*}} {in_bounds = [false, true]} : vector<4x16xf32>, tensor<1x1x2x?x64xf32>
//   CHECK-NOT:   linalg.generic
//       CHECK:     linalg.generic {{.*}} ins(%{{.+}}#0, %{{.+}}#2 :
//       CHECK:   return
// TK32-LABEL: func.func @f32_d64(
//       TK32:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c8
//       TK32:         scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
/// AVX2's shape (8 lanes, 12 accumulators, 16 registers): a block of 4
/// vectors would leave no register for the step's vectors, so blocks are 6
/// rows x 2 vectors of 8 (16 columns), over column blocks of the tile.
// AVX2-LABEL: func.func @f32_d64(
//       AVX2:       %[[NCB:.+]] = arith.ceildivsi %{{.+}}, %c16
//       AVX2:       scf.for %{{.+}} = %c0 to %[[NCB]] step %c1
//       AVX2:         scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c6
//       AVX2:           scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// AVX2-COUNT-12:          vector.fma {{.*}} : vector<8xf32>
//   AVX2-NOT:             vector.fma
//       AVX2:             scf.yield
func.func @f32_d64(%q: tensor<1x4x100x64xf32>, %k: tensor<1x2x100x64xf32>,
                   %v: tensor<1x2x100x64xf32>) -> tensor<1x4x100x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x100x64xf32>, tensor<1x2x100x64xf32>,
         tensor<1x2x100x64xf32>) causal -> tensor<1x4x100x64xf32>
  return %o : tensor<1x4x100x64xf32>
}

// -----

/// dv = 128: 2 rows x 8 vectors would read 10 values for 16 multiply-adds,
/// 4 rows x 4 vectors reads 8, so the P V kernel takes 2 column blocks of 4
/// rows x 4 vectors. 64 keys are one whole tile: the panels are permuted
/// views of K and V, expanded into (tiles, panels, width) and (tiles, keys).
// CHECK-LABEL: func.func @f32_dv128(
//  CHECK-SAME:     %{{.+}}: tensor<1x2x64x32xf32>, %[[K:.+]]: tensor<1x2x64x32xf32>, %[[V:.+]]: tensor<1x2x64x128xf32>)
//       CHECK:   %[[KS:.+]] = tensor.expand_shape %[[K]] {{\[}}[0], [1], [2, 3, 4], [5]] output_shape [1, 2, 1, 1, 64, 32]
//       CHECK:   linalg.generic {{.*}} ins(%[[KS]] : tensor<1x2x1x1x64x32xf32>) outs(%{{.+}} : tensor<1x2x1x1x32x64xf32>)
//       CHECK:   %[[VS:.+]] = tensor.expand_shape %[[V]] {{\[}}[0], [1], [2, 3], [4, 5]] output_shape [1, 2, 1, 64, 2, 64]
//       CHECK:   linalg.generic {{.*}} ins(%[[VS]] : tensor<1x2x1x64x2x64xf32>) outs(%{{.+}} : tensor<1x2x1x2x64x64xf32>)
//       CHECK:     scf.for %{{.+}} = %c0 to %c2 step %c1
//       CHECK:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c4
//       CHECK:         scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-16:        vector.fma
//       CHECK:         vector.transfer_write {{.*}} : vector<4x16xf32>, tensor<1x1x1x?x128xf32>
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
