// An Infini-attention layer (GQA, delta rule) through the NVVM pipeline: the
// attention, memory read, delta read and memory write kernels are PTX that
// ptxas assembles for sm_80 and sm_90, without spills.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=128 update-rule=delta" | longctx-opt --longctx-lower-to-nvvm="format=isa" -o %t/sm80.mlir
// RUN: %PYTHON %longctx_src/tools/extract-ptx.py %t/sm80.mlir -o %t/k.ptx
// RUN: cat %t/k.ptx* | FileCheck %s --check-prefix=KERNELS
// RUN: for f in %t/k.ptx*; do %ptxas -arch=sm_80 -v $f -o $f.cubin 2>&1; done | FileCheck %s --check-prefix=SM80
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=128 update-rule=delta" | longctx-opt --longctx-lower-to-nvvm="chip=sm_90 format=isa" -o %t/sm90.mlir
// RUN: %PYTHON %longctx_src/tools/extract-ptx.py %t/sm90.mlir -o %t/h.ptx
// RUN: for f in %t/h.ptx*; do %ptxas -arch=sm_90 -v $f -o $f.cubin 2>&1; done | FileCheck %s --check-prefix=SM90

// KERNELS-DAG: .entry longctx_gpu_attention_kernel(
// KERNELS-DAG: .entry longctx_gpu_memory_retrieve_kernel(
// KERNELS-DAG: .entry longctx_gpu_memory_update_kernel(
// KERNELS-NOT: __nv_

// SM80-COUNT-4: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// SM90-COUNT-4: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

func.func @layer(%q: tensor<1x8x512x64xf32>, %k: tensor<1x2x512x64xf32>,
                 %v: tensor<1x2x512x64xf32>) -> tensor<1x8x512x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x512x64xf32>,
         tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>) causal
         -> tensor<1x8x512x64xf32>
  return %o : tensor<1x8x512x64xf32>
}
