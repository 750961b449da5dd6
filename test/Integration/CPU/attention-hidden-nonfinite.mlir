// A key that a row must not see has no effect on it whatever its value: an
// inf in the keys hidden by an additive mask's -inf (whose sum with an inf
// score would be NaN) or by the causal diagonal leaves the other rows equal
// to NumPy's attention over finite keys. (Hidden keys' non-finite values:
// attention-hidden-nonfinite-values.mlir.)
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -c "import numpy as np; from longctx import reference; \
// RUN:   r = np.random.default_rng(0); \
// RUN:   q, k, v = (r.uniform(-1, 1, (1, 2, 8, 16)).astype(np.float32) for _ in range(3)); \
// RUN:   m = np.zeros((1, 1, 8, 8), np.float32); m[..., 5] = -np.inf; \
// RUN:   np.save('%t/expected_mask.npy', reference.attention(q, k, v, mask=m).astype(np.float32)); \
// RUN:   np.save('%t/expected_causal.npy', reference.attention(q, k, v, causal=True).astype(np.float32)); \
// RUN:   k5 = k.copy(); k5[:, :, 5] = np.inf; k7 = k.copy(); k7[:, :, 7] = np.inf; \
// RUN:   [np.save('%t/' + n + '.npy', a) for n, a in (('q', q), ('v', v), ('m', m), ('k5', k5), ('k7', k7))]"
// RUN: longctx-run %s -e masked --input %t/q.npy --input %t/k5.npy --input %t/v.npy \
// RUN:   --input %t/m.npy --expected %t/expected_mask.npy | FileCheck %s
// RUN: longctx-run %s -e causal --input %t/q.npy --input %t/k7.npy --input %t/v.npy \
// RUN:   --output-dir %t/causal > /dev/null
// RUN: %PYTHON -c "import numpy as np; \
// RUN:   a = np.load('%t/causal/result0.npy'); e = np.load('%t/expected_causal.npy'); \
// RUN:   err = abs(a[:, :, :7] - e[:, :, :7]).max(); \
// RUN:   print('rows 0-6 match' if err < 1e-5 else 'rows 0-6 differ: %%g' %% err)" | FileCheck %s --check-prefix=CAUSAL

// CHECK: result 0: {{.*}} PASS
// CAUSAL: rows 0-6 match

func.func @masked(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                  %v: tensor<1x2x8x16xf32>, %m: tensor<1x1x8x8xf32>)
    -> tensor<1x2x8x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
         mask(%m : tensor<1x1x8x8xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

func.func @causal(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                  %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) causal
         -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
