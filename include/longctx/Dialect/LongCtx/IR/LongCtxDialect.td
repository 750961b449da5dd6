//===- LongCtxDialect.td - longctx dialect definition ------*- tablegen -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_DIALECT_LONGCTX_IR_LONGCTXDIALECT_TD
#define LONGCTX_DIALECT_LONGCTX_IR_LONGCTXDIALECT_TD

include "mlir/IR/OpBase.td"

def LongCtx_Dialect : Dialect {
  let name = "longctx";
  let cppNamespace = "::mlir::longctx";
  let summary = "Standard, segmented and memory-augmented attention";
  let description = [{
    The `longctx` dialect models attention so that it can be rewritten into
    long-context form (compressive or neural memory carried across segments)
    and lowered, tiled and fused, to CPU and GPU code. Every op works on
    ranked tensors with value semantics. The normative semantics are in
    `dialects/longctx/LongCtx.md`.
  }];
}

class LongCtx_Op<string mnemonic, list<Trait> traits = []>
    : Op<LongCtx_Dialect, mnemonic, traits>;

#endif // LONGCTX_DIALECT_LONGCTX_IR_LONGCTXDIALECT_TD
