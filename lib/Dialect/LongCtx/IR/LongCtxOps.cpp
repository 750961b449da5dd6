//===- LongCtxOps.cpp - longctx operations --------------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::longctx;

#define GET_OP_CLASSES
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.cpp.inc"

/// Two extents agree unless both are static and differ.
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
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

double AttentionOp::getEffectiveScale() {
  if (FloatAttr scale = getScaleAttr())
    return scale.getValueAsDouble();
  int64_t headDim = getQuery().getType().getShape().back();
  return 1.0 / std::sqrt(static_cast<double>(headDim));
}

LogicalResult AttentionOp::verify() {
  RankedTensorType queryType = getQuery().getType();
  RankedTensorType keyType = getKey().getType();
  RankedTensorType valueType = getValue().getType();
  RankedTensorType resultType = getResult().getType();

  std::pair<StringRef, RankedTensorType> operands[] = {{"query", queryType},
                                                       {"key", keyType},
                                                       {"value", valueType},
                                                       {"result", resultType}};
  for (auto [name, type] : operands) {
    if (type.getRank() != 4)
      return emitOpError() << "expected " << name
                           << " to be a rank-4 tensor, got rank "
                           << type.getRank();
  }
  Type elementType = queryType.getElementType();
  for (auto [name, type] : operands) {
    if (type.getElementType() != elementType)
      return emitOpError() << "expected " << name
                           << " element type to match the query element type "
                           << elementType << ", got " << type.getElementType();
  }

  ArrayRef<int64_t> q = queryType.getShape();
  ArrayRef<int64_t> k = keyType.getShape();
  ArrayRef<int64_t> v = valueType.getShape();
  for (auto [name, shape] : {std::make_pair("key", k), {"value", v}}) {
    if (!compatible(shape[0], q[0]))
      return emitOpError() << "expected " << name
                           << " batch size to match the query batch size "
                           << q[0] << ", got " << shape[0];
  }
  if (!compatible(k[1], v[1]))
    return emitOpError()
           << "expected key and value to have the same number of heads, got "
           << k[1] << " and " << v[1];
  if (!ShapedType::isDynamic(q[1]) && !ShapedType::isDynamic(k[1]) &&
      (k[1] == 0 || q[1] % k[1] != 0))
    return emitOpError() << "expected the number of query heads (" << q[1]
                         << ") to be a multiple of the number of key/value "
                            "heads ("
                         << k[1] << ")";
  if (!compatible(k[2], v[2]))
    return emitOpError()
           << "expected key and value sequence lengths to match, got " << k[2]
           << " and " << v[2];
  if (!compatible(q[3], k[3]))
    return emitOpError() << "expected query and key head dims to match, got "
                         << q[3] << " and " << k[3];

  SmallVector<int64_t> expected = {q[0], q[1], q[2], v[3]};
  if (!llvm::all_of(llvm::zip_equal(expected, resultType.getShape()),
                    [](auto p) {
                      return compatible(std::get<0>(p), std::get<1>(p));
                    }))
    return emitOpError() << "expected result shape " << shapeToString(expected)
                         << " ([B, H, N, dv]), got "
                         << shapeToString(resultType.getShape());

  if (Value mask = getMask()) {
    auto maskType = cast<RankedTensorType>(mask.getType());
    if (maskType.getRank() != 4)
      return emitOpError()
             << "expected mask to be a rank-4 tensor [B|1, H|1, N, M], got "
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
    if (!compatible(m[2], q[2]))
      return emitOpError() << "expected mask dimension 2 to be the query "
                              "sequence length "
                           << q[2] << ", got " << m[2];
    if (!compatible(m[3], k[2]))
      return emitOpError() << "expected mask dimension 3 to be the key "
                              "sequence length "
                           << k[2] << ", got " << m[3];
  }

  if (FloatAttr scale = getScaleAttr()) {
    if (!std::isfinite(scale.getValueAsDouble()))
      return emitOpError() << "expected a finite scale, got "
                           << scale.getValueAsDouble();
  }
  return success();
}
