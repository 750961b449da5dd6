"""Shared fixtures of the Python package's tests.

Run with the package built (ninja -C build longctx-python):
    PYTHONPATH=build/python_packages python3 -m pytest test/Python
"""

import os
import subprocess

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ONNX = os.path.join(ROOT, "test", "Examples", "onnx")
BUILD = os.environ.get("LONGCTX_BUILD", os.path.join(ROOT, "build"))


def onnx_file(name):
    return os.path.join(ONNX, name)


def run_tool(tool, *args):
    """Runs build/bin/<tool>; returns its completed process."""
    return subprocess.run([os.path.join(BUILD, "bin", tool), *map(str, args)],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def longctx():
    import longctx as package
    if not hasattr(package, "compile"):
        pytest.fail("longctx was imported without its compiler: set "
                    "PYTHONPATH=build/python_packages")
    return package


@pytest.fixture(scope="session")
def gpt_infini(longctx):
    """gpt_gqa_512 rewritten into Infini-attention (delta rule, segments of
    512), as the README's main job compiles it."""
    return longctx.compile(onnx_file("gpt_gqa_512.onnx"), rewrite="infini",
                           stream_dim=1, func_name="layer",
                           segment_length=512, update_rule="delta")


@pytest.fixture
def rng():
    return np.random.default_rng(7)
