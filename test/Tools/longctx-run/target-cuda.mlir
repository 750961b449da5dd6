// --target=cuda: without a driver (or with the toolkit's stub) a clear
// message and exit code 1; with a stand-in driver, the host side of the
// compiled code: device chosen, PTX for its chip, copies, launch geometry.
// RUN: rm -rf %t && mkdir -p %t
// RUN: env LONGCTX_CUDA_DRIVER=%t/missing/libcuda.so.1 %PYTHON %S/Inputs/exit_code.py longctx-run %s --target=cuda 2>&1 | FileCheck %s --check-prefix=NODRIVER
// RUN: not longctx-run %s --target=tpu 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not longctx-run %s --pipeline=longctx-lower-to-nvvm 2>&1 | FileCheck %s --check-prefix=CPUGPU
// RUN: clang -shared -fPIC %S/Inputs/fake_libcuda.c -o %t/libcuda.so.1
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 longctx-run %s --target=cuda 2>&1 | FileCheck %s --check-prefix=FAKE
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 LONGCTX_CUDA_KERNEL_TIMING=1 longctx-run %s --target=cuda --repeat 3 2>&1 | FileCheck %s --check-prefix=TIMING
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 longctx-run %s --target=cuda --pipeline="longctx-lower-to-nvvm{chip=sm_90 format=isa query-tile-size=64}" 2>&1 | FileCheck %s --check-prefix=PIPE

// NODRIVER: longctx-run: error: no CUDA driver/device: cannot load the CUDA driver '{{.*}}/missing/libcuda.so.1': {{.*}}
// NODRIVER: exit code 1
// TARGET: longctx-run: error: unknown --target 'tpu' (expected cpu or cuda)
// CPUGPU: longctx-run: error: the pipeline produced GPU code (gpu.binary); run it with --target=cuda

// The default pipeline targets the device's chip (sm_80 here) as PTX that
// the driver compiles; the kernel is looked up by name and launched over
// (ceil(100 / 128), 4 heads, 2 batches) blocks of 128 threads.
// FAKE: longctx-run: target cuda: Fake GPU, sm_80, 2 SMs, 1000 MHz
// FAKE: fake-cuda: cuModuleLoadDataEx: PTX .target sm_80
// Q (2*4*100*16 floats), K and V (2*2*100*16) to the device, O back.
// FAKE: fake-cuda: cuMemAlloc 51200 bytes
// FAKE: fake-cuda: cuMemcpyAsync 51200 bytes
// FAKE: fake-cuda: cuMemAlloc 25600 bytes
// FAKE: fake-cuda: cuMemcpyAsync 25600 bytes
// FAKE: fake-cuda: cuMemAlloc 25600 bytes
// FAKE: fake-cuda: cuMemcpyAsync 25600 bytes
// FAKE: fake-cuda: cuMemAlloc 51200 bytes
// FAKE: fake-cuda: cuModuleGetFunction longctx_gpu_attention_kernel
// FAKE: fake-cuda: cuLaunchKernel grid 1x4x2 block 128x1x1 dynamic shared 0
// FAKE: fake-cuda: cuMemcpyAsync 51200 bytes
// FAKE: fake-cuda: cuModuleUnload, 0 live allocations

// TIMING: longctx-cuda-runtime: 3 kernel launches, best {{[0-9.]+}} ms, total {{[0-9.]+}} ms

// PIPE-NOT: target sm_80
// PIPE: fake-cuda: cuModuleLoadDataEx: PTX .target sm_90
// PIPE: fake-cuda: cuLaunchKernel grid 2x4x2 block 64x1x1 dynamic shared 0

func.func @main(%q: tensor<2x4x100x16xf32>, %k: tensor<2x2x100x16xf32>,
                %v: tensor<2x2x100x16xf32>) -> tensor<2x4x100x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x100x16xf32>,
         tensor<2x2x100x16xf32>, tensor<2x2x100x16xf32>) causal
         -> tensor<2x4x100x16xf32>
  return %o : tensor<2x4x100x16xf32>
}
