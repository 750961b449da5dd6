// Unraised grouped-query attention with an additive mask, in the batch-merged
// form torch-mlir emits: K and V [2, 2, M, d] repeated to 4 heads
// (expand_shape + broadcast generic + collapse_shape), B*H collapsed around
// 3-D batch_matmuls, K^T by linalg.transpose, the scale as a division, the
// [1, 1, N, M] float mask added through a broadcasting generic, and
// linalg.softmax. It must be raised to longctx.attention with 2 key/value
// heads and the mask kept as an operand, then match the NumPy reference.
// RUN: longctx-opt %s --longctx-raise-attention | FileCheck %s --check-prefix=RAISED
// RUN: longctx-opt %s --linalg-fuse-elementwise-ops --longctx-raise-attention | FileCheck %s --check-prefix=RAISED
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 2,4,50,16 --kv 2,2,70,16 --mask float --mask-broadcast --scale 0.25 --seed 12 --out %t
// RUN: longctx-opt %s --longctx-raise-attention -o %t/raised.mlir
// RUN: longctx-run %t/raised.mlir --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/mask.npy --expected %t/expected.npy | FileCheck %s
// RUN: longctx-opt %s --linalg-fuse-elementwise-ops --longctx-raise-attention -o %t/fused-raised.mlir
// RUN: longctx-run %t/fused-raised.mlir --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/mask.npy --expected %t/expected.npy | FileCheck %s

// RAISED-LABEL: func.func @main
// RAISED-SAME: (%[[Q:.*]]: tensor<2x4x50x16xf32>, %[[K:.*]]: tensor<2x2x70x16xf32>, %[[V:.*]]: tensor<2x2x70x16xf32>, %[[M:.*]]: tensor<1x1x50x70xf32>)
// RAISED-NEXT: %[[O:.*]] = longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<2x4x50x16xf32>, tensor<2x2x70x16xf32>, tensor<2x2x70x16xf32>) mask(%[[M]] : tensor<1x1x50x70xf32>) scale(2.500000e-01) -> tensor<2x4x50x16xf32>
// RAISED-NEXT: return %[[O]]

// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match

#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#bcast = affine_map<(b, h, i, j) -> (0, 0, i, j)>
#rep = affine_map<(b, g, r, m, c) -> (b, g, 0, m, c)>
#id5 = affine_map<(b, g, r, m, c) -> (b, g, r, m, c)>

func.func @main(%q: tensor<2x4x50x16xf32>, %k: tensor<2x2x70x16xf32>,
                %v: tensor<2x2x70x16xf32>, %mask: tensor<1x1x50x70xf32>)
    -> tensor<2x4x50x16xf32> {
  %zero = arith.constant 0.0 : f32
  %four = arith.constant 4.0 : f32
  // repeat_interleave of the key/value heads.
  %k5 = tensor.expand_shape %k [[0], [1, 2], [3], [4]] output_shape [2, 2, 1, 70, 16]
          : tensor<2x2x70x16xf32> into tensor<2x2x1x70x16xf32>
  %v5 = tensor.expand_shape %v [[0], [1, 2], [3], [4]] output_shape [2, 2, 1, 70, 16]
          : tensor<2x2x70x16xf32> into tensor<2x2x1x70x16xf32>
  %re = tensor.empty() : tensor<2x2x2x70x16xf32>
  %kr = linalg.generic {indexing_maps = [#rep, #id5],
          iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
        ins(%k5 : tensor<2x2x1x70x16xf32>) outs(%re : tensor<2x2x2x70x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<2x2x2x70x16xf32>
  %vr = linalg.generic {indexing_maps = [#rep, #id5],
          iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
        ins(%v5 : tensor<2x2x1x70x16xf32>) outs(%re : tensor<2x2x2x70x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<2x2x2x70x16xf32>
  %k3 = tensor.collapse_shape %kr [[0, 1, 2], [3], [4]]
          : tensor<2x2x2x70x16xf32> into tensor<8x70x16xf32>
  %v3 = tensor.collapse_shape %vr [[0, 1, 2], [3], [4]]
          : tensor<2x2x2x70x16xf32> into tensor<8x70x16xf32>
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]]
          : tensor<2x4x50x16xf32> into tensor<8x50x16xf32>
  %kte = tensor.empty() : tensor<8x16x70xf32>
  %kt = linalg.transpose ins(%k3 : tensor<8x70x16xf32>)
          outs(%kte : tensor<8x16x70xf32>) permutation = [0, 2, 1]
  %se3 = tensor.empty() : tensor<8x50x70xf32>
  %s03 = linalg.fill ins(%zero : f32) outs(%se3 : tensor<8x50x70xf32>) -> tensor<8x50x70xf32>
  %s3 = linalg.batch_matmul ins(%q3, %kt : tensor<8x50x16xf32>, tensor<8x16x70xf32>)
          outs(%s03 : tensor<8x50x70xf32>) -> tensor<8x50x70xf32>
  %s = tensor.expand_shape %s3 [[0, 1], [2], [3]] output_shape [2, 4, 50, 70]
         : tensor<8x50x70xf32> into tensor<2x4x50x70xf32>
  %se = tensor.empty() : tensor<2x4x50x70xf32>
  %sd = linalg.generic {indexing_maps = [#id4, #id4],
          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%s : tensor<2x4x50x70xf32>) outs(%se : tensor<2x4x50x70xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.divf %x, %four : f32
    linalg.yield %y : f32
  } -> tensor<2x4x50x70xf32>
  %sm = linalg.generic {indexing_maps = [#id4, #bcast, #id4],
          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%sd, %mask : tensor<2x4x50x70xf32>, tensor<1x1x50x70xf32>)
        outs(%se : tensor<2x4x50x70xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %y = arith.addf %x, %m : f32
    linalg.yield %y : f32
  } -> tensor<2x4x50x70xf32>
  %p = linalg.softmax dimension(3) ins(%sm : tensor<2x4x50x70xf32>)
         outs(%se : tensor<2x4x50x70xf32>) -> tensor<2x4x50x70xf32>
  %p3 = tensor.collapse_shape %p [[0, 1], [2], [3]]
          : tensor<2x4x50x70xf32> into tensor<8x50x70xf32>
  %oe3 = tensor.empty() : tensor<8x50x16xf32>
  %o03 = linalg.fill ins(%zero : f32) outs(%oe3 : tensor<8x50x16xf32>) -> tensor<8x50x16xf32>
  %o3 = linalg.batch_matmul ins(%p3, %v3 : tensor<8x50x70xf32>, tensor<8x70x16xf32>)
          outs(%o03 : tensor<8x50x16xf32>) -> tensor<8x50x16xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [2, 4, 50, 16]
         : tensor<8x50x16xf32> into tensor<2x4x50x16xf32>
  return %o : tensor<2x4x50x16xf32>
}
