// The KV-cache decoder (longctx-attention-to-kv-cache) run as users run a
// model incrementally: a prefill of 14 tokens in calls of 7, then 49
// one-token decode calls from the saved state, give the outputs of one
// causal attention over all 63 tokens (NumPy), with grouped-query heads and
// with a sliding window; nine calls of 7 give them too. A call that would
// overflow the cache is refused with a message and leaves the saved state
// as it was.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --longctx-attention-to-kv-cache=capacity=64 -o %t/kv.mlir
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,63,16 --kv 1,2,63,16 --causal --seed 31 --out %t/all
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,63,16 --kv 1,2,63,16 --causal --window 5 --seed 31 --out %t/win
// RUN: %PYTHON -c "import numpy as np, os; \
// RUN:   [np.save(f'%t/{d}/{part}_{n}.npy', a[:, :, s]) \
// RUN:    for d in ('all', 'win') for n in ('q', 'k', 'v', 'expected') \
// RUN:    for a in [np.load(f'%t/{d}/{n}.npy')] \
// RUN:    for part, s in (('pre', slice(0, 14)), ('dec', slice(14, 63)))]"
//
// RUN: longctx-run %t/kv.mlir -e prefill --stream-tokens 14 --input %t/all/pre_q.npy \
// RUN:   --input %t/all/pre_k.npy --input %t/all/pre_v.npy --expected %t/all/pre_expected.npy \
// RUN:   --save-state %t/s14 | FileCheck %s --check-prefix=PREFILL
// RUN: longctx-run %t/kv.mlir -e decode --stream-tokens 49 --load-state %t/s14 \
// RUN:   --input %t/all/dec_q.npy --input %t/all/dec_k.npy --input %t/all/dec_v.npy \
// RUN:   --expected %t/all/dec_expected.npy --save-state %t/s63 | FileCheck %s --check-prefix=DECODE
// RUN: longctx-run %t/kv.mlir -e prefill --stream-tokens 63 --input %t/all/q.npy \
// RUN:   --input %t/all/k.npy --input %t/all/v.npy --expected %t/all/expected.npy | \
// RUN:   FileCheck %s --check-prefix=SEVENS
//
// RUN: longctx-run %t/kv.mlir -e prefill_window --stream-tokens 14 --input %t/win/pre_q.npy \
// RUN:   --input %t/win/pre_k.npy --input %t/win/pre_v.npy --expected %t/win/pre_expected.npy \
// RUN:   --save-state %t/w14 | FileCheck %s --check-prefix=PREFILL
// RUN: longctx-run %t/kv.mlir -e decode_window --stream-tokens 49 --load-state %t/w14 \
// RUN:   --input %t/win/dec_q.npy --input %t/win/dec_k.npy --input %t/win/dec_v.npy \
// RUN:   --expected %t/win/dec_expected.npy | FileCheck %s --check-prefix=DECODE
//
// 63 tokens are cached: a call of 7 does not fit a capacity of 64, one of 1
// does.
// RUN: cp -r %t/s63 %t/s63.before
// RUN: not longctx-run %t/kv.mlir -e prefill --load-state %t/s63 --save-state %t/s63 2>&1 | \
// RUN:   FileCheck %s --check-prefix=FULL
// RUN: diff -r %t/s63 %t/s63.before
// RUN: longctx-run %t/kv.mlir -e decode --load-state %t/s63 | FileCheck %s --check-prefix=FITS

// An exported model (python/longctx/mask_models.py, a dynamic sequence axis)
// imported at 8 tokens (prefill) and at 1 (decode), raised and rewritten
// with the same capacity, shares one state: 16 tokens in calls of 8, then
// 8 one-token calls, match the NumPy forward over 24 tokens.
// RUN: %PYTHON -m longctx.mask_models %t/m 24
// RUN: %PYTHON -c "import numpy as np; x = np.load('%t/m/x.npy'); e = np.load('%t/m/expected.npy'); \
// RUN:   np.save('%t/m/xp.npy', x[:, :16]); np.save('%t/m/ep.npy', e[:, :16]); \
// RUN:   np.save('%t/m/xd.npy', x[:, 16:]); np.save('%t/m/ed.npy', e[:, 16:])"
// RUN: for n in 8 1; do \
// RUN:   longctx-import-onnx %longctx_src/test/Examples/onnx/masks_bool_triu.onnx --dim seq=$n --stream-dim=1 | \
// RUN:     longctx-opt --longctx-raise-attention --longctx-attention-to-kv-cache=capacity=32 -o %t/m/seq$n.mlir; \
// RUN: done
// RUN: longctx-run %t/m/seq8.mlir --stream-tokens 16 --input %t/m/xp.npy --expected %t/m/ep.npy \
// RUN:   --save-state %t/m/s16 | FileCheck %s --check-prefix=MPREFILL
// RUN: longctx-run %t/m/seq1.mlir --stream-tokens 8 --load-state %t/m/s16 --input %t/m/xd.npy \
// RUN:   --expected %t/m/ed.npy | FileCheck %s --check-prefix=MDECODE

// MPREFILL: streamed 16 tokens in 2 calls of 8
// MPREFILL: all 1 checked results match
// MDECODE: streamed 8 tokens in 8 calls of 1
// MDECODE: all 1 checked results match
// One token over a cache of 599 keys (of 1024): the decode splits the
// dynamic key range among the threads (splits of ceil(600 / S) keys).
// RUN: longctx-opt %s --longctx-attention-to-kv-cache=capacity=1024 -o %t/kv1024.mlir
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,1,16 --kv 1,2,600,16 --causal --seed 32 --out %t/long
// RUN: mkdir -p %t/long/state
// RUN: %PYTHON -c "import numpy as np; k = np.load('%t/long/k.npy'); v = np.load('%t/long/v.npy'); \
// RUN:   pad = lambda a: np.concatenate([a[:, :, :599], np.zeros((1, 2, 425, 16), np.float32)], axis=2); \
// RUN:   np.save('%t/long/state/state3.npy', pad(k)); np.save('%t/long/state/state4.npy', pad(v)); \
// RUN:   np.save('%t/long/state/state5.npy', np.array([599], np.int64)); \
// RUN:   np.save('%t/long/k1.npy', k[:, :, 599:]); np.save('%t/long/v1.npy', v[:, :, 599:])"
// RUN: longctx-run %t/kv1024.mlir -e decode --load-state %t/long/state --input %t/long/q.npy \
// RUN:   --input %t/long/k1.npy --input %t/long/v1.npy --expected %t/long/expected.npy | \
// RUN:   FileCheck %s --check-prefix=LONG

// LONG: all 1 checked results match
// PREFILL: streamed 14 tokens in 2 calls of 7
// PREFILL: all 1 checked results match
// DECODE: streamed 49 tokens in 49 calls of 1
// DECODE: all 1 checked results match
// SEVENS: streamed 63 tokens in 9 calls of 7
// SEVENS: all 1 checked results match
// FULL: longctx-run: error: argument 5: the KV cache is full: it holds 63 of 64 tokens and a call appends 7
// FITS: ran @decode

func.func @prefill(%q: tensor<1x4x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                   %v: tensor<1x2x7x16xf32>) -> tensor<1x4x7x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x7x16xf32>,
         tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>) causal
         -> tensor<1x4x7x16xf32>
  return %o : tensor<1x4x7x16xf32>
}

func.func @decode(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>,
                  %v: tensor<1x2x1x16xf32>) -> tensor<1x4x1x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x1x16xf32>,
         tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>) causal
         -> tensor<1x4x1x16xf32>
  return %o : tensor<1x4x1x16xf32>
}

func.func @prefill_window(%q: tensor<1x4x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                          %v: tensor<1x2x7x16xf32>) -> tensor<1x4x7x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x7x16xf32>,
         tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>) causal window(5)
         -> tensor<1x4x7x16xf32>
  return %o : tensor<1x4x7x16xf32>
}

func.func @decode_window(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>,
                         %v: tensor<1x2x1x16xf32>) -> tensor<1x4x1x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x1x16xf32>,
         tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>) causal window(5)
         -> tensor<1x4x1x16xf32>
  return %o : tensor<1x4x1x16xf32>
}
