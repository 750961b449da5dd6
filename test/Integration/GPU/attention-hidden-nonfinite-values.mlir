// On the GPU: a key a row does not see adds nothing to it whatever its
// value (an inf or a NaN in its V), on the FMA kernel (f32: the causal
// diagonal, a window, decode-shaped GQA, a mask) and on tensor cores (f16,
// mma=true: GQA with the diagonal inside key tiles of 32 and of 16, and a
// window), against NumPy's attention; the rows that see the key are not
// finite. Inputs and checks: ../CPU/Inputs/hidden_nonfinite_values.py.
// REQUIRES: cuda-gpu
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON %S/../CPU/Inputs/hidden_nonfinite_values.py make %t
// RUN: for c in causal window decode; do \
// RUN:   longctx-run %s -e $c --target=cuda --input %t/${c}_q.npy \
// RUN:     --input %t/${c}_k.npy --input %t/${c}_v.npy --output-dir %t/$c > /dev/null; \
// RUN: done
// RUN: longctx-run %s -e masked --target=cuda --input %t/masked_q.npy \
// RUN:   --input %t/masked_k.npy --input %t/masked_v.npy --input %t/masked_m.npy \
// RUN:   --output-dir %t/masked > /dev/null
// RUN: longctx-run %s -e half --target=cuda \
// RUN:   --pipeline="longctx-lower-to-nvvm{chip=sm_80 mma=true}" \
// RUN:   --input %t/half_q.npy --input %t/half_k.npy --input %t/half_v.npy \
// RUN:   --output-dir %t/half > /dev/null
// RUN: longctx-run %s -e half --target=cuda \
// RUN:   --pipeline="longctx-lower-to-nvvm{chip=sm_80 mma=true query-tile-size=64 key-tile-size=16}" \
// RUN:   --input %t/half_q.npy --input %t/half_k.npy --input %t/half_v.npy \
// RUN:   --output-dir %t/half16 > /dev/null
// RUN: longctx-run %s -e half_window --target=cuda \
// RUN:   --pipeline="longctx-lower-to-nvvm{chip=sm_80 mma=true query-tile-size=64 key-tile-size=16}" \
// RUN:   --input %t/half_window_q.npy --input %t/half_window_k.npy \
// RUN:   --input %t/half_window_v.npy --output-dir %t/half_window > /dev/null
// RUN: %PYTHON %S/../CPU/Inputs/hidden_nonfinite_values.py check %t causal \
// RUN:   window decode masked half half16 half_window | FileCheck %s

// CHECK: causal: hidden rows match, seeing rows not finite
// CHECK: window: hidden rows match, seeing rows not finite
// CHECK: decode: hidden rows match, seeing rows not finite
// CHECK: masked: hidden rows match, seeing rows not finite
// CHECK: half: hidden rows match, seeing rows not finite
// CHECK: half16: hidden rows match, seeing rows not finite
// CHECK: half_window: hidden rows match, seeing rows not finite

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
