//===- LongCtxDialect.cpp - longctx dialect -------------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/IR/LongCtxDialect.h"
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"

using namespace mlir;
using namespace mlir::longctx;

#include "longctx/Dialect/LongCtx/IR/LongCtxDialect.cpp.inc"

void LongCtxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.cpp.inc"
      >();
}
