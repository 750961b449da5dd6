"""Compile models with longctx and run them on NumPy arrays.

    import longctx
    m = longctx.compile("model.onnx")              # as exported
    y = m(x)
    m = longctx.compile("model.onnx", rewrite="infini", stream_dim=1,
                        segment_length=512, update_rule="delta")
    s = m.stream()                                 # state between calls
    y = s.run(x_long, progress=True)               # chunk by chunk
    s.save("state/"); s.load("state/")             # longctx-run's format

Arguments go to the compiled code without a copy: C-contiguous arrays of
the argument's dtype (anything else raises). Results are arrays over the
memory the compiled code returned (at most one copy). Compiler failures
raise CompileError with the compiler's diagnostics and their locations.
"""

import os
import sys
import tempfile
import time
import warnings

import numpy as np

from . import _longctx as _native

CompileError = _native.CompileError

#: The rewrites `compile` knows, by name: the pass each runs after
#: longctx-raise-attention.
REWRITES = {
    "infini": "longctx-attention-to-infini",
    "titans": "longctx-attention-to-titans",
    "kv-cache": "longctx-attention-to-kv-cache",
}

_native_memory_kept = False


def _keep_freed_memory():
    # The compiled code allocates its scratch on every call; glibc would hand
    # large blocks back to the system and every call would fault them in
    # again. Done once, for the process, as longctx-run does.
    global _native_memory_kept
    if not _native_memory_kept:
        _native.keep_freed_memory()
        _native_memory_kept = True


def _option_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_option_value(v) for v in value)
    return str(value)


def _pass_with_options(name, options):
    if not options:
        return name
    text = " ".join(
        f"{key.replace('_', '-')}={_option_value(value)}"
        for key, value in options.items()
    )
    return f"{name}{{{text}}}"


def _is_path(source):
    if isinstance(source, os.PathLike):
        return True
    if not isinstance(source, str):
        raise TypeError(
            "source must be MLIR text or the path of an .mlir or .onnx file, "
            f"got {type(source).__name__}"
        )
    if "\n" in source or "{" in source:
        return False
    return source.endswith((".mlir", ".onnx")) or os.path.exists(source)


def _dims(dims):
    dims = dict(dims or {})
    for name, value in dims.items():
        if not isinstance(name, str) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"dims maps names to ints, got {name!r}: {value!r}")
    return {name: int(value) for name, value in dims.items()}


def _stream_dim(stream_dim):
    if stream_dim is None:
        return -1
    if not isinstance(stream_dim, (int, np.integer)) or stream_dim < 0:
        raise ValueError(f"stream_dim must be a non-negative int, got {stream_dim!r}")
    return int(stream_dim)


def import_onnx(path, dims=None, stream_dim=None, func_name="main"):
    """An ONNX model as MLIR text (what longctx-import-onnx prints).

    dims: values of symbolic dimensions ({"seq": 512}); stream_dim: tag the
    inputs' and outputs' dimension that streams (longctx.stream_dim).
    """
    return _native.import_onnx(
        os.fspath(path), func_name, _dims(dims), _stream_dim(stream_dim)
    )


def run_passes(mlir, pipeline):
    """MLIR text through a textual pass pipeline ("a,b{opt=1}"), printed."""
    if not isinstance(mlir, str) or not isinstance(pipeline, str):
        raise TypeError("run_passes takes MLIR text and a pipeline string")
    return _native.run_passes(mlir, pipeline)


def _lowering(pipeline, threads):
    if threads is not None:
        if not isinstance(threads, (int, np.integer)) or threads < 1:
            raise ValueError(f"threads must be a positive int, got {threads!r}")
    if pipeline is not None:
        return pipeline
    if threads == 1:
        return "longctx-lower-to-cpu{threads=false}"
    return "longctx-lower-to-cpu"


def compile(source, rewrite=None, *, entry=None, pipeline=None, threads=None,
            dims=None, stream_dim=None, func_name="main", opt_level=3,
            **options):
    """Compiles MLIR text, an .mlir file or an .onnx model for this CPU.

    rewrite: None (as written), "infini", "titans" or "kv-cache": the
    attention is raised (longctx-raise-attention) and rewritten by that
    pass, with `options` as its options (segment_length=512 is
    segment-length=512). pipeline: the lowering (default
    longctx-lower-to-cpu). threads: None for every core, 1 for
    single-threaded code, n for n OpenMP threads. entry: the function that
    calling the module runs (default: its only function). dims, stream_dim,
    func_name: the ONNX import's (see import_onnx).
    """
    rewrites = []
    if rewrite is not None:
        if rewrite not in REWRITES:
            raise ValueError(
                f"unknown rewrite {rewrite!r} (known: {', '.join(REWRITES)})"
            )
        rewrites = ["longctx-raise-attention",
                    _pass_with_options(REWRITES[rewrite], options)]
    elif options:
        raise TypeError(
            f"options {', '.join(sorted(options))} are a rewrite's: name the "
            "rewrite (rewrite='infini', 'titans' or 'kv-cache')"
        )
    lowering = _lowering(pipeline, threads)
    is_path = _is_path(source)
    text = os.fspath(source) if is_path else source
    if is_path and not os.path.exists(text):
        raise FileNotFoundError(f"no such file: '{text}'")
    _keep_freed_memory()
    native = _native.compile(text, not is_path, ",".join(rewrites), lowering,
                             func_name,
                             _dims(dims), _stream_dim(stream_dim),
                             int(opt_level))
    return Module(native, entry, threads if threads and threads > 1 else 0)


def compile_torch(model, example_inputs, rewrite=None, *, input_names=None,
                  dynamic_axes=None, opset_version=17, **kwargs):
    """Exports a torch.nn.Module with torch.onnx.export and compiles it.

    example_inputs: a tuple of tensors (the shapes it is compiled for);
    the other arguments are compile's.
    """
    try:
        import torch
    except ImportError as e:
        raise ImportError("compile_torch needs PyTorch (python3-torch)") from e
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        model.eval()
        with torch.no_grad():
            torch.onnx.export(model, tuple(example_inputs), path,
                              opset_version=opset_version,
                              input_names=input_names,
                              dynamic_axes=dynamic_axes)
        return compile(path, rewrite, **kwargs)


class Function:
    """The signature of a compiled function."""

    def __init__(self, info):
        self.name = info["name"]
        self.args = info["args"]
        self.results = info["results"]
        self.chunk_length = info["chunk_length"]
        #: Arguments the caller gives (not state, not parameters).
        self.data_args = [
            i for i, a in enumerate(self.args)
            if a["state_result"] is None and a["init"] is None
        ]
        self.state_args = [
            i for i, a in enumerate(self.args) if a["state_result"] is not None
        ]
        state_results = {self.args[i]["state_result"] for i in self.state_args}
        #: Results that are not state.
        self.data_results = [
            r for r in range(len(self.results)) if r not in state_results
        ]

    def initial_value(self, i):
        """Argument i's initial value: zeros, or its longctx.init."""
        arg = self.args[i]
        if any(d is None for d in arg["shape"]):
            raise ValueError(
                f"@{self.name}: argument {i} ({arg['type']}) has a dynamic "
                "shape and no initial value; pass every argument"
            )
        value = 0 if arg["init"] is None else arg["init"]
        return np.full(arg["shape"], value, dtype=arg["dtype"])

    def __repr__(self):
        def show(a):
            tags = []
            if a["stream_dim"] is not None:
                tags.append(f"stream_dim={a['stream_dim']}")
            if a["state_result"] is not None:
                tags.append(f"state={a['state_result']}")
            if a["init"] is not None:
                tags.append(f"init={a['init']}")
            return a["type"] + (f" [{' '.join(tags)}]" if tags else "")
        args = ", ".join(show(a) for a in self.args)
        results = ", ".join(show(a) for a in self.results)
        return f"@{self.name}({args}) -> ({results})"


def _as_argument(value, arg):
    if isinstance(value, np.ndarray):
        return value
    # Python numbers and lists: converted to the argument's dtype.
    return np.ascontiguousarray(np.asarray(value, dtype=arg["dtype"]))


def _unpack(results):
    return results[0] if len(results) == 1 else tuple(results)


class Module:
    """A compiled module: call its entry, any function, or stream it."""

    def __init__(self, native, entry, threads):
        self._native = native
        self._threads = threads
        self._functions = {}
        names = native.functions
        if entry is not None and entry not in names:
            raise KeyError(f"no function @{entry} (functions: "
                           f"{', '.join('@' + n for n in names) or 'none'})")
        self.entry = entry if entry is not None else (
            names[0] if len(names) == 1 else None)

    @property
    def functions(self):
        """The names of the module's functions."""
        return list(self._native.functions)

    @property
    def compile_seconds(self):
        return self._native.compile_seconds

    def signature(self, name=None):
        """The Function (arguments, results, streaming) of `name`."""
        name = self._entry_name(name)
        if name not in self._functions:
            self._functions[name] = Function(self._native.describe(name))
        return self._functions[name]

    def _entry_name(self, name):
        if name is not None:
            return name
        if self.entry is None:
            if not self.functions:
                raise TypeError("the module has no function to call")
            raise TypeError(
                "the module has functions "
                f"{', '.join('@' + n for n in self.functions)}: name one "
                "(compile(..., entry=NAME) or module.call(NAME, ...))"
            )
        return self.entry

    def __call__(self, *args):
        return self.call(None, *args)

    def call(self, name, *args):
        """Calls function `name` (None: the entry).

        With every argument given, returns every result. A function with
        state or parameters can also take only its other arguments: its state
        starts at zero and its parameters at their initial values, and only
        the results that are not state come back.
        """
        fn = self.signature(name)
        if len(args) == len(fn.args):
            full = [_as_argument(v, fn.args[i]) for i, v in enumerate(args)]
            return _unpack(self.call_raw(fn, full))
        if len(args) == len(fn.data_args) < len(fn.args):
            full = [fn.initial_value(i) for i in range(len(fn.args))]
            for i, value in zip(fn.data_args, args):
                full[i] = _as_argument(value, fn.args[i])
            results = self.call_raw(fn, full)
            return _unpack([results[r] for r in fn.data_results])
        given = len(fn.args)
        if len(fn.data_args) < given:
            raise TypeError(
                f"@{fn.name} takes {given} arguments, or "
                f"{len(fn.data_args)} without its state and parameters; "
                f"got {len(args)}"
            )
        raise TypeError(f"@{fn.name} takes {given} arguments, got {len(args)}")

    def call_raw(self, fn, args):
        """Every argument of Function `fn` in, the list of results out."""
        return self._native.call(fn.name, list(args), self._threads)

    def stream(self, name=None):
        """A Stream over function `name` (None: the entry)."""
        return Stream(self, self.signature(name))

    def __repr__(self):
        return (f"<longctx.Module {', '.join('@' + n for n in self.functions)}"
                f" compiled in {self.compile_seconds:.2f} s>")


class Stream:
    """A function called chunk after chunk, its state carried between calls.

    Call it with the function's other arguments (one chunk each); `run`
    cuts whole inputs into chunks. `save` and `load` write and read the
    state as longctx-run's --save-state and --load-state do
    (<dir>/state<argument>.npy).
    """

    def __init__(self, module, fn):
        self._module = module
        self.function = fn
        if not fn.state_args:
            # As longctx-run warns: no rewrite applied, or none was asked.
            warnings.warn(
                f"@{fn.name} takes no state (no argument tagged longctx.state):"
                " each call of the stream sees only its own tokens, as if no "
                "long-context rewrite had applied", stacklevel=3)
        self._args = [fn.initial_value(i) if i not in fn.data_args else None
                      for i in range(len(fn.args))]
        #: Tokens and calls so far.
        self.tokens = 0
        self.calls = 0

    @property
    def chunk_length(self):
        return self.function.chunk_length

    @property
    def state(self):
        """The state arguments, {argument index: a copy}."""
        return {i: self._args[i].copy() for i in self.function.state_args}

    def reset(self):
        for i in self.function.state_args:
            self._args[i][...] = self.function.initial_value(i)
        self.tokens = self.calls = 0

    def __call__(self, *args):
        fn = self.function
        if len(args) != len(fn.data_args):
            raise TypeError(
                f"a stream of @{fn.name} takes {len(fn.data_args)} arguments "
                f"(its state is the stream's), got {len(args)}"
            )
        full = list(self._args)
        for i, value in zip(fn.data_args, args):
            full[i] = _as_argument(value, fn.args[i])
        results = self._module.call_raw(fn, full)
        for i in fn.state_args:
            result = results[fn.args[i]["state_result"]]
            if result is not self._args[i]:
                np.copyto(self._args[i], result)
        self.tokens += fn.chunk_length
        self.calls += 1
        return _unpack([results[r] for r in fn.data_results])

    def run(self, *inputs, progress=False):
        """Streams whole inputs: each streamed argument (longctx.stream_dim)
        cut into chunks, the other arguments given every call. Returns the
        streamed results joined along their stream dim and the others of
        the last call. progress: a tqdm bar when tqdm is installed, else a
        line every tenth of the way (stderr).
        """
        fn = self.function
        if len(inputs) != len(fn.data_args):
            raise TypeError(
                f"a stream of @{fn.name} takes {len(fn.data_args)} arguments, "
                f"got {len(inputs)}"
            )
        chunk = fn.chunk_length
        if chunk == 0:
            raise ValueError(f"@{fn.name} has no streamed argument "
                             "(longctx.stream_dim; compile with stream_dim=)")
        inputs = [np.asarray(x) for x in inputs]
        total = None
        for i, x in zip(fn.data_args, inputs):
            d = fn.args[i]["stream_dim"]
            if d is None:
                continue
            if x.ndim != len(fn.args[i]["shape"]):
                raise ValueError(f"argument {i}: expected rank "
                                 f"{len(fn.args[i]['shape'])}, got {x.ndim}")
            if total is not None and x.shape[d] != total:
                raise ValueError("streamed inputs disagree on their length "
                                 f"({total} and {x.shape[d]})")
            total = x.shape[d]
        if total % chunk != 0:
            raise ValueError(f"{total} tokens are not whole chunks of {chunk}")
        calls = total // chunk
        outputs = [None] * len(fn.data_results)
        report = _Progress(total, progress)
        for c in range(calls):
            args = []
            for i, x in zip(fn.data_args, inputs):
                d = fn.args[i]["stream_dim"]
                if d is not None:
                    index = [slice(None)] * x.ndim
                    index[d] = slice(c * chunk, (c + 1) * chunk)
                    x = np.ascontiguousarray(x[tuple(index)])
                args.append(x)
            results = self(*args)
            if len(fn.data_results) == 1:
                results = (results,)
            for k, (r, y) in enumerate(zip(fn.data_results, results)):
                d = fn.results[r]["stream_dim"]
                if d is None:
                    outputs[k] = y
                    continue
                if outputs[k] is None:
                    shape = list(y.shape)
                    shape[d] = y.shape[d] * calls
                    outputs[k] = np.empty(shape, dtype=y.dtype)
                index = [slice(None)] * y.ndim
                index[d] = slice(c * y.shape[d], (c + 1) * y.shape[d])
                outputs[k][tuple(index)] = y
            report.update(chunk)
        report.close()
        return _unpack(outputs)

    def save(self, path):
        """Writes the state to <path>/state<argument>.npy."""
        os.makedirs(path, exist_ok=True)
        for i in self.function.state_args:
            np.save(os.path.join(path, f"state{i}.npy"), self._args[i])

    def load(self, path):
        """Reads the state from <path>/state<argument>.npy, every file
        checked against this stream's state before any is taken."""
        loaded = {}
        for i in self.function.state_args:
            arg = self.function.args[i]
            file = os.path.join(path, f"state{i}.npy")
            if not os.path.exists(file):
                raise FileNotFoundError(f"no state file '{file}' for argument "
                                        f"{i} ({arg['type']})")
            value = np.load(file, allow_pickle=False)
            if value.shape != self._args[i].shape or value.dtype != arg["dtype"]:
                raise ValueError(
                    f"'{file}' holds {value.dtype} {value.shape}, argument {i} "
                    f"of @{self.function.name} is {arg['type']}: a state of "
                    "another model"
                )
            loaded[i] = value
        for i, value in loaded.items():
            np.copyto(self._args[i], value)


class _Progress:
    """A tqdm bar, or a line every tenth of the way."""

    def __init__(self, total, enabled):
        self.total, self.done, self.enabled = total, 0, enabled
        self.start = time.perf_counter()
        self.next_tenth = 1
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, unit="tok", unit_scale=True)
            except ImportError:
                pass

    def update(self, tokens):
        self.done += tokens
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(tokens)
            return
        if self.done * 10 < self.next_tenth * self.total:
            return
        seconds = time.perf_counter() - self.start
        print(f"longctx: streamed {self.done}/{self.total} tokens, "
              f"{self.done / max(seconds, 1e-9):.0f} tokens/s",
              file=sys.stderr)
        while self.done * 10 >= self.next_tenth * self.total:
            self.next_tenth += 1

    def close(self):
        if self.bar is not None:
            self.bar.close()
