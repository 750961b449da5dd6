//===- LinalgOps.cpp - ONNX contractions and norms ------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// MatMul, Gemm, Einsum, Softmax, LayerNormalization and the reductions.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::importer;

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
        Value sum = arith::AddFOp::create(b, l, args.back(), product);
        linalg::YieldOp::create(b, l, sum);
      });
  setOutput(0, makeValue(generic.getResult(0)));
  return success();
}

LogicalResult Importer::importSoftmax() {
  FailureOr<Tensor *> x = requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = (*x)->type.getRank();
  FailureOr<int64_t> axis = getAxisAttr(opset >= 13 ? -1 : 1, rank);
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
  FailureOr<SmallVector<int64_t>> axesOr =
      intsFromInputOrAttr(axesInput, 1, "axes");
  if (failed(axesOr))
    return failure();
  SmallVector<int64_t> rawAxes = *axesOr;
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

void mlir::longctx::importer::addLinalgConverters(ConverterTable &table) {
  table.add("MatMul", [](Importer &im, StringRef) {
    return im.importMatMul();
  });
  table.add("Gemm", [](Importer &im, StringRef) {
    return im.importGemm();
  });
  table.add("Einsum", [](Importer &im, StringRef) {
    return im.importEinsum();
  });
  table.add("Softmax", [](Importer &im, StringRef) {
    return im.importSoftmax();
  });
  table.add("LayerNormalization", [](Importer &im, StringRef) {
    return im.importLayerNorm();
  });
  table.add("ReduceMean", [](Importer &im, StringRef op) {
    return im.importReduce(op);
  });
  table.add("ReduceSum", [](Importer &im, StringRef op) {
    return im.importReduce(op);
  });
  table.add("ReduceMax", [](Importer &im, StringRef op) {
    return im.importReduce(op);
  });
}
