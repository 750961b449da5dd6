// RUN: longctx-opt %s --longctx-lower-to-nvvm="format=isa" | FileCheck %s
// The default format is PTX too (isa: no CUDA toolkit needed).
// RUN: longctx-opt %s --longctx-lower-to-nvvm | FileCheck %s
// RUN: longctx-opt %s --longctx-lower-to-nvvm="chip=sm_90 features=+ptx80 format=isa" | FileCheck %s --check-prefix=SM90
// RUN: longctx-opt %s --longctx-lower-to-nvvm="format=isa query-tile-size=32 key-tile-size=8" \
// RUN:   --mlir-print-ir-after=gpu-kernel-outlining --mlir-print-ir-after=convert-gpu-to-nvvm \
// RUN:   --mlir-print-ir-after=nvvm-attach-target -o /dev/null 2>&1 | FileCheck %s --check-prefix=STAGES

// The host side ends in the LLVM dialect, calling the runtime: one stream,
// device buffers, copies, the launch of the embedded kernel.
// CHECK-LABEL: llvm.func @main(
// CHECK:         llvm.call @longctx_gpu_attention(
// CHECK-LABEL: llvm.func @longctx_gpu_attention(
// CHECK:         %[[S:.*]] = llvm.call @mgpuStreamCreate()
// CHECK-COUNT-3: llvm.call @mgpuMemcpy(%{{.*}}, %{{.*}}, %{{.*}}, %[[S]])
// CHECK:         gpu.launch_func <%[[S]] : !llvm.ptr> @longctx_gpu_attention_kernel::@longctx_gpu_attention_kernel
// CHECK:         llvm.call @mgpuMemcpy(%{{.*}}, %{{.*}}, %{{.*}}, %[[S]])
// CHECK-COUNT-4: llvm.call @mgpuMemFree
// CHECK:         llvm.call @mgpuStreamSynchronize(%[[S]])
// CHECK:         llvm.call @mgpuStreamDestroy(%[[S]])
// The kernel is PTX for the default chip and PTX version.
// CHECK:       gpu.binary @longctx_gpu_attention_kernel  [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">
// CHECK-SAME:    assembly = "{{.*}}.version 8.0\0A.target sm_80\0A.address_size 64
// CHECK-SAME:    .visible .entry longctx_gpu_attention_kernel(
// CHECK-SAME:    .shared .align 4 .b8
// CHECK-SAME:    bar.sync
// CHECK-SAME:    fma.rn.f32
// CHECK-SAME:    ex2.approx.f32
// CHECK-NOT:     __nv_
// CHECK-NOT:   unrealized_conversion_cast
// CHECK-NOT:   memref.
// CHECK-NOT:   scf.

// SM90: #nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// SM90-SAME: .target sm_90

// After outlining: a gpu.module with the kernel, a launch on the host.
// STAGES-LABEL: IR Dump After GpuKernelOutlining
// STAGES:         gpu.launch_func async [%{{.*}}] @longctx_gpu_attention_kernel::@longctx_gpu_attention_kernel blocks in (%{{.*}}, %c4, %{{.*}}) threads in (%c32{{.*}}, %c1, %c1)
// STAGES:         gpu.module @longctx_gpu_attention_kernel
// STAGES:           gpu.func @longctx_gpu_attention_kernel(
// STAGES-SAME:        workgroup(%{{.*}} : memref<8x16xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x16xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x32xf32, #gpu.address_space<workgroup>>)
// STAGES-SAME:        kernel attributes {known_block_size = array<i32: 32, 1, 1>
// After convert-gpu-to-nvvm: NVVM kernel, shared memory in address space 3.
// STAGES-LABEL: IR Dump After ConvertGpuOpsToNVVMOps
// STAGES:         llvm.mlir.global internal @__wg_longctx_gpu_attention_kernel_0() {addr_space = 3 : i32} : !llvm.array<128 x f32>
// STAGES:         llvm.func @longctx_gpu_attention_kernel(
// STAGES-SAME:      attributes {gpu.kernel, gpu.known_block_size = array<i32: 32, 1, 1>, nvvm.kernel, nvvm.maxntid = array<i32: 32, 1, 1>}
// STAGES:           nvvm.read.ptx.sreg.ctaid.x
// STAGES:           nvvm.read.ptx.sreg.tid.x
// STAGES:           nvvm.barrier0
// STAGES:           nvvm.inline_ptx "ex2.approx.f32 $0, $1;"
// STAGES-LABEL: IR Dump After GpuNVVMAttachTarget
// STAGES:         gpu.module @longctx_gpu_attention_kernel [#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">]

func.func @main(%q: tensor<2x4x100x16xf32>, %k: tensor<2x2x100x16xf32>,
                %v: tensor<2x2x100x16xf32>) -> tensor<2x4x100x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x100x16xf32>,
         tensor<2x2x100x16xf32>, tensor<2x2x100x16xf32>) causal
         -> tensor<2x4x100x16xf32>
  return %o : tensor<2x4x100x16xf32>
}
