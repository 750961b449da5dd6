//===- Passes.h - longctx conversion passes ---------------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_CONVERSION_PASSES_H
#define LONGCTX_CONVERSION_PASSES_H

#include "longctx/Conversion/LongCtxToGPU/LongCtxToGPU.h"
#include "longctx/Conversion/LongCtxToLinalg/LongCtxToLinalg.h"

namespace mlir::longctx {
#define GEN_PASS_REGISTRATION
#include "longctx/Conversion/Passes.h.inc"
} // namespace mlir::longctx

#endif // LONGCTX_CONVERSION_PASSES_H
