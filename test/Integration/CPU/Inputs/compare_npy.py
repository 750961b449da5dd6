"""Prints the max abs difference of two .npy arrays and whether they are
bit-identical (or, with --atol, within that absolute tolerance). With
--second-half AXIS, compares the second half of the first array along AXIS
with the whole second array. Exits 1 when the arrays differ beyond --atol.

usage: compare_npy.py A.npy B.npy [--second-half AXIS] [--atol X]
"""
import argparse
import sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("a")
parser.add_argument("b")
parser.add_argument("--second-half", type=int, default=None)
parser.add_argument("--atol", type=float, default=0.0)
args = parser.parse_args()
a, b = np.load(args.a), np.load(args.b)
if args.second_half is not None:
    a = np.split(a, 2, axis=args.second_half)[1]
if a.shape != b.shape:
    print(f"shape mismatch {a.shape} vs {b.shape}")
    sys.exit(1)
diff = float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())
if np.array_equal(a, b):
    verdict = "IDENTICAL"
elif diff <= args.atol:
    verdict = f"WITHIN {args.atol:g}"
else:
    verdict = "DIFFERENT"
print(f"max abs difference {diff:.3e}: {verdict}")
sys.exit(1 if verdict == "DIFFERENT" else 0)
