//===- GPUKernelBuilder.h - Shared pieces of the GPU lowering ---*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// What the attention, tensor-core attention and memory-op kernel builders of
// convert-longctx-to-gpu / longctx-gpu-define-launchers share: the launcher
// attributes, arithmetic helpers, buffer helpers and the entry points of the
// builders in MmaAttention.cpp and MemoryToGPU.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_LIB_CONVERSION_LONGCTXTOGPU_GPUKERNELBUILDER_H
#define LONGCTX_LIB_CONVERSION_LONGCTXTOGPU_GPUKERNELBUILDER_H

#include "longctx/Conversion/LongCtxToGPU/LongCtxToGPU.h"
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <optional>

namespace mlir::longctx::detail {

// The launcher declaration's description of its kernel.
inline constexpr llvm::StringLiteral kScaleAttr = "scale";
inline constexpr llvm::StringLiteral kQueryTileAttr = "query_tile_size";
inline constexpr llvm::StringLiteral kKeyTileAttr = "key_tile_size";
inline constexpr llvm::StringLiteral kCausalAttr = "causal";
inline constexpr llvm::StringLiteral kWindowAttr = "window";
inline constexpr llvm::StringLiteral kMaskAttr = "mask";
inline constexpr llvm::StringLiteral kMmaAttr = "mma";
inline constexpr llvm::StringLiteral kEpsAttr = "eps";
inline constexpr llvm::StringLiteral kDeltaAttr = "delta";
// Markers of the memory-op launchers.
inline constexpr llvm::StringLiteral kRetrieveLauncherAttr =
    "longctx.gpu_memory_retrieve";
inline constexpr llvm::StringLiteral kUpdateLauncherAttr =
    "longctx.gpu_memory_update";
// Threads per block of the memory kernels, and tokens per staged tile.
inline constexpr int64_t kMemoryThreads = 128;
inline constexpr int64_t kUpdateThreads = 256;
inline constexpr int64_t kUpdateTokenTile = 32;

/// Small arithmetic helpers on one builder and location.
struct KernelBuilder {
  OpBuilder &b;
  Location loc;
  Type accType;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value constant(double v) {
    return arith::ConstantOp::create(b, loc, accType,
                                     b.getFloatAttr(accType, v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value max(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value fmax(Value x, Value y) {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  // x * y + z that the NVPTX backend fuses into one fma.rn (contract).
  Value fma(Value x, Value y, Value z) {
    auto contract = arith::FastMathFlagsAttr::get(
        b.getContext(), arith::FastMathFlags::contract);
    Value p = arith::MulFOp::create(b, loc, x, y, contract);
    return arith::AddFOp::create(b, loc, p, z, contract);
  }
  // f32 exp2 is one ex2.approx.f32 (relative error about 2^-22), so the
  // kernel needs no libdevice, which the math dialect would call; f64 has
  // no native instruction and takes libdevice's __nv_exp2.
  Value exp2(Value x) {
    if (!x.getType().isF32())
      return math::Exp2Op::create(b, loc, x);
    return NVVM::InlinePtxOp::create(b, loc, TypeRange{x.getType()},
                                     ValueRange{x}, ValueRange{},
                                     "ex2.approx.f32 $0, $1;", Value())
        .getResult(0);
  }
  /// ELU(x) + 1 = x > 0 ? x + 1 : exp(x), the memory's activation.
  Value eluPlusOne(Value x) {
    Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                           constant(0.0));
    Value linear = arith::AddFOp::create(b, loc, x, constant(1.0));
    Value expo = exp2(fmul(x, constant(1.0 / std::log(2.0))));
    return arith::SelectOp::create(b, loc, positive, linear, expo);
  }
  /// Loads `memref[indices]` and widens it to the accumulation type.
  Value loadAcc(Value memref, ValueRange indices) {
    Value x = memref::LoadOp::create(b, loc, memref, indices);
    if (x.getType() != accType)
      x = arith::ExtFOp::create(b, loc, accType, x);
    return x;
  }
};

/// The identity-layout memref type of the tensor type `type`.
inline MemRefType getBufferType(Type type) {
  auto tensorType = cast<RankedTensorType>(type);
  return MemRefType::get(tensorType.getShape(), tensorType.getElementType());
}

/// The dynamic sizes of `memref`, for an allocation of the same type.
inline SmallVector<Value> getDynamicSizes(OpBuilder &b, Location loc,
                                          Value memref) {
  SmallVector<Value> sizes;
  auto type = cast<MemRefType>(memref.getType());
  for (int64_t i = 0, e = type.getRank(); i < e; ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(memref::DimOp::create(b, loc, memref, i));
  return sizes;
}

/// What the tensor-core kernel needs besides its buffers.
struct MmaAttentionParams {
  int64_t group, queryTile, keyTile;
  bool causal;
  std::optional<int64_t> window;
  double scale; // times log2(e)
};

/// Whether the tensor-core kernel applies: f16 operands, head dims that are
/// whole mma.sync m16n8k16 tiles, tiles of whole warps and key chunks.
bool canUseMma(AttentionOp op, const GPUAttentionTiling &tiling);

/// Launches, after `token`, the tensor-core flash-attention kernel on the
/// device buffers; returns the launch's token (MmaAttention.cpp).
Value launchMmaAttention(OpBuilder &b, Location loc, Value token, Value query,
                         Value key, Value value, Value mask, Value output,
                         const MmaAttentionParams &p);

/// Adds the patterns that replace longctx.memory_retrieve / memory_update
/// with launcher calls (MemoryToGPU.cpp).
void populateMemoryOpsToGPUPatterns(RewritePatternSet &patterns);

/// Define the memory-op launcher declarations (MemoryToGPU.cpp).
void defineMemoryRetrieveLauncher(func::FuncOp fn, DictionaryAttr spec);
void defineMemoryUpdateLauncher(func::FuncOp fn, DictionaryAttr spec);

} // namespace mlir::longctx::detail

#endif // LONGCTX_LIB_CONVERSION_LONGCTXTOGPU_GPUKERNELBUILDER_H
