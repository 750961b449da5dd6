// A new stream (M = 0, z = 0): the first segment's memory read is exactly 0
// and the gate still applies, so its output is (1 - sigmoid(0.7)) times local
// attention; later segments read the memory. Checked for both rules against
// the reference, and the first segment against plain causal attention.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=64 update-rule=linear gate-init=0.7" -o %t/linear.mlir
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=64 update-rule=delta gate-init=0.7" -o %t/delta.mlir
// RUN: %PYTHON -m longctx.make_data infini --q 1,2,160,8 --kv-heads 2 --segment-length 64 --rule linear --zero-state --gate 0.7 --seed 13 --out %t/lin
// RUN: %PYTHON -m longctx.make_data infini --q 1,2,160,8 --kv-heads 2 --segment-length 64 --rule delta --zero-state --gate 0.7 --seed 13 --out %t/del
// RUN: longctx-run %t/linear.mlir --input %t/lin/q.npy --input %t/lin/k.npy --input %t/lin/v.npy --expected %t/lin/expected.npy --expected %t/lin/expected_memory.npy --expected %t/lin/expected_norm.npy --output-dir %t/out | FileCheck %s
// RUN: longctx-run %t/delta.mlir --input %t/del/q.npy --input %t/del/k.npy --input %t/del/v.npy --expected %t/del/expected.npy --expected %t/del/expected_memory.npy --expected %t/del/expected_norm.npy | FileCheck %s
// RUN: %PYTHON %S/Inputs/check_first_segment.py %t/lin %t/out/result0.npy 64 0.7 | FileCheck %s --check-prefix=FIRST

// CHECK: all 3 checked results match
// FIRST: first segment = (1 - sigmoid(gate)) * causal attention: max err {{[0-9.e-]+}} OK

func.func @main(%q: tensor<1x2x160x8xf32>, %k: tensor<1x2x160x8xf32>,
                %v: tensor<1x2x160x8xf32>) -> tensor<1x2x160x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x160x8xf32>,
         tensor<1x2x160x8xf32>, tensor<1x2x160x8xf32>) causal
         -> tensor<1x2x160x8xf32>
  return %o : tensor<1x2x160x8xf32>
}
