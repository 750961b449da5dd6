// Titans memory-as-a-gate through --target=cuda on a stand-in driver, three
// streamed calls: each call launches its attention kernel (persistent tokens
// plus the call's tokens) and the Titans chunk recurrence runs on the host;
// the memory weights and momentum carried from call to call match the NumPy
// reference. The stand-in runs no kernel, so the output (result 0) differs.
// RUN: rm -rf %t && mkdir -p %t
// RUN: clang -shared -fPIC %S/Inputs/fake_libcuda.c -o %t/libcuda.so.1
// RUN: longctx-opt %s --longctx-attention-to-titans="chunk-length=16 persistent-tokens=4" -o %t/mag.mlir
// RUN: %PYTHON -m longctx.make_data mag --q 1,2,64,16 --dv 8 --calls 3 --persistent 4 --chunk-length 16 --seed 61 --out %t/d
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 %PYTHON %S/Inputs/exit_code.py longctx-run %t/mag.mlir --target=cuda --stream-tokens 192 --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/pk.npy --input %t/d/pv.npy --input %t/d/theta.npy --input %t/d/eta.npy --input %t/d/alpha.npy --expected %t/d/expected.npy --expected %t/d/expected_weights.npy --expected %t/d/expected_momentum.npy > %t/log 2>&1
// RUN: FileCheck %s < %t/log
// RUN: grep -c 'cuLaunchKernel grid 1x2x1 block 128x1x1' %t/log | FileCheck %s --check-prefix=LAUNCHES

// CHECK: result 0: {{.*}} FAIL
// CHECK: result 1: {{.*}} PASS
// CHECK: result 2: {{.*}} PASS
// CHECK: exit code 2
// LAUNCHES: 3

func.func @main(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                %v: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x64x16xf32>,
         tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>) causal
         -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
