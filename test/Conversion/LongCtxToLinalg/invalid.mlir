// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg --verify-diagnostics

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
