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
// This file is the importer's core (the graph walk, the tensor table, host
// constants, attributes, diagnostics and the shared emitters); the
// operators' converters live by family in ElementwiseOps.cpp, LinalgOps.cpp
// and ShapeOps.cpp, each registering its operators in the converter table
// (Importer.h): adding an operator touches its family's file only.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::importer;

HostTensor mlir::longctx::importer::permuteHost(
    const HostTensor &src, RankedTensorType outType,
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

FailureOr<SmallVector<int64_t>>
Importer::intsFromInputOrAttr(bool fromInput, unsigned index, StringRef name,
                              bool required) {
  if (!fromInput)
    return getIntsAttr(name);
  Tensor *t = input(index);
  if (!t && required) {
    FailureOr<Tensor *> missing = requiredInput(index);
    if (failed(missing))
      return failure();
    t = *missing;
  }
  if (!t)
    return SmallVector<int64_t>();
  return constantInts(t, name);
}

FailureOr<int64_t> Importer::getAxisAttr(std::optional<int64_t> dflt,
                                         int64_t rank) {
  FailureOr<int64_t> axis = getIntAttr("axis", dflt);
  if (failed(axis))
    return failure();
  return normalizeAxis(*axis, rank);
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
// Scalar helpers of the converters
//===----------------------------------------------------------------------===//

Value mlir::longctx::importer::castScalar(OpBuilder &b, Location loc,
                                          Value v, Type to) {
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

Value mlir::longctx::importer::floatConst(OpBuilder &b, Location loc,
                                          Type type, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v));
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
  static const ConverterTable converters = [] {
    ConverterTable table;
    addElementwiseConverters(table);
    addLinalgConverters(table);
    addShapeConverters(table);
    return table;
  }();
  if (Converter convert = converters.lookup(op))
    return convert(*this, op);
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
