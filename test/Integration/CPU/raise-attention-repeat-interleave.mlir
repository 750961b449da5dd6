// Grouped-query attention written with repeat_interleave, as PyTorch 1.13
// exports it (opset 17) and longctx-import-onnx imports it: each key/value
// head split off, broadcast to 2 heads and the pieces concatenated along the
// heads. The raise makes it grouped-query attention over the 2 key/value
// heads themselves (no repeated copy, and after an Infini rewrite one memory
// per key/value head), and the result matches the NumPy reference.
//
// RUN: longctx-opt %s --longctx-raise-attention | FileCheck %s \
// RUN:   --implicit-check-not=tensor.insert_slice --implicit-check-not=linalg.broadcast
// Keys whose pieces repeat the heads in another order (head 1 first) are not
// a repetition of k: keys and values stay as written, repeated to 4 heads.
// RUN: sed -e 's/extract_slice %arg1\[0, 0, 0, 0\]/extract_slice %arg1[0, 9, 0, 0]/' \
// RUN:     -e 's/extract_slice %arg1\[0, 1, 0, 0\]/extract_slice %arg1[0, 0, 0, 0]/' \
// RUN:     -e 's/extract_slice %arg1\[0, 9, 0, 0\]/extract_slice %arg1[0, 1, 0, 0]/' %s | \
// RUN:   longctx-opt --longctx-raise-attention | FileCheck %s --check-prefix=SWAPPED
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,4,32,16 --kv 1,2,32,16 --causal --seed 5 --out %t
// RUN: longctx-opt %s --longctx-raise-attention -o %t/raised.mlir
// RUN: longctx-run %t/raised.mlir --input %t/q.npy --input %t/k.npy --input %t/v.npy \
// RUN:   --expected %t/expected.npy | FileCheck %s --check-prefix=RESULT
// RUN: longctx-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy \
// RUN:   --expected %t/expected.npy | FileCheck %s --check-prefix=RESULT

// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[Q:.*]]: tensor<1x4x32x16xf32> {onnx.name = "q"}, %[[K:.*]]: tensor<1x2x32x16xf32> {onnx.name = "k"}, %[[V:.*]]: tensor<1x2x32x16xf32> {onnx.name = "v"}
// CHECK: longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x4x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) causal scale(2.500000e-01)

// SWAPPED: tensor.insert_slice
// SWAPPED: longctx.attention ins(%{{.*}} : tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>)

// RESULT: result 0: {{.*}} PASS
// RESULT: all 1 checked results match

#map = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#map1 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#map2 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
module {
  func.func @main(%arg0: tensor<1x4x32x16xf32> {onnx.name = "q"}, %arg1: tensor<1x2x32x16xf32> {onnx.name = "k"}, %arg2: tensor<1x2x32x16xf32> {onnx.name = "v"}) -> (tensor<1x4x32x16xf32> {onnx.name = "y"}) {
    %extracted_slice = tensor.extract_slice %arg1[0, 0, 0, 0] [1, 1, 32, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> to tensor<1x1x32x16xf32>
    %extracted_slice_0 = tensor.extract_slice %arg1[0, 1, 0, 0] [1, 1, 32, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> to tensor<1x1x32x16xf32>
    %0 = tensor.empty() : tensor<1x1x2x32x16xf32>
    %broadcasted = linalg.broadcast ins(%extracted_slice : tensor<1x1x32x16xf32>) outs(%0 : tensor<1x1x2x32x16xf32>) dimensions = [2] 
    %collapsed = tensor.collapse_shape %broadcasted [[0], [1, 2], [3], [4]] : tensor<1x1x2x32x16xf32> into tensor<1x2x32x16xf32>
    %1 = tensor.empty() : tensor<1x1x2x32x16xf32>
    %broadcasted_1 = linalg.broadcast ins(%extracted_slice_0 : tensor<1x1x32x16xf32>) outs(%1 : tensor<1x1x2x32x16xf32>) dimensions = [2] 
    %collapsed_2 = tensor.collapse_shape %broadcasted_1 [[0], [1, 2], [3], [4]] : tensor<1x1x2x32x16xf32> into tensor<1x2x32x16xf32>
    %2 = tensor.empty() : tensor<1x4x32x16xf32>
    %inserted_slice = tensor.insert_slice %collapsed into %2[0, 0, 0, 0] [1, 2, 32, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> into tensor<1x4x32x16xf32>
    %inserted_slice_3 = tensor.insert_slice %collapsed_2 into %inserted_slice[0, 2, 0, 0] [1, 2, 32, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> into tensor<1x4x32x16xf32>
    %extracted_slice_4 = tensor.extract_slice %arg2[0, 0, 0, 0] [1, 1, 32, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> to tensor<1x1x32x16xf32>
    %extracted_slice_5 = tensor.extract_slice %arg2[0, 1, 0, 0] [1, 1, 32, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> to tensor<1x1x32x16xf32>
    %3 = tensor.empty() : tensor<1x1x2x32x16xf32>
    %broadcasted_6 = linalg.broadcast ins(%extracted_slice_4 : tensor<1x1x32x16xf32>) outs(%3 : tensor<1x1x2x32x16xf32>) dimensions = [2] 
    %collapsed_7 = tensor.collapse_shape %broadcasted_6 [[0], [1, 2], [3], [4]] : tensor<1x1x2x32x16xf32> into tensor<1x2x32x16xf32>
    %4 = tensor.empty() : tensor<1x1x2x32x16xf32>
    %broadcasted_8 = linalg.broadcast ins(%extracted_slice_5 : tensor<1x1x32x16xf32>) outs(%4 : tensor<1x1x2x32x16xf32>) dimensions = [2] 
    %collapsed_9 = tensor.collapse_shape %broadcasted_8 [[0], [1, 2], [3], [4]] : tensor<1x1x2x32x16xf32> into tensor<1x2x32x16xf32>
    %5 = tensor.empty() : tensor<1x4x32x16xf32>
    %inserted_slice_10 = tensor.insert_slice %collapsed_7 into %5[0, 0, 0, 0] [1, 2, 32, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> into tensor<1x4x32x16xf32>
    %inserted_slice_11 = tensor.insert_slice %collapsed_9 into %inserted_slice_10[0, 2, 0, 0] [1, 2, 32, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> into tensor<1x4x32x16xf32>
    %6 = tensor.empty() : tensor<1x4x16x32xf32>
    %transposed = linalg.transpose ins(%inserted_slice_3 : tensor<1x4x32x16xf32>) outs(%6 : tensor<1x4x16x32xf32>) permutation = [0, 1, 3, 2] 
    %cst = arith.constant 0.000000e+00 : f32
    %7 = tensor.empty() : tensor<1x4x32x32xf32>
    %8 = linalg.fill ins(%cst : f32) outs(%7 : tensor<1x4x32x32xf32>) -> tensor<1x4x32x32xf32>
    %9 = linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %transposed : tensor<1x4x32x16xf32>, tensor<1x4x16x32xf32>) outs(%8 : tensor<1x4x32x32xf32>) {
    ^bb0(%in: f32, %in_16: f32, %out: f32):
      %19 = arith.mulf %in, %in_16 : f32
      %20 = arith.addf %out, %19 : f32
      linalg.yield %20 : f32
    } -> tensor<1x4x32x32xf32>
    %cst_12 = arith.constant 4.000000e+00 : f32
    %10 = tensor.empty() : tensor<1x4x32x32xf32>
    %11 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%9 : tensor<1x4x32x32xf32>) outs(%10 : tensor<1x4x32x32xf32>) {
    ^bb0(%in: f32, %out: f32):
      %19 = arith.divf %in, %cst_12 : f32
      linalg.yield %19 : f32
    } -> tensor<1x4x32x32xf32>
    %cst_13 = arith.constant dense<"0xFEFFFFFFFCFFFFFFF8FFFFFFF0FFFFFFE0FFFFFFC0FFFFFF80FFFFFF00FFFFFF00FEFFFF00FCFFFF00F8FFFF00F0FFFF00E0FFFF00C0FFFF0080FFFF0000FFFF0000FEFF0000FCFF0000F8FF0000F0FF0000E0FF0000C0FF000080FF000000FF000000FE000000FC000000F8000000F0000000E0000000C00000008000000000"> : tensor<32x32xi1>
    %cst_14 = arith.constant 0xFF800000 : f32
    %12 = tensor.empty() : tensor<1x4x32x32xf32>
    %13 = linalg.generic {indexing_maps = [#map4, #map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%cst_13, %11 : tensor<32x32xi1>, tensor<1x4x32x32xf32>) outs(%12 : tensor<1x4x32x32xf32>) {
    ^bb0(%in: i1, %in_16: f32, %out: f32):
      %19 = arith.select %in, %cst_14, %in_16 : f32
      linalg.yield %19 : f32
    } -> tensor<1x4x32x32xf32>
    %14 = tensor.empty() : tensor<1x4x32x32xf32>
    %15 = linalg.softmax dimension(3) ins(%13 : tensor<1x4x32x32xf32>) outs(%14 : tensor<1x4x32x32xf32>) -> tensor<1x4x32x32xf32>
    %cst_15 = arith.constant 0.000000e+00 : f32
    %16 = tensor.empty() : tensor<1x4x32x16xf32>
    %17 = linalg.fill ins(%cst_15 : f32) outs(%16 : tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32>
    %18 = linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%15, %inserted_slice_11 : tensor<1x4x32x32xf32>, tensor<1x4x32x16xf32>) outs(%17 : tensor<1x4x32x16xf32>) {
    ^bb0(%in: f32, %in_16: f32, %out: f32):
      %19 = arith.mulf %in, %in_16 : f32
      %20 = arith.addf %out, %19 : f32
      linalg.yield %20 : f32
    } -> tensor<1x4x32x16xf32>
    return %18 : tensor<1x4x32x16xf32>
  }
}

