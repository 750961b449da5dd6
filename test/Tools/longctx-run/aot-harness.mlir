// The ahead-of-time path of tools/bench-gpu.sh: the module lowered by
// longctx-lower-to-nvvm, translated to LLVM IR and linked with the harness
// and the runtime runs with no LLVM/MLIR at run time. On the stand-in
// driver: the kernel is loaded from a global constructor before any other
// constructor of the program has run, looked up and launched once per call.
// RUN: rm -rf %t && mkdir -p %t
// RUN: clang -shared -fPIC %S/Inputs/fake_libcuda.c -o %t/libcuda.so.1
// RUN: longctx-opt %s --longctx-lower-to-nvvm="chip=sm_90" -o %t/lowered.mlir
// RUN: mlir-translate --mlir-to-llvmir %t/lowered.mlir -o %t/attention.ll
// RUN: clang++ -O1 -Wno-override-module %longctx_src/tools/bench-gpu/harness.cpp %t/attention.ll %longctx_src/lib/Runtime/CUDA/CudaRuntime.cpp -ldl -o %t/attention
// RUN: %PYTHON -c "import numpy as np; [np.save('%t/' + n + '.npy', np.ones(s, np.float32)) for n, s in (('q', (1, 4, 100, 16)), ('k', (1, 2, 100, 16)), ('v', (1, 2, 100, 16)))]"
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 LONGCTX_CUDA_KERNEL_TIMING=1 %t/attention %t/q.npy %t/k.npy %t/v.npy %t/out.npy 2 > %t/log 2>&1
// RUN: FileCheck %s < %t/log
// RUN: %PYTHON -c "import numpy as np; print(np.load('%t/out.npy').shape)" | FileCheck %s --check-prefix=SHAPE
// RUN: env LONGCTX_CUDA_DRIVER=%t/missing.so %PYTHON %S/Inputs/exit_code.py %t/attention %t/q.npy %t/k.npy %t/v.npy %t/out.npy 1 2>&1 | FileCheck %s --check-prefix=NODRIVER

// CHECK: fake-cuda: cuModuleLoadDataEx: PTX .target sm_90
// CHECK: longctx-aot: target cuda: Fake GPU, sm_80, 2 SMs, 1000 MHz
// CHECK-COUNT-2: fake-cuda: cuLaunchKernel grid 1x4x1 block 128x1x1 dynamic shared 0
// CHECK: longctx-cuda-runtime: 2 kernel launches
// SHAPE: (1, 4, 100, 16)
// NODRIVER: longctx-cuda-runtime: error: no CUDA driver/device: cannot load the CUDA driver '{{.*}}missing.so'
// NODRIVER: exit code 1

func.func @attention(%q: tensor<1x4x100x16xf32>, %k: tensor<1x2x100x16xf32>,
                     %v: tensor<1x2x100x16xf32>) -> tensor<1x4x100x16xf32>
    attributes {llvm.emit_c_interface} {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x100x16xf32>,
         tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) causal
         -> tensor<1x4x100x16xf32>
  return %o : tensor<1x4x100x16xf32>
}
