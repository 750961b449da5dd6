// Decoding reads K and V where they are (no packed panels) when a query tile
// has at most 8 rows (query heads per key/value head x queries): the score
// kernel's dot products and the value kernel over the tile's rows as one
// dim, vs the NumPy reference. Odd sizes: head dim 36 (a masked last chunk
// at 16 and 8 lanes), value dim 48, 777 and 1100 keys (not whole key
// tiles); grouped-query heads; two queries with a sliding window; with and
// without key splits; a value dim of 12 (P V on the generic, scores in
// place); 16, 8 and 4 lanes; decoding key tiles of 512 (the
// default), 64, 48 and 32, and of 20 (not whole vectors: K and V packed).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data attention --q 1,8,1,36 --kv 1,2,777,36 --dv 48 --causal --seed 81 --out %t/gqa
// RUN: longctx-opt %s --convert-longctx-to-linalg="key-split-threads=2" | FileCheck %s --check-prefix=IR
// RUN: longctx-run %s -e gqa --input %t/gqa/q.npy --input %t/gqa/k.npy --input %t/gqa/v.npy --expected %t/gqa/expected.npy | FileCheck %s
// RUN: longctx-run %s -e gqa --pipeline="convert-longctx-to-linalg{key-split-threads=0 decode-key-tile-size=48},longctx-lower-to-cpu" --input %t/gqa/q.npy --input %t/gqa/k.npy --input %t/gqa/v.npy --expected %t/gqa/expected.npy | FileCheck %s
// RUN: longctx-run %s -e gqa --pipeline="longctx-lower-to-cpu{vector-lanes=8 vector-accumulators=12 vector-registers=16 decode-key-tile-size=64}" --input %t/gqa/q.npy --input %t/gqa/k.npy --input %t/gqa/v.npy --expected %t/gqa/expected.npy | FileCheck %s
// RUN: longctx-run %s -e gqa --pipeline="longctx-lower-to-cpu{vector-lanes=4 threads=false}" --input %t/gqa/q.npy --input %t/gqa/k.npy --input %t/gqa/v.npy --expected %t/gqa/expected.npy | FileCheck %s
// RUN: longctx-run %s -e gqa --pipeline="convert-longctx-to-linalg{decode-key-tile-size=20},longctx-lower-to-cpu" --input %t/gqa/q.npy --input %t/gqa/k.npy --input %t/gqa/v.npy --expected %t/gqa/expected.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,2,64 --kv 1,1,1100,64 --causal --window 100 --seed 82 --out %t/rows8
// RUN: longctx-run %s -e rows8 --input %t/rows8/q.npy --input %t/rows8/k.npy --input %t/rows8/v.npy --expected %t/rows8/expected.npy | FileCheck %s
// RUN: longctx-run %s -e rows8 --pipeline="convert-longctx-to-linalg{key-split-threads=0 decode-key-tile-size=32},longctx-lower-to-cpu" --input %t/rows8/q.npy --input %t/rows8/k.npy --input %t/rows8/v.npy --expected %t/rows8/expected.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,1,20 --kv 1,1,300,20 --dv 12 --causal --seed 84 --out %t/odd
// RUN: longctx-run %s -e odd_values --input %t/odd/q.npy --input %t/odd/k.npy --input %t/odd/v.npy --expected %t/odd/expected.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 1,3,1,48 --kv 1,3,500,48 --causal --seed 83 --out %t/mha
// RUN: longctx-run %s -e mha --input %t/mha/q.npy --input %t/mha/k.npy --input %t/mha/v.npy --expected %t/mha/expected.npy | FileCheck %s

// CHECK: all 1 checked results match

// In place: no 6-D packed panels; a dot product a key (the last chunk of the
// head dim masked), summed across the lanes; the value kernel over the
// tile's 4 rows.
// IR-LABEL: func.func @gqa(
//   IR-NOT:   tensor<1x2x{{[0-9]+}}x{{[0-9]+}}x{{[0-9]+}}x{{[0-9]+}}xf32>
//       IR:   vector.transfer_read %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}, %c32], %{{.+}} : tensor<1x2x777x36xf32>, vector<16xf32>
//       IR:   vector.reduction <add>
//       IR:   tensor.collapse_shape {{.*}} into tensor<1x1x4x48xf32>
//       IR:   return
func.func @gqa(%q: tensor<1x8x1x36xf32>, %k: tensor<1x2x777x36xf32>,
               %v: tensor<1x2x777x48xf32>) -> tensor<1x8x1x48xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x1x36xf32>,
         tensor<1x2x777x36xf32>, tensor<1x2x777x48xf32>) causal
         -> tensor<1x8x1x48xf32>
  return %o : tensor<1x8x1x48xf32>
}

func.func @rows8(%q: tensor<1x4x2x64xf32>, %k: tensor<1x1x1100x64xf32>,
                 %v: tensor<1x1x1100x64xf32>) -> tensor<1x4x2x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x2x64xf32>,
         tensor<1x1x1100x64xf32>, tensor<1x1x1100x64xf32>) causal window(100)
         -> tensor<1x4x2x64xf32>
  return %o : tensor<1x4x2x64xf32>
}

func.func @mha(%q: tensor<1x3x1x48xf32>, %k: tensor<1x3x500x48xf32>,
               %v: tensor<1x3x500x48xf32>) -> tensor<1x3x1x48xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x3x1x48xf32>,
         tensor<1x3x500x48xf32>, tensor<1x3x500x48xf32>) causal
         -> tensor<1x3x1x48xf32>
  return %o : tensor<1x3x1x48xf32>
}

func.func @odd_values(%q: tensor<1x4x1x20xf32>, %k: tensor<1x1x300x20xf32>,
                      %v: tensor<1x1x300x12xf32>) -> tensor<1x4x1x12xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x1x20xf32>,
         tensor<1x1x300x20xf32>, tensor<1x1x300x12xf32>) causal
         -> tensor<1x4x1x12xf32>
  return %o : tensor<1x4x1x12xf32>
}
