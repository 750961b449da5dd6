"""Splits q/k/v of DATA_DIR along the sequence axis (2) into chunks.

usage: split_stream.py DATA_DIR OUT_DIR CHUNK  -> OUT_DIR/{q,k,v}{i}.npy
"""
import os
import sys

import numpy as np

data, out, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out, exist_ok=True)
for name in "qkv":
    array = np.load(f"{data}/{name}.npy")
    for i in range(array.shape[2] // chunk):
        np.save(f"{out}/{name}{i}.npy", np.ascontiguousarray(array[:, :, i * chunk:(i + 1) * chunk]))
