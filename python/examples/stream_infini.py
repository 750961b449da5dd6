"""Compile an exported model from Python, check it against PyTorch, rewrite
its attention into Infini-attention and stream a million tokens through it
in constant memory, with a progress bar; then save the state and resume.

    PYTHONPATH=build/python_packages python3 python/examples/stream_infini.py
"""

import os
import resource
import sys
import tempfile
import time

import numpy as np

import longctx

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
models = os.path.join(root, "test", "Examples", "onnx")
model = os.path.join(models, "gpt_gqa_512.onnx")
tokens = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 20

# 1. The model as exported: the same outputs as PyTorch.
m = longctx.compile(model)
x = np.load(os.path.join(models, "gpt_gqa_512.x.npy"))
err = np.abs(m(x) - np.load(os.path.join(models, "gpt_gqa_512.expected.npy")))
print(f"as exported: compiled in {m.compile_seconds:.2f} s, "
      f"max abs difference from PyTorch {err.max():.2e}")
assert err.max() < 1e-4

# 2. Rewritten into Infini-attention: the sequence (dim 1) streams in calls
# of 512 tokens, a compressive memory carried between them.
infini = longctx.compile(model, rewrite="infini", stream_dim=1,
                         segment_length=512, update_rule="delta")
print(infini.signature())
stream = infini.stream()
x = np.random.default_rng(0).random((1, tokens, 64), dtype=np.float32) * 2 - 1
start = time.perf_counter()
y = stream.run(x, progress=True)
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"streamed {tokens} tokens in {seconds:.2f} s: {tokens / seconds:.0f} "
      f"tokens/s; peak RSS {rss:.0f} MiB (inputs and outputs: "
      f"{(x.nbytes + y.nbytes) / 2**20:.0f} MiB)")

# 3. Stop halfway, save, resume in a new stream: the same outputs.
with tempfile.TemporaryDirectory() as state:
    half = tokens // 2 // 512 * 512
    first = infini.stream()
    first.run(x[:, :half])
    first.save(state)
    resumed = infini.stream()
    resumed.load(state)
    same = np.array_equal(resumed.run(x[:, half:]), y[:, half:])
print(f"saved after {half} tokens and resumed: "
      f"{'the same outputs' if same else 'DIFFERENT outputs'}")
assert same
