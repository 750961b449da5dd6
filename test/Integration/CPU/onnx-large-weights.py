# A model with a few MB of weights (two 768x768 f32 initializers, 4.7 MB):
# imported as dense constants, compiled and run against NumPy.
#
# RUN: rm -rf %t && mkdir -p %t && %PYTHON %s %t
# RUN: longctx-import-onnx %t/mlp.onnx -o %t/mlp.mlir
# RUN: longctx-run %t/mlp.mlir --input %t/x.npy --expected %t/y.npy --atol 1e-4 | FileCheck %s

# CHECK: result 0: {{.*}} PASS

import os
import sys

import numpy as np

sys.path.insert(
    0,
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                 "Tools", "longctx-import-onnx", "Inputs"),
)
import onnx_writer as w  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(3)
w1 = (rng.standard_normal((768, 768)) / 28).astype(np.float32)
w2 = (rng.standard_normal((768, 768)) / 28).astype(np.float32)
x = rng.standard_normal((1, 32, 768)).astype(np.float32)
w.save(os.path.join(out, "mlp.onnx"), w.model(
    [w.node("MatMul", ["x", "w1"], ["h"]), w.node("Relu", ["h"], ["r"]),
     w.node("MatMul", ["r", "w2"], ["y"])],
    [("x", w.FLOAT, [1, 32, 768])], [("y", w.FLOAT, [1, 32, 768])],
    [("w1", w1), ("w2", w2)]))
np.save(os.path.join(out, "x.npy"), x)
h = np.maximum(x.astype(np.float64) @ w1, 0)
np.save(os.path.join(out, "y.npy"), (h @ w2).astype(np.float32))
