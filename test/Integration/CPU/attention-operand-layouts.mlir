// Transposes around attention as exporters write them (Q, K and V from
// [B, N, H, d] projections, K through K^T and back, the output through two
// transposes to [B, N, H, dv]) are read through by the lowering, not copied:
// the results still equal NumPy's. Odd sizes (77 tokens, head dims 20 and
// 12: no value kernel), grouped-query heads; a decode step whose keys are
// split (1100 keys: not whole key tiles), with the merge writing the
// transposed output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data attention --q 1,6,77,20 --kv 1,2,77,20 --dv 12 --causal --layout 0,2,1,3 --seed 5 --out %t/prefill
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,1,16 --kv 1,1,1100,16 --causal --layout 0,2,1,3 --seed 6 --out %t/decode
// RUN: longctx-run %s -e prefill --input %t/prefill/q.npy --input %t/prefill/k.npy --input %t/prefill/v.npy --expected %t/prefill/expected.npy | FileCheck %s
// RUN: longctx-run %s -e prefill --pipeline="longctx-lower-to-cpu{vector-kernels=false}" --input %t/prefill/q.npy --input %t/prefill/k.npy --input %t/prefill/v.npy --expected %t/prefill/expected.npy | FileCheck %s
// RUN: longctx-run %s -e decode --input %t/decode/q.npy --input %t/decode/k.npy --input %t/decode/v.npy --expected %t/decode/expected.npy | FileCheck %s
// RUN: longctx-run %s -e decode --pipeline="convert-longctx-to-linalg{key-split-threads=4},longctx-lower-to-cpu" --input %t/decode/q.npy --input %t/decode/k.npy --input %t/decode/v.npy --expected %t/decode/expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS

func.func @prefill(%q: tensor<1x77x6x20xf32>, %k: tensor<1x77x2x20xf32>,
                   %v: tensor<1x77x2x12xf32>) -> tensor<1x77x6x12xf32> {
  %eq = tensor.empty() : tensor<1x6x77x20xf32>
  %qt = linalg.transpose ins(%q : tensor<1x77x6x20xf32>)
          outs(%eq : tensor<1x6x77x20xf32>) permutation = [0, 2, 1, 3]
  %ek1 = tensor.empty() : tensor<1x2x20x77xf32>
  %kt1 = linalg.transpose ins(%k : tensor<1x77x2x20xf32>)
           outs(%ek1 : tensor<1x2x20x77xf32>) permutation = [0, 2, 3, 1]
  %ek = tensor.empty() : tensor<1x2x77x20xf32>
  %kt = linalg.transpose ins(%kt1 : tensor<1x2x20x77xf32>)
          outs(%ek : tensor<1x2x77x20xf32>) permutation = [0, 1, 3, 2]
  %ev = tensor.empty() : tensor<1x2x77x12xf32>
  %vt = linalg.transpose ins(%v : tensor<1x77x2x12xf32>)
          outs(%ev : tensor<1x2x77x12xf32>) permutation = [0, 2, 1, 3]
  %o = longctx.attention ins(%qt, %kt, %vt : tensor<1x6x77x20xf32>,
         tensor<1x2x77x20xf32>, tensor<1x2x77x12xf32>) causal
         -> tensor<1x6x77x12xf32>
  %eo1 = tensor.empty() : tensor<1x77x12x6xf32>
  %o1 = linalg.transpose ins(%o : tensor<1x6x77x12xf32>)
          outs(%eo1 : tensor<1x77x12x6xf32>) permutation = [0, 2, 3, 1]
  %eo = tensor.empty() : tensor<1x77x6x12xf32>
  %ot = linalg.transpose ins(%o1 : tensor<1x77x12x6xf32>)
          outs(%eo : tensor<1x77x6x12xf32>) permutation = [0, 1, 3, 2]
  return %ot : tensor<1x77x6x12xf32>
}

func.func @decode(%q: tensor<1x1x4x16xf32>, %k: tensor<1x1100x1x16xf32>,
                  %v: tensor<1x1100x1x16xf32>) -> tensor<1x1x4x16xf32> {
  %eq = tensor.empty() : tensor<1x4x1x16xf32>
  %qt = linalg.transpose ins(%q : tensor<1x1x4x16xf32>)
          outs(%eq : tensor<1x4x1x16xf32>) permutation = [0, 2, 1, 3]
  %ek = tensor.empty() : tensor<1x1x1100x16xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1100x1x16xf32>)
          outs(%ek : tensor<1x1x1100x16xf32>) permutation = [0, 2, 1, 3]
  %ev = tensor.empty() : tensor<1x1x1100x16xf32>
  %vt = linalg.transpose ins(%v : tensor<1x1100x1x16xf32>)
          outs(%ev : tensor<1x1x1100x16xf32>) permutation = [0, 2, 1, 3]
  %o = longctx.attention ins(%qt, %kt, %vt : tensor<1x4x1x16xf32>,
         tensor<1x1x1100x16xf32>, tensor<1x1x1100x16xf32>) causal
         -> tensor<1x4x1x16xf32>
  %eo = tensor.empty() : tensor<1x1x4x16xf32>
  %ot = linalg.transpose ins(%o : tensor<1x4x1x16xf32>)
          outs(%eo : tensor<1x1x4x16xf32>) permutation = [0, 2, 1, 3]
  return %ot : tensor<1x1x4x16xf32>
}
