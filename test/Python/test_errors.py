"""Every misuse raises an exception with the compiler's message; none
crashes the interpreter, and the module keeps working after each."""

import numpy as np
import pytest

from conftest import onnx_file

ADD = """
func.func @add(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %e = tensor.empty() : tensor<2x3xf32>
  %r = linalg.add ins(%a, %b : tensor<2x3xf32>, tensor<2x3xf32>)
                  outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
"""


@pytest.fixture(scope="module")
def add(longctx):
    return longctx.compile(ADD)


def test_bad_mlir(longctx):
    with pytest.raises(longctx.CompileError) as info:
        longctx.compile("func.func @f(%a: tensor<2xf32>) {\n  return %b\n}")
    assert "cannot parse the MLIR text" in str(info.value)
    assert "<text>:2:" in str(info.value)  # the diagnostic's location


def test_pipeline_failure_carries_diagnostics(longctx):
    with pytest.raises(longctx.CompileError, match="no-such-pass"):
        longctx.compile(ADD, pipeline="no-such-pass")
    with pytest.raises(longctx.CompileError, match="segment-length"):
        longctx.compile(onnx_file("gpt_gqa_512.onnx"), rewrite="infini",
                        segment_length=-3)


def test_broken_onnx(longctx, tmp_path):
    path = tmp_path / "broken.onnx"
    path.write_bytes(open(onnx_file("mha_causal.onnx"), "rb").read()[:100])
    with pytest.raises(longctx.CompileError):
        longctx.compile(path)
    with pytest.raises(longctx.CompileError):
        longctx.import_onnx(path)


def test_missing_file(longctx):
    with pytest.raises(FileNotFoundError):
        longctx.compile("/no/such/model.onnx")


def test_bad_options(longctx):
    with pytest.raises(ValueError, match="unknown rewrite"):
        longctx.compile(ADD, rewrite="ring")
    with pytest.raises(TypeError, match="rewrite"):
        longctx.compile(ADD, segment_length=4)
    with pytest.raises(ValueError, match="threads"):
        longctx.compile(ADD, threads=0)
    with pytest.raises(KeyError, match="no function @nope"):
        longctx.compile(ADD, entry="nope")


def test_unknown_function(add):
    with pytest.raises(KeyError, match=r"no function @mul \(functions: @add\)"):
        add.call("mul", np.ones((2, 3), np.float32))


def test_wrong_arguments(add):
    a = np.ones((2, 3), np.float32)
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        add(a)
    with pytest.raises(ValueError, match="expected 2x3 f32 .* got 3x2 f32"):
        add(a, np.ones((3, 2), np.float32))
    with pytest.raises(TypeError, match="must be float32 .* got float64"):
        add(a, np.ones((2, 3)))
    with pytest.raises(ValueError, match="not C-contiguous"):
        add(a, np.ones((3, 2), np.float32).T)
    np.testing.assert_array_equal(add(a, a), 2 * a)  # still works


def test_state_of_another_model(gpt_infini, tmp_path):
    s = gpt_infini.stream()
    with pytest.raises(FileNotFoundError, match="no state file"):
        s.load(tmp_path)
    state_arg = s.function.state_args[0]
    # Every file present, one of the wrong shape: nothing is taken.
    s.save(tmp_path)
    np.save(tmp_path / f"state{state_arg}.npy", np.ones((3, 3), np.float32))
    s.run(np.ones((1, 512, 64), np.float32))
    before = s.state
    with pytest.raises(ValueError, match="a state of another model"):
        s.load(tmp_path)
    for i, value in s.state.items():
        np.testing.assert_array_equal(value, before[i])


def test_stream_misuse(gpt_infini, add):
    s = gpt_infini.stream()
    with pytest.raises(TypeError, match="takes 1 arguments"):
        s(np.zeros((1, 512, 64), np.float32), np.zeros(1))
    with pytest.raises(ValueError, match="not whole chunks of 512"):
        s.run(np.zeros((1, 700, 64), np.float32))
    with pytest.warns(UserWarning, match="takes no state"):
        stateless = add.stream()
    with pytest.raises(ValueError, match="no streamed argument"):
        stateless.run(np.ones((2, 3), np.float32), np.ones((2, 3), np.float32))


def test_empty_module(longctx):
    m = longctx.compile("module {\n}")
    assert m.functions == []
    with pytest.raises(TypeError, match="no function to call"):
        m()
