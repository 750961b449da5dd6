"""longctx: compile transformers' attention for unbounded context.

The compiler's API (built into build/python_packages/longctx with the
_longctx extension): import_onnx, run_passes, compile, compile_torch,
Module, Stream, CompileError; see longctx.compiler. The NumPy reference of
every op (longctx.reference) and the exporters need only NumPy (and
PyTorch).
"""

try:
    from . import _longctx  # noqa: F401
except ImportError:  # the sources alone (python/): the reference only
    pass
else:
    from .compiler import (  # noqa: F401
        REWRITES,
        CompileError,
        Function,
        Module,
        Stream,
        compile,
        compile_torch,
        import_onnx,
        run_passes,
    )
