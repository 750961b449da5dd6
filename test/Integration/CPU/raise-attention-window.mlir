// Unraised sliding-window cross attention (40 queries, the last positions of
// 64 keys, window 10): both bounds of the band written as index comparisons
// in one select generic after a 3-D batch_matmul. It must be raised to
// causal window(10) longctx.attention, then match the NumPy reference.
// RUN: longctx-opt %s --longctx-raise-attention | FileCheck %s --check-prefix=RAISED
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,2,40,16 --kv 1,2,64,16 --causal --window 10 --seed 13 --out %t
// RUN: longctx-opt %s --longctx-raise-attention -o %t/raised.mlir
// RUN: longctx-run %t/raised.mlir --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s

// RAISED: longctx.attention ins({{.*}} : tensor<1x2x40x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) causal window(10) scale(2.500000e-01)
// RAISED-NOT: linalg.batch_matmul

// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match

#id3 = affine_map<(a, i, j) -> (a, i, j)>

func.func @main(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x64x16xf32>,
                %v: tensor<1x2x64x16xf32>) -> tensor<1x2x40x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.25 : f32
  %c9 = arith.constant 9 : index
  %c24 = arith.constant 24 : index
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x40x16xf32> into tensor<2x40x16xf32>
  %k3 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x2x64x16xf32> into tensor<2x64x16xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x64x16xf32> into tensor<2x64x16xf32>
  %se = tensor.empty() : tensor<2x40x64xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x40x64xf32>) -> tensor<2x40x64xf32>
  %s = linalg.batch_matmul
         indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>,
                          affine_map<(a, i, j, c) -> (a, j, c)>,
                          affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q3, %k3 : tensor<2x40x16xf32>, tensor<2x64x16xf32>)
         outs(%s0 : tensor<2x40x64xf32>) -> tensor<2x40x64xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3],
         iterator_types = ["parallel", "parallel", "parallel"]}
       ins(%s : tensor<2x40x64xf32>) outs(%se : tensor<2x40x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %pos = arith.addi %i, %c24 : index
    %past = arith.cmpi sle, %j, %pos : index
    %jw = arith.addi %j, %c9 : index
    %recent = arith.cmpi sge, %jw, %pos : index
    %keep = arith.andi %past, %recent : i1
    %y = arith.mulf %x, %scale : f32
    %r = arith.select %keep, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<2x40x64xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<2x40x64xf32>)
         outs(%se : tensor<2x40x64xf32>) -> tensor<2x40x64xf32>
  %oe = tensor.empty() : tensor<2x40x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x40x16xf32>) -> tensor<2x40x16xf32>
  %o3 = linalg.batch_matmul ins(%p, %v3 : tensor<2x40x64xf32>, tensor<2x64x16xf32>)
          outs(%o0 : tensor<2x40x16xf32>) -> tensor<2x40x16xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [1, 2, 40, 16]
         : tensor<2x40x16xf32> into tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}
