// RUN: longctx-opt %s --split-input-file --verify-diagnostics --convert-longctx-to-gpu
// RUN: not longctx-opt %s --split-input-file --convert-longctx-to-gpu="query-tile-size=0" 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not longctx-opt %s --split-input-file --convert-longctx-to-gpu="query-tile-size=1025" 2>&1 | FileCheck %s --check-prefix=THREADS2
// RUN: not longctx-opt %s --split-input-file --convert-longctx-to-gpu="key-tile-size=0" 2>&1 | FileCheck %s --check-prefix=KEYS

// THREADS: error: convert-longctx-to-gpu: query-tile-size (threads per block) must be in [1, 1024], got 0
// THREADS2: error: convert-longctx-to-gpu: query-tile-size (threads per block) must be in [1, 1024], got 1025
// KEYS: error: convert-longctx-to-gpu: key-tile-size must be in [1, 12288], got 0

func.func @dynamic_head_dim(%q: tensor<1x2x8x?xf32>, %k: tensor<1x2x8x?xf32>,
                            %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{'longctx.attention' op cannot be lowered: head counts and head dims must be static to lower longctx.attention to a GPU kernel}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x?xf32>,
         tensor<1x2x8x?xf32>, tensor<1x2x8x16xf32>) scale(0.25)
         -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @dynamic_mask_heads(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                              %v: tensor<1x2x8x16xf32>, %m: tensor<1x?x8x8xi1>)
    -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{'longctx.attention' op cannot be lowered: the mask batch and head dimensions must be static to lower longctx.attention to a GPU kernel}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
         mask(%m : tensor<1x?x8x8xi1>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// Default tiles (128 rows, 32 keys) with d = dv = 64 in f64:
// 32 x (64 + 64 + 128) x 8 = 65536 bytes of shared memory.
func.func @too_much_shared_memory(%q: tensor<1x1x8x64xf64>, %k: tensor<1x1x8x64xf64>,
                                  %v: tensor<1x1x8x64xf64>) -> tensor<1x1x8x64xf64> {
  // expected-error @+1 {{'longctx.attention' op cannot be lowered: the GPU kernel's tiles need 65536 bytes of shared memory (key-tile-size x (d + dv + query-tile-size) x 8 bytes), more than the 49152 a block has; use smaller tiles}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x1x8x64xf64>,
         tensor<1x1x8x64xf64>, tensor<1x1x8x64xf64>) -> tensor<1x1x8x64xf64>
  return %o : tensor<1x1x8x64xf64>
}

// -----

func.func @sinks(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                 %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{'longctx.attention' op cannot be lowered: attention sinks are not supported by the GPU kernels yet}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) causal window(4) sinks(2)
         -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
