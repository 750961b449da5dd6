//===- Pipelines.h - longctx pass pipelines ---------------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_PIPELINES_PIPELINES_H
#define LONGCTX_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::longctx {

/// Options of `longctx-lower-to-cpu`.
struct LowerToCPUPipelineOptions
    : public PassPipelineOptions<LowerToCPUPipelineOptions> {
  PassOptions::Option<int64_t> queryTileSize{
      *this, "query-tile-size",
      llvm::cl::desc("Query rows per attention tile (1 to 4096)"),
      llvm::cl::init(64)};
  PassOptions::Option<int64_t> keyTileSize{
      *this, "key-tile-size",
      llvm::cl::desc("Keys per online-softmax step (1 to 1024)"),
      llvm::cl::init(64)};
  PassOptions::Option<int64_t> decodeKeyTileSize{
      *this, "decode-key-tile-size",
      llvm::cl::desc("Keys per online-softmax step of decoding (at most 8 "
                     "query rows a tile; K and V read in place), 1 to 1024"),
      llvm::cl::init(512)};
  PassOptions::Option<bool> vectorKernels{
      *this, "vector-kernels",
      llvm::cl::desc("Register-blocked vector kernels for the f32 attention "
                     "products (false: LLVM-vectorised loops)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> vectorLanes{
      *this, "vector-lanes",
      llvm::cl::desc("f32 lanes of the kernels' vectors: 4, 8 or 16; 0 (the "
                     "default): the widest this machine's CPU has"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> vectorAccumulators{
      *this, "vector-accumulators",
      llvm::cl::desc("Vector accumulators of a kernel's register block, 1 to "
                     "64; 0 (the default): what fits this machine's vector "
                     "registers for the lanes chosen"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> vectorRegisters{
      *this, "vector-registers",
      llvm::cl::desc("Vector registers of the target, 8 to 64; 0 (the "
                     "default): this machine's for the lanes chosen"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> threads{
      *this, "threads",
      llvm::cl::desc("Run independent tiles on all cores with OpenMP (the "
                     "program then needs libomp); false: one thread"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> keySplits{
      *this, "key-splits",
      llvm::cl::desc("With threads: split the keys of attention with fewer "
                     "parallel tiles than this machine has threads, or of "
                     "decoding, into parallel partial reductions "
                     "(convert-longctx-to-linalg's key-split-threads)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> vectorizeGraph{
      *this, "vectorize-graph",
      llvm::cl::desc("Compile the linalg ops around attention (imported "
                     "graphs: projections, MLPs, norms, activations) to "
                     "tiled, threaded vector code with longctx-vectorize-"
                     "linalg (false: scalar loops)"),
      llvm::cl::init(true)};
};

/// The register shape of the CPU kernels: f32 lanes of a vector, vector
/// accumulators of a register block and vector registers.
struct CPUVectorShape {
  int64_t lanes;
  int64_t accumulators;
  int64_t registers;
};

/// The shape for vectors of `lanes` f32 lanes on this machine's CPU family:
/// 16 lanes, 16 accumulators and 32 registers (AVX-512); 8, 12 and 16
/// (AVX2); 4, 24 and 32 on AArch64 (NEON); 4, 12 and 16 otherwise (SSE).
CPUVectorShape getCPUVectorShape(int64_t lanes);

/// The shape for this machine's CPU: its widest f32 vectors.
CPUVectorShape getHostCPUVectorShape();

/// The textual form of `longctx-lower-to-cpu` with `options` (a comma
/// separated list of passes), as documented in dialects/longctx/Pipeline.md.
std::string getLowerToCPUPipelineText(const LowerToCPUPipelineOptions &options);

/// Appends `longctx-lower-to-cpu` to `pm`: longctx ops to tiled linalg,
/// one-shot bufferization, loops and the LLVM dialect.
void buildLowerToCPUPassPipeline(OpPassManager &pm,
                                 const LowerToCPUPipelineOptions &options);

/// Options of `longctx-lower-to-nvvm`.
struct LowerToNVVMPipelineOptions
    : public PassPipelineOptions<LowerToNVVMPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("Target GPU architecture (sm_80, sm_86, sm_89, sm_90, "
                     "sm_90a, ...)"),
      llvm::cl::init("sm_80")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX version of the generated code, as +ptxNN (+ptx80 "
                     "is PTX ISA 8.0)"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What the GPU module becomes: isa (PTX text, "
                     "JIT-compiled by the driver at load; needs no CUDA "
                     "toolkit), bin (cubin, assembled by ptxas) or fatbin "
                     "(by ptxas and fatbinary)"),
      llvm::cl::init("isa")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit directory for format=bin/fatbin (default: "
                     "ptxas on PATH, or CUDA_ROOT/CUDA_HOME/CUDA_PATH)"),
      llvm::cl::init("")};
  PassOptions::Option<int64_t> queryTileSize{
      *this, "query-tile-size",
      llvm::cl::desc("Query rows (threads) per block of the attention kernel "
                     "(1 to 1024)"),
      llvm::cl::init(128)};
  PassOptions::Option<int64_t> keyTileSize{
      *this, "key-tile-size",
      llvm::cl::desc("Keys per shared-memory tile of the attention kernel "
                     "(1 to 12288)"),
      llvm::cl::init(32)};
  PassOptions::Option<bool> mma{
      *this, "mma",
      llvm::cl::desc("f16 attention on tensor cores (mma.sync, sm_80 and "
                     "later) where the shapes allow it"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> memoryOps{
      *this, "memory-ops",
      llvm::cl::desc("Run the Infini memory ops as GPU kernels too (false: "
                     "on the host)"),
      llvm::cl::init(true)};
  PassOptions::Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("Optimisation level of the NVPTX code generation (0-3)"),
      llvm::cl::init(3)};
};

/// Returns what is wrong with `options` (unknown chip, malformed features,
/// unknown format), or an empty string.
std::string
verifyLowerToNVVMPipelineOptions(const LowerToNVVMPipelineOptions &options);

/// The textual form of `longctx-lower-to-nvvm` with valid `options`.
std::string
getLowerToNVVMPipelineText(const LowerToNVVMPipelineOptions &options);

/// Appends `longctx-lower-to-nvvm` to `pm`: attention to GPU kernels, the
/// rest to host loops, bufferization, NVVM for the kernels, a GPU binary
/// embedded in the module and LLVM for the host. With invalid options, the
/// pipeline is a single pass that reports them as an error.
void buildLowerToNVVMPassPipeline(OpPassManager &pm,
                                  const LowerToNVVMPipelineOptions &options);

/// Registers `longctx-lower-to-cpu` and `longctx-lower-to-nvvm`.
void registerLongCtxPipelines();

} // namespace mlir::longctx

#endif // LONGCTX_PIPELINES_PIPELINES_H
