//===- LongCtxOps.h - longctx operations ------------------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_DIALECT_LONGCTX_IR_LONGCTXOPS_H
#define LONGCTX_DIALECT_LONGCTX_IR_LONGCTXOPS_H

#include "longctx/Dialect/LongCtx/IR/LongCtxDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "longctx/Dialect/LongCtx/IR/LongCtxEnums.h.inc"

namespace mlir::longctx {
/// The element type of memory state, gates, rates and accumulators for
/// inputs of `elementType`: f64 for f64, f32 otherwise.
Type getStateElementType(Type elementType);
} // namespace mlir::longctx

#define GET_OP_CLASSES
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h.inc"

#endif // LONGCTX_DIALECT_LONGCTX_IR_LONGCTXOPS_H
