"""NumPy reference semantics of the longctx ops: the test oracle.

Written from the specification in dialects/longctx/LongCtx.md, never from the
compiled code. Every function computes in float64 and returns float64 arrays;
callers cast to the dtype under test.

Shapes follow the dialect: Q [B, H, N, d], K [B, Hkv, M, d], V [B, Hkv, M, dv].
"""

import numpy as np


def attention(q, k, v, mask=None, scale=None, causal=False, window=None,
              sinks=None):
    """Standard scaled dot-product attention (`longctx.attention`).

    * GQA: query head h reads key/value head h // (H // Hkv).
    * causal: query row i sees key j iff j <= i + (M - N); with a window w
      also j > i + (M - N) - w (sliding-window attention); with sinks s,
      every row also sees keys j < s.
    * mask: [B|1, H|1, N|1, M]; bool keeps a key where True, float is added.
    * Rows whose keys are all masked produce zeros.
    * A key a row does not see has no effect on it, whatever its K and V
      (inf, NaN).
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
        seen = cols <= rows
        if window is not None:
            seen &= cols > rows - window
        if sinks is not None:
            seen |= cols < sinks
        visible &= seen
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
    if np.isfinite(v).all():
        out = np.einsum("bhij,bhjd->bhid", weights, v)
    else:
        # A key a row does not see (weight 0) adds nothing to it, whatever
        # its value: select, not multiply (0 x inf is NaN).
        w = weights[..., None]
        with np.errstate(invalid="ignore"):
            out = np.where(w > 0, w * v[:, :, None, :, :], 0.0).sum(axis=3)
    return np.where(denom > 0, out / np.where(denom > 0, denom, 1.0), 0.0)


def elu_plus_one(x):
    """sigma(x) = ELU(x) + 1: x + 1 for x > 0, exp(x) otherwise."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))


def _group(q_heads, kv_heads):
    if q_heads % kv_heads != 0:
        raise ValueError(f"{q_heads} query heads over {kv_heads} memory heads")
    return q_heads // kv_heads


def memory_retrieve(q, memory, norm, eps=1e-6):
    """`longctx.memory_retrieve`: sigma(Q) M / max(sigma(Q) z, eps), per KV head."""
    sq = elu_plus_one(q)
    g = _group(q.shape[1], memory.shape[1])
    m = np.repeat(np.asarray(memory, np.float64), g, axis=1)
    z = np.repeat(np.asarray(norm, np.float64), g, axis=1)
    num = np.einsum("bhsd,bhde->bhse", sq, m)
    den = np.einsum("bhsd,bhd->bhs", sq, z)[..., None]
    return num / np.maximum(den, eps)


def memory_update(k, v, memory, norm, rule="linear", eps=1e-6):
    """`longctx.memory_update`: returns (M', z') for one segment of K, V."""
    sk = elu_plus_one(k)
    memory = np.asarray(memory, np.float64)
    norm = np.asarray(norm, np.float64)
    v = np.asarray(v, np.float64)
    if rule == "delta":
        seen = np.einsum("bhsd,bhde->bhse", sk, memory)
        seen /= np.maximum(np.einsum("bhsd,bhd->bhs", sk, norm)[..., None], eps)
        v = v - seen
    elif rule != "linear":
        raise ValueError(f"unknown rule {rule!r}")
    return memory + np.einsum("bhsd,bhse->bhde", sk, v), norm + sk.sum(axis=2)


def infini_attention(q, k, v, gate, memory, norm, segment_length, rule="linear",
                     eps=1e-6, scale=None, memory_q=None, memory_k=None):
    """`longctx.infini_attention`: returns (A, M_out, z_out).

    Segments of `segment_length` tokens (the last may be shorter); in each,
    causal local attention inside the segment, a memory read with the state
    from before the segment, the update, and the per-head sigmoid gate.
    """
    q = np.asarray(q, np.float64)
    k = np.asarray(k, np.float64)
    v = np.asarray(v, np.float64)
    memory_q = q if memory_q is None else np.asarray(memory_q, np.float64)
    memory_k = k if memory_k is None else np.asarray(memory_k, np.float64)
    weight = 1.0 / (1.0 + np.exp(-np.asarray(gate, np.float64)))[None, :, None, None]
    n = q.shape[2]
    out = np.zeros(q.shape[:3] + (v.shape[3],))
    memory = np.asarray(memory, np.float64)
    norm = np.asarray(norm, np.float64)
    for s0 in range(0, n, segment_length):
        s = slice(s0, min(n, s0 + segment_length))
        local = attention(q[:, :, s], k[:, :, s], v[:, :, s], scale=scale, causal=True)
        read = memory_retrieve(memory_q[:, :, s], memory, norm, eps)
        memory, norm = memory_update(memory_k[:, :, s], v[:, :, s], memory, norm, rule, eps)
        out[:, :, s] = weight * read + (1.0 - weight) * local
    return out, memory, norm


def titans_memory(k, v, q, theta, eta, alpha, weights, momentum, chunk_length):
    """`longctx.titans_memory` (linear memory): returns (O, W_out, S_out).

    The token recurrence of Titans with every gradient of a chunk taken at
    the chunk-start weights W0 (chunk_length = 1 is the exact recurrence):
        u_t = 2 k_t^T (k_t W0 - v_t)
        S_t = eta_t S_{t-1} - theta_t u_t
        W_t = (1 - alpha_t) W_{t-1} + S_t
        o_t = q_t W_t
    The queries may have G times the heads of the keys (grouped-query
    attention): query head h reads memory head h // G.
    """
    k, v, q = (np.asarray(a, np.float64) for a in (k, v, q))
    theta, eta, alpha = (np.asarray(a, np.float64) for a in (theta, eta, alpha))
    w = np.array(weights, np.float64)
    s = np.array(momentum, np.float64)
    n = k.shape[2]
    g = _group(q.shape[1], k.shape[1])
    out = np.zeros(q.shape[:3] + (v.shape[3],))
    for c0 in range(0, n, chunk_length):
        w0 = w.copy()
        for t in range(c0, min(n, c0 + chunk_length)):
            r = np.einsum("bhd,bhde->bhe", k[:, :, t], w0) - v[:, :, t]
            u = 2.0 * np.einsum("bhd,bhe->bhde", k[:, :, t], r)
            s = eta[:, :, t, None, None] * s - theta[:, :, t, None, None] * u
            w = (1.0 - alpha[:, :, t, None, None]) * w + s
            out[:, :, t] = np.einsum("bhd,bhde->bhe", q[:, :, t],
                                     np.repeat(w, g, axis=1))
    return out, w, s


def _silu(x):
    return x / (1.0 + np.exp(-x))


def _silu_grad(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return s * (1.0 + x * (1.0 - s))


_GELU_C = np.sqrt(2.0 / np.pi)
_GELU_K = 0.044715


def _gelu(x):
    """GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return 0.5 * x * (1.0 + np.tanh(_GELU_C * (x + _GELU_K * x**3)))


def _gelu_grad(x):
    t = np.tanh(_GELU_C * (x + _GELU_K * x**3))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _GELU_C * (1.0 + 3.0 * _GELU_K * x * x)


def titans_mlp_memory(k, v, q, theta, eta, alpha, w1, w2, s1, s2, chunk_length,
                      activation="silu"):
    """`longctx.titans_mlp_memory` of depth 2: returns (O, W1, W2, S1, S2)."""
    out, (w1, w2), (s1, s2) = titans_deep_memory(
        k, v, q, theta, eta, alpha, [w1, w2], [s1, s2], chunk_length, activation)
    return out, w1, w2, s1, s2


def titans_deep_memory(k, v, q, theta, eta, alpha, weights, momenta, chunk_length,
                       activation="silu"):
    """`longctx.titans_mlp_memory` of any depth L = len(weights) >= 2:
    returns (O, [W1..WL], [S1..SL]).

    Memory M(x) = act(... act(x W1) W2 ...) WL (act: "silu", or "gelu" in its
    tanh form, after every layer but the last), loss ||M(k) - v||^2;
    gradients of a chunk at its start weights, and the chunk's reads with
    those weights too:
        u_t = grad_W loss(W0; k_t, v_t)       (W = W1 .. WL)
        S_t = eta_t S_{t-1} - theta_t u_t
        W_t = (1 - alpha_t) W_{t-1} + S_t
        o_t = M_{W0}(q_t)
    The backward is written out layer by layer, token by token.
    """
    act, act_grad = {"silu": (_silu, _silu_grad), "gelu": (_gelu, _gelu_grad)}[activation]
    k, v, q = (np.asarray(a, np.float64) for a in (k, v, q))
    theta, eta, alpha = (np.asarray(a, np.float64) for a in (theta, eta, alpha))
    ws = [np.array(a, np.float64) for a in weights]
    ss = [np.array(a, np.float64) for a in momenta]
    depth = len(ws)
    n = k.shape[2]
    out = np.zeros(q.shape[:3] + (v.shape[3],))

    def forward(x, w0):
        """Returns the input and pre-activation of every layer, and M(x)."""
        inputs, pres = [], []
        for layer, w in enumerate(w0):
            inputs.append(x)
            pre = np.einsum("bhi,bhio->bho", x, w)
            pres.append(pre)
            x = act(pre) if layer + 1 < depth else pre
        return inputs, pres, x

    for c0 in range(0, n, chunk_length):
        w0 = [w.copy() for w in ws]
        for t in range(c0, min(n, c0 + chunk_length)):
            inputs, pres, pred = forward(k[:, :, t], w0)
            delta = 2.0 * (pred - v[:, :, t])
            grads = [None] * depth
            for layer in reversed(range(depth)):
                grads[layer] = np.einsum("bhi,bho->bhio", inputs[layer], delta)
                if layer > 0:
                    delta = (np.einsum("bho,bhio->bhi", delta, w0[layer])
                             * act_grad(pres[layer - 1]))
            th, et, al = (a[:, :, t, None, None] for a in (theta, eta, alpha))
            for layer in range(depth):
                ss[layer] = et * ss[layer] - th * grads[layer]
                ws[layer] = (1.0 - al) * ws[layer] + ss[layer]
            out[:, :, t] = forward(q[:, :, t], w0)[2]
    return out, ws, ss


def _persistent_attention(q, k, v, persistent_k, persistent_v, scale, window):
    """attention(Q, [P_k ; K], [P_v ; V]): causal with the queries at the end
    (every query sees the persistent tokens); with `window`, query i sees
    the persistent tokens and tokens j with i - window < j <= i."""
    keys = np.concatenate([np.asarray(persistent_k, np.float64), k], axis=2)
    values = np.concatenate([np.asarray(persistent_v, np.float64), v], axis=2)
    if window is None:
        return attention(q, keys, values, scale=scale, causal=True)
    p, n = keys.shape[2] - k.shape[2], q.shape[2]
    i = np.arange(n)[:, None]
    j = np.arange(p + n)[None, :] - p
    mask = (j < 0) | ((j <= i) & (j > i - window))
    return attention(q, keys, values, mask=mask[None, None], scale=scale)


def titans_mag(q, k, v, persistent_k, persistent_v, theta, eta, alpha, weights,
               momentum, chunk_length, scale=None, window=None):
    """Titans MAG as `longctx-attention-to-titans{arch=mag}` builds it, for
    one call: returns (O, W_out, S_out).

        y = attention(Q, [P_k ; K], [P_v ; V]) causal (queries at the end)
        m = titans_memory(K, V, Q, theta, eta, alpha, W, S)  (rates per head)
        O = y * sigmoid(m)

    With `window` (the streamed form, `window=W`), query i of y sees the
    persistent tokens and tokens i - W < j <= i: one call over the whole
    stream gives what any split of it into calls gives.
    """
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    y = _persistent_attention(q, k, v, persistent_k, persistent_v, scale, window)
    shape = k.shape[:3]
    m, w, s = titans_memory(k, v, q, _per_token(theta, shape),
                            _per_token(eta, shape), _per_token(alpha, shape),
                            weights, momentum, chunk_length)
    return y / (1.0 + np.exp(-m)), w, s


def _per_token(rate, shape):
    """A per-head rate [H] broadcast to [B, H, N]."""
    return np.broadcast_to(np.asarray(rate, np.float64)[None, :, None], shape)


def _project(x, p):
    """x [B, H, n, a] times the per-head projection p [H, a, b]."""
    return np.einsum("bhna,hac->bhnc", x, np.asarray(p, np.float64))


def group_mean(x, kv_heads):
    """x [B, G Hkv, n, a] averaged over each group of G query heads:
    [B, Hkv, n, a] (x for G = 1)."""
    b, h, n, a = x.shape
    return x.reshape(b, kv_heads, _group(h, kv_heads), n, a).mean(axis=2)


def titans_mal(q, k, v, persistent_k, persistent_v, proj_q, proj_k, proj_v,
               theta, eta, alpha, weights, momentum, chunk_length, scale=None,
               window=None):
    """Titans MAL as `longctx-attention-to-titans{arch=mal}` builds it, for
    one call: returns (O, W_out, S_out).

        m  = titans_memory(K, V, Q, theta, eta, alpha, W, S)   (the memory layer)
        Q' = Q + m Pq,  K' = K + m Pk,  V' = V + m Pv            (residual, per head)
        O  = attention(Q', [P_k ; K'], [P_v ; V']) causal (queries at the end)

    With grouped-query attention (Q has G times the heads of K and V, one
    memory per KV head), K' and V' take the mean of m over each group.

    With `window`, the attention is windowed as in `titans_mag`.
    """
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    shape = k.shape[:3]
    m, w, s = titans_memory(k, v, q, _per_token(theta, shape),
                            _per_token(eta, shape), _per_token(alpha, shape),
                            weights, momentum, chunk_length)
    q2 = q + _project(m, proj_q)
    # Grouped-query attention: a KV head's residual is its group's mean read.
    mean = group_mean(m, k.shape[1])
    k2 = k + _project(mean, proj_k)
    v2 = v + _project(mean, proj_v)
    return (_persistent_attention(q2, k2, v2, persistent_k, persistent_v, scale,
                                  window), w, s)


def titans_mac(q, k, v, persistent_k, persistent_v, retrieved_k, retrieved_v,
               memory_k, memory_v, memory_q, theta, eta, alpha, weights,
               momentum, chunk_length, scale=None):
    """Titans MAC as `longctx-attention-to-titans{arch=mac}` builds it, for
    one call (one segment): returns (O, W_out, S_out).

        h = Q W                                  (memory before the segment)
        y = attention(Q, [P_k ; h Rk ; K], [P_v ; h Rv ; V]) where query i
            sees every persistent token and the retrieved and segment tokens
            of positions <= i
        m = titans_memory(y Bk, y Bv, y Bq, theta, eta, alpha, W, S)
        O = y * sigmoid(m)
    Written token by token: row i attends over its own visible set. With
    grouped-query attention (Q has G times the heads of K and V, one memory
    per KV head), h and the memory's keys and values take the mean of Q and
    y over each group: h = mean(Q) W, keys mean(y) Bk, values mean(y) Bv;
    the memory is read by every query head (y Bq).
    """
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    pk = np.asarray(persistent_k, np.float64)
    pv = np.asarray(persistent_v, np.float64)
    hkv = k.shape[1]
    g = _group(q.shape[1], hkv)
    h = np.einsum("bhnd,bhde->bhne", group_mean(q, hkv),
                  np.asarray(weights, np.float64))
    hk, hv = _project(h, retrieved_k), _project(h, retrieved_v)
    d = q.shape[3]
    scale = 1.0 / np.sqrt(d) if scale is None else scale
    n = q.shape[2]
    y = np.zeros(q.shape[:3] + (v.shape[3],))
    for i in range(n):
        keys = np.repeat(np.concatenate(
            [pk, hk[:, :, :i + 1], k[:, :, :i + 1]], axis=2), g, axis=1)
        values = np.repeat(np.concatenate(
            [pv, hv[:, :, :i + 1], v[:, :, :i + 1]], axis=2), g, axis=1)
        scores = scale * np.einsum("bhd,bhmd->bhm", q[:, :, i], keys)
        scores -= scores.max(axis=-1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=-1, keepdims=True)
        y[:, :, i] = np.einsum("bhm,bhme->bhe", p, values)
    shape = k.shape[:3]
    mean = group_mean(y, hkv)
    m, w, s = titans_memory(_project(mean, memory_k), _project(mean, memory_v),
                            _project(y, memory_q), _per_token(theta, shape),
                            _per_token(eta, shape), _per_token(alpha, shape),
                            weights, momentum, chunk_length)
    return y / (1.0 + np.exp(-m)), w, s
