//===- LongCtxToLLVMIRTranslation.cpp - longctx attributes in LLVM IR -----===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Target/LLVMIR/LongCtxToLLVMIRTranslation.h"

#include "longctx/Dialect/LongCtx/IR/LongCtxDialect.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/LLVMTranslationInterface.h"

using namespace mlir;
using namespace mlir::longctx;

namespace {
/// No longctx op survives lowering; its attributes on function arguments
/// and results are dropped (the interface's default), where a dialect
/// without the interface would make every translation warn about them.
struct LongCtxToLLVMIRTranslationInterface final
    : LLVMTranslationDialectInterface {
  using LLVMTranslationDialectInterface::LLVMTranslationDialectInterface;
};
} // namespace

void mlir::longctx::registerLongCtxToLLVMIRTranslation(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *, LongCtxDialect *dialect) {
    dialect->addInterfaces<LongCtxToLLVMIRTranslationInterface>();
  });
}
