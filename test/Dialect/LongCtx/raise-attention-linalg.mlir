// Positive cases of --longctx-raise-attention on linalg on tensors: each
// chain becomes one longctx.attention with the scale, causal flag, mask and
// operands checked; the chain's ops are gone.
// RUN: longctx-opt %s --longctx-raise-attention | FileCheck %s
// RUN: longctx-opt %s --longctx-raise-attention | FileCheck %s --check-prefix=GONE

// The same graphs after linalg-fuse-elementwise-ops (scales, masks, softmax
// steps merged into fewer generics, some into the matmul bodies) raise too.
// RUN: longctx-opt %s --linalg-fuse-elementwise-ops --longctx-raise-attention | FileCheck %s --check-prefix=FUSED
// FUSED-LABEL: func.func @batch_matmul_transposed_k(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x8x16x32xf32>, tensor<1x8x16x32xf32>, tensor<1x8x16x32xf32>) scale(1.250000e-01) -> tensor<1x8x16x32xf32>
// FUSED-LABEL: func.func @onnx_4d(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) scale(2.500000e-01) -> tensor<1x2x8x16xf32>
// FUSED-LABEL: func.func @torch_mlir(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<2x3x8x16xf32>, tensor<2x3x8x16xf32>, tensor<2x3x8x16xf32>) scale(2.500000e-01) -> tensor<2x3x8x16xf32>
// FUSED-LABEL: func.func @matmul_2d_transposed_maps(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x1x8x16xf32>, tensor<1x1x12x16xf32>, tensor<1x1x12x4xf32>) scale(1.000000e+00) -> tensor<1x1x8x4xf32>
// FUSED-LABEL: func.func @causal_mask_tensor(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) causal scale(1.000000e+00) -> tensor<1x2x8x16xf32>
// FUSED-LABEL: func.func @causal_constant_additive(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) causal scale(1.000000e+00) -> tensor<1x2x4x16xf32>
// FUSED-LABEL: func.func @causal_constant_where(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) causal scale(1.000000e+00) -> tensor<1x2x4x16xf32>
// FUSED-LABEL: func.func @kept_additive_mask(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) mask({{.*}} : tensor<1x1x8x8xf32>) scale(1.250000e-01) -> tensor<1x2x8x16xf32>
// FUSED-LABEL: func.func @kept_bool_mask(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) mask({{.*}} : tensor<1x1x4x4xi1>) scale(1.000000e+00) -> tensor<1x2x4x16xf32>
// FUSED-LABEL: func.func @kept_bool_mask_inverted(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) mask({{.*}} : tensor<1x2x8x8xi1>) scale(1.000000e+00) -> tensor<1x2x8x16xf32>
// FUSED-LABEL: func.func @split_sqrt_scale(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) scale(2.500000e-01) -> tensor<1x2x8x16xf32>
// FUSED-LABEL: func.func @gqa_generic_broadcast(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x6x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) scale(2.500000e-01) -> tensor<1x6x8x16xf32>
// FUSED-LABEL: func.func @gqa_linalg_broadcast_3d(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) scale(1.000000e+00) -> tensor<2x4x8x16xf32>
// FUSED-LABEL: func.func @gqa_floordiv_map(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) scale(1.000000e+00) -> tensor<1x4x8x16xf32>
// FUSED-LABEL: func.func @f16_with_f32_softmax(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) scale(2.500000e-01) -> tensor<1x4x8x16xf16>
// FUSED-LABEL: func.func @causal_bottom_right(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x4x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) causal scale(1.000000e+00) -> tensor<1x2x4x16xf32>
// FUSED-LABEL: func.func @reciprocal_causal_and_mask(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x3x8x16xf32>, tensor<1x3x8x16xf32>, tensor<1x3x8x16xf32>) mask({{.*}} : tensor<1x3x8x8xf32>) causal scale(5.000000e-01) -> tensor<1x3x8x16xf32>
// FUSED-LABEL: func.func @fused_into_matmuls(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) causal scale(1.250000e-01) -> tensor<1x2x8x16xf32>
// FUSED-LABEL: func.func @tensor_reshape_and_transposed_query(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) scale(5.000000e-01) -> tensor<1x2x8x16xf32>
// FUSED-LABEL: func.func @sliding_window(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) causal window(3) scale(1.000000e+00) -> tensor<1x2x8x16xf32>
// FUSED-LABEL: func.func @safe_softmax(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) mask({{.*}} : tensor<1x2x8x8xi1>) scale(1.000000e+00) -> tensor<1x2x8x16xf32>
// FUSED-LABEL: func.func @window_constant(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) causal window(2) scale(1.000000e+00) -> tensor<1x2x4x16xf32>
// FUSED-LABEL: func.func @constant_mask_kept(
// FUSED-NOT: math.exp
// FUSED: longctx.attention ins({{.*}} : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) mask({{.*}} : tensor<1x1x4x4xf32>) scale(1.000000e+00) -> tensor<1x2x4x16xf32>

// GONE-NOT: linalg.softmax
// GONE-NOT: linalg.batch_matmul
// GONE-NOT: linalg.matmul
// GONE-NOT: math.exp

#id2 = affine_map<(i, j) -> (i, j)>
#id3 = affine_map<(a, i, j) -> (a, i, j)>
#row3 = affine_map<(a, i, j) -> (a, i)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#row4 = affine_map<(b, h, i, j) -> (b, h, i)>
#keep4 = affine_map<(b, h, i, j) -> (b, h, i, 0)>
#scalar4 = affine_map<(b, h, i, j) -> ()>
#mat4 = affine_map<(b, h, i, j) -> (i, j)>
#bc4 = affine_map<(b, h, i, j) -> (0, 0, i, j)>
#mm_q = affine_map<(b, h, i, j, c) -> (b, h, i, c)>
#mm_k = affine_map<(b, h, i, j, c) -> (b, h, j, c)>
#mm_kt = affine_map<(b, h, i, j, c) -> (b, h, c, j)>
#mm_o = affine_map<(b, h, i, j, c) -> (b, h, i, j)>
#pv_p = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#pv_o = affine_map<(b, h, i, e, j) -> (b, h, i, e)>
#id5 = affine_map<(b, g, r, m, c) -> (b, g, r, m, c)>
#rep5 = affine_map<(b, g, r, m, c) -> (b, g, 0, m, c)>

// 3-D batch_matmul (B*H merged) with K^T by linalg.transpose, the scale as a
// mulf generic, linalg.softmax.
// CHECK-LABEL: func.func @batch_matmul_transposed_k
// CHECK-SAME: (%[[Q:.*]]: tensor<8x16x32xf32>, %[[K:.*]]: tensor<8x16x32xf32>, %[[V:.*]]: tensor<8x16x32xf32>)
// CHECK-DAG: %[[Q4:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1], [2], [3]] output_shape [1, 8, 16, 32]
// CHECK-DAG: %[[K4:.*]] = tensor.expand_shape %[[K]] {{\[}}[0, 1], [2], [3]] output_shape [1, 8, 16, 32]
// CHECK-DAG: %[[V4:.*]] = tensor.expand_shape %[[V]] {{\[}}[0, 1], [2], [3]] output_shape [1, 8, 16, 32]
// CHECK: %[[O:.*]] = longctx.attention ins(%[[Q4]], %[[K4]], %[[V4]] : tensor<1x8x16x32xf32>, tensor<1x8x16x32xf32>, tensor<1x8x16x32xf32>) scale(1.250000e-01) -> tensor<1x8x16x32xf32>
// CHECK-NEXT: %[[O3:.*]] = tensor.collapse_shape %[[O]] {{\[}}[0, 1], [2], [3]] : tensor<1x8x16x32xf32> into tensor<8x16x32xf32>
// CHECK-NEXT: return %[[O3]]
func.func @batch_matmul_transposed_k(%q: tensor<8x16x32xf32>, %k: tensor<8x16x32xf32>, %v: tensor<8x16x32xf32>) -> tensor<8x16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %c = arith.constant 0.125 : f32
  %kt0 = tensor.empty() : tensor<8x32x16xf32>
  %kt = linalg.transpose ins(%k : tensor<8x16x32xf32>) outs(%kt0 : tensor<8x32x16xf32>) permutation = [0, 2, 1]
  %se = tensor.empty() : tensor<8x16x16xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<8x16x32xf32>, tensor<8x32x16xf32>) outs(%s0 : tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  %sc = linalg.generic {indexing_maps = [affine_map<(a, i, j) -> (a, i, j)>, affine_map<(a, i, j) -> (a, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<8x16x16xf32>) outs(%se : tensor<8x16x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<8x16x16xf32>
  %p = linalg.softmax dimension(2) ins(%sc : tensor<8x16x16xf32>) outs(%se : tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  %oe = tensor.empty() : tensor<8x16x32xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<8x16x32xf32>) -> tensor<8x16x32xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<8x16x16xf32>, tensor<8x16x32xf32>) outs(%o0 : tensor<8x16x32xf32>) -> tensor<8x16x32xf32>
  return %o : tensor<8x16x32xf32>
}

// The ONNX importer's form: 4-D MatMul as a generic over [B,H,N,d] x
// [B,H,d,M] into a zero fill, K^T by linalg.transpose, Div by a scalar
// constant tensor, Softmax(axis=-1) as linalg.softmax.
// CHECK-LABEL: func.func @onnx_4d
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x8x16xf32>, %[[K:.*]]: tensor<1x2x8x16xf32>, %[[V:.*]]: tensor<1x2x8x16xf32>)
// CHECK-NEXT: %[[O:.*]] = longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) scale(2.500000e-01) -> tensor<1x2x8x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @onnx_4d(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %four = arith.constant dense<4.0> : tensor<f32>
  %kte = tensor.empty() : tensor<1x2x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<1x2x8x16xf32>) outs(%kte : tensor<1x2x16x8xf32>) permutation = [0, 1, 3, 2]
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_kt, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %kt : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %d = linalg.generic {indexing_maps = [#id4, #scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %four : tensor<1x2x8x8xf32>, tensor<f32>) outs(%se : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %y = arith.divf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%d : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// torch-mlir's linalg form of a decomposed SDPA: batch x heads collapsed
// around 3-D batch_matmuls, aten.max.dim as a two-result reduction with a dead
// i64 argmax, keepdim expand_shape, broadcasting sub / exp / div generics.
// CHECK-LABEL: func.func @torch_mlir
// CHECK-SAME: (%[[Q:.*]]: tensor<2x3x8x16xf32>, %[[K:.*]]: tensor<2x3x8x16xf32>, %[[V:.*]]: tensor<2x3x8x16xf32>)
// CHECK-NEXT: %[[O:.*]] = longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<2x3x8x16xf32>, tensor<2x3x8x16xf32>, tensor<2x3x8x16xf32>) scale(2.500000e-01) -> tensor<2x3x8x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @torch_mlir(%q: tensor<2x3x8x16xf32>, %k: tensor<2x3x8x16xf32>, %v: tensor<2x3x8x16xf32>) -> tensor<2x3x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c0i = arith.constant 0 : i64
  %scale = arith.constant 0.25 : f32
  %kte = tensor.empty() : tensor<2x3x16x8xf32>
  %kt = linalg.generic {indexing_maps = [#id4, affine_map<(b, h, i, j) -> (b, h, j, i)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<2x3x8x16xf32>) outs(%kte : tensor<2x3x16x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<2x3x16x8xf32>
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<2x3x8x16xf32> into tensor<6x8x16xf32>
  %kt3 = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<2x3x16x8xf32> into tensor<6x16x8xf32>
  %se3 = tensor.empty() : tensor<6x8x8xf32>
  %s03 = linalg.fill ins(%zero : f32) outs(%se3 : tensor<6x8x8xf32>) -> tensor<6x8x8xf32>
  %s3 = linalg.batch_matmul ins(%q3, %kt3 : tensor<6x8x16xf32>, tensor<6x16x8xf32>) outs(%s03 : tensor<6x8x8xf32>) -> tensor<6x8x8xf32>
  %s = tensor.expand_shape %s3 [[0, 1], [2], [3]] output_shape [2, 3, 8, 8] : tensor<6x8x8xf32> into tensor<2x3x8x8xf32>
  %se = tensor.empty() : tensor<2x3x8x8xf32>
  %sc = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<2x3x8x8xf32>) outs(%se : tensor<2x3x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<2x3x8x8xf32>
  %re = tensor.empty() : tensor<2x3x8xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%re : tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %ie = tensor.empty() : tensor<2x3x8xi64>
  %ix0 = linalg.fill ins(%c0i : i64) outs(%ie : tensor<2x3x8xi64>) -> tensor<2x3x8xi64>
  %mx:2 = linalg.generic {indexing_maps = [#id4, #row4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%sc : tensor<2x3x8x8xf32>) outs(%mx0, %ix0 : tensor<2x3x8xf32>, tensor<2x3x8xi64>) {
  ^bb0(%x: f32, %acc: f32, %iacc: i64):
    %j = linalg.index 3 : index
    %ji = arith.index_cast %j : index to i64
    %m = arith.maximumf %x, %acc : f32
    %gt = arith.cmpf ogt, %x, %acc : f32
    %ni = arith.select %gt, %ji, %iacc : i64
    linalg.yield %m, %ni : f32, i64
  } -> (tensor<2x3x8xf32>, tensor<2x3x8xi64>)
  %mxk = tensor.expand_shape %mx#0 [[0], [1], [2, 3]] output_shape [2, 3, 8, 1] : tensor<2x3x8xf32> into tensor<2x3x8x1xf32>
  %e = linalg.generic {indexing_maps = [#id4, #keep4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sc, %mxk : tensor<2x3x8x8xf32>, tensor<2x3x8x1xf32>) outs(%se : tensor<2x3x8x8xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %d = arith.subf %x, %m : f32
    linalg.yield %d : f32
  } -> tensor<2x3x8x8xf32>
  %ex = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%e : tensor<2x3x8x8xf32>) outs(%se : tensor<2x3x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<2x3x8x8xf32>
  %sm0 = linalg.fill ins(%zero : f32) outs(%re : tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %sm = linalg.generic {indexing_maps = [#id4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<2x3x8x8xf32>) outs(%sm0 : tensor<2x3x8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %x, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x3x8xf32>
  %smk = tensor.expand_shape %sm [[0], [1], [2, 3]] output_shape [2, 3, 8, 1] : tensor<2x3x8xf32> into tensor<2x3x8x1xf32>
  %p = linalg.generic {indexing_maps = [#id4, #keep4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %smk : tensor<2x3x8x8xf32>, tensor<2x3x8x1xf32>) outs(%se : tensor<2x3x8x8xf32>) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %y = arith.divf %x, %t : f32
    linalg.yield %y : f32
  } -> tensor<2x3x8x8xf32>
  %p3 = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<2x3x8x8xf32> into tensor<6x8x8xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<2x3x8x16xf32> into tensor<6x8x16xf32>
  %oe3 = tensor.empty() : tensor<6x8x16xf32>
  %o03 = linalg.fill ins(%zero : f32) outs(%oe3 : tensor<6x8x16xf32>) -> tensor<6x8x16xf32>
  %o3 = linalg.batch_matmul ins(%p3, %v3 : tensor<6x8x8xf32>, tensor<6x8x16xf32>) outs(%o03 : tensor<6x8x16xf32>) -> tensor<6x8x16xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [2, 3, 8, 16] : tensor<6x8x16xf32> into tensor<2x3x8x16xf32>
  return %o : tensor<2x3x8x16xf32>
}

// 2-D linalg.matmul with a transposed-B indexing map, no scale.
// CHECK-LABEL: func.func @matmul_2d_transposed_maps
// CHECK-SAME: (%[[Q:.*]]: tensor<8x16xf32>, %[[K:.*]]: tensor<12x16xf32>, %[[V:.*]]: tensor<12x4xf32>)
// CHECK-DAG: %[[Q4:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 8, 16]
// CHECK-DAG: %[[K4:.*]] = tensor.expand_shape %[[K]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 12, 16]
// CHECK-DAG: %[[V4:.*]] = tensor.expand_shape %[[V]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 12, 4]
// CHECK: %[[O:.*]] = longctx.attention ins(%[[Q4]], %[[K4]], %[[V4]] : tensor<1x1x8x16xf32>, tensor<1x1x12x16xf32>, tensor<1x1x12x4xf32>) scale(1.000000e+00) -> tensor<1x1x8x4xf32>
// CHECK-NEXT: tensor.collapse_shape %[[O]] {{\[}}[0, 1, 2], [3]] : tensor<1x1x8x4xf32> into tensor<8x4xf32>
func.func @matmul_2d_transposed_maps(%q: tensor<8x16xf32>, %k: tensor<12x16xf32>, %v: tensor<12x4xf32>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<8x12xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<8x12xf32>) -> tensor<8x12xf32>
  %s = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%q, %k : tensor<8x16xf32>, tensor<12x16xf32>) outs(%s0 : tensor<8x12xf32>) -> tensor<8x12xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<8x12xf32>) outs(%se : tensor<8x12xf32>) -> tensor<8x12xf32>
  %oe = tensor.empty() : tensor<8x4xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<8x4xf32>) -> tensor<8x4xf32>
  %o = linalg.matmul ins(%p, %v : tensor<8x12xf32>, tensor<12x4xf32>) outs(%o0 : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %o : tensor<8x4xf32>
}

// K read as rows by the matmul generic; the causal mask built as its own
// [N, M] tensor (select of 0 and -inf on an index comparison) and added
// through a broadcasting generic.
// CHECK-LABEL: func.func @causal_mask_tensor
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x8x16xf32>, %[[K:.*]]: tensor<1x2x8x16xf32>, %[[V:.*]]: tensor<1x2x8x16xf32>)
// CHECK-NEXT: %[[O:.*]] = longctx.attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) causal scale(1.000000e+00) -> tensor<1x2x8x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @causal_mask_tensor(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %me = tensor.empty() : tensor<8x8xf32>
  %mask = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%me : tensor<8x8xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %keep = arith.cmpi sge, %i, %j : index
    %r = arith.select %keep, %zero, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %masked = linalg.generic {indexing_maps = [#id4, #mat4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %mask : tensor<1x2x8x8xf32>, tensor<8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %y = arith.addf %x, %m : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// Trilu folded to a constant: an additive [1, 1, 4, 4] mask with -inf above
// the diagonal is exactly causal.
// CHECK-LABEL: func.func @causal_constant_additive
// CHECK-NOT: arith.constant
// CHECK: longctx.attention ins({{.*}} : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) causal scale(1.000000e+00) -> tensor<1x2x4x16xf32>
// CHECK-NOT: mask
// CHECK: return
func.func @causal_constant_additive(%q: tensor<2x4x16xf32>, %k: tensor<2x4x16xf32>, %v: tensor<2x4x16xf32>) -> tensor<2x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %tri = arith.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %se = tensor.empty() : tensor<2x4x4xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x4x16xf32>, tensor<2x4x16xf32>) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %masked = linalg.generic {indexing_maps = [#id3, affine_map<(a, i, j) -> (i, j)>, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %tri : tensor<2x4x4xf32>, tensor<4x4xf32>) outs(%se : tensor<2x4x4xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %y = arith.addf %x, %m : f32
    linalg.yield %y : f32
  } -> tensor<2x4x4xf32>
  %p = linalg.softmax dimension(2) ins(%masked : tensor<2x4x4xf32>) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %oe = tensor.empty() : tensor<2x4x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x4x4xf32>, tensor<2x4x16xf32>) outs(%o0 : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %o : tensor<2x4x16xf32>
}

// Where(triu(ones, 1), -FLT_MAX, scores) with the boolean constant folded:
// true marks the removed keys, exactly the causal pattern.
// CHECK-LABEL: func.func @causal_constant_where
// CHECK-NOT: arith.constant
// CHECK: longctx.attention ins({{.*}} : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) causal scale(1.000000e+00) -> tensor<1x2x4x16xf32>
// CHECK-NOT: mask
// CHECK: return
func.func @causal_constant_where(%q: tensor<2x4x16xf32>, %k: tensor<2x4x16xf32>, %v: tensor<2x4x16xf32>) -> tensor<2x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %min = arith.constant -3.40282347E+38 : f32
  %tri = arith.constant dense<[[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]]> : tensor<4x4xi1>
  %se = tensor.empty() : tensor<2x4x4xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x4x16xf32>, tensor<2x4x16xf32>) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(a, i, j) -> (i, j)>, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%tri, %s : tensor<4x4xi1>, tensor<2x4x4xf32>) outs(%se : tensor<2x4x4xf32>) {
  ^bb0(%m: i1, %x: f32, %o: f32):
    %y = arith.select %m, %min, %x : f32
    linalg.yield %y : f32
  } -> tensor<2x4x4xf32>
  %p = linalg.softmax dimension(2) ins(%masked : tensor<2x4x4xf32>) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %oe = tensor.empty() : tensor<2x4x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x4x4xf32>, tensor<2x4x16xf32>) outs(%o0 : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %o : tensor<2x4x16xf32>
}

// A padding-style additive mask argument [1, 1, N, M] is kept as the mask.
// CHECK-LABEL: func.func @kept_additive_mask
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x8x16xf32>, %[[K:.*]]: tensor<1x2x8x16xf32>, %[[V:.*]]: tensor<1x2x8x16xf32>, %[[M:.*]]: tensor<1x1x8x8xf32>)
// CHECK-NEXT: %[[O:.*]] = longctx.attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) mask(%[[M]] : tensor<1x1x8x8xf32>) scale(1.250000e-01) -> tensor<1x2x8x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @kept_additive_mask(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %mask: tensor<1x1x8x8xf32>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c = arith.constant 0.125 : f32
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#id4, #bc4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %mask : tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    %z = arith.addf %y, %m : f32
    linalg.yield %z : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// Where(mask, scores, -inf) with a boolean [N, M] argument: kept as an i1
// mask [1, 1, N, M].
// CHECK-LABEL: func.func @kept_bool_mask
// CHECK-SAME: %[[M:[a-z0-9]*]]: tensor<4x4xi1>)
// CHECK: %[[M4:.*]] = tensor.expand_shape %[[M]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 4, 4] : tensor<4x4xi1> into tensor<1x1x4x4xi1>
// CHECK: longctx.attention ins({{.*}}) mask(%[[M4]] : tensor<1x1x4x4xi1>) scale(1.000000e+00) -> tensor<1x2x4x16xf32>
func.func @kept_bool_mask(%q: tensor<2x4x16xf32>, %k: tensor<2x4x16xf32>, %v: tensor<2x4x16xf32>, %mask: tensor<4x4xi1>) -> tensor<2x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<2x4x4xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x4x16xf32>, tensor<2x4x16xf32>) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(a, i, j) -> (i, j)>, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%mask, %s : tensor<4x4xi1>, tensor<2x4x4xf32>) outs(%se : tensor<2x4x4xf32>) {
  ^bb0(%m: i1, %x: f32, %o: f32):
    %y = arith.select %m, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<2x4x4xf32>
  %p = linalg.softmax dimension(2) ins(%masked : tensor<2x4x4xf32>) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %oe = tensor.empty() : tensor<2x4x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x4x4xf32>, tensor<2x4x16xf32>) outs(%o0 : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %o : tensor<2x4x16xf32>
}

// Where(mask, -FLT_MAX, scores) with a full boolean argument: true removes a
// key, so the kept i1 mask is its negation.
// CHECK-LABEL: func.func @kept_bool_mask_inverted
// CHECK-SAME: %[[M:[a-z0-9]*]]: tensor<1x2x8x8xi1>)
// CHECK: %[[NOT:.*]] = linalg.generic {{.*}} ins(%[[M]] : tensor<1x2x8x8xi1>)
// CHECK: %[[TRUE:.*]] = arith.constant true
// CHECK: arith.xori %{{.*}}, %[[TRUE]] : i1
// CHECK: longctx.attention ins({{.*}}) mask(%[[NOT]] : tensor<1x2x8x8xi1>) scale(1.000000e+00) -> tensor<1x2x8x16xf32>
func.func @kept_bool_mask_inverted(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %mask: tensor<1x2x8x8xi1>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %min = arith.constant -3.40282347E+38 : f32
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%mask, %s : tensor<1x2x8x8xi1>, tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) {
  ^bb0(%m: i1, %x: f32, %o: f32):
    %y = arith.select %m, %min, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// PyTorch's math SDPA: sqrt(scale) on Q and on K^T before the matmul.
// CHECK-LABEL: func.func @split_sqrt_scale
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x8x16xf32>, %[[K:.*]]: tensor<1x2x8x16xf32>, %[[V:.*]]: tensor<1x2x8x16xf32>)
// CHECK-NEXT: %[[O:.*]] = longctx.attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) scale(2.500000e-01) -> tensor<1x2x8x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @split_sqrt_scale(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %qe = tensor.empty() : tensor<1x2x8x16xf32>
  %qs = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%q : tensor<1x2x8x16xf32>) outs(%qe : tensor<1x2x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %half : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x16xf32>
  %kte = tensor.empty() : tensor<1x2x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<1x2x8x16xf32>) outs(%kte : tensor<1x2x16x8xf32>) permutation = [0, 1, 3, 2]
  %kts = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%kt : tensor<1x2x16x8xf32>) outs(%kte : tensor<1x2x16x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %half, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x2x16x8xf32>
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_kt, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%qs, %kts : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// GQA as an importer writes Expand: K and V [1, 2, M, d] unsqueezed to
// [1, 2, 1, M, d], broadcast to [1, 2, 3, M, d] by a generic, reshaped to
// [1, 6, M, d]: Hkv = 2 under H = 6.
// CHECK-LABEL: func.func @gqa_generic_broadcast
// CHECK-SAME: (%[[Q:.*]]: tensor<1x6x8x16xf32>, %[[K:.*]]: tensor<1x2x8x16xf32>, %[[V:.*]]: tensor<1x2x8x16xf32>)
// CHECK-NEXT: %[[O:.*]] = longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x6x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) scale(2.500000e-01) -> tensor<1x6x8x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @gqa_generic_broadcast(%q: tensor<1x6x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x6x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c = arith.constant 0.25 : f32
  %k5 = tensor.expand_shape %k [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 8, 16] : tensor<1x2x8x16xf32> into tensor<1x2x1x8x16xf32>
  %v5 = tensor.expand_shape %v [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 8, 16] : tensor<1x2x8x16xf32> into tensor<1x2x1x8x16xf32>
  %re = tensor.empty() : tensor<1x2x3x8x16xf32>
  %kr = linalg.generic {indexing_maps = [#rep5, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%k5 : tensor<1x2x1x8x16xf32>) outs(%re : tensor<1x2x3x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<1x2x3x8x16xf32>
  %vr = linalg.generic {indexing_maps = [#rep5, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%v5 : tensor<1x2x1x8x16xf32>) outs(%re : tensor<1x2x3x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<1x2x3x8x16xf32>
  %kx = tensor.collapse_shape %kr [[0], [1, 2], [3], [4]] : tensor<1x2x3x8x16xf32> into tensor<1x6x8x16xf32>
  %vx = tensor.collapse_shape %vr [[0], [1, 2], [3], [4]] : tensor<1x2x3x8x16xf32> into tensor<1x6x8x16xf32>
  %se = tensor.empty() : tensor<1x6x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %kx : tensor<1x6x8x16xf32>, tensor<1x6x8x16xf32>) outs(%s0 : tensor<1x6x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x6x8x8xf32>
  %sc = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<1x6x8x8xf32>) outs(%se : tensor<1x6x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<1x6x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%sc : tensor<1x6x8x8xf32>) outs(%se : tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  %oe = tensor.empty() : tensor<1x6x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x6x8x16xf32>) -> tensor<1x6x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %vx : tensor<1x6x8x8xf32>, tensor<1x6x8x16xf32>) outs(%o0 : tensor<1x6x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x6x8x16xf32>
  return %o : tensor<1x6x8x16xf32>
}

// torch-mlir's repeat_interleave in the batch-merged form: linalg.broadcast
// of [2, 2, M, d] to [2, 2, 2, M, d], collapsed to [8, M, d] for
// batch_matmul; K^T by linalg.transpose after the broadcast.
// CHECK-LABEL: func.func @gqa_linalg_broadcast_3d
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x2x8x16xf32>, %[[V:.*]]: tensor<2x2x8x16xf32>)
// CHECK-NEXT: %[[O:.*]] = longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) scale(1.000000e+00) -> tensor<2x4x8x16xf32>
// CHECK-NEXT: %[[O3:.*]] = tensor.collapse_shape %[[O]] {{\[}}[0, 1], [2], [3]] : tensor<2x4x8x16xf32> into tensor<8x8x16xf32>
// CHECK-NEXT: return %[[O3]]
func.func @gqa_linalg_broadcast_3d(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>) -> tensor<8x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %re = tensor.empty() : tensor<2x2x2x8x16xf32>
  %kr = linalg.broadcast ins(%k : tensor<2x2x8x16xf32>) outs(%re : tensor<2x2x2x8x16xf32>) dimensions = [2]
  %vr = linalg.broadcast ins(%v : tensor<2x2x8x16xf32>) outs(%re : tensor<2x2x2x8x16xf32>) dimensions = [2]
  %k3 = tensor.collapse_shape %kr [[0, 1, 2], [3], [4]] : tensor<2x2x2x8x16xf32> into tensor<8x8x16xf32>
  %v3 = tensor.collapse_shape %vr [[0, 1, 2], [3], [4]] : tensor<2x2x2x8x16xf32> into tensor<8x8x16xf32>
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<2x4x8x16xf32> into tensor<8x8x16xf32>
  %kte = tensor.empty() : tensor<8x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<8x8x16xf32>) outs(%kte : tensor<8x16x8xf32>) permutation = [0, 2, 1]
  %se = tensor.empty() : tensor<8x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<8x8x8xf32>) -> tensor<8x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<8x8x16xf32>, tensor<8x16x8xf32>) outs(%s0 : tensor<8x8x8xf32>) -> tensor<8x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<8x8x8xf32>) outs(%se : tensor<8x8x8xf32>) -> tensor<8x8x8xf32>
  %oe = tensor.empty() : tensor<8x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<8x8x16xf32>) -> tensor<8x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<8x8x8xf32>, tensor<8x8x16xf32>) outs(%o0 : tensor<8x8x16xf32>) -> tensor<8x8x16xf32>
  return %o : tensor<8x8x16xf32>
}

// Head repetition written as an `h floordiv 2` indexing map.
// CHECK-LABEL: func.func @gqa_floordiv_map
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x8x16xf32>, %[[K:.*]]: tensor<1x2x8x16xf32>, %[[V:.*]]: tensor<1x2x8x16xf32>)
// CHECK-NEXT: longctx.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) scale(1.000000e+00)
func.func @gqa_floordiv_map(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %re = tensor.empty() : tensor<1x4x8x16xf32>
  %kx = linalg.generic {indexing_maps = [affine_map<(b, h, m, c) -> (b, h floordiv 2, m, c)>, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<1x2x8x16xf32>) outs(%re : tensor<1x4x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<1x4x8x16xf32>
  %vx = linalg.generic {indexing_maps = [affine_map<(b, h, m, c) -> (b, h floordiv 2, m, c)>, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%v : tensor<1x2x8x16xf32>) outs(%re : tensor<1x4x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<1x4x8x16xf32>
  %se = tensor.empty() : tensor<1x4x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %kx : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) outs(%s0 : tensor<1x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s : tensor<1x4x8x8xf32>) outs(%se : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %oe = tensor.empty() : tensor<1x4x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %vx : tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32>) outs(%o0 : tensor<1x4x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// f16 matmuls with the softmax computed in f32 (extf / truncf generics).
// CHECK-LABEL: func.func @f16_with_f32_softmax
// CHECK: longctx.attention ins({{.*}} : tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) scale(2.500000e-01) -> tensor<1x4x8x16xf16>
// CHECK-NOT: arith.extf
// CHECK-NOT: arith.truncf
// CHECK: return
func.func @f16_with_f32_softmax(%q: tensor<4x8x16xf16>, %k: tensor<4x8x16xf16>, %v: tensor<4x8x16xf16>) -> tensor<4x8x16xf16> {
  %zero = arith.constant 0.0 : f16
  %c = arith.constant 0.25 : f32
  %se = tensor.empty() : tensor<4x8x8xf16>
  %s0 = linalg.fill ins(%zero : f16) outs(%se : tensor<4x8x8xf16>) -> tensor<4x8x8xf16>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<4x8x16xf16>, tensor<4x8x16xf16>) outs(%s0 : tensor<4x8x8xf16>) -> tensor<4x8x8xf16>
  %fe = tensor.empty() : tensor<4x8x8xf32>
  %sf = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf16>) outs(%fe : tensor<4x8x8xf32>) {
  ^bb0(%x: f16, %o: f32):
    %y = arith.extf %x : f16 to f32
    %z = arith.mulf %y, %c : f32
    linalg.yield %z : f32
  } -> tensor<4x8x8xf32>
  %pf = linalg.softmax dimension(2) ins(%sf : tensor<4x8x8xf32>) outs(%fe : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%pf : tensor<4x8x8xf32>) outs(%se : tensor<4x8x8xf16>) {
  ^bb0(%x: f32, %o: f16):
    %y = arith.truncf %x : f32 to f16
    linalg.yield %y : f16
  } -> tensor<4x8x8xf16>
  %oe = tensor.empty() : tensor<4x8x16xf16>
  %o0 = linalg.fill ins(%zero : f16) outs(%oe : tensor<4x8x16xf16>) -> tensor<4x8x16xf16>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf16>, tensor<4x8x16xf16>) outs(%o0 : tensor<4x8x16xf16>) -> tensor<4x8x16xf16>
  return %o : tensor<4x8x16xf16>
}

// Cross attention, 4 queries over 8 keys: the queries are the last four
// positions, so the causal comparison is j <= i + 4 (bottom-right aligned).
// CHECK-LABEL: func.func @causal_bottom_right
// CHECK: longctx.attention ins({{.*}} : tensor<1x2x4x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) causal scale(1.000000e+00) -> tensor<1x2x4x16xf32>
func.func @causal_bottom_right(%q: tensor<2x4x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c4 = arith.constant 4 : index
  %se = tensor.empty() : tensor<2x4x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x4x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x4x8xf32>) outs(%se : tensor<2x4x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %last = arith.addi %i, %c4 : index
    %hidden = arith.cmpi sgt, %j, %last : index
    %r = arith.select %hidden, %ninf, %x : f32
    linalg.yield %r : f32
  } -> tensor<2x4x8xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<2x4x8xf32>) outs(%se : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %oe = tensor.empty() : tensor<2x4x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x4x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %o : tensor<2x4x16xf32>
}

// Decomposed softmax with maxnumf, the division as a product with the
// reciprocal, and a causal mask together with a kept additive padding mask.
// CHECK-LABEL: func.func @reciprocal_causal_and_mask
// CHECK-SAME: %[[PAD:[a-z0-9]*]]: tensor<3x8x8xf32>)
// CHECK: %[[M:.*]] = tensor.expand_shape %[[PAD]] {{\[}}[0, 1], [2], [3]] output_shape [1, 3, 8, 8]
// CHECK: longctx.attention ins({{.*}} : tensor<1x3x8x16xf32>, tensor<1x3x8x16xf32>, tensor<1x3x8x16xf32>) mask(%[[M]] : tensor<1x3x8x8xf32>) causal scale(5.000000e-01) -> tensor<1x3x8x16xf32>
func.func @reciprocal_causal_and_mask(%q: tensor<3x8x16xf32>, %k: tensor<3x8x16xf32>, %v: tensor<3x8x16xf32>, %pad: tensor<3x8x8xf32>) -> tensor<3x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c = arith.constant 2.0 : f32
  %se = tensor.empty() : tensor<3x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<3x8x8xf32>) -> tensor<3x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<3x8x16xf32>, tensor<3x8x16xf32>) outs(%s0 : tensor<3x8x8xf32>) -> tensor<3x8x8xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %pad : tensor<3x8x8xf32>, tensor<3x8x8xf32>) outs(%se : tensor<3x8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %keep = arith.cmpi ule, %j, %i : index
    %y = arith.divf %x, %c : f32
    %z = arith.addf %y, %b : f32
    %r = arith.select %keep, %z, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<3x8x8xf32>
  %re = tensor.empty() : tensor<3x8xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%re : tensor<3x8xf32>) -> tensor<3x8xf32>
  %mx = linalg.generic {indexing_maps = [#id3, #row3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%m : tensor<3x8x8xf32>) outs(%mx0 : tensor<3x8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.maxnumf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  %e = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%m, %mx : tensor<3x8x8xf32>, tensor<3x8xf32>) outs(%se : tensor<3x8x8xf32>) {
  ^bb0(%x: f32, %mm: f32, %o: f32):
    %d = arith.subf %x, %mm : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<3x8x8xf32>
  %sm0 = linalg.fill ins(%zero : f32) outs(%re : tensor<3x8xf32>) -> tensor<3x8xf32>
  %sm = linalg.generic {indexing_maps = [#id3, #row3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%e : tensor<3x8x8xf32>) outs(%sm0 : tensor<3x8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  %inv = linalg.generic {indexing_maps = [affine_map<(a, i) -> (a, i)>, affine_map<(a, i) -> (a, i)>], iterator_types = ["parallel", "parallel"]} ins(%sm : tensor<3x8xf32>) outs(%re : tensor<3x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.divf %one, %x : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  %p = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%e, %inv : tensor<3x8x8xf32>, tensor<3x8xf32>) outs(%se : tensor<3x8x8xf32>) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %r = arith.mulf %x, %t : f32
    linalg.yield %r : f32
  } -> tensor<3x8x8xf32>
  %oe = tensor.empty() : tensor<3x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<3x8x16xf32>) -> tensor<3x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<3x8x8xf32>, tensor<3x8x16xf32>) outs(%o0 : tensor<3x8x16xf32>) -> tensor<3x8x16xf32>
  return %o : tensor<3x8x16xf32>
}

// After linalg-fuse-elementwise-ops: the scale of Q is computed in the
// scores matmul's body, and the softmax division in the value matmul's body
// (the probabilities are never a tensor).
// CHECK-LABEL: func.func @fused_into_matmuls
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x8x16xf32>, %[[K:.*]]: tensor<1x2x8x16xf32>, %[[V:.*]]: tensor<1x2x8x16xf32>)
// CHECK-NEXT: %[[O:.*]] = longctx.attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) causal scale(1.250000e-01) -> tensor<1x2x8x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @fused_into_matmuls(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c = arith.constant 0.125 : f32
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %as = arith.mulf %a, %c : f32
    %p = arith.mulf %as, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %re = tensor.empty() : tensor<1x2x8xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%re : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %mx = linalg.generic {indexing_maps = [#id4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%s : tensor<1x2x8x8xf32>) outs(%mx0 : tensor<1x2x8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %keep = arith.cmpi sle, %j, %i : index
    %y = arith.select %keep, %x, %ninf : f32
    %r = arith.maximumf %y, %acc : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  %e = linalg.generic {indexing_maps = [#id4, #row4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %mx : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) outs(%se : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %keep = arith.cmpi sle, %j, %i : index
    %y = arith.select %keep, %x, %ninf : f32
    %d = arith.subf %y, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %sm0 = linalg.fill ins(%zero : f32) outs(%re : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %sm = linalg.generic {indexing_maps = [#id4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%e : tensor<1x2x8x8xf32>) outs(%sm0 : tensor<1x2x8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %x, %acc : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, affine_map<(b, h, i, e, j) -> (b, h, i)>, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%e, %sm, %v : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%x: f32, %t: f32, %w: f32, %acc: f32):
    %p = arith.divf %x, %t : f32
    %m = arith.mulf %p, %w : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// ONNX Reshape / Unsqueeze as tensor.reshape: [H, N, d] inputs reshaped to
// [1, H, N, d]; Q stored transposed ([d, N] per head) and read through a
// transposed indexing map of the scores matmul.
// CHECK-LABEL: func.func @tensor_reshape_and_transposed_query
// CHECK-SAME: (%[[QT:.*]]: tensor<2x16x8xf32>, %[[K:.*]]: tensor<2x8x16xf32>, %[[V:.*]]: tensor<2x8x16xf32>)
// CHECK: %[[Q:.*]] = linalg.transpose ins(%[[QT]] : tensor<2x16x8xf32>) outs(%{{.*}} : tensor<2x8x16xf32>) permutation = [0, 2, 1]
// CHECK: %[[Q4:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1], [2], [3]] output_shape [1, 2, 8, 16]
// CHECK: %[[O:.*]] = longctx.attention ins(%[[Q4]], %{{.*}}, %{{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) scale(5.000000e-01) -> tensor<1x2x8x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @tensor_reshape_and_transposed_query(%qt: tensor<2x16x8xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant dense<0.5> : tensor<f32>
  %shape4 = arith.constant dense<[1, 2, 8, 16]> : tensor<4xi64>
  %shape4t = arith.constant dense<[1, 2, 16, 8]> : tensor<4xi64>
  %qt4 = tensor.reshape %qt(%shape4t) : (tensor<2x16x8xf32>, tensor<4xi64>) -> tensor<1x2x16x8xf32>
  %k4 = tensor.reshape %k(%shape4) : (tensor<2x8x16xf32>, tensor<4xi64>) -> tensor<1x2x8x16xf32>
  %v4 = tensor.reshape %v(%shape4) : (tensor<2x8x16xf32>, tensor<4xi64>) -> tensor<1x2x8x16xf32>
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, i, j, c) -> (b, h, c, i)>, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%qt4, %k4 : tensor<1x2x16x8xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %sc = linalg.generic {indexing_maps = [#id4, #scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %half : tensor<1x2x8x8xf32>, tensor<f32>) outs(%se : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %y = arith.mulf %c, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%sc : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v4 : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// A sliding window: keep j <= i and j >= i - 2, i.e. causal with window(3).
// CHECK-LABEL: func.func @sliding_window
// CHECK: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) causal window(3) scale(1.000000e+00) -> tensor<1x2x8x16xf32>
func.func @sliding_window(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c2 = arith.constant 2 : index
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %past = arith.cmpi sle, %j, %i : index
    %jw = arith.addi %j, %c2 : index
    %recent = arith.cmpi sge, %jw, %i : index
    %keep = arith.andi %past, %recent : i1
    %r = arith.select %keep, %x, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// PyTorch's safe softmax after a boolean mask: rows whose scores are all
// -inf are set to 0 after the softmax, which is what the op does.
// CHECK-LABEL: func.func @safe_softmax
// CHECK-SAME: %[[M:[a-z0-9]*]]: tensor<1x2x8x8xi1>)
// CHECK-NEXT: longctx.attention ins({{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) mask(%[[M]] : tensor<1x2x8x8xi1>) scale(1.000000e+00) -> tensor<1x2x8x16xf32>
func.func @safe_softmax(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %mask: tensor<1x2x8x8xi1>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %true = arith.constant true
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%mask, %s : tensor<1x2x8x8xi1>, tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) {
  ^bb0(%m: i1, %x: f32, %o: f32):
    %y = arith.select %m, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %sm = linalg.softmax dimension(3) ins(%masked : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %be = tensor.empty() : tensor<1x2x8x8xi1>
  %isninf = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%masked : tensor<1x2x8x8xf32>) outs(%be : tensor<1x2x8x8xi1>) {
  ^bb0(%x: f32, %o: i1):
    %c = arith.cmpf oeq, %x, %ninf : f32
    linalg.yield %c : i1
  } -> tensor<1x2x8x8xi1>
  %re = tensor.empty() : tensor<1x2x8xi1>
  %all0 = linalg.fill ins(%true : i1) outs(%re : tensor<1x2x8xi1>) -> tensor<1x2x8xi1>
  %all = linalg.generic {indexing_maps = [#id4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%isninf : tensor<1x2x8x8xi1>) outs(%all0 : tensor<1x2x8xi1>) {
  ^bb0(%x: i1, %acc: i1):
    %r = arith.andi %x, %acc : i1
    linalg.yield %r : i1
  } -> tensor<1x2x8xi1>
  %p = linalg.generic {indexing_maps = [#row4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%all, %sm : tensor<1x2x8xi1>, tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) {
  ^bb0(%e: i1, %x: f32, %o: f32):
    %y = arith.select %e, %zero, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// A folded band constant: -inf outside j in (i - 2, i], i.e. causal with
// window(2).
// CHECK-LABEL: func.func @window_constant
// CHECK-NOT: arith.constant
// CHECK: longctx.attention ins({{.*}} : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) causal window(2) scale(1.000000e+00) -> tensor<1x2x4x16xf32>
func.func @window_constant(%q: tensor<2x4x16xf32>, %k: tensor<2x4x16xf32>, %v: tensor<2x4x16xf32>) -> tensor<2x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %band = arith.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0xFF800000, 0.0, 0.0, 0xFF800000], [0xFF800000, 0xFF800000, 0.0, 0.0]]> : tensor<4x4xf32>
  %se = tensor.empty() : tensor<2x4x4xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x4x16xf32>, tensor<2x4x16xf32>) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %masked = linalg.generic {indexing_maps = [#id3, affine_map<(a, i, j) -> (i, j)>, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %band : tensor<2x4x4xf32>, tensor<4x4xf32>) outs(%se : tensor<2x4x4xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %y = arith.addf %x, %m : f32
    linalg.yield %y : f32
  } -> tensor<2x4x4xf32>
  %p = linalg.softmax dimension(2) ins(%masked : tensor<2x4x4xf32>) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %oe = tensor.empty() : tensor<2x4x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x4x4xf32>, tensor<2x4x16xf32>) outs(%o0 : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %o : tensor<2x4x16xf32>
}

// A constant mask that is neither causal nor a band stays a mask operand.
// CHECK-LABEL: func.func @constant_mask_kept
// CHECK: %[[C:.*]] = arith.constant dense<{{.*}}> : tensor<4x4xf32>
// CHECK: %[[M:.*]] = tensor.expand_shape %[[C]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 4, 4]
// CHECK: longctx.attention ins({{.*}}) mask(%[[M]] : tensor<1x1x4x4xf32>) scale(1.000000e+00) -> tensor<1x2x4x16xf32>
func.func @constant_mask_kept(%q: tensor<2x4x16xf32>, %k: tensor<2x4x16xf32>, %v: tensor<2x4x16xf32>) -> tensor<2x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %bias = arith.constant dense<[[0.0, 0xFF800000, 0.0, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.5, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %se = tensor.empty() : tensor<2x4x4xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x4x16xf32>, tensor<2x4x16xf32>) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %masked = linalg.generic {indexing_maps = [#id3, affine_map<(a, i, j) -> (i, j)>, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %bias : tensor<2x4x4xf32>, tensor<4x4xf32>) outs(%se : tensor<2x4x4xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %y = arith.addf %x, %m : f32
    linalg.yield %y : f32
  } -> tensor<2x4x4xf32>
  %p = linalg.softmax dimension(2) ins(%masked : tensor<2x4x4xf32>) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %oe = tensor.empty() : tensor<2x4x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x4x4xf32>, tensor<2x4x16xf32>) outs(%o0 : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %o : tensor<2x4x16xf32>
}

// A Hugging Face attention_mask [B, M] (int64, 1 for a real token): `!= 0`
// in a generic of its own, anded with a causal comparison of positions in
// the select's condition. The padding generic becomes a [B, 1, 1, M] mask
// (never [N, M]); the position part becomes `causal`.
// CHECK-LABEL: func.func @key_padding_bool
// CHECK-SAME: %[[PAD:[a-z0-9]*]]: tensor<2x8xi64>)
// CHECK: %[[KEEP:.*]] = linalg.generic {{.*}} ins(%[[PAD]] : tensor<2x8xi64>)
// CHECK: %[[M4:.*]] = tensor.expand_shape %[[KEEP]] {{\[}}[0], [1, 2, 3]] output_shape [2, 1, 1, 8] : tensor<2x8xi1> into tensor<2x1x1x8xi1>
// CHECK: longctx.attention ins({{.*}}) mask(%[[M4]] : tensor<2x1x1x8xi1>) causal scale(1.000000e+00) -> tensor<2x2x8x16xf32>
// FUSED-LABEL: func.func @key_padding_bool(
// FUSED: longctx.attention ins({{.*}}) mask({{.*}} : tensor<2x1x1x8xi1>) causal scale(1.000000e+00) -> tensor<2x2x8x16xf32>
func.func @key_padding_bool(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %pad: tensor<2x8xi64>) -> tensor<2x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %keepE = tensor.empty() : tensor<2x8xi1>
  %keep = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%pad : tensor<2x8xi64>) outs(%keepE : tensor<2x8xi1>) {
  ^bb0(%p: i64, %o: i1):
    %c0 = arith.constant 0 : i64
    %ne = arith.cmpi ne, %p, %c0 : i64
    linalg.yield %ne : i1
  } -> tensor<2x8xi1>
  %se = tensor.empty() : tensor<2x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) outs(%s0 : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, h, i, j) -> (b, j)>, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%keep, %s : tensor<2x8xi1>, tensor<2x2x8x8xf32>) outs(%se : tensor<2x2x8x8xf32>) {
  ^bb0(%m: i1, %x: f32, %o: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %c = arith.cmpi ule, %j, %i : index
    %both = arith.andi %c, %m : i1
    %y = arith.select %both, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<2x2x8x8xf32>) outs(%se : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %oe = tensor.empty() : tensor<2x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<2x2x8x8xf32>, tensor<2x2x8x16xf32>) outs(%o0 : tensor<2x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x16xf32>
  return %o : tensor<2x2x8x16xf32>
}

// The additive spelling: (1 - float(attention_mask)) * finfo.min computed in
// a generic from the int64 input (through sitofp, which the raise does not
// interpret but sees is computed from the input alone), added to the scores
// with a causal select of 0 and -inf.
// CHECK-LABEL: func.func @key_padding_additive
// CHECK-SAME: %[[PAD:[a-z0-9]*]]: tensor<1x8xi64>)
// CHECK: %[[ADD:.*]] = linalg.generic {{.*}} ins(%[[PAD]] : tensor<1x8xi64>)
// CHECK: arith.sitofp
// CHECK: %[[M4:.*]] = tensor.expand_shape %[[ADD]] {{\[}}[0], [1, 2, 3]] output_shape [1, 1, 1, 8] : tensor<1x8xf32> into tensor<1x1x1x8xf32>
// CHECK: longctx.attention ins({{.*}}) mask(%[[M4]] : tensor<1x1x1x8xf32>) causal scale(1.000000e+00) -> tensor<1x2x8x16xf32>
// FUSED-LABEL: func.func @key_padding_additive(
// FUSED: longctx.attention ins({{.*}}) mask({{.*}} : tensor<1x1x1x8xf32>) causal scale(1.000000e+00) -> tensor<1x2x8x16xf32>
func.func @key_padding_additive(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %pad: tensor<1x8xi64>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %addE = tensor.empty() : tensor<1x8xf32>
  %add = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%pad : tensor<1x8xi64>) outs(%addE : tensor<1x8xf32>) {
  ^bb0(%p: i64, %o: f32):
    %one = arith.constant 1.0 : f32
    %min = arith.constant -3.40282347E+38 : f32
    %f = arith.sitofp %p : i64 to f32
    %d = arith.subf %one, %f : f32
    %m = arith.mulf %d, %min : f32
    linalg.yield %m : f32
  } -> tensor<1x8xf32>
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, h, i, j) -> (b, j)>, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%add, %s : tensor<1x8xf32>, tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) {
  ^bb0(%m: f32, %x: f32, %o: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %c = arith.cmpi ule, %j, %i : index
    %causal = arith.select %c, %zero, %ninf : f32
    %both = arith.addf %causal, %m : f32
    %y = arith.addf %x, %both : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// GPT-2's `masked_fill(bias[:, :, :N, :N] == 0, -inf)` above the importer's
// folding limit: the sliced buffer arrives as a constant, its comparison
// with 0 as a generic. The keys the comparison keeps are causal.
// CHECK-LABEL: func.func @causal_buffer_compared
// CHECK-NOT: arith.cmpf
// CHECK: longctx.attention ins({{.*}}) causal scale(1.000000e+00) -> tensor<1x2x4x16xf32>
// FUSED-LABEL: func.func @causal_buffer_compared(
// FUSED: longctx.attention ins({{.*}}) causal scale(1.000000e+00) -> tensor<1x2x4x16xf32>
func.func @causal_buffer_compared(%q: tensor<1x2x4x16xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %bias = arith.constant dense<[[[[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0]]]]> : tensor<1x1x4x4xf32>
  %eqE = tensor.empty() : tensor<1x1x4x4xi1>
  %eq = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : tensor<1x1x4x4xf32>) outs(%eqE : tensor<1x1x4x4xi1>) {
  ^bb0(%b: f32, %o: i1):
    %c = arith.cmpf oeq, %b, %zero : f32
    linalg.yield %c : i1
  } -> tensor<1x1x4x4xi1>
  %se = tensor.empty() : tensor<1x2x4x4xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = linalg.generic {indexing_maps = [#mm_q, #mm_k, #mm_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) outs(%s0 : tensor<1x2x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x4xf32>
  %masked = linalg.generic {indexing_maps = [#bc4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%eq, %s : tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>) outs(%se : tensor<1x2x4x4xf32>) {
  ^bb0(%m: i1, %x: f32, %o: f32):
    %y = arith.select %m, %ninf, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x2x4x4xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x2x4x4xf32>) outs(%se : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %oe = tensor.empty() : tensor<1x2x4x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>) outs(%o0 : tensor<1x2x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x16xf32>
  return %o : tensor<1x2x4x16xf32>
}
