"""NumPy reference semantics of the longctx ops: the test oracle.

Written from the specification in dialects/longctx/LongCtx.md, never from the
compiled code. Every function computes in float64 and returns float64 arrays;
callers cast to the dtype under test.

Shapes follow the dialect: Q [B, H, N, d], K [B, Hkv, M, d], V [B, Hkv, M, dv].
"""

import numpy as np


def attention(q, k, v, mask=None, scale=None, causal=False):
    """Standard scaled dot-product attention (`longctx.attention`).

    * GQA: query head h reads key/value head h // (H // Hkv).
    * causal: query row i sees key j iff j <= i + (M - N).
    * mask: [B|1, H|1, N, M]; bool keeps a key where True, float is added.
    * Rows whose keys are all masked produce zeros.
    """
    q = np.asarray(q, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    b, h, n, d = q.shape
    bk, hkv, m, dk = k.shape
    if bk != b or dk != d or v.shape[:3] != k.shape[:3] or h % hkv != 0:
        raise ValueError(f"bad shapes q={q.shape} k={k.shape} v={v.shape}")
    group = h // hkv
    if scale is None:
        scale = 1.0 / np.sqrt(d)
    k = np.repeat(k, group, axis=1)
    v = np.repeat(v, group, axis=1)
    scores = np.einsum("bhid,bhjd->bhij", q, k) * scale
    visible = np.ones((b, h, n, m), dtype=bool)
    if causal:
        rows = np.arange(n)[:, None] + (m - n)
        cols = np.arange(m)[None, :]
        visible &= cols <= rows
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype == np.bool_:
            visible &= np.broadcast_to(mask, visible.shape)
        else:
            additive = np.broadcast_to(mask.astype(np.float64), scores.shape)
            scores = scores + additive
            visible &= additive != -np.inf
    scores = np.where(visible, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)
    empty = ~np.isfinite(row_max)
    row_max = np.where(empty, 0.0, row_max)
    weights = np.exp(scores - row_max)
    denom = weights.sum(axis=-1, keepdims=True)
    out = np.einsum("bhij,bhjd->bhid", weights, v)
    return np.where(denom > 0, out / np.where(denom > 0, denom, 1.0), 0.0)
