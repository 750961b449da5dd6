# Every operator longctx-import-onnx supports, imported, compiled with the
# default CPU pipeline, run, and compared with NumPy computing the ONNX
# semantics directly (this file). Values the importer folds (initializers,
# shape arithmetic) and values it emits as IR (graph inputs) both appear.
#
# RUN: rm -rf %t && mkdir -p %t && %PYTHON %s %t
# RUN: for c in $(cat %t/cases.txt); do \
# RUN:   longctx-import-onnx %t/$c.onnx -o %t/$c.mlir && \
# RUN:   longctx-run %t/$c.mlir $(cat %t/$c.args) --atol 1e-5 --rtol 1e-4 \
# RUN:     > %t/$c.log 2>&1 || { echo "FAILED: $c"; cat %t/$c.log; }; \
# RUN:   grep -q "checked results match" %t/$c.log && echo "ok $c"; \
# RUN: done | FileCheck %s

# CHECK-NOT: FAILED
# CHECK: ok broadcast_arith
# CHECK: ok unary
# CHECK: ok gelu
# CHECK: ok compare_where
# CHECK: ok logic
# CHECK: ok matmul_2d
# CHECK: ok matmul_batch_broadcast
# CHECK: ok matmul_4d
# CHECK: ok matmul_4d_by_2d
# CHECK: ok matmul_vector
# CHECK: ok gemm
# CHECK: ok softmax
# CHECK: ok transpose
# CHECK: ok reshapes
# CHECK: ok split_slice_concat
# CHECK: ok gather
# CHECK: ok trilu
# CHECK: ok cast
# CHECK: ok expand
# CHECK: ok layernorm
# CHECK: ok reductions
# CHECK: ok shape_folding
# CHECK: ok folded_mask
# CHECK: ok opset11_attributes
# CHECK: ok opset9_slice
# CHECK: ok einsum_contractions
# CHECK: ok einsum_folded
# CHECK-NOT: FAILED

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

rng = np.random.default_rng(7)
OUT = sys.argv[1]
CASES = []
erf = np.vectorize(math.erf)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def ints(*v):
    return np.array(v, np.int64)


def info(name, array):
    return (name, w._DTYPES[array.dtype], list(array.shape))


def case(name, nodes, inputs, outputs, inits=(), opset=17):
    """inputs/outputs: (name, array) pairs; outputs are the expected values."""
    data = w.model(nodes, [info(n, a) for n, a in inputs],
                   [info(n, a) for n, a in outputs], list(inits), opset=opset)
    w.save(os.path.join(OUT, name + ".onnx"), data)
    args = []
    for n, a in inputs:
        path = os.path.join(OUT, f"{name}.{n}.npy")
        np.save(path, a)
        args += ["--input", path]
    for n, a in outputs:
        path = os.path.join(OUT, f"{name}.expected.{n}.npy")
        np.save(path, a.astype(a.dtype))
        args += ["--expected", path]
    with open(os.path.join(OUT, name + ".args"), "w") as f:
        f.write(" ".join(args))
    CASES.append(name)


N = w.node
x, b = rand(2, 3, 4), rand(3, 1)
s = np.array(0.5, np.float32)
case("broadcast_arith",
     [N("Add", ["x", "b"], ["t0"]), N("Mul", ["t0", "s"], ["t1"]),
      N("Sub", ["t1", "x"], ["t2"]), N("Div", ["t2", "d"], ["y"])],
     [("x", x), ("b", b)],
     [("y", ((x + b) * s - x) / (np.abs(x[0]) + 1))],
     [("s", s), ("d", np.abs(x[0]) + 1)])

u = rand(3, 5)
case("unary",
     [N("Abs", ["u"], ["a"]), N("Sqrt", ["a"], ["sq"]), N("Erf", ["u"], ["e"]),
      N("Tanh", ["u"], ["th"]), N("Sigmoid", ["u"], ["sg"]),
      N("Relu", ["u"], ["r"]), N("Neg", ["u"], ["n"]), N("Exp", ["n"], ["ex"]),
      N("Pow", ["u", "two"], ["p2"]), N("Pow", ["a", "u"], ["pu"]),
      N("Reciprocal", ["ex"], ["rc"]), N("Log", ["ex"], ["lg"]),
      N("Sin", ["u"], ["sn"]), N("Cos", ["u"], ["cs"]),
      N("Softplus", ["u"], ["sp"]),
      N("Concat", ["sq", "e", "th", "sg", "r", "ex", "p2", "pu", "rc", "lg",
                   "sn", "cs", "sp"], ["y"], axis=0)],
     [("u", u)],
     [("y", np.concatenate([
         np.sqrt(np.abs(u)), erf(u), np.tanh(u), 1 / (1 + np.exp(-u)),
         np.maximum(u, 0), np.exp(-u), u * u, np.abs(u) ** u, np.exp(u), -u,
         np.sin(u), np.cos(u), np.log1p(np.exp(u))
     ]).astype(np.float32))],
     [("two", np.array(2, np.float32))])

g = rand(4, 6) * 3
case("gelu",
     [N("Gelu", ["g"], ["a"]), N("Gelu", ["g"], ["b"], approximate="tanh"),
      N("Concat", ["a", "b"], ["y"], axis=0)],
     [("g", g)],
     [("y", np.concatenate([
         0.5 * g * (1 + erf(g / math.sqrt(2))),
         0.5 * g * (1 + np.tanh(math.sqrt(2 / math.pi) * (g + 0.044715 * g**3)))
     ]).astype(np.float32))])

p, q = rand(2, 5), rand(5)
case("compare_where",
     [N("Greater", ["p", "q"], ["c"]), N("Where", ["c", "p", "q"], ["m"]),
      N("Max", ["p", "q"], ["mx"]), N("Min", ["p", "q"], ["mn"]),
      N("Sub", ["mx", "mn"], ["d"]), N("Add", ["m", "d"], ["y"])],
     [("p", p), ("q", q)],
     [("y", np.where(p > q, p, q) + np.maximum(p, q) - np.minimum(p, q))])

case("logic",
     [N("Less", ["p", "q"], ["lt"]), N("GreaterOrEqual", ["p", "zero"], ["ge"]),
      N("And", ["lt", "ge"], ["a"]), N("Not", ["a"], ["na"]),
      N("Or", ["na", "lt"], ["o"]), N("Xor", ["o", "ge"], ["y"])],
     [("p", p), ("q", q)],
     [("y", np.logical_xor(np.logical_or(~((p < q) & (p >= 0)), p < q), p >= 0))],
     [("zero", np.zeros(1, np.float32))])

a2, b2 = rand(6, 5), rand(5, 7)
case("matmul_2d", [N("MatMul", ["a", "b"], ["y"])], [("a", a2), ("b", b2)],
     [("y", a2 @ b2)])
a3, b3 = rand(1, 3, 4), rand(2, 4, 5)
case("matmul_batch_broadcast", [N("MatMul", ["a", "b"], ["y"])],
     [("a", a3), ("b", b3)], [("y", a3 @ b3)])
a4, b4 = rand(2, 3, 6, 8), rand(2, 1, 8, 5)
case("matmul_4d", [N("MatMul", ["a", "b"], ["y"])], [("a", a4), ("b", b4)],
     [("y", a4 @ b4)])
w2 = rand(8, 3)
case("matmul_4d_by_2d", [N("MatMul", ["a", "w"], ["y"])], [("a", a4)],
     [("y", a4 @ w2)], [("w", w2)])
v = rand(5)
case("matmul_vector",
     [N("MatMul", ["v", "b"], ["r"]), N("MatMul", ["a", "v"], ["c"]),
      N("Concat", ["r", "c"], ["y"], axis=0)],
     [("v", v), ("b", b2), ("a", a2)],
     [("y", np.concatenate([v @ b2, a2 @ v]))])

ga, gb, gc = rand(5, 4), rand(3, 5), rand(3)
case("gemm",
     [N("Gemm", ["a", "b", "c"], ["y"], transA=1, transB=1, alpha=0.5,
        beta=2.0)],
     [("a", ga)], [("y", 0.5 * ga.T @ gb.T + 2.0 * gc)],
     [("b", gb), ("c", gc)])

sx = rand(2, 5, 3) * 4
e = np.exp(sx - sx.max(axis=1, keepdims=True))
case("softmax", [N("Softmax", ["x"], ["y"], axis=1)], [("x", sx)],
     [("y", e / e.sum(axis=1, keepdims=True))])

case("transpose", [N("Transpose", ["x"], ["y"], perm=[2, 0, 1])], [("x", x)],
     [("y", x.transpose(2, 0, 1))])

case("reshapes",
     [N("Reshape", ["x", "s1"], ["r1"]), N("Unsqueeze", ["r1", "ax"], ["u"]),
      N("Squeeze", ["u", "ax"], ["sq"]), N("Reshape", ["sq", "s2"], ["r2"]),
      N("Flatten", ["r2"], ["y"], axis=2)],
     [("x", x)], [("y", x.reshape(12, 2))],
     [("s1", ints(4, -1)), ("ax", ints(0, 2)), ("s2", ints(0, 3, 2))])

sc = rand(2, 7)
case("split_slice_concat",
     [N("Split", ["x", "sizes"], ["s0", "s1"], axis=1),
      N("Slice", ["s1", "st", "en", "axes", "steps"], ["sl"]),
      N("Concat", ["sl", "s0"], ["y"], axis=1)],
     [("x", sc)],
     [("y", np.concatenate([sc[:, 2:][:, 1:100:2], sc[:, :2]], axis=1))],
     [("sizes", ints(2, 5)), ("st", ints(1)), ("en", ints(100)),
      ("axes", ints(-1)), ("steps", ints(2))])

gd = rand(5, 3)
gi = np.array([[0, 4], [2, -1]], np.int64)
case("gather",
     [N("Gather", ["d", "i"], ["g0"]), N("Gather", ["d", "one"], ["g1"], axis=1),
      N("Gather", ["d", "j"], ["g2"], axis=0),
      N("Reshape", ["g0", "flat"], ["f0"]), N("Reshape", ["g2", "flat"], ["f2"]),
      N("Concat", ["f0", "g1", "f2"], ["y"], axis=0)],
     [("d", gd), ("j", np.array([3, 1], np.int64))],
     [("y", np.concatenate([gd[gi].reshape(-1), gd[:, 1], gd[[3, 1]].reshape(-1)]))],
     [("i", gi), ("one", np.array(1, np.int64)), ("flat", ints(-1))])

tx = rand(2, 4, 4)
case("trilu",
     [N("Trilu", ["x", "k1"], ["up"]), N("Trilu", ["x", "km1"], ["lo"], upper=0),
      N("Concat", ["up", "lo"], ["y"], axis=0)],
     [("x", tx)],
     [("y", np.concatenate([np.triu(tx, 1), np.tril(tx, -1)]))],
     [("k1", ints(1)), ("km1", ints(-1))])

cx = rand(3, 4) * 5
case("cast",
     [N("Cast", ["x"], ["i"], to=w.INT64), N("Cast", ["i"], ["f"], to=w.FLOAT),
      N("Cast", ["x"], ["bo"], to=w.BOOL), N("Cast", ["bo"], ["bf"], to=w.FLOAT),
      N("Add", ["f", "bf"], ["y"])],
     [("x", cx)],
     [("y", np.trunc(cx) + (cx != 0).astype(np.float32))])

ex = rand(3, 1)
case("expand", [N("Expand", ["x", "shape"], ["y"])], [("x", ex)],
     [("y", np.broadcast_to(ex, (2, 3, 4)).copy())], [("shape", ints(2, 1, 4))])

lx, lg, lb = rand(2, 3, 8), rand(8), rand(8)
mu = lx.mean(-1, keepdims=True)
var = ((lx - mu) ** 2).mean(-1, keepdims=True)
lx2 = rand(2, 3, 8)
mu2 = lx2.mean((1, 2), keepdims=True)
var2 = ((lx2 - mu2) ** 2).mean((1, 2), keepdims=True)
case("layernorm",
     [N("LayerNormalization", ["x", "g", "b"], ["y"], epsilon=1e-3),
      N("LayerNormalization", ["x2", "g2"], ["z"], axis=1)],
     [("x", lx), ("x2", lx2)],
     [("y", (lx - mu) / np.sqrt(var + 1e-3) * lg + lb),
      ("z", (lx2 - mu2) / np.sqrt(var2 + 1e-5) * 2.0)],
     [("g", lg), ("b", lb), ("g2", np.full((3, 8), 2.0, np.float32))])

rx = rand(2, 3, 4)
case("reductions",
     [N("ReduceMean", ["x"], ["m"], axes=[1], keepdims=0),
      N("ReduceSum", ["x", "ax"], ["s"]),
      N("ReduceMax", ["x"], ["mx"], axes=[-1, 0], keepdims=0),
      N("Reshape", ["s", "flat"], ["sf"]), N("Reshape", ["m", "flat"], ["mf"]),
      N("Concat", ["mf", "sf", "mx"], ["y"], axis=0)],
     [("x", rx)],
     [("y", np.concatenate([rx.mean(1).reshape(-1),
                            rx.sum(2, keepdims=True).reshape(-1),
                            rx.max((2, 0))]))],
     [("ax", ints(2)), ("flat", ints(-1))])

# Reshape to [shape(x)[0] * shape(x)[1], -1] computed in the graph.
case("shape_folding",
     [N("Shape", ["x"], ["sh"]), N("Gather", ["sh", "zero"], ["d0"]),
      N("Gather", ["sh", "one"], ["d1"]), N("Mul", ["d0", "d1"], ["rows"]),
      N("Unsqueeze", ["rows", "axis0"], ["r1"]),
      N("Concat", ["r1", "minus1"], ["target"], axis=0),
      N("Reshape", ["x", "target"], ["y"])],
     [("x", x)], [("y", x.reshape(6, 4))],
     [("zero", np.array(0, np.int64)), ("one", np.array(1, np.int64)),
      ("axis0", ints(0)), ("minus1", ints(-1))])

# A causal mask built from ConstantOfShape, Range and comparisons, folded
# into one constant; applied to a graph input.
mx = rand(1, 6, 6)
case("folded_mask",
     [N("ConstantOfShape", ["shape"], ["ones"], value=np.ones(1, np.float32)),
      N("Range", ["start", "limit", "delta"], ["idx"]),
      N("Unsqueeze", ["idx", "ax1"], ["col"]),
      N("Greater", ["idx", "col"], ["future"]), N("Neg", ["big"], ["negbig"]),
      N("Mul", ["ones", "negbig"], ["fill"]),
      N("Cast", ["future"], ["fmask"], to=w.FLOAT),
      N("Equal", ["fmask", "onef"], ["keepout"]),
      N("Where", ["keepout", "fill", "x"], ["y"])],
     [("x", mx)],
     [("y", np.where(np.triu(np.ones((6, 6), bool), 1), -1e9, mx).astype(np.float32))],
     [("shape", ints(6, 6)), ("start", np.array(0, np.int64)),
      ("limit", np.array(6, np.int64)), ("delta", np.array(1, np.int64)),
      ("ax1", ints(1)), ("big", np.array(1e9, np.float32)),
      ("onef", np.array(1, np.float32))])

# Before opset 13, axes and split sizes are attributes; Softmax(axis=1) on a
# 2-D input is the last axis.
ox = rand(2, 6)
case("opset11_attributes",
     [N("Unsqueeze", ["x"], ["u"], axes=[0]), N("Squeeze", ["u"], ["s"], axes=[0]),
      N("Split", ["s"], ["a", "b"], axis=1, split=[2, 4]),
      N("ReduceSum", ["b"], ["r"], axes=[1], keepdims=1),
      N("Softmax", ["a"], ["sm"], axis=1), N("Concat", ["sm", "r"], ["y"], axis=1)],
     [("x", ox)],
     [("y", np.concatenate([np.exp(ox[:, :2]) / np.exp(ox[:, :2]).sum(1, keepdims=True),
                            ox[:, 2:].sum(1, keepdims=True)], axis=1))],
     opset=11)
case("opset9_slice", [N("Slice", ["x"], ["y"], starts=[1, -3], ends=[2, 100], axes=[0, 1])],
     [("x", ox)], [("y", ox[1:2, -3:])], opset=9)

# Einsum: an outer product (torch.outer), a batched contraction with a
# transposed operand, an implicit output (indices that appear once, in
# alphabetical order: "ij,kj" -> "ik"), a transpose and a sum of one
# operand, and three operands.
eo, ei = rand(5), rand(7)
ea, eb = rand(2, 3, 4), rand(2, 5, 4)
ec, ed = rand(3, 6), rand(4, 6)
ee = rand(3, 4, 5)
ef, eg, eh = rand(3, 4), rand(4, 5), rand(5, 2)
case("einsum_contractions",
     [N("Einsum", ["eo", "ei"], ["o1"], equation="i,j->ij"),
      N("Einsum", ["ea", "eb"], ["o2"], equation="bik, bjk -> bij"),
      N("Einsum", ["ec", "ed"], ["o3"], equation="ij,kj"),
      N("Einsum", ["ee"], ["o4"], equation="abc->cb"),
      N("Einsum", ["ef", "eg", "eh"], ["o5"], equation="ij,jk,kl->il")],
     [("eo", eo), ("ei", ei), ("ea", ea), ("eb", eb), ("ec", ec), ("ed", ed),
      ("ee", ee), ("ef", ef), ("eg", eg), ("eh", eh)],
     [("o1", np.outer(eo, ei)), ("o2", np.einsum("bik,bjk->bij", ea, eb)),
      ("o3", ec @ ed.T), ("o4", np.ascontiguousarray(ee.sum(axis=0).T)),
      ("o5", (ef.astype(np.float64) @ eg @ eh).astype(np.float32))])
# Known operands (RoPE's positions times frequencies) fold into a constant.
ft, fq, fz = np.arange(6, dtype=np.float32), rand(4), rand(6, 4)
case("einsum_folded",
     [N("Einsum", ["ft", "fq"], ["f"], equation="i,j->ij"),
      N("Add", ["f", "z"], ["y"])],
     [("z", fz)], [("y", np.outer(ft, fq) + fz)], [("ft", ft), ("fq", fq)])

with open(os.path.join(OUT, "cases.txt"), "w") as f:
    f.write("\n".join(CASES))
