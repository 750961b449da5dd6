// Chains that end in a softmax but are not provably attention stay as they
// are, with a remark on the value matmul saying why; a matmul chain without
// a softmax is left alone silently.
// RUN: longctx-opt %s --longctx-raise-attention -split-input-file -verify-diagnostics | FileCheck %s

#id3 = affine_map<(a, i, j) -> (a, i, j)>
#row3 = affine_map<(a, i, j) -> (a, i)>
#col3 = affine_map<(a, i, j) -> (a, j)>

// CHECK-LABEL: func.func @softmax_wrong_dim
// CHECK: linalg.softmax dimension(1)
// CHECK: linalg.batch_matmul
// CHECK-NOT: longctx.attention
func.func @softmax_wrong_dim(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the softmax is over dimension 1, not the key dimension 2}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

#id3 = affine_map<(a, i, j) -> (a, i, j)>

// CHECK-LABEL: func.func @scale_not_constant
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: linalg.softmax
// CHECK-NOT: longctx.attention
func.func @scale_not_constant(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>, %scale: f32) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %sc = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%sc : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the scores are multiplied by a value that is not a constant}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

#id3 = affine_map<(a, i, j) -> (a, i, j)>

// A select on positions that keeps the keys at or after the query: claimed
// as a mask, not causal.
// CHECK-LABEL: func.func @mask_not_causal
// CHECK: arith.cmpi sge
// CHECK-NOT: longctx.attention
func.func @mask_not_causal(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %keep = arith.cmpi sge, %j, %i : index
    %r = arith.select %keep, %x, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the mask keeps key j for query i when j >= i - 0, which is not causal}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

#id3 = affine_map<(a, i, j) -> (a, i, j)>

// A top-left aligned causal mask (j <= i) over 4 queries and 8 keys is not
// the op's bottom-right causal.
// CHECK-LABEL: func.func @causal_top_left
// CHECK: arith.cmpi sle
// CHECK-NOT: longctx.attention
func.func @causal_top_left(%q: tensor<2x4x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<2x4x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x4x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x4x8xf32>) outs(%se : tensor<2x4x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %keep = arith.cmpi sle, %j, %i : index
    %r = arith.select %keep, %x, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<2x4x8xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<2x4x8xf32>) outs(%se : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %oe = tensor.empty() : tensor<2x4x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the mask keeps key j for query i when j <= i + 0, but causal attention over 4 queries and 8 keys keeps j <= i + 4}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x4x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %o : tensor<2x4x16xf32>
}

// -----

// The value matmul contracts the softmax's query dimension (P^T V).
// CHECK-LABEL: func.func @value_matmul_wrong_dim
// CHECK: linalg.softmax
// CHECK-NOT: longctx.attention
func.func @value_matmul_wrong_dim(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the value matmul contracts the query dimension of the softmax output, not the key dimension}}
  %o = linalg.batch_matmul indexing_maps = [affine_map<(a, i, e, j) -> (a, j, i)>, affine_map<(a, i, e, j) -> (a, j, e)>, affine_map<(a, i, e, j) -> (a, i, e)>]
         ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

#id3 = affine_map<(a, i, j) -> (a, i, j)>
#row3 = affine_map<(a, i, j) -> (a, i)>
#col3 = affine_map<(a, i, j) -> (a, j)>

// The decomposed softmax sums over the query dimension.
// CHECK-LABEL: func.func @softmax_sum_wrong_dim
// CHECK: math.exp
// CHECK-NOT: longctx.attention
func.func @softmax_sum_wrong_dim(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %e = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = math.exp %x : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %re = tensor.empty() : tensor<2x8xf32>
  %sm0 = linalg.fill ins(%zero : f32) outs(%re : tensor<2x8xf32>) -> tensor<2x8xf32>
  %sm = linalg.generic {indexing_maps = [#id3, #col3], iterator_types = ["parallel", "reduction", "parallel"]} ins(%e : tensor<2x8x8xf32>) outs(%sm0 : tensor<2x8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %x, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x8xf32>
  %p = linalg.generic {indexing_maps = [#id3, #col3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%e, %sm : tensor<2x8x8xf32>, tensor<2x8xf32>) outs(%se : tensor<2x8x8xf32>) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %r = arith.divf %x, %t : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the softmax denominator is not the sum of its numerator over the key dimension}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

#id3 = affine_map<(a, i, j) -> (a, i, j)>

// A tanh soft-cap between the scores and the softmax is not attention.
// CHECK-LABEL: func.func @softcap
// CHECK: math.tanh
// CHECK-NOT: longctx.attention
func.func @softcap(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %t = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = math.tanh %x : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%t : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: 'math.tanh' between the scores matmul and the softmax is not a scale or a mask}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

#id3 = affine_map<(a, i, j) -> (a, i, j)>

// Masked scores set to -1 still take part in the softmax.
// CHECK-LABEL: func.func @fill_not_negative_enough
// CHECK: arith.select
// CHECK-NOT: longctx.attention
func.func @fill_not_negative_enough(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %fill = arith.constant -1.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %keep = arith.cmpi sle, %j, %i : index
    %r = arith.select %keep, %x, %fill : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: masked scores are set to -1, not -inf or a large negative value}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

#id3 = affine_map<(a, i, j) -> (a, i, j)>

// The additive mask is scaled along with the scores: kept as they are.
// CHECK-LABEL: func.func @mask_before_scale
// CHECK: arith.addf
// CHECK-NOT: longctx.attention
func.func @mask_before_scale(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>, %mask: tensor<2x8x8xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c = arith.constant 0.25 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %mask : tensor<2x8x8xf32>, tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %y = arith.addf %x, %b : f32
    %r = arith.mulf %y, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: an additive mask is added before the scores are scaled}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// The value matmul accumulates into an argument (a residual add).
// CHECK-LABEL: func.func @value_matmul_accumulates
// CHECK: linalg.softmax
// CHECK-NOT: longctx.attention
func.func @value_matmul_accumulates(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>, %acc: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the value matmul accumulates into a tensor that is not zero}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%acc : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// Dynamic shapes.
// CHECK-LABEL: func.func @dynamic_shapes
// CHECK: linalg.softmax
// CHECK-NOT: longctx.attention
func.func @dynamic_shapes(%s: tensor<2x?x?xf32>, %v: tensor<2x?x16xf32>, %init: tensor<2x?x16xf32>) -> tensor<2x?x16xf32> {
  %p = linalg.softmax dimension(2) ins(%s : tensor<2x?x?xf32>) outs(%s : tensor<2x?x?xf32>) -> tensor<2x?x?xf32>
  // expected-remark @+1 {{not raised to longctx.attention: dynamic shapes are not supported}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x?x?xf32>, tensor<2x?x16xf32>) outs(%init : tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  return %o : tensor<2x?x16xf32>
}

// -----

// The softmax reads an argument, not scores from a matmul.
// CHECK-LABEL: func.func @softmax_of_argument
// CHECK: linalg.softmax
// CHECK-NOT: longctx.attention
func.func @softmax_of_argument(%s: tensor<2x8x8xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the softmax input is not computed by a matmul}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>

// A mask condition on the head index is not a position comparison.
// CHECK-LABEL: func.func @mask_on_head_index
// CHECK: linalg.index 1
// CHECK-NOT: longctx.attention
func.func @mask_on_head_index(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, i, j, c) -> (b, h, i, c)>, affine_map<(b, h, i, j, c) -> (b, h, j, c)>, affine_map<(b, h, i, j, c) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %m = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %h = linalg.index 1 : index
    %j = linalg.index 3 : index
    %keep = arith.cmpi sle, %j, %h : index
    %r = arith.select %keep, %x, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%m : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the mask condition is not a comparison of the query and key positions}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, i, e, j) -> (b, h, i, j)>, affine_map<(b, h, i, e, j) -> (b, h, j, e)>, affine_map<(b, h, i, e, j) -> (b, h, i, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %x = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// TOSA: the softmax sum reduces the query axis.
// CHECK-LABEL: func.func @tosa_sum_wrong_axis
// CHECK: tosa.reduce_sum %{{.*}} {axis = 1 : i32}
// CHECK-NOT: longctx.attention
func.func @tosa_sum_wrong_axis(%q: tensor<2x8x16xf32>, %kt: tensor<2x16x8xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x8x16xf32>, tensor<2x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x8xf32>
  %e = tosa.exp %s : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 1 : i32} : (tensor<2x8x8xf32>) -> tensor<2x1x8xf32>
  %r = tosa.reciprocal %sum : (tensor<2x1x8xf32>) -> tensor<2x1x8xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<2x8x8xf32>, tensor<2x1x8xf32>, tensor<1xi8>) -> tensor<2x8x8xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the softmax denominator is not the sum of its numerator over the key dimension}}
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<2x8x8xf32>, tensor<2x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// Two matmuls without a softmax: not attention, no remark.
// CHECK-LABEL: func.func @no_softmax
// CHECK-COUNT-2: linalg.batch_matmul
// CHECK-NOT: longctx.attention
func.func @no_softmax(%a: tensor<2x8x16xf32>, %b: tensor<2x16x8xf32>, %c: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul ins(%a, %b : tensor<2x8x16xf32>, tensor<2x16x8xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %o = linalg.batch_matmul ins(%s, %c : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

#id3 = affine_map<(a, i, j) -> (a, i, j)>

// A negative scale.
// CHECK-LABEL: func.func @negative_scale
// CHECK: arith.divf
// CHECK-NOT: longctx.attention
func.func @negative_scale(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c = arith.constant -8.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %sc = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.divf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%sc : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the scale -0.125 is not positive and finite}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// The value matmul's body scales the values: the output would be scaled.
// CHECK-LABEL: func.func @values_scaled_in_body
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK-NOT: longctx.attention
func.func @values_scaled_in_body(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, i, j, c) -> (b, h, i, c)>, affine_map<(b, h, i, j, c) -> (b, h, j, c)>, affine_map<(b, h, i, j, c) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the values are scaled in the value matmul}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, i, e, j) -> (b, h, i, j)>, affine_map<(b, h, i, e, j) -> (b, h, j, e)>, affine_map<(b, h, i, e, j) -> (b, h, i, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %w = arith.mulf %b, %two : f32
    %x = arith.mulf %a, %w : f32
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// The scores matmul's body applies exp to the queries.
// CHECK-LABEL: func.func @query_computed_in_body
// CHECK: math.exp
// CHECK-NOT: longctx.attention
func.func @query_computed_in_body(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, i, j, c) -> (b, h, i, c)>, affine_map<(b, h, i, j, c) -> (b, h, j, c)>, affine_map<(b, h, i, j, c) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %ea = math.exp %a : f32
    %p = arith.mulf %ea, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the scores matmul computes its query operand in its body}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, i, e, j) -> (b, h, i, j)>, affine_map<(b, h, i, e, j) -> (b, h, j, e)>, affine_map<(b, h, i, e, j) -> (b, h, i, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %x = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

#id3 = affine_map<(a, i, j) -> (a, i, j)>

// Causal over 8 queries and 4 keys: the first 4 rows see no key (NaN in the
// graph, 0 in the op).
// CHECK-LABEL: func.func @causal_more_queries_than_keys
// CHECK: linalg.softmax
// CHECK-NOT: longctx.attention
func.func @causal_more_queries_than_keys(%q: tensor<2x8x16xf32>, %k: tensor<2x4x16xf32>, %v: tensor<2x4x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c4 = arith.constant 4 : index
  %se = tensor.empty() : tensor<2x8x4xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x16xf32>, tensor<2x4x16xf32>) outs(%s0 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x8x4xf32>) outs(%se : tensor<2x8x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %j4 = arith.addi %j, %c4 : index
    %keep = arith.cmpi sle, %j4, %i : index
    %r = arith.select %keep, %x, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<2x8x4xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<2x8x4xf32>) outs(%se : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: causal attention with more queries (8) than keys (4) masks whole rows, which the op sets to 0}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x4xf32>, tensor<2x4x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// Zero-sized head dimension.
// CHECK-LABEL: func.func @z(
// CHECK-NOT: longctx.attention
func.func @z(%q: tensor<2x8x0xf32>, %k: tensor<2x8x0xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(a, i, j, c) -> (a, i, c)>, affine_map<(a, i, j, c) -> (a, j, c)>, affine_map<(a, i, j, c) -> (a, i, j)>]
         ins(%q, %k : tensor<2x8x0xf32>, tensor<2x8x0xf32>) outs(%s0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<2x8x8xf32>) outs(%se : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: empty tensors are not supported}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%o0 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// The scores matmul repeats 2 key heads over 4 query heads in its body; the
// values have all 4 heads: K and V cannot share one Hkv.
// CHECK-LABEL: func.func @keys_values_repeated_differently
// CHECK: linalg.softmax
// CHECK-NOT: longctx.attention
func.func @keys_values_repeated_differently(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<1x4x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, i, j, c) -> (b, h, i, c)>, affine_map<(b, h, i, j, c) -> (b, h floordiv 2, j, c)>, affine_map<(b, h, i, j, c) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s : tensor<1x4x8x8xf32>) outs(%se : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %oe = tensor.empty() : tensor<1x4x8x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  // expected-remark @+1 {{not raised to longctx.attention: the keys and values are repeated over the heads differently}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, i, e, j) -> (b, h, i, j)>, affine_map<(b, h, i, e, j) -> (b, h, j, e)>, affine_map<(b, h, i, e, j) -> (b, h, i, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32>) outs(%o0 : tensor<1x4x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %x = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#row4 = affine_map<(b, h, i, j) -> (b, h, i)>

// Rows zeroed after the softmax by a flag that is not "all keys masked".
// CHECK-LABEL: func.func @softmax_zeroed_by_other_flag
// CHECK: linalg.softmax
// CHECK-NOT: longctx.attention
func.func @softmax_zeroed_by_other_flag(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %flag: tensor<1x2x8x8xi1>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %true = arith.constant true
  %se = tensor.empty() : tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, i, j, c) -> (b, h, i, c)>, affine_map<(b, h, i, j, c) -> (b, h, j, c)>, affine_map<(b, h, i, j, c) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%s0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %sm = linalg.softmax dimension(3) ins(%s : tensor<1x2x8x8xf32>) outs(%se : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %re = tensor.empty() : tensor<1x2x8xi1>
  %all0 = linalg.fill ins(%true : i1) outs(%re : tensor<1x2x8xi1>) -> tensor<1x2x8xi1>
  %all = linalg.generic {indexing_maps = [#id4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%flag : tensor<1x2x8x8xi1>) outs(%all0 : tensor<1x2x8xi1>) {
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
  // expected-remark @+1 {{not raised to longctx.attention: the softmax output is zeroed under a condition other than its row being fully masked}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, i, e, j) -> (b, h, i, j)>, affine_map<(b, h, i, e, j) -> (b, h, j, e)>, affine_map<(b, h, i, e, j) -> (b, h, i, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%o0 : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %x = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
