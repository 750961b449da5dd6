// Decoding two ways, for tools/bench-attention.sh: one new query of 8 heads
// over a cache of 1024 keys of one key/value head (multi-query attention,
// d = 128). @fused is longctx.attention (causal: the query is the last
// position, so it sees every key); @unfused is matmul -> softmax -> matmul
// in plain linalg over the 8 x 1024 scores, the key/value head read by every
// query head. The benchmark rewrites 1024 to other cache lengths.
// RUN: longctx-run %s -e fused --baseline unfused | FileCheck %s
// RUN: longctx-run %s -e fused --baseline unfused --pipeline="longctx-lower-to-cpu{key-splits=false}" | FileCheck %s
// RUN: longctx-opt %s --longctx-lower-to-cpu="key-splits=false" --mlir-print-ir-after=convert-longctx-to-linalg -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOSPLIT
// CHECK: baseline @unfused in
// CHECK: result 0 vs baseline: {{.*}} PASS
// RUN: longctx-opt %s --convert-longctx-to-linalg="key-split-threads=2" | FileCheck %s --check-prefix=SPLIT
// SPLIT-LABEL: func.func @fused(
// SPLIT: scf.forall (%{{.+}}) in (2) shared_outs({{.*}}) -> (tensor<2x1x8x1x128xf32>, tensor<2x1x8x1xf32>)
// NOSPLIT-LABEL: func.func @fused(
// NOSPLIT-NOT: tensor<2x1x8x1x128xf32>
// NOSPLIT: return

#qk = affine_map<(b, h, i, j, c) -> (b, h, i, c)>
#kk = affine_map<(b, h, i, j, c) -> (b, 0, j, c)>
#sc = affine_map<(b, h, i, j, c) -> (b, h, i, j)>
#id = affine_map<(b, h, i, j) -> (b, h, i, j)>
#row = affine_map<(b, h, i, j) -> (b, h, i)>
#pv_p = affine_map<(b, h, i, j, e) -> (b, h, i, j)>
#pv_v = affine_map<(b, h, i, j, e) -> (b, 0, j, e)>
#pv_o = affine_map<(b, h, i, j, e) -> (b, h, i, e)>

func.func @fused(%q: tensor<1x8x1x128xf32>, %k: tensor<1x1x1024x128xf32>,
                 %v: tensor<1x1x1024x128xf32>) -> tensor<1x8x1x128xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x1x128xf32>,
         tensor<1x1x1024x128xf32>, tensor<1x1x1024x128xf32>) causal
         -> tensor<1x8x1x128xf32>
  return %o : tensor<1x8x1x128xf32>
}

func.func @unfused(%q: tensor<1x8x1x128xf32>, %k: tensor<1x1x1024x128xf32>,
                   %v: tensor<1x1x1024x128xf32>) -> tensor<1x8x1x128xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.0883883461 : f32
  %se = tensor.empty() : tensor<1x8x1x1024xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x8x1x1024xf32>) -> tensor<1x8x1x1024xf32>
  %s = linalg.generic {indexing_maps = [#qk, #kk, #sc],
         iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
       ins(%q, %k : tensor<1x8x1x128xf32>, tensor<1x1x1024x128xf32>)
       outs(%s0 : tensor<1x8x1x1024xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b fastmath<reassoc,contract> : f32
    %r = arith.addf %acc, %p fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x8x1x1024xf32>
  // Softmax of the scaled scores: max, exp, sum, divide.
  %re = tensor.empty() : tensor<1x8x1xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%re : tensor<1x8x1xf32>) -> tensor<1x8x1xf32>
  %mx = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%s : tensor<1x8x1x1024xf32>) outs(%mx0 : tensor<1x8x1xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.mulf %x, %scale fastmath<reassoc,contract> : f32
    %r = arith.maximumf %y, %acc fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x8x1xf32>
  %pe = tensor.empty() : tensor<1x8x1x1024xf32>
  %e = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
       ins(%s, %mx : tensor<1x8x1x1024xf32>, tensor<1x8x1xf32>) outs(%pe : tensor<1x8x1x1024xf32>) {
  ^bb0(%x: f32, %mm: f32, %o: f32):
    %y = arith.mulf %x, %scale fastmath<reassoc,contract> : f32
    %d = arith.subf %y, %mm fastmath<reassoc,contract> : f32
    %r = math.exp %d fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x8x1x1024xf32>
  %sm0 = linalg.fill ins(%zero : f32) outs(%re : tensor<1x8x1xf32>) -> tensor<1x8x1xf32>
  %sm = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%e : tensor<1x8x1x1024xf32>) outs(%sm0 : tensor<1x8x1xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %x, %acc fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x8x1xf32>
  %p = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
       ins(%e, %sm : tensor<1x8x1x1024xf32>, tensor<1x8x1xf32>) outs(%pe : tensor<1x8x1x1024xf32>) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %r = arith.divf %x, %t fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x8x1x1024xf32>
  // P V with the value dim innermost.
  %oe = tensor.empty() : tensor<1x8x1x128xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x8x1x128xf32>) -> tensor<1x8x1x128xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o],
         iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
       ins(%p, %v : tensor<1x8x1x1024xf32>, tensor<1x1x1024x128xf32>)
       outs(%o0 : tensor<1x8x1x128xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %pr = arith.mulf %a, %b fastmath<reassoc,contract> : f32
    %r = arith.addf %acc, %pr fastmath<reassoc,contract> : f32
    linalg.yield %r : f32
  } -> tensor<1x8x1x128xf32>
  return %o : tensor<1x8x1x128xf32>
}
