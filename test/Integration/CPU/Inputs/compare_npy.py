"""Prints the max abs difference of two .npy arrays and whether they are
bit-identical. With --second-half AXIS, compares the second half of the first
array along AXIS with the whole second array.

usage: compare_npy.py A.npy B.npy [--second-half AXIS]
"""
import sys

import numpy as np

a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
if len(sys.argv) > 3 and sys.argv[3] == "--second-half":
    axis = int(sys.argv[4])
    a = np.split(a, 2, axis=axis)[1]
if a.shape != b.shape:
    print(f"shape mismatch {a.shape} vs {b.shape}")
    sys.exit(1)
diff = float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())
print(f"max abs difference {diff:.3e}: {'IDENTICAL' if np.array_equal(a, b) else 'DIFFERENT'}")
