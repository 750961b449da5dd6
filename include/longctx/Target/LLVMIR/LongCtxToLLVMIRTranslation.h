//===- LongCtxToLLVMIRTranslation.h - longctx in LLVM IR ------*- C++ -*-===//
//-*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_TARGET_LLVMIR_LONGCTXTOLLVMIRTRANSLATION_H
#define LONGCTX_TARGET_LLVMIR_LONGCTXTOLLVMIRTRANSLATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::longctx {

/// Registers the longctx dialect's LLVM IR translation interface: the
/// streaming attributes (`longctx.stream_dim`, `longctx.state`,
/// `longctx.init`) that stay on the arguments and results of a lowered
/// function are driver metadata with no LLVM IR counterpart, and are dropped
/// without a warning.
void registerLongCtxToLLVMIRTranslation(DialectRegistry &registry);

} // namespace mlir::longctx

#endif // LONGCTX_TARGET_LLVMIR_LONGCTXTOLLVMIRTRANSLATION_H
