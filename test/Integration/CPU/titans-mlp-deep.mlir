// Titans with a depth-3 MLP memory (widths 8 -> 16 -> 12 -> 4; SiLU and
// GELU): the compiled chunked form (forward through every layer, generated
// backward, one weighted backward per chunk and state) vs the NumPy token
// recurrence with its layer-by-layer backward. Chunk lengths 1 (exact
// recurrence) and 16 over 100 tokens; eta = alpha = 0 from a zero state;
// f64 to rounding; and a depth-4 memory (8 -> 16 -> 12 -> 6 -> 4).
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed -e 's/chunk_length(16)/chunk_length(1)/' %s > %t/c1.mlir
// RUN: sed -e 's/chunk_length(16)/chunk_length(16) activation(gelu)/' %s > %t/gelu.mlir
// RUN: sed -e 's/xf32>/xf64>/g' %s > %t/f64.mlir
// RUN: sed -n -e 's|^//D4 ||p' %s > %t/depth4.mlir
// RUN: %PYTHON -m longctx.make_data titans --hidden 16,12 --q 1,2,100,8 --dv 4 --chunk-length 1 --seed 71 --out %t/d1
// RUN: %PYTHON -m longctx.make_data titans --hidden 16,12 --q 1,2,100,8 --dv 4 --chunk-length 16 --seed 71 --out %t/d16
// RUN: %PYTHON -m longctx.make_data titans --hidden 16,12 --q 1,2,100,8 --dv 4 --chunk-length 16 --activation gelu --seed 72 --out %t/g
// RUN: %PYTHON -m longctx.make_data titans --hidden 16,12 --q 1,2,100,8 --dv 4 --chunk-length 16 --no-decay --zero-state --seed 73 --out %t/d0
// RUN: %PYTHON -m longctx.make_data titans --hidden 16,12 --q 1,2,100,8 --dv 4 --chunk-length 16 --dtype float64 --seed 74 --out %t/f
// RUN: %PYTHON -m longctx.make_data titans --hidden 16,12,6 --q 1,2,100,8 --dv 4 --chunk-length 16 --seed 75 --out %t/d4
// RUN: longctx-run %t/c1.mlir --input %t/d1/k.npy --input %t/d1/v.npy --input %t/d1/q.npy --input %t/d1/theta.npy --input %t/d1/eta.npy --input %t/d1/alpha.npy --input %t/d1/w1.npy --input %t/d1/w2.npy --input %t/d1/w3.npy --input %t/d1/s1.npy --input %t/d1/s2.npy --input %t/d1/s3.npy --expected %t/d1/expected.npy --expected %t/d1/expected_w1.npy --expected %t/d1/expected_w2.npy --expected %t/d1/expected_w3.npy --expected %t/d1/expected_s1.npy --expected %t/d1/expected_s2.npy --expected %t/d1/expected_s3.npy | FileCheck %s
// RUN: longctx-run %s --input %t/d16/k.npy --input %t/d16/v.npy --input %t/d16/q.npy --input %t/d16/theta.npy --input %t/d16/eta.npy --input %t/d16/alpha.npy --input %t/d16/w1.npy --input %t/d16/w2.npy --input %t/d16/w3.npy --input %t/d16/s1.npy --input %t/d16/s2.npy --input %t/d16/s3.npy --expected %t/d16/expected.npy --expected %t/d16/expected_w1.npy --expected %t/d16/expected_w2.npy --expected %t/d16/expected_w3.npy --expected %t/d16/expected_s1.npy --expected %t/d16/expected_s2.npy --expected %t/d16/expected_s3.npy | FileCheck %s
// RUN: longctx-run %t/gelu.mlir --input %t/g/k.npy --input %t/g/v.npy --input %t/g/q.npy --input %t/g/theta.npy --input %t/g/eta.npy --input %t/g/alpha.npy --input %t/g/w1.npy --input %t/g/w2.npy --input %t/g/w3.npy --input %t/g/s1.npy --input %t/g/s2.npy --input %t/g/s3.npy --expected %t/g/expected.npy --expected %t/g/expected_w1.npy --expected %t/g/expected_w2.npy --expected %t/g/expected_w3.npy --expected %t/g/expected_s1.npy --expected %t/g/expected_s2.npy --expected %t/g/expected_s3.npy | FileCheck %s
// RUN: longctx-run %s --input %t/d0/k.npy --input %t/d0/v.npy --input %t/d0/q.npy --input %t/d0/theta.npy --input %t/d0/eta.npy --input %t/d0/alpha.npy --input %t/d0/w1.npy --input %t/d0/w2.npy --input %t/d0/w3.npy --input %t/d0/s1.npy --input %t/d0/s2.npy --input %t/d0/s3.npy --expected %t/d0/expected.npy --expected %t/d0/expected_w1.npy --expected %t/d0/expected_w2.npy --expected %t/d0/expected_w3.npy --expected %t/d0/expected_s1.npy --expected %t/d0/expected_s2.npy --expected %t/d0/expected_s3.npy | FileCheck %s
// RUN: longctx-run %t/f64.mlir --atol 1e-10 --rtol 1e-10 --input %t/f/k.npy --input %t/f/v.npy --input %t/f/q.npy --input %t/f/theta.npy --input %t/f/eta.npy --input %t/f/alpha.npy --input %t/f/w1.npy --input %t/f/w2.npy --input %t/f/w3.npy --input %t/f/s1.npy --input %t/f/s2.npy --input %t/f/s3.npy --expected %t/f/expected.npy --expected %t/f/expected_w1.npy --expected %t/f/expected_w2.npy --expected %t/f/expected_w3.npy --expected %t/f/expected_s1.npy --expected %t/f/expected_s2.npy --expected %t/f/expected_s3.npy | FileCheck %s
// RUN: longctx-run %t/depth4.mlir --input %t/d4/k.npy --input %t/d4/v.npy --input %t/d4/q.npy --input %t/d4/theta.npy --input %t/d4/eta.npy --input %t/d4/alpha.npy --input %t/d4/w1.npy --input %t/d4/w2.npy --input %t/d4/w3.npy --input %t/d4/w4.npy --input %t/d4/s1.npy --input %t/d4/s2.npy --input %t/d4/s3.npy --input %t/d4/s4.npy --expected %t/d4/expected.npy --expected %t/d4/expected_w1.npy --expected %t/d4/expected_w2.npy --expected %t/d4/expected_w3.npy --expected %t/d4/expected_w4.npy --expected %t/d4/expected_s1.npy --expected %t/d4/expected_s2.npy --expected %t/d4/expected_s3.npy --expected %t/d4/expected_s4.npy | FileCheck %s --check-prefix=DEPTH4

// CHECK: all 7 checked results match
// DEPTH4: all 9 checked results match

func.func @main(%k: tensor<1x2x100x8xf32>, %v: tensor<1x2x100x4xf32>,
                %q: tensor<1x2x100x8xf32>, %theta: tensor<1x2x100xf32>,
                %eta: tensor<1x2x100xf32>, %alpha: tensor<1x2x100xf32>,
                %w1: tensor<1x2x8x16xf32>, %w2: tensor<1x2x16x12xf32>,
                %w3: tensor<1x2x12x4xf32>, %s1: tensor<1x2x8x16xf32>,
                %s2: tensor<1x2x16x12xf32>, %s3: tensor<1x2x12x4xf32>)
    -> (tensor<1x2x100x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>,
        tensor<1x2x12x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>,
        tensor<1x2x12x4xf32>) {
  %o, %w1n, %w2n, %w3n, %s1n, %s2n, %s3n = longctx.titans_mlp_memory
      ins(%k, %v, %q : tensor<1x2x100x8xf32>, tensor<1x2x100x4xf32>, tensor<1x2x100x8xf32>)
      rates(%theta, %eta, %alpha : tensor<1x2x100xf32>, tensor<1x2x100xf32>, tensor<1x2x100xf32>)
      weights(%w1, %w2, %w3 : tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>)
      momentum(%s1, %s2, %s3 : tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>)
      chunk_length(16) -> tensor<1x2x100x4xf32>
  return %o, %w1n, %w2n, %w3n, %s1n, %s2n, %s3n : tensor<1x2x100x4xf32>,
      tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>,
      tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x4xf32>
}

// The depth-4 memory, extracted by the sed line above.
//D4 func.func @main(%k: tensor<1x2x100x8xf32>, %v: tensor<1x2x100x4xf32>,
//D4                 %q: tensor<1x2x100x8xf32>, %theta: tensor<1x2x100xf32>,
//D4                 %eta: tensor<1x2x100xf32>, %alpha: tensor<1x2x100xf32>,
//D4                 %w1: tensor<1x2x8x16xf32>, %w2: tensor<1x2x16x12xf32>,
//D4                 %w3: tensor<1x2x12x6xf32>, %w4: tensor<1x2x6x4xf32>,
//D4                 %s1: tensor<1x2x8x16xf32>, %s2: tensor<1x2x16x12xf32>,
//D4                 %s3: tensor<1x2x12x6xf32>, %s4: tensor<1x2x6x4xf32>)
//D4     -> (tensor<1x2x100x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>,
//D4         tensor<1x2x12x6xf32>, tensor<1x2x6x4xf32>, tensor<1x2x8x16xf32>,
//D4         tensor<1x2x16x12xf32>, tensor<1x2x12x6xf32>, tensor<1x2x6x4xf32>) {
//D4   %o, %w:4, %s:4 = longctx.titans_mlp_memory
//D4       ins(%k, %v, %q : tensor<1x2x100x8xf32>, tensor<1x2x100x4xf32>, tensor<1x2x100x8xf32>)
//D4       rates(%theta, %eta, %alpha : tensor<1x2x100xf32>, tensor<1x2x100xf32>, tensor<1x2x100xf32>)
//D4       weights(%w1, %w2, %w3, %w4 : tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x6xf32>, tensor<1x2x6x4xf32>)
//D4       momentum(%s1, %s2, %s3, %s4 : tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x6xf32>, tensor<1x2x6x4xf32>)
//D4       chunk_length(16) -> tensor<1x2x100x4xf32>
//D4   return %o, %w#0, %w#1, %w#2, %w#3, %s#0, %s#1, %s#2, %s#3 : tensor<1x2x100x4xf32>,
//D4       tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x6xf32>, tensor<1x2x6x4xf32>,
//D4       tensor<1x2x8x16xf32>, tensor<1x2x16x12xf32>, tensor<1x2x12x6xf32>, tensor<1x2x6x4xf32>
//D4 }
