"""Inputs and expected outputs of onnx-gpt-gqa-titans.mlir.

    gpt_gqa_titans.py ARCH TOKENS OUT
    gpt_gqa_titans.py args MLIR OUT

The shipped model gpt_gqa_512 (two GPT blocks, 4 query heads over 2 KV
heads, d = 16), rebuilt in PyTorch with the weights of its export (checked
against gpt_gqa_512.expected.npy), with the attention of each block computed
by the NumPy reference of Titans ARCH (mag, mal or mac) as
`longctx-attention-to-titans{arch=ARCH chunk-length=64 persistent-tokens=4
window=512}` builds it, streamed: MAG and MAL attend within a window of 512
over the whole stream, MAC's segments are 512 tokens. Random non-zero
parameters for each block (persistent tokens, projections, rates), saved in
the rewritten function's argument order after x: OUT/x.npy,
OUT/param_NN.npy, OUT/expected.npy (the first TOKENS tokens of
gpt_gqa_512.stream.x.npy).

`args` prints longctx-run's inputs for the rewritten function in MLIR:
x, each parameter in turn, and `default` for each state argument (zeros).
"""

import re

import os
import sys

import numpy as np
import torch

from longctx import export_onnx_models, reference

CHUNK, PERSISTENT, WINDOW = 64, 4, 512


def layer_parameters(rng, arch, heads, kv_heads, d):
    """The parameters of one rewritten block, in argument order."""
    dv = d
    proj = lambda h, cols: rng.uniform(-1, 1, (h, dv, cols)) / np.sqrt(dv)
    params = [rng.uniform(-1, 1, (1, kv_heads, PERSISTENT, d)),
              rng.uniform(-1, 1, (1, kv_heads, PERSISTENT, dv))]
    params += {
        "mag": lambda: [],
        "mal": lambda: [proj(heads, d), proj(kv_heads, d), proj(kv_heads, dv)],
        "mac": lambda: [proj(kv_heads, d), proj(kv_heads, dv),
                        proj(kv_heads, d), proj(kv_heads, dv), proj(heads, d)],
    }[arch]()
    # Steps small enough for a stable memory: theta |k|^2 / (1 - eta) well
    # below 1 (the blocks' keys have |k|^2 up to about 13).
    params += [rng.uniform(0.002, 0.006, kv_heads),
               rng.uniform(0.5, 0.8, kv_heads),
               rng.uniform(0.0, 0.05, kv_heads)]
    return [p.astype(np.float32) for p in params]


def layer_function(arch, params, kv_heads, d):
    """(q, k, v) -> the streamed Titans output over the whole sequence."""
    state = np.zeros((1, kv_heads, d, d))
    step = {"mag": reference.titans_mag, "mal": reference.titans_mal,
            "mac": reference.titans_mac}[arch]

    def run(q, k, v):
        if arch != "mac":
            return step(q, k, v, *params, state, state, CHUNK, window=WINDOW)[0]
        parts, w, s = [], state, state
        for c0 in range(0, q.shape[2], WINDOW):
            cut = slice(c0, c0 + WINDOW)
            o, w, s = step(q[:, :, cut], k[:, :, cut], v[:, :, cut], *params,
                           w, s, CHUNK)
            parts.append(o)
        return np.concatenate(parts, axis=2)
    return run


def main(arch, tokens, out):
    here = os.path.dirname(os.path.abspath(__file__))
    models = os.path.join(here, "..", "..", "..", "Examples", "onnx")
    model, _ = export_onnx_models.build("gpt_gqa_512")
    with torch.no_grad():
        y = model(torch.from_numpy(np.load(os.path.join(models, "gpt_gqa_512.x.npy"))))
    shipped = np.load(os.path.join(models, "gpt_gqa_512.expected.npy"))
    if np.abs(y.numpy() - shipped).max() > 1e-5:
        sys.exit("gpt_gqa_titans.py: the rebuilt model differs from the export")
    attention = [m for m in model.modules()
                 if isinstance(m, export_onnx_models.GQAAttention)]
    rng = np.random.default_rng(7)
    fns, arrays = [], {}
    for m in attention:
        params = layer_parameters(rng, arch, m.heads, m.kv_heads, m.head_dim)
        for p in params:
            arrays[f"param_{len(arrays):02d}"] = p
        fns.append(layer_function(arch, params, m.kv_heads, m.head_dim))
    x = np.load(os.path.join(models, "gpt_gqa_512.stream.x.npy"))[:, :tokens]
    expected = export_onnx_models.run_titans(model, torch.from_numpy(x), fns)
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "expected.npy"), expected)
    for name, a in arrays.items():
        np.save(os.path.join(out, name + ".npy"), a)


def print_args(mlir, out):
    signature = next(line for line in open(mlir) if "func.func @layer(" in line)
    args = re.split(r"%arg\d+: ", signature.split("->")[0])[1:]
    params = iter(sorted(f for f in os.listdir(out) if f.startswith("param_")))
    inputs = [os.path.join(out, "x.npy")]
    for arg in args[1:]:
        inputs.append("default" if "longctx.state" in arg
                      else os.path.join(out, next(params)))
    if next(params, None) is not None:
        sys.exit("gpt_gqa_titans.py: more parameters than arguments")
    print(" ".join("--input " + i for i in inputs))


if __name__ == "__main__":
    if sys.argv[1] == "args":
        print_args(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
