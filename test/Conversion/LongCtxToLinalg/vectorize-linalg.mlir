// RUN: longctx-opt %s -split-input-file -verify-diagnostics \
// RUN:   --longctx-vectorize-linalg="vector-lanes=8 vector-accumulators=12 vector-registers=16 threads=2" \
// RUN:   | FileCheck %s

/// A matmul by constant weights: the weights are packed at compile time into
/// [panels, depth, width] (24 columns: one panel of 3 vectors), the product
/// is the register-blocked kernel (4 rows x 3 vectors for AVX2's registers)
/// under an scf.forall over row tiles (17K multiply-adds: too few for
/// threads, so one tile of all 37 rows). The zero fill is never computed:
/// the accumulators start from its value and the product is written into an
/// empty tensor. No linalg op is left.
// CHECK-LABEL: func.func @matmul_weights(
//   CHECK-DAG:   %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<8xf32>
//   CHECK-DAG:   %[[W:.+]] = arith.constant dense<1.000000e+00> : tensor<1x19x24xf32>
//       CHECK:   %[[EMPTY:.+]] = tensor.empty() : tensor<37x24xf32>
//       CHECK:   scf.forall (%{{.+}}) in (1) shared_outs(%{{.+}} = %[[EMPTY]]) -> (tensor<37x24xf32>)
//       CHECK:     scf.for
//       CHECK:       scf.for {{.+}} step %c4
//       CHECK:         scf.for {{.+}} iter_args(%{{.+}} = %[[ZERO]], {{.+}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
//       CHECK:           vector.transfer_read %[[W]]
//       CHECK:           tensor.extract %{{.+}} : tensor<37x19xf32>
//       CHECK:           vector.broadcast
//       CHECK:           vector.fma
//       CHECK:     scf.forall.in_parallel
//       CHECK:       tensor.parallel_insert_slice
//   CHECK-NOT:   linalg.
//       CHECK:   return
func.func @matmul_weights(%x: tensor<37x19xf32>) -> tensor<37x24xf32> {
  %w = arith.constant dense<1.0> : tensor<19x24xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<37x24xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<37x24xf32>) -> tensor<37x24xf32>
  %r = linalg.matmul ins(%x, %w : tensor<37x19xf32>, tensor<19x24xf32>)
         outs(%f : tensor<37x24xf32>) -> tensor<37x24xf32>
  return %r : tensor<37x24xf32>
}

// -----

/// A batch matmul whose columns (29) are no multiple of the vector: the right
/// operand is packed at run time (zero-padded to 32 columns, split into 2
/// panels of 16), the forall runs over (batch, row tile) — one row tile a
/// batch, as the product is too small for more — and the result's vectors
/// are read and written masked (not in bounds).
// CHECK-LABEL: func.func @batch_matmul_odd(
//       CHECK:   %[[PAD:.+]] = tensor.pad %{{.+}} low[0, 0, 0] high[0, 0, 3]
//       CHECK:   %[[EXP:.+]] = tensor.expand_shape %[[PAD]] {{\[\[}}0], [1], [2, 3]] output_shape [3, 19, 2, 16]
//       CHECK:   scf.for
//       CHECK:     tensor.extract_slice %[[EXP]]
//       CHECK:     tensor.insert_slice %{{.+}} : tensor<1x1x1x16xf32> into tensor<3x2x19x16xf32>
//       CHECK:   scf.forall (%{{.+}}) in (3)
//       CHECK:     vector.transfer_read %{{.+}}, %{{.+}} : tensor<37x29xf32>, vector<8xf32>
//       CHECK:     vector.fma
//       CHECK:     vector.transfer_write %{{.+}}, %{{.+}} : vector<8xf32>, tensor<37x29xf32>
//   CHECK-NOT:   linalg.
//       CHECK:   return
func.func @batch_matmul_odd(%a: tensor<3x37x19xf32>, %b: tensor<3x19x29xf32>,
                            %c: tensor<3x37x29xf32>) -> tensor<3x37x29xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<3x37x19xf32>, tensor<3x19x29xf32>)
         outs(%c : tensor<3x37x29xf32>) -> tensor<3x37x29xf32>
  return %r : tensor<3x37x29xf32>
}

// -----

/// A contraction written as a generic, with the right operand read
/// transposed (x W^T, as Gemm with transB imports) and shared by the batch:
/// packed once for both batches ([4 panels, 64 deep, 16 wide]). 4M
/// multiply-adds are worth sharing between the threads: 4 row tiles a batch
/// wanted, 16 blocks of 6 rows at most, so 6 tiles of 96 rows (the last
/// partial) a batch.
// CHECK-LABEL: func.func @generic_transposed_rhs(
//       CHECK:   tensor.expand_shape %{{.+}} {{\[\[}}0, 1], [2]] output_shape [4, 16, 64] : tensor<64x64xf32> into tensor<4x16x64xf32>
//       CHECK:   tensor.empty() : tensor<4x64x16xf32>
//       CHECK:   scf.forall (%{{.+}}) in (12)
//       CHECK:     tensor.extract_slice %{{.+}} : tensor<2x512x64xf32> to tensor<?x64xf32>
//       CHECK:     vector.fma
//   CHECK-NOT:   linalg.generic
//       CHECK:   return
#lhs = affine_map<(b, m, n, k) -> (b, m, k)>
#rhs = affine_map<(b, m, n, k) -> (n, k)>
#out = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @generic_transposed_rhs(%x: tensor<2x512x64xf32>, %w: tensor<64x64xf32>,
                                  %acc: tensor<2x512x64xf32>) -> tensor<2x512x64xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<2x512x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<2x512x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x512x64xf32>
  return %r : tensor<2x512x64xf32>
}

// -----

/// Bias add then tanh: the add (one use) is fused into the tanh, and the
/// fused op is tiled into an scf.forall over rows (512 x 512 iterations:
/// enough to share) and one vector of 128 columns at a time.
// CHECK-LABEL: func.func @bias_tanh(
//       CHECK:   scf.forall (%{{.+}}) = (0) to (512) step (64)
//       CHECK:     scf.for
//       CHECK:       scf.for {{.+}} step %c128
//       CHECK:         %[[X:.+]] = vector.transfer_read {{.+}} : tensor<128xf32>, vector<128xf32>
//       CHECK:         %[[B:.+]] = vector.transfer_read {{.+}} : tensor<128xf32>, vector<128xf32>
//       CHECK:         %[[S:.+]] = arith.addf %[[X]], %[[B]] : vector<128xf32>
//       CHECK:         math.tanh %[[S]] : vector<128xf32>
//   CHECK-NOT:   linalg.generic
//       CHECK:   return
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
func.func @bias_tanh(%x: tensor<512x512xf32>, %b: tensor<512xf32>) -> tensor<512x512xf32> {
  %e = tensor.empty() : tensor<512x512xf32>
  %s = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
       ins(%x, %b : tensor<512x512xf32>, tensor<512xf32>) outs(%e : tensor<512x512xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<512x512xf32>
  %t = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
       ins(%s : tensor<512x512xf32>) outs(%e : tensor<512x512xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.tanh %a : f32
    linalg.yield %r : f32
  } -> tensor<512x512xf32>
  return %t : tensor<512x512xf32>
}

// -----

/// A row sum whose rows (1001) no multiple of the vector divides: too small
/// for threads, one vector of 128 columns at a time, the last one masked,
/// each reduced into the row's sum.
// CHECK-LABEL: func.func @row_sum(
//   CHECK-NOT:   scf.forall
//       CHECK:   scf.for
//       CHECK:     scf.for {{.+}} step %c128
//       CHECK:       vector.create_mask
//       CHECK:       vector.transfer_read {{.+}}, %{{.+}} : tensor<?xf32>, vector<128xf32>
//       CHECK:       vector.reduction <add>
//   CHECK-NOT:   linalg.generic
//       CHECK:   return
func.func @row_sum(%x: tensor<4x1001xf32>, %acc: tensor<4xf32>) -> tensor<4xf32> {
  %r = linalg.reduce ins(%x : tensor<4x1001xf32>) outs(%acc : tensor<4xf32>) dimensions = [1]
    (%in: f32, %out: f32) {
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
  return %r : tensor<4xf32>
}

// -----

/// Tensors of i1 are bytes in memory, vectors of i1 are bits: such ops are
/// left to the scalar loops, with a remark.
// CHECK-LABEL: func.func @bool_mask(
//       CHECK:   linalg.generic
func.func @bool_mask(%m: tensor<8x8xi1>, %x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %e = tensor.empty() : tensor<8x8xf32>
  %z = arith.constant 0.0 : f32
  // expected-remark @below {{longctx-vectorize-linalg: linalg.generic is not vectorized; it is lowered to scalar loops}}
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
       ins(%m, %x : tensor<8x8xi1>, tensor<8x8xf32>) outs(%e : tensor<8x8xf32>) {
  ^bb0(%c: i1, %a: f32, %o: f32):
    %s = arith.select %c, %a, %z : f32
    linalg.yield %s : f32
  } -> tensor<8x8xf32>
  return %r : tensor<8x8xf32>
}

// -----

/// Dynamic shapes are left to the scalar loops, with a remark; ops inside
/// loops (the longctx lowerings' own) are not touched.
// CHECK-LABEL: func.func @dynamic(
//       CHECK:   linalg.generic
func.func @dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  // expected-remark @below {{longctx-vectorize-linalg: linalg.generic is not vectorized; it is lowered to scalar loops}}
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
       outs(%x : tensor<?xf32>) {
  ^bb0(%o: f32):
    %s = arith.addf %o, %o : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

/// An epilogue (bias add then tanh, reading the product through an
/// expand_shape that only adds a unit dim, as importers wrap a product of
/// collapsed rows) is computed on each tile of the kernel, into the
/// epilogue's own result: no pass of its own over the product, which is
/// never filled or written whole.
// CHECK-LABEL: func.func @matmul_epilogue(
//       CHECK:   %[[OUT:.+]] = tensor.empty() : tensor<1x64x48xf32>
//       CHECK:   scf.forall (%{{.+}}) in (1) shared_outs(%[[SHARED:.+]] = %[[OUT]]) -> (tensor<1x64x48xf32>)
//       CHECK:     tensor.empty() : tensor<64x48xf32>
//       CHECK:     vector.fma
//       CHECK:     tensor.expand_shape %{{.+}} {{\[\[}}0, 1], [2]] output_shape [1, 64, 48] : tensor<64x48xf32> into tensor<1x64x48xf32>
//       CHECK:     arith.addf %{{.+}} : vector<48xf32>
//       CHECK:     math.tanh %{{.+}} : vector<48xf32>
//       CHECK:     tensor.parallel_insert_slice %{{.+}} into %[[SHARED]][0, %{{.+}}, 0] [1, 64, 48] [1, 1, 1] : tensor<1x64x48xf32> into tensor<1x64x48xf32>
//   CHECK-NOT:   linalg.
//       CHECK:   return
func.func @matmul_epilogue(%x: tensor<64x32xf32>, %w: tensor<32x48xf32>,
                           %b: tensor<48xf32>) -> tensor<1x64x48xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x48xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x48xf32>) -> tensor<64x48xf32>
  %m = linalg.matmul ins(%x, %w : tensor<64x32xf32>, tensor<32x48xf32>)
         outs(%f : tensor<64x48xf32>) -> tensor<64x48xf32>
  %x3 = tensor.expand_shape %m [[0, 1], [2]] output_shape [1, 64, 48]
          : tensor<64x48xf32> into tensor<1x64x48xf32>
  %e3 = tensor.empty() : tensor<1x64x48xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(a, i, j) -> (a, i, j)>,
                                        affine_map<(a, i, j) -> (j)>,
                                        affine_map<(a, i, j) -> (a, i, j)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
       ins(%x3, %b : tensor<1x64x48xf32>, tensor<48xf32>) outs(%e3 : tensor<1x64x48xf32>) {
  ^bb0(%p: f32, %c: f32, %o: f32):
    %s = arith.addf %p, %c : f32
    %t = math.tanh %s : f32
    linalg.yield %t : f32
  } -> tensor<1x64x48xf32>
  return %r : tensor<1x64x48xf32>
}

// -----

/// A product with another use keeps its own result: the elementwise op runs
/// as an op of its own.
// CHECK-LABEL: func.func @matmul_two_uses(
//       CHECK:   %[[P:.+]] = scf.forall
//       CHECK:   scf.for
//       CHECK:     math.tanh %{{.+}} : vector<48xf32>
//       CHECK:   return %[[P]],
func.func @matmul_two_uses(%x: tensor<64x32xf32>, %w: tensor<32x48xf32>)
    -> (tensor<64x48xf32>, tensor<64x48xf32>) {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x48xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x48xf32>) -> tensor<64x48xf32>
  %m = linalg.matmul ins(%x, %w : tensor<64x32xf32>, tensor<32x48xf32>)
         outs(%f : tensor<64x48xf32>) -> tensor<64x48xf32>
  %e2 = tensor.empty() : tensor<64x48xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
       ins(%m : tensor<64x48xf32>) outs(%e2 : tensor<64x48xf32>) {
  ^bb0(%p: f32, %o: f32):
    %t = math.tanh %p : f32
    linalg.yield %t : f32
  } -> tensor<64x48xf32>
  return %m, %r : tensor<64x48xf32>, tensor<64x48xf32>
}

// -----

/// An embedding lookup (ONNX Gather of a table by token ids: a generic that
/// reads the id and extracts a row) is vectorized: the row is read by one
/// vector.gather of the whole row, no scalar loop over its elements.
// CHECK-LABEL: func.func @embedding(
//       CHECK:   scf.for
//       CHECK:     vector.transfer_read %{{.+}} : tensor<i64>, vector<i64>
//       CHECK:     vector.gather %{{.+}} : tensor<97x40xf32>, vector<40xindex>, vector<40xi1>, vector<40xf32> into vector<40xf32>
//       CHECK:     vector.transfer_write %{{.+}} : vector<40xf32>, tensor<40xf32>
//   CHECK-NOT:   linalg.generic
func.func @embedding(%ids: tensor<1x5xi64>, %table: tensor<97x40xf32>)
    -> tensor<1x5x40xf32> {
  %c0 = arith.constant 0 : index
  %c97 = arith.constant 97 : index
  %e = tensor.empty() : tensor<1x5x40xf32>
  %r = linalg.generic {
      indexing_maps = [affine_map<(a, t, d) -> (a, t)>,
                       affine_map<(a, t, d) -> (a, t, d)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ids : tensor<1x5xi64>) outs(%e : tensor<1x5x40xf32>) {
  ^bb0(%in: i64, %out: f32):
    %i = arith.index_cast %in : i64 to index
    %neg = arith.cmpi slt, %i, %c0 : index
    %w = arith.addi %i, %c97 : index
    %s = arith.select %neg, %w, %i : index
    %d = linalg.index 2 : index
    %x = tensor.extract %table[%s, %d] : tensor<97x40xf32>
    linalg.yield %x : f32
  } -> tensor<1x5x40xf32>
  return %r : tensor<1x5x40xf32>
}
