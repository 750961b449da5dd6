// On the GPU: a sliding window of 50 over 300 tokens; decode-shaped causal
// GQA (5 queries over 200 keys: the diagonal is offset by M - N); f16
// inputs with f32 accumulation against the rounded float64 reference, on
// the FMA kernel and on tensor cores.
// REQUIRES: cuda-gpu
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,4,300,16 --kv 1,2,300,16 --causal --window 50 --seed 31 --out %t/w
// RUN: longctx-run %s -e window --target=cuda --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,5,16 --kv 1,1,200,16 --causal --seed 3 --out %t/d
// RUN: longctx-run %s -e decode --target=cuda --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --expected %t/d/expected.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,200,32 --kv 1,2,200,32 --causal --dtype float16 --seed 71 --out %t/h
// RUN: longctx-run %s -e half --target=cuda --input %t/h/q.npy --input %t/h/k.npy --input %t/h/v.npy --expected %t/h/expected.npy --atol 2e-4 --rtol 2e-3 | FileCheck %s
// Tensor cores (mma.sync; P rounded to f16 before P V, hence the looser
// tolerance), and the window on tensor cores.
// RUN: longctx-run %s -e half --target=cuda --pipeline="longctx-lower-to-nvvm{chip=sm_80 mma=true}" --input %t/h/q.npy --input %t/h/k.npy --input %t/h/v.npy --expected %t/h/expected.npy --atol 1e-3 --rtol 1e-2 | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,300,64 --kv 1,2,300,64 --causal --window 50 --dtype float16 --seed 32 --out %t/hw
// RUN: longctx-run %s -e half_window --target=cuda --pipeline="longctx-lower-to-nvvm{chip=sm_80 mma=true query-tile-size=64 key-tile-size=16}" --input %t/hw/q.npy --input %t/hw/k.npy --input %t/hw/v.npy --expected %t/hw/expected.npy --atol 1e-3 --rtol 1e-2 | FileCheck %s

// CHECK: result 0: {{.*}} PASS

func.func @window(%q: tensor<1x4x300x16xf32>, %k: tensor<1x2x300x16xf32>,
                  %v: tensor<1x2x300x16xf32>) -> tensor<1x4x300x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x300x16xf32>,
         tensor<1x2x300x16xf32>, tensor<1x2x300x16xf32>) causal window(50)
         -> tensor<1x4x300x16xf32>
  return %o : tensor<1x4x300x16xf32>
}

func.func @decode(%q: tensor<1x4x5x16xf32>, %k: tensor<1x1x200x16xf32>,
                  %v: tensor<1x1x200x16xf32>) -> tensor<1x4x5x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x5x16xf32>,
         tensor<1x1x200x16xf32>, tensor<1x1x200x16xf32>) causal
         -> tensor<1x4x5x16xf32>
  return %o : tensor<1x4x5x16xf32>
}

func.func @half(%q: tensor<1x4x200x32xf16>, %k: tensor<1x2x200x32xf16>,
                %v: tensor<1x2x200x32xf16>) -> tensor<1x4x200x32xf16> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x200x32xf16>,
         tensor<1x2x200x32xf16>, tensor<1x2x200x32xf16>) causal
         -> tensor<1x4x200x32xf16>
  return %o : tensor<1x4x200x32xf16>
}

func.func @half_window(%q: tensor<1x4x300x64xf16>, %k: tensor<1x2x300x64xf16>,
                       %v: tensor<1x2x300x64xf16>) -> tensor<1x4x300x64xf16> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x300x64xf16>,
         tensor<1x2x300x64xf16>, tensor<1x2x300x64xf16>) causal window(50)
         -> tensor<1x4x300x64xf16>
  return %o : tensor<1x4x300x64xf16>
}
