//===- LongCtxToGPU.cpp - Lower longctx.attention to a GPU kernel ---------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `convert-longctx-to-gpu`: `longctx.attention` becomes a
// flash-attention kernel (`gpu.launch`) on device buffers. Blocks own a tile
// of query rows of one head, threads own one row each and keep its query,
// running max, running sum and accumulator in registers; key/value tiles are
// staged in shared memory and read by every thread of the block.
//
//===----------------------------------------------------------------------===//

#include "longctx/Conversion/LongCtxToGPU/LongCtxToGPU.h"
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace mlir::longctx {
#define GEN_PASS_DEF_CONVERTLONGCTXTOGPUPASS
#define GEN_PASS_DEF_LONGCTXGPUDEFINELAUNCHERSPASS
#include "longctx/Conversion/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

// The launcher declaration's description of its kernel.
static constexpr llvm::StringLiteral kScaleAttr = "scale";
static constexpr llvm::StringLiteral kQueryTileAttr = "query_tile_size";
static constexpr llvm::StringLiteral kKeyTileAttr = "key_tile_size";
static constexpr llvm::StringLiteral kCausalAttr = "causal";
static constexpr llvm::StringLiteral kWindowAttr = "window";
static constexpr llvm::StringLiteral kMaskAttr = "mask";
static constexpr llvm::StringLiteral kMmaAttr = "mma";
static constexpr llvm::StringLiteral kEpsAttr = "eps";
static constexpr llvm::StringLiteral kDeltaAttr = "delta";
// Markers of the memory-op launchers.
static constexpr llvm::StringLiteral kRetrieveLauncherAttr =
    "longctx.gpu_memory_retrieve";
static constexpr llvm::StringLiteral kUpdateLauncherAttr =
    "longctx.gpu_memory_update";
// Threads per block of the memory kernels, and tokens per staged tile.
static constexpr int64_t kMemoryThreads = 128;
static constexpr int64_t kUpdateThreads = 256;
static constexpr int64_t kUpdateTokenTile = 32;

std::string
mlir::longctx::verifyGPUAttentionTiling(const GPUAttentionTiling &tiling) {
  if (tiling.queryTileSize < 1 || tiling.queryTileSize > 1024)
    return "query-tile-size (threads per block) must be in [1, 1024], got " +
           std::to_string(tiling.queryTileSize);
  if (tiling.keyTileSize < 1)
    return "key-tile-size must be positive, got " +
           std::to_string(tiling.keyTileSize);
  return "";
}

/// Shared memory of one block: the key tile, the value tile and the scores.
static int64_t getSharedMemoryBytes(const GPUAttentionTiling &tiling,
                                    int64_t headDim, int64_t valueDim,
                                    int64_t accBytes) {
  return tiling.keyTileSize * (headDim + valueDim + tiling.queryTileSize) *
         accBytes;
}

static bool canUseMma(AttentionOp op, const GPUAttentionTiling &tiling);

/// Returns the reason `op` cannot become a GPU kernel, or an empty string.
static std::string getUnsupportedReason(AttentionOp op,
                                        const GPUAttentionTiling &tiling) {
  ArrayRef<int64_t> q = op.getQuery().getType().getShape();
  ArrayRef<int64_t> k = op.getKey().getType().getShape();
  ArrayRef<int64_t> v = op.getValue().getType().getShape();
  if (ShapedType::isDynamic(q[1]) || ShapedType::isDynamic(k[1]) ||
      ShapedType::isDynamic(q[3]) || ShapedType::isDynamic(v[3]))
    return "head counts and head dims must be static to lower "
           "longctx.attention to a GPU kernel";
  if (Value mask = op.getMask()) {
    ArrayRef<int64_t> m = cast<RankedTensorType>(mask.getType()).getShape();
    if (ShapedType::isDynamic(m[0]) || ShapedType::isDynamic(m[1]))
      return "the mask batch and head dimensions must be static to lower "
             "longctx.attention to a GPU kernel";
  }
  Type accType = getStateElementType(op.getQuery().getType().getElementType());
  int64_t bytes = getSharedMemoryBytes(tiling, q[3], v[3],
                                       accType.getIntOrFloatBitWidth() / 8);
  if (bytes > kGPUStaticSharedMemoryLimit)
    return "the GPU kernel's tiles need " + std::to_string(bytes) +
           " bytes of shared memory (key-tile-size x (d + dv + "
           "query-tile-size) x " +
           std::to_string(accType.getIntOrFloatBitWidth() / 8) +
           " bytes), more than the " +
           std::to_string(kGPUStaticSharedMemoryLimit) +
           " a block has; use smaller tiles";
  return "";
}

namespace {
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

struct AttentionOpToGPU final : OpRewritePattern<AttentionOp> {
  AttentionOpToGPU(MLIRContext *context, const GPUAttentionTiling &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override;

  GPUAttentionTiling tiling;
};
} // namespace

/// The identity-layout memref type of the tensor type `type`.
static MemRefType getBufferType(Type type) {
  auto tensorType = cast<RankedTensorType>(type);
  return MemRefType::get(tensorType.getShape(), tensorType.getElementType());
}

/// The dynamic sizes of `memref`, for an allocation of the same type.
static SmallVector<Value> getDynamicSizes(OpBuilder &b, Location loc,
                                          Value memref) {
  SmallVector<Value> sizes;
  auto type = cast<MemRefType>(memref.getType());
  for (int64_t i = 0, e = type.getRank(); i < e; ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(memref::DimOp::create(b, loc, memref, i));
  return sizes;
}

LogicalResult
AttentionOpToGPU::matchAndRewrite(AttentionOp op,
                                  PatternRewriter &rewriter) const {
  std::string reason = getUnsupportedReason(op, tiling);
  if (!reason.empty())
    return rewriter.notifyMatchFailure(op, reason);
  auto module = op->getParentOfType<ModuleOp>();
  if (!module)
    return rewriter.notifyMatchFailure(op, "not inside a module");

  // Host buffers of the operands and of the result.
  Location loc = op.getLoc();
  SmallVector<Value> args;
  for (Value operand : op->getOperands())
    args.push_back(bufferization::ToBufferOp::create(
        rewriter, loc, getBufferType(operand.getType()), operand,
        /*read_only=*/true));
  MemRefType outType = getBufferType(op.getResult().getType());
  SmallVector<Value> outSizes;
  if (outType.isDynamicDim(0))
    outSizes.push_back(memref::DimOp::create(rewriter, loc, args[0], 0));
  if (outType.isDynamicDim(2))
    outSizes.push_back(memref::DimOp::create(rewriter, loc, args[0], 2));
  Value out =
      memref::AllocOp::create(rewriter, loc, outType, outSizes).getResult();
  args.push_back(out);

  // The launcher: a declaration now, defined by
  // longctx-gpu-define-launchers after buffer deallocation.
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<NamedAttribute> spec = {
      rewriter.getNamedAttr(kScaleAttr,
                            rewriter.getF64FloatAttr(*op.getEffectiveScale())),
      rewriter.getNamedAttr(kQueryTileAttr,
                            rewriter.getI64IntegerAttr(tiling.queryTileSize)),
      rewriter.getNamedAttr(kKeyTileAttr,
                            rewriter.getI64IntegerAttr(tiling.keyTileSize))};
  if (op.getCausal())
    spec.push_back(rewriter.getNamedAttr(kCausalAttr, UnitAttr::get(ctx)));
  if (std::optional<int64_t> window = op.getWindow())
    spec.push_back(rewriter.getNamedAttr(kWindowAttr,
                                         rewriter.getI64IntegerAttr(*window)));
  if (op.getMask())
    spec.push_back(rewriter.getNamedAttr(kMaskAttr, UnitAttr::get(ctx)));
  if (tiling.mma && canUseMma(op, tiling))
    spec.push_back(rewriter.getNamedAttr(kMmaAttr, UnitAttr::get(ctx)));
  auto fnType = FunctionType::get(ctx, ValueRange(args).getTypes(), {});
  func::FuncOp launcher;
  {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToEnd(module.getBody());
    launcher =
        func::FuncOp::create(rewriter, loc, "longctx_gpu_attention", fnType);
    launcher.setPrivate();
    launcher->setAttr(kLauncherAttr, DictionaryAttr::get(ctx, spec));
    SymbolTable(module).insert(launcher); // unique name
  }
  func::CallOp::create(rewriter, loc, launcher, args);
  rewriter.replaceOp(op, bufferization::ToTensorOp::create(
                             rewriter, loc, op.getResult().getType(), out,
                             /*restrict=*/true, /*writable=*/true));
  return success();
}

namespace {
/// What the tensor-core kernel needs besides its buffers.
struct MmaAttentionParams {
  int64_t group, queryTile, keyTile;
  bool causal;
  std::optional<int64_t> window;
  double scale; // times log2(e)
};
} // namespace

/// Whether the tensor-core kernel applies: f16 operands, head dims that are
/// whole mma.sync m16n8k16 tiles, tiles of whole warps and key chunks.
static bool canUseMma(AttentionOp op, const GPUAttentionTiling &tiling) {
  auto isF16 = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getElementType().isF16();
  };
  int64_t d = op.getQuery().getType().getDimSize(3);
  int64_t dv = op.getValue().getType().getDimSize(3);
  return isF16(op.getQuery()) && isF16(op.getKey()) && isF16(op.getValue()) &&
         d % 16 == 0 && dv % 8 == 0 && tiling.queryTileSize % 16 == 0 &&
         2 * tiling.queryTileSize <= 1024 && tiling.keyTileSize % 16 == 0 &&
         tiling.keyTileSize * (d + dv) * 2 <= kGPUStaticSharedMemoryLimit;
}

/// Launches, after `token`, the tensor-core (mma.sync m16n8k16, f16 inputs,
/// f32 accumulation) flash-attention kernel. A block per (query tile, head,
/// batch) with a warp per 16 query rows; K and V tiles staged in shared
/// memory as f16. Lane (g = lane / 4, t = lane % 4) holds rows g and g + 8
/// of its warp: the query as A fragments, scores as C fragments (keys
/// 2t, 2t+1 of every 8), which become the A fragments of P V in registers,
/// and the output accumulator as C fragments; row max and sum are reduced
/// over the 4 lanes of a row with shuffles. Returns the launch's token.
static Value launchMmaAttention(OpBuilder &b, Location loc, Value token,
                                Value query, Value key, Value value, Value mask,
                                Value output, const MmaAttentionParams &p) {
  MLIRContext *ctx = b.getContext();
  Type f16 = b.getF16Type(), f32 = b.getF32Type();
  auto queryType = cast<MemRefType>(query.getType());
  const int64_t numHeads = queryType.getDimSize(1);
  const int64_t d = queryType.getDimSize(3);
  const int64_t dv = cast<MemRefType>(value.getType()).getDimSize(3);
  const int64_t tq = p.queryTile, tk = p.keyTile, threads = 2 * tq;
  KernelBuilder hb{b, loc, f32};
  Value batch = memref::DimOp::create(b, loc, query, 0);
  Value queryLen = memref::DimOp::create(b, loc, query, 2);
  Value keyLen = memref::DimOp::create(b, loc, key, 2);
  Value numTiles = arith::CeilDivSIOp::create(b, loc, queryLen, hb.index(tq));
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto sharedType = [&](int64_t cols) {
    return MemRefType::get({tk, cols}, f16, MemRefLayoutAttrInterface(),
                           workgroup);
  };
  Value one = hb.index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, numTiles, hb.index(numHeads), batch, hb.index(threads), one, one,
      nullptr, gpu::AsyncTokenType::get(ctx), ValueRange{token},
      TypeRange{sharedType(d), sharedType(dv)});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  KernelBuilder kb{b, loc, f32};
  Value ks = launch.getWorkgroupAttributions()[0];
  Value vs = launch.getWorkgroupAttributions()[1];
  Value tid = launch.getThreadIds().x, head = launch.getBlockIds().y;
  Value bi = launch.getBlockIds().z;
  Value tile = launch.getBlockIds().x;
  if (p.causal)
    tile = kb.sub(kb.sub(numTiles, one), tile);
  Value q0 = kb.mul(tile, kb.index(tq));
  Value lane = arith::RemUIOp::create(b, loc, tid, kb.index(32));
  Value warp = arith::DivUIOp::create(b, loc, tid, kb.index(32));
  Value g = arith::DivUIOp::create(b, loc, lane, kb.index(4));
  Value t = arith::RemUIOp::create(b, loc, lane, kb.index(4));
  Value t2 = kb.mul(t, kb.index(2));
  Value rows[2];
  rows[0] = kb.add(kb.add(q0, kb.mul(warp, kb.index(16))), g);
  rows[1] = kb.add(rows[0], kb.index(8));
  Value zeroIdx = kb.index(0);
  Value lastRow = kb.max(kb.sub(queryLen, one), zeroIdx);
  Value lastKey = kb.max(kb.sub(keyLen, one), zeroIdx);
  Value loadRows[2] = {kb.max(kb.min(rows[0], lastRow), zeroIdx),
                       kb.max(kb.min(rows[1], lastRow), zeroIdx)};
  Value kvHead = arith::DivUIOp::create(b, loc, head, kb.index(p.group));
  Value diagonal = kb.sub(keyLen, queryLen);
  Value windowMinusOne = p.window ? kb.index(*p.window - 1) : Value();
  Value negInf = kb.constant(-std::numeric_limits<double>::infinity());
  Value zero = kb.constant(0.0);
  Value lowest = kb.constant(std::numeric_limits<float>::lowest());
  Value scaleV = kb.constant(p.scale),
        log2eV = kb.constant(1.0 / std::log(2.0));
  auto fragType = [&](int64_t r, Type e) { return VectorType::get({r, 2}, e); };
  auto fromElements = [&](OpBuilder &ob, VectorType type, ValueRange elems) {
    return vector::FromElementsOp::create(ob, loc, type, elems).getResult();
  };
  auto extract = [&](OpBuilder &ob, Value v, int64_t i, int64_t j) {
    return vector::ExtractOp::create(ob, loc, v, ArrayRef<int64_t>{i, j})
        .getResult();
  };

  // The query rows as A fragments (16 of the head dim each).
  SmallVector<Value> qFrags;
  for (int64_t kc = 0; kc < d / 16; ++kc) {
    SmallVector<Value> e;
    for (int64_t reg = 0; reg < 4; ++reg) {
      Value row = loadRows[reg % 2];
      Value col = kb.add(t2, kb.index(kc * 16 + (reg / 2) * 8));
      for (int64_t j = 0; j < 2; ++j)
        e.push_back(memref::LoadOp::create(
            b, loc, query,
            ValueRange{bi, head, row, kb.add(col, kb.index(j))}));
    }
    qFrags.push_back(fromElements(b, fragType(4, f16), e));
  }

  Value keyEnd = keyLen;
  if (p.causal)
    keyEnd = kb.min(kb.max(kb.add(kb.add(q0, kb.index(tq)), diagonal), zeroIdx),
                    keyLen);
  Value keyStart = zeroIdx;
  if (p.window)
    keyStart = kb.max(kb.sub(kb.add(q0, diagonal), windowMinusOne), zeroIdx);

  // Cooperative copy of rows [k0, k0 + tk) of `src` into `dst`, as f16.
  auto stage = [&](OpBuilder &ob, Value k0, Value src, Value dst,
                   int64_t cols) {
    KernelBuilder sb{ob, loc, f32};
    int64_t total = tk * cols;
    scf::ForOp::create(
        ob, loc, sb.index(0), sb.index((total + threads - 1) / threads),
        sb.index(1), ValueRange{},
        [&](OpBuilder &lb, Location, Value it, ValueRange) {
          KernelBuilder ib{lb, loc, f32};
          Value idx = ib.add(ib.mul(it, ib.index(threads)), tid);
          Value inside =
              ib.cmp(arith::CmpIPredicate::ult, idx, ib.index(total));
          scf::IfOp::create(lb, loc, inside, [&](OpBuilder &tb, Location) {
            KernelBuilder xb{tb, loc, f32};
            Value r = arith::DivUIOp::create(tb, loc, idx, xb.index(cols));
            Value c = arith::RemUIOp::create(tb, loc, idx, xb.index(cols));
            Value kr = xb.min(xb.add(k0, r), lastKey);
            Value x = memref::LoadOp::create(tb, loc, src,
                                             ValueRange{bi, kvHead, kr, c});
            memref::StoreOp::create(tb, loc, x, dst, ValueRange{r, c});
            scf::YieldOp::create(tb, loc);
          });
          scf::YieldOp::create(lb, loc);
        });
  };
  auto rowReduce = [&](OpBuilder &ob, Value x, bool isMax) {
    for (int32_t offset : {1, 2}) {
      Value other =
          gpu::ShuffleOp::create(ob, loc, x, offset, 32, gpu::ShuffleMode::XOR)
              .getShuffleResult();
      x = isMax ? arith::MaximumFOp::create(ob, loc, x, other).getResult()
                : arith::AddFOp::create(ob, loc, x, other).getResult();
    }
    return x;
  };

  // State: max and partial sum of rows g, g + 8, the output C fragments.
  SmallVector<Value> init = {lowest, lowest, zero, zero};
  Value zeroFrag = fromElements(b, fragType(2, f32), {zero, zero, zero, zero});
  init.append(dv / 8, zeroFrag);
  auto keyLoop = scf::ForOp::create(
      b, loc, keyStart, keyEnd, kb.index(tk), init,
      [&](OpBuilder &lb, Location, Value k0, ValueRange state) {
        KernelBuilder ib{lb, loc, f32};
        stage(lb, k0, key, ks, d);
        stage(lb, k0, value, vs, dv);
        gpu::BarrierOp::create(lb, loc);
        // S = Q K^T: a C fragment per 8 keys; B[k][n] = K[n][k] is two
        // consecutive f16 of a key row.
        SmallVector<SmallVector<Value, 4>> sc; // [chunk][row*2+j]
        for (int64_t nb = 0; nb < tk / 8; ++nb) {
          Value acc = zeroFrag;
          Value keyRow = ib.add(g, ib.index(nb * 8));
          for (int64_t kc = 0; kc < d / 16; ++kc) {
            SmallVector<Value> e;
            for (int64_t reg = 0; reg < 2; ++reg)
              for (int64_t j = 0; j < 2; ++j)
                e.push_back(memref::LoadOp::create(
                    lb, loc, ks,
                    ValueRange{keyRow,
                               ib.add(t2, ib.index(kc * 16 + reg * 8 + j))}));
            Value bFrag = fromElements(lb, fragType(2, f16), e);
            acc = nvgpu::MmaSyncOp::create(lb, loc, qFrags[kc], bFrag, acc,
                                           ArrayRef<int64_t>{16, 8, 16})
                      .getResult();
          }
          SmallVector<Value, 4> vals;
          for (int64_t r = 0; r < 2; ++r)
            for (int64_t j = 0; j < 2; ++j) {
              Value s = ib.fmul(extract(lb, acc, r, j), scaleV);
              Value col = ib.add(ib.add(k0, ib.index(nb * 8 + j)), t2);
              Value diagRow = ib.add(rows[r], diagonal);
              Value visible = ib.cmp(arith::CmpIPredicate::slt, col, keyLen);
              if (p.causal)
                visible = arith::AndIOp::create(
                    lb, loc, visible,
                    ib.cmp(arith::CmpIPredicate::sle, col, diagRow));
              if (p.window)
                visible = arith::AndIOp::create(
                    lb, loc, visible,
                    ib.cmp(arith::CmpIPredicate::sge,
                           ib.add(col, windowMinusOne), diagRow));
              if (mask) {
                auto maskType = cast<MemRefType>(mask.getType());
                Value mb = maskType.getDimSize(0) == 1 ? zeroIdx : bi;
                Value mh = maskType.getDimSize(1) == 1 ? zeroIdx : head;
                Value m = memref::LoadOp::create(
                    lb, loc, mask,
                    ValueRange{mb, mh, loadRows[r], ib.min(col, lastKey)});
                if (m.getType().isInteger(1)) {
                  visible = arith::AndIOp::create(lb, loc, visible, m);
                } else {
                  if (!m.getType().isF32())
                    m = arith::ExtFOp::create(lb, loc, f32, m);
                  s = ib.fma(m, log2eV, s);
                }
              }
              vals.push_back(
                  arith::SelectOp::create(lb, loc, visible, s, negInf));
            }
          sc.push_back(vals);
        }
        // Online softmax per row (r = 0: row g, r = 1: row g + 8).
        Value newMax[2], alpha[2], sums[2];
        for (int64_t r = 0; r < 2; ++r) {
          Value m = state[r];
          Value tmax = negInf;
          for (auto &vals : sc)
            for (int64_t j = 0; j < 2; ++j)
              tmax = ib.fmax(tmax, vals[r * 2 + j]);
          tmax = rowReduce(lb, tmax, /*isMax=*/true);
          newMax[r] = ib.fmax(m, tmax);
          alpha[r] = ib.exp2(ib.fsub(m, newMax[r]));
          sums[r] = ib.fmul(state[2 + r], alpha[r]);
        }
        SmallVector<SmallVector<Value, 4>> probs;
        for (auto &vals : sc) {
          SmallVector<Value, 4> pv;
          for (int64_t r = 0; r < 2; ++r)
            for (int64_t j = 0; j < 2; ++j) {
              Value pr = ib.exp2(ib.fsub(vals[r * 2 + j], newMax[r]));
              sums[r] = ib.fadd(sums[r], pr);
              pv.push_back(pr);
            }
          probs.push_back(pv);
        }
        // O = O * alpha + P V: P's A fragment (16 keys) is two score C
        // fragments; B[k][n] = V[k][n], two rows of the value tile.
        SmallVector<Value> yielded = {newMax[0], newMax[1], sums[0], sums[1]};
        for (int64_t nbv = 0; nbv < dv / 8; ++nbv) {
          Value o = state[4 + nbv];
          SmallVector<Value> scaled;
          for (int64_t r = 0; r < 2; ++r)
            for (int64_t j = 0; j < 2; ++j)
              scaled.push_back(ib.fmul(extract(lb, o, r, j), alpha[r]));
          o = fromElements(lb, fragType(2, f32), scaled);
          Value valueCol = ib.add(g, ib.index(nbv * 8));
          for (int64_t kk = 0; kk < tk / 16; ++kk) {
            SmallVector<Value> a;
            for (int64_t reg = 0; reg < 4; ++reg)
              for (int64_t j = 0; j < 2; ++j)
                a.push_back(arith::TruncFOp::create(
                    lb, loc, f16, probs[2 * kk + reg / 2][(reg % 2) * 2 + j]));
            Value aFrag = fromElements(lb, fragType(4, f16), a);
            SmallVector<Value> e;
            for (int64_t reg = 0; reg < 2; ++reg)
              for (int64_t j = 0; j < 2; ++j)
                e.push_back(memref::LoadOp::create(
                    lb, loc, vs,
                    ValueRange{ib.add(t2, ib.index(kk * 16 + reg * 8 + j)),
                               valueCol}));
            Value bFrag = fromElements(lb, fragType(2, f16), e);
            o = nvgpu::MmaSyncOp::create(lb, loc, aFrag, bFrag, o,
                                         ArrayRef<int64_t>{16, 8, 16})
                    .getResult();
          }
          yielded.push_back(o);
        }
        gpu::BarrierOp::create(lb, loc);
        scf::YieldOp::create(lb, loc, yielded);
      });

  // O = acc / l (0 where l == 0), for rows inside N.
  Value total[2] = {rowReduce(b, keyLoop.getResult(2), /*isMax=*/false),
                    rowReduce(b, keyLoop.getResult(3), /*isMax=*/false)};
  for (int64_t r = 0; r < 2; ++r) {
    Value valid = kb.cmp(arith::CmpIPredicate::slt, rows[r], queryLen);
    scf::IfOp::create(b, loc, valid, [&](OpBuilder &ob, Location) {
      KernelBuilder wb{ob, loc, f32};
      Value isEmpty = arith::CmpFOp::create(ob, loc, arith::CmpFPredicate::OEQ,
                                            total[r], zero);
      for (int64_t nbv = 0; nbv < dv / 8; ++nbv)
        for (int64_t j = 0; j < 2; ++j) {
          Value x = extract(ob, keyLoop.getResult(4 + nbv), r, j);
          Value q = arith::DivFOp::create(ob, loc, x, total[r]);
          Value res = arith::SelectOp::create(ob, loc, isEmpty, zero, q);
          res = arith::TruncFOp::create(ob, loc, f16, res);
          Value col = wb.add(t2, wb.index(nbv * 8 + j));
          memref::StoreOp::create(ob, loc, res, output,
                                  ValueRange{bi, head, rows[r], col});
        }
      scf::YieldOp::create(ob, loc);
    });
  }
  gpu::TerminatorOp::create(b, loc);
  return launch.getAsyncToken();
}

/// Gives the launcher declaration `fn` its body: device copies of the
/// operands, the kernel, the copy of the result back.
static void defineAttentionLauncher(func::FuncOp fn, DictionaryAttr spec) {
  Location loc = fn.getLoc();
  OpBuilder rewriter(fn.getContext());
  Block *entry = fn.addEntryBlock();
  rewriter.setInsertionPointToStart(entry);
  bool hasMask = static_cast<bool>(spec.get(kMaskAttr));
  Value hostQuery = entry->getArgument(0), hostKey = entry->getArgument(1),
        hostValue = entry->getArgument(2);
  Value hostMask = hasMask ? entry->getArgument(3) : Value();
  Value hostOut = entry->getArguments().back();
  auto queryType = cast<MemRefType>(hostQuery.getType());
  Type elementType = queryType.getElementType();
  Type accType = getStateElementType(elementType);
  KernelBuilder hb{rewriter, loc, accType};
  const int64_t numHeads = queryType.getDimSize(1);
  const int64_t numKvHeads = cast<MemRefType>(hostKey.getType()).getDimSize(1);
  const int64_t group = numHeads / numKvHeads;
  const int64_t headDim = queryType.getDimSize(3);
  const int64_t valueDim = cast<MemRefType>(hostValue.getType()).getDimSize(3);
  const int64_t tq = spec.getAs<IntegerAttr>(kQueryTileAttr).getInt();
  const int64_t tk = spec.getAs<IntegerAttr>(kKeyTileAttr).getInt();
  const bool causal = static_cast<bool>(spec.get(kCausalAttr));
  std::optional<int64_t> window;
  if (auto w = spec.getAs<IntegerAttr>(kWindowAttr))
    window = w.getInt();
  // exp(x) = exp2(x log2(e)): the factor is folded into the query scale.
  const double log2e = 1.0 / std::log(2.0);
  const double scale =
      spec.getAs<FloatAttr>(kScaleAttr).getValueAsDouble() * log2e;

  // Every device operation goes on one stream, ordered by a chain of
  // async tokens (the form gpu-to-llvm lowers to runtime calls).
  Type tokenType = gpu::AsyncTokenType::get(fn.getContext());
  Value token = gpu::WaitOp::create(rewriter, loc, tokenType, ValueRange{})
                    .getAsyncToken();
  auto allocLike = [&](Value host) -> Value {
    auto alloc = gpu::AllocOp::create(
        rewriter, loc, host.getType(), tokenType, ValueRange{token},
        getDynamicSizes(rewriter, loc, host), ValueRange{}, UnitAttr());
    token = alloc.getAsyncToken();
    return alloc.getMemref();
  };
  auto copy = [&](Value dst, Value src) {
    token = gpu::MemcpyOp::create(rewriter, loc, tokenType, ValueRange{token},
                                  dst, src)
                .getAsyncToken();
  };
  auto toDevice = [&](Value host) -> Value {
    Value device = allocLike(host);
    copy(device, host);
    return device;
  };
  Value query = toDevice(hostQuery);
  Value key = toDevice(hostKey);
  Value value = toDevice(hostValue);
  Value mask = hasMask ? toDevice(hostMask) : Value();
  Value batch = memref::DimOp::create(rewriter, loc, query, 0);
  Value queryLen = memref::DimOp::create(rewriter, loc, query, 2);
  Value keyLen = memref::DimOp::create(rewriter, loc, key, 2);
  Value output = allocLike(hostOut);

  if (spec.get(kMmaAttr)) {
    MmaAttentionParams params{group, tq, tk, causal, window, scale};
    token = launchMmaAttention(rewriter, loc, token, query, key, value, mask,
                               output, params);
  } else {
    // Grid (query tiles, heads, batch). An empty grid (no queries, an empty
    // batch) launches nothing: the runtime skips it.
    Value one = hb.index(1);
    Value numTiles =
        arith::CeilDivSIOp::create(rewriter, loc, queryLen, hb.index(tq));
    Value gridX = numTiles;
    auto workgroup = gpu::AddressSpaceAttr::get(rewriter.getContext(),
                                                gpu::AddressSpace::Workgroup);
    auto sharedType = [&](int64_t rows, int64_t cols) {
      return MemRefType::get({rows, cols}, accType, MemRefLayoutAttrInterface(),
                             workgroup);
    };
    auto launch = gpu::LaunchOp::create(
        rewriter, loc, gridX, hb.index(numHeads), batch, hb.index(tq), one, one,
        /*dynamicSharedMemorySize=*/nullptr, tokenType, ValueRange{token},
        TypeRange{sharedType(tk, headDim), sharedType(tk, valueDim),
                  sharedType(tk, tq)});
    {
      OpBuilder::InsertionGuard guard(rewriter);
      Block &body = launch.getBody().front();
      rewriter.setInsertionPointToStart(&body);
      KernelBuilder kb{rewriter, loc, accType};
      ArrayRef<BlockArgument> shared = launch.getWorkgroupAttributions();
      Value keyTile = shared[0], valueTile = shared[1], scoreTile = shared[2];
      Value tid = launch.getThreadIds().x;
      Value head = launch.getBlockIds().y;
      Value b = launch.getBlockIds().z;
      // Causal blocks cost in proportion to their position: launch the
      // expensive ones first so the tail of the grid is cheap.
      Value tile = launch.getBlockIds().x;
      if (causal)
        tile = kb.sub(kb.sub(numTiles, one), tile);
      Value q0 = kb.mul(tile, kb.index(tq));
      Value row = kb.add(q0, tid);
      Value rowValid = kb.cmp(arith::CmpIPredicate::slt, row, queryLen);
      // Rows past the end still take part in loads and barriers; they read
      // the last row and do not store.
      Value lastRow = kb.max(kb.sub(queryLen, one), kb.index(0));
      Value loadRow = kb.max(kb.min(row, lastRow), kb.index(0));
      Value kvHead =
          arith::DivUIOp::create(rewriter, loc, head, kb.index(group));
      Value zeroIdx = kb.index(0);
      Value diagonal = kb.sub(keyLen, queryLen);
      Value lastKey = kb.max(kb.sub(keyLen, one), zeroIdx);

      // The query row, scaled, in registers.
      Value scaleV = kb.constant(scale);
      SmallVector<Value> q;
      for (int64_t c = 0; c < headDim; ++c)
        q.push_back(kb.fmul(kb.loadAcc(query, {b, head, loadRow, kb.index(c)}),
                            scaleV));

      // Keys this block can see.
      Value keyEnd = keyLen;
      if (causal) {
        Value end = kb.add(kb.add(q0, kb.index(tq)), diagonal);
        keyEnd = kb.min(kb.max(end, zeroIdx), keyLen);
      }
      Value keyStart = zeroIdx;
      Value windowMinusOne = window ? kb.index(*window - 1) : Value();
      if (window)
        keyStart =
            kb.max(kb.sub(kb.add(q0, diagonal), windowMinusOne), zeroIdx);

      // Cooperative, coalesced copy of rows [k0, k0 + tk) of `src` (clamped to
      // the last key) into the shared tile `dst` with `cols` columns.
      auto stageTile = [&](OpBuilder &ob, Value k0, Value src, Value dst,
                           int64_t cols) {
        KernelBuilder sb{ob, loc, accType};
        int64_t total = tk * cols;
        int64_t steps = (total + tq - 1) / tq;
        scf::ForOp::create(
            ob, loc, sb.index(0), sb.index(steps), sb.index(1), ValueRange{},
            [&](OpBuilder &lb, Location, Value it, ValueRange) {
              KernelBuilder ib{lb, loc, accType};
              Value idx = ib.add(ib.mul(it, ib.index(tq)), tid);
              auto copy = [&](OpBuilder &cb) {
                KernelBuilder xb{cb, loc, accType};
                Value r = arith::DivUIOp::create(cb, loc, idx, xb.index(cols));
                Value c = arith::RemUIOp::create(cb, loc, idx, xb.index(cols));
                Value kr = xb.min(xb.add(k0, r), lastKey);
                Value x = xb.loadAcc(src, {b, kvHead, kr, c});
                memref::StoreOp::create(cb, loc, x, dst, ValueRange{r, c});
              };
              if (total % tq == 0) {
                copy(lb);
              } else {
                Value inside =
                    ib.cmp(arith::CmpIPredicate::ult, idx, ib.index(total));
                scf::IfOp::create(lb, loc, inside,
                                  [&](OpBuilder &tb, Location) {
                                    copy(tb);
                                    scf::YieldOp::create(tb, loc);
                                  });
              }
              scf::YieldOp::create(lb, loc);
            });
      };

      Value negInf = kb.constant(-std::numeric_limits<double>::infinity());
      Value zero = kb.constant(0.0);
      Value lowest =
          kb.constant(accType.isF64() ? std::numeric_limits<double>::lowest()
                                      : std::numeric_limits<float>::lowest());
      Value log2eV = kb.constant(log2e);
      bool maskBatchBroadcast = false, maskHeadBroadcast = false;
      if (mask) {
        auto maskType = cast<MemRefType>(mask.getType());
        maskBatchBroadcast = maskType.getDimSize(0) == 1;
        maskHeadBroadcast = maskType.getDimSize(1) == 1;
      }

      SmallVector<Value> init = {lowest, zero};
      init.append(valueDim, zero);
      auto keyLoop = scf::ForOp::create(
          rewriter, loc, keyStart, keyEnd, kb.index(tk), init,
          [&](OpBuilder &lb, Location, Value k0, ValueRange state) {
            KernelBuilder ib{lb, loc, accType};
            stageTile(lb, k0, key, keyTile, headDim);
            stageTile(lb, k0, value, valueTile, valueDim);
            gpu::BarrierOp::create(lb, loc);

            // Scores of this row against the tile, into the row's column of
            // the score tile; t = their max.
            auto scoreLoop = scf::ForOp::create(
                lb, loc, ib.index(0), ib.index(tk), ib.index(1),
                ValueRange{negInf},
                [&](OpBuilder &sb, Location, Value j, ValueRange tmax) {
                  KernelBuilder jb{sb, loc, accType};
                  // Four partial sums for instruction-level parallelism.
                  SmallVector<Value> part(std::min<int64_t>(4, headDim), zero);
                  for (int64_t c = 0; c < headDim; ++c) {
                    Value kc = memref::LoadOp::create(
                        sb, loc, keyTile, ValueRange{j, jb.index(c)});
                    part[c % part.size()] =
                        jb.fma(q[c], kc, part[c % part.size()]);
                  }
                  Value s = part[0];
                  for (size_t p = 1; p < part.size(); ++p)
                    s = jb.fadd(s, part[p]);
                  Value col = jb.add(k0, j);
                  Value visible =
                      jb.cmp(arith::CmpIPredicate::slt, col, keyLen);
                  Value diagRow = jb.add(row, diagonal);
                  if (causal)
                    visible = arith::AndIOp::create(
                        sb, loc, visible,
                        jb.cmp(arith::CmpIPredicate::sle, col, diagRow));
                  if (window)
                    visible = arith::AndIOp::create(
                        sb, loc, visible,
                        jb.cmp(arith::CmpIPredicate::sge,
                               jb.add(col, windowMinusOne), diagRow));
                  if (mask) {
                    Value loadCol = jb.min(col, lastKey);
                    Value mb = maskBatchBroadcast ? zeroIdx : b;
                    Value mh = maskHeadBroadcast ? zeroIdx : head;
                    Value m = memref::LoadOp::create(
                        sb, loc, mask, ValueRange{mb, mh, loadRow, loadCol});
                    if (m.getType().isInteger(1)) {
                      visible = arith::AndIOp::create(sb, loc, visible, m);
                    } else {
                      if (m.getType() != accType)
                        m = arith::ExtFOp::create(sb, loc, accType, m);
                      s = jb.fma(m, log2eV, s);
                    }
                  }
                  s = arith::SelectOp::create(sb, loc, visible, s, negInf);
                  memref::StoreOp::create(sb, loc, s, scoreTile,
                                          ValueRange{j, tid});
                  scf::YieldOp::create(sb, loc, jb.fmax(tmax[0], s));
                });

            // Rescale the running state to the new max.
            Value newMax = ib.fmax(state[0], scoreLoop.getResult(0));
            Value alpha = ib.exp2(ib.fsub(state[0], newMax));
            SmallVector<Value> scaled = {ib.fmul(state[1], alpha)};
            for (int64_t e = 0; e < valueDim; ++e)
              scaled.push_back(ib.fmul(state[2 + e], alpha));

            // l += p_j, acc += p_j V_j.
            auto pvLoop = scf::ForOp::create(
                lb, loc, ib.index(0), ib.index(tk), ib.index(1), scaled,
                [&](OpBuilder &pb, Location, Value j, ValueRange acc) {
                  KernelBuilder jb{pb, loc, accType};
                  Value s = memref::LoadOp::create(pb, loc, scoreTile,
                                                   ValueRange{j, tid});
                  Value p = jb.exp2(jb.fsub(s, newMax));
                  SmallVector<Value> next = {jb.fadd(acc[0], p)};
                  for (int64_t e = 0; e < valueDim; ++e) {
                    Value ve = memref::LoadOp::create(
                        pb, loc, valueTile, ValueRange{j, jb.index(e)});
                    next.push_back(jb.fma(p, ve, acc[1 + e]));
                  }
                  scf::YieldOp::create(pb, loc, next);
                });
            // The next iteration overwrites the tiles.
            gpu::BarrierOp::create(lb, loc);
            SmallVector<Value> yielded = {newMax};
            llvm::append_range(yielded, pvLoop.getResults());
            scf::YieldOp::create(lb, loc, yielded);
          });

      // O = acc / l, 0 for a row whose keys were all masked (l == 0).
      scf::IfOp::create(rewriter, loc, rowValid, [&](OpBuilder &ob, Location) {
        KernelBuilder wb{ob, loc, accType};
        Value sum = keyLoop.getResult(1);
        Value isEmpty = arith::CmpFOp::create(
            ob, loc, arith::CmpFPredicate::OEQ, sum, zero);
        for (int64_t e = 0; e < valueDim; ++e) {
          Value quotient =
              arith::DivFOp::create(ob, loc, keyLoop.getResult(2 + e), sum);
          Value r = arith::SelectOp::create(ob, loc, isEmpty, zero, quotient);
          if (r.getType() != elementType)
            r = arith::TruncFOp::create(ob, loc, elementType, r);
          memref::StoreOp::create(ob, loc, r, output,
                                  ValueRange{b, head, row, wb.index(e)});
        }
        scf::YieldOp::create(ob, loc);
      });
      gpu::TerminatorOp::create(rewriter, loc);
    }

    token = launch.getAsyncToken();
  }

  // Copy the result back, release the device buffers, wait for the stream.
  copy(hostOut, output);
  for (Value device : {query, key, value, mask, output})
    if (device)
      token = gpu::DeallocOp::create(rewriter, loc, tokenType,
                                     ValueRange{token}, device)
                  .getAsyncToken();
  gpu::WaitOp::create(rewriter, loc, Type(), ValueRange{token});
  func::ReturnOp::create(rewriter, loc);
}

//===----------------------------------------------------------------------===//
// Memory ops
//===----------------------------------------------------------------------===//

/// Replaces `op` with a call of a new private launcher declaration tagged
/// `marker = spec`, on host buffers of `inputs` and of new result buffers;
/// result `i` takes its dynamic sizes from input `likeInput[i]`.
static void replaceWithLauncherCall(PatternRewriter &rewriter, Operation *op,
                                    StringRef name, StringRef marker,
                                    DictionaryAttr spec, ValueRange inputs,
                                    ArrayRef<unsigned> likeInput) {
  Location loc = op->getLoc();
  auto module = op->getParentOfType<ModuleOp>();
  SmallVector<Value> args;
  for (Value input : inputs)
    args.push_back(bufferization::ToBufferOp::create(
        rewriter, loc, getBufferType(input.getType()), input,
        /*read_only=*/true));
  SmallVector<Value> outs;
  for (auto [result, like] : llvm::zip_equal(op->getResults(), likeInput)) {
    MemRefType type = getBufferType(result.getType());
    SmallVector<Value> sizes;
    for (int64_t i = 0, e = type.getRank(); i < e; ++i)
      if (type.isDynamicDim(i))
        sizes.push_back(memref::DimOp::create(rewriter, loc, args[like], i));
    outs.push_back(
        memref::AllocOp::create(rewriter, loc, type, sizes).getResult());
  }
  args.append(outs);
  auto fnType =
      FunctionType::get(rewriter.getContext(), ValueRange(args).getTypes(), {});
  func::FuncOp launcher;
  {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToEnd(module.getBody());
    launcher = func::FuncOp::create(rewriter, loc, name, fnType);
    launcher.setPrivate();
    launcher->setAttr(marker, spec);
    SymbolTable(module).insert(launcher); // unique name
  }
  func::CallOp::create(rewriter, loc, launcher, args);
  SmallVector<Value> results;
  for (auto [result, out] : llvm::zip_equal(op->getResults(), outs))
    results.push_back(bufferization::ToTensorOp::create(
        rewriter, loc, result.getType(), out, /*restrict=*/true,
        /*writable=*/true));
  rewriter.replaceOp(op, results);
}

/// Static head counts and head dims, as the memory kernels unroll over them.
static bool hasStaticHeads(ArrayRef<Value> operands) {
  return llvm::all_of(operands, [](Value v) {
    ArrayRef<int64_t> shape = cast<RankedTensorType>(v.getType()).getShape();
    return !ShapedType::isDynamic(shape[1]) &&
           !ShapedType::isDynamic(shape.back());
  });
}

namespace {
struct MemoryRetrieveOpToGPU final : OpRewritePattern<MemoryRetrieveOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MemoryRetrieveOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasStaticHeads({op.getQuery(), op.getMemory(), op.getNorm()}) ||
        ShapedType::isDynamic(op.getMemory().getType().getDimSize(2)))
      return rewriter.notifyMatchFailure(op, "dynamic head counts or dims");
    if (!op->getParentOfType<ModuleOp>())
      return rewriter.notifyMatchFailure(op, "not inside a module");
    RankedTensorType memType = op.getMemory().getType();
    int64_t bytes = memType.getDimSize(2) * (memType.getDimSize(3) + 1) *
                    memType.getElementType().getIntOrFloatBitWidth() / 8;
    if (bytes > kGPUStaticSharedMemoryLimit)
      return rewriter.notifyMatchFailure(
          op, "the memory does not fit in shared memory: stays on the host");
    DictionaryAttr spec = rewriter.getDictionaryAttr({rewriter.getNamedAttr(
        kEpsAttr, rewriter.getF64FloatAttr(op.getEps().convertToDouble()))});
    replaceWithLauncherCall(rewriter, op, "longctx_gpu_memory_retrieve",
                            kRetrieveLauncherAttr, spec,
                            {op.getQuery(), op.getMemory(), op.getNorm()}, {0});
    return success();
  }
};

struct MemoryUpdateOpToGPU final : OpRewritePattern<MemoryUpdateOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MemoryUpdateOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasStaticHeads(
            {op.getKey(), op.getValue(), op.getMemory(), op.getNorm()}) ||
        ShapedType::isDynamic(op.getMemory().getType().getDimSize(2)))
      return rewriter.notifyMatchFailure(op, "dynamic head counts or dims");
    if (!op->getParentOfType<ModuleOp>())
      return rewriter.notifyMatchFailure(op, "not inside a module");
    RankedTensorType memType = op.getMemory().getType();
    int64_t accBytes = memType.getElementType().getIntOrFloatBitWidth() / 8;
    int64_t d = memType.getDimSize(2), dv = memType.getDimSize(3);
    if (kUpdateTokenTile * (d + dv) * accBytes > kGPUStaticSharedMemoryLimit ||
        (op.getRule() == MemoryUpdateRule::Delta &&
         d * (dv + 1) * accBytes > kGPUStaticSharedMemoryLimit))
      return rewriter.notifyMatchFailure(
          op, "the tiles do not fit in shared memory: stays on the host");
    SmallVector<NamedAttribute> spec = {rewriter.getNamedAttr(
        kEpsAttr, rewriter.getF64FloatAttr(op.getEps().convertToDouble()))};
    if (op.getRule() == MemoryUpdateRule::Delta)
      spec.push_back(rewriter.getNamedAttr(kDeltaAttr, rewriter.getUnitAttr()));
    replaceWithLauncherCall(
        rewriter, op, "longctx_gpu_memory_update", kUpdateLauncherAttr,
        rewriter.getDictionaryAttr(spec),
        {op.getKey(), op.getValue(), op.getMemory(), op.getNorm()}, {2, 3});
    return success();
  }
};
} // namespace

/// Launches, after `token`, the kernel that reads the memory for every row
/// of `act` [B, Ha, S, d] (queries, or keys for the delta rule):
///   out[b,h,i,:] = sigma(act) M[b,h/group] / max(sigma(act) . z[b,h/group],
///   eps)
/// and, with `minuend` [B, Ha, S, dv], minuend - that. A block per (row
/// tile, head, batch), a thread per row; M and z staged in shared memory.
/// Returns the launch's token.
static Value launchMemoryRead(OpBuilder &b, Location loc, Value token,
                              Value act, Value memory, Value norm, Value out,
                              Value minuend, int64_t group, double eps) {
  auto actType = cast<MemRefType>(act.getType());
  auto memType = cast<MemRefType>(memory.getType());
  Type accType = memType.getElementType();
  Type outElementType = cast<MemRefType>(out.getType()).getElementType();
  const int64_t heads = actType.getDimSize(1), d = actType.getDimSize(3);
  const int64_t dv = memType.getDimSize(3), threads = kMemoryThreads;
  KernelBuilder hb{b, loc, accType};
  Value batch = memref::DimOp::create(b, loc, act, 0);
  Value rows = memref::DimOp::create(b, loc, act, 2);
  Value tiles = arith::CeilDivSIOp::create(b, loc, rows, hb.index(threads));
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto sharedM =
      MemRefType::get({d, dv}, accType, MemRefLayoutAttrInterface(), workgroup);
  auto sharedZ =
      MemRefType::get({d}, accType, MemRefLayoutAttrInterface(), workgroup);
  Value one = hb.index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, tiles, hb.index(heads), batch, hb.index(threads), one, one,
      nullptr, gpu::AsyncTokenType::get(b.getContext()), ValueRange{token},
      TypeRange{sharedM, sharedZ});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  KernelBuilder kb{b, loc, accType};
  Value ms = launch.getWorkgroupAttributions()[0];
  Value zs = launch.getWorkgroupAttributions()[1];
  Value tid = launch.getThreadIds().x, head = launch.getBlockIds().y;
  Value bi = launch.getBlockIds().z;
  Value memHead = arith::DivUIOp::create(b, loc, head, kb.index(group));
  // Stage M (d x dv) and z (d).
  int64_t total = d * dv;
  scf::ForOp::create(
      b, loc, kb.index(0), kb.index((total + threads - 1) / threads),
      kb.index(1), ValueRange{},
      [&](OpBuilder &lb, Location, Value it, ValueRange) {
        KernelBuilder ib{lb, loc, accType};
        Value idx = ib.add(ib.mul(it, ib.index(threads)), tid);
        Value inside = ib.cmp(arith::CmpIPredicate::ult, idx, ib.index(total));
        scf::IfOp::create(lb, loc, inside, [&](OpBuilder &tb, Location) {
          Value c = arith::DivUIOp::create(tb, loc, idx, ib.index(dv));
          Value e = arith::RemUIOp::create(tb, loc, idx, ib.index(dv));
          Value x = memref::LoadOp::create(tb, loc, memory,
                                           ValueRange{bi, memHead, c, e});
          memref::StoreOp::create(tb, loc, x, ms, ValueRange{c, e});
          scf::YieldOp::create(tb, loc);
        });
        scf::YieldOp::create(lb, loc);
      });
  scf::ForOp::create(
      b, loc, kb.index(0), kb.index((d + threads - 1) / threads), kb.index(1),
      ValueRange{}, [&](OpBuilder &lb, Location, Value it, ValueRange) {
        KernelBuilder ib{lb, loc, accType};
        Value c = ib.add(ib.mul(it, ib.index(threads)), tid);
        Value inside = ib.cmp(arith::CmpIPredicate::ult, c, ib.index(d));
        scf::IfOp::create(lb, loc, inside, [&](OpBuilder &tb, Location) {
          Value x =
              memref::LoadOp::create(tb, loc, norm, ValueRange{bi, memHead, c});
          memref::StoreOp::create(tb, loc, x, zs, ValueRange{c});
          scf::YieldOp::create(tb, loc);
        });
        scf::YieldOp::create(lb, loc);
      });
  gpu::BarrierOp::create(b, loc);
  Value row = kb.add(kb.mul(launch.getBlockIds().x, kb.index(threads)), tid);
  Value valid = kb.cmp(arith::CmpIPredicate::slt, row, rows);
  scf::IfOp::create(b, loc, valid, [&](OpBuilder &ob, Location) {
    KernelBuilder wb{ob, loc, accType};
    SmallVector<Value> sigma;
    Value den = wb.constant(0.0);
    for (int64_t c = 0; c < d; ++c) {
      Value x = wb.loadAcc(act, {bi, head, row, wb.index(c)});
      sigma.push_back(wb.eluPlusOne(x));
      Value zc = memref::LoadOp::create(ob, loc, zs, ValueRange{wb.index(c)});
      den = wb.fma(sigma.back(), zc, den);
    }
    Value clamped = wb.fmax(den, wb.constant(eps));
    scf::ForOp::create(
        ob, loc, wb.index(0), wb.index(dv), wb.index(1), ValueRange{},
        [&](OpBuilder &lb, Location, Value e, ValueRange) {
          KernelBuilder eb{lb, loc, accType};
          Value num = eb.constant(0.0);
          for (int64_t c = 0; c < d; ++c) {
            Value m =
                memref::LoadOp::create(lb, loc, ms, ValueRange{eb.index(c), e});
            num = eb.fma(sigma[c], m, num);
          }
          Value r = arith::DivFOp::create(lb, loc, num, clamped);
          if (minuend)
            r = eb.fsub(eb.loadAcc(minuend, {bi, head, row, e}), r);
          if (r.getType() != outElementType)
            r = arith::TruncFOp::create(lb, loc, outElementType, r);
          memref::StoreOp::create(lb, loc, r, out,
                                  ValueRange{bi, head, row, e});
          scf::YieldOp::create(lb, loc);
        });
    scf::YieldOp::create(ob, loc);
  });
  gpu::TerminatorOp::create(b, loc);
  return launch.getAsyncToken();
}

/// Launches, after `token`, the kernel that writes a segment into the
/// memory: newM = M + sigma(K)^T values, newZ = z + sum_t sigma(K[t]).
/// A thread per element (c, e) of M, blocks over (elements, heads, batch);
/// tiles of tokens of sigma(K) and of the values staged in shared memory.
static Value launchMemoryWrite(OpBuilder &b, Location loc, Value token,
                               Value key, Value values, Value memory,
                               Value norm, Value newMemory, Value newNorm) {
  auto keyType = cast<MemRefType>(key.getType());
  auto memType = cast<MemRefType>(memory.getType());
  Type accType = memType.getElementType();
  const int64_t heads = keyType.getDimSize(1), d = keyType.getDimSize(3);
  const int64_t dv = memType.getDimSize(3), threads = kUpdateThreads;
  const int64_t tt = kUpdateTokenTile;
  KernelBuilder hb{b, loc, accType};
  Value batch = memref::DimOp::create(b, loc, key, 0);
  Value tokens = memref::DimOp::create(b, loc, key, 2);
  int64_t elements = d * dv;
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto shared = [&](int64_t cols) {
    return MemRefType::get({tt, cols}, accType, MemRefLayoutAttrInterface(),
                           workgroup);
  };
  Value one = hb.index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, hb.index((elements + threads - 1) / threads), hb.index(heads),
      batch, hb.index(threads), one, one, nullptr,
      gpu::AsyncTokenType::get(b.getContext()), ValueRange{token},
      TypeRange{shared(d), shared(dv)});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  KernelBuilder kb{b, loc, accType};
  Value ks = launch.getWorkgroupAttributions()[0];
  Value vs = launch.getWorkgroupAttributions()[1];
  Value tid = launch.getThreadIds().x, head = launch.getBlockIds().y;
  Value bi = launch.getBlockIds().z;
  Value idx = kb.add(kb.mul(launch.getBlockIds().x, kb.index(threads)), tid);
  Value valid = kb.cmp(arith::CmpIPredicate::ult, idx, kb.index(elements));
  Value safe = kb.min(idx, kb.index(elements - 1));
  Value c = arith::DivUIOp::create(b, loc, safe, kb.index(dv));
  Value e = arith::RemUIOp::create(b, loc, safe, kb.index(dv));
  Value lastToken = kb.max(kb.sub(tokens, one), kb.index(0));
  Value m0 = memref::LoadOp::create(b, loc, memory, ValueRange{bi, head, c, e});
  Value z0 = memref::LoadOp::create(b, loc, norm, ValueRange{bi, head, c});
  // Stage rows [t0, t0 + tt) of `src` (activated for keys; 0 past the end).
  auto stage = [&](OpBuilder &ob, Value t0, Value src, Value dst, int64_t cols,
                   bool activate) {
    int64_t total = tt * cols;
    KernelBuilder sb{ob, loc, accType};
    scf::ForOp::create(
        ob, loc, sb.index(0), sb.index((total + threads - 1) / threads),
        sb.index(1), ValueRange{},
        [&](OpBuilder &lb, Location, Value it, ValueRange) {
          KernelBuilder ib{lb, loc, accType};
          Value i = ib.add(ib.mul(it, ib.index(threads)), tid);
          Value inside = ib.cmp(arith::CmpIPredicate::ult, i, ib.index(total));
          scf::IfOp::create(lb, loc, inside, [&](OpBuilder &tb, Location) {
            KernelBuilder xb{tb, loc, accType};
            Value r = arith::DivUIOp::create(tb, loc, i, xb.index(cols));
            Value col = arith::RemUIOp::create(tb, loc, i, xb.index(cols));
            Value t = xb.add(t0, r);
            Value x = xb.loadAcc(src, {bi, head, xb.min(t, lastToken), col});
            if (activate)
              x = xb.eluPlusOne(x);
            Value present = xb.cmp(arith::CmpIPredicate::slt, t, tokens);
            x = arith::SelectOp::create(tb, loc, present, x, xb.constant(0.0));
            memref::StoreOp::create(tb, loc, x, dst, ValueRange{r, col});
            scf::YieldOp::create(tb, loc);
          });
          scf::YieldOp::create(lb, loc);
        });
  };
  auto loop = scf::ForOp::create(
      b, loc, kb.index(0), tokens, kb.index(tt), ValueRange{m0, z0},
      [&](OpBuilder &lb, Location, Value t0, ValueRange acc) {
        KernelBuilder ib{lb, loc, accType};
        stage(lb, t0, key, ks, d, /*activate=*/true);
        stage(lb, t0, values, vs, dv, /*activate=*/false);
        gpu::BarrierOp::create(lb, loc);
        auto inner = scf::ForOp::create(
            lb, loc, ib.index(0), ib.index(tt), ib.index(1), acc,
            [&](OpBuilder &rb, Location, Value r, ValueRange a) {
              KernelBuilder jb{rb, loc, accType};
              Value kc = memref::LoadOp::create(rb, loc, ks, ValueRange{r, c});
              Value ve = memref::LoadOp::create(rb, loc, vs, ValueRange{r, e});
              scf::YieldOp::create(
                  rb, loc, ValueRange{jb.fma(kc, ve, a[0]), jb.fadd(a[1], kc)});
            });
        gpu::BarrierOp::create(lb, loc);
        scf::YieldOp::create(lb, loc, inner.getResults());
      });
  scf::IfOp::create(b, loc, valid, [&](OpBuilder &ob, Location) {
    KernelBuilder wb{ob, loc, accType};
    memref::StoreOp::create(ob, loc, loop.getResult(0), newMemory,
                            ValueRange{bi, head, c, e});
    Value first = wb.cmp(arith::CmpIPredicate::eq, e, wb.index(0));
    scf::IfOp::create(ob, loc, first, [&](OpBuilder &tb, Location) {
      memref::StoreOp::create(tb, loc, loop.getResult(1), newNorm,
                              ValueRange{bi, head, c});
      scf::YieldOp::create(tb, loc);
    });
    scf::YieldOp::create(ob, loc);
  });
  gpu::TerminatorOp::create(b, loc);
  return launch.getAsyncToken();
}

/// Device copies of the launcher's inputs and buffers for its outputs on
/// one stream, the copies of the outputs back, the releases and the wait.
namespace {
struct DeviceScope {
  OpBuilder &b;
  Location loc;
  Type tokenType;
  Value token;
  SmallVector<Value> buffers;

  DeviceScope(OpBuilder &b, Location loc)
      : b(b), loc(loc), tokenType(gpu::AsyncTokenType::get(b.getContext())) {
    token =
        gpu::WaitOp::create(b, loc, tokenType, ValueRange{}).getAsyncToken();
  }
  Value alloc(Value like) {
    auto op = gpu::AllocOp::create(
        b, loc, like.getType(), tokenType, ValueRange{token},
        getDynamicSizes(b, loc, like), ValueRange{}, UnitAttr());
    token = op.getAsyncToken();
    buffers.push_back(op.getMemref());
    return op.getMemref();
  }
  Value allocType(MemRefType type, ValueRange sizes) {
    auto op = gpu::AllocOp::create(b, loc, type, tokenType, ValueRange{token},
                                   sizes, ValueRange{}, UnitAttr());
    token = op.getAsyncToken();
    buffers.push_back(op.getMemref());
    return op.getMemref();
  }
  void copy(Value dst, Value src) {
    token =
        gpu::MemcpyOp::create(b, loc, tokenType, ValueRange{token}, dst, src)
            .getAsyncToken();
  }
  Value toDevice(Value host) {
    Value device = alloc(host);
    copy(device, host);
    return device;
  }
  void finish() {
    for (Value buffer : buffers)
      token =
          gpu::DeallocOp::create(b, loc, tokenType, ValueRange{token}, buffer)
              .getAsyncToken();
    gpu::WaitOp::create(b, loc, Type(), ValueRange{token});
  }
};
} // namespace

static void defineMemoryRetrieveLauncher(func::FuncOp fn, DictionaryAttr spec) {
  OpBuilder b(fn.getContext());
  Location loc = fn.getLoc();
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value hostQuery = entry->getArgument(0), hostOut = entry->getArgument(3);
  int64_t group =
      cast<MemRefType>(hostQuery.getType()).getDimSize(1) /
      cast<MemRefType>(entry->getArgument(1).getType()).getDimSize(1);
  DeviceScope scope(b, loc);
  Value query = scope.toDevice(hostQuery);
  Value memory = scope.toDevice(entry->getArgument(1));
  Value norm = scope.toDevice(entry->getArgument(2));
  Value out = scope.alloc(hostOut);
  scope.token = launchMemoryRead(
      b, loc, scope.token, query, memory, norm, out, Value(), group,
      spec.getAs<FloatAttr>(kEpsAttr).getValueAsDouble());
  scope.copy(hostOut, out);
  scope.finish();
  func::ReturnOp::create(b, loc);
}

static void defineMemoryUpdateLauncher(func::FuncOp fn, DictionaryAttr spec) {
  OpBuilder b(fn.getContext());
  Location loc = fn.getLoc();
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value hostNewMemory = entry->getArgument(4),
        hostNewNorm = entry->getArgument(5);
  DeviceScope scope(b, loc);
  Value key = scope.toDevice(entry->getArgument(0));
  Value value = scope.toDevice(entry->getArgument(1));
  Value memory = scope.toDevice(entry->getArgument(2));
  Value norm = scope.toDevice(entry->getArgument(3));
  Value newMemory = scope.alloc(hostNewMemory);
  Value newNorm = scope.alloc(hostNewNorm);
  Value values = value;
  if (spec.get(kDeltaAttr)) {
    // V - sigma(K) M / max(sigma(K) z, eps), every token against the same M.
    auto valueType = cast<MemRefType>(value.getType());
    auto memType = cast<MemRefType>(memory.getType());
    auto type = MemRefType::get(valueType.getShape(), memType.getElementType());
    values = scope.allocType(type, getDynamicSizes(b, loc, value));
    scope.token = launchMemoryRead(
        b, loc, scope.token, key, memory, norm, values, value, /*group=*/1,
        spec.getAs<FloatAttr>(kEpsAttr).getValueAsDouble());
  }
  scope.token = launchMemoryWrite(b, loc, scope.token, key, values, memory,
                                  norm, newMemory, newNorm);
  scope.copy(hostNewMemory, newMemory);
  scope.copy(hostNewNorm, newNorm);
  scope.finish();
  func::ReturnOp::create(b, loc);
}

void mlir::longctx::populateLongCtxToGPUConversionPatterns(
    RewritePatternSet &patterns, const GPUAttentionTiling &tiling,
    bool memoryOps) {
  patterns.add<AttentionOpToGPU>(patterns.getContext(), tiling);
  if (memoryOps)
    patterns.add<MemoryRetrieveOpToGPU, MemoryUpdateOpToGPU>(
        patterns.getContext());
  populateDecomposeInfiniPatterns(patterns);
}

void mlir::longctx::defineGPULaunchers(ModuleOp module) {
  for (auto fn : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
    if (!fn.isExternal())
      continue;
    if (auto spec = fn->getAttrOfType<DictionaryAttr>(kLauncherAttr)) {
      defineAttentionLauncher(fn, spec);
      fn->removeAttr(kLauncherAttr);
    } else if (auto spec =
                   fn->getAttrOfType<DictionaryAttr>(kRetrieveLauncherAttr)) {
      defineMemoryRetrieveLauncher(fn, spec);
      fn->removeAttr(kRetrieveLauncherAttr);
    } else if (auto spec =
                   fn->getAttrOfType<DictionaryAttr>(kUpdateLauncherAttr)) {
      defineMemoryUpdateLauncher(fn, spec);
      fn->removeAttr(kUpdateLauncherAttr);
    }
  }
}

namespace {
struct ConvertLongCtxToGPUPass final
    : longctx::impl::ConvertLongCtxToGPUPassBase<ConvertLongCtxToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    GPUAttentionTiling tiling{queryTileSize, keyTileSize, mma};
    std::string bad = verifyGPUAttentionTiling(tiling);
    if (!bad.empty()) {
      getOperation()->emitError() << "convert-longctx-to-gpu: " << bad;
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateLongCtxToGPUConversionPatterns(patterns, tiling, memoryOps);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();

    WalkResult walk = getOperation()->walk([&](AttentionOp attention) {
      attention.emitOpError()
          << "cannot be lowered: " << getUnsupportedReason(attention, tiling);
      return WalkResult::interrupt();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }
};

struct LongCtxGPUDefineLaunchersPass final
    : longctx::impl::LongCtxGPUDefineLaunchersPassBase<
          LongCtxGPUDefineLaunchersPass> {
  using Base::Base;

  void runOnOperation() override { defineGPULaunchers(getOperation()); }
};
} // namespace
