//===- RaiseAttentionExpr.cpp - Scalar expressions of tensor values -------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Builds the scalar expression model of RaiseAttention.h from linalg ops
// (elementwise and single-reduction bodies, fills, transposes, broadcasts),
// constants and unit-dimension reshapes; TOSA ops are delegated to
// RaiseAttentionTosa.cpp. Also recognises linalg matmuls.
//
//===----------------------------------------------------------------------===//

#include "RaiseAttention.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace mlir::longctx::raise;

using Kind = Expr::Kind;

static double toDouble(APFloat value) {
  bool losesInfo = false;
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToDouble();
}

/// The value of a scalar float/int attribute, if it is one.
static std::optional<double> getScalarValue(Attribute attr) {
  if (auto f = dyn_cast<FloatAttr>(attr))
    return toDouble(f.getValue());
  if (auto i = dyn_cast<IntegerAttr>(attr)) {
    if (i.getType().isInteger(1))
      return i.getValue().isZero() ? 0.0 : 1.0;
    return static_cast<double>(i.getValue().getSExtValue());
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (!dense.isSplat())
      return std::nullopt;
    Type type = dense.getElementType();
    if (isa<FloatType>(type))
      return toDouble(dense.getSplatValue<APFloat>());
    if (type.isInteger(1))
      return dense.getSplatValue<bool>() ? 1.0 : 0.0;
    if (isa<IntegerType>(type))
      return static_cast<double>(dense.getSplatValue<APInt>().getSExtValue());
  }
  return std::nullopt;
}

Expr *ExprBuilder::make(Kind kind, ArrayRef<Expr *> args) {
  nodes.emplace_back();
  Expr &e = nodes.back();
  e.kind = kind;
  e.args.assign(args.begin(), args.end());
  return &e;
}

Expr *ExprBuilder::constant(double value) {
  Expr *e = make(Kind::Const);
  e->value = value;
  return e;
}

Expr *ExprBuilder::opaque(Operation *op) {
  Expr *e = make(Kind::Opaque);
  e->op = op;
  return e;
}

Expr *ExprBuilder::leaf(Value tensor, AffineMap map) {
  Expr *e = make(Kind::Leaf);
  e->tensor = tensor;
  e->map = map;
  return e;
}

Expr *ExprBuilder::tensor(Value tensor) {
  return this->tensor(tensor,
                      AffineMap::getMultiDimIdentityMap(rank(), getContext()));
}

Expr *ExprBuilder::tensor(Value tensor, AffineMap map, int depth) {
  auto key = std::make_pair(tensor, map);
  if (auto it = cache.find(key); it != cache.end())
    return it->second;
  // Large graphs: give up on the expression rather than grow without bound.
  if (nodes.size() > 50000 || depth > 256)
    return opaque(tensor.getDefiningOp());
  Expr *e = build(tensor, map, depth);
  auto type = dyn_cast<RankedTensorType>(tensor.getType());
  if (!e->source && e->kind != Kind::Leaf && e->kind != Kind::Const && type &&
      type.hasStaticShape()) {
    e->source = tensor;
    e->sourceMap = map;
  }
  cache[key] = e;
  return e;
}

static bool isReshape(Operation *op) {
  return isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::ReshapeOp>(
             op) ||
         isTosaReshape(op);
}

/// The source and result types of a static reshape, or nulls.
static std::pair<RankedTensorType, RankedTensorType> getReshapeTypes(Value v) {
  Operation *op = v.getDefiningOp();
  if (!op || !isReshape(op))
    return {};
  auto src = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  auto dst = dyn_cast<RankedTensorType>(v.getType());
  if (!src || !dst || !src.hasStaticShape() || !dst.hasStaticShape())
    return {};
  return {src, dst};
}

static SmallVector<int64_t> nonUnitDims(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> dims;
  for (int64_t size : shape)
    if (size != 1)
      dims.push_back(size);
  return dims;
}

Value mlir::longctx::raise::getUnitReshapeSource(Value v) {
  auto [src, dst] = getReshapeTypes(v);
  if (!src || nonUnitDims(src.getShape()) != nonUnitDims(dst.getShape()))
    return {};
  return v.getDefiningOp()->getOperand(0);
}

Value mlir::longctx::raise::getBatchReshapeSource(Value v) {
  auto [src, dst] = getReshapeTypes(v);
  if (!src || src.getRank() < 2 || dst.getRank() < 2 ||
      src.getNumElements() != dst.getNumElements() ||
      src.getShape().take_back(2) != dst.getShape().take_back(2))
    return {};
  return v.getDefiningOp()->getOperand(0);
}

Expr *ExprBuilder::build(Value tensor, AffineMap map, int depth) {
  Attribute attr;
  if (matchPattern(tensor, m_Constant(&attr))) {
    if (std::optional<double> value = getScalarValue(attr))
      return constant(*value);
    return leaf(tensor, map);
  }
  Operation *def = tensor.getDefiningOp();
  if (!def)
    return leaf(tensor, map);

  // Inserting or dropping unit dimensions only renames the indices.
  if (Value src = getUnitReshapeSource(tensor)) {
    auto srcType = cast<RankedTensorType>(src.getType());
    auto dstType = cast<RankedTensorType>(tensor.getType());
    SmallVector<AffineExpr> nonUnit;
    for (int64_t d = 0; d < dstType.getRank(); ++d)
      if (dstType.getDimSize(d) != 1)
        nonUnit.push_back(map.getResult(d));
    SmallVector<AffineExpr> results;
    unsigned next = 0;
    for (int64_t d = 0; d < srcType.getRank(); ++d)
      results.push_back(srcType.getDimSize(d) == 1
                            ? getAffineConstantExpr(0, getContext())
                            : nonUnit[next++]);
    return this->tensor(
        src, AffineMap::get(map.getNumDims(), 0, results, getContext()), depth);
  }

  if (maxDepth && depth >= maxDepth)
    return leaf(tensor, map);

  if (auto fill = dyn_cast<linalg::FillOp>(def)) {
    if (matchPattern(fill.value(), m_Constant(&attr)))
      if (std::optional<double> value = getScalarValue(attr))
        return constant(*value);
    return leaf(tensor, map);
  }
  if (isa<linalg::LinalgOp>(def))
    if (Expr *e = buildLinalg(def, cast<OpResult>(tensor).getResultNumber(),
                              map, depth))
      return e;
  if (Expr *e = buildTosaExpr(*this, def, map, depth))
    return e;
  return leaf(tensor, map);
}

namespace {
/// Translates the scalar body of a linalg op whose loops are bound to the
/// space by `loops` (space dims -> loop dims).
struct BodyTranslator {
  BodyTranslator(ExprBuilder &builder, linalg::LinalgOp op, AffineMap loops,
                 int depth, bool isReduction)
      : builder(builder), op(op), loops(loops), depth(depth),
        isReduction(isReduction) {}

  ExprBuilder &builder;
  linalg::LinalgOp op;
  AffineMap loops;
  int depth;
  bool isReduction;
  DenseMap<Value, Expr *> cache;

  Expr *translate(Value v) {
    if (auto it = cache.find(v); it != cache.end())
      return it->second;
    Expr *e = translateUncached(v);
    cache[v] = e;
    Operation *def = v.getDefiningOp();
    if (!e->source && !e->origin && !isReduction && def &&
        def->getBlock() == op.getBlock() &&
        op.getNumParallelLoops() == op.getNumLoops()) {
      e->origin = v;
      e->originOp = op;
      e->originLoops = loops;
    }
    return e;
  }

  Expr *operandExpr(OpOperand *operand) {
    Value value = operand->get();
    if (!isa<RankedTensorType>(value.getType())) {
      Attribute attr;
      if (matchPattern(value, m_Constant(&attr)))
        if (std::optional<double> c = getScalarValue(attr))
          return builder.constant(*c);
      return builder.opaque(op);
    }
    AffineMap map = op.getMatchingIndexingMap(operand).compose(loops);
    return builder.tensor(value, map, depth + 1);
  }

  Expr *binary(Kind kind, Operation *def) {
    return builder.make(
        kind, {translate(def->getOperand(0)), translate(def->getOperand(1))});
  }

  Expr *translateUncached(Value v) {
    Block *body = op.getBlock();
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() != body)
        return builder.opaque(op);
      unsigned index = arg.getArgNumber();
      if (index < op.getNumDpsInputs())
        return operandExpr(op.getDpsInputOperand(index));
      if (isReduction)
        return builder.opaque(op);
      return operandExpr(op.getDpsInitOperand(index - op.getNumDpsInputs()));
    }
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != body) {
      Attribute attr;
      if (matchPattern(v, m_Constant(&attr)))
        if (std::optional<double> c = getScalarValue(attr))
          return builder.constant(*c);
      return builder.opaque(def);
    }
    if (auto c = dyn_cast<arith::ConstantOp>(def)) {
      if (std::optional<double> value = getScalarValue(c.getValue()))
        return builder.constant(*value);
      return builder.opaque(def);
    }
    if (auto index = dyn_cast<linalg::IndexOp>(def)) {
      AffineExpr e = loops.getResult(index.getDim());
      if (auto d = dyn_cast<AffineDimExpr>(e)) {
        Expr *node = builder.make(Kind::Index);
        node->dim = d.getPosition();
        return node;
      }
      if (auto c = dyn_cast<AffineConstantExpr>(e))
        return builder.constant(c.getValue());
      return builder.opaque(def);
    }
    if (isa<arith::AddFOp, arith::AddIOp>(def))
      return binary(Kind::Add, def);
    if (isa<arith::SubFOp, arith::SubIOp>(def))
      return binary(Kind::Sub, def);
    if (isa<arith::MulFOp, arith::MulIOp>(def))
      return binary(Kind::Mul, def);
    if (isa<arith::DivFOp>(def))
      return binary(Kind::Div, def);
    if (isa<arith::MaximumFOp, arith::MaxNumFOp>(def))
      return binary(Kind::Max, def);
    if (isa<arith::AndIOp>(def))
      return binary(Kind::And, def);
    if (isa<arith::OrIOp>(def))
      return binary(Kind::Or, def);
    if (isa<arith::XOrIOp>(def))
      return binary(Kind::Xor, def);
    if (isa<arith::NegFOp>(def))
      return builder.make(Kind::Neg, {translate(def->getOperand(0))});
    if (isa<math::ExpOp>(def))
      return builder.make(Kind::Exp, {translate(def->getOperand(0))});
    if (isa<arith::ExtFOp, arith::TruncFOp, arith::IndexCastOp,
            arith::IndexCastUIOp>(def))
      return builder.make(Kind::Cast, {translate(def->getOperand(0))});
    if (auto select = dyn_cast<arith::SelectOp>(def))
      return builder.make(Kind::Select, {translate(select.getCondition()),
                                         translate(select.getTrueValue()),
                                         translate(select.getFalseValue())});
    if (auto cmp = dyn_cast<arith::CmpFOp>(def)) {
      Expr *e = binary(Kind::CmpF, def);
      e->pred = static_cast<int64_t>(cmp.getPredicate());
      return e;
    }
    if (auto cmp = dyn_cast<arith::CmpIOp>(def)) {
      Expr *e = binary(Kind::CmpI, def);
      e->pred = static_cast<int64_t>(cmp.getPredicate());
      return e;
    }
    // Any other arith op (sitofp, extui, trunci, ...) stays opaque, with its
    // operands, so that what it is computed from is known.
    Expr *e = builder.opaque(def);
    if (isa<arith::ArithDialect>(def->getDialect()) &&
        def->getNumResults() == 1)
      for (Value operand : def->getOperands())
        e->args.push_back(translate(operand));
    return e;
  }
};
} // namespace

Expr *ExprBuilder::buildLinalg(Operation *def, unsigned resultIndex,
                               AffineMap map, int depth) {
  auto op = cast<linalg::LinalgOp>(def);
  if (!op.hasPureTensorSemantics() || isa<linalg::SoftmaxOp>(def))
    return nullptr;
  OpOperand *init = op.getDpsInitOperand(resultIndex);
  AffineMap outMap = op.getMatchingIndexingMap(init);
  if (!outMap.isProjectedPermutation(/*allowZeroInResults=*/false))
    return nullptr;
  unsigned numLoops = op.getNumLoops();
  SmallVector<AffineExpr> loopExprs(numLoops);
  for (auto [k, result] : llvm::enumerate(outMap.getResults()))
    loopExprs[cast<AffineDimExpr>(result).getPosition()] = map.getResult(k);
  SmallVector<unsigned> unbound;
  for (unsigned l = 0; l < numLoops; ++l)
    if (!loopExprs[l])
      unbound.push_back(l);

  bool isReduction = !unbound.empty();
  if (isReduction) {
    // Only a reduction of one loop over the space's last dimension, which the
    // reduced tensor must not already be indexed by.
    int64_t last = rank() - 1;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (unbound.size() != 1 || last < 0 || map.isFunctionOfDim(last) ||
        ranges[unbound[0]] != shape[last] ||
        op.getIteratorTypesArray()[unbound[0]] !=
            utils::IteratorType::reduction)
      return nullptr;
    loopExprs[unbound[0]] = getAffineDimExpr(last, getContext());
    for (unsigned r = 0; r < def->getNumResults(); ++r)
      if (r != resultIndex && !def->getResult(r).use_empty())
        return nullptr;
  }
  AffineMap loops = AffineMap::get(rank(), 0, loopExprs, getContext());
  BodyTranslator translator(*this, op, loops, depth, isReduction);
  Block *body = op.getBlock();
  Value yielded = body->getTerminator()->getOperand(resultIndex);
  if (!isReduction)
    return translator.translate(yielded);

  // yielded = combine(x, acc): a running sum or maximum.
  Value acc = body->getArgument(op.getNumDpsInputs() + resultIndex);
  Operation *combine = yielded.getDefiningOp();
  if (!combine || combine->getBlock() != body)
    return nullptr;
  auto other = [&](Value a, Value b) -> Value {
    if (a == acc && b != acc)
      return b;
    if (b == acc && a != acc)
      return a;
    return {};
  };
  Kind kind;
  Value x;
  if (isa<arith::AddFOp>(combine)) {
    kind = Kind::RowSum;
    x = other(combine->getOperand(0), combine->getOperand(1));
  } else if (isa<arith::AndIOp>(combine)) {
    kind = Kind::RowAll;
    x = other(combine->getOperand(0), combine->getOperand(1));
  } else if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combine)) {
    kind = Kind::RowMax;
    x = other(combine->getOperand(0), combine->getOperand(1));
  } else if (auto select = dyn_cast<arith::SelectOp>(combine)) {
    // select(x > acc, x, acc)
    auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
    using P = arith::CmpFPredicate;
    if (!cmp || select.getFalseValue() != acc ||
        cmp.getLhs() != select.getTrueValue() || cmp.getRhs() != acc ||
        !llvm::is_contained({P::OGT, P::OGE, P::UGT, P::UGE},
                            cmp.getPredicate()))
      return nullptr;
    kind = Kind::RowMax;
    x = select.getTrueValue();
  } else {
    return nullptr;
  }
  if (!x)
    return nullptr;
  Expr *start = this->tensor(init->get(), map, depth + 1);
  return make(kind, {translator.translate(x), start});
}

Expr *ExprBuilder::bodyValue(Operation *op, Value value, AffineMap loops) {
  BodyTranslator translator(*this, cast<linalg::LinalgOp>(op), loops,
                            /*depth=*/0, /*isReduction=*/true);
  return translator.translate(value);
}

bool mlir::longctx::raise::equal(const Expr *a, const Expr *b) {
  if (a == b)
    return true;
  if (!a || !b || a->kind != b->kind || a->args.size() != b->args.size())
    return false;
  switch (a->kind) {
  case Kind::Opaque:
    return false;
  case Kind::Leaf:
    return a->tensor == b->tensor && a->map == b->map;
  case Kind::Const:
    return a->value == b->value;
  case Kind::Index:
    return a->dim == b->dim;
  case Kind::CmpF:
  case Kind::CmpI:
    if (a->pred != b->pred)
      return false;
    break;
  default:
    break;
  }
  for (auto [x, y] : llvm::zip(a->args, b->args))
    if (!equal(x, y))
      return false;
  return true;
}

Expr *mlir::longctx::raise::stripCasts(Expr *e) {
  while (e->kind == Kind::Cast)
    e = e->args[0];
  return e;
}

/// The loops the body value `v` of `op` depends on, or failure when it reads
/// the accumulator.
static FailureOr<llvm::SmallBitVector> getLoopDeps(linalg::LinalgOp op,
                                                   Value v) {
  llvm::SmallBitVector deps(op.getNumLoops());
  Block *body = op.getBlock();
  SmallVector<Value> worklist = {v};
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    if (!seen.insert(value).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(value)) {
      if (arg.getOwner() != body)
        continue;
      if (arg.getArgNumber() >= op.getNumDpsInputs())
        return failure();
      AffineMap map =
          op.getMatchingIndexingMap(op.getDpsInputOperand(arg.getArgNumber()));
      for (unsigned d = 0; d < op.getNumLoops(); ++d)
        if (map.isFunctionOfDim(d))
          deps.set(d);
      continue;
    }
    Operation *def = value.getDefiningOp();
    if (def->getBlock() != body)
      continue;
    if (auto index = dyn_cast<linalg::IndexOp>(def))
      deps.set(index.getDim());
    llvm::append_range(worklist, def->getOperands());
  }
  return deps;
}

/// Strips constant factors off the body value `v`: returns the block
/// argument it scales, and the factor.
static std::pair<BlockArgument, double> getScaledArgument(Value v) {
  double scale = 1.0;
  while (true) {
    if (auto arg = dyn_cast<BlockArgument>(v))
      return {arg, scale};
    Operation *def = v.getDefiningOp();
    if (!isa<arith::MulFOp, arith::DivFOp>(def))
      return {};
    Attribute attr;
    Value data = def->getOperand(0);
    std::optional<double> c;
    if (matchPattern(def->getOperand(1), m_Constant(&attr))) {
      c = getScalarValue(attr);
    } else if (isa<arith::MulFOp>(def) &&
               matchPattern(def->getOperand(0), m_Constant(&attr))) {
      c = getScalarValue(attr);
      data = def->getOperand(1);
    }
    if (!c || *c == 0)
      return {};
    scale *= isa<arith::DivFOp>(def) ? 1.0 / *c : *c;
    v = data;
  }
}

/// A contraction generic `acc + x * y` whose x and y may compute their
/// operands (see MatmulInfo).
static bool matchFusedContraction(Operation *op, MatmulInfo &info) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInits() != 1)
    return false;
  unsigned numLoops = generic.getNumLoops();
  SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
  if (llvm::count(iterators, utils::IteratorType::reduction) != 1)
    return false;
  unsigned k =
      llvm::find(iterators, utils::IteratorType::reduction) - iterators.begin();
  AffineMap outMap =
      generic.getMatchingIndexingMap(generic.getDpsInitOperand(0));
  if (!outMap.isProjectedPermutation(/*allowZeroInResults=*/false) ||
      outMap.getNumResults() != numLoops - 1)
    return false;
  Block *body = generic.getBlock();
  Value acc = body->getArgument(generic.getNumDpsInputs());
  auto add =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value prod = add.getLhs() == acc   ? add.getRhs()
               : add.getRhs() == acc ? add.getLhs()
                                     : Value();
  auto mul = prod ? prod.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul || mul->getBlock() != body)
    return false;
  Value x = mul.getLhs(), y = mul.getRhs();
  FailureOr<llvm::SmallBitVector> xDeps = getLoopDeps(generic, x);
  FailureOr<llvm::SmallBitVector> yDeps = getLoopDeps(generic, y);
  if (failed(xDeps) || failed(yDeps) || !xDeps->test(k) || !yDeps->test(k))
    return false;
  // Output loops [batch.., m, n]: m read by x only, n by y only. The lhs
  // reads every batch loop; the rhs may skip the last one (a head
  // repetition, see `operand`).
  unsigned numOut = outMap.getNumResults();
  if (numOut < 2)
    return false;
  SmallVector<unsigned> batch;
  for (unsigned r = 0; r < numOut; ++r)
    batch.push_back(cast<AffineDimExpr>(outMap.getResult(r)).getPosition());
  unsigned m = batch[numOut - 2], n = batch[numOut - 1];
  batch.resize(numOut - 2);
  if (!xDeps->test(m) || yDeps->test(m) || !yDeps->test(n) || xDeps->test(n))
    return false;
  for (unsigned l : batch)
    if (!xDeps->test(l))
      return false;
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  // A plain operand read as [batch.., a, b] with {a, b} = {m or n, k}. With
  // `group`, the last batch loop may be read as 0 of a size-1 dimension or
  // as `l floordiv g`: each entry repeated over `group` consecutive heads.
  auto operand = [&](Value v, unsigned rowLoop, Value &tensor, bool &transposed,
                     double &scale, int64_t *group) {
    auto [arg, factor] = getScaledArgument(v);
    if (!arg || arg.getOwner() != body ||
        arg.getArgNumber() >= generic.getNumDpsInputs())
      return false;
    OpOperand *input = generic.getDpsInputOperand(arg.getArgNumber());
    AffineMap map = generic.getMatchingIndexingMap(input);
    auto type = cast<RankedTensorType>(input->get().getType());
    if (map.getNumResults() != batch.size() + 2)
      return false;
    auto loop = [&](unsigned r) -> std::optional<unsigned> {
      if (auto d = dyn_cast<AffineDimExpr>(map.getResult(r)))
        return d.getPosition();
      return std::nullopt;
    };
    for (auto [r, l] : llvm::enumerate(batch)) {
      if (loop(r) == l)
        continue;
      if (!group || r + 1 != batch.size())
        return false;
      AffineExpr e = map.getResult(r);
      if (auto c = dyn_cast<AffineConstantExpr>(e);
          c && c.getValue() == 0 && type.getDimSize(r) == 1 &&
          !ShapedType::isDynamic(ranges[l])) {
        *group = ranges[l];
        continue;
      }
      auto div = dyn_cast<AffineBinaryOpExpr>(e);
      auto g = div ? dyn_cast<AffineConstantExpr>(div.getRHS())
                   : AffineConstantExpr();
      if (div && div.getKind() == AffineExprKind::FloorDiv && g &&
          div.getLHS() == getAffineDimExpr(l, op->getContext()) &&
          g.getValue() > 0 && type.getDimSize(r) * g.getValue() == ranges[l]) {
        *group = g.getValue();
        continue;
      }
      return false;
    }
    std::optional<unsigned> a = loop(batch.size()), b = loop(batch.size() + 1);
    if (a == rowLoop && b == k)
      transposed = false;
    else if (a == k && b == rowLoop)
      transposed = true;
    else
      return false;
    tensor = input->get();
    scale = factor;
    return true;
  };
  info = MatmulInfo();
  bool rhsKFirst = false;
  if (!operand(y, n, info.rhs, rhsKFirst, info.rhsScale, &info.rhsGroup))
    return false;
  // rhs [batch.., k, n] is the untransposed form.
  info.rhsTransposed = !rhsKFirst;
  if (!operand(x, m, info.lhs, info.lhsTransposed, info.lhsScale,
               /*group=*/nullptr)) {
    // The lhs is computed in the body: model it over [batch.., m, k].
    MLIRContext *ctx = op->getContext();
    unsigned rank = batch.size() + 2;
    SmallVector<AffineExpr> loops(numLoops, getAffineConstantExpr(0, ctx));
    for (auto [p, l] : llvm::enumerate(batch)) {
      loops[l] = getAffineDimExpr(p, ctx);
      info.lhsShape.push_back(ranges[l]);
    }
    loops[m] = getAffineDimExpr(rank - 2, ctx);
    loops[k] = getAffineDimExpr(rank - 1, ctx);
    info.lhsShape.push_back(ranges[m]);
    info.lhsShape.push_back(ranges[k]);
    info.lhsLoops = AffineMap::get(rank, 0, loops, ctx);
    info.lhsBody = x;
    info.lhs = Value();
  }
  info.op = op;
  info.init = generic.getDpsInitOperand(0)->get();
  return true;
}

bool mlir::longctx::raise::matchMatmul(Operation *op, MatmulInfo &info) {
  if (matchTosaMatmul(op, info))
    return true;
  // Generic bodies are analysed exactly (isaContractionOpInterface lets
  // unary ops on the operands through); named ops have known bodies.
  if (isa<linalg::GenericOp>(op))
    return matchFusedContraction(op, info);
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      linalgOp.getNumDpsInputs() != 2 || linalgOp.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(linalgOp))
    return matchFusedContraction(op, info);
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(linalgOp);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1)
    return false;
  SmallVector<AffineMap> maps = linalgOp.getIndexingMapsArray();
  size_t numBatch = dims->batch.size();
  auto positions = [](AffineMap map) {
    SmallVector<unsigned> result;
    for (AffineExpr e : map.getResults()) {
      auto d = dyn_cast<AffineDimExpr>(e);
      if (!d)
        return SmallVector<unsigned>();
      result.push_back(d.getPosition());
    }
    return result;
  };
  SmallVector<unsigned> lhs = positions(maps[0]), rhs = positions(maps[1]),
                        out = positions(maps[2]);
  if (lhs.size() != numBatch + 2 || rhs.size() != numBatch + 2 ||
      out.size() != numBatch + 2)
    return false;
  for (size_t b = 0; b < numBatch; ++b)
    if (lhs[b] != out[b] || rhs[b] != out[b])
      return false;
  unsigned m = dims->m[0], n = dims->n[0], k = dims->k[0];
  if (out[numBatch] != m || out[numBatch + 1] != n)
    return false;
  auto tail = [&](ArrayRef<unsigned> p) {
    return std::make_pair(p[numBatch], p[numBatch + 1]);
  };
  info = MatmulInfo();
  if (tail(lhs) == std::make_pair(m, k))
    info.lhsTransposed = false;
  else if (tail(lhs) == std::make_pair(k, m))
    info.lhsTransposed = true;
  else
    return false;
  if (tail(rhs) == std::make_pair(k, n))
    info.rhsTransposed = false;
  else if (tail(rhs) == std::make_pair(n, k))
    info.rhsTransposed = true;
  else
    return false;
  info.op = op;
  info.lhs = linalgOp.getDpsInputOperand(0)->get();
  info.rhs = linalgOp.getDpsInputOperand(1)->get();
  info.init = linalgOp.getDpsInitOperand(0)->get();
  return true;
}
