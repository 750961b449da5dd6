# The graph-level CPU code of longctx-vectorize-linalg against NumPy (this
# file): contractions of odd sizes (no multiple of any vector width), with
# constant (compile-time packed) and run-time right operands, transposed
# operands, batch loops that one operand does not read, and elementwise and
# row ops whose rows are no multiple of the vector, at 16, 8 and 4 lanes,
# threaded and single-threaded.
#
# RUN: rm -rf %t && mkdir -p %t && %PYTHON %s %t
# RUN: for c in $(cat %t/cases.txt); do \
# RUN:   for p in "longctx-lower-to-cpu" \
# RUN:            "longctx-lower-to-cpu{threads=false vector-lanes=8}" \
# RUN:            "longctx-lower-to-cpu{vector-lanes=4}" \
# RUN:            "longctx-lower-to-cpu{vector-lanes=16}"; do \
# RUN:     longctx-run %t/$c.mlir --pipeline="$p" $(cat %t/$c.args) \
# RUN:       --atol 1e-4 --rtol 1e-4 > %t/$c.log 2>&1 || \
# RUN:       { echo "FAILED: $c with $p"; cat %t/$c.log; }; \
# RUN:     grep -q "checked results match" %t/$c.log && echo "ok $c"; \
# RUN:   done; \
# RUN: done | FileCheck %s

# CHECK-NOT: FAILED
# CHECK-COUNT-4: ok matmul_const_odd
# CHECK-COUNT-4: ok matmul_runtime_odd
# CHECK-COUNT-4: ok batch_matmul_broadcast
# CHECK-COUNT-4: ok matmul_transpose_b
# CHECK-COUNT-4: ok generic_lhs_transposed
# CHECK-COUNT-4: ok mlp_block
# CHECK-COUNT-4: ok layer_norm_odd
# CHECK-COUNT-4: ok transpose_heads
# CHECK-NOT: FAILED

import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(7)
cases = []


def tensor_type(shape):
    return "tensor<" + "x".join(str(d) for d in shape) + "xf32>"


def dense(array):
    flat = ", ".join(repr(float(v)) for v in array.reshape(-1))
    return f"dense<[{flat}]>" if array.ndim == 1 else \
        "dense<" + np.array2string(array, separator=", ", threshold=10**9,
                                   floatmode="unique").replace("\n", "") + ">"


def case(name, body, inputs, expected):
    """Writes <name>.mlir (@main of `inputs`, returning one tensor), its
    inputs and the float64 NumPy result."""
    args = []
    for i, array in enumerate(inputs):
        path = os.path.join(out, f"{name}.in{i}.npy")
        np.save(path, array.astype(np.float32))
        args.append(f"--input {path}")
    path = os.path.join(out, f"{name}.expected.npy")
    np.save(path, expected.astype(np.float32))
    args.append(f"--expected {path}")
    params = ", ".join(f"%a{i}: {tensor_type(a.shape)}"
                       for i, a in enumerate(inputs))
    with open(os.path.join(out, name + ".mlir"), "w") as f:
        f.write(f"func.func @main({params}) -> {tensor_type(expected.shape)} {{\n"
                f"{body}\n}}\n")
    with open(os.path.join(out, name + ".args"), "w") as f:
        f.write(" ".join(args))
    cases.append(name)


def rand(*shape):
    return rng.uniform(-1, 1, shape)


def zeros(shape, name="%init"):
    return (f"  %zero = arith.constant 0.0 : f32\n"
            f"  %empty = tensor.empty() : {tensor_type(shape)}\n"
            f"  {name} = linalg.fill ins(%zero : f32) outs(%empty : "
            f"{tensor_type(shape)}) -> {tensor_type(shape)}\n")


# Constant weights (packed at compile time), 37 x 19 by 19 x 29.
x, w = rand(37, 19), rand(19, 29)
case("matmul_const_odd",
     f"  %w = arith.constant {dense(w)} : {tensor_type(w.shape)}\n"
     + zeros((37, 29)) +
     "  %r = linalg.matmul ins(%a0, %w : tensor<37x19xf32>, tensor<19x29xf32>)"
     " outs(%init : tensor<37x29xf32>) -> tensor<37x29xf32>\n"
     "  return %r : tensor<37x29xf32>", [x], x @ w)

# Run-time right operand, accumulating into a non-zero init, depth larger
# than one depth chunk (600 > 512).
a, b, c = rand(45, 600), rand(600, 71), rand(45, 71)
case("matmul_runtime_odd",
     "  %r = linalg.matmul ins(%a0, %a1 : tensor<45x600xf32>, tensor<600x71xf32>)"
     " outs(%a2 : tensor<45x71xf32>) -> tensor<45x71xf32>\n"
     "  return %r : tensor<45x71xf32>", [a, b, c], c + a @ b)

# A batch whose right operand is shared (MatMul of [3, 50, 24] by [24, 40]
# as a generic whose batch loop the weights do not read).
a, w = rand(3, 50, 24), rand(24, 40)
case("batch_matmul_broadcast",
     "#l = affine_map<(b, m, n, k) -> (b, m, k)>\n"
     "#r = affine_map<(b, m, n, k) -> (k, n)>\n"
     "#o = affine_map<(b, m, n, k) -> (b, m, n)>\n"
     + zeros((3, 50, 40)) +
     "  %r = linalg.generic {indexing_maps = [#l, #r, #o], iterator_types ="
     " [\"parallel\", \"parallel\", \"parallel\", \"reduction\"]}"
     " ins(%a0, %a1 : tensor<3x50x24xf32>, tensor<24x40xf32>)"
     " outs(%init : tensor<3x50x40xf32>) {\n"
     "  ^bb0(%x: f32, %y: f32, %o: f32):\n"
     "    %p = arith.mulf %x, %y : f32\n"
     "    %s = arith.addf %o, %p : f32\n"
     "    linalg.yield %s : f32\n"
     "  } -> tensor<3x50x40xf32>\n"
     "  return %r : tensor<3x50x40xf32>", [a, w], a @ w)
# (The affine maps must precede the function: move them to the top.)

# x W^T (Gemm with transB) with 33 output columns.
x, w = rand(20, 30), rand(33, 30)
case("matmul_transpose_b",
     zeros((20, 33)) +
     "  %r = linalg.matmul indexing_maps = ["
     "affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,"
     " affine_map<(m, n, k) -> (m, n)>]"
     " ins(%a0, %a1 : tensor<20x30xf32>, tensor<33x30xf32>)"
     " outs(%init : tensor<20x33xf32>) -> tensor<20x33xf32>\n"
     "  return %r : tensor<20x33xf32>", [x, w], x @ w.T)

# The left operand read transposed, two batch dims.
a, b = rand(2, 3, 17, 11), rand(2, 3, 17, 9)
case("generic_lhs_transposed",
     zeros((2, 3, 11, 9)) +
     "  %r = linalg.generic {indexing_maps = ["
     "affine_map<(p, q, m, n, k) -> (p, q, k, m)>, "
     "affine_map<(p, q, m, n, k) -> (p, q, k, n)>, "
     "affine_map<(p, q, m, n, k) -> (p, q, m, n)>], iterator_types ="
     " [\"parallel\", \"parallel\", \"parallel\", \"parallel\", \"reduction\"]}"
     " ins(%a0, %a1 : tensor<2x3x17x11xf32>, tensor<2x3x17x9xf32>)"
     " outs(%init : tensor<2x3x11x9xf32>) {\n"
     "  ^bb0(%x: f32, %y: f32, %o: f32):\n"
     "    %p = arith.mulf %x, %y : f32\n"
     "    %s = arith.addf %o, %p : f32\n"
     "    linalg.yield %s : f32\n"
     "  } -> tensor<2x3x11x9xf32>\n"
     "  return %r : tensor<2x3x11x9xf32>", [a, b],
     np.einsum("pqkm,pqkn->pqmn", a, b))

# An MLP block: x W1 + b1, tanh-GELU, W2 + b2, residual (big enough to be
# split between threads: 300 x 520 and 300 x 130).
x, w1, b1 = rand(300, 130), rand(130, 520) * 0.1, rand(520)
w2, b2 = rand(520, 130) * 0.1, rand(130)
h = x @ w1 + b1
g = 0.5 * h * (1 + np.tanh(0.7978845608 * (h + 0.044715 * h ** 3)))
case("mlp_block",
     f"  %w1 = arith.constant {dense(w1)} : tensor<130x520xf32>\n"
     f"  %b1 = arith.constant {dense(b1)} : tensor<520xf32>\n"
     f"  %w2 = arith.constant {dense(w2)} : tensor<520x130xf32>\n"
     f"  %b2 = arith.constant {dense(b2)} : tensor<130xf32>\n"
     + zeros((300, 520), "%i1") +
     "  %h = linalg.matmul ins(%a0, %w1 : tensor<300x130xf32>, tensor<130x520xf32>)"
     " outs(%i1 : tensor<300x520xf32>) -> tensor<300x520xf32>\n"
     "  %e1 = tensor.empty() : tensor<300x520xf32>\n"
     "  %g = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,"
     " affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],"
     " iterator_types = [\"parallel\", \"parallel\"]}"
     " ins(%h, %b1 : tensor<300x520xf32>, tensor<520xf32>)"
     " outs(%e1 : tensor<300x520xf32>) {\n"
     "  ^bb0(%v: f32, %bias: f32, %o: f32):\n"
     "    %c05 = arith.constant 0.5 : f32\n"
     "    %c1 = arith.constant 1.0 : f32\n"
     "    %ck = arith.constant 0.7978845608 : f32\n"
     "    %cc = arith.constant 0.044715 : f32\n"
     "    %y = arith.addf %v, %bias : f32\n"
     "    %y2 = arith.mulf %y, %y : f32\n"
     "    %y3 = arith.mulf %y2, %y : f32\n"
     "    %t0 = arith.mulf %y3, %cc : f32\n"
     "    %t1 = arith.addf %y, %t0 : f32\n"
     "    %t2 = arith.mulf %t1, %ck : f32\n"
     "    %t3 = math.tanh %t2 : f32\n"
     "    %t4 = arith.addf %t3, %c1 : f32\n"
     "    %t5 = arith.mulf %y, %c05 : f32\n"
     "    %t6 = arith.mulf %t5, %t4 : f32\n"
     "    linalg.yield %t6 : f32\n"
     "  } -> tensor<300x520xf32>\n"
     "  %zero2 = arith.constant 0.0 : f32\n"
     "  %e2 = tensor.empty() : tensor<300x130xf32>\n"
     "  %i2 = linalg.fill ins(%zero2 : f32) outs(%e2 : tensor<300x130xf32>)"
     " -> tensor<300x130xf32>\n"
     "  %p = linalg.matmul ins(%g, %w2 : tensor<300x520xf32>, tensor<520x130xf32>)"
     " outs(%i2 : tensor<300x130xf32>) -> tensor<300x130xf32>\n"
     "  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,"
     " affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>,"
     " affine_map<(i, j) -> (i, j)>],"
     " iterator_types = [\"parallel\", \"parallel\"]}"
     " ins(%p, %b2, %a0 : tensor<300x130xf32>, tensor<130xf32>, tensor<300x130xf32>)"
     " outs(%e2 : tensor<300x130xf32>) {\n"
     "  ^bb0(%v: f32, %bias: f32, %res: f32, %o: f32):\n"
     "    %y = arith.addf %v, %bias : f32\n"
     "    %z = arith.addf %y, %res : f32\n"
     "    linalg.yield %z : f32\n"
     "  } -> tensor<300x130xf32>\n"
     "  return %r : tensor<300x130xf32>", [x], g @ w2 + b2 + x)

# LayerNorm over rows of 771 (mean, centred variance, normalise), 260 rows.
x = rand(260, 771) * 3 + 1
mean = x.mean(axis=1, keepdims=True)
var = ((x - mean) ** 2).mean(axis=1, keepdims=True)
row = "affine_map<(i, j) -> (i)>"
full = "affine_map<(i, j) -> (i, j)>"
case("layer_norm_odd",
     "  %zero = arith.constant 0.0 : f32\n"
     "  %n = arith.constant 771.0 : f32\n"
     "  %eps = arith.constant 1.0e-5 : f32\n"
     "  %re = tensor.empty() : tensor<260xf32>\n"
     "  %r0 = linalg.fill ins(%zero : f32) outs(%re : tensor<260xf32>) -> tensor<260xf32>\n"
     f"  %sum = linalg.generic {{indexing_maps = [{full}, {row}], iterator_types ="
     " [\"parallel\", \"reduction\"]} ins(%a0 : tensor<260x771xf32>)"
     " outs(%r0 : tensor<260xf32>) {\n"
     "  ^bb0(%v: f32, %o: f32):\n"
     "    %s = arith.addf %v, %o : f32\n"
     "    linalg.yield %s : f32\n"
     "  } -> tensor<260xf32>\n"
     "  %fe = tensor.empty() : tensor<260x771xf32>\n"
     f"  %xc = linalg.generic {{indexing_maps = [{full}, {row}, {full}], iterator_types ="
     " [\"parallel\", \"parallel\"]} ins(%a0, %sum : tensor<260x771xf32>, tensor<260xf32>)"
     " outs(%fe : tensor<260x771xf32>) {\n"
     "  ^bb0(%v: f32, %s: f32, %o: f32):\n"
     "    %m = arith.divf %s, %n : f32\n"
     "    %d = arith.subf %v, %m : f32\n"
     "    linalg.yield %d : f32\n"
     "  } -> tensor<260x771xf32>\n"
     f"  %sq = linalg.generic {{indexing_maps = [{full}, {row}], iterator_types ="
     " [\"parallel\", \"reduction\"]} ins(%xc : tensor<260x771xf32>)"
     " outs(%r0 : tensor<260xf32>) {\n"
     "  ^bb0(%v: f32, %o: f32):\n"
     "    %q = arith.mulf %v, %v : f32\n"
     "    %s = arith.addf %q, %o : f32\n"
     "    linalg.yield %s : f32\n"
     "  } -> tensor<260xf32>\n"
     f"  %y = linalg.generic {{indexing_maps = [{full}, {row}, {full}], iterator_types ="
     " [\"parallel\", \"parallel\"]} ins(%xc, %sq : tensor<260x771xf32>, tensor<260xf32>)"
     " outs(%fe : tensor<260x771xf32>) {\n"
     "  ^bb0(%v: f32, %s: f32, %o: f32):\n"
     "    %m = arith.divf %s, %n : f32\n"
     "    %e = arith.addf %m, %eps : f32\n"
     "    %r = math.rsqrt %e : f32\n"
     "    %d = arith.mulf %v, %r : f32\n"
     "    linalg.yield %d : f32\n"
     "  } -> tensor<260x771xf32>\n"
     "  return %y : tensor<260x771xf32>", [x], (x - mean) / np.sqrt(var + 1e-5))

# Split heads: [1, 200, 6, 13] -> [1, 6, 200, 13] (a transposing copy).
x = rand(1, 200, 6, 13)
case("transpose_heads",
     "  %e = tensor.empty() : tensor<1x6x200x13xf32>\n"
     "  %t = linalg.transpose ins(%a0 : tensor<1x200x6x13xf32>)"
     " outs(%e : tensor<1x6x200x13xf32>) permutation = [0, 2, 1, 3]\n"
     "  return %t : tensor<1x6x200x13xf32>", [x], x.transpose(0, 2, 1, 3))

# Affine map aliases must come before the function that uses them.
for name in cases:
    path = os.path.join(out, name + ".mlir")
    lines = open(path).read().split("\n")
    aliases = [l for l in lines if l.startswith("#")]
    rest = [l for l in lines if not l.startswith("#")]
    open(path, "w").write("\n".join(aliases + rest))

with open(os.path.join(out, "cases.txt"), "w") as f:
    f.write("\n".join(cases) + "\n")
