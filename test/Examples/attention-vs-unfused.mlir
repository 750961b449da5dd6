// Causal attention two ways, for tools/bench-attention.sh: @fused is
// longctx.attention (flash-style, tiled); @unfused is the textbook
// matmul -> mask -> softmax -> matmul in plain linalg that materialises the
// N x N scores, compiled by the same pipeline with the same fast-math
// freedom. The benchmark rewrites the 1024 below to other lengths, and the
// head dim 64 with its scale 0.125 = 1/sqrt(64) to other head dims.
// RUN: longctx-run %s -e fused --baseline unfused | FileCheck %s
// CHECK: baseline @unfused in
// CHECK: result 0 vs baseline: {{.*}} PASS

#qk = affine_map<(b, h, i, j, c) -> (b, h, i, c)>
#kk = affine_map<(b, h, i, j, c) -> (b, h, j, c)>
#sc = affine_map<(b, h, i, j, c) -> (b, h, i, j)>
#id = affine_map<(b, h, i, j) -> (b, h, i, j)>
#row = affine_map<(b, h, i, j) -> (b, h, i)>
#pv_p = affine_map<(b, h, i, j, e) -> (b, h, i, j)>
#pv_v = affine_map<(b, h, i, j, e) -> (b, h, j, e)>
#pv_o = affine_map<(b, h, i, j, e) -> (b, h, i, e)>

func.func @fused(%q: tensor<1x4x1024x64xf32>, %k: tensor<1x4x1024x64xf32>,
                 %v: tensor<1x4x1024x64xf32>) -> tensor<1x4x1024x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x1024x64xf32>,
         tensor<1x4x1024x64xf32>, tensor<1x4x1024x64xf32>) causal
         -> tensor<1x4x1024x64xf32>
  return %o : tensor<1x4x1024x64xf32>
}

func.func @unfused(%q: tensor<1x4x1024x64xf32>, %k: tensor<1x4x1024x64xf32>,
                   %v: tensor<1x4x1024x64xf32>) -> tensor<1x4x1024x64xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.125 : f32
  %se = tensor.empty() : tensor<1x4x1024x1024xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x4x1024x1024xf32>) -> tensor<1x4x1024x1024xf32>
  %s = linalg.generic {indexing_maps = [#qk, #kk, #sc],
         iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
       ins(%q, %k : tensor<1x4x1024x64xf32>, tensor<1x4x1024x64xf32>)
       outs(%s0 : tensor<1x4x1024x1024xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b fastmath<reassoc,contract> : f32
    %r = arith.addf %acc, %p fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1024x1024xf32>
  // Scale and the causal mask.
  %m = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
       outs(%s : tensor<1x4x1024x1024xf32>) {
  ^bb0(%x: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %vis = arith.cmpi sle, %j, %i : index
    %y = arith.mulf %x, %scale fastmath<reassoc,contract> : f32
    %r = arith.select %vis, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1024x1024xf32>
  // Softmax: max, exp, sum, divide.
  %re = tensor.empty() : tensor<1x4x1024xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%re : tensor<1x4x1024xf32>) -> tensor<1x4x1024xf32>
  %mx = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%m : tensor<1x4x1024x1024xf32>) outs(%mx0 : tensor<1x4x1024xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.maximumf %x, %acc fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1024xf32>
  %pe = tensor.empty() : tensor<1x4x1024x1024xf32>
  %e = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
       ins(%m, %mx : tensor<1x4x1024x1024xf32>, tensor<1x4x1024xf32>) outs(%pe : tensor<1x4x1024x1024xf32>) {
  ^bb0(%x: f32, %mm: f32, %o: f32):
    %d = arith.subf %x, %mm fastmath<reassoc,contract> : f32
    %r = math.exp %d fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1024x1024xf32>
  %sm0 = linalg.fill ins(%zero : f32) outs(%re : tensor<1x4x1024xf32>) -> tensor<1x4x1024xf32>
  %sm = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%e : tensor<1x4x1024x1024xf32>) outs(%sm0 : tensor<1x4x1024xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %x, %acc fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1024xf32>
  %p = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
       ins(%e, %sm : tensor<1x4x1024x1024xf32>, tensor<1x4x1024xf32>) outs(%pe : tensor<1x4x1024x1024xf32>) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %r = arith.divf %x, %t fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1024x1024xf32>
  // P V with the value dim innermost.
  %oe = tensor.empty() : tensor<1x4x1024x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x1024x64xf32>) -> tensor<1x4x1024x64xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o],
         iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
       ins(%p, %v : tensor<1x4x1024x1024xf32>, tensor<1x4x1024x64xf32>)
       outs(%o0 : tensor<1x4x1024x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %pr = arith.mulf %a, %b fastmath<reassoc,contract> : f32
    %r = arith.addf %acc, %pr fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1024x64xf32>
  return %o : tensor<1x4x1024x64xf32>
}
