//===- InitAll.cpp - Register everything longctx tools use ----------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/InitAll.h"

#include "longctx/Conversion/Passes.h"
#include "longctx/Dialect/LongCtx/IR/LongCtxDialect.h"
#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/TilingInterfaceImpl.h"
#include "longctx/Pipelines/Pipelines.h"
#include "longctx/Target/LLVMIR/LongCtxToLLVMIRTranslation.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::longctx::registerAllDialects(DialectRegistry &registry) {
  registry.insert<LongCtxDialect>();
  mlir::registerAllDialects(registry);
}

void mlir::longctx::registerAllExtensions(DialectRegistry &registry) {
  mlir::registerAllExtensions(registry);
  registerTilingInterfaceExternalModels(registry);
  registerAggregatedOpInterfaceExternalModels(registry);
  registerLongCtxToLLVMIRTranslation(registry);
  // What gpu-module-to-binary needs to translate kernels to LLVM IR.
  registerAllGPUToLLVMIRTranslations(registry);
}

void mlir::longctx::registerAllPasses() {
  mlir::registerAllPasses();
  registerLongCtxPasses();
  registerLongCtxConversionPasses();
  registerLongCtxPipelines();
}
