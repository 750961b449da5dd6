# The IR forms longctx-import-onnx emits for each operator (the forms
# longctx-raise-attention recognises), and what folds away while importing.
#
# RUN: rm -rf %t && mkdir -p %t && %PYTHON %s %t
# RUN: longctx-import-onnx %t/matmuls.onnx | FileCheck %s --check-prefix=MATMUL
# RUN: longctx-import-onnx %t/softmax.onnx | FileCheck %s --check-prefix=SOFTMAX
# RUN: longctx-import-onnx %t/elementwise.onnx | FileCheck %s --check-prefix=ELEM
# RUN: longctx-import-onnx %t/trilu.onnx | FileCheck %s --check-prefix=TRILU
# RUN: longctx-import-onnx %t/reshape.onnx | FileCheck %s --check-prefix=RESHAPE
# RUN: longctx-import-onnx %t/folding.onnx | FileCheck %s --check-prefix=FOLD
# RUN: longctx-import-onnx %t/einsum.onnx | FileCheck %s --check-prefix=EINSUM
# RUN: longctx-import-onnx %t/softmax.onnx --func-name=layer --stream-dim=1 | FileCheck %s --check-prefix=STREAM

# EINSUM-DAG: #[[$EA:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
# EINSUM-DAG: #[[$EB:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
# EINSUM-DAG: #[[$EC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
# EINSUM-LABEL: func.func @main(
# EINSUM: %[[FILL:.*]] = linalg.fill
# EINSUM: linalg.generic {indexing_maps = [#[[$EA]], #[[$EB]], #[[$EC]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
# EINSUM-SAME: outs(%[[FILL]] : tensor<2x3x3xf32>)
# EINSUM: arith.mulf
# EINSUM: arith.addf
# EINSUM: %[[ANGLES:.*]] = arith.constant dense<{{\[\[}}0.000000e+00, 0.000000e+00, 0.000000e+00], [1.000000e+00, 5.000000e-01, 2.500000e-01], [2.000000e+00, 1.000000e+00, 5.000000e-01]]> : tensor<3x3xf32>
# EINSUM: linalg.generic
# EINSUM-SAME: iterator_types = ["parallel", "parallel", "parallel"]
# EINSUM-SAME: %[[ANGLES]]

# MATMUL-LABEL: func.func @main(
# MATMUL-SAME: %[[A2:.*]]: tensor<4x5xf32> {onnx.name = "a2"}, %[[B2:.*]]: tensor<5x6xf32> {onnx.name = "b2"}
# MATMUL-SAME: %[[A3:.*]]: tensor<2x4x5xf32> {onnx.name = "a3"}, %[[B3:.*]]: tensor<1x5x6xf32> {onnx.name = "b3"}
# MATMUL-SAME: %[[A4:.*]]: tensor<1x2x4x5xf32> {onnx.name = "a4"}, %[[B4:.*]]: tensor<1x2x5x6xf32> {onnx.name = "b4"}
# MATMUL: %[[F2:.*]] = linalg.fill
# MATMUL: linalg.matmul ins(%[[A2]], %[[B2]] : tensor<4x5xf32>, tensor<5x6xf32>) outs(%[[F2]] : tensor<4x6xf32>)
# MATMUL: %[[C3:.*]] = tensor.collapse_shape %[[B3]] {{\[\[}}0, 1], [2]] : tensor<1x5x6xf32> into tensor<5x6xf32>
# MATMUL: %[[BB3:.*]] = linalg.broadcast ins(%[[C3]] : tensor<5x6xf32>) outs(%{{.*}} : tensor<2x5x6xf32>) dimensions = [0]
# MATMUL: linalg.batch_matmul ins(%[[A3]], %[[BB3]] : tensor<2x4x5xf32>, tensor<2x5x6xf32>)
# MATMUL: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
# MATMUL: %[[F4:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x2x4x6xf32>)
# MATMUL: linalg.generic {indexing_maps = [#[[MA:.*]], #[[MB:.*]], #[[MC:.*]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
# MATMUL-SAME: ins(%[[A4]], %[[B4]] : tensor<1x2x4x5xf32>, tensor<1x2x5x6xf32>) outs(%[[F4]] : tensor<1x2x4x6xf32>)
# MATMUL: arith.mulf
# MATMUL: arith.addf
# MATMUL: %[[X:.*]] = tensor.collapse_shape %[[A3]] {{\[\[}}0, 1], [2]] : tensor<2x4x5xf32> into tensor<8x5xf32>
# MATMUL: %[[P:.*]] = linalg.matmul ins(%[[X]], %{{.*}} : tensor<8x5xf32>, tensor<5x6xf32>)
# MATMUL: tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2]] output_shape [2, 4, 6] : tensor<8x6xf32> into tensor<2x4x6xf32>

# SOFTMAX: linalg.softmax dimension(1) ins(%{{.*}} : tensor<2x3x4xf32>)
# SOFTMAX: linalg.transpose ins(%{{.*}} : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]

# STREAM: func.func @layer(%{{.*}}: tensor<2x3x4xf32> {longctx.stream_dim = 1 : i64, onnx.name = "x"})
# STREAM-SAME: -> (tensor<4x2x3xf32> {longctx.stream_dim = 1 : i64, onnx.name = "y"})

# ELEM-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
# ELEM-DAG: #[[$BC:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
# ELEM-DAG: #[[$ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
# ELEM-LABEL: func.func @main(
# ELEM: %[[SCALE:.*]] = arith.constant 1.250000e-01 : f32
# ELEM: linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
# ELEM-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
# ELEM-NEXT: %[[M:.*]] = arith.mulf %[[IN]], %[[SCALE]] : f32
# ELEM-NEXT: linalg.yield %[[M]]
# ELEM: linalg.generic {indexing_maps = [#[[$ID]], #[[$BC]], #[[$ID]]]
# ELEM: arith.addf
# ELEM: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
# ELEM: linalg.generic {indexing_maps = [#[[$ROW]], #[[$ID]], #[[$ID]]]
# ELEM-SAME: ins(%{{.*}}, %{{.*}} : tensor<2x1x4xi1>, tensor<2x3x4xf32>)
# ELEM-NEXT: ^bb0(%[[C:.*]]: i1, %[[V:.*]]: f32, %{{.*}}: f32):
# ELEM-NEXT: arith.select %[[C]], %[[NEGINF]], %[[V]] : f32
# ELEM: math.erf
# ELEM: math.sqrt
# ELEM: math.tanh
# ELEM: arith.maximumf

# TRILU-LABEL: func.func @main(
# Trilu of a graph input is computed from the indices; of a constant, it
# folds to a dense constant.
# TRILU: linalg.generic
# TRILU: %[[I:.*]] = linalg.index 1 : index
# TRILU: %[[J:.*]] = linalg.index 2 : index
# TRILU: %[[D:.*]] = arith.subi %[[J]], %[[I]] : index
# TRILU: arith.cmpi sle, %[[D]], %{{.*}} : index
# TRILU: arith.select
# TRILU: arith.constant dense<{{\[\[}}false, true, true], [false, false, true], [false, false, false]]> : tensor<3x3xi1>

# RESHAPE-LABEL: func.func @main(
# RESHAPE: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [2, 3, 2] : tensor<2x6xf32> into tensor<2x3x2xf32>
# RESHAPE: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<2x6xf32> into tensor<12xf32>
# A reshape of the unsqueezed input reshapes the input itself, here through
# the flat shape (no single collapse or expand maps 2x6 to 4x3).
# RESHAPE: %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1]] : tensor<2x6xf32> into tensor<12xf32>
# RESHAPE-NEXT: tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1]] output_shape [4, 3] : tensor<12xf32> into tensor<4x3xf32>
# RESHAPE: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [1, 2, 6]
# RESHAPE: linalg.broadcast ins(%{{.*}} : tensor<2x6xf32>) outs(%{{.*}} : tensor<3x2x6xf32>) dimensions = [0]

# Shape arithmetic, Constant, ConstantOfShape, Range, Equal and Cast on
# constants leave nothing but the values that reach the computation.
# FOLD-LABEL: func.func @main(
# FOLD-NOT: tensor.reshape
# FOLD-NOT: arith.cmpi
# FOLD-NOT: i64
# FOLD: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
# FOLD: arith.constant dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<4xf32>
# FOLD: linalg.generic
# FOLD: return

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import onnx_writer as w  # noqa: E402

F, N = w.FLOAT, w.node


def ints(*v):
    return np.array(v, np.int64)


def main(out):
    save = lambda name, data: w.save(os.path.join(out, name + ".onnx"), data)
    save("matmuls", w.model(
        [N("MatMul", ["a2", "b2"], ["c2"]), N("MatMul", ["a3", "b3"], ["c3"]),
         N("MatMul", ["a4", "b4"], ["c4"]), N("MatMul", ["a3", "w"], ["c5"])],
        [("a2", F, [4, 5]), ("b2", F, [5, 6]), ("a3", F, [2, 4, 5]),
         ("b3", F, [1, 5, 6]), ("a4", F, [1, 2, 4, 5]), ("b4", F, [1, 2, 5, 6])],
        [("c2", F, [4, 6]), ("c3", F, [2, 4, 6]), ("c4", F, [1, 2, 4, 6]),
         ("c5", F, [2, 4, 6])],
        [("w", np.ones((5, 6), np.float32))]))
    save("softmax", w.model(
        [N("Softmax", ["x"], ["s"], axis=1), N("Transpose", ["s"], ["y"], perm=[2, 0, 1])],
        [("x", F, [2, 3, 4])], [("y", F, [4, 2, 3])]))
    save("elementwise", w.model(
        [N("Mul", ["x", "scale"], ["s"]), N("Add", ["s", "bias"], ["a"]),
         N("Where", ["mask", "neginf", "a"], ["m"]), N("Erf", ["m"], ["e"]),
         N("Sqrt", ["e"], ["q"]), N("Tanh", ["q"], ["t"]), N("Relu", ["t"], ["y"])],
        [("x", F, [2, 3, 4])], [("y", F, [2, 3, 4])],
        [("scale", np.array(0.125, np.float32)),
         ("bias", np.arange(3, dtype=np.float32).reshape(3, 1)),
         ("mask", np.array([[[True, False, True, False]]] * 2)),
         ("neginf", np.array(-np.inf, np.float32))]))
    save("trilu", w.model(
        [N("Trilu", ["ones", "one"], ["mask"]), N("Trilu", ["x"], ["lo"], upper=0),
         N("Where", ["mask", "x", "lo"], ["y"])],
        [("x", F, [2, 3, 3])], [("y", F, [2, 3, 3])],
        [("ones", np.ones((3, 3), bool)), ("one", ints(1))]))
    save("reshape", w.model(
        [N("Reshape", ["x", "s1"], ["r1"]), N("Reshape", ["x", "s2"], ["r2"]),
         N("Unsqueeze", ["x", "ax1"], ["u"]), N("Reshape", ["u", "s3"], ["r3"]),
         N("Unsqueeze", ["x", "ax0"], ["u0"]), N("Expand", ["x", "shape"], ["ex"])],
        [("x", F, [2, 6])],
        [("r1", F, [2, 3, 2]), ("r2", F, [12]), ("r3", F, [4, 3]),
         ("u0", F, [1, 2, 6]), ("ex", F, [3, 2, 6])],
        [("s1", ints(0, 3, 2)), ("s2", ints(-1)), ("s3", ints(4, 3)),
         ("ax1", ints(1)), ("ax0", ints(0)), ("shape", ints(3, 1, 6))]))
    save("folding", w.model(
        [N("Shape", ["x"], ["sh"]), N("Slice", ["sh", "zero", "two"], ["lead"]),
         N("Gather", ["lead", "zero0"], ["d0"]),
         N("Gather", ["sh", "one0"], ["d1"]), N("Mul", ["d0", "d1"], ["rows"]),
         N("Unsqueeze", ["rows", "zero"], ["r"]),
         N("Concat", ["r", "minus1"], ["target"], axis=0),
         N("Reshape", ["x", "target"], ["flat"]),
         N("Gather", ["sh", "two0"], ["d2"]),
         N("Range", ["zero0", "d2", "one0"], ["idx"]),
         N("Cast", ["idx"], ["fidx"], to=w.FLOAT),
         N("ConstantOfShape", ["four"], ["zeros"]),
         N("Equal", ["zeros", "fidx"], ["isz"]),
         N("Where", ["isz", "zeros", "fidx"], ["vals"]),
         N("Add", ["flat", "vals"], ["y"])],
        [("x", F, [2, 3, 4])], [("y", F, [6, 4])],
        [("zero", ints(0)), ("two", ints(2)), ("zero0", np.array(0, np.int64)),
         ("one0", np.array(1, np.int64)), ("two0", np.array(2, np.int64)),
         ("minus1", ints(-1)), ("four", ints(4))]))
    # Einsum: one generic, loops (output indices..., summed indices...),
    # into a zero fill; with known operands (positions x frequencies, as
    # RoPE's torch.outer exports) a constant.
    save("einsum", w.model(
        [N("Einsum", ["a", "b"], ["c"], equation="bik,bjk->bij"),
         N("Einsum", ["t", "f"], ["angles"], equation="i,j->ij"),
         N("Einsum", ["c", "angles"], ["y"], equation="bij,ij->bij")],
        [("a", F, [2, 3, 4]), ("b", F, [2, 3, 4])], [("y", F, [2, 3, 3])],
        [("t", np.arange(3, dtype=np.float32)),
         ("f", np.array([1.0, 0.5, 0.25], np.float32))]))


if __name__ == "__main__":
    main(sys.argv[1])
