//===- Pipelines.cpp - longctx pass pipelines -----------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Pipelines/Pipelines.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <algorithm>
#include <thread>

using namespace mlir;
using namespace mlir::longctx;

CPUVectorShape mlir::longctx::getCPUVectorShape(int64_t lanes) {
  if (lanes >= 16)
    return {lanes, 16, 32}; // AVX-512
  if (lanes == 8)
    return {lanes, 12, 16}; // AVX2
  if (llvm::Triple(llvm::sys::getProcessTriple()).isAArch64())
    return {lanes, 24, 32}; // NEON
  return {lanes, 12, 16};   // SSE
}

CPUVectorShape mlir::longctx::getHostCPUVectorShape() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return getCPUVectorShape(16);
  if (features.lookup("avx2") || features.lookup("avx"))
    return getCPUVectorShape(8);
  return getCPUVectorShape(4);
}

std::string mlir::longctx::getLowerToCPUPipelineText(
    const LowerToCPUPipelineOptions &options) {
  std::string text;
  llvm::raw_string_ostream os(text);
  CPUVectorShape shape = options.vectorLanes
                             ? getCPUVectorShape(options.vectorLanes)
                             : getHostCPUVectorShape();
  if (options.vectorAccumulators)
    shape.accumulators = options.vectorAccumulators;
  if (options.vectorRegisters)
    shape.registers = options.vectorRegisters;
  unsigned threads =
      options.threads ? std::max(1u, std::thread::hardware_concurrency()) : 1u;
  if (options.threads)
    os << "func.func(longctx-parallelize-heads),";
  if (options.vectorizeGraph)
    os << "longctx-legalize-for-cpu,func.func(longctx-vectorize-linalg{"
       << "vector-lanes=" << shape.lanes
       << " vector-accumulators=" << shape.accumulators
       << " vector-registers=" << shape.registers << " threads=" << threads
       << "}),";
  os << "convert-longctx-to-linalg{query-tile-size=" << options.queryTileSize
     << " key-tile-size=" << options.keyTileSize
     << " decode-key-tile-size=" << options.decodeKeyTileSize
     << " vector-kernels=" << (options.vectorKernels ? "true" : "false")
     << " vector-lanes=" << shape.lanes
     << " vector-accumulators=" << shape.accumulators
     << " vector-registers=" << shape.registers << " key-split-threads="
     << (options.keySplits ? threads : 1u)
     << "},"
     << "longctx-legalize-for-cpu,"
     << "longctx-approximate-math,canonicalize,cse,"
     << "one-shot-bufferize{bufferize-function-boundaries "
        "function-boundary-type-conversion=identity-layout-map},"
     << "canonicalize,cse,buffer-deallocation-pipeline,longctx-state-in-place,"
     << "convert-bufferization-to-memref,longctx-copies-to-loops,"
     << "convert-vector-to-scf{full-unroll=true},"
     << (options.threads ? "scf-forall-to-parallel," : "scf-forall-to-for,")
     << "func.func(convert-linalg-to-loops),"
     << (options.threads
             ? "convert-scf-to-openmp,longctx-schedule-parallel-loops,"
               "canonicalize,"
             : "")
     << "lower-affine,convert-scf-to-cf,"
     << "expand-strided-metadata,lower-affine,"
     << "convert-vector-to-llvm,convert-ub-to-llvm,"
     << "convert-math-to-llvm,finalize-memref-to-llvm,"
     << "convert-arith-to-llvm,convert-index-to-llvm,"
     << (options.threads ? "convert-openmp-to-llvm," : "")
     << "convert-func-to-llvm,convert-cf-to-llvm,"
     << "reconcile-unrealized-casts";
  return text;
}

namespace {
/// Fails with `message` on the operation it runs on: how a pipeline whose
/// builder cannot fail reports bad options.
struct ReportPipelineErrorPass
    : public PassWrapper<ReportPipelineErrorPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ReportPipelineErrorPass)
  explicit ReportPipelineErrorPass(std::string message)
      : message(std::move(message)) {}
  StringRef getArgument() const override {
    return "longctx-report-pipeline-error";
  }
  void runOnOperation() override {
    getOperation()->emitError() << message;
    signalPassFailure();
  }
  std::string message;
};
} // namespace

void mlir::longctx::buildLowerToCPUPassPipeline(
    OpPassManager &pm, const LowerToCPUPipelineOptions &options) {
  std::string error;
  llvm::raw_string_ostream errorStream(error);
  if (failed(parsePassPipeline(getLowerToCPUPipelineText(options), pm,
                               errorStream)))
    pm.addPass(std::make_unique<ReportPipelineErrorPass>(
        "longctx-lower-to-cpu: cannot build the pipeline: " + error));
}

namespace {
/// A GPU architecture the NVPTX backend generates code for, and the lowest
/// PTX version that has it.
struct KnownChip {
  const char *name;
  unsigned minPtx;
};
} // namespace

static constexpr KnownChip kKnownChips[] = {
    {"sm_50", 40},   {"sm_52", 41},  {"sm_53", 42},   {"sm_60", 50},
    {"sm_61", 50},   {"sm_62", 50},  {"sm_70", 60},   {"sm_72", 61},
    {"sm_75", 63},   {"sm_80", 70},  {"sm_86", 71},   {"sm_87", 74},
    {"sm_89", 78},   {"sm_90", 78},  {"sm_90a", 80},  {"sm_100", 86},
    {"sm_100a", 86}, {"sm_101", 86}, {"sm_101a", 86}, {"sm_120", 87},
    {"sm_120a", 87}};

std::string mlir::longctx::verifyLowerToNVVMPipelineOptions(
    const LowerToNVVMPipelineOptions &options) {
  const KnownChip *chip = nullptr;
  for (const KnownChip &known : kKnownChips)
    if (options.chip == known.name)
      chip = &known;
  if (!chip) {
    std::string names;
    for (const KnownChip &known : kKnownChips)
      names += (names.empty() ? "" : ", ") + std::string(known.name);
    return "unknown chip '" + options.chip + "' (known: " + names + ")";
  }
  StringRef features = options.features;
  unsigned ptx = 0;
  if (!features.consume_front("+ptx") || features.getAsInteger(10, ptx))
    return "features must be a PTX version such as +ptx80, got '" +
           options.features + "'";
  if (ptx < chip->minPtx)
    return "chip " + options.chip + " needs PTX " +
           std::to_string(chip->minPtx / 10) + "." +
           std::to_string(chip->minPtx % 10) + " or later (+ptx" +
           std::to_string(chip->minPtx) + "), got " + options.features;
  if (options.format != "isa" && options.format != "bin" &&
      options.format != "fatbin")
    return "unknown format '" + options.format +
           "' (expected isa, bin or fatbin)";
  if (options.optLevel > 3)
    return "opt-level must be 0 to 3, got " + std::to_string(options.optLevel);
  if (StringRef(options.toolkit).contains('"'))
    return "toolkit must be a path without double quotes, got '" +
           options.toolkit + "'";
  if (!options.toolkit.empty() && !llvm::sys::fs::is_directory(options.toolkit))
    return "toolkit '" + options.toolkit +
           "' is not a directory (the CUDA toolkit's root)";
  return "";
}

std::string mlir::longctx::getLowerToNVVMPipelineText(
    const LowerToNVVMPipelineOptions &options) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "convert-longctx-to-gpu{query-tile-size=" << options.queryTileSize
     << " key-tile-size=" << options.keyTileSize
     << " mma=" << (options.mma ? "true" : "false")
     << " memory-ops=" << (options.memoryOps ? "true" : "false")
     << "},"
     // What stays on the host (gates, Titans, memory ops too large for
     // shared memory or with memory-ops=false).
     << "convert-longctx-to-linalg{vector-kernels=false},canonicalize,cse,"
     << "one-shot-bufferize{bufferize-function-boundaries "
        "function-boundary-type-conversion=identity-layout-map "
        "allow-return-allocs-from-loops},"
     << "canonicalize,cse,buffer-deallocation-pipeline,longctx-state-in-place,"
     << "convert-bufferization-to-memref,"
     << "longctx-gpu-define-launchers,gpu-kernel-outlining,"
     << "scf-forall-to-for,func.func(convert-linalg-to-loops),"
     << "lower-affine,convert-scf-to-cf,"
     << "gpu.module(convert-nvgpu-to-nvvm,convert-gpu-to-nvvm,"
        "convert-nvvm-to-llvm,canonicalize,cse,"
        "reconcile-unrealized-casts),"
     << "nvvm-attach-target{chip=" << options.chip
     << " features=" << options.features << " O=" << options.optLevel << "},"
     << "expand-strided-metadata,lower-affine,"
     << "convert-math-to-llvm,finalize-memref-to-llvm,"
     << "convert-arith-to-llvm,convert-index-to-llvm,"
     << "convert-func-to-llvm,convert-cf-to-llvm,gpu-to-llvm,"
     << "reconcile-unrealized-casts,"
     << "gpu-module-to-binary{format=" << options.format;
  // Quoted: a path may hold spaces (verified to hold no quote).
  if (!options.toolkit.empty())
    os << " toolkit=\"" << options.toolkit << "\"";
  os << "}";
  return text;
}


void mlir::longctx::buildLowerToNVVMPassPipeline(
    OpPassManager &pm, const LowerToNVVMPipelineOptions &options) {
  std::string bad = verifyLowerToNVVMPipelineOptions(options);
  if (!bad.empty()) {
    pm.addPass(std::make_unique<ReportPipelineErrorPass>(
        "longctx-lower-to-nvvm: " + bad));
    return;
  }
  std::string error;
  llvm::raw_string_ostream errorStream(error);
  if (failed(parsePassPipeline(getLowerToNVVMPipelineText(options), pm,
                               errorStream)))
    pm.addPass(std::make_unique<ReportPipelineErrorPass>(
        "longctx-lower-to-nvvm: cannot build the pipeline: " + error));
}

void mlir::longctx::registerLongCtxPipelines() {
  PassPipelineRegistration<LowerToNVVMPipelineOptions>(
      "longctx-lower-to-nvvm",
      "Lower longctx attention to flash-attention GPU kernels (NVVM, "
      "embedded as PTX, cubin or fatbin) called from LLVM host code that "
      "runs the rest",
      buildLowerToNVVMPassPipeline);
  PassPipelineRegistration<LowerToCPUPipelineOptions>(
      "longctx-lower-to-cpu",
      "Lower longctx ops through tiled linalg, bufferization and loops to "
      "the LLVM dialect for CPU execution",
      buildLowerToCPUPassPipeline);
}
