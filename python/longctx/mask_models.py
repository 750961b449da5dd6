"""Small causal attention layers whose masks are spelled the ways PyTorch
exports write them, with weights drawn from NumPy (not PyTorch), so that a
test can compute what a model exported with a dynamic sequence axis outputs
at any length without PyTorch or ONNX: `x` [1, N, 64] -> QKV projection ->
4 heads of 16 -> masked attention -> output projection.

Mask spellings (`STYLES`; all causal but `window`):
  bool_triu    masked_fill(ones(N, N, bool).triu(1), -inf)
  additive     scores + full((N, N), -inf).triu(1)
  tril_eq0     masked_fill(tril(ones(N, N)) == 0, -inf)
  where_finfo  where(ones(N, N, bool).tril(), scores, finfo.min)
  window       masked_fill((j > i) | (j < i - 7), -inf) with i, j aranges:
               causal with a sliding window of 8 keys
  pad_bool     a second input, `attention_mask` [1, N] int64 (1: a real
               token, 0: padding), as Hugging Face models take it:
               masked_fill(~(tril(ones(N, N, bool)) & attention_mask.bool()
               [:, None, None, :]), -inf)
  pad_additive scores + full((N, N), -inf).triu(1)
               + (1 - attention_mask[:, None, None, :].float()) * finfo.min

The padding styles' OUT/pad.npy keeps the first N - N // 8 keys (right
padding: every query row keeps key 0).

`python -m longctx.mask_models OUT N [--infini S | --titans C]` writes
OUT/x.npy (seeded) and OUT/expected.npy for every causal style
(OUT/expected.window.npy for the window), optionally with every attention
replaced by Infini-attention with segments of S (delta rule, gate logits 0,
memory from 0), or by Titans MAG with memory chunks of C as
`longctx-attention-to-titans="theta=0.001"` builds it (4 persistent tokens
of zeros, theta 0.001, eta 0.9, alpha 0.001, memory from 0; with the
default theta of 0.01 and chunks of 64 this layer's memory diverges).
`--no-expected` writes OUT/x.npy alone; `--check RESULT` then compares a
result of longctx-run for it with the reference at 768 rows, which at long
lengths costs a fraction of the whole reference.
"""

import argparse
import os

import numpy as np

from . import reference

D_MODEL, HEADS, HEAD_DIM, WINDOW = 64, 4, 16, 8
TITANS_PERSISTENT, TITANS_RATES = 4, (0.001, 0.9, 0.001)  # theta, eta, alpha
STYLES = ["bool_triu", "additive", "tril_eq0", "where_finfo", "window",
          "pad_bool", "pad_additive"]


def padding(n):
    """The attention_mask [1, N] int64 of the padding styles."""
    pad = np.zeros((1, n), np.int64)
    pad[:, :n - n // 8] = 1
    return pad


def weights():
    """(w_qkv [192, 64], b_qkv [192], w_o [64, 64], b_o [64]) as float32."""
    rng = np.random.default_rng(2026)
    scale = 1 / np.sqrt(D_MODEL)
    w_qkv = rng.uniform(-scale, scale, (3 * D_MODEL, D_MODEL))
    b_qkv = rng.uniform(-scale, scale, 3 * D_MODEL)
    w_o = rng.uniform(-scale, scale, (D_MODEL, D_MODEL))
    b_o = rng.uniform(-scale, scale, D_MODEL)
    return [w.astype(np.float32) for w in (w_qkv, b_qkv, w_o, b_o)]


def row_blocks(n, rows=None, block=1024):
    """The (r0, r1) ranges of `rows` (all N rows by default) split into
    blocks of at most `block` rows."""
    for a, b in rows or [(0, n)]:
        for r0 in range(a, b, block):
            yield r0, min(b, r0 + block)


def causal_attention(q, k, v, prefix=0, rows=None, pad=None):
    """Causal attention of the query `rows` (queries aligned to the end of
    the keys, so every query sees the first `prefix` keys) a block of rows
    and a head at a time, each block over the keys it can see: never [N, N]
    scores. Rows not asked for are left 0. `pad` [1, M] keeps the keys
    where it is not 0."""
    out = np.zeros(q.shape[:3] + (v.shape[3],))
    for h in range(q.shape[1]):
        for r0, r1 in row_blocks(q.shape[2], rows):
            mask = None
            if pad is not None:
                mask = pad[:, None, None, :prefix + r1] != 0
            out[:, h:h + 1, r0:r1] = reference.attention(
                q[:, h:h + 1, r0:r1], k[:, h:h + 1, :prefix + r1],
                v[:, h:h + 1, :prefix + r1], mask=mask, causal=True)
    return out


def titans_mag(q, k, v, chunk, rows=None):
    """Titans MAG over the whole sequence in one call, from the state and
    persistent tokens `longctx-attention-to-titans` starts from. The memory
    runs over every token; the attention over the query `rows` only."""
    b, h, n, d = q.shape
    zeros = np.zeros((b, h, TITANS_PERSISTENT, d))
    y = causal_attention(q, np.concatenate([zeros, k], axis=2),
                         np.concatenate([zeros, v], axis=2), TITANS_PERSISTENT,
                         rows)
    rates = [np.full((b, h, n), r) for r in TITANS_RATES]
    m, _, _ = reference.titans_memory(k, v, q, *rates, np.zeros((b, h, d, d)),
                                      np.zeros((b, h, d, d)), chunk)
    return y / (1.0 + np.exp(-m))


def forward(x, window=None, infini=None, titans=None, rows=None, pad=None):
    """The layer on x [1, N, 64] in float64: causal attention (with a
    sliding `window`), Infini-attention with `infini` = segment length, or
    Titans MAG with `titans` = memory chunk length; `pad` [1, N] is the
    padding styles' attention_mask. With `rows`, a list of
    (r0, r1), only those output rows are right (the causal attention is
    computed for them alone); the others are garbage."""
    w_qkv, b_qkv, w_o, b_o = [w.astype(np.float64) for w in weights()]
    x = np.asarray(x, np.float64)
    n = x.shape[1]
    qkv = x @ w_qkv.T + b_qkv
    q, k, v = (qkv[:, :, i * D_MODEL:(i + 1) * D_MODEL]
               .reshape(1, n, HEADS, HEAD_DIM).transpose(0, 2, 1, 3)
               for i in range(3))
    if infini:
        out, _, _ = reference.infini_attention(
            q, k, v, np.zeros(HEADS), np.zeros((1, HEADS, HEAD_DIM, HEAD_DIM)),
            np.zeros((1, HEADS, HEAD_DIM)), infini, "delta")
    elif titans:
        out = titans_mag(q, k, v, titans, rows)
    elif window is None:
        out = causal_attention(q, k, v, rows=rows, pad=pad)
    else:
        # A head at a time: [N, N] scores, not [H, N, N].
        out = np.concatenate(
            [reference.attention(q[:, h:h + 1], k[:, h:h + 1], v[:, h:h + 1],
                                 causal=True, window=window)
             for h in range(HEADS)], axis=1)
    y = out.transpose(0, 2, 1, 3).reshape(1, n, D_MODEL)
    return y @ w_o.T + b_o


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("n", type=int)
    parser.add_argument("--infini", type=int, default=0)
    parser.add_argument("--titans", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-expected", action="store_true",
                        help="write OUT/x.npy only (for --check)")
    parser.add_argument(
        "--check", metavar="RESULT",
        help="instead of writing expected.npy, compare RESULT (an output "
        "written by longctx-run --output-dir for OUT/x.npy) with the "
        "reference at 256 rows at the start, middle and end (|a - e| <= "
        "1e-5 + 1e-4 |e|): the attention costs O(N) a row, not O(N^2)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.check:
        return check(args)
    x = np.random.default_rng(args.seed).standard_normal((1, args.n, D_MODEL))
    x = x.astype(np.float32)
    np.save(os.path.join(args.out, "x.npy"), x)
    if args.no_expected:
        return
    np.save(os.path.join(args.out, "expected.npy"),
            forward(x, infini=args.infini, titans=args.titans)
            .astype(np.float32))
    if not args.infini and not args.titans:
        pad = padding(args.n)
        np.save(os.path.join(args.out, "pad.npy"), pad)
        np.save(os.path.join(args.out, "expected.pad.npy"),
                forward(x, pad=pad).astype(np.float32))
        np.save(os.path.join(args.out, "expected.window.npy"),
                forward(x, window=WINDOW).astype(np.float32))


def check(args):
    x = np.load(os.path.join(args.out, "x.npy"))
    result = np.load(args.check)
    if result.shape != x.shape:
        raise SystemExit(f"{args.check}: shape {result.shape}, expected "
                         f"{x.shape}")
    n = x.shape[1]
    rows = sorted({(max(0, c - 128), min(n, c + 128))
                   for c in (128, n // 2, n - 128)})
    want = forward(x, infini=args.infini, titans=args.titans, rows=rows)
    for r0, r1 in rows:
        got, exp = result[:, r0:r1], want[:, r0:r1]
        err = np.abs(got - exp)
        ok = bool(np.all(err <= 1e-5 + 1e-4 * np.abs(exp)))
        print(f"rows {r0}:{r1}: max abs err {err.max():.3e}: "
              f"{'PASS' if ok else 'FAIL'}")
        if not ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
