"""Inputs and checks of attention-hidden-nonfinite-values.mlir.

make DIR: for each case, Q, K and V (one key's V all inf or NaN) and the
mask, as .npy files. check DIR: each case's result (DIR/<case>/result0.npy)
against the NumPy reference: the rows that do not see the key equal the
reference (and attention over the finite V), the rows that see it are not
finite.
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
}
# The same inputs, other tilings.
SAME = {"causal8": "causal"}


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


def check(out):
    for run in list(CASES) + list(SAME):
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
        tol = 1e-5 if q.dtype == np.float32 else 1e-12
        err = np.abs(got[:, :, hidden] - expected[:, :, hidden]).max()
        sees = bool((~np.isfinite(got[:, :, seeing])).all())
        ref_sees = bool((~np.isfinite(expected[:, :, seeing])).all())
        if err <= tol and sees and ref_sees:
            print(f"{run}: hidden rows match, seeing rows not finite")
        else:
            print(f"{run}: hidden rows differ by {err:g} (tolerance {tol:g}); "
                  f"seeing rows not finite: {sees} (reference: {ref_sees})")


if __name__ == "__main__":
    {"make": make, "check": check}[sys.argv[1]](sys.argv[2])
