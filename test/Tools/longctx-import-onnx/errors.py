# longctx-import-onnx rejects what it cannot import with a message naming the
# node (name and operator type) or the graph value, and exit code 1.
#
# RUN: rm -rf %t && mkdir -p %t && %PYTHON %s %t
# RUN: not longctx-import-onnx %t/missing.onnx 2>&1 | FileCheck %s --check-prefix=MISSING
# RUN: not longctx-import-onnx %t/garbage.onnx 2>&1 | FileCheck %s --check-prefix=GARBAGE
# RUN: not longctx-import-onnx %t/truncated.onnx 2>&1 | FileCheck %s --check-prefix=TRUNCATED
# RUN: not longctx-import-onnx %t/empty_graph.onnx 2>&1 | FileCheck %s --check-prefix=NOGRAPH
# RUN: not longctx-import-onnx %t/no_opset.onnx 2>&1 | FileCheck %s --check-prefix=NOOPSET
# RUN: not longctx-import-onnx %t/unknown_op.onnx 2>&1 | FileCheck %s --check-prefix=UNKNOWN
# RUN: not longctx-import-onnx %t/other_domain.onnx 2>&1 | FileCheck %s --check-prefix=DOMAIN
# RUN: not longctx-import-onnx %t/dynamic.onnx 2>&1 | FileCheck %s --check-prefix=DYNAMIC
# RUN: longctx-import-onnx %t/dynamic.onnx --dim N=8 | FileCheck %s --check-prefix=RESOLVED
# RUN: not longctx-import-onnx %t/dynamic.onnx --dim N 2>&1 | FileCheck %s --check-prefix=BADDIM
# RUN: not longctx-import-onnx %t/unknown_dim.onnx 2>&1 | FileCheck %s --check-prefix=UNKNOWNDIM
# RUN: not longctx-import-onnx %t/softmax_axis.onnx 2>&1 | FileCheck %s --check-prefix=AXIS
# RUN: not longctx-import-onnx %t/softmax_axis_type.onnx 2>&1 | FileCheck %s --check-prefix=ATTRTYPE
# RUN: not longctx-import-onnx %t/bad_perm.onnx 2>&1 | FileCheck %s --check-prefix=PERM
# RUN: not longctx-import-onnx %t/concat_no_axis.onnx 2>&1 | FileCheck %s --check-prefix=NOAXIS
# RUN: not longctx-import-onnx %t/undefined_input.onnx 2>&1 | FileCheck %s --check-prefix=UNDEFINED
# RUN: not longctx-import-onnx %t/dynamic_reshape.onnx 2>&1 | FileCheck %s --check-prefix=RESHAPE
# RUN: not longctx-import-onnx %t/bad_reshape.onnx 2>&1 | FileCheck %s --check-prefix=RESHAPESIZE
# RUN: not longctx-import-onnx %t/broadcast.onnx 2>&1 | FileCheck %s --check-prefix=BROADCAST
# RUN: not longctx-import-onnx %t/matmul_k.onnx 2>&1 | FileCheck %s --check-prefix=MATMUL
# RUN: not longctx-import-onnx %t/string_input.onnx 2>&1 | FileCheck %s --check-prefix=DTYPE
# RUN: not longctx-import-onnx %t/missing_output.onnx 2>&1 | FileCheck %s --check-prefix=NOOUTPUT
# RUN: not longctx-import-onnx %t/wrong_output_shape.onnx 2>&1 | FileCheck %s --check-prefix=OUTSHAPE
# RUN: not longctx-import-onnx %t/bad_initializer.onnx 2>&1 | FileCheck %s --check-prefix=INITSIZE
# RUN: not longctx-import-onnx %t/negative_step.onnx 2>&1 | FileCheck %s --check-prefix=STEP
# RUN: not longctx-import-onnx %t/gather_range.onnx 2>&1 | FileCheck %s --check-prefix=GATHER
# RUN: not longctx-import-onnx %t/gelu_mode.onnx 2>&1 | FileCheck %s --check-prefix=GELU
# RUN: not longctx-import-onnx %t/missing_input.onnx 2>&1 | FileCheck %s --check-prefix=MISSINGIN
# RUN: not longctx-import-onnx %t/layernorm_outputs.onnx 2>&1 | FileCheck %s --check-prefix=LNOUT
# RUN: not longctx-import-onnx %t/huge_initializer.onnx 2>&1 | FileCheck %s --check-prefix=HUGEINIT
# RUN: not longctx-import-onnx %t/overflow_initializer.onnx 2>&1 | FileCheck %s --check-prefix=OVERFLOWINIT
# RUN: longctx-import-onnx %t/scalar_transpose.onnx | FileCheck %s --check-prefix=SCALAR
# RUN: not longctx-import-onnx %t/reshape_overflow.onnx 2>&1 | FileCheck %s --check-prefix=RESHAPEOVERFLOW
# RUN: not longctx-import-onnx %t/expand_negative.onnx 2>&1 | FileCheck %s --check-prefix=EXPANDNEG
# RUN: longctx-import-onnx %t/slice_huge_step.onnx | FileCheck %s --check-prefix=HUGESTEP
# RUN: not longctx-import-onnx %t/good.onnx --func-name= 2>&1 | FileCheck %s --check-prefix=NONAME
# RUN: not longctx-import-onnx %t/dynamic.onnx --dim N=9223372036854775807 2>&1 | FileCheck %s --check-prefix=HUGEDIM
# RUN: not longctx-import-onnx %t/unknown_op.onnx --stream-dim=-2 2>&1 | FileCheck %s --check-prefix=STREAMDIM
# RUN: not longctx-import-onnx %t/good.onnx -o %t/no/such/dir/out.mlir 2>&1 | FileCheck %s --check-prefix=OUTPUT
# RUN: longctx-import-onnx %t/garbage.onnx > %t/out.txt 2>&1 || echo "exit code $?" >> %t/out.txt
# RUN: FileCheck %s --check-prefix=EXIT1 < %t/out.txt

# MISSING: longctx-import-onnx: error: cannot open '{{.*}}missing.onnx': No such file or directory
# GARBAGE: longctx-import-onnx: error: '{{.*}}garbage.onnx': not a valid ONNX model (the protobuf message does not parse: truncated or corrupt file)
# TRUNCATED: longctx-import-onnx: error: '{{.*}}truncated.onnx': not a valid ONNX model (the protobuf message does not parse: truncated or corrupt file)
# NOGRAPH: error: '{{.*}}empty_graph.onnx': the model has no graph
# NOOPSET: error: '{{.*}}no_opset.onnx': the model imports no version of the default operator set
# UNKNOWN: error: '{{.*}}unknown_op.onnx': node 'fancy' (FancyOp): unsupported operator 'FancyOp'
# DOMAIN: error: '{{.*}}other_domain.onnx': node 'gqa' (GroupQueryAttention): unsupported operator domain 'com.microsoft'
# DYNAMIC: error: '{{.*}}dynamic.onnx': graph input 'x' has the symbolic dimension 'N' (dimension 1); give its size with --dim N=N
# RESOLVED: func.func @main(%{{.*}}: tensor<2x8xf32> {onnx.name = "x"}) -> (tensor<2x8xf32> {onnx.name = "y"})
# BADDIM: error: --dim expects NAME=N with N >= 0, got 'N'
# UNKNOWNDIM: error: '{{.*}}unknown_dim.onnx': graph input 'x' has no shape (export with static shapes)
# AXIS: error: '{{.*}}softmax_axis.onnx': node 'sm' (Softmax): axis 3 is out of range for rank 2
# ATTRTYPE: error: '{{.*}}softmax_axis_type.onnx': node 'sm' (Softmax): attribute 'axis' must be an int
# PERM: error: '{{.*}}bad_perm.onnx': node 't' (Transpose): attribute 'perm' [0, 0] is not a permutation of 2 dimensions
# NOAXIS: error: '{{.*}}concat_no_axis.onnx': node 'cat' (Concat): missing required attribute 'axis'
# UNDEFINED: error: '{{.*}}undefined_input.onnx': node 'add' (Add): input 'nowhere' is not a graph input, an initializer or the output of an earlier node
# RESHAPE: error: '{{.*}}dynamic_reshape.onnx': node 'r' (Reshape): the shape input must be a constant (computed from initializers, Constant nodes and static shapes only)
# RESHAPESIZE: error: '{{.*}}bad_reshape.onnx': node 'r' (Reshape): cannot reshape 2x8 (16 elements) into 3x5
# BROADCAST: error: '{{.*}}broadcast.onnx': node 'add' (Add): cannot broadcast shapes 2x8, 3
# MATMUL: error: '{{.*}}matmul_k.onnx': node 'mm' (MatMul): contraction dimensions differ: 2x8 times 4x3
# DTYPE: error: '{{.*}}string_input.onnx': graph input 's' has unsupported element type STRING (supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT64, INT32, INT8, BOOL)
# NOOUTPUT: error: '{{.*}}missing_output.onnx': graph output 'z' is not produced by any node
# OUTSHAPE: error: '{{.*}}wrong_output_shape.onnx': graph output 'y' is declared 2x9 but computes 2x8
# INITSIZE: error: '{{.*}}bad_initializer.onnx': initializer 'w' has 3 elements of data for shape 2x2 (4 elements)
# STEP: error: '{{.*}}negative_step.onnx': node 's' (Slice): step -1 on axis 1 is not supported (only positive steps)
# GATHER: error: '{{.*}}gather_range.onnx': node 'g' (Gather): index 8 is out of range for axis 1 of size 8
# GELU: error: '{{.*}}gelu_mode.onnx': node 'g' (Gelu): attribute 'approximate' must be "none" or "tanh", got "fast"
# MISSINGIN: error: '{{.*}}missing_input.onnx': node 'mm' (MatMul): missing required input 1
# LNOUT: error: '{{.*}}layernorm_outputs.onnx': node 'ln' (LayerNormalization): the Mean and InvStdDev outputs are not supported
# HUGEINIT: longctx-import-onnx: error: '{{.*}}huge_initializer.onnx': initializer 'w' has 3 elements of data for shape 2147483648 (2147483648 elements)
# OVERFLOWINIT: longctx-import-onnx: error: '{{.*}}overflow_initializer.onnx': initializer 'w' is too large (4294967296x4294967296)
# A transpose of a scalar (or any identity permutation) passes its input on.
# SCALAR: func.func @main(%[[X:.+]]: tensor<f32> {onnx.name = "x"}) -> (tensor<f32> {onnx.name = "y"})
# SCALAR-NEXT: return %[[X]] : tensor<f32>
# RESHAPEOVERFLOW: node 'r' (Reshape): cannot reshape 2x8 into 4294967296x4294967296 (its element count overflows)
# EXPANDNEG: node 'e' (Expand): cannot broadcast shapes 2x8, -3x8
# A step past the axis takes one element: column 1 of each row.
# HUGESTEP: tensor.extract_slice %{{.+}}[0, 1] [2, 1] [1, 9223372036854775807] : tensor<2x8xf32> to tensor<2x1xf32>
# NONAME: error: '{{.*}}good.onnx': the function name is empty (--func-name)
# HUGEDIM: error: '{{.*}}dynamic.onnx': graph input 'x' is too large (2x9223372036854775807: more than 2^40 elements)
# STREAMDIM: error: --stream-dim must be at least 0, got -2
# OUTPUT: longctx-import-onnx: error: cannot open output file '{{.*}}out.mlir': No such file or directory
# EXIT1: exit code 1

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import onnx_writer as w  # noqa: E402

F = w.FLOAT
X = ("x", F, [2, 8])
Y = ("y", F, [2, 8])


def one(op, inputs=("x",), name="n", init=(), in_vals=(X,), out_vals=(Y,), **attrs):
    return w.model([w.node(op, list(inputs), ["y"], name=name, **attrs)],
                   list(in_vals), list(out_vals), list(init))


def main(out):
    save = lambda name, data: w.save(os.path.join(out, name + ".onnx"), data)
    good = one("Relu")
    save("good", good)
    save("garbage", b"\xff\xff\xff\xff this is not a protobuf message")
    save("truncated", good[: len(good) // 2])
    save("empty_graph", w._int(1, 8) + w._bytes(8, w._int(2, 17)))
    save("no_opset", w._int(1, 8) + w._bytes(7, w._bytes(2, "g")))
    save("unknown_op", one("FancyOp", name="fancy"))
    save("other_domain", one("GroupQueryAttention", name="gqa", domain="com.microsoft"))
    dyn = ("x", F, [2, "N"])
    save("dynamic", one("Relu", in_vals=[dyn], out_vals=[("y", F, [2, "N"])]))
    no_shape = w._bytes(1, "x") + w._bytes(2, w._bytes(1, w._int(1, F)))
    # An input with a type but no shape.
    graph = (w._bytes(1, w.node("Relu", ["x"], ["y"])) + w._bytes(11, no_shape)
             + w._bytes(12, w.value_info(*Y)))
    save("unknown_dim", w._int(1, 8) + w._bytes(7, graph) + w._bytes(8, w._int(2, 17)))
    save("softmax_axis", one("Softmax", name="sm", axis=3))
    save("softmax_axis_type", one("Softmax", name="sm", axis=1.0))
    save("bad_perm", one("Transpose", name="t", perm=[0, 0]))
    save("concat_no_axis", one("Concat", name="cat"))
    save("undefined_input", one("Add", ["x", "nowhere"], name="add"))
    save("dynamic_reshape", one("Reshape", ["x", "s"], name="r",
                                in_vals=[X, ("s", w.INT64, [2])]))
    save("bad_reshape", one("Reshape", ["x", "s"], name="r", out_vals=[("y", F, [3, 5])],
                            init=[("s", np.array([3, 5], np.int64))]))
    save("broadcast", one("Add", ["x", "b"], name="add",
                          init=[("b", np.ones(3, np.float32))]))
    save("matmul_k", one("MatMul", ["x", "b"], name="mm",
                         init=[("b", np.ones((4, 3), np.float32))]))
    save("string_input", one("Relu", ["s"], in_vals=[("s", w.STRING, [2])]))
    save("missing_output", one("Relu", out_vals=[("z", F, [2, 8])]))
    save("wrong_output_shape", one("Relu", out_vals=[("y", F, [2, 9])]))
    bad_init = w.tensor("w", np.ones(3, np.float32)).replace(w._int(1, 3), w._int(1, 2) + w._int(1, 2), 1)
    graph = (w._bytes(1, w.node("Add", ["x", "w"], ["y"])) + w._bytes(5, bad_init)
             + w._bytes(11, w.value_info(*X)) + w._bytes(12, w.value_info(*Y)))
    save("bad_initializer", w._int(1, 8) + w._bytes(7, graph) + w._bytes(8, w._int(2, 17)))
    ints = lambda *v: np.array(v, np.int64)
    save("negative_step", one("Slice", ["x", "st", "en", "ax", "sp"], name="s",
                              init=[("st", ints(7)), ("en", ints(0)), ("ax", ints(1)),
                                    ("sp", ints(-1))]))
    save("gather_range", one("Gather", ["x", "i"], name="g", axis=1,
                             init=[("i", ints(8))], out_vals=[("y", F, [2])]))
    save("gelu_mode", one("Gelu", name="g", approximate="fast"))
    save("missing_input", one("MatMul", ["x", ""], name="mm"))
    # Sizes checked before anything is allocated for them: 2^31 elements
    # declared over 3 floats of data, a count that overflows int64.
    for name, dims in (("huge_initializer", w._int(1, 2**31)),
                       ("overflow_initializer", w._int(1, 2**32) * 2)):
        init = w.tensor("w", np.ones(3, np.float32)).replace(w._int(1, 3), dims, 1)
        graph = (w._bytes(1, w.node("Add", ["x", "w"], ["y"])) + w._bytes(5, init)
                 + w._bytes(11, w.value_info(*X)) + w._bytes(12, w.value_info(*Y)))
        save(name, w._int(1, 8) + w._bytes(7, graph) + w._bytes(8, w._int(2, 17)))
    save("scalar_transpose", one("Transpose", name="t", in_vals=[("x", F, [])],
                                 out_vals=[("y", F, [])]))
    save("reshape_overflow", one("Reshape", ["x", "s"], name="r",
                                 out_vals=[("y", F, [2**32, 2**32])],
                                 init=[("s", np.array([2**32, 2**32], np.int64))]))
    save("expand_negative", one("Expand", ["x", "s"], name="e",
                                init=[("s", np.array([-3, 8], np.int64))]))
    save("slice_huge_step", one("Slice", ["x", "st", "en", "ax", "sp"], name="s",
                                out_vals=[("y", F, [2, 1])],
                                init=[("st", ints(1)), ("en", ints(8)), ("ax", ints(1)),
                                      ("sp", ints(2**63 - 1))]))
    save("layernorm_outputs", w.model(
        [w.node("LayerNormalization", ["x", "g"], ["y", "mean"], name="ln")],
        [X], [Y], [("g", np.ones(8, np.float32))]))


if __name__ == "__main__":
    main(sys.argv[1])
