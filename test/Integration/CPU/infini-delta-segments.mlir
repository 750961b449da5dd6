// Infini-attention with the delta rule over 1 segment (S >= N), exactly 2
// segments, and many segments (13, the last partial), each vs the NumPy
// reference from a non-zero state. The memory read (sigma(Q) M, dv = 16)
// runs as a register-blocked kernel for every vector shape: 16, 8, 4 lanes.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=256 update-rule=delta" -o %t/one.mlir
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=100 update-rule=delta" -o %t/two.mlir
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=16 update-rule=delta" -o %t/many.mlir
// RUN: %PYTHON -m longctx.make_data infini --q 1,2,200,16 --kv-heads 1 --segment-length 256 --rule delta --seed 12 --out %t/d1
// RUN: %PYTHON -m longctx.make_data infini --q 1,2,200,16 --kv-heads 1 --segment-length 100 --rule delta --seed 12 --out %t/d2
// RUN: %PYTHON -m longctx.make_data infini --q 1,2,200,16 --kv-heads 1 --segment-length 16 --rule delta --seed 12 --out %t/d3
// RUN: longctx-run %t/one.mlir --input %t/d1/q.npy --input %t/d1/k.npy --input %t/d1/v.npy --input %t/d1/gate.npy --input %t/d1/memory.npy --input %t/d1/norm.npy --expected %t/d1/expected.npy --expected %t/d1/expected_memory.npy --expected %t/d1/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/two.mlir --input %t/d2/q.npy --input %t/d2/k.npy --input %t/d2/v.npy --input %t/d2/gate.npy --input %t/d2/memory.npy --input %t/d2/norm.npy --expected %t/d2/expected.npy --expected %t/d2/expected_memory.npy --expected %t/d2/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/many.mlir --input %t/d3/q.npy --input %t/d3/k.npy --input %t/d3/v.npy --input %t/d3/gate.npy --input %t/d3/memory.npy --input %t/d3/norm.npy --expected %t/d3/expected.npy --expected %t/d3/expected_memory.npy --expected %t/d3/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/many.mlir --pipeline="longctx-lower-to-cpu{vector-lanes=16}" --input %t/d3/q.npy --input %t/d3/k.npy --input %t/d3/v.npy --input %t/d3/gate.npy --input %t/d3/memory.npy --input %t/d3/norm.npy --expected %t/d3/expected.npy --expected %t/d3/expected_memory.npy --expected %t/d3/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/many.mlir --pipeline="longctx-lower-to-cpu{vector-lanes=8}" --input %t/d3/q.npy --input %t/d3/k.npy --input %t/d3/v.npy --input %t/d3/gate.npy --input %t/d3/memory.npy --input %t/d3/norm.npy --expected %t/d3/expected.npy --expected %t/d3/expected_memory.npy --expected %t/d3/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/many.mlir --pipeline="longctx-lower-to-cpu{vector-lanes=4}" --input %t/d3/q.npy --input %t/d3/k.npy --input %t/d3/v.npy --input %t/d3/gate.npy --input %t/d3/memory.npy --input %t/d3/norm.npy --expected %t/d3/expected.npy --expected %t/d3/expected_memory.npy --expected %t/d3/expected_norm.npy | FileCheck %s

// CHECK: all 3 checked results match

func.func @main(%q: tensor<1x2x200x16xf32>, %k: tensor<1x1x200x16xf32>,
                %v: tensor<1x1x200x16xf32>) -> tensor<1x2x200x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x200x16xf32>,
         tensor<1x1x200x16xf32>, tensor<1x1x200x16xf32>) causal
         -> tensor<1x2x200x16xf32>
  return %o : tensor<1x2x200x16xf32>
}
