//===- LongCtxOps.cpp - longctx operations --------------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::longctx;

#include "longctx/Dialect/LongCtx/IR/LongCtxEnums.cpp.inc"

/// The state results of a Titans op are not spelled out: they have the types
/// of the state operands, in order (`newWeights` those of `weights`,
/// `newMomentum` those of `momentum`).
static ParseResult parseStateResultTypes(OpAsmParser &, TypeRange weights,
                                         TypeRange momentum,
                                         SmallVectorImpl<Type> &newWeights,
                                         SmallVectorImpl<Type> &newMomentum) {
  llvm::append_range(newWeights, weights);
  llvm::append_range(newMomentum, momentum);
  return success();
}

static void printStateResultTypes(OpAsmPrinter &, Operation *, TypeRange,
                                  TypeRange, TypeRange, TypeRange) {}

#define GET_OP_CLASSES
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.cpp.inc"

/// Two extents agree unless both are static and differ.
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Two shapes of one rank agree unless some extent is static in both and
/// differs.
static bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  return llvm::all_of(llvm::zip_equal(a, b), [](auto p) {
    return compatible(std::get<0>(p), std::get<1>(p));
  });
}

/// Prints a shape as `[1, ?, 64]`.
static std::string shapeToString(ArrayRef<int64_t> shape) {
  std::string str = "[";
  llvm::raw_string_ostream os(str);
  llvm::interleaveComma(shape, os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << "?";
    else
      os << dim;
  });
  os << "]";
  return str;
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

std::optional<double> AttentionOp::getEffectiveScale() {
  if (FloatAttr scale = getScaleAttr())
    return scale.getValueAsDouble();
  int64_t headDim = getQuery().getType().getShape().back();
  if (ShapedType::isDynamic(headDim))
    return std::nullopt;
  return 1.0 / std::sqrt(static_cast<double>(headDim));
}

/// Checks that every named type is a rank-`rank` tensor.
static LogicalResult
verifyRanks(Operation *op, int64_t rank,
            ArrayRef<std::pair<StringRef, RankedTensorType>> types) {
  for (auto [name, type] : types) {
    if (type.getRank() != rank)
      return op->emitOpError()
             << "expected " << name << " to be a rank-" << rank
             << " tensor, got rank " << type.getRank();
  }
  return success();
}

/// Checks that every named type has `elementType` (the query's).
static LogicalResult
verifyElementTypes(Operation *op, Type elementType,
                   ArrayRef<std::pair<StringRef, RankedTensorType>> types) {
  for (auto [name, type] : types) {
    if (type.getElementType() != elementType)
      return op->emitOpError()
             << "expected " << name
             << " element type to match the query element type " << elementType
             << ", got " << type.getElementType();
  }
  return success();
}

/// Checks Q [B, H, N, d], K [B, Hkv, M, d], V [B, Hkv, M, dv] and the result
/// [B, H, N, dv] of an attention-like op (all rank 4, one element type).
static LogicalResult verifyAttentionShapes(Operation *op,
                                           RankedTensorType queryType,
                                           RankedTensorType keyType,
                                           RankedTensorType valueType,
                                           RankedTensorType resultType) {
  std::pair<StringRef, RankedTensorType> operands[] = {{"query", queryType},
                                                       {"key", keyType},
                                                       {"value", valueType},
                                                       {"result", resultType}};
  if (failed(verifyRanks(op, 4, operands)) ||
      failed(verifyElementTypes(op, queryType.getElementType(), operands)))
    return failure();

  ArrayRef<int64_t> q = queryType.getShape();
  ArrayRef<int64_t> k = keyType.getShape();
  ArrayRef<int64_t> v = valueType.getShape();
  for (auto [name, shape] : {std::make_pair("key", k), {"value", v}}) {
    if (!compatible(shape[0], q[0]))
      return op->emitOpError() << "expected " << name
                               << " batch size to match the query batch size "
                               << q[0] << ", got " << shape[0];
  }
  if (!compatible(k[1], v[1]))
    return op->emitOpError()
           << "expected key and value to have the same number of heads, got "
           << k[1] << " and " << v[1];
  if (!ShapedType::isDynamic(q[1]) && !ShapedType::isDynamic(k[1]) &&
      (k[1] == 0 || q[1] % k[1] != 0))
    return op->emitOpError()
           << "expected the number of query heads (" << q[1]
           << ") to be a multiple of the number of key/value heads (" << k[1]
           << ")";
  if (!compatible(k[2], v[2]))
    return op->emitOpError()
           << "expected key and value sequence lengths to match, got " << k[2]
           << " and " << v[2];
  if (!compatible(q[3], k[3]))
    return op->emitOpError()
           << "expected query and key head dims to match, got " << q[3]
           << " and " << k[3];
  // Zero-size head dims leave nothing to compute and nothing to scale by.
  if (q[3] == 0 || k[3] == 0 || v[3] == 0)
    return op->emitOpError() << "expected head dims of at least 1, got d = "
                             << (q[3] == 0 ? q[3] : k[3]) << " and dv = "
                             << v[3];

  SmallVector<int64_t> expected = {q[0], q[1], q[2], v[3]};
  if (!shapesCompatible(expected, resultType.getShape()))
    return op->emitOpError()
           << "expected result shape " << shapeToString(expected)
           << " ([B, H, N, dv]), got " << shapeToString(resultType.getShape());
  return success();
}

/// The element type of the memory state for inputs of `elementType`.
Type mlir::longctx::getStateElementType(Type elementType) {
  MLIRContext *ctx = elementType.getContext();
  return elementType.isF64() ? Type(Float64Type::get(ctx))
                             : Type(Float32Type::get(ctx));
}

/// Checks the memory M [B, Hkv, d, dv] and normaliser z [B, Hkv, d] against
/// `expected` = [B, Hkv, d, dv] for inputs of `elementType`.
static LogicalResult verifyMemoryState(Operation *op, Type elementType,
                                       ArrayRef<int64_t> expected,
                                       RankedTensorType memoryType,
                                       RankedTensorType normType) {
  if (memoryType.getRank() != 4)
    return op->emitOpError()
           << "expected memory to be a rank-4 tensor [B, Hkv, d, dv], got rank "
           << memoryType.getRank();
  if (normType.getRank() != 3)
    return op->emitOpError()
           << "expected norm to be a rank-3 tensor [B, Hkv, d], got rank "
           << normType.getRank();
  Type stateType = getStateElementType(elementType);
  for (auto [name, type] : {std::make_pair("memory", memoryType),
                            std::make_pair("norm", normType)}) {
    if (type.getElementType() != stateType)
      return op->emitOpError()
             << "expected " << name << " element type " << stateType
             << " (the state type for " << elementType << " inputs), got "
             << type.getElementType();
  }
  if (!shapesCompatible(expected, memoryType.getShape()))
    return op->emitOpError()
           << "expected memory shape " << shapeToString(expected)
           << " ([B, Hkv, d, dv]), got "
           << shapeToString(memoryType.getShape());
  if (!shapesCompatible(expected.take_front(3), normType.getShape()))
    return op->emitOpError()
           << "expected norm shape " << shapeToString(expected.take_front(3))
           << " ([B, Hkv, d]), got " << shapeToString(normType.getShape());
  return success();
}

static LogicalResult verifyEps(Operation *op, double eps) {
  if (!(eps > 0) || !std::isfinite(eps))
    return op->emitOpError()
           << "expected eps to be positive and finite, got " << eps;
  return success();
}

static LogicalResult verifyScale(Operation *op, FloatAttr scale) {
  if (scale && !std::isfinite(scale.getValueAsDouble()))
    return op->emitOpError()
           << "expected a finite scale, got " << scale.getValueAsDouble();
  return success();
}

LogicalResult AttentionOp::verify() {
  RankedTensorType queryType = getQuery().getType();
  RankedTensorType keyType = getKey().getType();
  if (failed(verifyAttentionShapes(*this, queryType, keyType,
                                   getValue().getType(),
                                   getResult().getType())))
    return failure();
  Type elementType = queryType.getElementType();
  ArrayRef<int64_t> q = queryType.getShape();
  ArrayRef<int64_t> k = keyType.getShape();

  if (Value mask = getMask()) {
    auto maskType = cast<RankedTensorType>(mask.getType());
    if (maskType.getRank() != 4)
      return emitOpError()
             << "expected mask to be a rank-4 tensor [B|1, H|1, N|1, M], got "
                "rank "
             << maskType.getRank();
    Type maskElementType = maskType.getElementType();
    if (!maskElementType.isInteger(1) && maskElementType != elementType)
      return emitOpError() << "expected a floating-point mask to have the "
                              "query element type "
                           << elementType << ", got " << maskElementType;
    ArrayRef<int64_t> m = maskType.getShape();
    for (int dim = 0; dim < 2; ++dim) {
      if (m[dim] != 1 && !compatible(m[dim], q[dim]))
        return emitOpError() << "expected mask dimension " << dim
                             << " to be 1 or " << q[dim] << ", got " << m[dim];
    }
    if (m[2] != 1 && !compatible(m[2], q[2]))
      return emitOpError() << "expected mask dimension 2 to be 1 or the query "
                              "sequence length "
                           << q[2] << ", got " << m[2];
    if (!compatible(m[3], k[2]))
      return emitOpError() << "expected mask dimension 3 to be the key "
                              "sequence length "
                           << k[2] << ", got " << m[3];
  }

  if (IntegerAttr windowAttr = getWindowAttr()) {
    if (!getCausal())
      return emitOpError() << "expected causal attention with a window";
    if (int64_t window = windowAttr.getInt(); window <= 0)
      return emitOpError() << "expected a positive window, got " << window;
  }
  if (IntegerAttr sinksAttr = getSinksAttr()) {
    if (!getCausal())
      return emitOpError() << "expected causal attention with sinks";
    if (int64_t sinks = sinksAttr.getInt(); sinks <= 0)
      return emitOpError() << "expected a positive number of sinks, got "
                           << sinks;
  }
  return verifyScale(*this, getScaleAttr());
}

//===----------------------------------------------------------------------===//
// MemoryRetrieveOp
//===----------------------------------------------------------------------===//

LogicalResult MemoryRetrieveOp::verify() {
  RankedTensorType queryType = getQuery().getType();
  RankedTensorType resultType = getResult().getType();
  RankedTensorType memoryType = getMemory().getType();
  std::pair<StringRef, RankedTensorType> operands[] = {{"query", queryType},
                                                       {"result", resultType}};
  if (failed(verifyRanks(*this, 4, operands)) ||
      failed(verifyElementTypes(*this, queryType.getElementType(), operands)))
    return failure();
  if (memoryType.getRank() != 4)
    return emitOpError()
           << "expected memory to be a rank-4 tensor [B, Hkv, d, dv], got rank "
           << memoryType.getRank();
  ArrayRef<int64_t> q = queryType.getShape();
  ArrayRef<int64_t> m = memoryType.getShape();
  if (!ShapedType::isDynamic(q[1]) && !ShapedType::isDynamic(m[1]) &&
      (m[1] == 0 || q[1] % m[1] != 0))
    return emitOpError() << "expected the number of query heads (" << q[1]
                         << ") to be a multiple of the number of memory "
                            "heads ("
                         << m[1] << ")";
  SmallVector<int64_t> expectedState = {q[0], m[1], q[3], m[3]};
  if (failed(verifyMemoryState(*this, queryType.getElementType(), expectedState,
                               memoryType, getNorm().getType())))
    return failure();
  SmallVector<int64_t> expected = {q[0], q[1], q[2], m[3]};
  if (!shapesCompatible(expected, resultType.getShape()))
    return emitOpError() << "expected result shape " << shapeToString(expected)
                         << " ([B, H, S, dv]), got "
                         << shapeToString(resultType.getShape());
  return verifyEps(*this, getEps().convertToDouble());
}

//===----------------------------------------------------------------------===//
// MemoryUpdateOp
//===----------------------------------------------------------------------===//

LogicalResult MemoryUpdateOp::verify() {
  RankedTensorType keyType = getKey().getType();
  RankedTensorType valueType = getValue().getType();
  std::pair<StringRef, RankedTensorType> operands[] = {{"key", keyType},
                                                       {"value", valueType}};
  if (failed(verifyRanks(*this, 4, operands)))
    return failure();
  if (keyType.getElementType() != valueType.getElementType())
    return emitOpError() << "expected key and value element types to match, "
                            "got "
                         << keyType.getElementType() << " and "
                         << valueType.getElementType();
  ArrayRef<int64_t> k = keyType.getShape();
  ArrayRef<int64_t> v = valueType.getShape();
  for (int dim = 0; dim < 3; ++dim) {
    if (!compatible(k[dim], v[dim]))
      return emitOpError() << "expected key and value dimension " << dim
                           << " to match, got " << k[dim] << " and " << v[dim];
  }
  SmallVector<int64_t> expectedState = {k[0], k[1], k[3], v[3]};
  if (failed(verifyMemoryState(*this, keyType.getElementType(), expectedState,
                               getMemory().getType(), getNorm().getType())))
    return failure();
  return verifyEps(*this, getEps().convertToDouble());
}

//===----------------------------------------------------------------------===//
// InfiniAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult InfiniAttentionOp::verify() {
  RankedTensorType queryType = getQuery().getType();
  RankedTensorType keyType = getKey().getType();
  RankedTensorType valueType = getValue().getType();
  if (failed(verifyAttentionShapes(*this, queryType, keyType, valueType,
                                   getResult().getType())))
    return failure();
  ArrayRef<int64_t> q = queryType.getShape();
  ArrayRef<int64_t> k = keyType.getShape();
  if (!compatible(q[2], k[2]))
    return emitOpError() << "expected the key sequence length to match the "
                            "query sequence length "
                         << q[2] << " (self-attention), got " << k[2];
  Type elementType = queryType.getElementType();
  SmallVector<int64_t> expectedState = {q[0], k[1], q[3],
                                        valueType.getDimSize(3)};
  if (failed(verifyMemoryState(*this, elementType, expectedState,
                               getMemory().getType(), getNorm().getType())))
    return failure();

  RankedTensorType gateType = getGate().getType();
  if (gateType.getRank() != 1 || !compatible(gateType.getDimSize(0), q[1]))
    return emitOpError() << "expected gate shape [" << q[1]
                         << "] (one logit per query head), got "
                         << shapeToString(gateType.getShape());
  if (gateType.getElementType() != getStateElementType(elementType))
    return emitOpError() << "expected gate element type "
                         << getStateElementType(elementType) << ", got "
                         << gateType.getElementType();

  Value memoryQuery = getMemoryQuery(), memoryKey = getMemoryKey();
  if (bool(memoryQuery) != bool(memoryKey))
    return emitOpError() << "expected both or neither of memory_query and "
                            "memory_key";
  if (memoryQuery) {
    if (memoryQuery.getType() != queryType)
      return emitOpError() << "expected memory_query type " << queryType
                           << " (the query type), got "
                           << memoryQuery.getType();
    if (memoryKey.getType() != keyType)
      return emitOpError() << "expected memory_key type " << keyType
                           << " (the key type), got " << memoryKey.getType();
  }
  // The I64Attr getter is unsigned: read the signed value.
  if (int64_t segment = getSegmentLengthAttr().getInt(); segment <= 0)
    return emitOpError() << "expected a positive segment_length, got "
                         << segment;
  if (failed(verifyEps(*this, getEps().convertToDouble())))
    return failure();
  return verifyScale(*this, getScaleAttr());
}

std::optional<double> InfiniAttentionOp::getEffectiveScale() {
  if (FloatAttr scale = getScaleAttr())
    return scale.getValueAsDouble();
  int64_t headDim = getQuery().getType().getShape().back();
  if (ShapedType::isDynamic(headDim))
    return std::nullopt;
  return 1.0 / std::sqrt(static_cast<double>(headDim));
}

//===----------------------------------------------------------------------===//
// TitansMemoryOp
//===----------------------------------------------------------------------===//

/// Checks the token operands of the Titans ops: K, V, Q [B, H, N, d|dv|d],
/// the result [B, Hq, N, dv], the rates [B, H, N] in the state type, and a
/// positive chunk length. With `grouped`, the queries may have Hq = G H
/// heads (G query heads read each memory head); else Hq = H.
static LogicalResult verifyTitansTokens(Operation *op, RankedTensorType keyType,
                                        RankedTensorType valueType,
                                        RankedTensorType queryType,
                                        RankedTensorType resultType,
                                        RankedTensorType rateType,
                                        IntegerAttr chunkLength, bool grouped) {
  std::pair<StringRef, RankedTensorType> operands[] = {{"key", keyType},
                                                       {"value", valueType},
                                                       {"query", queryType},
                                                       {"result", resultType}};
  if (failed(verifyRanks(op, 4, operands)) ||
      failed(verifyElementTypes(op, queryType.getElementType(), operands)))
    return failure();
  ArrayRef<int64_t> k = keyType.getShape();
  ArrayRef<int64_t> v = valueType.getShape();
  ArrayRef<int64_t> q = queryType.getShape();
  // Query heads that are a whole multiple of the memory heads.
  bool groupedHeads = grouped && !ShapedType::isDynamic(k[1]) &&
                      !ShapedType::isDynamic(q[1]) && k[1] > 0 &&
                      q[1] % k[1] == 0;
  for (int dim = 0; dim < 3; ++dim) {
    if (dim == 1 && compatible(k[1], v[1]) && groupedHeads)
      continue;
    if (!compatible(k[dim], v[dim]) || !compatible(k[dim], q[dim]))
      return op->emitOpError() << "expected key, value and query dimension "
                               << dim << " to match"
                               << (dim == 1 && grouped
                                       ? " (or the query heads to be a "
                                         "multiple of the key heads)"
                                       : "")
                               << ", got " << k[dim] << ", " << v[dim]
                               << " and " << q[dim];
  }
  if (!compatible(k[3], q[3]))
    return op->emitOpError()
           << "expected query and key head dims to match, got " << q[3]
           << " and " << k[3];
  if (k[3] == 0 || v[3] == 0)
    return op->emitOpError() << "expected head dims of at least 1, got d = "
                             << k[3] << " and dv = " << v[3];
  SmallVector<int64_t> expected = {q[0], q[1], q[2], v[3]};
  if (!shapesCompatible(expected, resultType.getShape()))
    return op->emitOpError()
           << "expected result shape " << shapeToString(expected)
           << " ([B, H, N, dv]), got " << shapeToString(resultType.getShape());

  Type stateType = getStateElementType(queryType.getElementType());
  SmallVector<int64_t> expectedRates = {k[0], k[1], k[2]};
  if (rateType.getRank() != 3 ||
      !shapesCompatible(expectedRates, rateType.getShape()))
    return op->emitOpError() << "expected theta, eta and alpha shape "
                             << shapeToString(expectedRates)
                             << " ([B, H, N], one rate per token), got "
                             << shapeToString(rateType.getShape());
  if (rateType.getElementType() != stateType)
    return op->emitOpError()
           << "expected theta, eta and alpha element type " << stateType
           << ", got " << rateType.getElementType();
  // Read the signed value: the I64Attr getter is unsigned.
  if (int64_t chunk = chunkLength.getInt(); chunk <= 0)
    return op->emitOpError()
           << "expected a positive chunk_length, got " << chunk;
  return success();
}

/// Checks a Titans state tensor against `expected` in the state type.
static LogicalResult verifyTitansState(Operation *op, StringRef name,
                                       StringRef layout,
                                       ArrayRef<int64_t> expected,
                                       Type stateType, RankedTensorType type) {
  if (type.getRank() != 4 || !shapesCompatible(expected, type.getShape()))
    return op->emitOpError()
           << "expected " << name << " shape " << shapeToString(expected)
           << " (" << layout << "), got " << shapeToString(type.getShape());
  if (type.getElementType() != stateType)
    return op->emitOpError() << "expected " << name << " element type "
                             << stateType << ", got " << type.getElementType();
  return success();
}

LogicalResult TitansMemoryOp::verify() {
  RankedTensorType keyType = getKey().getType();
  RankedTensorType valueType = getValue().getType();
  RankedTensorType queryType = getQuery().getType();
  if (failed(verifyTitansTokens(*this, keyType, valueType, queryType,
                                getResult().getType(), getTheta().getType(),
                                getChunkLengthAttr(), /*grouped=*/true)))
    return failure();
  ArrayRef<int64_t> k = keyType.getShape();
  ArrayRef<int64_t> v = valueType.getShape();
  Type stateType = getStateElementType(queryType.getElementType());
  SmallVector<int64_t> expectedState = {k[0], k[1], k[3], v[3]};
  return verifyTitansState(*this, "weights and momentum", "[B, H, d, dv]",
                           expectedState, stateType, getWeights().getType());
}

//===----------------------------------------------------------------------===//
// TitansMlpMemoryOp
//===----------------------------------------------------------------------===//

LogicalResult TitansMlpMemoryOp::verify() {
  RankedTensorType keyType = getKey().getType();
  RankedTensorType valueType = getValue().getType();
  RankedTensorType queryType = getQuery().getType();
  if (failed(verifyTitansTokens(*this, keyType, valueType, queryType,
                                getResult().getType(), getTheta().getType(),
                                getChunkLengthAttr(), /*grouped=*/false)))
    return failure();
  unsigned depth = getDepth();
  if (depth < 2)
    return emitOpError() << "expected at least 2 weights (an MLP of depth >= "
                            "2; use longctx.titans_memory for a linear "
                            "memory), got "
                         << depth;
  if (getMomentum().size() != depth)
    return emitOpError() << "expected one momentum tensor per weight, got "
                         << depth << " weights and " << getMomentum().size()
                         << " momentum tensors";
  for (auto [i, pair] : llvm::enumerate(llvm::zip_equal(
           getWeights().getTypes(), getMomentum().getTypes(),
           getNewWeights().getTypes(), getNewMomentum().getTypes()))) {
    auto [w, s, newW, newS] = pair;
    if (w != s || w != newW || w != newS)
      return emitOpError() << "expected w" << i + 1 << ", s" << i + 1
                           << " and their results to have one type, got " << w
                           << ", " << s << ", " << newW << " and " << newS;
  }

  // Layer l maps the previous width (d for the first) to the next one (dv
  // for the last): W1 [B, H, d, h1], Wl [B, H, h(l-1), hl], WL [B, H, h, dv].
  ArrayRef<int64_t> k = keyType.getShape();
  ArrayRef<int64_t> v = valueType.getShape();
  Type stateType = getStateElementType(queryType.getElementType());
  int64_t in = k[3];
  for (auto [i, value] : llvm::enumerate(getWeights())) {
    auto type = cast<RankedTensorType>(value.getType());
    bool last = i + 1 == depth;
    int64_t out = last                  ? v[3]
                  : type.getRank() == 4 ? type.getDimSize(3)
                                        : ShapedType::kDynamic;
    StringRef layout = i == 0 ? "[B, H, d, hidden]"
                       : last ? "[B, H, hidden, dv]"
                              : "[B, H, hidden, hidden]";
    std::string name = llvm::formatv("w{0} and s{0}", i + 1).str();
    if (!last && out == 0)
      return emitOpError() << "expected hidden widths of at least 1, got 0 "
                              "for w"
                           << i + 1;
    SmallVector<int64_t> expected = {k[0], k[1], in, out};
    if (failed(
            verifyTitansState(*this, name, layout, expected, stateType, type)))
      return failure();
    in = out;
  }
  return success();
}
