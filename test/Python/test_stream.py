"""Streams: the Infini-attention rewrite of an exported model streamed from
Python against PyTorch with the NumPy Infini-attention, split invariance,
saved and resumed state (also across longctx-run), KV-cache limits."""

import numpy as np
import pytest

from conftest import onnx_file, run_tool


def test_stream_matches_reference(gpt_infini):
    fn = gpt_infini.signature()
    assert fn.chunk_length == 512 and len(fn.data_args) == 1
    x = np.load(onnx_file("gpt_gqa_512.stream.x.npy"))
    s = gpt_infini.stream()
    y = s.run(x)
    assert s.tokens == x.shape[1] and s.calls == x.shape[1] // 512
    np.testing.assert_allclose(
        y, np.load(onnx_file("gpt_gqa_512.stream.expected.npy")),
        atol=1e-4, rtol=1e-4)


def test_call_by_call_equals_run(gpt_infini):
    x = np.load(onnx_file("gpt_gqa_512.stream.x.npy"))
    whole = gpt_infini.stream().run(x)
    s = gpt_infini.stream()
    parts = [s(x[:, c:c + 512]) for c in range(0, x.shape[1], 512)]
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), whole)
    # The first call alone, without a stream: the state starts at zero.
    np.testing.assert_array_equal(gpt_infini(x[:, :512]), whole[:, :512])


def test_save_and_resume(gpt_infini, tmp_path):
    x = np.load(onnx_file("gpt_gqa_512.stream.x.npy"))
    whole = gpt_infini.stream().run(x)
    first = gpt_infini.stream()
    first.run(x[:, :1024])
    first.save(tmp_path)
    resumed = gpt_infini.stream()
    resumed.load(tmp_path)
    for i, value in first.state.items():
        np.testing.assert_array_equal(resumed.state[i], value)
    np.testing.assert_array_equal(resumed.run(x[:, 1024:]), whole[:, 1024:])
    resumed.reset()
    assert resumed.tokens == 0
    assert all(not v.any() for v in resumed.state.values())


def test_state_shared_with_longctx_run(longctx, gpt_infini, tmp_path):
    # longctx-run streams the first half and saves its state; Python goes
    # on from it and gives what an uninterrupted Python stream gives.
    x = np.load(onnx_file("gpt_gqa_512.stream.x.npy"))
    text = longctx.run_passes(
        longctx.import_onnx(onnx_file("gpt_gqa_512.onnx"), stream_dim=1,
                            func_name="layer"),
        "longctx-raise-attention,"
        "longctx-attention-to-infini{segment-length=512 update-rule=delta}")
    (tmp_path / "layer.mlir").write_text(text)
    np.save(tmp_path / "half.npy", x[:, :1024])
    proc = run_tool("longctx-run", tmp_path / "layer.mlir", "-e", "layer",
                    "--stream-tokens", 1024, "--input", tmp_path / "half.npy",
                    "--save-state", tmp_path / "state")
    assert proc.returncode == 0, proc.stderr
    s = gpt_infini.stream()
    s.load(tmp_path / "state")
    np.testing.assert_allclose(s.run(x[:, 1024:]),
                               gpt_infini.stream().run(x)[:, 1024:],
                               atol=1e-6, rtol=1e-5)


def test_progress_lines(gpt_infini, capsys, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name == "tqdm":
            raise ImportError("no tqdm")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    x = np.zeros((1, 2048, 64), np.float32)
    gpt_infini.stream().run(x, progress=True)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and lines[-1].startswith(
        "longctx: streamed 2048/2048 tokens")


def test_kv_cache_full(longctx):
    m = longctx.compile(onnx_file("tiny_gpt.onnx"), rewrite="kv-cache",
                        dims={"seq": 16}, stream_dim=1, capacity=40)
    s = m.stream()
    ids = np.arange(16, dtype=np.int64).reshape(1, 16) % 50
    # The caches are written in place: their results are the arrays passed;
    # the counts come back as new one-element arrays.
    fn = s.function
    args = [fn.initial_value(i) if i != fn.data_args[0] else ids
            for i in range(len(fn.args))]
    results = m.call_raw(fn, args)
    assert fn.state_args
    for i in fn.state_args:
        result = results[fn.args[i]["state_result"]]
        if fn.args[i]["kv_capacity"] is not None:
            assert result.tolist() == [16]
        else:
            assert result is args[i]
    s(ids)
    s(ids)
    before = s.state
    with pytest.raises(ValueError, match="KV cache is full: it holds 32 of 40"):
        s(ids)
    for i, value in s.state.items():
        np.testing.assert_array_equal(value, before[i])
