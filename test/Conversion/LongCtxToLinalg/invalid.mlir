// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg --verify-diagnostics
// RUN: not longctx-opt %s --convert-longctx-to-linalg="query-tile-size=0" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TILEZERO
// RUN: not longctx-opt %s --convert-longctx-to-linalg="query-tile-size=32 key-tile-size=-16" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TILENEG
// RUN: not longctx-opt %s --convert-longctx-to-linalg="key-tile-size=4096" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TILEBIG
// RUN: not longctx-opt %s --convert-longctx-to-linalg="decode-key-tile-size=0" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=DECODETILE

/// Tile sizes that are not positive, or past the bounds that keep compile
/// time bounded, are rejected on the module before any op is rewritten, so
/// none of the op diagnostics below is reached.
// TILEZERO: error: convert-longctx-to-linalg: query-tile-size must be in [1, 4096] and key-tile-size in [1, 1024], got query-tile-size=0 and key-tile-size=64
// TILEZERO-NOT: error: 'longctx.
// TILENEG: error: convert-longctx-to-linalg: query-tile-size must be in [1, 4096] and key-tile-size in [1, 1024], got query-tile-size=32 and key-tile-size=-16
// TILEBIG: error: convert-longctx-to-linalg: query-tile-size must be in [1, 4096] and key-tile-size in [1, 1024], got query-tile-size=64 and key-tile-size=4096
// DECODETILE: error: convert-longctx-to-linalg: decode-key-tile-size must be in [1, 1024], got 0

/// Dynamic head dims cannot be lowered: the op stays and says why.
func.func @dynamic_head_dim(%q: tensor<1x2x16x?xf32>, %k: tensor<1x2x16x?xf32>,
    %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'longctx.attention' op cannot be lowered: head counts and head dims must be static to lower longctx.attention}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x?xf32>, tensor<1x2x16x?xf32>,
         tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// Dynamic head counts in the memory ops cannot be lowered either.
func.func @dynamic_memory_heads(%q: tensor<1x?x16x8xf32>, %m: tensor<1x?x8x8xf32>,
    %z: tensor<1x?x8xf32>) -> tensor<1x?x16x8xf32> {
  // expected-error @+1 {{'longctx.memory_retrieve' op cannot be lowered: head counts and head dims must be static}}
  %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x?x16x8xf32>, tensor<1x?x8x8xf32>, tensor<1x?x8xf32>) -> tensor<1x?x16x8xf32>
  return %a : tensor<1x?x16x8xf32>
}

// -----

/// A mask whose head dimension is dynamic could be 1 (broadcast) or H at run
/// time, so the lowering cannot pick its indexing: the op stays and says why.
func.func @dynamic_mask_heads(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %m: tensor<1x?x16x16xi1>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'longctx.attention' op cannot be lowered: the mask batch and head dimensions must be static to lower longctx.attention}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
         tensor<1x2x16x8xf32>) mask(%m : tensor<1x?x16x16xi1>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

/// A dynamic mask batch could be 1 (broadcast) or B at run time: rejected
/// rather than guessed.
func.func @dynamic_mask_batch(%q: tensor<2x1x8x4xf32>, %k: tensor<2x1x8x4xf32>,
    %v: tensor<2x1x8x4xf32>, %m: tensor<?x1x8x8xi1>) -> tensor<2x1x8x4xf32> {
  // expected-error @+1 {{'longctx.attention' op cannot be lowered: the mask batch and head dimensions must be static to lower longctx.attention}}
  %o = longctx.attention ins(%q, %k, %v : tensor<2x1x8x4xf32>, tensor<2x1x8x4xf32>,
         tensor<2x1x8x4xf32>) mask(%m : tensor<?x1x8x8xi1>) -> tensor<2x1x8x4xf32>
  return %o : tensor<2x1x8x4xf32>
}
