//===- ScheduleParallelLoops.cpp - Schedules for OpenMP loops -------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-schedule-parallel-loops`: every `omp.wsloop` without a
// schedule gets one (dynamic by default), so that tiles of unequal work, such
// as causal attention's query tiles, spread evenly over the threads.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::longctx {
#define GEN_PASS_DEF_SCHEDULEPARALLELLOOPSPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

namespace {
/// Sets the schedule of an `omp.wsloop` that has none.
struct ScheduleWsloop final : OpRewritePattern<omp::WsloopOp> {
  ScheduleWsloop(MLIRContext *context, omp::ClauseScheduleKind kind,
                 int64_t chunkSize)
      : OpRewritePattern(context), kind(kind), chunkSize(chunkSize) {}

  LogicalResult matchAndRewrite(omp::WsloopOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getScheduleKind())
      return rewriter.notifyMatchFailure(op, "the loop has a schedule");
    Value chunk;
    if (chunkSize > 0) {
      // The chunk is an operand of the wsloop, so it is defined before it.
      chunk = arith::ConstantIntOp::create(rewriter, op.getLoc(),
                                           rewriter.getI64Type(), chunkSize);
    }
    rewriter.modifyOpInPlace(op, [&] {
      op.setScheduleKind(kind);
      if (chunk)
        op.getScheduleChunkMutable().assign(chunk);
    });
    return success();
  }

  omp::ClauseScheduleKind kind;
  int64_t chunkSize;
};

struct ScheduleParallelLoopsPass final
    : longctx::impl::ScheduleParallelLoopsPassBase<ScheduleParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<omp::ClauseScheduleKind> kind;
    if (schedule == "static" || schedule == "dynamic" || schedule == "guided")
      kind = omp::symbolizeClauseScheduleKind(schedule);
    if (!kind || chunkSize < 0) {
      getOperation()->emitError()
          << "longctx-schedule-parallel-loops: schedule must be static, "
             "dynamic or guided and chunk-size >= 0, got schedule="
          << schedule << " chunk-size=" << static_cast<int64_t>(chunkSize);
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateScheduleParallelLoopsPatterns(patterns, *kind, chunkSize);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::longctx::populateScheduleParallelLoopsPatterns(
    RewritePatternSet &patterns, omp::ClauseScheduleKind kind,
    int64_t chunkSize) {
  patterns.add<ScheduleWsloop>(patterns.getContext(), kind, chunkSize);
}
