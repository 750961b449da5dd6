//===- Passes.td - longctx conversion passes ---------------*- tablegen -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_CONVERSION_PASSES_TD
#define LONGCTX_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertLongCtxToLinalgPass : Pass<"convert-longctx-to-linalg"> {
  let summary = "Lower longctx ops to tiled linalg on tensors (flash form)";
  let description = [{
    Lowers the longctx ops to linalg on tensors.

    `longctx.attention` becomes an `scf.forall` over query tiles (independent,
    so they run in parallel) around an `scf.for` over key/value tiles that
    carries the online-softmax state (running max, running sum, accumulator)
    as loop-carried tensors. The scores of one tile pair are the only score
    storage: no N x M matrix and no causal mask is ever materialised. With
    `causal`, the key/value loop of a query tile stops at the last key that
    tile can see (and, with a `window`, starts at the first), so invisible
    tiles are never visited; causal tiles are interleaved cheap/expensive so
    a static schedule splits the work evenly.

    Grouped-query attention is expressed by viewing the query heads as
    `[Hkv, H / Hkv]` (`tensor.expand_shape`), so every linalg op indexes its
    operands with plain permutations.

    `longctx.infini_attention` is decomposed into its segment loop (as
    `longctx-decompose-infini` does) and the memory ops become matmul-shaped
    generics; `longctx.titans_memory` and `longctx.titans_mlp_memory` become
    a loop over chunks of their closed form.

    Before:

    ```mlir
    %o = longctx.attention ins(%q, %k, %v : tensor<1x4x100x16xf32>,
           tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) causal
           -> tensor<1x4x100x16xf32>
    ```

    After (outline):

    ```mlir
    %q5 = tensor.expand_shape %q [[0], [1, 2], [3], [4]] ...
    %r = scf.forall (%i) in (%num_tiles) shared_outs(%out = %empty) {
      %q0 = ...                          // tile %i, interleaved when causal
      %acc:3 = scf.for %k0 = %c0 to %kv_end step %c64 iter_args(...) {
        linalg.generic ... // scores, masking, running max, exp, sums, P V
      }
      %tile = linalg.generic ...         // acc / sum (0 for fully masked rows)
      scf.forall.in_parallel {
        tensor.parallel_insert_slice %tile into %out[...]
      }
    }
    %o = tensor.collapse_shape %r [[0], [1, 2], [3], [4]] ...
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
  let options = [
    Option<"queryTileSize", "query-tile-size", "int64_t", /*default=*/"64",
           "Query rows per tile (1 to 4096)">,
    Option<"keyTileSize", "key-tile-size", "int64_t", /*default=*/"64",
           "Keys per tile of the online-softmax loop (1 to 1024; at most "
           "the keys, rounded up to whole vectors)">,
    Option<"vectorKernels", "vector-kernels", "bool", /*default=*/"true",
           "Register-blocked vector kernels for the attention products and "
           "the Infini memory read in f32 (Q K^T when the key tile is whole "
           "vectors of vector-lanes, P V and sigma(Q) M when the value head "
           "dim is), and a one-pass vector softmax step with Q K^T; the code "
           "then needs convert-vector-to-scf and convert-vector-to-llvm">,
    Option<"vectorLanes", "vector-lanes", "int64_t", /*default=*/"16",
           "f32 lanes of the kernels' vectors: 4, 8 or 16 (16 for AVX-512, "
           "8 for AVX2, 4 for SSE or NEON); the key tile and the value head "
           "dim must be whole vectors for a kernel to apply">,
    Option<"vectorAccumulators", "vector-accumulators", "int64_t",
           /*default=*/"16",
           "Vector accumulators of a kernel's register block, 1 to 64 (rows "
           "x vectors; 16 fits AVX-512's 32 registers, 12 AVX2's 16)">,
    Option<"vectorRegisters", "vector-registers", "int64_t", /*default=*/"32",
           "Vector registers of the target, 8 to 64 (32 for AVX-512 and "
           "NEON, 16 for AVX2 and SSE): a register block leaves room for "
           "the vectors of a step and one broadcast">,
    Option<"keySplitThreads", "key-split-threads", "int64_t",
           /*default=*/"0",
           "Threads to keep busy (>= 0): static-shaped attention with fewer "
           "parallel tiles (query tiles x batch x key/value heads, e.g. "
           "decoding with one key/value head) has its keys split into up to "
           "this many parallel partial reductions of at least 4 key tiles, "
           "merged by log-sum-exp (0 or 1: never split)">,
    Option<"decodeKeyTileSize", "decode-key-tile-size", "int64_t",
           /*default=*/"512",
           "Keys per tile of attention whose query tile has at most 8 rows "
           "(query heads per key/value head x queries: decoding), whose K "
           "and V are read in place, not packed (1 to 1024; whole vectors "
           "of vector-lanes, or K and V are packed)">,
  ];
}

def LongCtxVectorizeLinalgPass
    : Pass<"longctx-vectorize-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lower the linalg ops of imported graphs to tiled, "
                "multi-threaded vector code";
  let description = [{
    Compiles the linalg ops at the top level of a function (what
    `longctx-import-onnx` and other importers produce around attention) for
    the CPU, on tensors:

    - Elementwise producers are first fused into their consumers
      (`linalg` elementwise fusion), so a bias add, GELU and residual add
      become one pass over memory.
    - f32 contractions (`linalg.matmul`, `batch_matmul`, the transposed
      variants, `linalg.generic`s that multiply and add over one reduction
      dim, with any batch dims and operand permutations) become a
      register-blocked kernel: the right operand packed into panels of
      whole vectors (at compile time when it is a constant, i.e. weights),
      the depth taken a cache-sized chunk at a time, `rows x vectors`
      accumulators in registers, and an `scf.forall` over (batch, row
      tiles) so threads share the work.
    - Every other linalg op with static shapes (elementwise, broadcasts,
      transposes, fills, row reductions such as LayerNorm's) is tiled: an
      `scf.forall` over its outer parallel dims when it is large enough to
      share between threads, then one vector of its innermost loop at a
      time (masked at the edge when the size is no multiple of the
      vector), and vectorized.

    An op that none of these takes is left as it is (the pipeline lowers
    it to scalar loops) with a remark naming it.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
  let options = [
    Option<"vectorLanes", "vector-lanes", "int64_t", /*default=*/"16",
           "f32 lanes of a vector: 4, 8 or 16">,
    Option<"vectorAccumulators", "vector-accumulators", "int64_t",
           /*default=*/"16",
           "Vector accumulators of the contraction kernel's register block, "
           "1 to 64">,
    Option<"vectorRegisters", "vector-registers", "int64_t", /*default=*/"32",
           "Vector registers of the target, 8 to 64">,
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads to share the work between (>= 1): ops are split into "
           "parallel tiles for this many threads (1: no parallel tiles)">,
    Option<"fuseEpilogues", "fuse-epilogues", "bool", /*default=*/"true",
           "Compute the elementwise op that is a contraction's only user "
           "(bias, activation, residual) on each tile of the kernel">,
    Option<"remarks", "remarks", "bool", /*default=*/"true",
           "Emit a remark for each op left to the scalar-loop fallback">,
  ];
}

def ConvertLongCtxToGPUPass : Pass<"convert-longctx-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Replace longctx.attention with calls of GPU kernel launchers "
                "on host buffers";
  let description = [{
    Replaces every `longctx.attention` on tensors with a call of a private
    launcher declaration on host buffers, tagged with what its kernel needs:

    ```mlir
    %qb = bufferization.to_buffer %q read_only : ... to memref<1x4x100x16xf32>
    ...                                         // likewise K, V (, mask)
    %ob = memref.alloc() : memref<1x4x100x16xf32>
    call @longctx_gpu_attention(%qb, %kb, %vb, %ob) : (...) -> ()
    %o = bufferization.to_tensor %ob restrict writable : ...

    func.func private @longctx_gpu_attention(memref<...>, ...)
        attributes {longctx.gpu_attention = {causal, key_tile_size = 32,
                    query_tile_size = 128, scale = 2.500000e-01 : f64}}
    ```

    so that bufferization and buffer deallocation handle the host side as
    usual; `longctx-gpu-define-launchers` then writes the kernel.
    `longctx.infini_attention` is first decomposed into its segment loop, so
    the segment recurrence stays a host-side loop that launches kernels per
    segment. With `memory-ops` (the default), `longctx.memory_retrieve` and
    `longctx.memory_update` become launcher calls as well
    (`longctx.gpu_memory_retrieve`, `longctx.gpu_memory_update = {eps,
    delta?}`): a thread per query row reading M and z staged in shared
    memory, and a thread per element of M accumulating tiles of sigma(K)
    and values (for the delta rule, after a read kernel that forms
    V - sigma(K) M / max(sigma(K) z, eps)). Memory ops whose tiles do not
    fit in 48 KiB of shared memory, and everything else (gates, Titans),
    are left for `convert-longctx-to-linalg` on the host.
    Attention with dynamic head counts or head dims, or tiles that need more
    than 48 KiB of shared memory, is reported as an error.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"queryTileSize", "query-tile-size", "int64_t", /*default=*/"128",
           "Query rows (threads) per block (1 to 1024)">,
    Option<"keyTileSize", "key-tile-size", "int64_t", /*default=*/"32",
           "Keys per shared-memory tile (1 to 12288, and the tiles must "
           "fit in 48 KiB)">,
    Option<"mma", "mma", "bool", /*default=*/"false",
           "f16 attention on tensor cores (mma.sync m16n8k16, f32 "
           "accumulation, P rounded to f16) when d % 16 == 0, dv % 8 == 0 "
           "and the tiles are multiples of 16; other attention keeps the "
           "FMA kernel">,
    Option<"memoryOps", "memory-ops", "bool", /*default=*/"true",
           "Also run longctx.memory_retrieve / memory_update as GPU kernels "
           "(false: they stay on the host)">,
  ];
}

def LongCtxGPUDefineLaunchersPass
    : Pass<"longctx-gpu-define-launchers", "::mlir::ModuleOp"> {
  let summary = "Give the GPU attention launchers their bodies: device "
                "buffers, copies and the gpu.launch kernel";
  let description = [{
    `convert-longctx-to-gpu` replaces each `longctx.attention` with a call of
    a private declaration tagged `longctx.gpu_attention = {scale,
    query_tile_size, key_tile_size, causal?, window?, mask?}` on host
    buffers, so that bufferization and buffer deallocation (which reject GPU
    ops) see a plain call. This pass, run after them, defines each
    declaration:

    ```mlir
    func.func private @longctx_gpu_attention(%q, %k, %v, %out) {
      %qd = gpu.alloc (...)  gpu.memcpy %qd, %q     // likewise K, V (, mask)
      %od = gpu.alloc (...)
      gpu.launch blocks(ceildiv(N, Tq), H, B) threads(Tq, 1, 1)
          workgroup(%ks : memref<Tk x d x f32, #gpu.address_space<workgroup>>,
                    %vs : memref<Tk x dv x f32, ...>,
                    %ss : memref<Tk x Tq x f32, ...>) {
        q[0..d) = Q[b, h, row] * scale * log2(e)     // registers (SSA values)
        scf.for %k0 = kv_start to kv_end step Tk iter_args(m, l, acc[0..dv)) {
          K, V tile -> %ks, %vs (all threads, coalesced); gpu.barrier
          s_j = q . K_j (masked: -inf) -> %ss[j, tid]; t = max_j s_j
          m' = max(m, t); alpha = exp2(m - m'); l, acc *= alpha
          p_j = exp2(s_j - m'); l += p_j; acc += p_j V_j; gpu.barrier
        }
        O[b, h, row] = l == 0 ? 0 : acc / l
      }
      gpu.memcpy %out, %od;  gpu.dealloc ...
    }
    ```

    One thread owns one query row: its query, running max, running sum and
    accumulator are loop-carried SSA values (unrolled over the static head
    dims), i.e. registers, so the online softmax never leaves the thread.
    The key/value tiles every thread reads are staged once per block in
    shared memory (broadcast reads); each thread's scores go to its own
    column of the score tile, so a warp's accesses hit distinct banks. The
    grid is (query tiles, heads, batch); grouped-query heads read key/value
    head `h / (H / Hkv)`. With `causal` the key loop of a block stops at the
    last key its rows can see (and with a `window` starts at the first), and
    blocks run the most expensive tiles first.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

#endif // LONGCTX_CONVERSION_PASSES_TD
