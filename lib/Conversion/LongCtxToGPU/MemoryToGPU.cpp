//===- MemoryToGPU.cpp - Infini memory ops as GPU kernels -----------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// longctx.memory_retrieve and longctx.memory_update as launcher calls on
// tensors, and the launchers' bodies: the memory read kernel (also the
// delta rule's read of the keys) and the memory write kernel.
//
//===----------------------------------------------------------------------===//

#include "GPUKernelBuilder.h"

#include <limits>

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::detail;

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

void mlir::longctx::detail::defineMemoryRetrieveLauncher(func::FuncOp fn,
                                                         DictionaryAttr spec) {
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

void mlir::longctx::detail::defineMemoryUpdateLauncher(func::FuncOp fn,
                                                       DictionaryAttr spec) {
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

void mlir::longctx::detail::populateMemoryOpsToGPUPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MemoryRetrieveOpToGPU, MemoryUpdateOpToGPU>(
      patterns.getContext());
}
