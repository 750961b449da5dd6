//===- RaiseAttention.cpp - Raise matmul-softmax-matmul to attention ------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-raise-attention`. Anchored on the value matmul
// `P @ V`, it proves that `P` is a softmax over the key dimension of
// `scale * Q K^T (+ mask)` and replaces the chain with `longctx.attention`:
//
//   1. the softmax: `linalg.softmax`, or exp(x - rowmax(x)) / rowsum(...)
//      (also as a product with the reciprocal, with casts anywhere);
//   2. the scores x, walked from the softmax inwards: casts, products and
//      quotients by constants (the scale), additive masks, selects with -inf
//      or a large negative fill; index comparisons and constant masks that
//      are exactly causal become the `causal` attribute;
//   3. the scores matmul, its operands peeled of batch reshapes, K
//      transposes, constant scales (split sqrt(scale) on Q and K) and head
//      repetitions (GQA), then reshaped to [B, H, N, d] / [B, Hkv, M, d].
//
// What it cannot prove equal is left alone with a remark that says why.
//
//===----------------------------------------------------------------------===//

#include "RaiseAttention.h"

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/DebugLog.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>
#include <map>
#include <vector>

#define DEBUG_TYPE "longctx-raise-attention"

namespace mlir::longctx {
#define GEN_PASS_DEF_RAISEATTENTIONPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::raise;

using Kind = Expr::Kind;


//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

namespace {
struct SoftmaxMatch {
  bool found = false;
  Expr *input = nullptr;
  std::string why;
};
} // namespace

/// Matches `p` (over the space of the probabilities) as a softmax over the
/// last dimension.
static SoftmaxMatch matchSoftmax(ExprBuilder &b, Expr *p);

/// Matches PyTorch's safe softmax: select(all_j(x == -inf), 0, softmax(x)),
/// which zeroes fully masked rows exactly as the op does.
static SoftmaxMatch matchSafeSoftmax(ExprBuilder &b, Expr *p) {
  Expr *all = stripCasts(p->args[0]);
  if (!isConst(stripCasts(p->args[1]), 0.0) || all->kind != Kind::RowAll)
    return {};
  SoftmaxMatch match = matchSoftmax(b, p->args[2]);
  if (!match.found || !match.why.empty())
    return match;
  Expr *isMasked = all->args[0];
  using P = arith::CmpFPredicate;
  double ninf = -std::numeric_limits<double>::infinity();
  if (!isConst(all->args[1], 1.0) || isMasked->kind != Kind::CmpF ||
      !llvm::is_contained(
          {static_cast<int64_t>(P::OEQ), static_cast<int64_t>(P::UEQ)},
          isMasked->pred) ||
      !isConst(stripCasts(isMasked->args[1]), ninf) ||
      !equal(stripCasts(isMasked->args[0]), stripCasts(match.input)))
    match.why = "the softmax output is zeroed under a condition other than "
                "its row being fully masked";
  return match;
}

static SoftmaxMatch matchSoftmax(ExprBuilder &b, Expr *p) {
  SoftmaxMatch match;
  p = stripCasts(p);
  if (p->kind == Kind::Select)
    return matchSafeSoftmax(b, p);
  int64_t last = b.rank() - 1;
  if (p->kind == Kind::Leaf && p->map.isIdentity()) {
    if (auto softmax = p->tensor.getDefiningOp<linalg::SoftmaxOp>()) {
      match.found = true;
      if (static_cast<int64_t>(softmax.getDimension()) != last)
        match.why = llvm::formatv("the softmax is over dimension {0}, not the "
                                  "key dimension {1}",
                                  softmax.getDimension(), last);
      match.input = b.tensor(softmax.getInput());
    }
    return match;
  }
  Expr *num = nullptr, *den = nullptr;
  auto reciprocalOf = [](Expr *e) -> Expr * {
    e = stripCasts(e);
    if (e->kind == Kind::Recip)
      return e->args[0];
    if (e->kind == Kind::Div && isConst(stripCasts(e->args[0]), 1.0))
      return e->args[1];
    return nullptr;
  };
  if (p->kind == Kind::Div) {
    num = p->args[0];
    den = p->args[1];
  } else if (p->kind == Kind::Mul) {
    if ((den = reciprocalOf(p->args[1])))
      num = p->args[0];
    else if ((den = reciprocalOf(p->args[0])))
      num = p->args[1];
  }
  if (!num)
    return match;
  Expr *exp = stripCasts(num);
  if (exp->kind != Kind::Exp)
    return match;
  match.found = true;
  Expr *sum = stripCasts(den);
  if (sum->kind != Kind::RowSum || !equal(stripCasts(sum->args[0]), exp)) {
    match.why = "the softmax denominator is not the sum of its numerator over "
                "the key dimension";
    return match;
  }
  if (!isConst(sum->args[1], 0.0)) {
    match.why = "the softmax sum does not start at 0";
    return match;
  }
  Expr *x = exp->args[0];
  if (x->kind == Kind::Sub) {
    Expr *max = stripCasts(x->args[1]);
    if (max->kind != Kind::RowMax ||
        !equal(stripCasts(max->args[0]), stripCasts(x->args[0]))) {
      match.why = "the softmax subtracts something other than the maximum of "
                  "its input over the key dimension";
      return match;
    }
    x = x->args[0];
  }
  match.input = x;
  return match;
}

//===----------------------------------------------------------------------===//
// Operands
//===----------------------------------------------------------------------===//

namespace {
/// A matmul operand traced back to the tensor it reads. `value` holds the
/// [batch.., rows, cols] matrices (transposed when `transposed`), scaled by
/// `scale`, with each of its batch entries repeated `group` times.
struct Operand {
  Value value;
  bool transposed = false;
  double scale = 1.0;
  int64_t group = 1;

  RankedTensorType type() const {
    return cast<RankedTensorType>(value.getType());
  }
  int64_t rows() const {
    return type().getDimSize(type().getRank() - (transposed ? 1 : 2));
  }
  int64_t cols() const {
    return type().getDimSize(type().getRank() - (transposed ? 2 : 1));
  }
  ArrayRef<int64_t> batch() const { return type().getShape().drop_back(2); }
  int64_t batchSize() const {
    int64_t size = 1;
    for (int64_t d : batch())
      size *= d;
    return size;
  }
};
} // namespace

/// Whether `e` reads space dimension `d` in place: `d` itself, or the
/// constant 0 where that dimension has size 1.
static bool readsDim(AffineExpr e, unsigned d, ArrayRef<int64_t> shape) {
  if (e == getAffineDimExpr(d, e.getContext()))
    return true;
  auto c = dyn_cast<AffineConstantExpr>(e);
  return c && c.getValue() == 0 && shape[d] == 1;
}

/// Whether the last two results of `map` read the space's last two dims,
/// possibly swapped (`swapped` tells which).
static bool tailIsMatrix(AffineMap map, ArrayRef<int64_t> shape,
                         bool &swapped) {
  unsigned n = shape.size();
  unsigned r = map.getNumResults();
  if (r < 2 || n < 2)
    return false;
  AffineExpr a = map.getResult(r - 2), b = map.getResult(r - 1);
  if (readsDim(a, n - 2, shape) && readsDim(b, n - 1, shape)) {
    swapped = false;
    return true;
  }
  if (readsDim(a, n - 1, shape) && readsDim(b, n - 2, shape)) {
    swapped = true;
    return true;
  }
  return false;
}

/// Whether `map` reads the first `numBatch` dims in place.
static bool batchInPlace(AffineMap map, unsigned numBatch,
                         ArrayRef<int64_t> shape) {
  for (unsigned d = 0; d < numBatch; ++d)
    if (!readsDim(map.getResult(d), d, shape))
      return false;
  return true;
}

/// If `map` (from a [batch.., X, Y] space of shape `shape` into `source`)
/// repeats each entry of the last batch dimension of `source` `group`
/// times, returns the group.
static std::optional<int64_t>
getHeadRepeat(AffineMap map, ArrayRef<int64_t> shape, RankedTensorType source) {
  unsigned numBatch = shape.size() - 2;
  if (numBatch == 0)
    return std::nullopt;
  unsigned last = numBatch - 1;
  MLIRContext *ctx = map.getContext();
  // [d0, .., dk-2, X, Y]: the last batch dim is broadcast away.
  if (map.getNumResults() == shape.size() - 1)
    return batchInPlace(map, last, shape) ? std::optional(shape[last])
                                          : std::nullopt;
  if (map.getNumResults() != shape.size() || !batchInPlace(map, last, shape))
    return std::nullopt;
  AffineExpr e = map.getResult(last);
  // [.., 0, X, Y] from a size-1 dimension.
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    if (c.getValue() == 0 && source.getDimSize(last) == 1)
      return shape[last];
  // [.., h floordiv g, X, Y].
  if (auto bin = dyn_cast<AffineBinaryOpExpr>(e))
    if (bin.getKind() == AffineExprKind::FloorDiv &&
        bin.getLHS() == getAffineDimExpr(last, ctx))
      if (auto g = dyn_cast<AffineConstantExpr>(bin.getRHS()))
        if (g.getValue() > 0 &&
            source.getDimSize(last) * g.getValue() == shape[last])
          return g.getValue();
  return std::nullopt;
}

/// Peels batch reshapes, transposes of the matrices, constant scales (when
/// `allowScale`) and a head repetition (when `allowGroup`) off `value`.
static Operand traceOperand(Value value, bool transposed, bool allowScale,
                            bool allowGroup) {
  Operand operand{value, transposed};
  for (int step = 0; step < 64; ++step) {
    if (Value src = getBatchReshapeSource(operand.value)) {
      operand.value = src;
      continue;
    }
    RankedTensorType type = operand.type();
    if (!type.hasStaticShape() || type.getRank() < 2)
      break;
    ExprBuilder b(value.getContext(), type.getShape(), /*maxDepth=*/1);
    Expr *e = b.tensor(operand.value);
    double scale = 1.0;
    if (allowScale && (e->kind == Kind::Mul || e->kind == Kind::Div)) {
      Expr *data = e->args[0], *factor = e->args[1];
      if (e->kind == Kind::Mul && data->kind == Kind::Const)
        std::swap(data, factor);
      if (factor->kind == Kind::Const && std::isfinite(factor->value) &&
          factor->value > 0) {
        scale = e->kind == Kind::Div ? 1.0 / factor->value : factor->value;
        e = data;
      }
    }
    if (e->kind != Kind::Leaf || e->tensor == operand.value)
      break;
    auto source = cast<RankedTensorType>(e->tensor.getType());
    bool swapped;
    if (!tailIsMatrix(e->map, type.getShape(), swapped))
      break;
    unsigned numBatch = type.getRank() - 2;
    bool inPlace = e->map.getNumResults() == type.getRank() &&
                   batchInPlace(e->map, numBatch, type.getShape());
    if (!inPlace) {
      // The same matrices up to unit dimensions (a unit reshape looked
      // through), possibly transposed.
      SmallVector<AffineExpr> results(e->map.getResults());
      SmallVector<int64_t> sourceShape(source.getShape());
      if (swapped && results.size() >= 2 && sourceShape.size() >= 2) {
        std::swap(results[results.size() - 1], results[results.size() - 2]);
        std::swap(sourceShape[sourceShape.size() - 1],
                  sourceShape[sourceShape.size() - 2]);
      }
      inPlace = readsInPlace(
          AffineMap::get(e->map.getNumDims(), 0, results, e->map.getContext()),
          type.getShape(),
          RankedTensorType::get(sourceShape, source.getElementType()));
    }
    if (inPlace) {
      operand.value = e->tensor;
      operand.transposed ^= swapped;
      operand.scale *= scale;
      continue;
    }
    if (allowGroup && operand.group == 1 && scale == 1.0)
      if (std::optional<int64_t> group =
              getHeadRepeat(e->map, type.getShape(), source)) {
        operand.value = e->tensor;
        operand.transposed ^= swapped;
        operand.group = *group;
        continue;
      }
    break;
  }
  return operand;
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

/// `value` reshaped (row-major) to `shape`.
static Value reshapeTo(OpBuilder &b, Location loc, Value value,
                       ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  // Row-major reshapes compose: start from the source of one.
  if (isa_and_present<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(
          value.getDefiningOp()))
    return reshapeTo(b, loc, value.getDefiningOp()->getOperand(0), shape);
  auto target = RankedTensorType::get(shape, type.getElementType());
  if (target.getRank() < type.getRank()) {
    if (auto map = getReassociationIndicesForCollapse(type.getShape(), shape))
      return tensor::CollapseShapeOp::create(b, loc, target, value, *map);
  } else if (target.getRank() > type.getRank()) {
    if (auto map = getReassociationIndicesForCollapse(shape, type.getShape()))
      return tensor::ExpandShapeOp::create(b, loc, target, value, *map);
  }
  // Through a flat vector.
  Value flat = value;
  if (type.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t d = 0; d < type.getRank(); ++d)
      all.push_back(d);
    flat = tensor::CollapseShapeOp::create(
        b, loc, value, SmallVector<ReassociationIndices>{all});
  }
  if (target.getRank() == 1)
    return flat;
  ReassociationIndices all;
  for (int64_t d = 0; d < target.getRank(); ++d)
    all.push_back(d);
  return tensor::ExpandShapeOp::create(b, loc, target, flat,
                                       SmallVector<ReassociationIndices>{all});
}

/// The operand as [B, heads, rows, cols].
static Value materialize(OpBuilder &b, Location loc, const Operand &operand,
                         ArrayRef<int64_t> shape) {
  Value value = operand.value;
  if (operand.transposed) {
    RankedTensorType type = operand.type();
    int64_t rank = type.getRank();
    SmallVector<int64_t> perm;
    for (int64_t d = 0; d < rank - 2; ++d)
      perm.push_back(d);
    perm.push_back(rank - 1);
    perm.push_back(rank - 2);
    SmallVector<int64_t> transposedShape(type.getShape());
    std::swap(transposedShape[rank - 1], transposedShape[rank - 2]);
    Value init =
        tensor::EmptyOp::create(b, loc, transposedShape, type.getElementType());
    value =
        linalg::TransposeOp::create(b, loc, value, init, perm)->getResult(0);
  }
  return reshapeTo(b, loc, value, shape);
}

namespace {
/// A mask computed in the body of an elementwise generic, as a generic of
/// its own: the body ops that compute it (in order), the inputs they read,
/// and the loops those inputs vary along (the others are broadcast).
struct MaskSlice {
  SmallVector<Operation *> ops;
  SmallVector<unsigned> inputs; // input numbers of the origin op
  SmallVector<unsigned> loops;  // loop dims of the origin op
  RankedTensorType type;
  AffineMap map; // score space -> the slice's dims
};
} // namespace

static FailureOr<MaskSlice> planMaskSlice(const KeptMask &mask,
                                          std::string &why) {
  linalg::GenericOp op = mask.originOp;
  Block *body = op.getBlock();
  llvm::SmallPtrSet<Operation *, 8> ops;
  llvm::SmallSetVector<unsigned, 4> inputs;
  SmallVector<Value> worklist = {mask.origin};
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() != body ||
          arg.getArgNumber() >= op.getNumDpsInputs()) {
        why = "the mask computed from inputs also reads the op's output";
        return failure();
      }
      inputs.insert(arg.getArgNumber());
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != body)
      continue; // defined above the op: it dominates the new one too
    if (isa<linalg::IndexOp>(def) || def->getNumRegions() != 0 ||
        !isPure(def)) {
      why = llvm::formatv("the mask computed from inputs uses '{0}'",
                          def->getName());
      return failure();
    }
    ops.insert(def);
    llvm::append_range(worklist, def->getOperands());
  }
  MaskSlice slice;
  for (Operation &o : body->without_terminator())
    if (ops.contains(&o))
      slice.ops.push_back(&o);
  slice.inputs.assign(inputs.begin(), inputs.end());
  llvm::sort(slice.inputs);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  llvm::SmallBitVector used(op.getNumLoops());
  for (unsigned i : slice.inputs)
    for (AffineExpr e :
         op.getMatchingIndexingMap(op.getDpsInputOperand(i)).getResults())
      e.walk([&](AffineExpr sub) {
        if (auto d = dyn_cast<AffineDimExpr>(sub))
          used.set(d.getPosition());
      });
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> results;
  for (unsigned l : used.set_bits()) {
    if (ShapedType::isDynamic(ranges[l])) {
      why = "the mask computed from inputs has a dynamic shape";
      return failure();
    }
    slice.loops.push_back(l);
    shape.push_back(ranges[l]);
    results.push_back(mask.originLoops.getResult(l));
  }
  slice.type = RankedTensorType::get(shape, mask.origin.getType());
  slice.map = AffineMap::get(mask.originLoops.getNumDims(), 0, results,
                             op.getContext());
  return slice;
}

/// Builds the generic of `slice`: the mask over the loops it varies along.
static Value buildMaskSlice(OpBuilder &b, Location loc, const KeptMask &mask,
                            const MaskSlice &slice) {
  linalg::GenericOp op = mask.originOp;
  MLIRContext *ctx = b.getContext();
  unsigned rank = slice.loops.size();
  SmallVector<AffineExpr> dims(op.getNumLoops(), getAffineConstantExpr(0, ctx));
  for (auto [i, l] : llvm::enumerate(slice.loops))
    dims[l] = getAffineDimExpr(i, ctx);
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  for (unsigned i : slice.inputs) {
    OpOperand *operand = op.getDpsInputOperand(i);
    ins.push_back(operand->get());
    maps.push_back(op.getMatchingIndexingMap(operand).replaceDimsAndSymbols(
        dims, {}, rank, 0));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = tensor::EmptyOp::create(b, loc, slice.type.getShape(),
                                       slice.type.getElementType());
  return linalg::GenericOp::create(
             b, loc, TypeRange{slice.type}, ins, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               IRMapping mapping;
               for (auto [k, i] : llvm::enumerate(slice.inputs))
                 mapping.map(op.getBlock()->getArgument(i), args[k]);
               for (Operation *o : slice.ops)
                 nb.clone(*o, mapping);
               linalg::YieldOp::create(nb, nloc,
                                       mapping.lookupOrDefault(mask.origin));
             })
      ->getResult(0);
}

/// The kept mask as [B|1, H|1, N|1, M], or failure with `why`. The mask may
/// be read with any of the space's dimensions broadcast but the keys' (a
/// key-padding mask [B, M] is [B, 1, 1, M]), never transposed. A mask
/// computed in a body becomes a generic of its own first.
static FailureOr<Value> materializeMask(OpBuilder &b, Location loc,
                                        const KeptMask &mask,
                                        ArrayRef<int64_t> space, int64_t batch,
                                        int64_t heads, std::string &why) {
  std::optional<MaskSlice> slice;
  if (!mask.tensor) {
    FailureOr<MaskSlice> planned = planMaskSlice(mask, why);
    if (failed(planned))
      return failure();
    slice = std::move(*planned);
  }
  RankedTensorType type =
      slice ? slice->type : cast<RankedTensorType>(mask.tensor.getType());
  AffineMap map = slice ? slice->map : mask.map;
  int64_t rank = space.size(), numBatch = rank - 2;
  MLIRContext *ctx = b.getContext();
  if (!type.hasStaticShape()) {
    why = "the mask has a dynamic shape";
    return failure();
  }
  // The space dimensions the mask varies along, in order.
  SmallVector<bool> full(rank, false);
  int64_t next = 0;
  for (int64_t q = 0; q < type.getRank(); ++q) {
    if (type.getDimSize(q) == 1)
      continue;
    auto d = dyn_cast<AffineDimExpr>(map.getResult(q));
    if (!d || d.getPosition() < next ||
        space[d.getPosition()] != type.getDimSize(q)) {
      why = "the mask is read through an unsupported broadcast or transpose";
      return failure();
    }
    full[d.getPosition()] = true;
    next = d.getPosition() + 1;
  }
  if (!full[rank - 1] && space[rank - 1] != 1) {
    why = "the mask is the same for every key";
    return failure();
  }
  ArrayRef<bool> batchFull = ArrayRef<bool>(full).take_front(numBatch);
  SmallVector<int64_t> opShape;
  if (llvm::none_of(batchFull, [](bool f) { return f; }))
    opShape = {1, 1};
  else if (llvm::all_of(batchFull, [](bool f) { return f; }))
    opShape = {batch, heads};
  else if (numBatch == 2 && space[0] == batch && space[1] == heads)
    opShape = {full[0] ? batch : 1, full[1] ? heads : 1};
  else {
    why = "the mask broadcasts over part of a merged batch dimension";
    return failure();
  }
  opShape.push_back(full[rank - 2] ? space[rank - 2] : 1);
  opShape.push_back(space[rank - 1]);
  Value tensor = slice ? buildMaskSlice(b, loc, mask, *slice) : mask.tensor;
  Value value = reshapeTo(b, loc, tensor, opShape);
  if (mask.invert) {
    auto maskType = cast<RankedTensorType>(value.getType());
    Value init = tensor::EmptyOp::create(b, loc, maskType.getShape(),
                                         maskType.getElementType());
    AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
    value =
        linalg::GenericOp::create(
            b, loc, maskType, value, init, ArrayRef<AffineMap>{id, id},
            SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
            [](OpBuilder &nb, Location nloc, ValueRange args) {
              Value t =
                  arith::ConstantOp::create(nb, nloc, nb.getBoolAttr(true));
              Value r = arith::XOrIOp::create(nb, nloc, args[0], t);
              linalg::YieldOp::create(nb, nloc, r);
            })
            ->getResult(0);
  }
  return value;
}

static bool isZeroInit(Value init) {
  if (!init)
    return true;
  auto type = dyn_cast<RankedTensorType>(init.getType());
  if (!type)
    return false;
  ExprBuilder b(init.getContext(), type.getShape(), /*maxDepth=*/1);
  return isConst(b.tensor(init), 0.0);
}

LogicalResult mlir::longctx::raise::raiseAttention(RewriterBase &rewriter,
                                                   Operation *root,
                                                   std::string &why) {
  why.clear();
  auto fail = [&](const Twine &message) {
    why = message.str();
    return failure();
  };
  MatmulInfo pv;
  if (!matchMatmul(root, pv))
    return failure();
  // The softmax output: a tensor, or computed in the value matmul's body.
  SmallVector<int64_t> space;
  Type elementType;
  Value probs;
  if (pv.lhsBody) {
    space = pv.lhsShape;
    elementType = pv.lhsBody.getType();
  } else {
    probs = pv.lhs;
    while (Value src = getBatchReshapeSource(probs))
      probs = src;
    auto probsType = dyn_cast<RankedTensorType>(probs.getType());
    if (!probsType || probsType.getRank() < 2)
      return failure();
    if (!probsType.hasStaticShape()) {
      if (isa_and_present<linalg::SoftmaxOp>(probs.getDefiningOp()))
        return fail("dynamic shapes are not supported");
      return failure();
    }
    space.assign(probsType.getShape().begin(), probsType.getShape().end());
    elementType = probsType.getElementType();
  }
  if (llvm::any_of(space, ShapedType::isDynamic))
    return failure();
  if (llvm::is_contained(space, 0))
    return failure();
  int64_t rank = space.size();
  ExprBuilder b(root->getContext(), space);
  SoftmaxMatch softmax = matchSoftmax(
      b, probs ? b.tensor(probs) : b.bodyValue(pv.op, pv.lhsBody, pv.lhsLoops));
  if (!softmax.found)
    return failure();
  if (!softmax.why.empty())
    return fail(softmax.why);
  if (pv.lhsTransposed)
    return fail("the value matmul contracts the query dimension of the "
                "softmax output, not the key dimension");
  if (!isZeroInit(pv.init))
    return fail("the value matmul accumulates into a tensor that is not zero");

  if (pv.lhsScale != 1.0)
    return fail("the softmax output is scaled before the value matmul");
  if (pv.rhsScale != 1.0)
    return fail("the values are scaled in the value matmul");

  Scores scores;
  if (failed(parseScores(b, elementType, softmax.input, scores, why)))
    return failure();
  space = scores.space;
  rank = space.size();
  Value qkResult = scores.scores;
  while (Value src = getBatchReshapeSource(qkResult))
    qkResult = src;
  MatmulInfo qk;
  if (!qkResult.getDefiningOp() || !matchMatmul(qkResult.getDefiningOp(), qk))
    return fail("the softmax input is not computed by a matmul");
  if (!isZeroInit(qk.init))
    return fail("the scores matmul accumulates into a tensor that is not "
                "zero");
  if (qk.lhsBody)
    return fail("the scores matmul computes its query operand in its body");

  Operand q = traceOperand(qk.lhs, qk.lhsTransposed, true, false);
  // K and V, with their head repetitions: read by the matmul bodies, or
  // found on the way back to their sources.
  auto traceKeyValue = [&](bool allowGroup, Operand &key, Operand &value) {
    key = traceOperand(qk.rhs, !qk.rhsTransposed, true,
                       allowGroup && qk.rhsGroup == 1);
    value = traceOperand(pv.rhs, pv.rhsTransposed, false,
                         allowGroup && pv.rhsGroup == 1);
    key.group *= qk.rhsGroup;
    value.group *= pv.rhsGroup;
  };
  Operand k, v;
  traceKeyValue(true, k, v);
  if (k.group != v.group) {
    traceKeyValue(false, k, v);
    if (k.group != v.group)
      return fail("the keys and values are repeated over the heads "
                  "differently");
  }
  q.scale *= qk.lhsScale;
  k.scale *= qk.rhsScale;
  for (const Operand *o : {&q, &k, &v})
    if (!o->type().hasStaticShape())
      return fail("dynamic shapes are not supported");
  auto resultType = cast<RankedTensorType>(root->getResult(0).getType());
  Type type = q.type().getElementType();
  if (k.type().getElementType() != type || v.type().getElementType() != type ||
      resultType.getElementType() != type || !isa<FloatType>(type) ||
      !(type.isF16() || type.isBF16() || type.isF32() || type.isF64()))
    return fail("the queries, keys, values and output do not share one f16, "
                "bf16, f32 or f64 element type");

  for (const Operand *o : {&q, &k, &v})
    if (o->type().getNumElements() == 0)
      return fail("empty tensors are not supported");
  int64_t n = q.rows(), d = q.cols(), m = k.rows(), dv = v.cols();
  if (k.cols() != d || v.rows() != m || space[rank - 2] != n ||
      space[rank - 1] != m)
    return fail("the matmul shapes do not form attention");
  // [B, H] from the query's batch dimensions.
  ArrayRef<int64_t> qBatch = q.batch();
  int64_t batch = 1, heads = 1;
  if (!qBatch.empty()) {
    heads = qBatch.back();
    batch = q.batchSize() / heads;
  }
  int64_t group = k.group;
  int64_t spaceBatch = 1;
  for (int64_t s : ArrayRef<int64_t>(space).drop_back(2))
    spaceBatch *= s;
  if (spaceBatch != batch * heads || k.batchSize() * group != batch * heads ||
      v.batchSize() * group != batch * heads || heads % group != 0)
    return fail("the batch and head dimensions of the matmuls do not agree");
  if (!resultType.hasStaticShape() || resultType.getRank() < 2 ||
      resultType.getNumElements() != batch * heads * n * dv ||
      resultType.getShape().take_back(2) != ArrayRef<int64_t>{n, dv})
    return fail("the value matmul's result is not [batch.., N, dv]");

  if (failed(foldCausalConstants(scores, n, m, elementType, rank)))
    return fail("the scores have two different causal masks or windows");
  if (scores.masks.size() > 1)
    return fail("the scores have more than one mask tensor");
  bool causal = false;
  if (scores.causalOffset) {
    int64_t offset = *scores.causalOffset;
    if (offset == m - n && n > m)
      return fail(llvm::formatv(
          "causal attention with more queries ({0}) than keys ({1}) masks "
          "whole rows, which the op sets to 0",
          n, m));
    if (offset == m - n)
      causal = true;
    else if (offset < m - 1)
      return fail(llvm::formatv(
          "the mask keeps key j for query i when j <= i + {0}, but causal "
          "attention over {1} queries and {2} keys keeps j <= i + {3}",
          offset, n, m, m - n));
  }
  std::optional<int64_t> window;
  if (scores.windowBound) {
    int64_t bound = *scores.windowBound;
    if (!causal)
      return fail(llvm::formatv("the mask keeps key j for query i when j >= "
                                "i - {0}, which is not causal",
                                bound));
    // j >= i - bound is the op's j > i + (M - N) - w.
    int64_t w = bound + 1 + (m - n);
    if (w <= 0)
      return fail("the mask removes every key");
    if (w < m)
      window = w;
  }
  double scale = scores.scale * q.scale * k.scale;
  if (!std::isfinite(scale) || scale <= 0)
    return fail("the combined scale is not positive and finite");

  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(root);
  Location loc = root->getLoc();
  Value mask;
  if (!scores.masks.empty()) {
    const KeptMask &kept = scores.masks.front();
    Type maskType = getElementTypeOrSelf(
        kept.tensor ? kept.tensor.getType() : kept.origin.getType());
    if (!kept.isBool && maskType != type)
      return fail("the additive mask does not have the queries' element "
                  "type");
    FailureOr<Value> built =
        materializeMask(rewriter, loc, kept, space, batch, heads, why);
    if (failed(built))
      return failure();
    mask = *built;
  }
  Value query = materialize(rewriter, loc, q, {batch, heads, n, d});
  Value key = materialize(rewriter, loc, k, {batch, heads / group, m, d});
  Value value = materialize(rewriter, loc, v, {batch, heads / group, m, dv});
  auto attentionType = RankedTensorType::get({batch, heads, n, dv}, type);
  Value attention = AttentionOp::create(
      rewriter, loc, attentionType, query, key, value, mask,
      rewriter.getF64FloatAttr(scale),
      causal ? rewriter.getUnitAttr() : nullptr,
      window ? rewriter.getI64IntegerAttr(*window) : nullptr,
      /*sinks=*/nullptr);
  rewriter.replaceOp(
      root, reshapeTo(rewriter, loc, attention, resultType.getShape()));
  return success();
}

//===----------------------------------------------------------------------===//
// Patterns and pass
//===----------------------------------------------------------------------===//

LogicalResult mlir::longctx::raise::raiseAttentionOrExplain(
    PatternRewriter &rewriter, Operation *root, bool emitRemarks) {
  std::string why;
  if (succeeded(raiseAttention(rewriter, root, why)))
    return success();
  if (why.empty())
    return failure();
  LDBG() << "not raised: " << why << " at " << root->getLoc();
  if (emitRemarks)
    root->emitRemark() << "not raised to longctx.attention: " << why;
  return rewriter.notifyMatchFailure(root, why);
}

namespace {
struct RaiseLinalgAttention final
    : OpInterfaceRewritePattern<linalg::LinalgOp> {
  RaiseLinalgAttention(MLIRContext *ctx, bool emitRemarks)
      : OpInterfaceRewritePattern(ctx), emitRemarks(emitRemarks) {}

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    return raiseAttentionOrExplain(rewriter, op, emitRemarks);
  }

  bool emitRemarks;
};

/// Remembers the producers of replaced ops, to erase the chains that die.
/// When `value` [B, H, M, d] is its heads' repetition of a tensor with fewer
/// heads, as PyTorch exports `repeat_interleave(g, dim=1)`: a concatenation
/// (insert_slices into an empty tensor along the heads) of pieces of g heads,
/// piece j the broadcast of head j of one source [B, H / g, M, d] (a
/// `linalg.broadcast` of that head into [B, 1, g, M, d] collapsed to
/// [B, g, M, d]). Returns the source and g.
static std::optional<std::pair<Value, int64_t>>
matchRepeatedHeads(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() != 4 || !type.hasStaticShape())
    return std::nullopt;
  int64_t heads = type.getDimSize(1);
  // The pieces by their first head.
  std::map<int64_t, Value> pieces;
  Value current = value;
  while (auto insert = current.getDefiningOp<tensor::InsertSliceOp>()) {
    auto pieceType = insert.getSourceType();
    if (pieceType.getRank() != 4 || !insert.hasUnitStride())
      return std::nullopt;
    ArrayRef<int64_t> offsets = insert.getStaticOffsets();
    for (int64_t d : {0, 2, 3})
      if (offsets[d] != 0 || pieceType.getDimSize(d) != type.getDimSize(d))
        return std::nullopt;
    if (ShapedType::isDynamic(offsets[1]) ||
        !pieces.emplace(offsets[1], insert.getSource()).second)
      return std::nullopt;
    current = insert.getDest();
  }
  if (!current.getDefiningOp<tensor::EmptyOp>() || pieces.size() < 2)
    return std::nullopt;
  int64_t group = cast<RankedTensorType>(pieces.begin()->second.getType())
                      .getDimSize(1);
  if (group < 2 || static_cast<int64_t>(pieces.size()) * group != heads)
    return std::nullopt;
  Value source;
  for (auto [j, entry] : llvm::enumerate(pieces)) {
    auto [offset, piece] = entry;
    if (offset != static_cast<int64_t>(j) * group)
      return std::nullopt;
    auto collapse = piece.getDefiningOp<tensor::CollapseShapeOp>();
    if (!collapse || collapse.getReassociationIndices() !=
                         SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}})
      return std::nullopt;
    auto broadcast = collapse.getSrc().getDefiningOp<linalg::BroadcastOp>();
    if (!broadcast || broadcast.getDimensions() != ArrayRef<int64_t>{2})
      return std::nullopt;
    auto head = broadcast.getInput().getDefiningOp<tensor::ExtractSliceOp>();
    if (!head || head.getSourceType().getRank() != 4 ||
        head.getType().getRank() != 4 || !head.hasUnitStride() ||
        head.getStaticOffsets() !=
            ArrayRef<int64_t>{0, static_cast<int64_t>(j), 0, 0} ||
        head.getType().getShape() !=
            ArrayRef<int64_t>{type.getDimSize(0), 1, type.getDimSize(2),
                              type.getDimSize(3)})
      return std::nullopt;
    if (source && head.getSource() != source)
      return std::nullopt;
    source = head.getSource();
  }
  if (cast<RankedTensorType>(source.getType()).getDimSize(1) * group != heads)
    return std::nullopt;
  return std::make_pair(source, group);
}

/// Attention whose keys and values are both the same repetition of fewer
/// heads reads those heads directly: grouped-query attention.
static void foldRepeatedKeyValueHeads(AttentionOp attention,
                                      llvm::SetVector<Operation *> &dead) {
  std::optional<std::pair<Value, int64_t>> key =
      matchRepeatedHeads(attention.getKey());
  std::optional<std::pair<Value, int64_t>> value =
      matchRepeatedHeads(attention.getValue());
  if (!key || !value || key->second != value->second)
    return;
  dead.insert(attention.getKey().getDefiningOp());
  dead.insert(attention.getValue().getDefiningOp());
  attention.getKeyMutable().assign(key->first);
  attention.getValueMutable().assign(value->first);
}

struct DeadChainListener final : RewriterBase::Listener {
  void notifyOperationReplaced(Operation *op, ValueRange) override {
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        candidates.insert(def);
  }
  void notifyOperationErased(Operation *op) override { candidates.remove(op); }
  void notifyOperationInserted(Operation *op, OpBuilder::InsertPoint) override {
    if (auto attention = dyn_cast<AttentionOp>(op))
      raised.push_back(attention);
  }

  llvm::SetVector<Operation *> candidates;
  SmallVector<AttentionOp> raised;
};

struct RaiseAttentionPass final
    : longctx::impl::RaiseAttentionPassBase<RaiseAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    {
      RewritePatternSet fusion(&getContext());
      populateFuseMaskProducersPatterns(fusion);
      if (failed(applyPatternsGreedily(getOperation(), std::move(fusion))))
        return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateRaiseAttentionPatterns(patterns, /*emitRemarks=*/true);
    populateRaiseAttentionTosaPatterns(patterns, /*emitRemarks=*/true);
    DeadChainListener listener;
    walkAndApplyPatterns(getOperation(), std::move(patterns), &listener);
    // Reshapes of a raised result that lead back to its [B, H, N, dv] shape
    // read the op directly; keys and values repeated over the heads are
    // read unrepeated.
    for (AttentionOp attention : listener.raised) {
      foldRepeatedKeyValueHeads(attention, listener.candidates);
      for (Operation *reshape : attention->getUsers()) {
        if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(reshape))
          continue;
        for (Operation *back : llvm::make_early_inc_range(reshape->getUsers()))
          if ((isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
                   tensor::ReshapeOp>(back) ||
               isTosaReshape(back)) &&
              back->getResult(0).getType() == attention.getType()) {
            back->getResult(0).replaceAllUsesWith(attention.getResult());
            listener.candidates.insert(back);
          }
      }
    }
    // Erase what the raised chains leave dead.
    SmallVector<Operation *> worklist(listener.candidates.begin(),
                                      listener.candidates.end());
    llvm::SmallPtrSet<Operation *, 32> erased;
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      if (erased.contains(op) || !isOpTriviallyDead(op))
        continue;
      // Operands, and values the regions capture (constants of bodies).
      op->walk([&](Operation *nested) {
        for (Value operand : nested->getOperands())
          if (Operation *def = operand.getDefiningOp())
            if (!op->isAncestor(def) && !erased.contains(def))
              worklist.push_back(def);
      });
      erased.insert(op);
      op->erase();
    }
  }
};
} // namespace

/// Whether `value` is computed from constants alone (fills, constants,
/// index-reading generics, reshapes and slices of them): from positions,
/// never from a function argument.
static bool isComputedFromConstants(Value value, int depth = 0) {
  if (matchPattern(value, m_Constant()))
    return true;
  Operation *def = value.getDefiningOp();
  if (!def || depth > 16)
    return false;
  if (isa<tensor::EmptyOp>(def))
    return true;
  if (!isa<linalg::GenericOp, linalg::FillOp, linalg::BroadcastOp,
           linalg::TransposeOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp,
           tensor::ExtractSliceOp>(def))
    return false;
  return llvm::all_of(def->getOperands(), [&](Value operand) {
    return isComputedFromConstants(operand, depth + 1);
  });
}

/// Whether `fused`'s producer computes a mask from positions: an
/// elementwise generic with one use whose result is boolean or whose body
/// reads its loop indices (triu/tril, iota comparisons, their casts and
/// logical combinations, additive masks selected by position), from
/// constants alone. A mask computed from an input (a padding mask) stays in
/// an op of its own, which the raise keeps as the mask operand.
static bool isMaskProducer(OpOperand *fused) {
  auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
  if (!producer || !producer->hasOneUse() ||
      producer.getNumParallelLoops() != producer.getNumLoops() ||
      !llvm::all_of(producer.getDpsInputs(),
                    [](Value v) { return isComputedFromConstants(v); }))
    return false;
  if (getElementTypeOrSelf(fused->get().getType()).isInteger(1))
    return true;
  return !producer.getBody()->getOps<linalg::IndexOp>().empty();
}

void mlir::longctx::populateFuseMaskProducersPatterns(
    RewritePatternSet &patterns) {
  linalg::populateElementwiseOpsFusionPatterns(patterns, isMaskProducer);
}

void mlir::longctx::populateRaiseAttentionPatterns(RewritePatternSet &patterns,
                                                   bool emitRemarks) {
  patterns.add<RaiseLinalgAttention>(patterns.getContext(), emitRemarks);
}
