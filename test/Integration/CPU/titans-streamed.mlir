// Titans MAG, MAL and MAC streamed (longctx-attention-to-titans window=W):
// the state keeps the rows of the memory's partial chunk and of the
// attention window (MAC: of the current segment of W tokens, and the memory
// as of the segment's start), and the stream position, so a stream split
// into calls of any
// length (one call of 63, nine of 7, three of 19, a prefill of 14 ending
// mid-chunk then 49 one-token calls from the saved state) gives the
// outputs of one call over the whole sequence, against NumPy
// (reference.titans_mag / titans_mal with `window` over all 63 tokens,
// reference.titans_mac over each segment; they are prefix-consistent, so
// the first 57 are the 57-token outputs).
// W and S are checked too: the memory as of the last chunk boundary (56).
// MAG: 4 persistent tokens, a window of 12 over chunks of 8 (one state of
// 11 rows serves both); MAL: no persistent tokens, a window of 5 (the
// attention's own window), and a window of 20 over chunks of 8 with 3
// persistent tokens; MAC: segments of 8 over chunks of 4 with 2 persistent
// tokens (a call of 63 or 19 cuts into pieces at segment boundaries), and
// segments of 8 over chunks of 8 without persistent tokens.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data mag --q 1,2,63,16 --dv 8 --persistent 4 --chunk-length 8 --window 12 --seed 91 --out %t/mag
// RUN: %PYTHON -m longctx.make_data mag --arch mal --q 1,2,63,16 --dv 8 --persistent 0 --chunk-length 8 --window 5 --seed 92 --out %t/mal
// RUN: %PYTHON -m longctx.make_data mag --arch mal --q 1,2,63,16 --dv 8 --persistent 3 --chunk-length 8 --window 20 --seed 93 --out %t/malp
// RUN: %PYTHON -m longctx.make_data mag --arch mac --q 1,2,63,16 --dv 8 --persistent 2 --chunk-length 4 --window 8 --seed 94 --out %t/mac
// RUN: %PYTHON -m longctx.make_data mag --arch mac --q 1,2,63,16 --dv 8 --persistent 0 --chunk-length 8 --window 8 --seed 95 --out %t/mac0
// RUN: %PYTHON -c "import numpy as np; \
// RUN:   [np.save(f'%t/{r}/{part}_{n}.npy', np.load(f'%t/{r}/{n}.npy')[:, :, s]) \
// RUN:    for r in ('mag', 'mal', 'malp', 'mac', 'mac0') for n in ('q', 'k', 'v', 'expected') \
// RUN:    for part, s in (('pre', slice(0, 14)), ('dec', slice(14, 63)), ('p57', slice(0, 57)))]"
// RUN: for n in 63 19 7 1; do \
// RUN:   sed -e "s/x7x/x${n}x/g" %s > %t/layer$n.mlir; \
// RUN:   longctx-opt %t/layer$n.mlir --longctx-attention-to-titans="chunk-length=8 persistent-tokens=4 window=12" -o %t/mag$n.mlir; \
// RUN:   longctx-opt %t/layer$n.mlir --longctx-attention-to-titans="arch=mal chunk-length=8 persistent-tokens=0 window=5" -o %t/mal$n.mlir; \
// RUN:   longctx-opt %t/layer$n.mlir --longctx-attention-to-titans="arch=mal chunk-length=8 persistent-tokens=3 window=20" -o %t/malp$n.mlir; \
// RUN:   longctx-opt %t/layer$n.mlir --longctx-attention-to-titans="arch=mac chunk-length=4 persistent-tokens=2 window=8" -o %t/mac$n.mlir; \
// RUN:   longctx-opt %t/layer$n.mlir --longctx-attention-to-titans="arch=mac chunk-length=8 persistent-tokens=0 window=8" -o %t/mac0$n.mlir; \
// RUN: done
//
// MAG (inputs: Q, K, V, persistent K and V, theta, eta, alpha):
// RUN: longctx-run %t/mag63.mlir --input %t/mag/q.npy --input %t/mag/k.npy --input %t/mag/v.npy --input %t/mag/pk.npy --input %t/mag/pv.npy --input %t/mag/theta.npy --input %t/mag/eta.npy --input %t/mag/alpha.npy --expected %t/mag/expected.npy --expected %t/mag/expected_weights.npy --expected %t/mag/expected_momentum.npy | FileCheck %s --check-prefix=STATE
// RUN: longctx-run %t/mag7.mlir --stream-tokens 63 --input %t/mag/q.npy --input %t/mag/k.npy --input %t/mag/v.npy --input %t/mag/pk.npy --input %t/mag/pv.npy --input %t/mag/theta.npy --input %t/mag/eta.npy --input %t/mag/alpha.npy --expected %t/mag/expected.npy --expected %t/mag/expected_weights.npy --expected %t/mag/expected_momentum.npy | FileCheck %s --check-prefix=STATE
// RUN: longctx-run %t/mag1.mlir --stream-tokens 63 --input %t/mag/q.npy --input %t/mag/k.npy --input %t/mag/v.npy --input %t/mag/pk.npy --input %t/mag/pv.npy --input %t/mag/theta.npy --input %t/mag/eta.npy --input %t/mag/alpha.npy --expected %t/mag/expected.npy --expected %t/mag/expected_weights.npy --expected %t/mag/expected_momentum.npy | FileCheck %s --check-prefix=STATE
// RUN: longctx-run %t/mag19.mlir --stream-tokens 57 --input %t/mag/p57_q.npy --input %t/mag/p57_k.npy --input %t/mag/p57_v.npy --input %t/mag/pk.npy --input %t/mag/pv.npy --input %t/mag/theta.npy --input %t/mag/eta.npy --input %t/mag/alpha.npy --expected %t/mag/p57_expected.npy | FileCheck %s
// RUN: longctx-run %t/mag7.mlir --stream-tokens 14 --input %t/mag/pre_q.npy --input %t/mag/pre_k.npy --input %t/mag/pre_v.npy --input %t/mag/pk.npy --input %t/mag/pv.npy --input %t/mag/theta.npy --input %t/mag/eta.npy --input %t/mag/alpha.npy --expected %t/mag/pre_expected.npy --save-state %t/mag/s14 | FileCheck %s
// RUN: longctx-run %t/mag1.mlir --stream-tokens 49 --load-state %t/mag/s14 --input %t/mag/dec_q.npy --input %t/mag/dec_k.npy --input %t/mag/dec_v.npy --input %t/mag/pk.npy --input %t/mag/pv.npy --input %t/mag/theta.npy --input %t/mag/eta.npy --input %t/mag/alpha.npy --expected %t/mag/dec_expected.npy | FileCheck %s
//
// MAL (inputs: Q, K, V, [persistent K and V,] Pq, Pk, Pv, theta, eta, alpha):
// RUN: longctx-run %t/mal63.mlir --input %t/mal/q.npy --input %t/mal/k.npy --input %t/mal/v.npy --input %t/mal/proj_q.npy --input %t/mal/proj_k.npy --input %t/mal/proj_v.npy --input %t/mal/theta.npy --input %t/mal/eta.npy --input %t/mal/alpha.npy --expected %t/mal/expected.npy --expected %t/mal/expected_weights.npy --expected %t/mal/expected_momentum.npy | FileCheck %s --check-prefix=STATE
// RUN: longctx-run %t/mal7.mlir --stream-tokens 63 --input %t/mal/q.npy --input %t/mal/k.npy --input %t/mal/v.npy --input %t/mal/proj_q.npy --input %t/mal/proj_k.npy --input %t/mal/proj_v.npy --input %t/mal/theta.npy --input %t/mal/eta.npy --input %t/mal/alpha.npy --expected %t/mal/expected.npy --expected %t/mal/expected_weights.npy --expected %t/mal/expected_momentum.npy | FileCheck %s --check-prefix=STATE
// RUN: longctx-run %t/mal1.mlir --stream-tokens 63 --input %t/mal/q.npy --input %t/mal/k.npy --input %t/mal/v.npy --input %t/mal/proj_q.npy --input %t/mal/proj_k.npy --input %t/mal/proj_v.npy --input %t/mal/theta.npy --input %t/mal/eta.npy --input %t/mal/alpha.npy --expected %t/mal/expected.npy --expected %t/mal/expected_weights.npy --expected %t/mal/expected_momentum.npy | FileCheck %s --check-prefix=STATE
// RUN: longctx-run %t/mal7.mlir --stream-tokens 14 --input %t/mal/pre_q.npy --input %t/mal/pre_k.npy --input %t/mal/pre_v.npy --input %t/mal/proj_q.npy --input %t/mal/proj_k.npy --input %t/mal/proj_v.npy --input %t/mal/theta.npy --input %t/mal/eta.npy --input %t/mal/alpha.npy --expected %t/mal/pre_expected.npy --save-state %t/mal/s14 | FileCheck %s
// RUN: longctx-run %t/mal1.mlir --stream-tokens 49 --load-state %t/mal/s14 --input %t/mal/dec_q.npy --input %t/mal/dec_k.npy --input %t/mal/dec_v.npy --input %t/mal/proj_q.npy --input %t/mal/proj_k.npy --input %t/mal/proj_v.npy --input %t/mal/theta.npy --input %t/mal/eta.npy --input %t/mal/alpha.npy --expected %t/mal/dec_expected.npy | FileCheck %s
// RUN: longctx-run %t/malp19.mlir --stream-tokens 57 --input %t/malp/p57_q.npy --input %t/malp/p57_k.npy --input %t/malp/p57_v.npy --input %t/malp/pk.npy --input %t/malp/pv.npy --input %t/malp/proj_q.npy --input %t/malp/proj_k.npy --input %t/malp/proj_v.npy --input %t/malp/theta.npy --input %t/malp/eta.npy --input %t/malp/alpha.npy --expected %t/malp/p57_expected.npy | FileCheck %s
// RUN: longctx-run %t/malp1.mlir --stream-tokens 63 --input %t/malp/q.npy --input %t/malp/k.npy --input %t/malp/v.npy --input %t/malp/pk.npy --input %t/malp/pv.npy --input %t/malp/proj_q.npy --input %t/malp/proj_k.npy --input %t/malp/proj_v.npy --input %t/malp/theta.npy --input %t/malp/eta.npy --input %t/malp/alpha.npy --expected %t/malp/expected.npy --expected %t/malp/expected_weights.npy --expected %t/malp/expected_momentum.npy | FileCheck %s --check-prefix=STATE
//
// MAC (inputs: Q, K, V, [persistent K and V,] Rk, Rv, Bk, Bv, Bq, theta, eta, alpha):
// RUN: longctx-run %t/mac63.mlir --input %t/mac/q.npy --input %t/mac/k.npy --input %t/mac/v.npy --input %t/mac/pk.npy --input %t/mac/pv.npy --input %t/mac/retrieved_k.npy --input %t/mac/retrieved_v.npy --input %t/mac/memory_k.npy --input %t/mac/memory_v.npy --input %t/mac/memory_q.npy --input %t/mac/theta.npy --input %t/mac/eta.npy --input %t/mac/alpha.npy --expected %t/mac/expected.npy --expected %t/mac/expected_weights.npy --expected %t/mac/expected_momentum.npy | FileCheck %s --check-prefix=STATE
// RUN: longctx-run %t/mac7.mlir --stream-tokens 63 --input %t/mac/q.npy --input %t/mac/k.npy --input %t/mac/v.npy --input %t/mac/pk.npy --input %t/mac/pv.npy --input %t/mac/retrieved_k.npy --input %t/mac/retrieved_v.npy --input %t/mac/memory_k.npy --input %t/mac/memory_v.npy --input %t/mac/memory_q.npy --input %t/mac/theta.npy --input %t/mac/eta.npy --input %t/mac/alpha.npy --expected %t/mac/expected.npy --expected %t/mac/expected_weights.npy --expected %t/mac/expected_momentum.npy | FileCheck %s --check-prefix=STATE
// RUN: longctx-run %t/mac1.mlir --stream-tokens 63 --input %t/mac/q.npy --input %t/mac/k.npy --input %t/mac/v.npy --input %t/mac/pk.npy --input %t/mac/pv.npy --input %t/mac/retrieved_k.npy --input %t/mac/retrieved_v.npy --input %t/mac/memory_k.npy --input %t/mac/memory_v.npy --input %t/mac/memory_q.npy --input %t/mac/theta.npy --input %t/mac/eta.npy --input %t/mac/alpha.npy --expected %t/mac/expected.npy --expected %t/mac/expected_weights.npy --expected %t/mac/expected_momentum.npy | FileCheck %s --check-prefix=STATE
// RUN: longctx-run %t/mac19.mlir --stream-tokens 57 --input %t/mac/p57_q.npy --input %t/mac/p57_k.npy --input %t/mac/p57_v.npy --input %t/mac/pk.npy --input %t/mac/pv.npy --input %t/mac/retrieved_k.npy --input %t/mac/retrieved_v.npy --input %t/mac/memory_k.npy --input %t/mac/memory_v.npy --input %t/mac/memory_q.npy --input %t/mac/theta.npy --input %t/mac/eta.npy --input %t/mac/alpha.npy --expected %t/mac/p57_expected.npy | FileCheck %s
// RUN: longctx-run %t/mac7.mlir --stream-tokens 14 --input %t/mac/pre_q.npy --input %t/mac/pre_k.npy --input %t/mac/pre_v.npy --input %t/mac/pk.npy --input %t/mac/pv.npy --input %t/mac/retrieved_k.npy --input %t/mac/retrieved_v.npy --input %t/mac/memory_k.npy --input %t/mac/memory_v.npy --input %t/mac/memory_q.npy --input %t/mac/theta.npy --input %t/mac/eta.npy --input %t/mac/alpha.npy --expected %t/mac/pre_expected.npy --save-state %t/mac/s14 | FileCheck %s
// RUN: longctx-run %t/mac1.mlir --stream-tokens 49 --load-state %t/mac/s14 --input %t/mac/dec_q.npy --input %t/mac/dec_k.npy --input %t/mac/dec_v.npy --input %t/mac/pk.npy --input %t/mac/pv.npy --input %t/mac/retrieved_k.npy --input %t/mac/retrieved_v.npy --input %t/mac/memory_k.npy --input %t/mac/memory_v.npy --input %t/mac/memory_q.npy --input %t/mac/theta.npy --input %t/mac/eta.npy --input %t/mac/alpha.npy --expected %t/mac/dec_expected.npy | FileCheck %s
// RUN: longctx-run %t/mac019.mlir --stream-tokens 57 --input %t/mac0/p57_q.npy --input %t/mac0/p57_k.npy --input %t/mac0/p57_v.npy --input %t/mac0/retrieved_k.npy --input %t/mac0/retrieved_v.npy --input %t/mac0/memory_k.npy --input %t/mac0/memory_v.npy --input %t/mac0/memory_q.npy --input %t/mac0/theta.npy --input %t/mac0/eta.npy --input %t/mac0/alpha.npy --expected %t/mac0/p57_expected.npy | FileCheck %s
// RUN: longctx-run %t/mac01.mlir --stream-tokens 63 --input %t/mac0/q.npy --input %t/mac0/k.npy --input %t/mac0/v.npy --input %t/mac0/retrieved_k.npy --input %t/mac0/retrieved_v.npy --input %t/mac0/memory_k.npy --input %t/mac0/memory_v.npy --input %t/mac0/memory_q.npy --input %t/mac0/theta.npy --input %t/mac0/eta.npy --input %t/mac0/alpha.npy --expected %t/mac0/expected.npy --expected %t/mac0/expected_weights.npy --expected %t/mac0/expected_momentum.npy | FileCheck %s --check-prefix=STATE

// CHECK: all 1 checked results match
// STATE: all 3 checked results match

func.func @main(%q: tensor<1x2x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                %v: tensor<1x2x7x8xf32>) -> tensor<1x2x7x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x7x16xf32>,
         tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>) causal
         -> tensor<1x2x7x8xf32>
  return %o : tensor<1x2x7x8xf32>
}
