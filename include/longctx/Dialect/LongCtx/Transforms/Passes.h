//===- Passes.h - longctx transformation passes -----------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_DIALECT_LONGCTX_TRANSFORMS_PASSES_H
#define LONGCTX_DIALECT_LONGCTX_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <string>

namespace mlir::longctx {
#define GEN_PASS_DECL
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
#define GEN_PASS_REGISTRATION
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

#endif // LONGCTX_DIALECT_LONGCTX_TRANSFORMS_PASSES_H
