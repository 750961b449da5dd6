// An unraised TOSA graph: 4-D inputs through tosa.reshape to the 3-D
// tosa.matmul, K^T by tosa.transpose, the scale as tosa.mul, and a boolean
// mask that is true where a key is removed: tosa.select(removed, -FLT_MAX,
// scores). It must be raised to longctx.attention with the negated mask
// kept as its i1 mask, then match the NumPy reference (whose mask keeps the
// key where it is true; the test negates it for the graph).
// RUN: longctx-opt %s --longctx-raise-attention | FileCheck %s --check-prefix=RAISED
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,2,32,16 --kv 1,2,40,16 --mask bool --mask-broadcast --scale 0.125 --seed 14 --out %t
// RUN: %PYTHON -c "import numpy as np; np.save('%t/removed.npy', ~np.load('%t/mask.npy'))"
// RUN: longctx-opt %s --longctx-raise-attention -o %t/raised.mlir
// RUN: longctx-run %t/raised.mlir --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/removed.npy --expected %t/expected.npy | FileCheck %s

// RAISED-LABEL: func.func @main
// RAISED: arith.xori
// RAISED: longctx.attention ins({{.*}} : tensor<1x2x32x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>) mask({{.*}} : tensor<1x1x32x40xi1>) scale(1.250000e-01)
// RAISED-NOT: tosa.

// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match

func.func @main(%q: tensor<1x2x32x16xf32>, %k: tensor<1x2x40x16xf32>,
                %v: tensor<1x2x40x16xf32>, %removed: tensor<1x1x32x40xi1>)
    -> tensor<1x2x32x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<0.125> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %min = "tosa.const"() <{values = dense<-3.40282347E+38> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %sq = tosa.const_shape {values = dense<[2, 32, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %skv = tosa.const_shape {values = dense<[2, 40, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %sm = tosa.const_shape {values = dense<[1, 32, 40]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %so = tosa.const_shape {values = dense<[1, 2, 32, 16]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %q3 = tosa.reshape %q, %sq : (tensor<1x2x32x16xf32>, !tosa.shape<3>) -> tensor<2x32x16xf32>
  %k3 = tosa.reshape %k, %skv : (tensor<1x2x40x16xf32>, !tosa.shape<3>) -> tensor<2x40x16xf32>
  %v3 = tosa.reshape %v, %skv : (tensor<1x2x40x16xf32>, !tosa.shape<3>) -> tensor<2x40x16xf32>
  %m3 = tosa.reshape %removed, %sm : (tensor<1x1x32x40xi1>, !tosa.shape<3>) -> tensor<1x32x40xi1>
  %kt = tosa.transpose %k3 {perms = array<i32: 0, 2, 1>} : (tensor<2x40x16xf32>) -> tensor<2x16x40xf32>
  %s = tosa.matmul %q3, %kt, %zp, %zp : (tensor<2x32x16xf32>, tensor<2x16x40xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x32x40xf32>
  %ss = tosa.mul %s, %scale, %shift : (tensor<2x32x40xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<2x32x40xf32>
  %sk = tosa.select %m3, %min, %ss : (tensor<1x32x40xi1>, tensor<1x1x1xf32>, tensor<2x32x40xf32>) -> tensor<2x32x40xf32>
  %mx = tosa.reduce_max %sk {axis = 2 : i32} : (tensor<2x32x40xf32>) -> tensor<2x32x1xf32>
  %d = tosa.sub %sk, %mx : (tensor<2x32x40xf32>, tensor<2x32x1xf32>) -> tensor<2x32x40xf32>
  %e = tosa.exp %d : (tensor<2x32x40xf32>) -> tensor<2x32x40xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<2x32x40xf32>) -> tensor<2x32x1xf32>
  %r = tosa.reciprocal %sum : (tensor<2x32x1xf32>) -> tensor<2x32x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<2x32x40xf32>, tensor<2x32x1xf32>, tensor<1xi8>) -> tensor<2x32x40xf32>
  %o = tosa.matmul %p, %v3, %zp, %zp : (tensor<2x32x40xf32>, tensor<2x40x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x32x16xf32>
  %o4 = tosa.reshape %o, %so : (tensor<2x32x16xf32>, !tosa.shape<4>) -> tensor<1x2x32x16xf32>
  return %o4 : tensor<1x2x32x16xf32>
}
