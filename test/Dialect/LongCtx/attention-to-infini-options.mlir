// Bad pass options are errors, not crashes.
// RUN: not longctx-opt %s --longctx-attention-to-infini="update-rule=hebbian" 2>&1 | FileCheck %s --check-prefix=RULE
// RUN: not longctx-opt %s --longctx-attention-to-infini="segment-length=0" 2>&1 | FileCheck %s --check-prefix=SEGMENT
// RUN: not longctx-opt %s --longctx-attention-to-infini="eps=0" 2>&1 | FileCheck %s --check-prefix=EPS
// RUN: not longctx-opt %s --convert-longctx-to-linalg="key-tile-size=0" 2>&1 | FileCheck %s --check-prefix=TILE

// RULE: longctx-attention-to-infini: unknown update-rule 'hebbian' (expected linear or delta)
// SEGMENT: longctx-attention-to-infini: segment-length must be positive, got 0
// EPS: longctx-attention-to-infini: eps must be positive and finite, got 0
// TILE: convert-longctx-to-linalg: tile sizes must be positive, got query-tile-size=64 and key-tile-size=0

func.func @f(%x: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %a = longctx.attention ins(%x, %x, %x : tensor<1x2x64x8xf32>,
         tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) causal -> tensor<1x2x64x8xf32>
  return %a : tensor<1x2x64x8xf32>
}
