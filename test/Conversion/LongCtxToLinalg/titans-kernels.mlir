// RUN: longctx-opt %s --convert-longctx-to-linalg | FileCheck %s --check-prefix=KERNEL \
// RUN:   --implicit-check-not='iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]' \
// RUN:   --implicit-check-not='iterator_types = ["parallel", "parallel", "reduction", "parallel", "parallel"]' \
// RUN:   --implicit-check-not='iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]'
// RUN: longctx-opt %s --convert-longctx-to-linalg="vector-lanes=8 vector-accumulators=12 vector-registers=16" | FileCheck %s --check-prefix=AVX2

// The f32 Titans chunk products on the register-blocked vector kernels of
// convert-longctx-to-linalg (the generic forms: titans-to-linalg.mlir).
/// With d = dv = 16 (one 16-lane vector) every chunk product runs on the
/// register-blocked kernels: G = P N with N's columns (the chunk's tokens)
/// zero-padded to the chunk length of 16 and the product sliced back;
/// K W0, Q W0 and Q S0 with the state packed into one panel tile;
/// Q K^T on the score kernel with the chunk's keys packed as one tile of 16
/// (zero past the chunk's length), sliced back to len x len; A R with the
/// residual packed over the chunk's tokens; and the two gradients
/// K^T diag(c) R with the keys read transposed and diag(c) R computed first.
/// No contraction generic is left (--implicit-check-not); the mat-vec
/// f = P m stays one.
// KERNEL-LABEL: func.func @titans_kernels(
//  KERNEL-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x40x16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x40x16xf32>, %[[Q:[a-zA-Z0-9_]+]]: tensor<1x2x40x16xf32>,
//  KERNEL-SAME:     %[[W:[a-zA-Z0-9_]+]]: tensor<1x2x16x16xf32>, %[[S:[a-zA-Z0-9_]+]]: tensor<1x2x16x16xf32>)
//       KERNEL:   scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %{{.+}}, %[[W0:.+]] = %[[W]], %[[S0:.+]] = %[[S]])
//       KERNEL:     %[[KS:.+]] = tensor.extract_slice %[[K]]
//       KERNEL:     %[[QS:.+]] = tensor.extract_slice %[[Q]]
//       KERNEL:     %[[NPAD:.+]] = tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 0, 0] [1, 2, %[[CLEN:.+]], %[[CLEN]]] [1, 1, 1, 1] : tensor<1x2x?x?xf32> into tensor<1x2x?x16xf32>
//       KERNEL:       vector.fma
//       KERNEL:     tensor.extract_slice %{{.+}}[0, 0, 0, 0] [1, 2, %[[CLEN]], %[[CLEN]]] [1, 1, 1, 1] : tensor<1x2x?x16xf32> to tensor<1x2x?x?xf32>
//       KERNEL:     %[[KE:.+]] = tensor.expand_shape %[[KS]] {{.*}} into tensor<1x2x1x?x16xf32>
//       KERNEL:     %[[WE:.+]] = tensor.expand_shape %[[W0]] {{\[}}[0], [1], [2, 3], [4, 5]] output_shape [1, 2, 1, 16, 1, 16]
//       KERNEL:     %[[WP:.+]] = linalg.generic {{.*}} ins(%[[WE]] : tensor<1x2x1x16x1x16xf32>) outs(%{{.+}} : tensor<1x2x1x1x16x16xf32>)
//       KERNEL:       vector.transfer_read %[[WP]]
//       KERNEL:       tensor.extract %[[KE]]
//       KERNEL:       vector.fma
//       KERNEL:     %[[SE:.+]] = tensor.expand_shape %[[S0]] {{\[}}[0], [1], [2, 3], [4, 5]] output_shape [1, 2, 1, 16, 1, 16]
//       KERNEL:       vector.fma
//       KERNEL:     %[[KT:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<1x2x?x1x16x16xf32>)
//       KERNEL:       tensor.extract %[[KS]]
//       KERNEL:       vector.transfer_read %[[KT]]
//       KERNEL:       vector.fma
//       KERNEL:     tensor.extract_slice %{{.+}}[0, 0, 0, 0] [1, 2, %[[LEN:.+]], %[[LEN]]] [1, 1, 1, 1] : tensor<1x2x?x16xf32> to tensor<1x2x?x?xf32>
//       KERNEL:     linalg.fill {{.*}} -> tensor<1x2x1x?x16xf32>
//       KERNEL:       vector.fma
//       KERNEL:     linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x2x?x16xf32>, tensor<1x2x1x?xf32>) outs(%{{.+}} : tensor<1x2x?x16xf32>)
//       KERNEL:       vector.fma
//       KERNEL:     linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x2x?x16xf32>, tensor<1x2x1x?xf32>) outs(%{{.+}} : tensor<1x2x?x16xf32>)
//       KERNEL:       vector.fma
//       KERNEL:     linalg.generic {{.*}} outs(%[[W0]] :
//       KERNEL:     linalg.generic {{.*}} outs(%[[S0]] :

/// At 8 lanes a row of 16 is 2 vectors: the state's panels are one block
/// 2 vectors wide, and each step multiply-adds 2 vectors per row.
// AVX2-LABEL: func.func @titans_kernels(
//       AVX2:   tensor.expand_shape %{{.+}} {{\[}}[0], [1], [2, 3], [4, 5]] output_shape [1, 2, 1, 16, 1, 16]
//       AVX2:   scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>,
//       AVX2:     vector.transfer_read {{.*}} : tensor<1x2x1x1x16x16xf32>, vector<8xf32>
//       AVX2:     vector.transfer_read {{.*}} : tensor<1x2x1x1x16x16xf32>, vector<8xf32>
//       AVX2:     vector.fma {{.*}} : vector<8xf32>
func.func @titans_kernels(%k: tensor<1x2x40x16xf32>, %v: tensor<1x2x40x16xf32>,
    %q: tensor<1x2x40x16xf32>, %theta: tensor<1x2x40xf32>, %eta: tensor<1x2x40xf32>,
    %alpha: tensor<1x2x40xf32>, %w: tensor<1x2x16x16xf32>, %s: tensor<1x2x16x16xf32>)
    -> (tensor<1x2x40x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) {
  %o, %w2, %s2 = longctx.titans_memory
      ins(%k, %v, %q : tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x40xf32>, tensor<1x2x40xf32>, tensor<1x2x40xf32>)
      state(%w, %s : tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>)
      chunk_length(16) -> tensor<1x2x40x16xf32>
  return %o, %w2, %s2 : tensor<1x2x40x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>
}
