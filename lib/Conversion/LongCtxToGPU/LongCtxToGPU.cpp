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

#include "GPUKernelBuilder.h"

#include <cmath>
#include <limits>

namespace mlir::longctx {
#define GEN_PASS_DEF_CONVERTLONGCTXTOGPUPASS
#define GEN_PASS_DEF_LONGCTXGPUDEFINELAUNCHERSPASS
#include "longctx/Conversion/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::detail;

std::string
mlir::longctx::verifyGPUAttentionTiling(const GPUAttentionTiling &tiling) {
  if (tiling.queryTileSize < 1 || tiling.queryTileSize > 1024)
    return "query-tile-size (threads per block) must be in [1, 1024], got " +
           std::to_string(tiling.queryTileSize);
  // A key takes at least 4 bytes of shared memory: a larger tile cannot
  // fit (and would overflow the byte count).
  constexpr int64_t kMaxKeyTile = kGPUStaticSharedMemoryLimit / 4;
  if (tiling.keyTileSize < 1 || tiling.keyTileSize > kMaxKeyTile)
    return "key-tile-size must be in [1, " + std::to_string(kMaxKeyTile) +
           "], got " + std::to_string(tiling.keyTileSize);
  return "";
}

/// Shared memory of one block: the key tile, the value tile and the scores.
static int64_t getSharedMemoryBytes(const GPUAttentionTiling &tiling,
                                    int64_t headDim, int64_t valueDim,
                                    int64_t accBytes) {
  return tiling.keyTileSize * (headDim + valueDim + tiling.queryTileSize) *
         accBytes;
}

/// Returns the reason `op` cannot become a GPU kernel, or an empty string.
static std::string getUnsupportedReason(AttentionOp op,
                                        const GPUAttentionTiling &tiling) {
  std::string shapes = getAttentionShapeBlocker(op, " to a GPU kernel");
  if (!shapes.empty())
    return shapes;
  if (op.getSinks())
    return "attention sinks are not supported by the GPU kernels yet";
  ArrayRef<int64_t> q = op.getQuery().getType().getShape();
  ArrayRef<int64_t> v = op.getValue().getType().getShape();
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
struct AttentionOpToGPU final : OpRewritePattern<AttentionOp> {
  AttentionOpToGPU(MLIRContext *context, const GPUAttentionTiling &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override;

  GPUAttentionTiling tiling;
};
} // namespace

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
      bool maskQueryBroadcast = false;
      if (mask) {
        auto maskType = cast<MemRefType>(mask.getType());
        maskBatchBroadcast = maskType.getDimSize(0) == 1;
        maskHeadBroadcast = maskType.getDimSize(1) == 1;
        maskQueryBroadcast = maskType.getDimSize(2) == 1;
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
                    Value mr = maskQueryBroadcast ? zeroIdx : loadRow;
                    Value m = memref::LoadOp::create(
                        sb, loc, mask, ValueRange{mb, mh, mr, loadCol});
                    if (m.getType().isInteger(1)) {
                      visible = arith::AndIOp::create(sb, loc, visible, m);
                    } else {
                      if (m.getType() != accType)
                        m = arith::ExtFOp::create(sb, loc, accType, m);
                      // -inf hides the key whatever its score.
                      visible = arith::AndIOp::create(
                          sb, loc, visible,
                          arith::CmpFOp::create(sb, loc,
                                                arith::CmpFPredicate::UNE, m,
                                                negInf));
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
                  // A key the row does not see (p = 0) adds nothing,
                  // whatever its value (0 x inf is NaN).
                  Value adds = arith::CmpFOp::create(
                      pb, loc, arith::CmpFPredicate::UNE, p,
                      arith::ConstantOp::create(pb, loc,
                                                pb.getFloatAttr(accType, 0.0)));
                  for (int64_t e = 0; e < valueDim; ++e) {
                    Value ve = memref::LoadOp::create(
                        pb, loc, valueTile, ValueRange{j, jb.index(e)});
                    next.push_back(arith::SelectOp::create(
                        pb, loc, adds, jb.fma(p, ve, acc[1 + e]), acc[1 + e]));
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

void mlir::longctx::populateLongCtxToGPUConversionPatterns(
    RewritePatternSet &patterns, const GPUAttentionTiling &tiling,
    bool memoryOps) {
  patterns.add<AttentionOpToGPU>(patterns.getContext(), tiling);
  if (memoryOps)
    populateMemoryOpsToGPUPatterns(patterns);
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
