//===- LongCtxDialect.h - longctx dialect -----------------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_DIALECT_LONGCTX_IR_LONGCTXDIALECT_H
#define LONGCTX_DIALECT_LONGCTX_IR_LONGCTXDIALECT_H

#include "mlir/IR/Dialect.h"

#include "longctx/Dialect/LongCtx/IR/LongCtxDialect.h.inc"

#endif // LONGCTX_DIALECT_LONGCTX_IR_LONGCTXDIALECT_H
