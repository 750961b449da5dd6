// Driver errors under --target=cuda are reported with the failing call, the
// error name and the driver's text, and exit code 1 (stand-in driver).
// RUN: rm -rf %t && mkdir -p %t
// RUN: clang -shared -fPIC %S/Inputs/fake_libcuda.c -o %t/libcuda.so.1
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 FAKE_CUDA_FAIL=cuInit %PYTHON %S/Inputs/exit_code.py longctx-run %s --target=cuda 2>&1 | FileCheck %s --check-prefix=INIT
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 FAKE_CUDA_DEVICES=0 %PYTHON %S/Inputs/exit_code.py longctx-run %s --target=cuda 2>&1 | FileCheck %s --check-prefix=NODEVICE
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 LONGCTX_CUDA_DEVICE=3 %PYTHON %S/Inputs/exit_code.py longctx-run %s --target=cuda 2>&1 | FileCheck %s --check-prefix=ORDINAL
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 FAKE_CUDA_FAIL=cuModuleLoadDataEx %PYTHON %S/Inputs/exit_code.py longctx-run %s --target=cuda 2>&1 | FileCheck %s --check-prefix=JIT
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 FAKE_CUDA_FAIL=cuMemAlloc_v2 %PYTHON %S/Inputs/exit_code.py longctx-run %s --target=cuda 2>&1 | FileCheck %s --check-prefix=OOM
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 FAKE_CUDA_FAIL=cuLaunchKernel %PYTHON %S/Inputs/exit_code.py longctx-run %s --target=cuda 2>&1 | FileCheck %s --check-prefix=LAUNCH

// INIT: longctx-run: error: no CUDA driver/device: cuInit failed: CUDA_ERROR_NOT_INITIALIZED (reported by the stand-in driver)
// INIT: exit code 1
// NODEVICE: longctx-run: error: no CUDA driver/device: the driver reports no CUDA device
// NODEVICE: exit code 1
// ORDINAL: longctx-run: error: no CUDA driver/device: device 3 does not exist (1 CUDA device(s))
// ORDINAL: exit code 1
// JIT: longctx-cuda-runtime: error: cannot JIT-compile the PTX (cuModuleLoadDataEx): CUDA_ERROR_INVALID_PTX (reported by the stand-in driver)
// JIT-NEXT: ptxas fatal   : stand-in JIT error log
// JIT: exit code 1
// OOM: longctx-cuda-runtime: error: cannot allocate 51200 bytes of device memory: CUDA_ERROR_OUT_OF_MEMORY (reported by the stand-in driver)
// OOM: exit code 1
// LAUNCH: longctx-cuda-runtime: error: kernel launch (cuLaunchKernel, 1x4x2 blocks of 128 threads) failed: CUDA_ERROR_LAUNCH_FAILED (reported by the stand-in driver)
// LAUNCH: exit code 1

func.func @main(%q: tensor<2x4x100x16xf32>, %k: tensor<2x2x100x16xf32>,
                %v: tensor<2x2x100x16xf32>) -> tensor<2x4x100x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x100x16xf32>,
         tensor<2x2x100x16xf32>, tensor<2x2x100x16xf32>) causal
         -> tensor<2x4x100x16xf32>
  return %o : tensor<2x4x100x16xf32>
}
