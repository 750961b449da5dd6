//===- LegalizeForCPU.cpp - Decompose ops the CPU lowering cannot take ----===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-legalize-for-cpu`: linalg ops with an
// `AggregatedOpInterface` (linalg.softmax) become their decomposition into
// linalg.generics, and math.erf becomes a polynomial approximation, so that
// graphs imported from ONNX lower through the rest of the CPU pipeline.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::longctx {
#define GEN_PASS_DEF_LEGALIZEFORCPUPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

namespace {
/// Replaces an aggregated linalg op (linalg.softmax) by its decomposition;
/// longctx ops are left to their own lowering.
struct DecomposeAggregatedOp final
    : OpInterfaceRewritePattern<linalg::AggregatedOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::AggregatedOpInterface op,
                                PatternRewriter &rewriter) const override {
    // longctx ops have their own lowering (convert-longctx-to-linalg).
    if (!isa<linalg::LinalgDialect>(op->getDialect()))
      return rewriter.notifyMatchFailure(op, "not a linalg op");
    FailureOr<SmallVector<Value>> results = op.decomposeOperation(rewriter);
    if (failed(results))
      return rewriter.notifyMatchFailure(op, "the op does not decompose");
    rewriter.replaceOp(op, *results);
    return success();
  }
};

struct LegalizeForCPUPass final
    : longctx::impl::LegalizeForCPUPassBase<LegalizeForCPUPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateLegalizeForCPUPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::longctx::populateLegalizeForCPUPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DecomposeAggregatedOp>(patterns.getContext());
  populatePolynomialApproximateErfPattern(patterns);
}
