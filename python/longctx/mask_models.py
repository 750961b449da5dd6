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

`python -m longctx.mask_models OUT N [--infini S]` writes OUT/x.npy (seeded)
and OUT/expected.npy for every style (OUT/expected.window.npy for the
window), optionally with every attention replaced by Infini-attention with
segments of S (delta rule, gate logits 0, memory from 0).
"""

import argparse
import os

import numpy as np

from . import reference

D_MODEL, HEADS, HEAD_DIM, WINDOW = 64, 4, 16, 8
STYLES = ["bool_triu", "additive", "tril_eq0", "where_finfo", "window"]


def weights():
    """(w_qkv [192, 64], b_qkv [192], w_o [64, 64], b_o [64]) as float32."""
    rng = np.random.default_rng(2026)
    scale = 1 / np.sqrt(D_MODEL)
    w_qkv = rng.uniform(-scale, scale, (3 * D_MODEL, D_MODEL))
    b_qkv = rng.uniform(-scale, scale, 3 * D_MODEL)
    w_o = rng.uniform(-scale, scale, (D_MODEL, D_MODEL))
    b_o = rng.uniform(-scale, scale, D_MODEL)
    return [w.astype(np.float32) for w in (w_qkv, b_qkv, w_o, b_o)]


def forward(x, window=None, infini=None):
    """The layer on x [1, N, 64] in float64: causal attention (with a
    sliding `window`), or Infini-attention with `infini` = segment length."""
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
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    x = np.random.default_rng(args.seed).standard_normal((1, args.n, D_MODEL))
    x = x.astype(np.float32)
    np.save(os.path.join(args.out, "x.npy"), x)
    np.save(os.path.join(args.out, "expected.npy"),
            forward(x, infini=args.infini).astype(np.float32))
    if not args.infini:
        np.save(os.path.join(args.out, "expected.window.npy"),
                forward(x, window=WINDOW).astype(np.float32))


if __name__ == "__main__":
    main()
