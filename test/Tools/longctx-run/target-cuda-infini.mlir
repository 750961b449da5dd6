// Infini-attention through --target=cuda on a stand-in driver: the segment
// recurrence is a host loop that launches one attention kernel per segment
// (13 segments of 16 tokens over 200), and the memory state it carries
// (memory ops on the host) matches the NumPy reference. The stand-in runs no
// kernel, so the attention output (result 0) cannot match.
// RUN: rm -rf %t && mkdir -p %t
// RUN: clang -shared -fPIC %S/Inputs/fake_libcuda.c -o %t/libcuda.so.1
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=16 update-rule=delta" -o %t/many.mlir
// RUN: %PYTHON -m longctx.make_data infini --q 1,2,200,16 --kv-heads 1 --segment-length 16 --rule delta --seed 12 --out %t/d
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 %PYTHON %S/Inputs/exit_code.py longctx-run %t/many.mlir --target=cuda --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --input %t/d/memory.npy --input %t/d/norm.npy --expected %t/d/expected.npy --expected %t/d/expected_memory.npy --expected %t/d/expected_norm.npy > %t/log 2>&1
// RUN: FileCheck %s < %t/log
// RUN: grep -c 'cuLaunchKernel grid 1x2x1 block 128x1x1' %t/log | FileCheck %s --check-prefix=LAUNCHES

// CHECK: result 0: {{.*}} FAIL
// CHECK: result 1: {{.*}} PASS
// CHECK: result 2: {{.*}} PASS
// CHECK: exit code 2
// LAUNCHES: 13

func.func @main(%q: tensor<1x2x200x16xf32>, %k: tensor<1x1x200x16xf32>,
                %v: tensor<1x1x200x16xf32>) -> tensor<1x2x200x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x200x16xf32>,
         tensor<1x1x200x16xf32>, tensor<1x1x200x16xf32>) causal
         -> tensor<1x2x200x16xf32>
  return %o : tensor<1x2x200x16xf32>
}
