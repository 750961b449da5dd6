"""Checks the first segment of a new Infini-attention stream against plain
causal attention scaled by (1 - sigmoid(gate)): the memory read is 0 there.

usage: check_first_segment.py DATA_DIR OUTPUT.npy SEGMENT GATE
"""
import sys

import numpy as np

from longctx import reference

data, output, segment, gate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
q, k, v = (np.load(f"{data}/{n}.npy") for n in "qkv")
out = np.load(output)
local = reference.attention(q[:, :, :segment], k[:, :, :segment], v[:, :, :segment], causal=True)
want = (1.0 - 1.0 / (1.0 + np.exp(-gate))) * local
err = np.abs(out[:, :, :segment] - want).max()
ok = err <= 1e-5
print(f"first segment = (1 - sigmoid(gate)) * causal attention: max err {err:.3e} {'OK' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
