// Infini-attention through --target=cuda on a stand-in driver. The segment
// recurrence is a host loop (13 segments of 16 tokens over 200). With the
// memory ops on the host (memory-ops=false) it launches one attention kernel
// per segment and the memory state it carries matches the NumPy reference;
// the stand-in runs no kernel, so the attention output (result 0) cannot
// match. By default each segment launches four kernels: attention, memory
// read, the delta rule's read of the keys, memory write.
// RUN: rm -rf %t && mkdir -p %t
// RUN: clang -shared -fPIC %S/Inputs/fake_libcuda.c -o %t/libcuda.so.1
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=16 update-rule=delta" -o %t/many.mlir
// RUN: %PYTHON -m longctx.make_data infini --q 1,2,200,16 --kv-heads 1 --segment-length 16 --rule delta --seed 12 --out %t/d
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 %PYTHON %S/Inputs/exit_code.py longctx-run %t/many.mlir --target=cuda --pipeline="longctx-lower-to-nvvm{format=isa memory-ops=false}" --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --input %t/d/memory.npy --input %t/d/norm.npy --expected %t/d/expected.npy --expected %t/d/expected_memory.npy --expected %t/d/expected_norm.npy > %t/log 2>&1
// RUN: FileCheck %s < %t/log
// RUN: grep -c 'cuLaunchKernel grid 1x2x1 block 128x1x1' %t/log | FileCheck %s --check-prefix=LAUNCHES
// RUN: env LONGCTX_CUDA_DRIVER=%t/libcuda.so.1 longctx-run %t/many.mlir --target=cuda > %t/gpu.log 2>&1
// RUN: FileCheck %s --check-prefix=SEGMENT < %t/gpu.log
// RUN: grep -c 'cuLaunchKernel' %t/gpu.log | FileCheck %s --check-prefix=ALL

// CHECK: result 0: {{.*}} FAIL
// CHECK: result 1: {{.*}} PASS
// CHECK: result 2: {{.*}} PASS
// CHECK: exit code 2
// LAUNCHES: 13
// Per segment: attention (2 query heads), the memory read for the queries,
// the delta read of the keys (1 key/value head), the write (16 x 16
// elements of M in one block of 256 threads).
// SEGMENT:      cuModuleGetFunction longctx_gpu_attention_kernel
// SEGMENT-NEXT: cuLaunchKernel grid 1x2x1 block 128x1x1 dynamic shared 0
// SEGMENT:      cuModuleGetFunction longctx_gpu_memory_retrieve_kernel
// SEGMENT-NEXT: cuLaunchKernel grid 1x2x1 block 128x1x1 dynamic shared 0
// SEGMENT:      cuModuleGetFunction longctx_gpu_memory_update_kernel
// SEGMENT-NEXT: cuLaunchKernel grid 1x1x1 block 128x1x1 dynamic shared 0
// SEGMENT:      cuModuleGetFunction longctx_gpu_memory_update_kernel
// SEGMENT-NEXT: cuLaunchKernel grid 1x1x1 block 256x1x1 dynamic shared 0
// ALL: 52

func.func @main(%q: tensor<1x2x200x16xf32>, %k: tensor<1x1x200x16xf32>,
                %v: tensor<1x1x200x16xf32>) -> tensor<1x2x200x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x200x16xf32>,
         tensor<1x1x200x16xf32>, tensor<1x1x200x16xf32>) causal
         -> tensor<1x2x200x16xf32>
  return %o : tensor<1x2x200x16xf32>
}
