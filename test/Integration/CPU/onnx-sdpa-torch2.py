# The graph newer PyTorch (2.x, opset 14+) exports for
# F.scaled_dot_product_attention(q, k, v, is_causal=True), written node by
# node (Debian's torch 1.13 cannot export it): sqrt(scale) multiplied into Q
# and into K^T, a causal mask built from ConstantOfShape -> Trilu -> Equal ->
# Where(-inf, 0) and added to the scores, Softmax, MatMul. Imported, run,
# raised to one causal longctx.attention with the full scale, run again, and
# compared with the NumPy attention reference each time.
#
# RUN: rm -rf %t && mkdir -p %t && %PYTHON %s %t
# RUN: longctx-import-onnx %t/sdpa.onnx -o %t/imported.mlir
# RUN: longctx-run %t/imported.mlir --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s
# RUN: longctx-opt %t/imported.mlir --longctx-raise-attention -o %t/raised.mlir
# RUN: FileCheck %s --check-prefix=RAISED --implicit-check-not=linalg.softmax < %t/raised.mlir
# RUN: longctx-run %t/raised.mlir --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s

# The mask folds to one additive constant while importing.
# RUN: FileCheck %s --check-prefix=IMPORTED < %t/imported.mlir
# IMPORTED-NOT: linalg.index
# IMPORTED: arith.constant dense<"0x{{[0-9A-F]+}}"> : tensor<64x64xf32>
# IMPORTED: linalg.softmax

# CHECK: result 0: {{.*}} PASS

# RAISED: longctx.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>) causal scale(2.500000e-01)

import math
import os
import sys

import numpy as np

sys.path.insert(
    0,
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                 "Tools", "longctx-import-onnx", "Inputs"),
)
import onnx_writer as w  # noqa: E402
from longctx import reference  # noqa: E402

out = sys.argv[1]
B, H, N, D = 1, 4, 64, 16
F, N_ = w.FLOAT, w.node
sqrt_scale = np.array(math.sqrt(1 / math.sqrt(D)), np.float32)
nodes = [
    N_("Mul", ["q", "s"], ["qs"]),
    N_("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
    N_("Mul", ["kt", "s"], ["kts"]),
    N_("MatMul", ["qs", "kts"], ["scores"]),
    N_("ConstantOfShape", ["nn"], ["ones"], value=np.ones(1, np.float32)),
    N_("Trilu", ["ones"], ["tril"], upper=0),
    N_("Equal", ["tril", "zero"], ["masked"]),
    N_("Where", ["masked", "ninf", "zero"], ["mask"]),
    N_("Add", ["scores", "mask"], ["biased"]),
    N_("Softmax", ["biased"], ["p"], axis=-1),
    N_("MatMul", ["p", "v"], ["y"]),
]
shape = [B, H, N, D]
w.save(os.path.join(out, "sdpa.onnx"), w.model(
    nodes, [("q", F, shape), ("k", F, shape), ("v", F, shape)], [("y", F, shape)],
    [("s", sqrt_scale), ("nn", np.array([N, N], np.int64)),
     ("zero", np.array(0, np.float32)), ("ninf", np.array(-np.inf, np.float32))],
    opset=17))
rng = np.random.default_rng(11)
q, k, v = (rng.standard_normal(shape).astype(np.float32) for _ in range(3))
for name, a in (("q", q), ("k", k), ("v", v)):
    np.save(os.path.join(out, name + ".npy"), a)
np.save(os.path.join(out, "expected.npy"),
        reference.attention(q, k, v, causal=True).astype(np.float32))
