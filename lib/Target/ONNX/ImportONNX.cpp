//===- ImportONNX.cpp - Import ONNX models as linalg on tensors -----------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Walks the nodes of an ONNX graph in order (the format requires topological
// order) and emits, for each, linalg/tensor/arith/math ops on static shapes.
// Every value whose contents are known while importing (initializers,
// Constant nodes, shapes of static tensors and what is computed from them
// alone) is also kept on the host, so shape arithmetic folds away and only
// the constants that reach a real computation are materialised as
// `arith.constant` dense tensors.
//
// The forms emitted are the ones `longctx-raise-attention` recognises:
// 2-D MatMul as linalg.matmul, 3-D as linalg.batch_matmul, 4-D and more as
// a linalg.generic (parallel batch/row/column loops, one reduction) into a
// zero linalg.fill; Softmax as linalg.softmax; Transpose as
// linalg.transpose; elementwise ops as broadcasting linalg.generics whose
// splat-constant operands are scalars captured from above.
//
//===----------------------------------------------------------------------===//

#include "longctx/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

// Debian's libonnx-dev ships the ONNX-ML flavour of the schema only.
#ifndef ONNX_ML
#define ONNX_ML 1
#endif
#include "onnx/onnx_pb.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::longctx;

namespace {

/// Largest constant (in elements) computed on the host while importing;
/// larger results are emitted as IR.
constexpr int64_t kFoldLimit = int64_t(1) << 22;

std::string shapeString(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(shape, os, "x");
  return s;
}

std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

int64_t numElements(ArrayRef<int64_t> shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Contents of a tensor known while importing. Floating-point elements are
/// kept as doubles, integer and boolean elements as int64.
struct HostTensor {
  RankedTensorType type;
  std::vector<double> f;
  std::vector<int64_t> i;

  bool isFloat() const { return isa<FloatType>(type.getElementType()); }
  int64_t size() const { return type.getNumElements(); }
  double get(int64_t k) const {
    return isFloat() ? f[k] : static_cast<double>(i[k]);
  }
  int64_t getInt(int64_t k) const {
    return isFloat() ? static_cast<int64_t>(f[k]) : i[k];
  }
  bool isSplat() const {
    for (int64_t k = 1, e = size(); k < e; ++k)
      if (isFloat() ? f[k] != f[0] : i[k] != i[0])
        return false;
    return size() > 0;
  }

  static HostTensor zeros(RankedTensorType type) {
    HostTensor t;
    t.type = type;
    if (t.isFloat())
      t.f.assign(type.getNumElements(), 0.0);
    else
      t.i.assign(type.getNumElements(), 0);
    return t;
  }
  /// Stores `value` (a double) at `k`, converting to the element type.
  void setFromDouble(int64_t k, double value) {
    if (isFloat()) {
      f[k] = value;
      return;
    }
    unsigned width = type.getElementType().getIntOrFloatBitWidth();
    if (width == 1) {
      i[k] = value != 0.0;
      return;
    }
    if (std::isnan(value))
      value = 0;
    value = std::trunc(value);
    if (value >= 9.2233720368547758e18)
      i[k] = std::numeric_limits<int64_t>::max();
    else if (value <= -9.2233720368547758e18)
      i[k] = std::numeric_limits<int64_t>::min();
    else
      i[k] = static_cast<int64_t>(value);
  }
  /// Copies element `from` of `src` (same element type) to `k`.
  void copyFrom(int64_t k, const HostTensor &src, int64_t from) {
    if (isFloat())
      f[k] = src.f[from];
    else
      i[k] = src.i[from];
  }
};

/// An ONNX value: its type, the SSA value once materialised, and its
/// contents when they are known while importing.
struct Tensor {
  RankedTensorType type;
  Value value;
  std::optional<HostTensor> host;
};

/// Scalar computation of one elementwise op: the IR body (operands are the
/// per-element values, in the operands' element types) and its host
/// evaluation (in doubles; `intResult` when the result is an integer).
struct Elementwise {
  std::function<Value(OpBuilder &, Location, ArrayRef<Value>)> ir;
  std::function<double(ArrayRef<double>, bool intResult)> host;
};

class Importer {
public:
  Importer(MLIRContext *ctx, const ONNXImportOptions &options)
      : ctx(ctx), builder(ctx), options(options) {}

  llvm::Expected<OwningOpRef<ModuleOp>> run(const onnx::ModelProto &model);

private:
  // Diagnostics ------------------------------------------------------------
  LogicalResult fail(const Twine &message) {
    std::string prefix;
    if (node)
      prefix = "node '" + nodeName + "' (" + node->op_type() + "): ";
    error = prefix + message.str();
    return failure();
  }

  // Types and constants ----------------------------------------------------
  FailureOr<Type> convertElementType(int32_t onnxType, const Twine &what);
  FailureOr<HostTensor> readTensorProto(const onnx::TensorProto &proto,
                                        const Twine &what);
  Value materialize(Tensor &t);
  DenseElementsAttr toAttr(const HostTensor &t);
  Value scalarConstant(Type type, double value);

  // Attributes ---------------------------------------------------------------
  const onnx::AttributeProto *findAttr(StringRef name);
  FailureOr<int64_t> getIntAttr(StringRef name, std::optional<int64_t> dflt);
  FailureOr<double> getFloatAttr(StringRef name, std::optional<double> dflt);
  FailureOr<SmallVector<int64_t>> getIntsAttr(StringRef name);
  FailureOr<std::string> getStringAttr(StringRef name, StringRef dflt);

  // Operand helpers ----------------------------------------------------------
  Tensor *input(unsigned i) { return i < inputs.size() ? inputs[i] : nullptr; }
  FailureOr<Tensor *> requiredInput(unsigned i);
  FailureOr<SmallVector<int64_t>> constantInts(Tensor *t, StringRef what);
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);
  void setOutput(unsigned i, Tensor t);
  Tensor makeValue(Value v) {
    return Tensor{cast<RankedTensorType>(v.getType()), v, std::nullopt};
  }
  Tensor makeHost(HostTensor h) {
    RankedTensorType type = h.type;
    return Tensor{type, Value(), std::move(h)};
  }
  Value emptyTensor(ArrayRef<int64_t> shape, Type elementType) {
    return tensor::EmptyOp::create(builder, loc, shape, elementType);
  }
  Value zeroFilled(ArrayRef<int64_t> shape, Type elementType);

  // Emitters ---------------------------------------------------------------
  FailureOr<SmallVector<int64_t>>
  broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes);
  FailureOr<Tensor> elementwise(ArrayRef<Tensor *> operands, Type resultType,
                                const Elementwise &op);
  Value reshapeValue(Value v, ArrayRef<int64_t> shape);
  Tensor reshapeTensor(Tensor &t, ArrayRef<int64_t> shape);
  Value collapseDims(Value v, ArrayRef<bool> drop);
  Value broadcastTo(Value v, ArrayRef<int64_t> shape);
  Value transposeValue(Value v, ArrayRef<int64_t> perm);
  FailureOr<Value> matmul(Value a, Value b);
  Value reduce(Value v, ArrayRef<int64_t> axes, bool keepDims, bool isMax);
  Value extractSlice(Value v, ArrayRef<int64_t> offsets,
                     ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides);

  // Operators ----------------------------------------------------------------
  LogicalResult importNode(const onnx::NodeProto &n, unsigned index);
  LogicalResult importElementwise(StringRef op);
  LogicalResult importMatMul();
  LogicalResult importGemm();
  LogicalResult importEinsum();
  LogicalResult importSoftmax();
  LogicalResult importTranspose();
  LogicalResult importReshape();
  LogicalResult importUnsqueeze();
  LogicalResult importSqueeze();
  LogicalResult importFlatten();
  LogicalResult importSplit();
  LogicalResult importSlice();
  LogicalResult importConcat();
  LogicalResult importGather();
  LogicalResult importTrilu();
  LogicalResult importCast();
  LogicalResult importConstant();
  LogicalResult importShape();
  LogicalResult importConstantOfShape();
  LogicalResult importRange();
  LogicalResult importExpand();
  LogicalResult importLayerNorm();
  LogicalResult importReduce(StringRef op);
  LogicalResult importIdentity();

  MLIRContext *ctx;
  OpBuilder builder;
  const ONNXImportOptions &options;
  Location loc = UnknownLoc::get(ctx);
  int64_t opset = 0;
  llvm::StringMap<Tensor> values;
  std::string error;

  // The node being imported.
  const onnx::NodeProto *node = nullptr;
  std::string nodeName;
  SmallVector<Tensor *> inputs;
};

} // namespace

/// A host tensor of `outType` whose element at each multi-index is element
/// `srcIndex(index)` of `src`.
static HostTensor
permuteHost(const HostTensor &src, RankedTensorType outType,
            llvm::function_ref<int64_t(ArrayRef<int64_t>)> srcIndex) {
  HostTensor out = HostTensor::zeros(outType);
  SmallVector<int64_t> idx(outType.getRank(), 0);
  for (int64_t k = 0, e = out.size(); k < e; ++k) {
    out.copyFrom(k, src, srcIndex(idx));
    for (int64_t d = outType.getRank() - 1; d >= 0; --d) {
      if (++idx[d] < outType.getDimSize(d))
        break;
      idx[d] = 0;
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Types, constants and attributes
//===----------------------------------------------------------------------===//

FailureOr<Type> Importer::convertElementType(int32_t onnxType,
                                             const Twine &what) {
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return Type(Float32Type::get(ctx));
  case onnx::TensorProto::DOUBLE:
    return Type(Float64Type::get(ctx));
  case onnx::TensorProto::FLOAT16:
    return Type(Float16Type::get(ctx));
  case onnx::TensorProto::BFLOAT16:
    return Type(BFloat16Type::get(ctx));
  case onnx::TensorProto::INT64:
    return Type(IntegerType::get(ctx, 64));
  case onnx::TensorProto::INT32:
    return Type(IntegerType::get(ctx, 32));
  case onnx::TensorProto::INT8:
    return Type(IntegerType::get(ctx, 8));
  case onnx::TensorProto::BOOL:
    return Type(IntegerType::get(ctx, 1));
  default:
    break;
  }
  std::string name =
      onnx::TensorProto::DataType_IsValid(onnxType)
          ? onnx::TensorProto::DataType_Name(
                static_cast<onnx::TensorProto::DataType>(onnxType))
          : std::to_string(onnxType);
  (void)fail(what + " has unsupported element type " + name +
             " (supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT64, INT32, "
             "INT8, BOOL)");
  return failure();
}

FailureOr<HostTensor> Importer::readTensorProto(const onnx::TensorProto &proto,
                                                const Twine &what) {
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return fail(what + " keeps its data in an external file, which is not "
                       "supported (save the model with the weights inside)");
  FailureOr<Type> elementType = convertElementType(proto.data_type(), what);
  if (failed(elementType))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t d : proto.dims()) {
    if (d < 0)
      return fail(what + " has a negative dimension " + Twine(d));
    shape.push_back(d);
  }
  // The element count, checked, and the data's, before any allocation.
  int64_t n = 1;
  for (int64_t d : shape)
    if (llvm::MulOverflow(n, d, n) || n > (int64_t(1) << 31))
      return fail(what + " is too large (" + shapeString(shape) + ")");
  unsigned bits = elementType->getIntOrFloatBitWidth();
  unsigned bytes = bits == 1 ? 1 : bits / 8;
  auto sizeError = [&](int64_t got) {
    return fail(what + " has " + Twine(got) + " elements of data for shape " +
                shapeString(shape) + " (" + Twine(n) + " elements)");
  };
  int64_t given;
  if (proto.has_raw_data())
    given = proto.raw_data().size() % bytes
                ? -1
                : static_cast<int64_t>(proto.raw_data().size() / bytes);
  else if (proto.data_type() == onnx::TensorProto::FLOAT)
    given = proto.float_data_size();
  else if (proto.data_type() == onnx::TensorProto::DOUBLE)
    given = proto.double_data_size();
  else if (proto.data_type() == onnx::TensorProto::INT64)
    given = proto.int64_data_size();
  else // INT32, INT8, BOOL, FLOAT16, BFLOAT16 live in int32_data.
    given = proto.int32_data_size();
  if (given != n)
    return sizeError(given < 0 ? static_cast<int64_t>(
                                     proto.raw_data().size() / bytes)
                               : given);
  HostTensor t = HostTensor::zeros(RankedTensorType::get(shape, *elementType));
  auto halfToDouble = [&](uint16_t v) {
    const llvm::fltSemantics &sem =
        elementType->isBF16() ? APFloat::BFloat() : APFloat::IEEEhalf();
    APFloat value(sem, APInt(16, v));
    return value.convertToDouble();
  };

  if (proto.has_raw_data()) {
    const char *p = proto.raw_data().data();
    for (int64_t k = 0; k < n; ++k, p += bytes) {
      switch (proto.data_type()) {
      case onnx::TensorProto::FLOAT: {
        float v;
        std::memcpy(&v, p, 4);
        t.f[k] = v;
        break;
      }
      case onnx::TensorProto::DOUBLE:
        std::memcpy(&t.f[k], p, 8);
        break;
      case onnx::TensorProto::FLOAT16:
      case onnx::TensorProto::BFLOAT16: {
        uint16_t v;
        std::memcpy(&v, p, 2);
        t.f[k] = halfToDouble(v);
        break;
      }
      case onnx::TensorProto::INT64:
        std::memcpy(&t.i[k], p, 8);
        break;
      case onnx::TensorProto::INT32: {
        int32_t v;
        std::memcpy(&v, p, 4);
        t.i[k] = v;
        break;
      }
      case onnx::TensorProto::INT8:
        t.i[k] = static_cast<int8_t>(*p);
        break;
      case onnx::TensorProto::BOOL:
        t.i[k] = *p != 0;
        break;
      }
    }
    return t;
  }

  switch (proto.data_type()) {
  case onnx::TensorProto::FLOAT:
    for (int64_t k = 0; k < n; ++k)
      t.f[k] = proto.float_data(k);
    break;
  case onnx::TensorProto::DOUBLE:
    for (int64_t k = 0; k < n; ++k)
      t.f[k] = proto.double_data(k);
    break;
  case onnx::TensorProto::INT64:
    for (int64_t k = 0; k < n; ++k)
      t.i[k] = proto.int64_data(k);
    break;
  default: // INT32, INT8, BOOL, FLOAT16, BFLOAT16 live in int32_data.
    for (int64_t k = 0; k < n; ++k) {
      if (t.isFloat())
        t.f[k] = halfToDouble(static_cast<uint16_t>(proto.int32_data(k)));
      else if (bits == 1)
        t.i[k] = proto.int32_data(k) != 0;
      else
        t.i[k] = proto.int32_data(k);
    }
    break;
  }
  return t;
}

DenseElementsAttr Importer::toAttr(const HostTensor &t) {
  Type elementType = t.type.getElementType();
  auto toAPFloat = [&](double v) {
    APFloat value(v);
    bool lost;
    value.convert(cast<FloatType>(elementType).getFloatSemantics(),
                  APFloat::rmNearestTiesToEven, &lost);
    return value;
  };
  auto toAPInt = [&](int64_t v) {
    return APInt(elementType.getIntOrFloatBitWidth(), v, /*isSigned=*/true,
                 /*implicitTrunc=*/true);
  };
  if (t.isSplat()) {
    if (t.isFloat())
      return DenseElementsAttr::get(t.type, toAPFloat(t.f[0]));
    return DenseElementsAttr::get(t.type, toAPInt(t.i[0]));
  }
  if (elementType.isF32()) {
    std::vector<float> data(t.f.begin(), t.f.end());
    return DenseElementsAttr::get(t.type, ArrayRef<float>(data));
  }
  if (elementType.isF64())
    return DenseElementsAttr::get(t.type, ArrayRef<double>(t.f));
  if (elementType.isInteger(64))
    return DenseElementsAttr::get(t.type, ArrayRef<int64_t>(t.i));
  if (t.isFloat())
    return DenseElementsAttr::get(
        t.type,
        llvm::map_to_vector(t.f, [&](double v) { return toAPFloat(v); }));
  return DenseElementsAttr::get(
      t.type, llvm::map_to_vector(t.i, [&](int64_t v) { return toAPInt(v); }));
}

Value Importer::materialize(Tensor &t) {
  if (!t.value) {
    assert(t.host && "a value is either emitted or known");
    t.value = arith::ConstantOp::create(builder, loc, toAttr(*t.host));
  }
  return t.value;
}

Value Importer::scalarConstant(Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(builder, loc,
                                     builder.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      builder, loc, builder.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value Importer::zeroFilled(ArrayRef<int64_t> shape, Type elementType) {
  Value zero = scalarConstant(elementType, 0.0);
  return linalg::FillOp::create(builder, loc, ValueRange{zero},
                                ValueRange{emptyTensor(shape, elementType)})
      .getResult(0);
}

const onnx::AttributeProto *Importer::findAttr(StringRef name) {
  for (const onnx::AttributeProto &attr : node->attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

FailureOr<int64_t> Importer::getIntAttr(StringRef name,
                                        std::optional<int64_t> dflt) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr) {
    if (dflt)
      return *dflt;
    return fail("missing required attribute '" + name + "'");
  }
  if (attr->type() != onnx::AttributeProto::INT)
    return fail("attribute '" + name + "' must be an int");
  return attr->i();
}

FailureOr<double> Importer::getFloatAttr(StringRef name,
                                         std::optional<double> dflt) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr) {
    if (dflt)
      return *dflt;
    return fail("missing required attribute '" + name + "'");
  }
  if (attr->type() != onnx::AttributeProto::FLOAT)
    return fail("attribute '" + name + "' must be a float");
  return static_cast<double>(attr->f());
}

FailureOr<SmallVector<int64_t>> Importer::getIntsAttr(StringRef name) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return SmallVector<int64_t>();
  if (attr->type() != onnx::AttributeProto::INTS)
    return fail("attribute '" + name + "' must be a list of ints");
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

FailureOr<std::string> Importer::getStringAttr(StringRef name, StringRef dflt) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return dflt.str();
  if (attr->type() != onnx::AttributeProto::STRING)
    return fail("attribute '" + name + "' must be a string");
  return attr->s();
}

FailureOr<Tensor *> Importer::requiredInput(unsigned i) {
  if (Tensor *t = input(i))
    return t;
  return fail("missing required input " + Twine(i));
}

FailureOr<SmallVector<int64_t>> Importer::constantInts(Tensor *t,
                                                       StringRef what) {
  if (!t->host)
    return fail(what + " must be a constant (computed from initializers, "
                       "Constant nodes and static shapes only)");
  if (!isa<IntegerType>(t->type.getElementType()))
    return fail(what + " must be an integer tensor, got " +
                typeString(t->type));
  SmallVector<int64_t> result;
  for (int64_t k = 0, e = t->host->size(); k < e; ++k)
    result.push_back(t->host->i[k]);
  return result;
}

FailureOr<int64_t> Importer::normalizeAxis(int64_t axis, int64_t rank) {
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank)
    return fail("axis " + Twine(axis) + " is out of range for rank " +
                Twine(rank));
  return normalized;
}

void Importer::setOutput(unsigned i, Tensor t) {
  if (static_cast<int>(i) < node->output_size() && !node->output(i).empty())
    values[node->output(i)] = std::move(t);
}

//===----------------------------------------------------------------------===//
// Emitters
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<int64_t>>
Importer::broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes) {
  size_t rank = 0;
  for (ArrayRef<int64_t> s : shapes)
    rank = std::max(rank, s.size());
  SmallVector<int64_t> result(rank, 1);
  for (ArrayRef<int64_t> s : shapes) {
    for (size_t d = 0; d < s.size(); ++d) {
      int64_t &r = result[rank - s.size() + d];
      int64_t v = s[d];
      if (v == r || v == 1)
        continue;
      if (r == 1) {
        r = v;
        continue;
      }
      std::string list;
      for (ArrayRef<int64_t> t : shapes)
        list += (list.empty() ? "" : ", ") + shapeString(t);
      return fail("cannot broadcast shapes " + list);
    }
  }
  return result;
}

FailureOr<Tensor> Importer::elementwise(ArrayRef<Tensor *> operands,
                                        Type resultType,
                                        const Elementwise &op) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Tensor *t : operands)
    shapes.push_back(t->type.getShape());
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(shapes);
  if (failed(shape))
    return failure();
  int64_t rank = shape->size();
  auto outType = RankedTensorType::get(*shape, resultType);

  // Everything known and small: compute on the host.
  bool allKnown = llvm::all_of(operands, [](Tensor *t) { return t->host; });
  if (allKnown && outType.getNumElements() <= kFoldLimit) {
    HostTensor out = HostTensor::zeros(outType);
    SmallVector<int64_t> outStrides = stridesOf(*shape);
    SmallVector<SmallVector<int64_t>> inStrides;
    for (Tensor *t : operands) {
      ArrayRef<int64_t> s = t->type.getShape();
      SmallVector<int64_t> strides = stridesOf(s), aligned(rank, 0);
      for (size_t d = 0; d < s.size(); ++d)
        aligned[rank - s.size() + d] = s[d] == 1 ? 0 : strides[d];
      inStrides.push_back(aligned);
    }
    SmallVector<double> args(operands.size());
    bool intResult = !out.isFloat();
    for (int64_t k = 0, e = out.size(); k < e; ++k) {
      for (size_t o = 0; o < operands.size(); ++o) {
        int64_t offset = 0, rem = k;
        for (int64_t d = 0; d < rank; ++d) {
          offset += (rem / outStrides[d]) * inStrides[o][d];
          rem %= outStrides[d];
        }
        args[o] = operands[o]->host->get(offset);
      }
      out.setFromDouble(k, op.host(args, intResult));
    }
    return makeHost(std::move(out));
  }

  // A linalg.generic with broadcasting maps; splat constants become scalars
  // captured from above.
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  SmallVector<int> argIndex; // block argument of each operand, -1: scalar
  SmallVector<Value> scalars;
  for (Tensor *t : operands) {
    if (t->host && t->host->isSplat() && !t->value) {
      argIndex.push_back(-1);
      scalars.push_back(
          scalarConstant(t->type.getElementType(), t->host->get(0)));
      continue;
    }
    ArrayRef<int64_t> s = t->type.getShape();
    SmallVector<AffineExpr> exprs;
    for (size_t d = 0; d < s.size(); ++d) {
      int64_t outDim = rank - s.size() + d;
      exprs.push_back(s[d] == 1 && (*shape)[outDim] != 1
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(outDim, ctx));
    }
    argIndex.push_back(ins.size());
    scalars.push_back(Value());
    ins.push_back(materialize(*t));
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = emptyTensor(*shape, resultType);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{outType}, ins, ValueRange{init}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange blockArgs) {
        SmallVector<Value> args;
        for (size_t o = 0; o < operands.size(); ++o)
          args.push_back(argIndex[o] < 0 ? scalars[o] : blockArgs[argIndex[o]]);
        linalg::YieldOp::create(b, l, op.ir(b, l, args));
      });
  return makeValue(generic.getResult(0));
}

Value Importer::reshapeValue(Value v, ArrayRef<int64_t> shape) {
  auto srcType = cast<RankedTensorType>(v.getType());
  auto dstType = RankedTensorType::get(shape, srcType.getElementType());
  if (srcType == dstType)
    return v;
  // Reshape the source of a reshape instead of chaining the two.
  if (auto expand = v.getDefiningOp<tensor::ExpandShapeOp>())
    return reshapeValue(expand.getSrc(), shape);
  if (auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>())
    return reshapeValue(collapse.getSrc(), shape);
  if (srcType.getRank() > dstType.getRank()) {
    if (auto reassoc = getReassociationIndicesForReshape(srcType, dstType))
      return tensor::CollapseShapeOp::create(builder, loc, dstType, v,
                                             *reassoc);
  } else if (srcType.getRank() < dstType.getRank()) {
    if (auto reassoc = getReassociationIndicesForReshape(dstType, srcType))
      return tensor::ExpandShapeOp::create(builder, loc, dstType, v, *reassoc);
  }
  // No single collapse or expand: go through the flat 1-D shape.
  int64_t n = srcType.getNumElements();
  auto flatType = RankedTensorType::get({n}, srcType.getElementType());
  Value flat = v;
  if (srcType.getRank() != 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t d = 0; d < srcType.getRank(); ++d)
      all[0].push_back(d);
    if (srcType.getRank() == 0)
      all.clear();
    flat = srcType.getRank() == 0
               ? Value(tensor::ExpandShapeOp::create(builder, loc, flatType, v,
                                                     all))
               : Value(tensor::CollapseShapeOp::create(builder, loc, flatType,
                                                       v, all));
  }
  if (dstType.getRank() == 1)
    return flat;
  SmallVector<ReassociationIndices> all(1);
  for (int64_t d = 0; d < dstType.getRank(); ++d)
    all[0].push_back(d);
  if (dstType.getRank() == 0)
    return tensor::CollapseShapeOp::create(builder, loc, dstType, flat,
                                           ArrayRef<ReassociationIndices>{});
  return tensor::ExpandShapeOp::create(builder, loc, dstType, flat, all);
}

Tensor Importer::reshapeTensor(Tensor &t, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, t.type.getElementType());
  if (t.host) {
    HostTensor h = *t.host;
    h.type = type;
    return makeHost(std::move(h));
  }
  return makeValue(reshapeValue(t.value, shape));
}

Value Importer::collapseDims(Value v, ArrayRef<bool> drop) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<ReassociationIndices> reassoc;
  SmallVector<int64_t> shape;
  ReassociationIndices pending;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    pending.push_back(d);
    if (drop[d])
      continue;
    reassoc.push_back(pending);
    shape.push_back(type.getDimSize(d));
    pending.clear();
  }
  if (!pending.empty() && !reassoc.empty())
    reassoc.back().append(pending.begin(), pending.end());
  auto dstType = RankedTensorType::get(shape, type.getElementType());
  if (dstType == type)
    return v;
  return tensor::CollapseShapeOp::create(builder, loc, dstType, v, reassoc);
}

Value Importer::broadcastTo(Value v, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  int64_t rank = shape.size(), lead = rank - type.getRank();
  SmallVector<bool> drop;
  SmallVector<int64_t> added;
  for (int64_t d = 0; d < lead; ++d)
    added.push_back(d);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    bool stretched = type.getDimSize(d) == 1 && shape[lead + d] != 1;
    drop.push_back(stretched);
    if (stretched)
      added.push_back(lead + d);
  }
  llvm::sort(added);
  // Drop the stretched unit dimensions (through reshapeValue, so that an
  // Unsqueeze just before folds away), then broadcast.
  Value collapsed = collapseDims(v, drop);
  if (auto collapse = collapsed.getDefiningOp<tensor::CollapseShapeOp>()) {
    Value src = collapse.getSrc();
    collapsed = reshapeValue(src, collapse.getResultType().getShape());
    if (collapse->use_empty())
      collapse->erase();
  }
  Value init = emptyTensor(shape, type.getElementType());
  return linalg::BroadcastOp::create(builder, loc, collapsed, init, added)
      .getResult()[0];
}

Value Importer::transposeValue(Value v, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value init = emptyTensor(shape, type.getElementType());
  return linalg::TransposeOp::create(builder, loc, v, init, perm)
      .getResult()[0];
}

FailureOr<Value> Importer::matmul(Value a, Value b) {
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(b.getType());
  Type elementType = aType.getElementType();
  if (aType.getRank() == 0 || bType.getRank() == 0)
    return fail("operands must not be scalars");
  // 1-D operands: a row vector on the left, a column vector on the right.
  bool vecA = aType.getRank() == 1, vecB = bType.getRank() == 1;
  if (vecA)
    a = reshapeValue(a, {1, aType.getDimSize(0)});
  if (vecB)
    b = reshapeValue(b, {bType.getDimSize(0), 1});
  aType = cast<RankedTensorType>(a.getType());
  bType = cast<RankedTensorType>(b.getType());
  int64_t m = aType.getDimSize(aType.getRank() - 2);
  int64_t k = aType.getDimSize(aType.getRank() - 1);
  int64_t k2 = bType.getDimSize(bType.getRank() - 2);
  int64_t n = bType.getDimSize(bType.getRank() - 1);
  if (k != k2)
    return fail("contraction dimensions differ: " +
                shapeString(aType.getShape()) + " times " +
                shapeString(bType.getShape()));

  SmallVector<int64_t> outShape;
  auto finish = [&](Value result) -> Value {
    SmallVector<int64_t> shape(outShape);
    if (vecA)
      shape.erase(shape.end() - 2);
    if (vecB)
      shape.pop_back();
    return reshapeValue(result, shape);
  };

  // [..., M, K] x [K, N]: one matrix product over the collapsed rows.
  if (bType.getRank() == 2 && aType.getRank() > 2) {
    outShape.assign(aType.getShape().begin(), aType.getShape().end() - 1);
    outShape.push_back(n);
    int64_t rows = aType.getNumElements() / k;
    Value a2 = reshapeValue(a, {rows, k});
    Value init = zeroFilled({rows, n}, elementType);
    Value c = linalg::MatmulOp::create(
                  builder, loc,
                  TypeRange{RankedTensorType::get({rows, n}, elementType)},
                  ValueRange{a2, b}, ValueRange{init})
                  .getResult(0);
    return finish(reshapeValue(c, outShape));
  }

  // Broadcast the batch dimensions explicitly, then one op by rank.
  ArrayRef<int64_t> aBatch = aType.getShape().drop_back(2);
  ArrayRef<int64_t> bBatch = bType.getShape().drop_back(2);
  FailureOr<SmallVector<int64_t>> batch = broadcastShapes({aBatch, bBatch});
  if (failed(batch))
    return failure();
  SmallVector<int64_t> aShape(*batch), bShape(*batch);
  aShape.append({m, k});
  bShape.append({k, n});
  a = broadcastTo(a, aShape);
  b = broadcastTo(b, bShape);
  outShape.assign(batch->begin(), batch->end());
  outShape.append({m, n});
  auto outType = RankedTensorType::get(outShape, elementType);
  Value init = zeroFilled(outShape, elementType);
  int64_t rank = outShape.size();
  if (rank == 2)
    return finish(linalg::MatmulOp::create(builder, loc, TypeRange{outType},
                                           ValueRange{a, b}, ValueRange{init})
                      .getResult(0));
  if (rank == 3)
    return finish(
        linalg::BatchMatmulOp::create(builder, loc, TypeRange{outType},
                                      ValueRange{a, b}, ValueRange{init})
            .getResult(0));
  // Rank >= 4: batch dims, M, N parallel; K the reduction (last loop).
  int64_t numLoops = rank + 1;
  SmallVector<AffineExpr> batchExprs, aExprs, bExprs, cExprs;
  for (int64_t d = 0; d < rank - 2; ++d)
    batchExprs.push_back(getAffineDimExpr(d, ctx));
  AffineExpr mE = getAffineDimExpr(rank - 2, ctx);
  AffineExpr nE = getAffineDimExpr(rank - 1, ctx);
  AffineExpr kE = getAffineDimExpr(rank, ctx);
  aExprs = batchExprs;
  aExprs.append({mE, kE});
  bExprs = batchExprs;
  bExprs.append({kE, nE});
  cExprs = batchExprs;
  cExprs.append({mE, nE});
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, aExprs, ctx),
                                 AffineMap::get(numLoops, 0, bExprs, ctx),
                                 AffineMap::get(numLoops, 0, cExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  bool isFloat = isa<FloatType>(elementType);
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{outType}, ValueRange{a, b}, ValueRange{init},
      maps, iterators, [&](OpBuilder &bb, Location l, ValueRange args) {
        Value prod, sum;
        if (isFloat) {
          prod = arith::MulFOp::create(bb, l, args[0], args[1]);
          sum = arith::AddFOp::create(bb, l, args[2], prod);
        } else {
          prod = arith::MulIOp::create(bb, l, args[0], args[1]);
          sum = arith::AddIOp::create(bb, l, args[2], prod);
        }
        linalg::YieldOp::create(bb, l, sum);
      });
  return finish(generic.getResult(0));
}

Value Importer::reduce(Value v, ArrayRef<int64_t> axes, bool keepDims,
                       bool isMax) {
  auto type = cast<RankedTensorType>(v.getType());
  Type elementType = type.getElementType();
  int64_t rank = type.getRank();
  SmallVector<int64_t> outShape, keptShape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    keptShape.push_back(reduced ? 1 : type.getDimSize(d));
    if (!reduced) {
      outShape.push_back(type.getDimSize(d));
      outExprs.push_back(getAffineDimExpr(d, ctx));
    }
  }
  double initValue = 0.0;
  if (isMax)
    initValue = -std::numeric_limits<double>::infinity();
  Value initScalar = scalarConstant(elementType, initValue);
  Value init =
      linalg::FillOp::create(builder, loc, ValueRange{initScalar},
                             ValueRange{emptyTensor(outShape, elementType)})
          .getResult(0);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 AffineMap::get(rank, 0, outExprs, ctx)};
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{init.getType()}, ValueRange{v}, ValueRange{init},
      maps, iterators, [&](OpBuilder &b, Location l, ValueRange args) {
        Value r = isMax
                      ? Value(arith::MaximumFOp::create(b, l, args[0], args[1]))
                      : Value(arith::AddFOp::create(b, l, args[0], args[1]));
        linalg::YieldOp::create(b, l, r);
      });
  Value result = generic.getResult(0);
  return keepDims ? reshapeValue(result, keptShape) : result;
}

Value Importer::extractSlice(Value v, ArrayRef<int64_t> offsets,
                             ArrayRef<int64_t> sizes,
                             ArrayRef<int64_t> strides) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == sizes &&
      llvm::all_of(offsets, [](int64_t o) { return o == 0; }))
    return v;
  auto resultType = RankedTensorType::get(sizes, type.getElementType());
  auto attrs = [&](ArrayRef<int64_t> xs) {
    return llvm::map_to_vector(
        xs, [&](int64_t x) -> OpFoldResult { return builder.getIndexAttr(x); });
  };
  return tensor::ExtractSliceOp::create(builder, loc, resultType, v,
                                        attrs(offsets), attrs(sizes),
                                        attrs(strides));
}

//===----------------------------------------------------------------------===//
// Elementwise operators
//===----------------------------------------------------------------------===//

static Value castScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto fromFloat = dyn_cast<FloatType>(from);
  auto toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat)
    return fromFloat.getWidth() < toFloat.getWidth()
               ? Value(arith::ExtFOp::create(b, loc, to, v))
               : Value(arith::TruncFOp::create(b, loc, to, v));
  if (fromFloat) {
    if (to.isInteger(1)) {
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(from, 0));
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero);
    }
    return arith::FPToSIOp::create(b, loc, to, v);
  }
  if (toFloat)
    return from.isInteger(1) ? Value(arith::UIToFPOp::create(b, loc, to, v))
                             : Value(arith::SIToFPOp::create(b, loc, to, v));
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (toWidth == 1) {
    Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(from, 0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
  }
  if (fromWidth < toWidth)
    return fromWidth == 1 ? Value(arith::ExtUIOp::create(b, loc, to, v))
                          : Value(arith::ExtSIOp::create(b, loc, to, v));
  return arith::TruncIOp::create(b, loc, to, v);
}

static Value floatConst(OpBuilder &b, Location loc, Type type, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v));
}

LogicalResult Importer::importElementwise(StringRef op) {
  SmallVector<Tensor *> operands;
  for (unsigned i = 0; i < inputs.size(); ++i) {
    FailureOr<Tensor *> t = requiredInput(i);
    if (failed(t))
      return failure();
    operands.push_back(*t);
  }
  auto arity = [&](unsigned n) -> LogicalResult {
    if (operands.size() != n)
      return fail("expected " + Twine(n) + " inputs, got " +
                  Twine(operands.size()));
    return success();
  };
  bool unary = llvm::is_contained({"Neg", "Sqrt", "Erf", "Relu", "Sigmoid",
                                   "Tanh", "Exp", "Log", "Reciprocal", "Abs",
                                   "Not", "Gelu", "Softplus", "Sin", "Cos"},
                                  op);
  bool ternary = op == "Where";
  if (failed(arity(unary ? 1 : ternary ? 3 : 2)))
    return failure();

  Type elementType = operands.back()->type.getElementType();
  if (!ternary && !unary &&
      operands[0]->type.getElementType() != operands[1]->type.getElementType())
    return fail("input element types differ: " +
                typeString(operands[0]->type.getElementType()) + " and " +
                typeString(operands[1]->type.getElementType()));
  if (ternary) {
    if (!operands[0]->type.getElementType().isInteger(1))
      return fail("condition must be a bool tensor, got " +
                  typeString(operands[0]->type));
    if (operands[1]->type.getElementType() != elementType)
      return fail("input element types differ: " +
                  typeString(operands[1]->type.getElementType()) + " and " +
                  typeString(elementType));
  }
  bool isFloat = isa<FloatType>(elementType);
  bool isCompare = llvm::is_contained(
      {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"}, op);
  bool isLogical = llvm::is_contained({"And", "Or", "Xor", "Not"}, op);
  bool floatOnly = llvm::is_contained({"Sqrt", "Erf", "Sigmoid", "Tanh", "Exp",
                                       "Log", "Reciprocal", "Gelu", "Pow",
                                       "Softplus", "Sin", "Cos"},
                                      op);
  if (floatOnly && !isFloat)
    return fail("expected floating-point inputs, got " +
                typeString(operands[0]->type));
  if (isLogical && !elementType.isInteger(1))
    return fail("expected bool inputs, got " + typeString(operands[0]->type));
  Type resultType = isCompare ? Type(builder.getI1Type()) : elementType;

  std::string approximate = "none";
  if (op == "Gelu") {
    FailureOr<std::string> a = getStringAttr("approximate", "none");
    if (failed(a))
      return failure();
    if (*a != "none" && *a != "tanh")
      return fail("attribute 'approximate' must be \"none\" or \"tanh\", got "
                  "\"" +
                  *a + "\"");
    approximate = *a;
  }
  // Pow with a constant exponent of 2 or 0.5 (LayerNorm and RMSNorm
  // exports) becomes a product or a square root.
  std::optional<double> powExponent;
  if (op == "Pow") {
    if (operands[1]->host && operands[1]->host->isSplat())
      powExponent = operands[1]->host->get(0);
    if (operands[1]->type.getElementType() != elementType)
      return fail("exponent element type differs from the base");
  }

  using Args = ArrayRef<Value>;
  Elementwise ew;
  auto fi = [&](auto floatFn, auto intFn) {
    return [=](OpBuilder &b, Location l, Args a) -> Value {
      return isFloat ? floatFn(b, l, a) : intFn(b, l, a);
    };
  };
#define BIN(FOP, IOP)                                                          \
  fi([](OpBuilder &b, Location l,                                              \
        Args a) -> Value { return FOP::create(b, l, a[0], a[1]); },            \
     [](OpBuilder &b, Location l, Args a) -> Value {                           \
       return IOP::create(b, l, a[0], a[1]);                                   \
     })
  auto cmp = [&](arith::CmpFPredicate fp, arith::CmpIPredicate ip) {
    return [=](OpBuilder &b, Location l, Args a) -> Value {
      if (isFloat)
        return arith::CmpFOp::create(b, l, fp, a[0], a[1]);
      return arith::CmpIOp::create(b, l, ip, a[0], a[1]);
    };
  };
  if (op == "Add") {
    ew.ir = BIN(arith::AddFOp, arith::AddIOp);
    ew.host = [](ArrayRef<double> a, bool) { return a[0] + a[1]; };
  } else if (op == "Sub") {
    ew.ir = BIN(arith::SubFOp, arith::SubIOp);
    ew.host = [](ArrayRef<double> a, bool) { return a[0] - a[1]; };
  } else if (op == "Mul") {
    ew.ir = BIN(arith::MulFOp, arith::MulIOp);
    ew.host = [](ArrayRef<double> a, bool) { return a[0] * a[1]; };
  } else if (op == "Div") {
    ew.ir = BIN(arith::DivFOp, arith::DivSIOp);
    ew.host = [](ArrayRef<double> a, bool isInt) {
      if (isInt)
        return a[1] == 0 ? 0.0 : std::trunc(a[0] / a[1]);
      return a[0] / a[1];
    };
  } else if (op == "Max") {
    ew.ir = BIN(arith::MaximumFOp, arith::MaxSIOp);
    ew.host = [](ArrayRef<double> a, bool) { return std::max(a[0], a[1]); };
  } else if (op == "Min") {
    ew.ir = BIN(arith::MinimumFOp, arith::MinSIOp);
    ew.host = [](ArrayRef<double> a, bool) { return std::min(a[0], a[1]); };
  } else if (op == "Pow") {
    ew.ir = [=](OpBuilder &b, Location l, Args a) -> Value {
      if (powExponent && *powExponent == 2.0)
        return arith::MulFOp::create(b, l, a[0], a[0]);
      if (powExponent && *powExponent == 0.5)
        return math::SqrtOp::create(b, l, a[0]);
      return math::PowFOp::create(b, l, a[0], a[1]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::pow(a[0], a[1]); };
  } else if (op == "Equal") {
    ew.ir = cmp(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq);
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] == a[1]); };
  } else if (op == "Less") {
    ew.ir = cmp(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] < a[1]); };
  } else if (op == "LessOrEqual") {
    ew.ir = cmp(arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle);
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] <= a[1]); };
  } else if (op == "Greater") {
    ew.ir = cmp(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt);
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] > a[1]); };
  } else if (op == "GreaterOrEqual") {
    ew.ir = cmp(arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge);
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] >= a[1]); };
  } else if (op == "And") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return arith::AndIOp::create(b, l, a[0], a[1]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] && a[1]); };
  } else if (op == "Or") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return arith::OrIOp::create(b, l, a[0], a[1]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] || a[1]); };
  } else if (op == "Xor") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return arith::XOrIOp::create(b, l, a[0], a[1]);
    };
    ew.host = [](ArrayRef<double> a, bool) {
      return double((a[0] != 0) != (a[1] != 0));
    };
  } else if (op == "Not") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      Value one = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
      return arith::XOrIOp::create(b, l, a[0], one);
    };
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] == 0); };
  } else if (op == "Where") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return arith::SelectOp::create(b, l, a[0], a[1], a[2]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return a[0] != 0 ? a[1] : a[2]; };
  } else if (op == "Neg") {
    ew.ir =
        fi([](OpBuilder &b, Location l,
              Args a) -> Value { return arith::NegFOp::create(b, l, a[0]); },
           [](OpBuilder &b, Location l, Args a) -> Value {
             Value zero = arith::ConstantOp::create(
                 b, l, b.getIntegerAttr(a[0].getType(), 0));
             return arith::SubIOp::create(b, l, zero, a[0]);
           });
    ew.host = [](ArrayRef<double> a, bool) { return -a[0]; };
  } else if (op == "Abs") {
    ew.ir = fi([](OpBuilder &b, Location l,
                  Args a) -> Value { return math::AbsFOp::create(b, l, a[0]); },
               [](OpBuilder &b, Location l, Args a) -> Value {
                 return math::AbsIOp::create(b, l, a[0]);
               });
    ew.host = [](ArrayRef<double> a, bool) { return std::fabs(a[0]); };
  } else if (op == "Relu") {
    ew.ir = fi(
        [](OpBuilder &b, Location l, Args a) -> Value {
          Value zero = floatConst(b, l, a[0].getType(), 0.0);
          return arith::MaximumFOp::create(b, l, a[0], zero);
        },
        [](OpBuilder &b, Location l, Args a) -> Value {
          Value zero = arith::ConstantOp::create(
              b, l, b.getIntegerAttr(a[0].getType(), 0));
          return arith::MaxSIOp::create(b, l, a[0], zero);
        });
    ew.host = [](ArrayRef<double> a, bool) { return std::max(a[0], 0.0); };
  } else if (op == "Sqrt") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::SqrtOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::sqrt(a[0]); };
  } else if (op == "Exp") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::ExpOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::exp(a[0]); };
  } else if (op == "Log") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::LogOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::log(a[0]); };
  } else if (op == "Erf") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::ErfOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::erf(a[0]); };
  } else if (op == "Sin") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::SinOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::sin(a[0]); };
  } else if (op == "Cos") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::CosOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::cos(a[0]); };
  } else if (op == "Tanh") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::TanhOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::tanh(a[0]); };
  } else if (op == "Reciprocal") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      Value one = floatConst(b, l, a[0].getType(), 1.0);
      return arith::DivFOp::create(b, l, one, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return 1.0 / a[0]; };
  } else if (op == "Sigmoid") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      Value one = floatConst(b, l, a[0].getType(), 1.0);
      Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, a[0]));
      return arith::DivFOp::create(b, l, one,
                                   arith::AddFOp::create(b, l, one, e));
    };
    ew.host = [](ArrayRef<double> a, bool) {
      return 1.0 / (1.0 + std::exp(-a[0]));
    };
  } else if (op == "Softplus") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::Log1pOp::create(b, l, math::ExpOp::create(b, l, a[0]));
    };
    ew.host = [](ArrayRef<double> a, bool) {
      return std::log1p(std::exp(a[0]));
    };
  } else if (op == "Gelu") {
    bool tanhForm = approximate == "tanh";
    ew.ir = [=](OpBuilder &b, Location l, Args a) -> Value {
      Type t = a[0].getType();
      Value x = a[0];
      Value half = floatConst(b, l, t, 0.5);
      Value one = floatConst(b, l, t, 1.0);
      Value inner;
      if (tanhForm) {
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        Value x3 =
            arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, x, x), x);
        Value poly = arith::AddFOp::create(
            b, l, x,
            arith::MulFOp::create(b, l, floatConst(b, l, t, 0.044715), x3));
        inner = math::TanhOp::create(
            b, l,
            arith::MulFOp::create(
                b, l, floatConst(b, l, t, std::sqrt(2.0 / M_PI)), poly));
      } else {
        // 0.5 x (1 + erf(x / sqrt(2)))
        inner = math::ErfOp::create(
            b, l,
            arith::MulFOp::create(b, l, x, floatConst(b, l, t, M_SQRT1_2)));
      }
      Value halfX = arith::MulFOp::create(b, l, half, x);
      return arith::MulFOp::create(b, l, halfX,
                                   arith::AddFOp::create(b, l, one, inner));
    };
    ew.host = [=](ArrayRef<double> a, bool) {
      double x = a[0];
      if (tanhForm)
        return 0.5 * x *
               (1 +
                std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
      return 0.5 * x * (1 + std::erf(x * M_SQRT1_2));
    };
  } else {
    llvm_unreachable("not an elementwise operator");
  }
#undef BIN
  FailureOr<Tensor> result = elementwise(operands, resultType, ew);
  if (failed(result))
    return failure();
  setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra and normalisation
//===----------------------------------------------------------------------===//

LogicalResult Importer::importMatMul() {
  FailureOr<Tensor *> a = requiredInput(0), b = requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  if ((*a)->type.getElementType() != (*b)->type.getElementType())
    return fail("input element types differ: " + typeString((*a)->type) +
                " and " + typeString((*b)->type));
  FailureOr<Value> c = matmul(materialize(**a), materialize(**b));
  if (failed(c))
    return failure();
  setOutput(0, makeValue(*c));
  return success();
}

LogicalResult Importer::importGemm() {
  FailureOr<Tensor *> a = requiredInput(0), b = requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  FailureOr<double> alpha = getFloatAttr("alpha", 1.0);
  FailureOr<double> beta = getFloatAttr("beta", 1.0);
  FailureOr<int64_t> transA = getIntAttr("transA", 0);
  FailureOr<int64_t> transB = getIntAttr("transB", 0);
  if (failed(alpha) || failed(beta) || failed(transA) || failed(transB))
    return failure();
  if ((*a)->type.getRank() != 2 || (*b)->type.getRank() != 2)
    return fail("A and B must be matrices, got " + typeString((*a)->type) +
                " and " + typeString((*b)->type));
  if (!isa<FloatType>((*a)->type.getElementType()))
    return fail("expected floating-point inputs");
  auto operand = [&](Tensor *t, bool transposed) {
    if (!transposed)
      return materialize(*t);
    // A transposed constant (a weight stored as [out, in]) folds.
    if (t->host && t->type.getNumElements() <= kFoldLimit) {
      int64_t rows = t->type.getDimSize(0), cols = t->type.getDimSize(1);
      auto type = RankedTensorType::get({cols, rows}, t->type.getElementType());
      Tensor folded =
          makeHost(permuteHost(*t->host, type, [&](ArrayRef<int64_t> idx) {
            return idx[1] * cols + idx[0];
          }));
      return materialize(folded);
    }
    return transposeValue(materialize(*t), {1, 0});
  };
  Value av = operand(*a, *transA), bv = operand(*b, *transB);
  FailureOr<Value> prod = matmul(av, bv);
  if (failed(prod))
    return failure();
  Tensor y = makeValue(*prod);
  Type t = y.type.getElementType();
  double alphaV = *alpha, betaV = *beta;
  if (alphaV != 1.0) {
    HostTensor s = HostTensor::zeros(RankedTensorType::get({}, t));
    s.f[0] = alphaV;
    Tensor scale = makeHost(s);
    Elementwise mul{[](OpBuilder &b, Location l, ArrayRef<Value> a) -> Value {
                      return arith::MulFOp::create(b, l, a[0], a[1]);
                    },
                    [](ArrayRef<double> a, bool) { return a[0] * a[1]; }};
    Tensor *ops[] = {&y, &scale};
    FailureOr<Tensor> r = elementwise(ops, t, mul);
    if (failed(r))
      return failure();
    y = *r;
  }
  if (Tensor *c = input(2); c && betaV != 0.0) {
    Elementwise addScaled{
        [=](OpBuilder &b, Location l, ArrayRef<Value> a) -> Value {
          Value cv = a[1];
          if (betaV != 1.0)
            cv = arith::MulFOp::create(b, l, cv,
                                       floatConst(b, l, cv.getType(), betaV));
          return arith::AddFOp::create(b, l, a[0], cv);
        },
        [=](ArrayRef<double> a, bool) { return a[0] + betaV * a[1]; }};
    Tensor *ops[] = {&y, c};
    FailureOr<Tensor> r = elementwise(ops, t, addScaled);
    if (failed(r))
      return failure();
    if (r->type.getShape() != y.type.getShape())
      return fail("C of shape " + shapeString(c->type.getShape()) +
                  " does not broadcast to " + shapeString(y.type.getShape()));
    y = *r;
  }
  setOutput(0, y);
  return success();
}

namespace {
/// An Einsum equation: one index string per input and the output's, with the
/// size of every index.
struct EinsumEquation {
  SmallVector<std::string> inputs;
  std::string output;
  llvm::StringMap<int64_t> sizes;
};
} // namespace

/// Parses `equation` for inputs of `types` (NumPy's einsum: explicit
/// `->output`, or implicit: the indices that appear once, in alphabetical
/// order). Returns the error message, or "" when it is valid.
static std::string parseEinsum(StringRef equation,
                               ArrayRef<RankedTensorType> types,
                               EinsumEquation &eq) {
  std::string text;
  for (char ch : equation)
    if (ch != ' ')
      text.push_back(ch);
  if (StringRef(text).contains("..."))
    return "ellipses ('...') in equations are not supported";
  auto [lhs, rhs] = StringRef(text).split("->");
  bool explicitOutput = StringRef(text).contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != types.size())
    return "the equation '" + equation.str() + "' names " +
           std::to_string(terms.size()) + " operands, the node has " +
           std::to_string(types.size());
  llvm::StringMap<int> counts;
  for (auto [term, type] : llvm::zip(terms, types)) {
    if (static_cast<int64_t>(term.size()) != type.getRank())
      return "operand '" + term.str() + "' of the equation has " +
             std::to_string(term.size()) + " indices, its input has rank " +
             std::to_string(type.getRank());
    for (auto [d, ch] : llvm::enumerate(term)) {
      StringRef index(&term.data()[d], 1);
      if (!llvm::isAlpha(ch))
        return "'" + index.str() + "' is not an index letter";
      if (term.count(ch) > 1)
        return "index '" + index.str() +
               "' repeats within one operand (a diagonal); not supported";
      int64_t size = type.getDimSize(d);
      auto [it, inserted] = eq.sizes.try_emplace(index, size);
      if (!inserted && it->second != size)
        return "index '" + index.str() + "' has size " +
               std::to_string(it->second) + " and " + std::to_string(size);
      ++counts[index];
    }
    eq.inputs.push_back(term.str());
  }
  if (explicitOutput) {
    for (char ch : rhs) {
      StringRef index(&ch, 1);
      if (!eq.sizes.count(index))
        return "output index '" + index.str() + "' is not an input index";
      if (rhs.count(ch) > 1)
        return "output index '" + index.str() + "' repeats";
    }
    eq.output = rhs.str();
  } else {
    for (auto &entry : counts)
      if (entry.second == 1)
        eq.output += entry.first().str();
    llvm::sort(eq.output);
  }
  return "";
}

LogicalResult Importer::importEinsum() {
  FailureOr<std::string> equation = getStringAttr("equation", "");
  if (failed(equation))
    return failure();
  if (inputs.empty())
    return fail("expected at least one input");
  SmallVector<RankedTensorType> types;
  for (unsigned i = 0; i < inputs.size(); ++i) {
    FailureOr<Tensor *> t = requiredInput(i);
    if (failed(t))
      return failure();
    if (!isa<FloatType>((*t)->type.getElementType()) ||
        (*t)->type.getElementType() != inputs[0]->type.getElementType())
      return fail("expected floating-point inputs of one element type");
    types.push_back((*t)->type);
  }
  EinsumEquation eq;
  std::string bad = parseEinsum(*equation, types, eq);
  if (!bad.empty())
    return fail(bad);

  // Loops: the output's indices (parallel), then the summed ones.
  std::string loops = eq.output;
  for (const std::string &term : eq.inputs)
    for (char ch : term)
      if (!StringRef(loops).contains(ch))
        loops.push_back(ch);
  SmallVector<int64_t> outShape, loopSizes;
  for (char ch : loops)
    loopSizes.push_back(eq.sizes.lookup(StringRef(&ch, 1)));
  outShape.assign(loopSizes.begin(), loopSizes.begin() + eq.output.size());
  Type elementType = inputs[0]->type.getElementType();
  auto outType = RankedTensorType::get(outShape, elementType);

  // Known inputs and a small result: computed here.
  bool allHost = llvm::all_of(inputs, [](Tensor *t) { return t->host; });
  int64_t iterations = 1;
  for (int64_t size : loopSizes)
    iterations *= size;
  if (allHost && iterations <= kFoldLimit) {
    HostTensor result = HostTensor::zeros(outType);
    SmallVector<SmallVector<int64_t>> strides;
    for (Tensor *t : inputs)
      strides.push_back(stridesOf(t->type.getShape()));
    SmallVector<int64_t> idx(loops.size(), 0);
    int64_t reduced = iterations / std::max<int64_t>(result.size(), 1);
    for (int64_t it = 0; it < iterations; ++it) {
      int64_t rest = it;
      for (int64_t d = loops.size() - 1; d >= 0; --d) {
        idx[d] = rest % loopSizes[d];
        rest /= loopSizes[d];
      }
      double product = 1;
      for (auto [k, term] : llvm::enumerate(eq.inputs)) {
        int64_t offset = 0;
        for (auto [d, ch] : llvm::enumerate(term))
          offset += idx[loops.find(ch)] * strides[k][d];
        product *= inputs[k]->host->get(offset);
      }
      result.f[it / reduced] += product;
    }
    setOutput(0, makeHost(std::move(result)));
    return success();
  }

  SmallVector<AffineMap> maps;
  for (const std::string &term : eq.inputs) {
    SmallVector<AffineExpr> exprs;
    for (char ch : term)
      exprs.push_back(getAffineDimExpr(loops.find(ch), ctx));
    maps.push_back(AffineMap::get(loops.size(), 0, exprs, ctx));
  }
  SmallVector<AffineExpr> outExprs;
  for (unsigned d = 0; d < eq.output.size(); ++d)
    outExprs.push_back(getAffineDimExpr(d, ctx));
  maps.push_back(AffineMap::get(loops.size(), 0, outExprs, ctx));
  SmallVector<utils::IteratorType> iterators(loops.size(),
                                             utils::IteratorType::reduction);
  std::fill_n(iterators.begin(), eq.output.size(),
              utils::IteratorType::parallel);
  SmallVector<Value> operands;
  for (Tensor *t : inputs)
    operands.push_back(materialize(*t));
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{outType}, operands,
      ValueRange{zeroFilled(outShape, elementType)}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value product = args[0];
        for (Value v : args.drop_front().drop_back())
          product = arith::MulFOp::create(b, l, product, v);
        linalg::YieldOp::create(
            b, l, arith::AddFOp::create(b, l, args.back(), product).getResult());
      });
  setOutput(0, makeValue(generic.getResult(0)));
  return success();
}

LogicalResult Importer::importSoftmax() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  FailureOr<int64_t> axisAttr = getIntAttr("axis", opset >= 13 ? -1 : 1);
  if (failed(axisAttr))
    return failure();
  FailureOr<int64_t> axis = normalizeAxis(*axisAttr, rank);
  if (failed(axis))
    return failure();
  if (opset < 13 && *axis != rank - 1)
    return fail("Softmax before opset 13 normalises over all dimensions from "
                "axis " +
                Twine(*axis) + " on; only the last axis is supported");
  if (!isa<FloatType>((*x)->type.getElementType()))
    return fail("expected a floating-point input");
  Value in = materialize(**x);
  Value init = emptyTensor((*x)->type.getShape(), (*x)->type.getElementType());
  auto softmax = linalg::SoftmaxOp::create(builder, loc, TypeRange{(*x)->type},
                                           in, init, *axis);
  setOutput(0, makeValue(softmax.getResult()[0]));
  return success();
}

LogicalResult Importer::importLayerNorm() {
  FailureOr<Tensor *> x = requiredInput(0), scale = requiredInput(1);
  if (failed(x) || failed(scale))
    return failure();
  int64_t rank = (*x)->type.getRank();
  FailureOr<int64_t> axisAttr = getIntAttr("axis", -1);
  FailureOr<double> eps = getFloatAttr("epsilon", 1e-5);
  if (failed(axisAttr) || failed(eps) || failed(getIntAttr("stash_type", 1)))
    return failure();
  FailureOr<int64_t> axis = normalizeAxis(*axisAttr, rank);
  if (failed(axis))
    return failure();
  for (int i = 1; i < node->output_size(); ++i)
    if (!node->output(i).empty())
      return fail("the Mean and InvStdDev outputs are not supported");
  Type t = (*x)->type.getElementType();
  if (!isa<FloatType>(t))
    return fail("expected a floating-point input");
  SmallVector<int64_t> axes;
  for (int64_t d = *axis; d < rank; ++d)
    axes.push_back(d);
  int64_t count = 1;
  for (int64_t d : axes)
    count *= (*x)->type.getDimSize(d);
  double inv = 1.0 / static_cast<double>(count);
  double epsV = *eps;

  Value xv = materialize(**x);
  // mean, centred values, variance, then the normalised affine output.
  Tensor sum = makeValue(reduce(xv, axes, /*keepDims=*/true, false));
  Elementwise centre{
      [=](OpBuilder &b, Location l, ArrayRef<Value> a) -> Value {
        Value mean = arith::MulFOp::create(
            b, l, a[1], floatConst(b, l, a[1].getType(), inv));
        return arith::SubFOp::create(b, l, a[0], mean);
      },
      [=](ArrayRef<double> a, bool) { return a[0] - inv * a[1]; }};
  Tensor *centreOps[] = {*x, &sum};
  FailureOr<Tensor> centred = elementwise(centreOps, t, centre);
  if (failed(centred))
    return failure();
  Elementwise square{[](OpBuilder &b, Location l, ArrayRef<Value> a) -> Value {
                       return arith::MulFOp::create(b, l, a[0], a[0]);
                     },
                     [](ArrayRef<double> a, bool) { return a[0] * a[0]; }};
  Tensor *squareOps[] = {&*centred};
  FailureOr<Tensor> squares = elementwise(squareOps, t, square);
  if (failed(squares))
    return failure();
  Tensor sumSq =
      makeValue(reduce(materialize(*squares), axes, /*keepDims=*/true, false));
  Tensor *bias = input(2);
  Elementwise affine{
      [=](OpBuilder &b, Location l, ArrayRef<Value> a) -> Value {
        Type et = a[0].getType();
        Value var =
            arith::MulFOp::create(b, l, a[1], floatConst(b, l, et, inv));
        Value denom = math::SqrtOp::create(
            b, l, arith::AddFOp::create(b, l, var, floatConst(b, l, et, epsV)));
        Value y = arith::MulFOp::create(
            b, l, arith::DivFOp::create(b, l, a[0], denom), a[2]);
        return bias ? Value(arith::AddFOp::create(b, l, y, a[3])) : y;
      },
      [=](ArrayRef<double> a, bool) {
        double y = a[0] / std::sqrt(a[1] * inv + epsV) * a[2];
        return bias ? y + a[3] : y;
      }};
  SmallVector<Tensor *> affineOps = {&*centred, &sumSq, *scale};
  if (bias)
    affineOps.push_back(bias);
  for (Tensor *op : affineOps)
    if (op->type.getElementType() != t)
      return fail("scale and bias must have the input's element type");
  FailureOr<Tensor> y = elementwise(affineOps, t, affine);
  if (failed(y))
    return failure();
  if (y->type.getShape() != (*x)->type.getShape())
    return fail("scale or bias does not broadcast to the input shape " +
                shapeString((*x)->type.getShape()));
  setOutput(0, *y);
  return success();
}

LogicalResult Importer::importReduce(StringRef op) {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  FailureOr<int64_t> keepDims = getIntAttr("keepdims", 1);
  FailureOr<int64_t> noop = getIntAttr("noop_with_empty_axes", 0);
  if (failed(keepDims) || failed(noop))
    return failure();
  // Axes: an input from opset 18 (ReduceSum: 13), an attribute before.
  bool axesInput = op == "ReduceSum" ? opset >= 13 : opset >= 18;
  SmallVector<int64_t> rawAxes;
  if (axesInput) {
    if (Tensor *a = input(1)) {
      FailureOr<SmallVector<int64_t>> v = constantInts(a, "axes");
      if (failed(v))
        return failure();
      rawAxes = *v;
    }
  } else {
    FailureOr<SmallVector<int64_t>> v = getIntsAttr("axes");
    if (failed(v))
      return failure();
    rawAxes = *v;
  }
  if (rawAxes.empty() && *noop) {
    setOutput(0, **x);
    return success();
  }
  SmallVector<int64_t> axes;
  if (rawAxes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  for (int64_t a : rawAxes) {
    FailureOr<int64_t> n = normalizeAxis(a, rank);
    if (failed(n))
      return failure();
    axes.push_back(*n);
  }
  Type t = (*x)->type.getElementType();
  if (!isa<FloatType>(t))
    return fail("expected a floating-point input");
  bool isMax = op == "ReduceMax";
  Value r = reduce(materialize(**x), axes, *keepDims != 0, isMax);
  Tensor result = makeValue(r);
  if (op == "ReduceMean") {
    int64_t count = 1;
    for (int64_t d : axes)
      count *= (*x)->type.getDimSize(d);
    double inv = 1.0 / static_cast<double>(count);
    Elementwise scale{
        [=](OpBuilder &b, Location l, ArrayRef<Value> a) -> Value {
          return arith::MulFOp::create(b, l, a[0],
                                       floatConst(b, l, a[0].getType(), inv));
        },
        [=](ArrayRef<double> a, bool) { return a[0] * inv; }};
    Tensor *ops[] = {&result};
    FailureOr<Tensor> mean = elementwise(ops, t, scale);
    if (failed(mean))
      return failure();
    result = *mean;
  }
  setOutput(0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

LogicalResult Importer::importTranspose() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  FailureOr<SmallVector<int64_t>> perm = getIntsAttr("perm");
  if (failed(perm))
    return failure();
  if (perm->empty())
    for (int64_t d = rank - 1; d >= 0; --d)
      perm->push_back(d);
  SmallVector<int64_t> sorted(*perm);
  llvm::sort(sorted);
  bool valid = static_cast<int64_t>(sorted.size()) == rank;
  for (int64_t d = 0; valid && d < rank; ++d)
    valid = sorted[d] == d;
  if (!valid) {
    std::string s;
    llvm::raw_string_ostream os(s);
    llvm::interleaveComma(*perm, os);
    return fail("attribute 'perm' [" + s + "] is not a permutation of " +
                Twine(rank) + " dimensions");
  }
  // The identity (every permutation of a scalar) moves nothing.
  if (llvm::all_of(llvm::enumerate(*perm),
                   [](auto p) { return p.value() == int64_t(p.index()); })) {
    setOutput(0, **x);
    return success();
  }
  SmallVector<int64_t> shape;
  for (int64_t p : *perm)
    shape.push_back((*x)->type.getDimSize(p));
  auto outType = RankedTensorType::get(shape, (*x)->type.getElementType());
  if ((*x)->host && outType.getNumElements() <= kFoldLimit) {
    SmallVector<int64_t> strides = stridesOf((*x)->type.getShape());
    setOutput(0, makeHost(permuteHost(*(*x)->host, outType,
                                      [&](ArrayRef<int64_t> idx) {
                                        int64_t off = 0;
                                        for (int64_t d = 0; d < rank; ++d)
                                          off += idx[d] * strides[(*perm)[d]];
                                        return off;
                                      })));
    return success();
  }
  setOutput(0, makeValue(transposeValue(materialize(**x), *perm)));
  return success();
}

LogicalResult Importer::importReshape() {
  FailureOr<Tensor *> x = requiredInput(0), s = requiredInput(1);
  if (failed(x) || failed(s))
    return failure();
  FailureOr<SmallVector<int64_t>> target = constantInts(*s, "the shape input");
  FailureOr<int64_t> allowZero = getIntAttr("allowzero", 0);
  if (failed(target) || failed(allowZero))
    return failure();
  ArrayRef<int64_t> in = (*x)->type.getShape();
  SmallVector<int64_t> shape;
  int64_t inferred = -1, known = 1;
  for (auto [d, v] : llvm::enumerate(*target)) {
    if (v == 0 && !*allowZero) {
      if (d >= in.size())
        return fail("shape entry " + Twine(d) +
                    " copies a dimension the input (" + shapeString(in) +
                    ") does not have");
      v = in[d];
    }
    if (v == -1) {
      if (inferred >= 0)
        return fail("the shape has more than one -1");
      inferred = d;
      shape.push_back(1);
      continue;
    }
    if (v < 0)
      return fail("invalid shape entry " + Twine(v));
    shape.push_back(v);
    // A product past the input's elements cannot match it (and must not
    // overflow).
    if (llvm::MulOverflow(known, v, known))
      return fail("cannot reshape " + shapeString(in) + " into " +
                  shapeString(*target) + " (its element count overflows)");
  }
  int64_t total = numElements(in);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      return fail("cannot reshape " + shapeString(in) + " with a -1 entry in " +
                  shapeString(*target));
    shape[inferred] = total / known;
  } else if (known != total) {
    return fail("cannot reshape " + shapeString(in) + " (" + Twine(total) +
                " elements) into " + shapeString(shape));
  }
  setOutput(0, reshapeTensor(**x, shape));
  return success();
}

LogicalResult Importer::importUnsqueeze() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  SmallVector<int64_t> axes;
  if (opset >= 13) {
    FailureOr<Tensor *> a = requiredInput(1);
    if (failed(a))
      return failure();
    FailureOr<SmallVector<int64_t>> v = constantInts(*a, "axes");
    if (failed(v))
      return failure();
    axes = *v;
  } else {
    FailureOr<SmallVector<int64_t>> v = getIntsAttr("axes");
    if (failed(v))
      return failure();
    axes = *v;
  }
  int64_t outRank = (*x)->type.getRank() + axes.size();
  SmallVector<bool> isNew(outRank, false);
  for (int64_t a : axes) {
    FailureOr<int64_t> n = normalizeAxis(a, outRank);
    if (failed(n))
      return failure();
    if (isNew[*n])
      return fail("axis " + Twine(a) + " appears twice");
    isNew[*n] = true;
  }
  SmallVector<int64_t> shape;
  ArrayRef<int64_t> in = (*x)->type.getShape();
  for (int64_t d = 0, j = 0; d < outRank; ++d)
    shape.push_back(isNew[d] ? 1 : in[j++]);
  setOutput(0, reshapeTensor(**x, shape));
  return success();
}

LogicalResult Importer::importSqueeze() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  SmallVector<int64_t> axes;
  if (opset >= 13) {
    if (Tensor *a = input(1)) {
      FailureOr<SmallVector<int64_t>> v = constantInts(a, "axes");
      if (failed(v))
        return failure();
      axes = *v;
    }
  } else {
    FailureOr<SmallVector<int64_t>> v = getIntsAttr("axes");
    if (failed(v))
      return failure();
    axes = *v;
  }
  ArrayRef<int64_t> in = (*x)->type.getShape();
  int64_t rank = in.size();
  SmallVector<bool> drop(rank, axes.empty());
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      drop[d] = in[d] == 1;
  for (int64_t a : axes) {
    FailureOr<int64_t> n = normalizeAxis(a, rank);
    if (failed(n))
      return failure();
    if (in[*n] != 1)
      return fail("cannot squeeze dimension " + Twine(*n) + " of size " +
                  Twine(in[*n]));
    drop[*n] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    if (!drop[d])
      shape.push_back(in[d]);
  setOutput(0, reshapeTensor(**x, shape));
  return success();
}

LogicalResult Importer::importFlatten() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  FailureOr<int64_t> axisAttr = getIntAttr("axis", 1);
  if (failed(axisAttr))
    return failure();
  int64_t axis = *axisAttr < 0 ? *axisAttr + rank : *axisAttr;
  if (axis < 0 || axis > rank)
    return fail("axis " + Twine(*axisAttr) + " is out of range for rank " +
                Twine(rank));
  ArrayRef<int64_t> in = (*x)->type.getShape();
  setOutput(0, reshapeTensor(**x, {numElements(in.take_front(axis)),
                                   numElements(in.drop_front(axis))}));
  return success();
}

LogicalResult Importer::importSplit() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  FailureOr<int64_t> axisAttr = getIntAttr("axis", 0);
  if (failed(axisAttr))
    return failure();
  FailureOr<int64_t> axis = normalizeAxis(*axisAttr, rank);
  if (failed(axis))
    return failure();
  int64_t dim = (*x)->type.getDimSize(*axis);
  SmallVector<int64_t> sizes;
  if (opset >= 13) {
    if (Tensor *s = input(1)) {
      FailureOr<SmallVector<int64_t>> v = constantInts(s, "split");
      if (failed(v))
        return failure();
      sizes = *v;
    }
  } else {
    FailureOr<SmallVector<int64_t>> v = getIntsAttr("split");
    if (failed(v))
      return failure();
    sizes = *v;
  }
  int64_t numOutputs = node->output_size();
  if (sizes.empty()) {
    FailureOr<int64_t> n = getIntAttr("num_outputs", numOutputs);
    if (failed(n))
      return failure();
    if (*n <= 0 || *n != numOutputs)
      return fail("num_outputs " + Twine(*n) + " does not match the " +
                  Twine(numOutputs) + " outputs");
    int64_t chunk = (dim + *n - 1) / *n;
    for (int64_t i = 0; i < *n; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  }
  if (static_cast<int64_t>(sizes.size()) != numOutputs)
    return fail("split has " + Twine(sizes.size()) + " sizes for " +
                Twine(numOutputs) + " outputs");
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0)
      return fail("negative split size " + Twine(s));
    total += s;
  }
  if (total != dim)
    return fail("split sizes add up to " + Twine(total) + ", not the " +
                Twine(dim) + " of axis " + Twine(*axis));
  int64_t offset = 0;
  for (auto [i, s] : llvm::enumerate(sizes)) {
    SmallVector<int64_t> offsets(rank, 0), shape((*x)->type.getShape()),
        strides(rank, 1);
    offsets[*axis] = offset;
    shape[*axis] = s;
    offset += s;
    if ((*x)->host) {
      SmallVector<int64_t> inStrides = stridesOf((*x)->type.getShape());
      auto outType = RankedTensorType::get(shape, (*x)->type.getElementType());
      setOutput(i, makeHost(permuteHost(
                       *(*x)->host, outType, [&](ArrayRef<int64_t> idx) {
                         int64_t off = 0;
                         for (int64_t d = 0; d < rank; ++d)
                           off += (idx[d] + offsets[d]) * inStrides[d];
                         return off;
                       })));
      continue;
    }
    setOutput(
        i, makeValue(extractSlice(materialize(**x), offsets, shape, strides)));
  }
  return success();
}

LogicalResult Importer::importSlice() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (opset >= 10) {
    FailureOr<Tensor *> s = requiredInput(1), e = requiredInput(2);
    if (failed(s) || failed(e))
      return failure();
    FailureOr<SmallVector<int64_t>> sv = constantInts(*s, "starts");
    if (failed(sv))
      return failure();
    FailureOr<SmallVector<int64_t>> ev = constantInts(*e, "ends");
    if (failed(ev))
      return failure();
    starts = *sv;
    ends = *ev;
    if (Tensor *a = input(3)) {
      FailureOr<SmallVector<int64_t>> av = constantInts(a, "axes");
      if (failed(av))
        return failure();
      axes = *av;
    }
    if (Tensor *st = input(4)) {
      FailureOr<SmallVector<int64_t>> stv = constantInts(st, "steps");
      if (failed(stv))
        return failure();
      steps = *stv;
    }
  } else {
    FailureOr<SmallVector<int64_t>> sv = getIntsAttr("starts"),
                                    ev = getIntsAttr("ends"),
                                    av = getIntsAttr("axes");
    if (failed(sv) || failed(ev) || failed(av))
      return failure();
    starts = *sv;
    ends = *ev;
    axes = *av;
  }
  if (axes.empty())
    for (size_t d = 0; d < starts.size(); ++d)
      axes.push_back(d);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || starts.size() != axes.size() ||
      starts.size() != steps.size())
    return fail("starts, ends, axes and steps differ in length");
  ArrayRef<int64_t> in = (*x)->type.getShape();
  SmallVector<int64_t> offsets(rank, 0), sizes(in), strides(rank, 1);
  for (size_t i = 0; i < starts.size(); ++i) {
    FailureOr<int64_t> axis = normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    int64_t dim = in[*axis], step = steps[i];
    if (step <= 0)
      return fail("step " + Twine(step) + " on axis " + Twine(*axis) +
                  " is not supported (only positive steps)");
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v = v < -dim ? 0 : v + dim;
      return std::min(v, dim);
    };
    int64_t start = clampIndex(starts[i]), end = clampIndex(ends[i]);
    offsets[*axis] = start;
    // ceil((end - start) / step) without overflowing for a huge step.
    sizes[*axis] = end > start ? (end - start - 1) / step + 1 : 0;
    strides[*axis] = step;
  }
  auto outType = RankedTensorType::get(sizes, (*x)->type.getElementType());
  if ((*x)->host) {
    SmallVector<int64_t> inStrides = stridesOf(in);
    setOutput(
        0,
        makeHost(permuteHost(*(*x)->host, outType, [&](ArrayRef<int64_t> idx) {
          int64_t off = 0;
          for (int64_t d = 0; d < rank; ++d)
            off += (offsets[d] + idx[d] * strides[d]) * inStrides[d];
          return off;
        })));
    return success();
  }
  setOutput(0,
            makeValue(extractSlice(materialize(**x), offsets, sizes, strides)));
  return success();
}

LogicalResult Importer::importConcat() {
  if (inputs.empty())
    return fail("expected at least one input");
  SmallVector<Tensor *> parts;
  for (unsigned i = 0; i < inputs.size(); ++i) {
    FailureOr<Tensor *> t = requiredInput(i);
    if (failed(t))
      return failure();
    parts.push_back(*t);
  }
  int64_t rank = parts[0]->type.getRank();
  FailureOr<int64_t> axisAttr = getIntAttr("axis", std::nullopt);
  if (failed(axisAttr))
    return failure();
  FailureOr<int64_t> axis = normalizeAxis(*axisAttr, rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(parts[0]->type.getShape());
  shape[*axis] = 0;
  for (Tensor *p : parts) {
    bool same = p->type.getRank() == rank &&
                p->type.getElementType() == parts[0]->type.getElementType();
    for (int64_t d = 0; same && d < rank; ++d)
      same = d == *axis || p->type.getDimSize(d) == shape[d];
    if (!same)
      return fail("cannot concatenate " + typeString(parts[0]->type) + " and " +
                  typeString(p->type) + " along axis " + Twine(*axis));
    shape[*axis] += p->type.getDimSize(*axis);
  }
  auto outType = RankedTensorType::get(shape, parts[0]->type.getElementType());
  bool allKnown = llvm::all_of(parts, [](Tensor *t) { return t->host; });
  if (allKnown && outType.getNumElements() <= kFoldLimit) {
    HostTensor out = HostTensor::zeros(outType);
    int64_t outer = numElements(ArrayRef<int64_t>(shape).take_front(*axis));
    int64_t inner = numElements(ArrayRef<int64_t>(shape).drop_front(*axis + 1));
    int64_t k = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (Tensor *p : parts) {
        int64_t block = p->type.getDimSize(*axis) * inner;
        for (int64_t j = 0; j < block; ++j)
          out.copyFrom(k++, *p->host, o * block + j);
      }
    setOutput(0, makeHost(std::move(out)));
    return success();
  }
  Value result = emptyTensor(shape, outType.getElementType());
  int64_t offset = 0;
  for (Tensor *p : parts) {
    SmallVector<OpFoldResult> offsets(rank, builder.getIndexAttr(0)), sizes,
        strides(rank, builder.getIndexAttr(1));
    offsets[*axis] = builder.getIndexAttr(offset);
    for (int64_t d : p->type.getShape())
      sizes.push_back(builder.getIndexAttr(d));
    offset += p->type.getDimSize(*axis);
    if (p->type.getDimSize(*axis) == 0)
      continue;
    result = tensor::InsertSliceOp::create(builder, loc, materialize(*p),
                                           result, offsets, sizes, strides);
  }
  setOutput(0, makeValue(result));
  return success();
}

LogicalResult Importer::importGather() {
  FailureOr<Tensor *> data = requiredInput(0), indices = requiredInput(1);
  if (failed(data) || failed(indices))
    return failure();
  int64_t rank = (*data)->type.getRank();
  if (rank == 0)
    return fail("data must not be a scalar");
  FailureOr<int64_t> axisAttr = getIntAttr("axis", 0);
  if (failed(axisAttr))
    return failure();
  FailureOr<int64_t> axis = normalizeAxis(*axisAttr, rank);
  if (failed(axis))
    return failure();
  Type indexType = (*indices)->type.getElementType();
  if (!indexType.isInteger(64) && !indexType.isInteger(32))
    return fail("indices must be int32 or int64, got " +
                typeString((*indices)->type));
  ArrayRef<int64_t> dShape = (*data)->type.getShape();
  ArrayRef<int64_t> iShape = (*indices)->type.getShape();
  int64_t dim = dShape[*axis];
  SmallVector<int64_t> shape(dShape.take_front(*axis));
  shape.append(iShape.begin(), iShape.end());
  shape.append(dShape.begin() + *axis + 1, dShape.end());
  auto outType = RankedTensorType::get(shape, (*data)->type.getElementType());
  int64_t iRank = iShape.size();

  if ((*indices)->host) {
    for (int64_t k = 0, e = (*indices)->host->size(); k < e; ++k) {
      int64_t v = (*indices)->host->i[k];
      if (v < -dim || v >= dim)
        return fail("index " + Twine(v) + " is out of range for axis " +
                    Twine(*axis) + " of size " + Twine(dim));
    }
  }
  if ((*data)->host && (*indices)->host &&
      outType.getNumElements() <= kFoldLimit) {
    SmallVector<int64_t> dStrides = stridesOf(dShape),
                         iStrides = stridesOf(iShape);
    const HostTensor &idxHost = *(*indices)->host;
    setOutput(0, makeHost(permuteHost(
                     *(*data)->host, outType, [&](ArrayRef<int64_t> idx) {
                       int64_t ioff = 0;
                       for (int64_t d = 0; d < iRank; ++d)
                         ioff += idx[*axis + d] * iStrides[d];
                       int64_t g = idxHost.i[ioff];
                       if (g < 0)
                         g += dim;
                       int64_t off = 0;
                       for (int64_t d = 0; d < rank; ++d) {
                         int64_t v = d < *axis    ? idx[d]
                                     : d == *axis ? g
                                                  : idx[d + iRank - 1];
                         off += v * dStrides[d];
                       }
                       return off;
                     })));
    return success();
  }
  // A constant scalar index: a slice that drops the axis.
  if ((*indices)->host && iRank == 0) {
    int64_t g = (*indices)->host->i[0];
    if (g < 0)
      g += dim;
    SmallVector<int64_t> offsets(rank, 0), sizes(dShape), strides(rank, 1);
    offsets[*axis] = g;
    sizes[*axis] = 1;
    Value slice = extractSlice(materialize(**data), offsets, sizes, strides);
    setOutput(0, makeValue(reshapeValue(slice, shape)));
    return success();
  }
  // General case: a generic that reads the index and extracts the element.
  int64_t outRank = shape.size();
  SmallVector<AffineExpr> idxExprs;
  for (int64_t d = 0; d < iRank; ++d)
    idxExprs.push_back(getAffineDimExpr(*axis + d, ctx));
  SmallVector<AffineMap> maps = {
      AffineMap::get(outRank, 0, idxExprs, ctx),
      AffineMap::getMultiDimIdentityMap(outRank, ctx)};
  Value dataV = materialize(**data);
  Value init = emptyTensor(shape, outType.getElementType());
  SmallVector<utils::IteratorType> iterators(outRank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{outType}, ValueRange{materialize(**indices)},
      ValueRange{init}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value g = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
        Value dimV = arith::ConstantIndexOp::create(b, l, dim);
        Value zero = arith::ConstantIndexOp::create(b, l, 0);
        Value neg =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, g, zero);
        g = arith::SelectOp::create(b, l, neg,
                                    arith::AddIOp::create(b, l, g, dimV), g);
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d) {
          if (d == *axis)
            coords.push_back(g);
          else
            coords.push_back(
                linalg::IndexOp::create(b, l, d < *axis ? d : d + iRank - 1));
        }
        linalg::YieldOp::create(
            b, l, Value(tensor::ExtractOp::create(b, l, dataV, coords)));
      });
  setOutput(0, makeValue(generic.getResult(0)));
  return success();
}

LogicalResult Importer::importTrilu() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  FailureOr<int64_t> upper = getIntAttr("upper", 1);
  if (failed(upper))
    return failure();
  int64_t k = 0;
  if (Tensor *kt = input(1)) {
    FailureOr<SmallVector<int64_t>> v = constantInts(kt, "k");
    if (failed(v))
      return failure();
    if (v->size() != 1)
      return fail("k must hold one value");
    k = (*v)[0];
  }
  int64_t rank = (*x)->type.getRank();
  if (rank < 2)
    return fail("expected a tensor of rank 2 or more, got " +
                typeString((*x)->type));
  bool up = *upper != 0;
  auto keep = [&](int64_t i, int64_t j) {
    return up ? j - i >= k : j - i <= k;
  };
  if ((*x)->host) {
    HostTensor out = *(*x)->host;
    int64_t rows = (*x)->type.getDimSize(rank - 2);
    int64_t cols = (*x)->type.getDimSize(rank - 1);
    for (int64_t e = 0, n = out.size(); e < n; ++e) {
      int64_t j = e % cols, i = (e / cols) % rows;
      if (!keep(i, j))
        out.setFromDouble(e, 0.0);
    }
    setOutput(0, makeHost(std::move(out)));
    return success();
  }
  Type t = (*x)->type.getElementType();
  SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value init = emptyTensor((*x)->type.getShape(), t);
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{(*x)->type}, ValueRange{materialize(**x)},
      ValueRange{init}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value i = linalg::IndexOp::create(b, l, rank - 2);
        Value j = linalg::IndexOp::create(b, l, rank - 1);
        Value diff = arith::SubIOp::create(b, l, j, i);
        Value kv = arith::ConstantIndexOp::create(b, l, k);
        Value cond = arith::CmpIOp::create(
            b, l, up ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
            diff, kv);
        Value zero = isa<FloatType>(t) ? floatConst(b, l, t, 0.0)
                                       : Value(arith::ConstantOp::create(
                                             b, l, b.getIntegerAttr(t, 0)));
        linalg::YieldOp::create(
            b, l, Value(arith::SelectOp::create(b, l, cond, args[0], zero)));
      });
  setOutput(0, makeValue(generic.getResult(0)));
  return success();
}

LogicalResult Importer::importCast() {
  FailureOr<Tensor *> x = requiredInput(0);
  FailureOr<int64_t> to = getIntAttr("to", std::nullopt);
  if (failed(x) || failed(to))
    return failure();
  FailureOr<Type> toType =
      convertElementType(static_cast<int32_t>(*to), "attribute 'to'");
  if (failed(toType))
    return failure();
  Type target = *toType;
  Elementwise ew{[=](OpBuilder &b, Location l, ArrayRef<Value> a) -> Value {
                   return castScalar(b, l, a[0], target);
                 },
                 [](ArrayRef<double> a, bool) { return a[0]; }};
  if ((*x)->host && !(*x)->host->isFloat() && !isa<FloatType>(target)) {
    // Integer to integer: keep all 64 bits.
    HostTensor out = *(*x)->host;
    out.type = RankedTensorType::get((*x)->type.getShape(), target);
    unsigned width = target.getIntOrFloatBitWidth();
    for (int64_t &v : out.i)
      v = width == 1 ? v != 0 : width >= 64 ? v : llvm::SignExtend64(v, width);
    setOutput(0, makeHost(std::move(out)));
    return success();
  }
  Tensor *ops[] = {*x};
  FailureOr<Tensor> r = elementwise(ops, target, ew);
  if (failed(r))
    return failure();
  setOutput(0, *r);
  return success();
}

LogicalResult Importer::importConstant() {
  if (node->attribute_size() != 1)
    return fail("expected exactly one attribute (value, value_float, "
                "value_floats, value_int or value_ints)");
  const onnx::AttributeProto &attr = node->attribute(0);
  Type f32 = builder.getF32Type(), i64 = builder.getI64Type();
  auto make = [&](Type t, ArrayRef<int64_t> shape) {
    return HostTensor::zeros(RankedTensorType::get(shape, t));
  };
  if (attr.name() == "value" && attr.type() == onnx::AttributeProto::TENSOR) {
    FailureOr<HostTensor> t = readTensorProto(attr.t(), "attribute 'value'");
    if (failed(t))
      return failure();
    setOutput(0, makeHost(std::move(*t)));
    return success();
  }
  if (attr.name() == "value_float" &&
      attr.type() == onnx::AttributeProto::FLOAT) {
    HostTensor t = make(f32, {});
    t.f[0] = attr.f();
    setOutput(0, makeHost(std::move(t)));
    return success();
  }
  if (attr.name() == "value_int" && attr.type() == onnx::AttributeProto::INT) {
    HostTensor t = make(i64, {});
    t.i[0] = attr.i();
    setOutput(0, makeHost(std::move(t)));
    return success();
  }
  if (attr.name() == "value_floats" &&
      attr.type() == onnx::AttributeProto::FLOATS) {
    HostTensor t = make(f32, {attr.floats_size()});
    for (int k = 0; k < attr.floats_size(); ++k)
      t.f[k] = attr.floats(k);
    setOutput(0, makeHost(std::move(t)));
    return success();
  }
  if (attr.name() == "value_ints" &&
      attr.type() == onnx::AttributeProto::INTS) {
    HostTensor t = make(i64, {attr.ints_size()});
    for (int k = 0; k < attr.ints_size(); ++k)
      t.i[k] = attr.ints(k);
    setOutput(0, makeHost(std::move(t)));
    return success();
  }
  return fail("unsupported attribute '" + attr.name() +
              "' (expected a tensor 'value', 'value_float', 'value_floats', "
              "'value_int' or 'value_ints')");
}

LogicalResult Importer::importShape() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  FailureOr<int64_t> startAttr = getIntAttr("start", 0);
  FailureOr<int64_t> endAttr = getIntAttr("end", rank);
  if (failed(startAttr) || failed(endAttr))
    return failure();
  auto clampIndex = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  int64_t start = clampIndex(*startAttr), end = clampIndex(*endAttr);
  int64_t n = std::max<int64_t>(0, end - start);
  HostTensor t =
      HostTensor::zeros(RankedTensorType::get({n}, builder.getI64Type()));
  for (int64_t d = 0; d < n; ++d)
    t.i[d] = (*x)->type.getDimSize(start + d);
  setOutput(0, makeHost(std::move(t)));
  return success();
}

LogicalResult Importer::importConstantOfShape() {
  FailureOr<Tensor *> s = requiredInput(0);
  if (failed(s))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = constantInts(*s, "the shape input");
  if (failed(shape))
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return fail("negative dimension " + Twine(d) + " in the shape");
  HostTensor value =
      HostTensor::zeros(RankedTensorType::get({1}, builder.getF32Type()));
  if (const onnx::AttributeProto *attr = findAttr("value")) {
    if (attr->type() != onnx::AttributeProto::TENSOR)
      return fail("attribute 'value' must be a tensor");
    FailureOr<HostTensor> v = readTensorProto(attr->t(), "attribute 'value'");
    if (failed(v))
      return failure();
    if (v->size() != 1)
      return fail("attribute 'value' must hold one element");
    value = *v;
  }
  auto type = RankedTensorType::get(*shape, value.type.getElementType());
  if (type.getNumElements() > kFoldLimit) {
    Value scalar = scalarConstant(type.getElementType(), value.get(0));
    setOutput(
        0, makeValue(linalg::FillOp::create(
                         builder, loc, ValueRange{scalar},
                         ValueRange{emptyTensor(*shape, type.getElementType())})
                         .getResult(0)));
    return success();
  }
  HostTensor out = HostTensor::zeros(type);
  for (int64_t k = 0, e = out.size(); k < e; ++k)
    out.copyFrom(k, value, 0);
  setOutput(0, makeHost(std::move(out)));
  return success();
}

LogicalResult Importer::importRange() {
  Tensor *args[3];
  for (unsigned i = 0; i < 3; ++i) {
    FailureOr<Tensor *> t = requiredInput(i);
    if (failed(t))
      return failure();
    if (!(*t)->host || (*t)->type.getNumElements() != 1)
      return fail("start, limit and delta must be constant scalars");
    args[i] = *t;
  }
  double start = args[0]->host->get(0), limit = args[1]->host->get(0),
         delta = args[2]->host->get(0);
  if (delta == 0)
    return fail("delta must not be zero");
  // The count in double first: a non-finite or huge one has no int64 value.
  double count = std::ceil((limit - start) / delta);
  if (!std::isfinite(count) || count > double(kFoldLimit))
    return fail(llvm::formatv("range from {0} to {1} by {2} has too many "
                              "elements (more than {3})",
                              llvm::format("%g", start),
                              llvm::format("%g", limit),
                              llvm::format("%g", delta), kFoldLimit)
                    .str());
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
  HostTensor out = HostTensor::zeros(
      RankedTensorType::get({n}, args[0]->type.getElementType()));
  for (int64_t k = 0; k < n; ++k)
    out.setFromDouble(k, start + k * delta);
  setOutput(0, makeHost(std::move(out)));
  return success();
}

LogicalResult Importer::importExpand() {
  FailureOr<Tensor *> x = requiredInput(0), s = requiredInput(1);
  if (failed(x) || failed(s))
    return failure();
  FailureOr<SmallVector<int64_t>> target = constantInts(*s, "the shape input");
  if (failed(target))
    return failure();
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes({(*x)->type.getShape(), *target});
  if (failed(shape))
    return failure();
  auto outType = RankedTensorType::get(*shape, (*x)->type.getElementType());
  if ((*x)->host && outType.getNumElements() <= kFoldLimit) {
    ArrayRef<int64_t> in = (*x)->type.getShape();
    int64_t rank = shape->size(), lead = rank - in.size();
    SmallVector<int64_t> inStrides = stridesOf(in);
    setOutput(0, makeHost(permuteHost(*(*x)->host, outType,
                                      [&](ArrayRef<int64_t> idx) {
                                        int64_t off = 0;
                                        for (size_t d = 0; d < in.size(); ++d)
                                          if (in[d] != 1)
                                            off += idx[lead + d] * inStrides[d];
                                        return off;
                                      })));
    return success();
  }
  setOutput(0, makeValue(broadcastTo(materialize(**x), *shape)));
  return success();
}

LogicalResult Importer::importIdentity() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  if (node->op_type() == "Dropout" && node->output_size() > 1 &&
      !node->output(1).empty())
    return fail("the mask output of Dropout is not supported");
  setOutput(0, **x);
  return success();
}

//===----------------------------------------------------------------------===//
// Graph
//===----------------------------------------------------------------------===//

LogicalResult Importer::importNode(const onnx::NodeProto &n, unsigned index) {
  node = &n;
  nodeName = n.name().empty() ? "#" + std::to_string(index) : n.name();
  loc = NameLoc::get(builder.getStringAttr(nodeName));
  inputs.clear();
  for (const std::string &name : n.input()) {
    if (name.empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    auto it = values.find(name);
    if (it == values.end())
      return fail("input '" + name +
                  "' is not a graph input, an initializer or the output of "
                  "an earlier node");
    inputs.push_back(&it->second);
  }
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    return fail("unsupported operator domain '" + n.domain() + "'");

  StringRef op = n.op_type();
  static const llvm::StringSet<> elementwiseOps = {
      "Add",   "Sub",        "Mul",         "Div",
      "Pow",   "Max",        "Min",         "Equal",
      "Less",  "Greater",    "LessOrEqual", "GreaterOrEqual",
      "And",   "Or",         "Xor",         "Not",
      "Where", "Neg",        "Abs",         "Relu",
      "Sqrt",  "Exp",        "Log",         "Erf",
      "Tanh",  "Reciprocal", "Sigmoid",     "Softplus",
      "Gelu",  "Sin",        "Cos"};
  if (elementwiseOps.contains(op)) {
    // Max and Min are variadic in ONNX; two inputs are supported.
    return importElementwise(op);
  }
  if (op == "MatMul")
    return importMatMul();
  if (op == "Gemm")
    return importGemm();
  if (op == "Einsum")
    return importEinsum();
  if (op == "Softmax")
    return importSoftmax();
  if (op == "Transpose")
    return importTranspose();
  if (op == "Reshape")
    return importReshape();
  if (op == "Unsqueeze")
    return importUnsqueeze();
  if (op == "Squeeze")
    return importSqueeze();
  if (op == "Flatten")
    return importFlatten();
  if (op == "Split")
    return importSplit();
  if (op == "Slice")
    return importSlice();
  if (op == "Concat")
    return importConcat();
  if (op == "Gather")
    return importGather();
  if (op == "Trilu")
    return importTrilu();
  if (op == "Cast")
    return importCast();
  if (op == "Constant")
    return importConstant();
  if (op == "Shape")
    return importShape();
  if (op == "ConstantOfShape")
    return importConstantOfShape();
  if (op == "Range")
    return importRange();
  if (op == "Expand")
    return importExpand();
  if (op == "LayerNormalization")
    return importLayerNorm();
  if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax")
    return importReduce(op);
  if (op == "Identity" || op == "Dropout")
    return importIdentity();
  return fail("unsupported operator '" + op + "'");
}

llvm::Expected<OwningOpRef<ModuleOp>>
Importer::run(const onnx::ModelProto &model) {
  auto makeError = [&]() {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), error);
  };
  for (const onnx::OperatorSetIdProto &set : model.opset_import())
    if (set.domain().empty() || set.domain() == "ai.onnx")
      opset = set.version();
  if (opset == 0) {
    error = "the model imports no version of the default operator set";
    return makeError();
  }
  if (options.funcName.empty()) {
    error = "the function name is empty (--func-name)";
    return makeError();
  }
  if (!model.has_graph()) {
    error = "the model has no graph";
    return makeError();
  }
  const onnx::GraphProto &graph = model.graph();

  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(ctx));
  builder.setInsertionPointToEnd(module->getBody());

  // Initializers first: graph inputs of the same name (old IR versions) are
  // then not function arguments.
  for (const onnx::TensorProto &init : graph.initializer()) {
    FailureOr<HostTensor> t =
        readTensorProto(init, "initializer '" + init.name() + "'");
    if (failed(t))
      return makeError();
    values[init.name()] = makeHost(std::move(*t));
  }

  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const onnx::ValueInfoProto &in : graph.input()) {
    if (values.count(in.name()))
      continue;
    std::string what = "graph input '" + in.name() + "'";
    if (!in.type().has_tensor_type()) {
      error = what + " is not a tensor";
      return makeError();
    }
    const onnx::TypeProto::Tensor &tt = in.type().tensor_type();
    FailureOr<Type> elementType = convertElementType(tt.elem_type(), what);
    if (failed(elementType))
      return makeError();
    if (!tt.has_shape()) {
      error = what + " has no shape (export with static shapes)";
      return makeError();
    }
    SmallVector<int64_t> shape;
    for (auto [d, dim] : llvm::enumerate(tt.shape().dim())) {
      if (dim.has_dim_value() && dim.dim_value() >= 0) {
        shape.push_back(dim.dim_value());
        continue;
      }
      if (dim.has_dim_param()) {
        auto it = options.dimParams.find(dim.dim_param());
        if (it != options.dimParams.end()) {
          shape.push_back(it->second);
          continue;
        }
        error = what + " has the symbolic dimension '" + dim.dim_param() +
                "' (dimension " + std::to_string(d) +
                "); give its size with --dim " + dim.dim_param() + "=N";
        return makeError();
      }
      error = what + " has an unknown dimension " + std::to_string(d) +
              " (export with static shapes)";
      return makeError();
    }
    // Element counts past 2^40 overflow the importer's and the runner's
    // size arithmetic long before any machine holds them.
    int64_t elements = 1;
    for (int64_t dim : shape)
      if (llvm::MulOverflow(elements, dim, elements) ||
          elements > (int64_t(1) << 40)) {
        error = what + " is too large (" + shapeString(shape) +
                ": more than 2^40 elements)";
        return makeError();
      }
    argTypes.push_back(RankedTensorType::get(shape, *elementType));
    argNames.push_back(in.name());
  }

  auto func =
      func::FuncOp::create(builder, UnknownLoc::get(ctx), options.funcName,
                           builder.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  for (auto [i, name] : llvm::enumerate(argNames)) {
    values[name] = makeValue(body->getArgument(i));
    func.setArgAttr(i, "onnx.name", builder.getStringAttr(name));
  }

  for (auto [i, n] : llvm::enumerate(graph.node()))
    if (failed(importNode(n, i)))
      return makeError();
  node = nullptr;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const onnx::ValueInfoProto &out : graph.output()) {
    auto it = values.find(out.name());
    if (it == values.end()) {
      error = "graph output '" + out.name() + "' is not produced by any node";
      return makeError();
    }
    Tensor &t = it->second;
    if (out.type().has_tensor_type() && out.type().tensor_type().has_shape()) {
      const auto &dims = out.type().tensor_type().shape().dim();
      bool matches = dims.size() == t.type.getRank();
      for (int d = 0; matches && d < dims.size(); ++d)
        matches = !dims[d].has_dim_value() ||
                  dims[d].dim_value() == t.type.getDimSize(d);
      if (!matches) {
        std::string declared;
        for (const auto &dim : dims)
          declared += (declared.empty() ? "" : "x") +
                      (dim.has_dim_value() ? std::to_string(dim.dim_value())
                                           : std::string("?"));
        error = "graph output '" + out.name() + "' is declared " +
                (declared.empty() ? "scalar" : declared) + " but computes " +
                shapeString(t.type.getShape());
        return makeError();
      }
    }
    loc = UnknownLoc::get(ctx);
    results.push_back(materialize(t));
    resultTypes.push_back(t.type);
  }
  func::ReturnOp::create(builder, UnknownLoc::get(ctx), results);
  func.setType(builder.getFunctionType(argTypes, resultTypes));
  for (auto [i, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "onnx.name", builder.getStringAttr(out.name()));
  if (options.streamDim) {
    auto attr = builder.getI64IntegerAttr(*options.streamDim);
    for (auto [i, type] : llvm::enumerate(argTypes))
      if (cast<RankedTensorType>(type).getRank() > *options.streamDim)
        func.setArgAttr(i, "longctx.stream_dim", attr);
    for (auto [i, type] : llvm::enumerate(resultTypes))
      if (cast<RankedTensorType>(type).getRank() > *options.streamDim)
        func.setResultAttr(i, "longctx.stream_dim", attr);
  }
  // Drop what only folded computations used (reshapes peeled away,
  // constants no longer needed).
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  if (failed(verify(*module))) {
    error = "the imported module does not verify (an importer bug)";
    return makeError();
  }
  return std::move(module);
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

void mlir::longctx::registerONNXImportDialects(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                  math::MathDialect, tensor::TensorDialect>();
}

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::longctx::importONNXModel(llvm::StringRef bytes, MLIRContext *context,
                               const ONNXImportOptions &options) {
  DialectRegistry registry;
  registerONNXImportDialects(registry);
  context->appendDialectRegistry(registry);
  context->loadAllAvailableDialects();

  onnx::ModelProto model;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "not a valid ONNX model (the protobuf message does not parse: "
        "truncated or corrupt file)");
  Importer importer(context, options);
  return importer.run(model);
}

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::longctx::importONNXFile(llvm::StringRef path, MLIRContext *context,
                              const ONNXImportOptions &options) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (std::error_code ec = buffer.getError())
    return llvm::createStringError(ec, "cannot open '%s': %s",
                                   path.str().c_str(), ec.message().c_str());
  llvm::Expected<OwningOpRef<ModuleOp>> module =
      importONNXModel((*buffer)->getBuffer(), context, options);
  if (!module)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "'%s': %s",
                                   path.str().c_str(),
                                   llvm::toString(module.takeError()).c_str());
  return module;
}
