// pipeline: 2
// Unraised causal attention as an importer writes it: K^T by linalg.transpose,
// 4-D matmul generics, the scale and an iota causal mask fused in one
// generic, a decomposed softmax (max, fused sub+exp, sum, divide). It must be
// raised to causal longctx.attention, then match the NumPy reference.
// The unraised graph itself agrees with the reference too (it is the same
// computation, with the N x N scores in memory).

// RAISED-LABEL: func.func @main
// RAISED-NEXT: longctx.attention ins(%arg0, %arg1, %arg2 : tensor<2x4x100x16xf32>, tensor<2x4x100x16xf32>, tensor<2x4x100x16xf32>) causal scale(2.500000e-01)
// RAISED-NEXT: return
// RAISED-NOT: linalg.

#id = affine_map<(b, h, i, j) -> (b, h, i, j)>
#row = affine_map<(b, h, i, j) -> (b, h, i)>
#qk_q = affine_map<(b, h, i, j, c) -> (b, h, i, c)>
#qk_k = affine_map<(b, h, i, j, c) -> (b, h, c, j)>
#qk_s = affine_map<(b, h, i, j, c) -> (b, h, i, j)>
#pv_p = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#pv_o = affine_map<(b, h, i, e, j) -> (b, h, i, e)>

func.func @main(%q: tensor<2x4x100x16xf32>, %k: tensor<2x4x100x16xf32>,
                %v: tensor<2x4x100x16xf32>) -> tensor<2x4x100x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.25 : f32
  %kte = tensor.empty() : tensor<2x4x16x100xf32>
  %kt = linalg.transpose ins(%k : tensor<2x4x100x16xf32>)
          outs(%kte : tensor<2x4x16x100xf32>) permutation = [0, 1, 3, 2]
  %se = tensor.empty() : tensor<2x4x100x100xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x4x100x100xf32>) -> tensor<2x4x100x100xf32>
  %s = linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_s],
         iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
       ins(%q, %kt : tensor<2x4x100x16xf32>, tensor<2x4x16x100xf32>)
       outs(%s0 : tensor<2x4x100x100xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x100x100xf32>
  %m = linalg.generic {indexing_maps = [#id, #id],
         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
       ins(%s : tensor<2x4x100x100xf32>) outs(%se : tensor<2x4x100x100xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %vis = arith.cmpi sle, %j, %i : index
    %y = arith.mulf %x, %scale : f32
    %r = arith.select %vis, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<2x4x100x100xf32>
  %re = tensor.empty() : tensor<2x4x100xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%re : tensor<2x4x100xf32>) -> tensor<2x4x100xf32>
  %mx = linalg.generic {indexing_maps = [#id, #row],
          iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%m : tensor<2x4x100x100xf32>) outs(%mx0 : tensor<2x4x100xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.maximumf %x, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x4x100xf32>
  %e = linalg.generic {indexing_maps = [#id, #row, #id],
         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
       ins(%m, %mx : tensor<2x4x100x100xf32>, tensor<2x4x100xf32>)
       outs(%se : tensor<2x4x100x100xf32>) {
  ^bb0(%x: f32, %mm: f32, %o: f32):
    %d = arith.subf %x, %mm : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x4x100x100xf32>
  %sm0 = linalg.fill ins(%zero : f32) outs(%re : tensor<2x4x100xf32>) -> tensor<2x4x100xf32>
  %sm = linalg.generic {indexing_maps = [#id, #row],
          iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%e : tensor<2x4x100x100xf32>) outs(%sm0 : tensor<2x4x100xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %x, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x4x100xf32>
  %p = linalg.generic {indexing_maps = [#id, #row, #id],
         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
       ins(%e, %sm : tensor<2x4x100x100xf32>, tensor<2x4x100xf32>)
       outs(%se : tensor<2x4x100x100xf32>) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %r = arith.divf %x, %t : f32
    linalg.yield %r : f32
  } -> tensor<2x4x100x100xf32>
  %oe = tensor.empty() : tensor<2x4x100x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x4x100x16xf32>) -> tensor<2x4x100x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o],
         iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
       ins(%p, %v : tensor<2x4x100x100xf32>, tensor<2x4x100x16xf32>)
       outs(%o0 : tensor<2x4x100x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %x = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<2x4x100x16xf32>
  return %o : tensor<2x4x100x16xf32>
}
