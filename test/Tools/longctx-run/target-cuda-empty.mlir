// Dynamic sequence lengths of 0 queries through --target=cuda on a stand-in
// driver: nothing is allocated for the empty arrays and no kernel is
// launched (the grid has no blocks); the empty result comes back.
// RUN: rm -rf %t && mkdir -p %t
// RUN: clang -shared -fPIC %S/Inputs/fake_libcuda.c -o %t/libcuda.so.1
// RUN: %PYTHON -c "import numpy as np; np.save('%t/q.npy', np.zeros((1, 2, 0, 16), np.float32)); np.save('%t/k.npy', np.ones((1, 2, 5, 16), np.float32)); np.save('%t/e.npy', np.zeros((1, 2, 0, 16), np.float32))"
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 longctx-run %s --target=cuda --input %t/q.npy --input %t/k.npy --input %t/k.npy --expected %t/e.npy > %t/log 2>&1
// RUN: FileCheck %s < %t/log

// CHECK-NOT: cuLaunchKernel
// CHECK-NOT: cuMemAlloc 0 bytes
// CHECK: fake-cuda: cuMemAlloc 640 bytes
// CHECK: fake-cuda: cuMemAlloc 640 bytes
// CHECK-NOT: cuLaunchKernel
// CHECK: result 0: {{.*}} PASS

func.func @main(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>,
                %v: tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x?x16xf32>,
         tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) causal
         -> tensor<1x2x?x16xf32>
  return %o : tensor<1x2x?x16xf32>
}
