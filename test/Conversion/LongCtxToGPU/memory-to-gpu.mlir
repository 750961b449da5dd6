// RUN: longctx-opt %s --split-input-file --convert-longctx-to-gpu | FileCheck %s --check-prefix=CALL
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-gpu --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --longctx-gpu-define-launchers | FileCheck %s --check-prefix=KERNEL
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-gpu="memory-ops=false" | FileCheck %s --check-prefix=HOST

// Memory read: a launcher call; a thread per query row, M and z staged in
// shared memory, 16 activations (ELU + 1 through ex2) in registers, the
// quotient by max(den, eps) per value column.

// CALL-LABEL: func.func @retrieve(
// CALL:         %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<2x4x?x8xf32>
// CALL:         call @longctx_gpu_memory_retrieve(%{{.*}}, %{{.*}}, %{{.*}}, %[[OUT]])
// CALL:       func.func private @longctx_gpu_memory_retrieve(memref<2x4x?x16xf32>, memref<2x2x16x8xf32>, memref<2x2x16xf32>, memref<2x4x?x8xf32>)
// CALL-SAME:    attributes {longctx.gpu_memory_retrieve = {eps = 1.000000e-05 : f64}}

// HOST-LABEL: func.func @retrieve(
// HOST:         longctx.memory_retrieve
// HOST-NOT:     call

// KERNEL-LABEL: func.func private @longctx_gpu_memory_retrieve(
// KERNEL-COUNT-3: gpu.memcpy async
// KERNEL:         gpu.launch async [%{{.*}}] blocks(%{{.*}}, %[[H:.*]], %[[B:.*]]) in (%{{.*}} = %{{.*}}, %{{.*}} = %c4, %{{.*}} = %{{.*}}) threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c128{{.*}}, %{{.*}} = %c1, %{{.*}} = %c1)
// KERNEL-SAME:      workgroup(%[[MS:.*]] : memref<16x8xf32, #gpu.address_space<workgroup>>, %[[ZS:.*]] : memref<16xf32, #gpu.address_space<workgroup>>)
// GQA: the memory of head h / 2.
// KERNEL:           %[[MH:.*]] = arith.divui %[[H]], %c2
// KERNEL:           memref.load %{{.*}}[%[[B]], %[[MH]], %{{.*}}, %{{.*}}] : memref<2x2x16x8xf32>
// KERNEL:           memref.store %{{.*}}, %[[MS]]
// KERNEL:           memref.store %{{.*}}, %[[ZS]]
// KERNEL:           gpu.barrier
// KERNEL:           scf.if
// KERNEL-COUNT-16:    nvvm.inline_ptx "ex2.approx.f32 $0, $1;"
// KERNEL:             arith.maximumf %{{.*}}, %cst
// KERNEL:             scf.for %[[E:.*]] = %c0{{.*}} to %c8{{.*}} step %c1
// KERNEL-COUNT-16:      memref.load %[[MS]][%c{{[0-9_]+}}, %[[E]]]
// KERNEL:               arith.divf
// KERNEL-NOT:           arith.subf
// KERNEL:               memref.store %{{.*}}[%[[B]], %[[H]], %{{.*}}, %[[E]]] : memref<2x4x?x8xf32>
// KERNEL:         gpu.memcpy async
// KERNEL-COUNT-4: gpu.dealloc async
// KERNEL:         gpu.wait [
func.func @retrieve(%q: tensor<2x4x?x16xf32>, %m: tensor<2x2x16x8xf32>,
                    %z: tensor<2x2x16xf32>) -> tensor<2x4x?x8xf32> {
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<2x4x?x16xf32>,
         tensor<2x2x16x8xf32>, tensor<2x2x16xf32>) eps(1.0e-5)
         -> tensor<2x4x?x8xf32>
  return %a : tensor<2x4x?x8xf32>
}

// -----

// Memory write with the delta rule: a read kernel forms
// V - sigma(K) M / max(sigma(K) z, eps) into a device buffer, then a thread
// per element of M accumulates tiles of 32 tokens of sigma(K) and of those
// values; the threads of column 0 also write z.

// CALL-LABEL: func.func @update(
// CALL:         %[[M2:.*]] = memref.alloc() : memref<2x2x16x8xf32>
// CALL:         %[[Z2:.*]] = memref.alloc() : memref<2x2x16xf32>
// CALL:         call @longctx_gpu_memory_update(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[M2]], %[[Z2]])
// CALL:       func.func private @longctx_gpu_memory_update(
// CALL-SAME:    attributes {longctx.gpu_memory_update = {delta, eps = 9.9999999999999995E-7 : f64}}

// HOST-LABEL: func.func @update(
// HOST:         longctx.memory_update

// KERNEL-LABEL: func.func private @longctx_gpu_memory_update(
// KERNEL-SAME:    %[[HM2:[a-z0-9]+]]: memref<2x2x16x8xf32>, %[[HZ2:[a-z0-9]+]]: memref<2x2x16xf32>)
// KERNEL-COUNT-4: gpu.memcpy async
// KERNEL:         %[[VD:.*]], %{{.*}} = gpu.alloc async [%{{.*}}] (%{{.*}}) : memref<2x2x?x8xf32>
// KERNEL:         %[[T1:.*]] = gpu.launch async
// KERNEL:             arith.subf
// KERNEL:             memref.store %{{.*}}, %[[VD]]
// KERNEL:         gpu.launch async [%[[T1]]] blocks(
// KERNEL-SAME:      threads(%{{[^)]*}}) in (%{{[a-z0-9]+}} = %c256,
// KERNEL-SAME:      workgroup(%[[KS:.*]] : memref<32x16xf32, #gpu.address_space<workgroup>>, %[[VS:.*]] : memref<32x8xf32, #gpu.address_space<workgroup>>)
// KERNEL:           scf.for %{{.*}} = %c0{{.*}} to %{{.*}} step %c32 iter_args
// KERNEL:             nvvm.inline_ptx "ex2.approx.f32 $0, $1;"
// KERNEL:             memref.store %{{.*}}, %[[KS]]
// KERNEL:             memref.load %[[VD]]
// KERNEL:             memref.store %{{.*}}, %[[VS]]
// KERNEL:             gpu.barrier
// KERNEL:             scf.for
// KERNEL:               memref.load %[[KS]]
// KERNEL:               memref.load %[[VS]]
// KERNEL:             gpu.barrier
// KERNEL:           scf.if
// KERNEL:             memref.store
// KERNEL:             arith.cmpi eq
// KERNEL:             scf.if
// KERNEL:               memref.store
// KERNEL:         gpu.memcpy async [%{{.*}}] %[[HM2]]
// KERNEL:         gpu.memcpy async [%{{.*}}] %[[HZ2]]
// KERNEL-COUNT-7: gpu.dealloc async
func.func @update(%k: tensor<2x2x?x16xf32>, %v: tensor<2x2x?x8xf32>,
                  %m: tensor<2x2x16x8xf32>, %z: tensor<2x2x16xf32>)
    -> (tensor<2x2x16x8xf32>, tensor<2x2x16xf32>) {
  %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<2x2x?x16xf32>,
               tensor<2x2x?x8xf32>, tensor<2x2x16x8xf32>, tensor<2x2x16xf32>)
               rule(delta)
  return %m2, %z2 : tensor<2x2x16x8xf32>, tensor<2x2x16xf32>
}

