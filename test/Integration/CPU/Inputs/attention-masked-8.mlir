// Non-causal GQA attention of 8 queries over 100 keys with a boolean mask
// [B, H, N, M] (attention-split-keys.mlir).
func.func @main(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x100x16xf32>,
                %v: tensor<1x2x100x8xf32>, %mask: tensor<1x4x8x100xi1>)
    -> tensor<1x4x8x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x8x16xf32>,
         tensor<1x2x100x16xf32>, tensor<1x2x100x8xf32>)
         mask(%mask : tensor<1x4x8x100xi1>) -> tensor<1x4x8x8xf32>
  return %o : tensor<1x4x8x8xf32>
}
