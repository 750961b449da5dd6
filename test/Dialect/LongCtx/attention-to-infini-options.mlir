// RUN: not longctx-opt %s --longctx-attention-to-infini="update-rule=foo" 2>&1 | FileCheck %s --check-prefix=RULE
// RUN: not longctx-opt %s --longctx-attention-to-infini="segment-length=0" 2>&1 | FileCheck %s --check-prefix=SEGMENT
// RUN: not longctx-opt %s --longctx-attention-to-infini="segment-length=-128" 2>&1 | FileCheck %s --check-prefix=NEGSEGMENT
// RUN: not longctx-opt %s --longctx-attention-to-infini="eps=0" 2>&1 | FileCheck %s --check-prefix=EPS
// RUN: not longctx-opt %s --longctx-attention-to-infini="eps=nan" 2>&1 | FileCheck %s --check-prefix=NANEPS
// RUN: not longctx-opt %s --longctx-attention-to-infini="gate-init=nan" 2>&1 | FileCheck %s --check-prefix=GATE

// Bad values of the options of longctx-attention-to-infini are module errors
// that name the option and the value, not crashes or verifier failures, and
// the pass stops before it rewrites anything (the module in the note still
// has its longctx.attention). Valid options are tested in
// attention-to-infini.mlir.

/// The update rule is an enum: only linear and delta are known.
// RULE: error: longctx-attention-to-infini: unknown update-rule 'foo' (expected linear or delta)
// RULE-NOT: longctx.infini_attention

/// A segment holds at least one token: 0 is rejected...
// SEGMENT: error: longctx-attention-to-infini: segment-length must be positive, got 0
// SEGMENT-NOT: longctx.infini_attention

/// ...and so is a negative length (the option is signed).
// NEGSEGMENT: error: longctx-attention-to-infini: segment-length must be positive, got -128
// NEGSEGMENT-NOT: longctx.infini_attention

/// eps clamps the memory-read denominators: 0 would allow 0/0.
// EPS: error: longctx-attention-to-infini: eps must be positive and finite, got 0
// EPS-NOT: longctx.infini_attention

/// NaN fails "positive" too (it compares false with everything).
// NANEPS: error: longctx-attention-to-infini: eps must be positive and finite, got nan
// NANEPS-NOT: longctx.infini_attention
// GATE: longctx-attention-to-infini: gate-init must be finite, got nan

func.func @f(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}
