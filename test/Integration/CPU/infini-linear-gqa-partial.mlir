// Infini-attention, linear rule, GQA (4 query heads over 2 memories), 300
// tokens in segments of 128 (the last one has 44), starting from a non-zero
// state, per-head random gates. Output and new state vs the NumPy reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data infini --q 2,4,300,16 --kv-heads 2 --dv 8 --segment-length 128 --rule linear --seed 11 --out %t/d
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=128 update-rule=linear" -o %t/infini.mlir
// RUN: longctx-run %t/infini.mlir --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --input %t/d/memory.npy --input %t/d/norm.npy --expected %t/d/expected.npy --expected %t/d/expected_memory.npy --expected %t/d/expected_norm.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS
// CHECK: result 1: {{.*}} PASS
// CHECK: result 2: {{.*}} PASS

func.func @main(%q: tensor<2x4x300x16xf32>, %k: tensor<2x2x300x16xf32>,
                %v: tensor<2x2x300x8xf32>) -> tensor<2x4x300x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x300x16xf32>,
         tensor<2x2x300x16xf32>, tensor<2x2x300x8xf32>) causal
         -> tensor<2x4x300x8xf32>
  return %o : tensor<2x4x300x8xf32>
}
