//===- InitAll.h - Register everything longctx tools use --------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_INITALL_H
#define LONGCTX_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::longctx {

/// Registers the longctx dialect and the upstream dialects our pipelines and
/// inputs use.
void registerAllDialects(DialectRegistry &registry);

/// Registers dialect extensions (bufferization models, LLVM IR translations,
/// conversion interfaces).
void registerAllExtensions(DialectRegistry &registry);

/// Registers the longctx passes and pipelines and the upstream passes.
void registerAllPasses();

} // namespace mlir::longctx

#endif // LONGCTX_INITALL_H
