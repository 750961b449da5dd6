// Infini-attention on the GPU: the host loop over 13 segments launches the
// attention, memory read and memory write kernels of each segment (delta
// rule: and the read of the keys) and carries the memory state; output and
// state against the NumPy reference from a non-zero state, for the delta
// and the linear rule, and with the memory ops on the host.
// REQUIRES: cuda-gpu
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=16 update-rule=delta" -o %t/many.mlir
// RUN: %PYTHON -m longctx.make_data infini --q 1,2,200,16 --kv-heads 1 --segment-length 16 --rule delta --seed 12 --out %t/d
// RUN: longctx-run %t/many.mlir --target=cuda --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --input %t/d/memory.npy --input %t/d/norm.npy --expected %t/d/expected.npy --expected %t/d/expected_memory.npy --expected %t/d/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/many.mlir --target=cuda --pipeline="longctx-lower-to-nvvm{format=isa memory-ops=false}" --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --input %t/d/memory.npy --input %t/d/norm.npy --expected %t/d/expected.npy --expected %t/d/expected_memory.npy --expected %t/d/expected_norm.npy | FileCheck %s
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=16 update-rule=linear" -o %t/linear.mlir
// RUN: %PYTHON -m longctx.make_data infini --q 1,2,200,16 --kv-heads 1 --segment-length 16 --rule linear --seed 13 --out %t/l
// RUN: longctx-run %t/linear.mlir --target=cuda --input %t/l/q.npy --input %t/l/k.npy --input %t/l/v.npy --input %t/l/gate.npy --input %t/l/memory.npy --input %t/l/norm.npy --expected %t/l/expected.npy --expected %t/l/expected_memory.npy --expected %t/l/expected_norm.npy | FileCheck %s

// CHECK: all 3 checked results match

func.func @main(%q: tensor<1x2x200x16xf32>, %k: tensor<1x1x200x16xf32>,
                %v: tensor<1x1x200x16xf32>) -> tensor<1x2x200x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x200x16xf32>,
         tensor<1x1x200x16xf32>, tensor<1x1x200x16xf32>) causal
         -> tensor<1x2x200x16xf32>
  return %o : tensor<1x2x200x16xf32>
}
