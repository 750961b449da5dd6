//===- ShapeOps.cpp - ONNX shape operators --------------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Shape and data movement (Transpose, Reshape, Slice, Gather, ...) and
// constants (Constant, Shape, ConstantOfShape, Range), folded on the host
// where their inputs are known.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::importer;

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
  FailureOr<SmallVector<int64_t>> axesOr =
      intsFromInputOrAttr(opset >= 13, 1, "axes", /*required=*/true);
  if (failed(axesOr))
    return failure();
  SmallVector<int64_t> axes = *axesOr;
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
  FailureOr<SmallVector<int64_t>> axesOr =
      intsFromInputOrAttr(opset >= 13, 1, "axes");
  if (failed(axesOr))
    return failure();
  SmallVector<int64_t> axes = *axesOr;
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
  FailureOr<int64_t> axis = getAxisAttr(0, rank);
  if (failed(axis))
    return failure();
  int64_t dim = (*x)->type.getDimSize(*axis);
  FailureOr<SmallVector<int64_t>> sizesOr =
      intsFromInputOrAttr(opset >= 13, 1, "split");
  if (failed(sizesOr))
    return failure();
  SmallVector<int64_t> sizes = *sizesOr;
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
  FailureOr<int64_t> axis = getAxisAttr(std::nullopt, rank);
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
  FailureOr<int64_t> axis = getAxisAttr(0, rank);
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
  // An empty range (count <= 0, however negative) before any conversion.
  int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
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

void mlir::longctx::importer::addShapeConverters(ConverterTable &table) {
  table.add("Transpose", [](Importer &im, StringRef) {
    return im.importTranspose();
  });
  table.add("Reshape", [](Importer &im, StringRef) {
    return im.importReshape();
  });
  table.add("Unsqueeze", [](Importer &im, StringRef) {
    return im.importUnsqueeze();
  });
  table.add("Squeeze", [](Importer &im, StringRef) {
    return im.importSqueeze();
  });
  table.add("Flatten", [](Importer &im, StringRef) {
    return im.importFlatten();
  });
  table.add("Split", [](Importer &im, StringRef) {
    return im.importSplit();
  });
  table.add("Slice", [](Importer &im, StringRef) {
    return im.importSlice();
  });
  table.add("Concat", [](Importer &im, StringRef) {
    return im.importConcat();
  });
  table.add("Gather", [](Importer &im, StringRef) {
    return im.importGather();
  });
  table.add("Trilu", [](Importer &im, StringRef) {
    return im.importTrilu();
  });
  table.add("Cast", [](Importer &im, StringRef) {
    return im.importCast();
  });
  table.add("Constant", [](Importer &im, StringRef) {
    return im.importConstant();
  });
  table.add("Shape", [](Importer &im, StringRef) {
    return im.importShape();
  });
  table.add("ConstantOfShape", [](Importer &im, StringRef) {
    return im.importConstantOfShape();
  });
  table.add("Range", [](Importer &im, StringRef) {
    return im.importRange();
  });
  table.add("Expand", [](Importer &im, StringRef) {
    return im.importExpand();
  });
  table.add("Identity", [](Importer &im, StringRef) {
    return im.importIdentity();
  });
  table.add("Dropout", [](Importer &im, StringRef) {
    return im.importIdentity();
  });
}
