//===- Passes.td - longctx transformation passes -----------*- tablegen -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_DIALECT_LONGCTX_TRANSFORMS_PASSES_TD
#define LONGCTX_DIALECT_LONGCTX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttentionToKVCachePass
    : Pass<"longctx-attention-to-kv-cache", "::mlir::ModuleOp"> {
  let summary = "Run causal self-attention incrementally over a KV cache";
  let description = [{
    Rewrites every causal self-attention `longctx.attention` (no mask,
    static shapes, as many keys as queries, at most `capacity` of them; a
    single token attending to itself counts as causal) into
    attention over a key/value cache carried as state: the function gains
    the caches `[B, Hkv, C, d]`, `[B, Hkv, C, dv]` and their fill count
    (`tensor<1xi64>`) as `longctx.state` arguments and their new values as
    results. A call writes its N keys and values at the count, its queries
    attend to the count + N filled keys (causal, aligned to the end: every
    cached key is visible; a sliding window is kept), and the count grows by
    N. The same model imported at different lengths (a prefill of 512, a
    decode of 1) and rewritten with the same capacity shares one state.

    The count argument carries `longctx.kv_cache_capacity = C` and
    `longctx.kv_cache_tokens = N`; `longctx-run` refuses a call that would
    overflow the cache with a message, before running it. (Other drivers
    must check too: the compiled code clamps the write position so it never
    writes outside the cache.)

    ```mlir
    %o = longctx.attention ins(%q, %k, %v : ...) causal -> tensor<1x4x1x32xf32>
    ```

    becomes, with `capacity=4096`:

    ```mlir
    %kc2 = tensor.insert_slice %k into %kc[0, 0, %n, 0] [1, 2, 1, 32] [1, 1, 1, 1]
    %keys = tensor.extract_slice %kc2[0, 0, 0, 0] [1, 2, %n1, 32] [1, 1, 1, 1]
    %o = longctx.attention ins(%q, %keys, %values : ...) causal
    ```

    Attention it cannot rewrite is left unchanged with a remark.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"capacity", "capacity", "int64_t", /*default=*/"4096",
           "Tokens each layer's cache holds (> 0)">,
  ];
}

def AttentionToInfiniPass
    : Pass<"longctx-attention-to-infini", "::mlir::ModuleOp"> {
  let summary = "Rewrite causal self-attention into Infini-attention";
  let description = [{
    Rewrites every causal self-attention `longctx.attention` (no mask, static
    shapes, as many keys as queries) into `longctx.infini_attention`. Its
    function gains, per rewritten op, three arguments — the gate logits
    `[H]` and the memory state `M [B, Hkv, d, dv]`, `z [B, Hkv, d]` — and two
    results, the updated state, so the compiled function streams: call it
    chunk after chunk and pass the state back in.

    The new arguments carry attributes that drivers such as `longctx-run`
    read: `longctx.init = <value>` (the gate's initial logit) on the gate and
    `longctx.state = <result index>` on each state argument. Query, key and
    value arguments and the returned output are tagged with
    `longctx.stream_dim = 2` (the sequence dimension).

    With `partial-segments=true` a call may hold any number of tokens: the
    state also carries the keys and values of the current, partly filled
    segment (`[B, Hkv, S, d]`, `[B, Hkv, S, dv]`) and how many it holds
    (`tensor<1xi64>`). A call's tokens continue that segment: they attend
    causally to its cached tokens and to each other and read the memory as
    of the segment's start; each segment that fills is written into the
    memory and the cache empties. Any split of a sequence into calls (one
    token at a time, 7 at a time, S + 3, ...) gives the outputs of one call
    over the whole sequence, and the same model imported at different
    lengths shares one state.

    Attention that is not causal, is cross attention (`N != M`), has a mask,
    has dynamic shapes or sits in a function with callers is left unchanged,
    with a remark that says why.

    Before:

    ```mlir
    func.func @layer(%q: tensor<1x4x512x32xf32>, %k: tensor<1x2x512x32xf32>,
                     %v: tensor<1x2x512x32xf32>) -> tensor<1x4x512x32xf32> {
      %o = longctx.attention ins(%q, %k, %v : ...) causal -> tensor<1x4x512x32xf32>
      return %o : tensor<1x4x512x32xf32>
    }
    ```

    After `--longctx-attention-to-infini="segment-length=128"`:

    ```mlir
    func.func @layer(%q: ..., %k: ..., %v: ...,
                     %gate: tensor<4xf32> {longctx.init = 0.0 : f64},
                     %m: tensor<1x2x32x32xf32> {longctx.state = 1 : i64},
                     %z: tensor<1x2x32xf32> {longctx.state = 2 : i64})
        -> (tensor<1x4x512x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) {
      %o, %m2, %z2 = longctx.infini_attention ins(%q, %k, %v : ...)
          gate(%gate : tensor<4xf32>) memory(%m, %z : ...)
          segment_length(128) rule(linear) -> tensor<1x4x512x32xf32>
      return %o, %m2, %z2 : ...
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"segmentLength", "segment-length", "int64_t", /*default=*/"2048",
           "Tokens per segment (> 0)">,
    Option<"updateRule", "update-rule", "std::string", /*default=*/"\"linear\"",
           "Memory update rule: linear | delta">,
    Option<"gateInit", "gate-init", "double", /*default=*/"0.0",
           "Initial gate logit recorded on the gate argument "
           "(sigmoid(0) = 0.5 mixes memory and local attention equally)">,
    Option<"partialSegments", "partial-segments", "bool",
           /*default=*/"false",
           "Carry the current segment's keys and values in the state, so "
           "that a call may hold any number of tokens (decoding)">,
    Option<"eps", "eps", "double", /*default=*/"1.0e-6",
           "Clamp of the memory read denominators (> 0)">,
  ];
}

def AttentionToTitansPass
    : Pass<"longctx-attention-to-titans", "::mlir::ModuleOp"> {
  let summary = "Rewrite causal self-attention into a Titans architecture";
  let description = [{
    Rewrites every causal self-attention `longctx.attention` (no mask, no
    window, static shapes, as many keys as queries) into a Titans
    architecture with a linear Titans memory (`longctx.titans_memory`).
    With grouped-query attention the memory is one per key/value head, read
    by every query head of its group; a KV head fed from per-query-head
    values takes their group mean (`mean_G`: MAL's `m` for `K` and `V`,
    MAC's `Q` for `h` and `y` for the memory's keys and values). Each call
    of the function is one segment of a stream: attention is local to the
    call, with the `persistent-tokens` learned key/value pairs always
    visible, and the memory carries `(W, S)` from call to call.

    `arch=mag`, memory as a gate:

    ```
    y = attention(Q, [P_k ; K], [P_v ; V]) causal      (persistent tokens first)
    m = titans_memory(K, V, Q, theta, eta, alpha, W, S) chunk_length(C)
    O = y * sigmoid(m)
    ```

    `arch=mal`, memory as a layer: the memory runs first and attention sees
    its residual output through learned per-head projections
    `Pq, Pk: [H, dv, d]`, `Pv: [H, dv, dv]`:

    ```
    m = titans_memory(K, V, Q, theta, eta, alpha, W, S) chunk_length(C)
    O = attention(Q + m Pq, [P_k ; K + m Pk], [P_v ; V + m Pv]) causal
    ```

    `arch=mac`, memory as context: the memory as it was before the call,
    read by the queries (`h = Q W`), is prepended as context through the
    projections `Rk: [H, dv, d]`, `Rv: [H, dv, dv]`; query `i` sees every
    persistent token and the retrieved and segment tokens of positions
    `<= i` (an index-built mask); the memory then learns from the attention
    output through `Bk, Bq: [H, dv, d]`, `Bv: [H, dv, dv]` and gates it:

    ```
    y = attention(Q, [P_k ; h Rk ; K], [P_v ; h Rv ; V]) mask(causal per position)
    m = titans_memory(y Bk, y Bv, y Bq, theta, eta, alpha, W, S) chunk_length(C)
    O = y * sigmoid(m)
    ```

    The function gains, in this order: the persistent keys and values
    (`[B, Hkv, P, d|dv]`, `longctx.init = 0`, none when `P = 0`), the
    architecture's projections (`longctx.init = 0`, in the order above:
    MAL `Pq, Pk, Pv`; MAC `Rk, Rv, Bk, Bv, Bq`; `[Hq, ...]` for `Pq` and
    `Bq`, `[Hkv, ...]` for the others), the per-memory rates `theta`, `eta`,
    `alpha` (`[Hkv]`, broadcast over tokens, `longctx.init` from the
    options) and the state `W`, `S` (`[B, Hkv, d, dv]`, `longctx.state`),
    and returns `W'`, `S'`.
    Attention it cannot rewrite is left unchanged with a remark.

    `window=Wn` streams the layer instead: MAG and MAL attend within a
    causal window of `Wn` tokens over the whole stream (the persistent tokens
    always visible); MAC's segments are the stream's `Wn` tokens at a time
    (`Wn` whole chunks; a call is cut into pieces at segment boundaries, an
    `scf.for`); the memory's chunks are the stream's. Any split of a stream
    into calls of any length then gives the outputs of one call over the
    whole stream. The state also holds the rows the next call needs and the
    stream position (`[1]` i64, tokens so far), after `W`, `S`: MAG one key
    and one value state of `max(Wn, C) - 1` rows; MAL the raw keys and
    values of the memory's partial chunk (`C - 1` rows) and the projected
    keys and values of the window (`Wn - 1` rows); MAC the memory as of the
    segment's start, the segment's keys, values, retrieved keys and values
    (`Wn - 1` rows each) and the memory's partial chunk (its keys and
    values, `C - 1` rows) (each at least one row). `W`, `S` are then the
    memory as of the last chunk boundary; the rows of a partial chunk are
    read from it and written when a call completes the chunk.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"arch", "arch", "std::string", /*default=*/"\"mag\"",
           "Titans architecture: mag (memory as a gate), mac (memory as "
           "context) or mal (memory as a layer)">,
    Option<"chunkLength", "chunk-length", "int64_t", /*default=*/"64",
           "Tokens per memory chunk (> 0)">,
    Option<"persistentTokens", "persistent-tokens", "int64_t",
           /*default=*/"4", "Learned key/value pairs prepended to the "
           "attention (>= 0)">,
    Option<"theta", "theta", "double", /*default=*/"0.01",
           "Initial memory learning rate (finite, >= 0)">,
    Option<"eta", "eta", "double", /*default=*/"0.9",
           "Initial momentum decay (0 to 1)">,
    Option<"alpha", "alpha", "double", /*default=*/"0.001",
           "Initial forgetting rate (0 to 1)">,
    Option<"window", "window", "int64_t", /*default=*/"0",
           "Stream the layer: MAG and MAL attend within a causal window of "
           "this many tokens (>= 1) over the stream, MAC within segments of "
           "this many tokens (whole chunks); the memory's chunks are the "
           "stream's and the rows they need are kept in the state, so that "
           "any split of a stream into calls (one token at a time, prefill "
           "then decode) gives the same outputs; 0: attention within each "
           "call, chunks from each call's start">,
  ];
}

def DecomposeInfiniPass : Pass<"longctx-decompose-infini"> {
  let summary = "Decompose Infini-attention into a segment loop of primitives";
  let description = [{
    Rewrites `longctx.infini_attention` into an `scf.for` over segments that
    carries the output and the memory state (M, z) as loop-carried tensors.
    Each iteration runs causal `longctx.attention` on the segment,
    `longctx.memory_retrieve` with the state from before the segment,
    `longctx.memory_update`, and a `linalg.generic` that mixes the two
    read-outs with `sigmoid(gate)`. The last segment may be shorter.

    ```mlir
    %r:3 = scf.for %s0 = %c0 to %n step %seg iter_args(%out = %e, %m = %m0, %z = %z0) {
      %local = longctx.attention ins(%qs, %ks, %vs : ...) causal -> ...
      %mem = longctx.memory_retrieve ins(%qs, %m, %z : ...) -> ...
      %m2, %z2 = longctx.memory_update ins(%ks, %vs, %m, %z : ...) rule(linear)
      %mixed = linalg.generic ... // sigmoid(gate) * mem + (1 - sigmoid(gate)) * local
      ...
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def LegalizeForCPUPass : Pass<"longctx-legalize-for-cpu"> {
  let summary = "Decompose linalg and math ops the CPU lowering cannot take";
  let description = [{
    Rewrites what the rest of `longctx-lower-to-cpu` has no lowering for, so
    that imported graphs (`longctx-import-onnx`) compile as they are:
    `linalg.softmax` (and any other op with the `AggregatedOpInterface`)
    becomes its decomposition into `linalg.generic`s (max, exp of the
    difference, sum, division), and `math.erf`, which has no LLVM
    intrinsic, becomes a polynomial approximation in f32 arithmetic.

    ```mlir
    %s = linalg.softmax dimension(3) ins(%x : tensor<1x2x64x64xf32>)
           outs(%e : tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32>
    ```

    becomes a max reduction, an exp generic, a sum reduction and a divide.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
  ];
}

def RaiseAttentionPass : Pass<"longctx-raise-attention"> {
  let summary = "Raise matmul-softmax-matmul chains to longctx.attention";
  let description = [{
    Finds `softmax(scale * Q K^T + mask) V` written out in linalg on tensors
    or TOSA, as framework importers emit it, and replaces it with
    `longctx.attention`. The match is anchored on the value matmul and walks
    inwards through a scalar model of the ops in between, so fused and
    unfused forms are recognised alike:

    * matmuls: `linalg.matmul` (also with transposed indexing maps),
      `linalg.batch_matmul`, matmul-shaped `linalg.generic`s of any rank, and
      `tosa.matmul`; batch reshapes (`tensor.expand_shape` /
      `collapse_shape` / `reshape`, `tosa.reshape`) around them, and K
      transposes (`linalg.transpose`, transposing generics,
      `tosa.transpose`) are looked through;
    * softmax: `linalg.softmax` over the last dimension, or
      `exp(x - max(x)) / sum(exp(...))` (division or product with the
      reciprocal; the max reduction may carry a dead argmax result;
      `arith.extf` / `truncf` or `tosa.cast` anywhere around it; PyTorch's
      safe softmax, which zeroes the rows whose scores are all `-inf`, as
      the op does);
    * scale: products and quotients of the scores by constants, and the
      split form `(Q * a) (K * b)^T`, multiply into the `scale` attribute
      (no scale gives `scale(1.0)`);
    * masks: a `select` of the scores with `-inf` or a large negative value
      (at most `-1e9`; `-3e4` for f16), or an added `select` of 0 and
      `-inf`, under a comparison of the query and key positions
      (`linalg.index`) that keeps exactly `j <= i + (M - N)`, and constant
      masks with exactly that pattern, become `causal`; a second bound
      `j >= i - c` in the same condition (`arith.andi`), or a constant band,
      becomes `window`; other boolean or additive mask tensors become the
      `mask` operand (reshaped to `[B|1, H|1, N|1, M]`); so does a part of
      the condition (a conjunct) computed from an input alone, such as a
      key-padding mask from `attention_mask` (`[B, 1, 1, M]`, never
      broadcast over the queries), also when it is computed in the same op
      as the scores (it becomes a generic of its own). Masks computed
      from positions by other generics (a `triu`/`tril` of a fill, its
      casts, `== 0` comparisons, logical or of two bounds, as importers
      emit them above their constant-folding limit) are first fused into
      the ops that read them (elementwise fusion of producers with a boolean
      result or a body that reads `linalg.index`), so the same model raises
      at every length. The condition may compare positions with constant
      ramps (`arange` tensors, maybe shifted: `j < i - 7`), be a
      `select` of two constants compared with a constant (`tril(ones) ==
      0`), or an `or` of bounds under which keys are masked;
    * GQA: K and V repeated over query heads (broadcast of a
      `[B, Hkv, 1, M, d]` or `[B, Hkv, M, d]` tensor to `[B, Hkv, G, M, d]`
      by a generic, `linalg.broadcast` or `tosa.tile`, reshaped to
      `[B, H, M, d]`, or a `h floordiv G` indexing map) give `Hkv = H / G`
      key/value heads; so do K and V that PyTorch's `repeat_interleave(G,
      dim=1)` builds (each head `tensor.extract_slice`d, broadcast to G
      heads, the pieces `tensor.insert_slice`d in order along the heads):
      the raised op reads the unrepeated tensors.

    The fused forms of `linalg-fuse-elementwise-ops` are recognised too: a
    constant factor of an operand, the whole softmax division, or a head
    repetition (`0` or `h floordiv G` in an operand's map) inside the body
    of a matmul-shaped generic, and scales applied between a batch reshape
    and the matmul.

    A chain that ends in a softmax but is not provably attention (softmax
    over another dimension, a scale that is not a constant, a mask that is
    not causal where it is claimed, a matmul contracting the wrong
    dimension, dynamic shapes, ...) is left unchanged, with a remark on the
    value matmul that says why. Rows whose every key is masked produce 0 in
    `longctx.attention` where the unraised graph produces NaN (`-inf` fill)
    or the mean of the values (finite fill); causal masks over `N <= M`
    never mask a whole row, and causal masks over `N > M` are refused.

    Before (scale by division, causal mask by position comparison):

    ```mlir
    %s = linalg.batch_matmul ins(%q, %kt : tensor<8x128x64xf32>,
           tensor<8x64x128xf32>) outs(%zero : tensor<8x128x128xf32>) -> ...
    %m = linalg.generic {...} ins(%s : ...) outs(%e : ...) {
    ^bb0(%x: f32, %o: f32):
      %i = linalg.index 1 : index
      %j = linalg.index 2 : index
      %keep = arith.cmpi sle, %j, %i : index
      %y = arith.divf %x, %c8 : f32
      %r = arith.select %keep, %y, %ninf : f32
      linalg.yield %r : f32
    } -> tensor<8x128x128xf32>
    %p = linalg.softmax dimension(2) ins(%m : ...) outs(%e : ...) -> ...
    %o = linalg.batch_matmul ins(%p, %v : ...) outs(%zero2 : ...) -> ...
    ```

    After:

    ```mlir
    %o4 = longctx.attention ins(%q4, %k4, %v4 : tensor<1x8x128x64xf32>,
            tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) causal
            scale(1.250000e-01) -> tensor<1x8x128x64xf32>
    %o = tensor.collapse_shape %o4 [[0, 1], [2], [3]] : ...
    ```

    (`%q4` etc. are the 3-D operands expanded to `[1, 8, 128, 64]`, and `%k4`
    the `%kt` transpose looked through; `canonicalize` folds the reshapes
    into their neighbours.)
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::longctx::LongCtxDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ParallelizeHeadsPass : Pass<"longctx-parallelize-heads"> {
  let summary = "Tile the memory ops over batch and heads into scf.forall";
  let description = [{
    Tiles every `longctx.infini_attention`, `longctx.memory_retrieve`,
    `longctx.memory_update`, `longctx.titans_memory` and
    `longctx.titans_mlp_memory` over its (batch, head) loops — key/value
    heads for the compressive memory, with their groups of query heads —
    into an `scf.forall`, through the ops' `TilingInterface`. The sequence
    recurrence of each head stays inside one iteration, so heads run in
    parallel (one OpenMP thread each once the forall is lowered). The state
    results are written into the state operands (`shared_outs`), so
    bufferization keeps updating the state in place. Ops whose loops are
    already one tile are left alone.

    ```mlir
    %o, %w, %s = scf.forall (%b, %h) in (1, 4) shared_outs(%eo = %e, %ew = %w0, %es = %s0) {
      ... longctx.titans_memory on the [1, 1, ...] slices of head %h ...
      scf.forall.in_parallel { tensor.parallel_insert_slice ... }
    }
    ```

    `longctx.attention` is not tiled here: its lowering tiles it already.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"headTileSize", "head-tile-size", "int64_t", /*default=*/"1",
           "Heads per iteration (> 0; key/value heads for the compressive "
           "memory)">,
  ];
}

def ApproximateMathPass : Pass<"longctx-approximate-math"> {
  let summary = "Replace f32 exp, log and tanh by polynomial approximations";
  let description = [{
    Rewrites `math.exp`, `math.log` and `math.tanh` on f32 (scalars and
    vectors) into MLIR's polynomial approximations: straight-line arithmetic
    that LLVM vectorises, where the libm calls of `convert-math-to-llvm` keep
    every softmax and decay loop, and tanh-GELU, scalar. The approximations
    keep the special values the lowering relies on (`exp(-inf) = 0`,
    `log(0) = -inf`, `tanh(+-inf) = +-1`). f64
    and other element types are left alone.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def ScheduleParallelLoopsPass : Pass<"longctx-schedule-parallel-loops"> {
  let summary = "Give OpenMP worksharing loops without a schedule one";
  let description = [{
    Sets the schedule of every `omp.wsloop` that has none, so that the
    iterations of a lowered `scf.forall` are handed to the threads as they
    become free. Without a clause, the OpenMP runtime splits the iteration
    space into one contiguous block per thread (static); causal attention
    tiles do work proportional to their query position, so the thread with
    the last block gets three quarters of the work. A `dynamic` schedule
    (the default here, chunk 1) balances it and also the time lost to other
    processes on a shared machine. Loops that have a schedule keep it.

    ```mlir
    omp.wsloop {
      omp.loop_nest (%i, %h) : index = (%c0, %c0) to (%c64, %c4) step (%c1, %c1) collapse(2) {
    ```

    becomes

    ```mlir
    omp.wsloop schedule(dynamic) {
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::omp::OpenMPDialect",
  ];
  let options = [
    Option<"schedule", "schedule", "std::string", /*default=*/"\"dynamic\"",
           "OpenMP schedule kind: static, dynamic or guided">,
    Option<"chunkSize", "chunk-size", "int64_t", /*default=*/"0",
           "Iterations per chunk (0: the runtime's default for the kind: "
           "1 for dynamic and guided, an even split for static)">,
  ];
}

def StateInPlacePass : Pass<"longctx-state-in-place"> {
  let summary = "Return state updated in place as its own argument";
  let description = [{
    After buffer deallocation, every memref a public function returns is
    owned by the caller, so a result that is a function argument is
    returned as a `bufferization.clone` of it. For a state argument
    (`longctx.state = R`) that the function updated in place and returns as
    result R (a KV cache written at its count), that clone copies the whole
    state on every call. This pass returns the argument itself instead: the
    caller, which owns the argument, gets it back updated (longctx-run never
    frees its inputs). Runs after `buffer-deallocation-pipeline`.

    ```mlir
    %c = bufferization.clone %cache : memref<1x2x65536x128xf32> to ...
    return %o, %c : ...
    ```

    becomes `return %o, %cache : ...` when `%cache` has
    `longctx.state = 1`.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def CopiesToLoopsPass : Pass<"longctx-copies-to-loops"> {
  let summary = "Turn buffer copies into linalg.copy, lowered to loops";
  let description = [{
    Replaces every `memref.copy` by a `linalg.copy` of the same operands, so
    that `convert-linalg-to-loops` lowers it to a loop nest that LLVM
    vectorises. `finalize-memref-to-llvm` would otherwise make a copy
    between strided views (a row of a tensor tiled by
    `longctx-vectorize-linalg`, a head of a transposed operand) a call of
    the runtime's `memrefCopy`, which walks every element through a generic
    n-dimensional index loop: in a small model these copies took 40% of the
    time. Runs after bufferization, before `convert-linalg-to-loops`.

    ```mlir
    memref.copy %a, %b : memref<64xf32, strided<[1], offset: ?>>
                      to memref<64xf32, strided<[1], offset: ?>>
    ```

    becomes

    ```mlir
    linalg.copy ins(%a : memref<64xf32, strided<[1], offset: ?>>)
                outs(%b : memref<64xf32, strided<[1], offset: ?>>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def ProfileOpsPass : Pass<"longctx-profile-ops", "::mlir::ModuleOp"> {
  let summary = "Time every compute op with calls into a profiling runtime";
  let description = [{
    Brackets every compute op of every function body (`longctx` and `linalg`
    ops, and the `tensor` ops that copy: `insert_slice`, `concat`, `pad`,
    `generate`), also inside `scf.for`, `scf.if` and `scf.while` bodies, with
    calls of `longctx_profile_enter(id)` and `longctx_profile_exit(id)` (i64
    ids from 0, declared private in the module), and lists the ops in the
    module attribute `longctx.profile`: id `i` is its `i`-th string, the
    op's name and location. Run before lowering; the runtime is
    `longctx-run --profile`'s (lib/Runner: `OpProfile`), which prints the
    time spent inside each op over all calls. The markers stay where they
    are put: an op a later pass moves out of its markers (fused into a
    consumer, hoisted out of a loop) is timed with the ops it lands
    between. Ops inside `scf.forall` and `scf.parallel` bodies (threads)
    are not bracketed; the loop is, as one op.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
  ];
}

#endif // LONGCTX_DIALECT_LONGCTX_TRANSFORMS_PASSES_TD
