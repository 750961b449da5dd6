// RUN: longctx-opt %s --split-input-file --convert-longctx-to-gpu="query-tile-size=64 key-tile-size=16" | FileCheck %s --check-prefix=CALL
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-gpu="query-tile-size=64 key-tile-size=16" --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --longctx-gpu-define-launchers | FileCheck %s --check-prefix=KERNEL

// Causal GQA attention with a dynamic sequence length: a call of a launcher
// declaration on host buffers that records what the kernel needs.

// CALL-LABEL: func.func @gqa(
// CALL-DAG:     %[[Q:.*]] = bufferization.to_buffer %arg0 read_only : tensor<2x4x?x16xf32> to memref<2x4x?x16xf32>
// CALL-DAG:     %[[K:.*]] = bufferization.to_buffer %arg1 read_only
// CALL-DAG:     %[[V:.*]] = bufferization.to_buffer %arg2 read_only
// CALL:         %[[N:.*]] = memref.dim %[[Q]], %c2
// CALL:         %[[OUT:.*]] = memref.alloc(%[[N]]) : memref<2x4x?x8xf32>
// CALL:         call @longctx_gpu_attention(%[[Q]], %[[K]], %[[V]], %[[OUT]])
// CALL:         %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CALL:         return %[[R]]
// CALL:       func.func private @longctx_gpu_attention(memref<2x4x?x16xf32>, memref<2x2x?x16xf32>, memref<2x2x?x8xf32>, memref<2x4x?x8xf32>)
// CALL-SAME:    longctx.gpu_attention = {causal, key_tile_size = 16 : i64, query_tile_size = 64 : i64, scale = 2.500000e-01 : f64, window = 5 : i64}

// The launcher: device copies on one stream, the kernel, the copy back.
// KERNEL-LABEL: func.func private @longctx_gpu_attention(
// KERNEL-SAME:    %[[HQ:[a-z0-9]+]]: memref<2x4x?x16xf32>, %{{.*}}: memref<2x2x?x16xf32>, %{{.*}}: memref<2x2x?x8xf32>, %[[HO:[a-z0-9]+]]: memref<2x4x?x8xf32>)
// KERNEL:         %[[T0:.*]] = gpu.wait async
// KERNEL:         %[[DQ:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] (%{{.*}}) : memref<2x4x?x16xf32>
// KERNEL:         %[[T2:.*]] = gpu.memcpy async [%[[T1]]] %[[DQ]], %[[HQ]]
// KERNEL-COUNT-2: gpu.memcpy async
// KERNEL:         %[[DO:.*]], %[[T5:.*]] = gpu.alloc async
// KERNEL:         %[[TILES:.*]] = arith.ceildivsi %{{.*}}, %c64
// Grid (query tiles, heads, batch), one thread per query row; the K, V and
// score tiles in shared memory.
// KERNEL:         %[[TL:.*]] = gpu.launch async [%[[T5]]] blocks(%[[BX:.*]], %[[BY:.*]], %[[BZ:.*]]) in (%{{.*}} = %{{.*}}, %{{.*}} = %c4, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c64{{.*}}, %{{.*}} = %c1, %{{.*}} = %c1)
// KERNEL-SAME:      workgroup(%[[KS:.*]] : memref<16x16xf32, #gpu.address_space<workgroup>>, %[[VS:.*]] : memref<16x8xf32, #gpu.address_space<workgroup>>, %[[SS:.*]] : memref<16x64xf32, #gpu.address_space<workgroup>>)
// Causal: the most expensive tiles first.
// KERNEL:           %[[LAST:.*]] = arith.subi %[[TILES]], %c1
// KERNEL:           %[[TILE:.*]] = arith.subi %[[LAST]], %[[BX]]
// KERNEL:           %[[Q0:.*]] = arith.muli %[[TILE]], %c64
// KERNEL:           %[[ROW:.*]] = arith.addi %[[Q0]], %[[TX]]
// GQA: key/value head h / 2.
// KERNEL:           %[[KVH:.*]] = arith.divui %[[BY]], %c2
// The query row, times scale * log2(e) = 0.25 * 1.4427, in registers.
// KERNEL:           %[[SCALE:.*]] = arith.constant 0.360673755 : f32
// KERNEL-COUNT-16:  memref.load %[[DQ]][%[[BZ]], %[[BY]], %{{.*}}, %c{{[0-9_]+}}] : memref<2x4x?x16xf32>
// The key loop carries (max, sum, acc[8]) and stops at the diagonal.
// KERNEL:           %[[ACC:.*]]:10 = scf.for %[[K0:.*]] = %{{.*}} to %{{.*}} step %c16 iter_args(%{{.*}} = %cst{{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// Staging: all threads copy the K tile then the V tile.
// KERNEL:             scf.for
// KERNEL:               memref.load %{{.*}}[%[[BZ]], %[[KVH]], %{{.*}}, %{{.*}}] : memref<2x2x?x16xf32>
// KERNEL:               memref.store %{{.*}}, %[[KS]]
// KERNEL:             scf.for
// KERNEL:               memref.store %{{.*}}, %[[VS]]
// KERNEL:             gpu.barrier
// Scores: 16 FMAs from shared memory, causal and window masking, into the
// thread's column of the score tile.
// KERNEL:             %[[TMAX:.*]] = scf.for %[[J:.*]] = %c0{{.*}} to %c16{{.*}} step %c1{{.*}} iter_args(%{{.*}} = %cst{{.*}}) -> (f32)
// KERNEL-COUNT-16:      arith.mulf {{.*}} fastmath<contract>
// KERNEL:               arith.cmpi slt
// KERNEL:               arith.cmpi sle
// KERNEL:               arith.cmpi sge
// KERNEL:               %[[S:.*]] = arith.select
// KERNEL:               memref.store %[[S]], %[[SS]][%[[J]], %[[TX]]]
// KERNEL:               arith.maximumf
// KERNEL:             %[[M:.*]] = arith.maximumf %{{.*}}, %[[TMAX]]
// KERNEL:             nvvm.inline_ptx "ex2.approx.f32 $0, $1;"
// KERNEL-COUNT-9:     arith.mulf
// KERNEL:             scf.for
// KERNEL:               memref.load %[[SS]]
// KERNEL:               %[[P:.*]] = nvvm.inline_ptx "ex2.approx.f32 $0, $1;"
// A key the row does not see (p = 0) adds nothing, whatever its value
// (0 x inf is NaN): a select, not only the multiply-add.
// KERNEL:               %[[ADDS:.*]] = arith.cmpf une, %[[P]], %{{.*}} : f32
// KERNEL-COUNT-8:       arith.select %[[ADDS]], %{{.*}}, %{{.*}} : f32
// KERNEL:             gpu.barrier
// The quotient, 0 for a row without visible keys, for rows inside N.
// KERNEL:           scf.if
// KERNEL:             arith.cmpf oeq
// KERNEL-COUNT-8:     memref.store %{{.*}}, %[[DO]]
// KERNEL:           gpu.terminator
// KERNEL:         gpu.memcpy async [%[[TL]]] %[[HO]], %[[DO]]
// KERNEL-COUNT-4: gpu.dealloc async
// KERNEL:         gpu.wait [%{{.*}}]
// KERNEL-NEXT:    return
func.func @gqa(%q: tensor<2x4x?x16xf32>, %k: tensor<2x2x?x16xf32>,
               %v: tensor<2x2x?x8xf32>) -> tensor<2x4x?x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x?x16xf32>,
         tensor<2x2x?x16xf32>, tensor<2x2x?x8xf32>) causal window(5)
         -> tensor<2x4x?x8xf32>
  return %o : tensor<2x4x?x8xf32>
}

// -----

// f16 inputs, a broadcast bool mask: loads are widened to f32, the mask is
// read at head 0 and ANDed into visibility; the result is truncated.

// CALL-LABEL: func.func @masked_f16(
// CALL:         call @longctx_gpu_attention(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<1x2x8x16xf16>, memref<1x2x8x16xf16>, memref<1x2x8x16xf16>, memref<1x1x8x8xi1>, memref<1x2x8x16xf16>) -> ()
// CALL:       func.func private @longctx_gpu_attention(
// CALL-SAME:    longctx.gpu_attention = {key_tile_size = 16 : i64, mask, query_tile_size = 64 : i64, scale = 5.000000e-01 : f64}

// KERNEL-LABEL: func.func private @longctx_gpu_attention(
// KERNEL:         gpu.launch
// KERNEL-SAME:      workgroup(%{{.*}} : memref<16x16xf32, #gpu.address_space<workgroup>>
// KERNEL:           arith.extf %{{.*}} : f16 to f32
// KERNEL:           scf.for
// KERNEL:             scf.for
// KERNEL:               %[[MV:.*]] = memref.load %{{.*}}[%c0{{.*}}, %c0{{.*}}, %{{.*}}, %{{.*}}] : memref<1x1x8x8xi1>
// KERNEL:               arith.andi %{{.*}}, %[[MV]] : i1
// KERNEL:           arith.truncf %{{.*}} : f32 to f16
func.func @masked_f16(%q: tensor<1x2x8x16xf16>, %k: tensor<1x2x8x16xf16>,
                      %v: tensor<1x2x8x16xf16>, %m: tensor<1x1x8x8xi1>)
    -> tensor<1x2x8x16xf16> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x16xf16>,
         tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>)
         mask(%m : tensor<1x1x8x8xi1>) scale(0.5) -> tensor<1x2x8x16xf16>
  return %o : tensor<1x2x8x16xf16>
}

// -----

// A key-padding mask [2, 1, 1, 8]: read at the batch, head 0 and row 0 for
// every query.

// KERNEL-LABEL: func.func private @longctx_gpu_attention(
// KERNEL:         gpu.launch
// KERNEL:           scf.for
// KERNEL:             scf.for
// KERNEL:               %[[MV:.*]] = memref.load %{{.*}}[%{{.*}}, %c0{{.*}}, %c0{{.*}}, %{{.*}}] : memref<2x1x1x8xi1>
// KERNEL:               arith.andi %{{.*}}, %[[MV]] : i1
func.func @key_padding(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>,
                       %v: tensor<2x2x8x16xf32>, %m: tensor<2x1x1x8xi1>)
    -> tensor<2x2x8x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x2x8x16xf32>,
         tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
         mask(%m : tensor<2x1x1x8xi1>) causal -> tensor<2x2x8x16xf32>
  return %o : tensor<2x2x8x16xf32>
}

// -----

// A float mask is added to the scores (times log2 e, the kernel's exp2
// scale), and its -inf hides the key whatever the key's score (inf + -inf
// would be NaN).

// KERNEL-LABEL: func.func private @longctx_gpu_attention(
// KERNEL:         gpu.launch
// KERNEL:               %[[MV:.*]] = memref.load %{{.*}} : memref<1x2x8x8xf32>
// KERNEL:               %[[SHOWN:.*]] = arith.cmpf une, %[[MV]], %[[NEGINF:.*]] : f32
// KERNEL:               %[[VISIBLE:.*]] = arith.andi %{{.*}}, %[[SHOWN]] : i1
// KERNEL:               %[[SCALED:.*]] = arith.mulf %[[MV]], %{{.*}}
// KERNEL:               %[[S:.*]] = arith.addf %[[SCALED]], %{{.*}}
// KERNEL:               arith.select %[[VISIBLE]], %[[S]], %[[NEGINF]] : f32
func.func @float_mask(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                      %v: tensor<1x2x8x16xf32>, %m: tensor<1x2x8x8xf32>)
    -> tensor<1x2x8x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
         mask(%m : tensor<1x2x8x8xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// mma=true: f16 attention with d = 64, dv = 32 runs on tensor cores; f32
// attention in the same module keeps the FMA kernel.
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-gpu="query-tile-size=64 key-tile-size=32 mma=true" | FileCheck %s --check-prefix=MMACALL
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-gpu="query-tile-size=64 key-tile-size=32 mma=true" --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --longctx-gpu-define-launchers | FileCheck %s --check-prefix=MMA

// MMACALL-LABEL: func.func @tensor_cores(
// MMACALL-DAG:   func.func private @longctx_gpu_attention{{(_0)?}}(memref<1x4x200x64xf16>, {{.*}} attributes {longctx.gpu_attention = {causal, key_tile_size = 32 : i64, mma, query_tile_size = 64 : i64, scale = 1.250000e-01 : f64}}
// MMACALL-DAG:   func.func private @longctx_gpu_attention{{(_0)?}}(memref<1x4x200x64xf32>, {{.*}} attributes {longctx.gpu_attention = {causal, key_tile_size = 32 : i64, query_tile_size = 64 : i64, scale = 1.250000e-01 : f64}}

// A warp per 16 rows: 2 x 64 threads; K and V tiles in shared memory as f16.
// MMA-LABEL: func.func private @longctx_gpu_attention{{(_0)?}}(%{{[a-z0-9]+}}: memref<1x4x200x64xf16>
// MMA:         gpu.launch async
// MMA-SAME:      threads(%{{[^)]*}}) in (%{{[a-z0-9]+}} = %c128
// MMA-SAME:      workgroup(%[[KS:.*]] : memref<32x64xf16, #gpu.address_space<workgroup>>, %[[VS:.*]] : memref<32x32xf16, #gpu.address_space<workgroup>>, %[[FLAG:.*]] : memref<1xi32, #gpu.address_space<workgroup>>)
// Lane (g, t): rows g and g + 8 of the warp.
// MMA:           %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// MMA:           arith.divui %[[LANE]], %c4
// MMA:           arith.remui %[[LANE]], %c4
// The query as 4 A fragments (16 of d each).
// MMA-COUNT-4:   vector.from_elements {{.*}} : vector<4x2xf16>
// No key tile flagged yet (-1 starts none).
// MMA:           memref.store %c-1_i32, %[[FLAG]]
// MMA:           gpu.barrier
// The key loop carries both rows' max and sum and 4 C fragments of O.
// MMA:           scf.for %[[K0:[a-z0-9]+]] = {{.*}} -> (f32, f32, f32, f32, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// MMA:             %[[TILE:.*]] = arith.index_cast %[[K0]] : index to i32
// Staging V: a thread that copies an inf or a NaN flags the tile.
// MMA:             arith.cmpf ueq, {{.*}} : f16
// MMA:             arith.cmpf ueq, {{.*}} : f16
// MMA:             memref.store %[[TILE]], %[[FLAG]]
// MMA:             gpu.barrier
// MMA:             %[[SEEN:.*]] = memref.load %[[FLAG]]
// MMA:             %[[FLAGGED:.*]] = arith.cmpi eq, %[[SEEN]], %[[TILE]] : i32
// S: 4 chunks of 8 keys x 4 k-steps of 16.
// MMA-COUNT-16:    nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// Row max over the 4 lanes of a row.
// MMA:             gpu.shuffle xor %{{.*}}, %c1_i32{{[_0-9]*}}, %c32_i32{{[_0-9]*}} : f32
// MMA:             gpu.shuffle xor %{{.*}}, %c2_i32{{[_0-9]*}}, %c32_i32{{[_0-9]*}} : f32
// P V: 4 C fragments x 2 chunks of 16 keys, P rounded to f16. A flagged
// tile multiplies P by V's finite values, and counts (two more mma.sync)
// the +inf-or-NaN and -inf-or-NaN values of the keys each row sees.
// MMA:             scf.if %[[FLAGGED]] -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// MMA:               arith.truncf %{{.*}} : f32 to f16
// MMA-COUNT-24:      nvgpu.mma.sync
// MMA:             } else {
// MMA:               arith.truncf %{{.*}} : f32 to f16
// MMA-COUNT-8:       nvgpu.mma.sync
// MMA:             }
// MMA:             gpu.barrier
// The row sums, then O = acc / l.
// MMA-COUNT-4:   gpu.shuffle  xor
// MMA:           scf.if
// MMA:             arith.divf
// MMA:             arith.truncf %{{.*}} : f32 to f16
func.func @tensor_cores(%q: tensor<1x4x200x64xf16>, %k: tensor<1x2x200x64xf16>,
                        %v: tensor<1x2x200x32xf16>, %q32: tensor<1x4x200x64xf32>,
                        %k32: tensor<1x2x200x64xf32>, %v32: tensor<1x2x200x32xf32>)
    -> (tensor<1x4x200x32xf16>, tensor<1x4x200x32xf32>) {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x200x64xf16>,
         tensor<1x2x200x64xf16>, tensor<1x2x200x32xf16>) causal
         -> tensor<1x4x200x32xf16>
  %o32 = longctx.attention ins(%q32, %k32, %v32 : tensor<1x4x200x64xf32>,
         tensor<1x2x200x64xf32>, tensor<1x2x200x32xf32>) causal
         -> tensor<1x4x200x32xf32>
  return %o, %o32 : tensor<1x4x200x32xf16>, tensor<1x4x200x32xf32>
}
