// pipeline: 7
func.func @attend(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>,
                  %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x4xf32>,
         tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) causal
         -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
