// An f16 model with the softmax in f32, as mixed-precision exports write it:
// f16 batch_matmuls with B*H merged, the scores extended to f32 and scaled,
// a causal select, a decomposed softmax with a two-result max (dead argmax)
// in f32, truncation to f16 before the value matmul. Raised, it is f16
// longctx.attention (f32 inside); against the float64 reference rounded to
// f16 the error is at the f16 rounding level, as for attention-f16.mlir.
// RUN: longctx-opt %s --longctx-raise-attention | FileCheck %s --check-prefix=RAISED
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,4,64,32 --kv 1,4,64,32 --causal --dtype float16 --seed 15 --out %t
// RUN: longctx-opt %s --longctx-raise-attention -o %t/raised.mlir
// RUN: longctx-run %t/raised.mlir --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy --atol 2e-4 --rtol 2e-3 | FileCheck %s
// RUN: not longctx-run %t/raised.mlir --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy --atol 1e-6 --rtol 1e-6 | FileCheck %s --check-prefix=TIGHT

// RAISED-LABEL: func.func @main
// RAISED-NEXT: longctx.attention ins(%arg0, %arg1, %arg2 : tensor<1x4x64x32xf16>, tensor<1x4x64x32xf16>, tensor<1x4x64x32xf16>) causal scale(0.17677669{{[0-9]*}})
// RAISED-NEXT: return

// CHECK: result 0: {{.*}} PASS
// TIGHT: result 0: {{.*}} FAIL

#id3 = affine_map<(a, i, j) -> (a, i, j)>
#row3 = affine_map<(a, i, j) -> (a, i)>

func.func @main(%q: tensor<1x4x64x32xf16>, %k: tensor<1x4x64x32xf16>,
                %v: tensor<1x4x64x32xf16>) -> tensor<1x4x64x32xf16> {
  %zh = arith.constant 0.0 : f16
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c0i = arith.constant 0 : i64
  // 1/sqrt(32) in f32.
  %scale = arith.constant 0.176776695 : f32
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x64x32xf16> into tensor<4x64x32xf16>
  %k3 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x4x64x32xf16> into tensor<4x64x32xf16>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x4x64x32xf16> into tensor<4x64x32xf16>
  %kte = tensor.empty() : tensor<4x32x64xf16>
  %kt = linalg.transpose ins(%k3 : tensor<4x64x32xf16>) outs(%kte : tensor<4x32x64xf16>) permutation = [0, 2, 1]
  %she = tensor.empty() : tensor<4x64x64xf16>
  %sh0 = linalg.fill ins(%zh : f16) outs(%she : tensor<4x64x64xf16>) -> tensor<4x64x64xf16>
  %sh = linalg.batch_matmul ins(%q3, %kt : tensor<4x64x32xf16>, tensor<4x32x64xf16>)
          outs(%sh0 : tensor<4x64x64xf16>) -> tensor<4x64x64xf16>
  %se = tensor.empty() : tensor<4x64x64xf32>
  %s = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
       ins(%sh : tensor<4x64x64xf16>) outs(%se : tensor<4x64x64xf32>) {
  ^bb0(%x: f16, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %keep = arith.cmpi sle, %j, %i : index
    %y = arith.extf %x : f16 to f32
    %z = arith.mulf %y, %scale : f32
    %r = arith.select %keep, %z, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<4x64x64xf32>
  %re = tensor.empty() : tensor<4x64xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%re : tensor<4x64xf32>) -> tensor<4x64xf32>
  %ie = tensor.empty() : tensor<4x64xi64>
  %ix0 = linalg.fill ins(%c0i : i64) outs(%ie : tensor<4x64xi64>) -> tensor<4x64xi64>
  %mx:2 = linalg.generic {indexing_maps = [#id3, #row3, #row3], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%s : tensor<4x64x64xf32>) outs(%mx0, %ix0 : tensor<4x64xf32>, tensor<4x64xi64>) {
  ^bb0(%x: f32, %acc: f32, %iacc: i64):
    %j = linalg.index 2 : index
    %ji = arith.index_cast %j : index to i64
    %gt = arith.cmpf ogt, %x, %acc : f32
    %m = arith.select %gt, %x, %acc : f32
    %ni = arith.select %gt, %ji, %iacc : i64
    linalg.yield %m, %ni : f32, i64
  } -> (tensor<4x64xf32>, tensor<4x64xi64>)
  %e = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
       ins(%s, %mx#0 : tensor<4x64x64xf32>, tensor<4x64xf32>) outs(%se : tensor<4x64x64xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %d = arith.subf %x, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<4x64x64xf32>
  %sm0 = linalg.fill ins(%zero : f32) outs(%re : tensor<4x64xf32>) -> tensor<4x64xf32>
  %sm = linalg.generic {indexing_maps = [#id3, #row3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%e : tensor<4x64x64xf32>) outs(%sm0 : tensor<4x64xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %x, %acc : f32
    linalg.yield %r : f32
  } -> tensor<4x64xf32>
  %ph = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%e, %sm : tensor<4x64x64xf32>, tensor<4x64xf32>) outs(%she : tensor<4x64x64xf16>) {
  ^bb0(%x: f32, %t: f32, %o: f16):
    %r = arith.divf %x, %t : f32
    %h = arith.truncf %r : f32 to f16
    linalg.yield %h : f16
  } -> tensor<4x64x64xf16>
  %oe = tensor.empty() : tensor<4x64x32xf16>
  %o0 = linalg.fill ins(%zh : f16) outs(%oe : tensor<4x64x32xf16>) -> tensor<4x64x32xf16>
  %o3 = linalg.batch_matmul ins(%ph, %v3 : tensor<4x64x64xf16>, tensor<4x64x32xf16>)
          outs(%o0 : tensor<4x64x32xf16>) -> tensor<4x64x32xf16>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [1, 4, 64, 32]
         : tensor<4x64x32xf16> into tensor<1x4x64x32xf16>
  return %o : tensor<1x4x64x32xf16>
}
