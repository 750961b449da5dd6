//===- ProfileOps.cpp - Bracket compute ops with profiling calls ----------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-profile-ops`: calls of longctx_profile_enter(id) and
// longctx_profile_exit(id) around every compute op, and the names of the
// ops in the module attribute `longctx.profile`.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/IR/LongCtxDialect.h"
#include "longctx/Dialect/LongCtx/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::longctx {
#define GEN_PASS_DEF_PROFILEOPSPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

static constexpr StringLiteral kEnter = "longctx_profile_enter";
static constexpr StringLiteral kExit = "longctx_profile_exit";

/// Whether `op` is timed: it computes (or copies) rather than describes.
static bool isProfiled(Operation *op) {
  Dialect *dialect = op->getDialect();
  if (isa_and_nonnull<LongCtxDialect, linalg::LinalgDialect>(dialect))
    return true;
  return isa<tensor::InsertSliceOp, tensor::ConcatOp, tensor::PadOp,
             tensor::GenerateOp, scf::ForallOp, scf::ParallelOp>(op);
}

/// Whether the ops of `region` run on the calling thread, in order.
static bool isSequentialRegion(Region &region) {
  Operation *parent = region.getParentOp();
  return isa<func::FuncOp, scf::ForOp, scf::IfOp, scf::WhileOp>(parent);
}

/// `op`'s name and location (file:line:col where it has one), as the
/// profile lists it.
static std::string describe(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << op->getName() << " at ";
  if (auto file = op->getLoc()->findInstanceOf<FileLineColLoc>())
    os << file.getFilename().getValue() << ":" << file.getLine() << ":"
       << file.getColumn();
  else
    op->getLoc().print(os);
  return text;
}

/// Declares `void name(i64)` in `module` unless it is there.
static void declareMarker(ModuleOp module, StringRef name) {
  if (module.lookupSymbol(name))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto type = b.getFunctionType({b.getI64Type()}, {});
  auto decl = func::FuncOp::create(b, module.getLoc(), name, type);
  decl.setPrivate();
}

namespace {
struct ProfileOpsPass final
    : longctx::impl::ProfileOpsPassBase<ProfileOpsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (module->hasAttr("longctx.profile")) {
      module.emitError() << "longctx-profile-ops: the module is already "
                            "profiled (it has longctx.profile)";
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (op == module)
        return WalkResult::advance();
      if (auto func = dyn_cast<func::FuncOp>(op))
        return func.isExternal() ? WalkResult::skip() : WalkResult::advance();
      Region *region = op->getParentRegion();
      if (!region || !isSequentialRegion(*region))
        return WalkResult::skip();
      if (isProfiled(op)) {
        ops.push_back(op);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    declareMarker(module, kEnter);
    declareMarker(module, kExit);
    SmallVector<Attribute> names;
    OpBuilder b(&getContext());
    for (auto [id, op] : llvm::enumerate(ops)) {
      Location loc = op->getLoc();
      b.setInsertionPoint(op);
      Value idValue = arith::ConstantIntOp::create(b, loc, id, 64);
      func::CallOp::create(b, loc, kEnter, TypeRange{}, ValueRange{idValue});
      b.setInsertionPointAfter(op);
      func::CallOp::create(b, loc, kExit, TypeRange{}, ValueRange{idValue});
      names.push_back(b.getStringAttr(describe(op)));
    }
    module->setAttr("longctx.profile", b.getArrayAttr(names));
  }
};
} // namespace
