// A key a row does not see adds nothing to it whatever its value: an inf or
// a NaN in the V of a key hidden by the causal diagonal, a sliding window or
// a mask leaves the rows that do not see it equal to NumPy's attention over
// finite values, in every path of the lowering (the packed value kernel,
// decoding in place, the generic one for f64, f16 widened, key tiles of 8
// so that the diagonal cuts tiles); the rows that see it are not finite.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON %S/Inputs/hidden_nonfinite_values.py make %t
// RUN: longctx-run %s -e causal --input %t/causal_q.npy --input %t/causal_k.npy \
// RUN:   --input %t/causal_v.npy --output-dir %t/causal > /dev/null
// RUN: longctx-run %s -e causal --input %t/causal_q.npy --input %t/causal_k.npy \
// RUN:   --input %t/causal_v.npy --output-dir %t/causal8 \
// RUN:   --pipeline='longctx-lower-to-cpu{query-tile-size=8 key-tile-size=8}' > /dev/null
// RUN: longctx-run %s -e window --input %t/window_q.npy --input %t/window_k.npy \
// RUN:   --input %t/window_v.npy --output-dir %t/window \
// RUN:   --pipeline='longctx-lower-to-cpu{query-tile-size=8 key-tile-size=8}' > /dev/null
// RUN: longctx-run %s -e decode --input %t/decode_q.npy --input %t/decode_k.npy \
// RUN:   --input %t/decode_v.npy --output-dir %t/decode > /dev/null
// RUN: longctx-run %s -e masked --input %t/masked_q.npy --input %t/masked_k.npy \
// RUN:   --input %t/masked_v.npy --input %t/masked_m.npy --output-dir %t/masked > /dev/null
// RUN: longctx-run %s -e generic --input %t/generic_q.npy --input %t/generic_k.npy \
// RUN:   --input %t/generic_v.npy --output-dir %t/generic > /dev/null
// RUN: for c in half half_window; do \
// RUN:   longctx-run %s -e $c --input %t/${c}_q.npy --input %t/${c}_k.npy \
// RUN:     --input %t/${c}_v.npy --output-dir %t/$c > /dev/null; \
// RUN: done
// RUN: %PYTHON %S/Inputs/hidden_nonfinite_values.py check %t | FileCheck %s

// CHECK: causal: hidden rows match, seeing rows not finite
// CHECK: window: hidden rows match, seeing rows not finite
// CHECK: decode: hidden rows match, seeing rows not finite
// CHECK: masked: hidden rows match, seeing rows not finite
// CHECK: generic: hidden rows match, seeing rows not finite
// CHECK: half: hidden rows match, seeing rows not finite
// CHECK: half_window: hidden rows match, seeing rows not finite
// CHECK: causal8: hidden rows match, seeing rows not finite

func.func @causal(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x40x16xf32>,
                  %v: tensor<1x2x40x16xf32>) -> tensor<1x2x40x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x40x16xf32>,
         tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>) causal
         -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}

func.func @window(%q: tensor<1x1x24x16xf32>, %k: tensor<1x1x24x16xf32>,
                  %v: tensor<1x1x24x16xf32>) -> tensor<1x1x24x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x1x24x16xf32>,
         tensor<1x1x24x16xf32>, tensor<1x1x24x16xf32>) causal window(4)
         -> tensor<1x1x24x16xf32>
  return %o : tensor<1x1x24x16xf32>
}

func.func @decode(%q: tensor<1x4x2x16xf32>, %k: tensor<1x2x50x16xf32>,
                  %v: tensor<1x2x50x16xf32>) -> tensor<1x4x2x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x2x16xf32>,
         tensor<1x2x50x16xf32>, tensor<1x2x50x16xf32>) causal
         -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}

func.func @masked(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                  %v: tensor<1x2x8x16xf32>, %m: tensor<1x1x8x8xi1>)
    -> tensor<1x2x8x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
         mask(%m : tensor<1x1x8x8xi1>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

func.func @generic(%q: tensor<1x1x12x8xf64>, %k: tensor<1x1x12x8xf64>,
                   %v: tensor<1x1x12x8xf64>) -> tensor<1x1x12x8xf64> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x1x12x8xf64>,
         tensor<1x1x12x8xf64>, tensor<1x1x12x8xf64>) causal
         -> tensor<1x1x12x8xf64>
  return %o : tensor<1x1x12x8xf64>
}

func.func @half(%q: tensor<1x4x100x64xf16>, %k: tensor<1x2x100x64xf16>,
                %v: tensor<1x2x100x64xf16>) -> tensor<1x4x100x64xf16> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x100x64xf16>,
         tensor<1x2x100x64xf16>, tensor<1x2x100x64xf16>) causal
         -> tensor<1x4x100x64xf16>
  return %o : tensor<1x4x100x64xf16>
}

func.func @half_window(%q: tensor<1x2x80x32xf16>, %k: tensor<1x2x80x32xf16>,
                       %v: tensor<1x2x80x32xf16>) -> tensor<1x2x80x32xf16> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x80x32xf16>,
         tensor<1x2x80x32xf16>, tensor<1x2x80x32xf16>) causal window(12)
         -> tensor<1x2x80x32xf16>
  return %o : tensor<1x2x80x32xf16>
}
