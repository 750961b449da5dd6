// Every kernel the NVVM pipeline generates is PTX that the CUDA assembler
// accepts, for Ampere (sm_80) and Hopper (sm_90), without libdevice.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --longctx-lower-to-nvvm="format=isa" -o %t/sm80.mlir
// RUN: %PYTHON %longctx_src/tools/extract-ptx.py %t/sm80.mlir -o %t/sm80.ptx
// RUN: %ptxas -arch=sm_80 -v %t/sm80.ptx -o %t/sm80.cubin 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: %ptxas -arch=sm_80 -v %t/sm80.ptx.1 -o %t/sm80-1.cubin 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: %ptxas -arch=sm_80 -v %t/sm80.ptx.2 -o %t/sm80-2.cubin 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: longctx-opt %s --longctx-lower-to-nvvm="chip=sm_90 features=+ptx80 format=isa" -o %t/sm90.mlir
// RUN: %PYTHON %longctx_src/tools/extract-ptx.py %t/sm90.mlir -o %t/sm90.ptx
// RUN: %ptxas -arch=sm_90 -v %t/sm90.ptx -o %t/sm90.cubin 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: %ptxas -arch=sm_90 -v %t/sm90.ptx.1 -o %t/sm90-1.cubin 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: %ptxas -arch=sm_90 -v %t/sm90.ptx.2 -o %t/sm90-2.cubin 2>&1 | FileCheck %s --check-prefix=SM90
// Tensor cores for the f16 kernel (mma=true); the f32 ones are unchanged.
// RUN: longctx-opt %s --longctx-lower-to-nvvm="chip=sm_90 mma=true" -o %t/mma.mlir
// RUN: %PYTHON %longctx_src/tools/extract-ptx.py %t/mma.mlir -o %t/mma.ptx
// RUN: cat %t/mma.ptx %t/mma.ptx.1 %t/mma.ptx.2 | FileCheck %s --check-prefix=MMA
// RUN: longctx-opt %s --longctx-lower-to-nvvm="chip=sm_80 mma=true" -o %t/mma80.mlir
// RUN: %PYTHON %longctx_src/tools/extract-ptx.py %t/mma80.mlir -o %t/mma80.ptx
// RUN: for f in %t/mma.ptx %t/mma.ptx.1 %t/mma.ptx.2; do %ptxas -arch=sm_90 -v $f -o $f.cubin 2>&1; done | FileCheck %s --check-prefix=MMAPTXAS
// RUN: for f in %t/mma80.ptx %t/mma80.ptx.1 %t/mma80.ptx.2; do %ptxas -arch=sm_80 -v $f -o $f.cubin 2>&1; done | FileCheck %s --check-prefix=MMAPTXAS
// The f16 kernel with smaller tiles, and the cubin the pipeline assembles
// itself (format=bin) is embedded as a binary object.
// RUN: longctx-opt %s --longctx-lower-to-nvvm="chip=sm_90 format=bin query-tile-size=64 key-tile-size=16" | FileCheck %s --check-prefix=BIN
// With the toolkit named (no PATH needed), a fatbin (magic 0xBA55ED50).
// RUN: env PATH=/usr/bin:/bin longctx-opt %s --longctx-lower-to-nvvm="format=fatbin toolkit=%cuda_toolkit" | FileCheck %s --check-prefix=FATBIN

// The f32 kernels keep their state in registers: no local-memory spills.
// SM80: Compiling entry function 'longctx_gpu_attention{{(_[0-9]+)?}}_kernel' for 'sm_80'
// SM80: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// SM80: used 1 barriers
// SM90: Compiling entry function 'longctx_gpu_attention{{(_[0-9]+)?}}_kernel' for 'sm_90'
// SM90: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// SM90: used 1 barriers

// The f16 kernel: 32 mma.sync for S and P V, 48 more in the guarded P V of
// key tiles whose V is not finite (3 for each of P V's 16).
// MMA-COUNT-80: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// MMA-NOT:      mma.sync
// MMAPTXAS-COUNT-3: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// BIN-COUNT-3: gpu.binary @longctx_gpu_attention{{(_[0-9]+)?}}_kernel  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, properties = {{.*}}, bin = "\7FELF

// FATBIN-COUNT-3: gpu.binary @longctx_gpu_attention{{(_[0-9]+)?}}_kernel  [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">, properties = {{.*}}, "P\EDU\BA

func.func @causal_gqa(%q: tensor<1x8x300x64xf32>, %k: tensor<1x2x300x64xf32>,
                      %v: tensor<1x2x300x64xf32>) -> tensor<1x8x300x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x300x64xf32>,
         tensor<1x2x300x64xf32>, tensor<1x2x300x64xf32>) causal
         -> tensor<1x8x300x64xf32>
  return %o : tensor<1x8x300x64xf32>
}

func.func @masked_dynamic(%q: tensor<?x4x?x32xf32>, %k: tensor<?x4x?x32xf32>,
                          %v: tensor<?x4x?x48xf32>, %m: tensor<1x4x?x?xf32>)
    -> tensor<?x4x?x48xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<?x4x?x32xf32>,
         tensor<?x4x?x32xf32>, tensor<?x4x?x48xf32>)
         mask(%m : tensor<1x4x?x?xf32>) -> tensor<?x4x?x48xf32>
  return %o : tensor<?x4x?x48xf32>
}

func.func @f16_window(%q: tensor<2x2x128x64xf16>, %k: tensor<2x2x128x64xf16>,
                      %v: tensor<2x2x128x64xf16>) -> tensor<2x2x128x64xf16> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x2x128x64xf16>,
         tensor<2x2x128x64xf16>, tensor<2x2x128x64xf16>) causal window(32)
         -> tensor<2x2x128x64xf16>
  return %o : tensor<2x2x128x64xf16>
}
