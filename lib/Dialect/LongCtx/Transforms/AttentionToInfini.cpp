//===- AttentionToInfini.cpp - Rewrite attention to Infini-attention ------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-attention-to-infini`: causal self-attention becomes
// `longctx.infini_attention`, and the enclosing function gains the gate and
// memory state as arguments and the new state as results, so it streams.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/DebugLog.h"

#define DEBUG_TYPE "longctx-attention-to-infini"

namespace mlir::longctx {
#define GEN_PASS_DEF_ATTENTIONTOINFINIPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

std::string mlir::longctx::getInfiniRewriteBlocker(AttentionOp op) {
  if (!op.getCausal())
    return "attention is not causal";
  if (op.getMask())
    return "attention has a mask operand";
  if (op.getWindow())
    return "attention has a sliding window";
  for (Value operand : {op.getQuery(), op.getKey(), op.getValue()}) {
    if (!cast<RankedTensorType>(operand.getType()).hasStaticShape())
      return "attention has dynamic shapes";
  }
  int64_t queryLen = op.getQuery().getType().getDimSize(2);
  int64_t keyLen = op.getKey().getType().getDimSize(2);
  if (queryLen != keyLen)
    return "cross attention (" + std::to_string(queryLen) + " queries, " +
           std::to_string(keyLen) + " keys) is not self-attention";
  auto func = op->getParentOfType<func::FuncOp>();
  if (!func || op->getParentOp() != func.getOperation())
    return "attention is not directly in the body of a func.func";
  if (!func.getBody().hasOneBlock())
    return "the function has more than one block";
  if (Operation *symbolTable = SymbolTable::getNearestSymbolTable(
          func->getParentOp() ? func->getParentOp() : func.getOperation())) {
    if (!SymbolTable::symbolKnownUseEmpty(func, symbolTable))
      return "function @" + func.getSymName().str() +
             " has callers, so its signature cannot change";
  }
  return "";
}

InfiniAttentionOp
mlir::longctx::rewriteAttentionToInfini(RewriterBase &rewriter, AttentionOp op,
                                        const InfiniOptions &options) {
  auto func = op->getParentOfType<func::FuncOp>();
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  RankedTensorType queryType = op.getQuery().getType();
  RankedTensorType keyType = op.getKey().getType();
  RankedTensorType valueType = op.getValue().getType();
  Type stateType = queryType.getElementType().isF64()
                       ? Type(Float64Type::get(ctx))
                       : Type(Float32Type::get(ctx));
  int64_t batch = queryType.getDimSize(0), heads = queryType.getDimSize(1);
  int64_t kvHeads = keyType.getDimSize(1), headDim = queryType.getDimSize(3);
  int64_t valueDim = valueType.getDimSize(3);
  auto gateType = RankedTensorType::get({heads}, stateType);
  auto memoryType =
      RankedTensorType::get({batch, kvHeads, headDim, valueDim}, stateType);
  auto normType = RankedTensorType::get({batch, kvHeads, headDim}, stateType);

  // Tag the sequence dimension of query/key/value arguments for drivers.
  Builder b(ctx);
  for (Value operand : {op.getQuery(), op.getKey(), op.getValue()}) {
    if (auto arg = dyn_cast<BlockArgument>(operand);
        arg && arg.getOwner() == &func.getBody().front())
      func.setArgAttr(arg.getArgNumber(), kStreamDimAttrName,
                      b.getI64IntegerAttr(2));
  }

  // New arguments: gate, M, z. New results: M', z'.
  unsigned firstArg = func.getNumArguments();
  unsigned firstResult = func.getNumResults();
  // Insertion indices refer to the old signature: all three go at the end.
  SmallVector<unsigned> argIndices(3, firstArg);
  SmallVector<Type> argTypes = {gateType, memoryType, normType};
  SmallVector<DictionaryAttr> argAttrs = {
      b.getDictionaryAttr(
          b.getNamedAttr(kInitAttrName, b.getF64FloatAttr(options.gateInit))),
      b.getDictionaryAttr(
          b.getNamedAttr(kStateAttrName, b.getI64IntegerAttr(firstResult))),
      b.getDictionaryAttr(b.getNamedAttr(
          kStateAttrName, b.getI64IntegerAttr(firstResult + 1)))};
  SmallVector<Location> argLocs(3, loc);
  if (failed(func.insertArguments(argIndices, argTypes, argAttrs, argLocs)))
    llvm_unreachable("inserting arguments into a func.func cannot fail");
  Block &body = func.getBody().front();
  Value gate = body.getArgument(firstArg);
  Value memory = body.getArgument(firstArg + 1);
  Value norm = body.getArgument(firstArg + 2);

  rewriter.setInsertionPoint(op);
  auto infini = InfiniAttentionOp::create(
      rewriter, loc, TypeRange{op.getResult().getType(), memoryType, normType},
      op.getQuery(), op.getKey(), op.getValue(), gate, memory, norm,
      /*memory_query=*/Value(), /*memory_key=*/Value(),
      rewriter.getI64IntegerAttr(options.segmentLength),
      MemoryUpdateRuleAttr::get(ctx, options.rule),
      rewriter.getF64FloatAttr(options.eps), op.getScaleAttr());
  rewriter.replaceOp(op, infini.getResult());

  // Return the new state from every return.
  SmallVector<unsigned> resultIndices = {firstResult, firstResult};
  if (failed(func.insertResults(resultIndices, {memoryType, normType},
                                {DictionaryAttr(), DictionaryAttr()})))
    llvm_unreachable("inserting results into a func.func cannot fail");
  func.walk([&](func::ReturnOp ret) {
    rewriter.modifyOpInPlace(ret, [&] {
      ret->insertOperands(ret->getNumOperands(),
                          {infini.getNewMemory(), infini.getNewNorm()});
    });
  });
  for (OpOperand &use : infini.getResult().getUses()) {
    if (isa<func::ReturnOp>(use.getOwner()))
      func.setResultAttr(use.getOperandNumber(), kStreamDimAttrName,
                         b.getI64IntegerAttr(2));
  }
  LDBG() << "rewrote attention in @" << func.getSymName()
         << " into Infini-attention with segments of " << options.segmentLength;
  return infini;
}

namespace {
struct AttentionToInfiniPass final
    : longctx::impl::AttentionToInfiniPassBase<AttentionToInfiniPass> {
  using Base::Base;

  void runOnOperation() override {
    InfiniOptions options;
    options.segmentLength = segmentLength;
    options.gateInit = gateInit;
    options.eps = eps;
    ModuleOp module = getOperation();
    if (segmentLength <= 0) {
      module.emitError() << "longctx-attention-to-infini: segment-length must "
                            "be positive, got "
                         << static_cast<int64_t>(segmentLength);
      return signalPassFailure();
    }
    if (!(eps > 0) || !std::isfinite(eps)) {
      module.emitError() << "longctx-attention-to-infini: eps must be "
                            "positive and finite, got "
                         << static_cast<double>(eps);
      return signalPassFailure();
    }
    std::optional<MemoryUpdateRule> rule =
        symbolizeMemoryUpdateRule(updateRule);
    if (!rule) {
      module.emitError() << "longctx-attention-to-infini: unknown update-rule '"
                         << static_cast<std::string>(updateRule)
                         << "' (expected linear or delta)";
      return signalPassFailure();
    }
    options.rule = *rule;

    SmallVector<AttentionOp> candidates;
    module.walk([&](AttentionOp op) { candidates.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : candidates) {
      std::string blocker = getInfiniRewriteBlocker(op);
      if (!blocker.empty()) {
        op.emitRemark() << "not rewritten to Infini-attention: " << blocker;
        continue;
      }
      rewriteAttentionToInfini(rewriter, op, options);
    }
  }
};
} // namespace
