//===- StateInPlace.cpp - Return updated state as its argument ------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-state-in-place`: a state result that bufferization
// wrote into its own state argument is returned as that argument, not as
// the clone that buffer deallocation makes of every returned argument, so a
// KV cache appended in place is never copied whole per call.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::longctx {
#define GEN_PASS_DEF_STATEINPLACEPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

namespace {
/// `return ..., clone(%state), ...` -> `return ..., %state, ...` when
/// %state is the argument whose `longctx.state` names that result.
struct ReturnStateInPlace final : OpRewritePattern<func::ReturnOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(func::ReturnOp ret,
                                PatternRewriter &rewriter) const override {
    auto func = dyn_cast<func::FuncOp>(ret->getParentOp());
    if (!func)
      return failure();
    bool changed = false;
    for (OpOperand &operand : ret->getOpOperands()) {
      auto clone = operand.get().getDefiningOp<bufferization::CloneOp>();
      if (!clone || !clone->hasOneUse())
        continue;
      auto arg = dyn_cast<BlockArgument>(clone.getInput());
      if (!arg || arg.getOwner() != &func.getBody().front())
        continue;
      auto state = func.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(),
                                                      kStateAttrName);
      if (!state || state.getInt() != operand.getOperandNumber() ||
          arg.getType() != clone.getType())
        continue;
      rewriter.modifyOpInPlace(ret, [&] { operand.set(arg); });
      rewriter.eraseOp(clone);
      changed = true;
    }
    return success(changed);
  }
};

struct StateInPlacePass final
    : longctx::impl::StateInPlacePassBase<StateInPlacePass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateStateInPlacePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::longctx::populateStateInPlacePatterns(RewritePatternSet &patterns) {
  patterns.add<ReturnStateInPlace>(patterns.getContext());
}
