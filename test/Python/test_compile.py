"""longctx.compile, import_onnx and run_passes on shipped models and MLIR
text, checked against PyTorch's outputs, the NumPy reference and
longctx-run."""

import numpy as np
import pytest

from conftest import onnx_file, run_tool
from longctx import reference

ATTENTION = """
func.func @attend(%q: tensor<1x2x37x24xf32>, %k: tensor<1x2x37x24xf32>,
                  %v: tensor<1x2x37x24xf32>) -> tensor<1x2x37x24xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x37x24xf32>,
         tensor<1x2x37x24xf32>, tensor<1x2x37x24xf32>) causal
         -> tensor<1x2x37x24xf32>
  return %o : tensor<1x2x37x24xf32>
}
"""

TWO_FUNCTIONS = """
func.func @add(%a: tensor<5xf32>, %b: tensor<5xf32>) -> tensor<5xf32> {
  %e = tensor.empty() : tensor<5xf32>
  %r = linalg.add ins(%a, %b : tensor<5xf32>, tensor<5xf32>)
                  outs(%e : tensor<5xf32>) -> tensor<5xf32>
  return %r : tensor<5xf32>
}
func.func @scale(%a: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?xf64>
  %e = tensor.empty(%n) : tensor<?xf64>
  %r = linalg.add ins(%a, %a : tensor<?xf64>, tensor<?xf64>)
                  outs(%e : tensor<?xf64>) -> tensor<?xf64>
  return %r, %a : tensor<?xf64>, tensor<?xf64>
}
"""


def test_exported_model_matches_pytorch(longctx):
    m = longctx.compile(onnx_file("gpt_gqa_512.onnx"))
    x = np.load(onnx_file("gpt_gqa_512.x.npy"))
    y = m(x)
    expected = np.load(onnx_file("gpt_gqa_512.expected.npy"))
    assert y.shape == expected.shape and y.dtype == np.float32
    np.testing.assert_allclose(y, expected, atol=1e-5, rtol=1e-4)


def test_results_equal_longctx_run(longctx, tmp_path):
    # The same module through the same pipeline: the same machine code, so
    # the same bits.
    model, x = onnx_file("llama_gqa.onnx"), onnx_file("llama_gqa.x.npy")
    proc = run_tool("longctx-run", model, "--input", x, "--output-dir",
                    tmp_path)
    assert proc.returncode == 0, proc.stderr
    y = longctx.compile(model)(np.load(x))
    np.testing.assert_array_equal(y, np.load(tmp_path / "result0.npy"))


def test_mlir_text_against_numpy(longctx, rng):
    m = longctx.compile(ATTENTION)
    assert m.functions == ["attend"] and m.entry == "attend"
    q, k, v = (rng.standard_normal((1, 2, 37, 24), dtype=np.float32)
               for _ in range(3))
    np.testing.assert_allclose(m(q, k, v),
                               reference.attention(q, k, v, causal=True),
                               atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("threads", [1, 2])
def test_threads(longctx, rng, threads):
    m = longctx.compile(ATTENTION, threads=threads)
    q, k, v = (rng.standard_normal((1, 2, 37, 24), dtype=np.float32)
               for _ in range(3))
    np.testing.assert_allclose(m(q, k, v),
                               reference.attention(q, k, v, causal=True),
                               atol=1e-5, rtol=1e-4)


def test_mlir_file(longctx, tmp_path, rng):
    path = tmp_path / "attention.mlir"
    path.write_text(ATTENTION)
    m = longctx.compile(path)
    q = rng.standard_normal((1, 2, 37, 24), dtype=np.float32)
    np.testing.assert_allclose(m(q, q, q),
                               reference.attention(q, q, q, causal=True),
                               atol=1e-5, rtol=1e-4)


def test_several_functions(longctx):
    m = longctx.compile(TWO_FUNCTIONS)
    assert sorted(m.functions) == ["add", "scale"]
    with pytest.raises(TypeError, match="name one"):
        m(np.ones(5, np.float32), np.ones(5, np.float32))
    a = np.arange(5, dtype=np.float32)
    np.testing.assert_array_equal(m.call("add", a, a + 1), 2 * a + 1)
    # A dynamic extent takes any length; a result the code allocated is the
    # caller's and survives the next call.
    b = np.arange(7, dtype=np.float64)
    doubled, same = m.call("scale", b)
    np.testing.assert_array_equal(same, b)
    np.testing.assert_array_equal(doubled, 2 * b)
    again, _ = m.call("scale", np.ones(3))
    np.testing.assert_array_equal(doubled, 2 * b)
    np.testing.assert_array_equal(again, [2.0, 2.0, 2.0])
    # Results are arrays over the compiled code's memory, not copies.
    assert not doubled.flags.owndata and doubled.base is not None
    assert longctx.compile(TWO_FUNCTIONS, entry="add")(a, a)[4] == 8.0


def test_lists_are_converted(longctx):
    m = longctx.compile(TWO_FUNCTIONS, entry="add")
    np.testing.assert_array_equal(m([1, 2, 3, 4, 5], [1] * 5),
                                  [2, 3, 4, 5, 6])


def test_import_onnx(longctx):
    text = longctx.import_onnx(onnx_file("tiny_gpt.onnx"), dims={"seq": 16},
                               stream_dim=1, func_name="prefill")
    assert "func.func @prefill(" in text
    assert "tensor<1x16xi64>" in text
    assert "longctx.stream_dim = 1" in text


def test_run_passes(longctx):
    text = longctx.import_onnx(onnx_file("mha_causal.onnx"))
    assert "linalg.softmax" in text and "longctx.attention" not in text
    raised = longctx.run_passes(text, "longctx-raise-attention")
    assert "longctx.attention" in raised and "linalg.softmax" not in raised
    # The raised text compiles and runs as the model did.
    x = np.load(onnx_file("mha_causal.x.npy"))
    np.testing.assert_allclose(longctx.compile(raised)(x),
                               np.load(onnx_file("mha_causal.expected.npy")),
                               atol=1e-5, rtol=1e-4)


def test_compile_torch(longctx):
    torch = pytest.importorskip("torch")

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = torch.nn.Linear(32, 96)

        def forward(self, x):
            q, k, v = self.qkv(x).split(32, dim=-1)
            s = q @ k.transpose(-1, -2) / 32 ** 0.5
            n = x.shape[1]
            mask = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)
            return torch.softmax(s.masked_fill(mask, float("-inf")), -1) @ v

    torch.manual_seed(0)
    block = Block()
    x = torch.randn(1, 19, 32)
    m = longctx.compile_torch(block, (x,))
    with torch.no_grad():
        expected = block(x).numpy()
    np.testing.assert_allclose(m(x.numpy()), expected, atol=1e-5, rtol=1e-4)
