"""Inputs and checks of attention-hidden-nonfinite-values.mlir.

make DIR: for each case, Q, K and V (one key's V all inf or NaN) and the
mask, as .npy files. check DIR [RUN...]: each run's result
(DIR/<run>/result0.npy) against the NumPy reference: the rows that do not
see the key equal the reference (and attention over the finite V), the rows
that see it are not finite. The runs are the CPU test's unless named (the
GPU test runs the f16 cases on tensor cores, half16 with key tiles of 16).
"""

import os
import sys

import numpy as np

from longctx import reference

# name: (q shape, kv shape, dtype, key, value, attention kwargs, the rows
# that see the key)
CASES = {
    "causal": ((1, 2, 40, 16), (1, 2, 40, 16), np.float32, 30, np.inf,
               dict(causal=True), range(30, 40)),
    "window": ((1, 1, 24, 16), (1, 1, 24, 16), np.float32, 3, np.nan,
               dict(causal=True, window=4), range(3, 7)),
    "decode": ((1, 4, 2, 16), (1, 2, 50, 16), np.float32, 49, np.inf,
               dict(causal=True), range(1, 2)),
    "masked": ((1, 2, 8, 16), (1, 2, 8, 16), np.float32, 5, np.inf,
               dict(), range(6, 8)),
    "generic": ((1, 1, 12, 8), (1, 1, 12, 8), np.float64, 6, -np.inf,
                dict(causal=True), range(6, 12)),
    # f16 for the tensor-core kernel: 2 query heads per KV head, d = 64,
    # key tiles of 16 or 32 cut by the diagonal and the window.
    "half": ((1, 4, 100, 64), (1, 2, 100, 64), np.float16, 70, np.inf,
             dict(causal=True), range(70, 100)),
    "half_window": ((1, 2, 80, 32), (1, 2, 80, 32), np.float16, 20, np.nan,
                    dict(causal=True, window=12), range(20, 32)),
}
# The same inputs, other tilings.
SAME = {"causal8": "causal", "half16": "half"}
CPU_RUNS = [n for n in list(CASES) + list(SAME) if n != "half16"]


def inputs(name):
    qs, kvs, dtype, key, value, kwargs, _ = CASES[name]
    r = np.random.default_rng(sum(map(ord, name)))
    q, k, v = (r.uniform(-1, 1, s).astype(dtype) for s in (qs, kvs, kvs))
    bad = v.copy()
    bad[:, :, key, :] = value
    kwargs = dict(kwargs)
    if name == "masked":
        m = np.ones((1, 1, qs[2], kvs[2]), bool)
        m[..., :6, key] = False  # rows 0-5 do not see the key
        kwargs["mask"] = m
    return q, k, v, bad, kwargs


def make(out):
    for name in CASES:
        q, k, _, bad, kwargs = inputs(name)
        arrays = {"q": q, "k": k, "v": bad}
        if "mask" in kwargs:
            arrays["m"] = kwargs["mask"]
        for a, x in arrays.items():
            np.save(os.path.join(out, f"{name}_{a}.npy"), x)


def check(out, runs=()):
    for run in runs or CPU_RUNS:
        name = SAME.get(run, run)
        q, k, v, bad, kwargs = inputs(name)
        seeing = list(CASES[name][6])
        rows = q.shape[2]
        hidden = [i for i in range(rows) if i not in seeing]
        got = np.load(os.path.join(out, run, "result0.npy"))
        expected = reference.attention(q, k, bad, **kwargs)
        finite = reference.attention(q, k, v, **kwargs)
        assert np.allclose(expected[:, :, hidden], finite[:, :, hidden],
                           atol=1e-12), "the reference lets a hidden key in"
        # f16: P rounded to f16 before P V on tensor cores.
        tol = {np.float16: 2e-2, np.float32: 1e-5}.get(q.dtype.type, 1e-12)
        err = np.abs(got[:, :, hidden] - expected[:, :, hidden]).max()
        sees = bool((~np.isfinite(got[:, :, seeing])).all())
        ref_sees = bool((~np.isfinite(expected[:, :, seeing])).all())
        if err <= tol and sees and ref_sees:
            print(f"{run}: hidden rows match, seeing rows not finite")
        else:
            print(f"{run}: hidden rows differ by {err:g} (tolerance {tol:g}); "
                  f"seeing rows not finite: {sees} (reference: {ref_sees})")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3:])
