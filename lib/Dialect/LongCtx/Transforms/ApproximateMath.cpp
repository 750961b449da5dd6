//===- ApproximateMath.cpp - Polynomial exp and log for the CPU -----------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-approximate-math`: a thin driver over MLIR's polynomial
// approximation patterns for f32 `math.exp`, `math.log` and `math.tanh`, so
// that softmax, decay loops and tanh-GELU vectorise instead of calling libm
// per element.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::longctx {
#define GEN_PASS_DEF_APPROXIMATEMATHPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

void mlir::longctx::populateApproximateMathPatterns(
    RewritePatternSet &patterns) {
  populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
    return name == math::ExpOp::getOperationName() ||
           name == math::LogOp::getOperationName() ||
           name == math::TanhOp::getOperationName();
  });
}

namespace {
struct ApproximateMathPass final
    : longctx::impl::ApproximateMathPassBase<ApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateApproximateMathPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
