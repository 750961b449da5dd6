"""Write inputs and expected outputs of a longctx op as .npy files.

    python3 -m longctx.make_data attention --q 1,4,100,16 --kv 1,2,100,16 \
        --dv 8 --causal --out DIR

writes DIR/q.npy, DIR/k.npy, DIR/v.npy [, DIR/mask.npy] and DIR/expected.npy,
in the argument order of the entry function. Expected values come from
longctx.reference.
"""

import argparse
import os
import sys

import numpy as np

from longctx import reference


def _shape(text):
    try:
        dims = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ints, got {text!r}")
    if len(dims) != 4 or min(dims) <= 0:
        raise argparse.ArgumentTypeError(f"expected 4 positive dims, got {text!r}")
    return dims


def _permutation(text):
    try:
        dims = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ints, got {text!r}")
    if sorted(dims) != [0, 1, 2, 3]:
        raise argparse.ArgumentTypeError(f"expected a permutation of 0,1,2,3, got {text!r}")
    return dims


def _widths(text):
    try:
        widths = [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ints, got {text!r}")
    if min(widths) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive widths, got {text!r}")
    return widths


def _save(out, arrays):
    """Writes every array as OUT/<name>.npy."""
    os.makedirs(out, exist_ok=True)
    for name, array in arrays.items():
        np.save(os.path.join(out, name + ".npy"), array)


def _attention(args):
    rng = np.random.default_rng(args.seed)
    b, h, n, d = args.q
    bk, hkv, m, dk = args.kv
    dv = args.dv or d
    dtype = np.dtype(args.dtype)
    q = rng.uniform(-1, 1, (b, h, n, d)).astype(dtype)
    k = rng.uniform(-1, 1, (bk, hkv, m, dk)).astype(dtype)
    v = rng.uniform(-1, 1, (bk, hkv, m, dv)).astype(dtype)
    arrays = {"q": q, "k": k, "v": v}
    mask = None
    if args.mask != "none":
        mb = 1 if args.mask_broadcast else b
        mh = 1 if args.mask_broadcast else h
        rows = 1 if args.key_padding else n
        keep = rng.uniform(0, 1, (mb, mh, rows, m)) < 0.8
        for row in args.masked_rows:
            keep[..., row, :] = False
        if args.mask == "bool":
            mask = keep
        else:
            mask = np.where(keep, rng.uniform(-0.5, 0.5, keep.shape), -np.inf).astype(dtype)
        arrays["mask"] = mask
    expected = reference.attention(q, k, v, mask=mask, scale=args.scale, causal=args.causal,
                                   window=args.window, sinks=args.sinks)
    arrays["expected"] = expected.astype(dtype)
    if args.layout:
        # The arrays as a model holds them before its transposes: q, k, v
        # and the expected output with their dims in the order `layout`.
        for name in ("q", "k", "v", "expected"):
            arrays[name] = np.ascontiguousarray(arrays[name].transpose(args.layout))
    _save(args.out, arrays)


def _infini(args):
    rng = np.random.default_rng(args.seed)
    b, h, n, d = args.q
    hkv = args.kv_heads
    dv = args.dv or d
    dtype = np.dtype(args.dtype)
    q = rng.uniform(-1, 1, (b, h, n, d)).astype(dtype)
    k = rng.uniform(-1, 1, (b, hkv, n, d)).astype(dtype)
    v = rng.uniform(-1, 1, (b, hkv, n, dv)).astype(dtype)
    gate = (np.full(h, args.gate) if args.gate is not None
            else rng.uniform(-2, 2, h)).astype(dtype)
    if args.zero_state:
        memory = np.zeros((b, hkv, d, dv), dtype)
        norm = np.zeros((b, hkv, d), dtype)
    else:
        memory = rng.uniform(-0.5, 0.5, (b, hkv, d, dv)).astype(dtype)
        norm = rng.uniform(1.0, 4.0, (b, hkv, d)).astype(dtype)
    arrays = {"q": q, "k": k, "v": v}
    if args.memory_inputs:
        arrays["mq"] = rng.uniform(-1, 1, q.shape).astype(dtype)
        arrays["mk"] = rng.uniform(-1, 1, k.shape).astype(dtype)
    arrays.update({"gate": gate, "memory": memory, "norm": norm})
    out, m2, z2 = reference.infini_attention(
        q, k, v, gate, memory, norm, args.segment_length, args.rule, args.eps,
        args.scale, arrays.get("mq"), arrays.get("mk"))
    arrays.update({"expected": out.astype(dtype), "expected_memory": m2.astype(dtype),
                   "expected_norm": z2.astype(dtype)})
    _save(args.out, arrays)


def _layer(args):
    """The example model test/Examples/tiny-lm-layer.mlir, rewritten to
    Infini-attention and streamed chunk by chunk (one segment per chunk)."""
    rng = np.random.default_rng(args.seed)
    t, width, heads, kv_heads, head_dim = args.tokens, 64, 2, 1, 32
    x = rng.uniform(-1, 1, (t, width)).astype(np.float32)
    scale = 1.0 / np.sqrt(width)
    wq = (rng.uniform(-1, 1, (width, heads * head_dim)) * scale).astype(np.float32)
    wk = (rng.uniform(-1, 1, (width, kv_heads * head_dim)) * scale).astype(np.float32)
    wv = (rng.uniform(-1, 1, (width, kv_heads * head_dim)) * scale).astype(np.float32)
    wo = (rng.uniform(-1, 1, (heads * head_dim, width)) * scale).astype(np.float32)
    x64 = x.astype(np.float64)
    q = (x64 @ wq).reshape(t, heads, head_dim).transpose(1, 0, 2)[None]
    k = (x64 @ wk).reshape(t, kv_heads, head_dim).transpose(1, 0, 2)[None]
    v = (x64 @ wv).reshape(t, kv_heads, head_dim).transpose(1, 0, 2)[None]
    gate = np.full(heads, args.gate)
    memory = np.zeros((1, kv_heads, head_dim, head_dim))
    norm = np.zeros((1, kv_heads, head_dim))
    a, memory, norm = reference.infini_attention(
        q, k, v, gate, memory, norm, args.segment_length, args.rule)
    y = a[0].transpose(1, 0, 2).reshape(t, heads * head_dim) @ wo + x64
    arrays = {"x": x, "wq": wq, "wk": wk, "wv": wv, "wo": wo,
              "expected": y.astype(np.float32),
              "expected_memory": memory.astype(np.float32),
              "expected_norm": norm.astype(np.float32)}
    _save(args.out, arrays)


def _titans(args):
    rng = np.random.default_rng(args.seed)
    b, h, n, d = args.q
    dv = args.dv or d
    dtype = np.dtype(args.dtype)
    # Keys scaled so that one step of size theta stays stable (|k|^2 theta < 1).
    k = (rng.uniform(-1, 1, (b, h, n, d)) / np.sqrt(d)).astype(dtype)
    v = rng.uniform(-1, 1, (b, h, n, dv)).astype(dtype)
    # G query heads per memory head with --group G.
    q = rng.uniform(-1, 1, (b, h * args.group, n, d)).astype(dtype)
    theta = rng.uniform(0.05, 0.3, (b, h, n)).astype(dtype)
    eta = (np.zeros((b, h, n)) if args.no_decay else rng.uniform(0.5, 0.95, (b, h, n))).astype(dtype)
    alpha = (np.zeros((b, h, n)) if args.no_decay else rng.uniform(0.0, 0.1, (b, h, n))).astype(dtype)
    if args.signed_decays:
        # Past their usual range: eta < 0 and alpha > 1 make the factors
        # eta and 1 - alpha negative (|factor| < 1: the recurrence is finite).
        eta = rng.uniform(-0.95, 0.95, (b, h, n)).astype(dtype)
        alpha = rng.uniform(0.0, 1.9, (b, h, n)).astype(dtype)
    arrays = {"k": k, "v": v, "q": q, "theta": theta, "eta": eta, "alpha": alpha}
    if args.hidden:
        # MLP memory with these hidden widths (depth len(hidden) + 1); the
        # weights must not be zero or no gradient flows.
        widths = [d] + args.hidden + [dv]
        ws = [(rng.uniform(-1, 1, (b, h, i, o)) / np.sqrt(i)).astype(dtype)
              for i, o in zip(widths[:-1], widths[1:])]
        ss = [(np.zeros_like(w) if args.zero_state else rng.uniform(-0.05, 0.05, w.shape)).astype(dtype)
              for w in ws]
        out, wn, sn = reference.titans_deep_memory(
            k, v, q, theta, eta, alpha, ws, ss, args.chunk_length, args.activation)
        arrays["expected"] = out.astype(dtype)
        for kind, before, after in (("w", ws, wn), ("s", ss, sn)):
            for i, (x, y) in enumerate(zip(before, after), 1):
                arrays[f"{kind}{i}"] = x
                arrays[f"expected_{kind}{i}"] = y.astype(dtype)
        _save(args.out, arrays)
        return
    if args.zero_state:
        w = np.zeros((b, h, d, dv), dtype)
        s = np.zeros((b, h, d, dv), dtype)
    else:
        w = rng.uniform(-0.3, 0.3, (b, h, d, dv)).astype(dtype)
        s = rng.uniform(-0.1, 0.1, (b, h, d, dv)).astype(dtype)
    out, w2, s2 = reference.titans_memory(k, v, q, theta, eta, alpha, w, s, args.chunk_length)
    arrays.update({"weights": w, "momentum": s, "expected": out.astype(dtype),
                   "expected_weights": w2.astype(dtype), "expected_momentum": s2.astype(dtype)})
    _save(args.out, arrays)


def _mag(args):
    """Inputs of a Titans-rewritten attention (arch mag, mac or mal),
    streamed over `calls` calls of the function's token count, and the
    outputs of those calls in a row. Arrays are written in the argument
    order of the rewritten function."""
    rng = np.random.default_rng(args.seed)
    b, h, n, d = args.q
    hkv = args.kv_heads or h
    dv = args.dv or d
    calls = args.calls
    q = rng.uniform(-1, 1, (b, h, n * calls, d)).astype(np.float32)
    k = (rng.uniform(-1, 1, (b, hkv, n * calls, d)) / np.sqrt(d)).astype(np.float32)
    v = rng.uniform(-1, 1, (b, hkv, n * calls, dv)).astype(np.float32)
    pk = rng.uniform(-1, 1, (b, hkv, args.persistent, d)).astype(np.float32)
    pv = rng.uniform(-1, 1, (b, hkv, args.persistent, dv)).astype(np.float32)
    # Learned per-head projections [H, dv, d|dv] of the MAL and MAC forms:
    # per query head (h) or per KV head (hkv).
    proj = lambda heads, cols: (rng.uniform(-1, 1, (heads, dv, cols)) / np.sqrt(dv)).astype(np.float32)
    projections = {
        "mag": {},
        "mal": {"proj_q": (h, d), "proj_k": (hkv, d), "proj_v": (hkv, dv)},
        "mac": {"retrieved_k": (hkv, d), "retrieved_v": (hkv, dv),
                "memory_k": (hkv, d), "memory_v": (hkv, dv),
                "memory_q": (h, d)},
    }[args.arch]
    projections = {name: proj(*shape) for name, shape in projections.items()}
    theta = rng.uniform(0.05, 0.2, hkv).astype(np.float32)
    eta = rng.uniform(0.5, 0.9, hkv).astype(np.float32)
    alpha = rng.uniform(0.0, 0.05, hkv).astype(np.float32)
    w = np.zeros((b, hkv, d, dv))
    s = np.zeros((b, hkv, d, dv))
    step = {"mag": reference.titans_mag, "mal": reference.titans_mal,
            "mac": reference.titans_mac}[args.arch]
    outs = []
    if args.window:
        # The streamed form: one call over the whole stream (MAC: a call a
        # segment of `window` tokens), and the memory as of the last chunk
        # boundary.
        def stream(upto):
            if args.arch != "mac":
                cut = slice(0, upto)
                return step(q[:, :, cut], k[:, :, cut], v[:, :, cut], pk, pv,
                            *projections.values(), theta, eta, alpha, w, s,
                            args.chunk_length, window=args.window)
            parts, ws, ss = [], w, s
            for c0 in range(0, upto, args.window):
                cut = slice(c0, min(upto, c0 + args.window))
                o, ws, ss = step(q[:, :, cut], k[:, :, cut], v[:, :, cut], pk,
                                 pv, *projections.values(), theta, eta, alpha,
                                 ws, ss, args.chunk_length)
                parts.append(o)
            return np.concatenate(parts, axis=2), ws, ss
        total = n * calls
        outs.append(stream(total)[0])
        _, w, s = stream(total - total % args.chunk_length)
    for c in range(0 if args.window else calls):
        part = slice(c * n, (c + 1) * n)
        o, w, s = step(q[:, :, part], k[:, :, part], v[:, :, part], pk, pv,
                       *projections.values(), theta, eta, alpha, w, s,
                       args.chunk_length)
        outs.append(o)
    arrays = {"q": q, "k": k, "v": v, "pk": pk, "pv": pv}
    arrays.update(projections)
    arrays.update({"theta": theta, "eta": eta, "alpha": alpha,
                   "expected": np.concatenate(outs, axis=2).astype(np.float32),
                   "expected_weights": w.astype(np.float32),
                   "expected_momentum": s.astype(np.float32)})
    _save(args.out, arrays)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m longctx.make_data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="op", required=True)
    att = sub.add_parser("attention", help="longctx.attention")
    att.add_argument("--q", type=_shape, required=True, help="B,H,N,d")
    att.add_argument("--kv", type=_shape, required=True, help="B,Hkv,M,d")
    att.add_argument("--dv", type=int, default=0, help="value head dim (default d)")
    att.add_argument("--causal", action="store_true")
    att.add_argument("--scale", type=float, default=None)
    att.add_argument("--window", type=int, default=None,
                     help="sliding window (with --causal): the last W positions")
    att.add_argument("--sinks", type=int, default=None,
                     help="with --causal: the first SINKS keys every query sees")
    att.add_argument("--mask", choices=["none", "bool", "float"], default="none")
    att.add_argument("--mask-broadcast", action="store_true",
                     help="mask of shape [1, 1, N, M]")
    att.add_argument("--key-padding", action="store_true",
                     help="a mask [B|1, H|1, 1, M], the same for every query")
    att.add_argument("--masked-rows", type=int, nargs="*", default=[],
                     help="query rows whose keys are all masked out")
    att.add_argument("--layout", type=_permutation, default=None,
                     help="save q, k, v and expected transposed to these dims, e.g. 0,2,1,3 for B,N,H,d")
    att.add_argument("--dtype", choices=["float16", "float32", "float64"], default="float32")
    att.add_argument("--seed", type=int, default=0)
    att.add_argument("--out", required=True)
    inf = sub.add_parser("infini", help="longctx.infini_attention")
    inf.add_argument("--q", type=_shape, required=True, help="B,H,N,d")
    inf.add_argument("--kv-heads", type=int, required=True)
    inf.add_argument("--dv", type=int, default=0)
    inf.add_argument("--segment-length", type=int, required=True)
    inf.add_argument("--rule", choices=["linear", "delta"], default="linear")
    inf.add_argument("--eps", type=float, default=1e-6)
    inf.add_argument("--scale", type=float, default=None)
    inf.add_argument("--gate", type=float, default=None,
                     help="one logit for every head (default: random per head)")
    inf.add_argument("--zero-state", action="store_true",
                     help="start from M = 0, z = 0 (a new stream)")
    inf.add_argument("--memory-inputs", action="store_true",
                     help="separate memory-path Q/K (mq.npy, mk.npy)")
    inf.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    inf.add_argument("--seed", type=int, default=0)
    inf.add_argument("--out", required=True)
    lay = sub.add_parser("layer", help="test/Examples/tiny-lm-layer.mlir in Infini form")
    lay.add_argument("--tokens", type=int, required=True)
    lay.add_argument("--segment-length", type=int, default=512)
    lay.add_argument("--rule", choices=["linear", "delta"], default="delta")
    lay.add_argument("--gate", type=float, default=0.0)
    lay.add_argument("--seed", type=int, default=0)
    lay.add_argument("--out", required=True)
    tit = sub.add_parser("titans", help="longctx.titans_memory")
    tit.add_argument("--q", type=_shape, required=True, help="B,H,N,d")
    tit.add_argument("--dv", type=int, default=0)
    tit.add_argument("--chunk-length", type=int, required=True)
    tit.add_argument("--no-decay", action="store_true", help="eta = alpha = 0")
    tit.add_argument("--signed-decays", action="store_true",
                     help="eta in (-0.95, 0.95), alpha in (0, 1.9): negative decay factors")
    tit.add_argument("--activation", choices=["silu", "gelu"], default="silu",
                     help="activation of the MLP memory")
    tit.add_argument("--hidden", type=_widths, default=[],
                     help="MLP memory with these hidden widths, e.g. 32 (depth 2) or "
                          "32,16 (depth 3) (default: linear memory)")
    tit.add_argument("--zero-state", action="store_true", help="W = S = 0")
    tit.add_argument("--group", type=int, default=1,
                     help="query heads per memory head (grouped-query attention)")
    tit.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    tit.add_argument("--seed", type=int, default=0)
    tit.add_argument("--out", required=True)
    mag = sub.add_parser("mag", help="attention rewritten to Titans MAG, MAC or MAL, streamed")
    mag.add_argument("--arch", choices=["mag", "mac", "mal"], default="mag")
    mag.add_argument("--q", type=_shape, required=True, help="B,H,N,d of one call")
    mag.add_argument("--dv", type=int, default=0)
    mag.add_argument("--kv-heads", type=int, default=0,
                     help="key/value (memory) heads, fewer than --q's H for "
                          "grouped-query attention (default: H)")
    mag.add_argument("--calls", type=int, default=1, help="calls of N tokens")
    mag.add_argument("--persistent", type=int, default=4)
    mag.add_argument("--chunk-length", type=int, required=True)
    mag.add_argument("--window", type=int, default=0,
                     help="the streamed form: an attention window of W tokens over the "
                          "stream (mac: segments of W tokens); expected is one call over all "
                          "N x calls tokens (mac: one a segment), the weights those of the "
                          "last chunk boundary")
    mag.add_argument("--seed", type=int, default=0)
    mag.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.op == "mag":
        _mag(args)
    elif args.op == "titans":
        _titans(args)
    elif args.op == "layer":
        _layer(args)
    elif args.op == "attention":
        _attention(args)
    elif args.op == "infini":
        _infini(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
