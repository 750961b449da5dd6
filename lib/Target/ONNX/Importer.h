//===- Importer.h - The ONNX importer's pieces ----------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Private to lib/Target/ONNX: the importer (graph walk, tensor table, host
// constants and folding, diagnostics, the emitters the converters share) and
// the table from operator name to converter, filled by one file per
// operator family (ElementwiseOps.cpp, LinalgOps.cpp, ShapeOps.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_LIB_TARGET_ONNX_IMPORTER_H
#define LONGCTX_LIB_TARGET_ONNX_IMPORTER_H

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
#include "llvm/ADT/StringMap.h"

namespace mlir::longctx::importer {


/// Largest constant (in elements) computed on the host while importing;
/// larger results are emitted as IR.
inline constexpr int64_t kFoldLimit = int64_t(1) << 22;

inline std::string shapeString(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(shape, os, "x");
  return s;
}

inline std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

inline int64_t numElements(ArrayRef<int64_t> shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

inline SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
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
  /// The integer list `name` of an operator that moved it from an attribute
  /// to its constant input `index` in some opset: from the input when
  /// `fromInput` (an absent input is empty, or an error when `required`),
  /// else from the attribute (absent: empty).
  FailureOr<SmallVector<int64_t>> intsFromInputOrAttr(bool fromInput,
                                                      unsigned index,
                                                      StringRef name,
                                                      bool required = false);
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);
  /// The `axis` attribute (default `dflt`) normalised for `rank`.
  FailureOr<int64_t> getAxisAttr(std::optional<int64_t> dflt, int64_t rank);
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

public:
  // Operators (the converters of ConverterTable) ------------------------------
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

private:
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

/// A host tensor of `outType` whose element at each multi-index is element
/// `srcIndex(index)` of `src`.
HostTensor permuteHost(const HostTensor &src, RankedTensorType outType,
                       llvm::function_ref<int64_t(ArrayRef<int64_t>)> srcIndex);
/// `v` converted to the scalar type `to` (float widths, float <-> int, to
/// and from i1 as != 0).
Value castScalar(OpBuilder &b, Location loc, Value v, Type to);
/// The scalar constant `v` of float type `type`.
Value floatConst(OpBuilder &b, Location loc, Type type, double v);

/// Converts the importer's current node of operator `op` (its inputs bound,
/// its outputs set by the converter).
using Converter = LogicalResult (*)(Importer &importer, StringRef op);

/// The converters by operator name. Adding an operator touches its family's
/// file only: its `add...Converters` registers it here.
class ConverterTable {
public:
  void add(StringRef op, Converter converter) { table[op] = converter; }
  Converter lookup(StringRef op) const { return table.lookup(op); }

private:
  llvm::StringMap<Converter> table;
};

/// Elementwise and math operators (ElementwiseOps.cpp).
void addElementwiseConverters(ConverterTable &table);
/// Contractions, softmax, normalisation and reductions (LinalgOps.cpp).
void addLinalgConverters(ConverterTable &table);
/// Shape, data movement and constants (ShapeOps.cpp).
void addShapeConverters(ConverterTable &table);

} // namespace mlir::longctx::importer

#endif // LONGCTX_LIB_TARGET_ONNX_IMPORTER_H
