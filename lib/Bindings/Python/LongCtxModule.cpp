//===- LongCtxModule.cpp - The longctx._longctx Python extension ----------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// NumPy arrays in and out of modules compiled by the runtime library
// (longctx/Runner/HostModule.h). Arguments are passed without a copy (they
// must be C-contiguous, aligned and of the argument's dtype); results the
// compiled code allocated become arrays over that memory, freed with them;
// a result that is an argument's buffer (state updated in place) is that
// argument; any other result is copied once. The pure-Python layer
// (longctx/compiler.py) builds the public API on these functions.
//
//===----------------------------------------------------------------------===//

#include "longctx/Runner/HostModule.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

namespace py = pybind11;
using namespace mlir::longctx::runner;

namespace {

/// The exception every compile failure raises: the compiler's message,
/// with the diagnostics and their locations.
PyObject *compileError = nullptr;

[[noreturn]] void raise(PyObject *type, const std::string &message) {
  PyErr_SetString(type, message.c_str());
  throw py::error_already_set();
}

const char *getDTypeName(ElementType type) {
  switch (type) {
  case ElementType::F16:
    return "float16";
  case ElementType::F32:
    return "float32";
  case ElementType::F64:
    return "float64";
  case ElementType::I1:
    return "bool";
  case ElementType::I32:
    return "int32";
  case ElementType::I64:
    return "int64";
  }
  return "float32";
}

py::dtype toNumPy(ElementType type) { return py::dtype(getDTypeName(type)); }

std::optional<ElementType> fromNumPy(const py::dtype &dtype) {
  for (ElementType type :
       {ElementType::F16, ElementType::F32, ElementType::F64, ElementType::I1,
        ElementType::I32, ElementType::I64})
    if (dtype.equal(toNumPy(type)))
      return type;
  return std::nullopt;
}

py::object optionalInt(int64_t value) {
  return value < 0 ? py::object(py::none()) : py::object(py::int_(value));
}

py::tuple shapeTuple(const std::vector<int64_t> &shape) {
  py::tuple tuple(shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    tuple[i] = optionalInt(shape[i]);
  return tuple;
}

/// The host view of argument `i`, checked: an ndarray of the argument's
/// dtype, C-contiguous and aligned.
HostArray toHostArray(const FunctionInfo &function, size_t i,
                      const py::handle &object) {
  const ArrayInfo &info = function.args[i];
  std::string what = "@" + function.name + ": argument " + std::to_string(i);
  if (!py::isinstance<py::array>(object))
    raise(PyExc_TypeError, what + " must be a numpy.ndarray, got " +
                               std::string(py::str(object.get_type())));
  auto array = py::reinterpret_borrow<py::array>(object);
  std::optional<ElementType> type = fromNumPy(array.dtype());
  if (!type || *type != info.elementType)
    raise(PyExc_TypeError,
          what + " must be " + getDTypeName(info.elementType) + " for " +
              info.type + ", got " + std::string(py::str(array.dtype())));
  int flags = array.flags();
  if (!(flags & py::array::c_style))
    raise(PyExc_ValueError,
          what + " is not C-contiguous (pass numpy.ascontiguousarray(x))");
  if (!(flags & py::detail::npy_api::NPY_ARRAY_ALIGNED_))
    raise(PyExc_ValueError, what + " is not aligned (pass a copy)");
  HostArray host;
  host.data = const_cast<void *>(array.data());
  host.shape.assign(array.shape(), array.shape() + array.ndim());
  host.elementType = *type;
  return host;
}

/// Result `r` as an array: the argument it is, the compiled code's memory
/// (freed with the array), or a copy.
py::object toNumPyResult(const ArrayInfo &info, const HostResult &result,
                         const py::list &args) {
  if (result.aliasedArgument >= 0)
    return args[result.aliasedArgument];
  int64_t size = getElementSize(info.elementType);
  std::vector<py::ssize_t> shape(result.shape.begin(), result.shape.end());
  std::vector<py::ssize_t> strides;
  for (int64_t stride : result.strides)
    strides.push_back(stride * size);
  if (!result.owned)
    return py::array(toNumPy(info.elementType), shape, strides, result.data);
  py::capsule owner(result.owned, [](void *block) { std::free(block); });
  return py::array(toNumPy(info.elementType), shape, strides, result.data,
                   owner);
}

/// A compiled module, shared by the Python objects that call it.
class PyModule {
public:
  explicit PyModule(std::unique_ptr<HostModule> module)
      : module(std::move(module)) {}

  const FunctionInfo &lookup(const std::string &name) const {
    std::string message;
    const FunctionInfo *function = module->lookup(name, message);
    if (!function)
      raise(PyExc_KeyError, message);
    return *function;
  }

  py::list getFunctions() const {
    py::list names;
    for (const FunctionInfo &function : module->getFunctions())
      names.append(function.name);
    return names;
  }

  double getCompileSeconds() const { return module->getCompileSeconds(); }

  /// Every argument given, every result returned.
  py::list call(const std::string &name, const py::list &args, int threads) {
    const FunctionInfo &function = lookup(name);
    if (args.size() != function.args.size())
      raise(PyExc_TypeError, "@" + name + " takes " +
                                 std::to_string(function.args.size()) +
                                 " arguments, got " +
                                 std::to_string(args.size()));
    std::vector<HostArray> hostArgs;
    for (size_t i = 0; i < args.size(); ++i)
      hostArgs.push_back(toHostArray(function, i, args[i]));
    std::vector<HostResult> results;
    std::string message;
    bool ok;
    {
      py::gil_scoped_release release;
      ok = module->call(function, hostArgs, results, threads, message);
    }
    if (!ok)
      raise(PyExc_ValueError, message);
    py::list out;
    for (size_t r = 0; r < results.size(); ++r)
      out.append(toNumPyResult(function.results[r], results[r], args));
    return out;
  }

private:
  std::unique_ptr<HostModule> module;
};

py::dict describeArray(const ArrayInfo &info) {
  py::dict dict;
  dict["dtype"] = toNumPy(info.elementType);
  dict["shape"] = shapeTuple(info.shape);
  dict["type"] = info.type;
  dict["stream_dim"] = optionalInt(info.streamDim);
  dict["state_result"] = optionalInt(info.stateResult);
  dict["init"] = info.hasInit ? py::object(py::float_(info.init))
                              : py::object(py::none());
  dict["kv_capacity"] = optionalInt(info.kvCapacity);
  dict["kv_tokens"] = optionalInt(info.kvTokens);
  return dict;
}

py::dict describeFunction(const FunctionInfo &function) {
  py::dict dict;
  dict["name"] = function.name;
  py::list args, results;
  for (const ArrayInfo &info : function.args)
    args.append(describeArray(info));
  for (const ArrayInfo &info : function.results)
    results.append(describeArray(info));
  dict["args"] = args;
  dict["results"] = results;
  dict["chunk_length"] = function.chunkLength;
  return dict;
}

CompileOptions makeOptions(std::string source, bool isText,
                           const std::string &funcName, const py::dict &dims,
                           int64_t streamDim) {
  CompileOptions options;
  options.source = std::move(source);
  options.isText = isText;
  options.funcName = funcName;
  for (auto [name, value] : dims)
    options.dims.emplace_back(py::cast<std::string>(name),
                              py::cast<int64_t>(value));
  options.streamDim = streamDim;
  return options;
}

} // namespace

PYBIND11_MODULE(_longctx, m) {
  m.doc() = "longctx's runtime library: compile modules and call them on "
            "NumPy arrays (use the longctx package's API)";
  static py::exception<std::runtime_error> compileErrorType(
      m, "CompileError", PyExc_RuntimeError);
  compileError = compileErrorType.ptr();

  py::class_<PyModule>(m, "_Module")
      .def_property_readonly("functions", &PyModule::getFunctions)
      .def_property_readonly("compile_seconds", &PyModule::getCompileSeconds)
      .def(
          "describe",
          [](const PyModule &self, const std::string &name) {
            return describeFunction(self.lookup(name));
          },
          py::arg("name"))
      .def("call", &PyModule::call, py::arg("name"), py::arg("args"),
           py::arg("threads") = 0);

  m.def(
      "compile",
      [](const std::string &source, bool isText, const std::string &rewrite,
         const std::string &pipeline, const std::string &funcName,
         const py::dict &dims, int64_t streamDim, unsigned optLevel) {
        CompileOptions options =
            makeOptions(source, isText, funcName, dims, streamDim);
        options.rewritePipeline = rewrite;
        options.pipeline = pipeline;
        options.optLevel = optLevel;
        std::string message;
        std::unique_ptr<HostModule> module;
        {
          py::gil_scoped_release release;
          module = HostModule::compile(options, message);
        }
        if (!module)
          raise(compileError, message);
        return std::make_unique<PyModule>(std::move(module));
      },
      py::arg("source"), py::arg("is_text"), py::arg("rewrite"),
      py::arg("pipeline"),
      py::arg("func_name"), py::arg("dims"), py::arg("stream_dim"),
      py::arg("opt_level"));
  m.def(
      "import_onnx",
      [](const std::string &path, const std::string &funcName,
         const py::dict &dims, int64_t streamDim) {
        CompileOptions options =
            makeOptions(path, /*isText=*/false, funcName, dims, streamDim);
        std::string text, message;
        if (!importONNX(options, text, message))
          raise(compileError, message);
        return text;
      },
      py::arg("path"), py::arg("func_name"), py::arg("dims"),
      py::arg("stream_dim"));
  m.def(
      "run_passes",
      [](const std::string &input, const std::string &pipeline) {
        std::string text, message;
        if (!runPasses(input, pipeline, text, message))
          raise(compileError, message);
        return text;
      },
      py::arg("text"), py::arg("pipeline"));
  m.def("keep_freed_memory", &keepFreedMemoryForCalls);
}
