//===- RaiseAttentionScores.cpp - The scores of a raised attention --------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Reads the input of a softmax as the scores of an attention: the scale of
// Q K^T and its masks (boolean or additive tensors, masks computed from
// positions, constant causal and banded masks folded into the op's causal
// flag and window).
//
//===----------------------------------------------------------------------===//

#include "RaiseAttention.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <deque>
#include <limits>
#include <vector>

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::raise;

using Kind = Expr::Kind;

/// `value` in its shortest decimal form.
static std::string formatDouble(double value) {
  SmallString<16> text;
  APFloat(value).toString(text);
  return std::string(text);
}

bool mlir::longctx::raise::isConst(const Expr *e, double value) {
  return e->kind == Kind::Const && e->value == value;
}

/// Whether `value` removes a key from the softmax: -inf, or so negative
/// that its exp, shifted by the row maximum, underflows to 0 next to any
/// score of realistic magnitude (the rule of Rationale.md).
static bool isLargeNegative(double value, Type elementType) {
  if (value == -std::numeric_limits<double>::infinity())
    return true;
  // f16 cannot hold -1e9 (its finfo.min is -65504); bf16 has f32's range.
  if (elementType.isF16())
    return value <= -3.0e4;
  return value <= -1.0e9;
}

//===----------------------------------------------------------------------===//
// Scores: scale and masks
//===----------------------------------------------------------------------===//

namespace {
class ScoreParser {
public:
  ScoreParser(ExprBuilder &b, Type elementType, Scores &scores,
              std::string &why)
      : b(&b), elementType(elementType), s(scores), why(why) {}

  LogicalResult parse(Expr *x);

private:
  LogicalResult fail(const Twine &message) {
    why = message.str();
    return failure();
  }
  bool reachesMatmul(Expr *e);
  bool isComputedFromInput(Expr *e);
  LogicalResult addCausal(int64_t offset);
  LogicalResult keepWhere(Expr *cond, bool invert);
  LogicalResult additive(Expr *mask);
  LogicalResult maskTensor(Value tensor, AffineMap map, bool isBool,
                           bool invert);
  LogicalResult computedMask(Expr *e, bool isBool, bool invert);
  std::optional<LogicalResult> constantComparison(Expr *cmp, bool invert);

  ExprBuilder *b;
  std::deque<ExprBuilder> spaces; // builders of reshaped score spaces
  Type elementType;
  Scores &s;
  std::string &why;
  DenseMap<Expr *, bool> reaches;
};
} // namespace

bool ScoreParser::reachesMatmul(Expr *e) {
  if (auto it = reaches.find(e); it != reaches.end())
    return it->second;
  reaches[e] = false;
  bool result = false;
  if (e->kind == Kind::Leaf) {
    // Through any producers (a leaf may be a reshape of a scaled matmul).
    SmallVector<std::pair<Value, int>> worklist = {{e->tensor, 0}};
    DenseSet<Value> seen;
    while (!worklist.empty() && !result) {
      auto [v, depth] = worklist.pop_back_val();
      Operation *def = v.getDefiningOp();
      if (!def || depth > 32 || !seen.insert(v).second)
        continue;
      MatmulInfo info;
      if (matchMatmul(def, info)) {
        result = true;
        break;
      }
      for (Value operand : def->getOperands())
        worklist.push_back({operand, depth + 1});
    }
  } else {
    result = llvm::any_of(e->args, [&](Expr *a) { return reachesMatmul(a); });
  }
  reaches[e] = result;
  return result;
}

/// Whether `e` is computed from an input (a tensor that is not a constant,
/// nor the scores) and constants, not from positions: a padding mask. (A
/// constant tensor may be a ramp of positions.)
bool ScoreParser::isComputedFromInput(Expr *e) {
  bool readsInput = false;
  std::function<bool(Expr *)> free = [&](Expr *x) {
    switch (x->kind) {
    case Kind::Index:
      return false;
    case Kind::Const:
      return true;
    case Kind::Leaf:
      if (reachesMatmul(x))
        return false;
      readsInput |= !matchPattern(x->tensor, m_Constant());
      return true;
    case Kind::Opaque:
      if (x->args.empty())
        return false;
      [[fallthrough]];
    default:
      return llvm::all_of(x->args, free);
    }
  };
  return free(e) && readsInput;
}

LogicalResult ScoreParser::addCausal(int64_t offset) {
  if (s.causalOffset && *s.causalOffset != offset)
    return fail("the scores have two different causal masks");
  s.causalOffset = offset;
  return success();
}

LogicalResult ScoreParser::maskTensor(Value tensor, AffineMap map, bool isBool,
                                      bool invert) {
  KeptMask mask;
  mask.tensor = tensor;
  mask.map = map;
  mask.isBool = isBool;
  mask.invert = invert;
  s.masks.push_back(mask);
  return success();
}

/// Keeps `e`, computed from inputs alone (a padding mask), as a mask: the
/// tensor that holds it, or the body value that computes it.
LogicalResult ScoreParser::computedMask(Expr *e, bool isBool, bool invert) {
  Value value = e->source ? e->source : e->origin;
  Type type = value ? getElementTypeOrSelf(value.getType()) : Type();
  if (!value || (isBool ? !type.isInteger(1) : !isa<FloatType>(type)))
    return fail(isBool ? "the mask condition computed from inputs is not a "
                         "boolean value of an elementwise op"
                       : "the additive mask computed from inputs is not a "
                         "floating-point value of an elementwise op");
  if (!isBool && s.scale != 1.0)
    return fail("an additive mask is added before the scores are scaled");
  if (e->source)
    return maskTensor(e->source, e->sourceMap, isBool, invert);
  KeptMask mask;
  mask.isBool = isBool;
  mask.invert = invert;
  mask.origin = e->origin;
  mask.originOp = dyn_cast<linalg::GenericOp>(e->originOp);
  mask.originLoops = e->originLoops;
  if (!mask.originOp)
    return fail("the mask computed from inputs is not in a linalg.generic");
  s.masks.push_back(mask);
  return success();
}

namespace {
/// ci * i + cj * j + c0 over the query (i) and key (j) positions.
struct Linear {
  int64_t ci = 0, cj = 0, c0 = 0;
};
} // namespace

/// A constant integer tensor that is a ramp a * p + b along the query (or
/// key) position p, read at every other dim's index 0 (an exported
/// `arange(N)[:, None]`, maybe shifted, that the importer kept as a
/// constant while its comparison was too large to fold): adds
/// sign * (a p + b) to `out`.
static bool getConstantRamp(Expr *e, int64_t iDim, int64_t jDim, Linear &out,
                            int64_t sign) {
  DenseIntElementsAttr attr;
  if (!matchPattern(e->tensor, m_Constant(&attr)))
    return false;
  auto type = cast<ShapedType>(attr.getType());
  std::optional<int64_t> dim, along;
  for (int64_t q = 0; q < type.getRank(); ++q) {
    AffineExpr r = e->map.getResult(q);
    if (auto c = dyn_cast<AffineConstantExpr>(r)) {
      if (c.getValue() != 0)
        return false;
      continue;
    }
    auto d = dyn_cast<AffineDimExpr>(r);
    if (!d || dim || (d.getPosition() != iDim && d.getPosition() != jDim))
      return false;
    dim = d.getPosition();
    along = q;
  }
  if (!dim || type.getNumElements() != type.getDimSize(*along) ||
      type.getNumElements() < 2)
    return false;
  SmallVector<int64_t> values;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(v.getSExtValue());
  int64_t a = values[1] - values[0], b = values[0];
  for (auto [k, v] : llvm::enumerate(values))
    if (v != a * static_cast<int64_t>(k) + b)
      return false;
  (*dim == iDim ? out.ci : out.cj) += sign * a;
  out.c0 += sign * b;
  return true;
}

static bool getLinear(Expr *e, int64_t iDim, int64_t jDim, Linear &out,
                      int64_t sign = 1) {
  switch (e->kind) {
  case Kind::Cast:
    return getLinear(e->args[0], iDim, jDim, out, sign);
  case Kind::Index:
    if (e->dim == iDim)
      out.ci += sign;
    else if (e->dim == jDim)
      out.cj += sign;
    else
      return false;
    return true;
  case Kind::Const:
    if (e->value != std::floor(e->value))
      return false;
    out.c0 += sign * static_cast<int64_t>(e->value);
    return true;
  case Kind::Add:
    return getLinear(e->args[0], iDim, jDim, out, sign) &&
           getLinear(e->args[1], iDim, jDim, out, sign);
  case Kind::Sub:
    return getLinear(e->args[0], iDim, jDim, out, sign) &&
           getLinear(e->args[1], iDim, jDim, out, -sign);
  case Kind::Leaf:
    return getConstantRamp(e, iDim, jDim, out, sign);
  default:
    return false;
  }
}

/// For a constant that depends on (i, j) only, read at `map`: which keys
/// `keepValue` keeps for its entries (as doubles; booleans are 0 and 1), as
/// an n x m row-major matrix; none when an entry has no answer or the
/// constant depends on the batch.
static std::optional<std::vector<bool>>
getConstantKeep(DenseElementsAttr attr, AffineMap map, int64_t iDim,
                int64_t jDim, int64_t n, int64_t m,
                function_ref<std::optional<bool>(double)> keepValue) {
  auto type = cast<ShapedType>(attr.getType());
  int64_t rank = type.getRank();
  if (n * m > (int64_t{1} << 24))
    return std::nullopt;
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * type.getDimSize(d + 1);
  int64_t iStride = 0, jStride = 0;
  for (int64_t q = 0; q < rank; ++q) {
    AffineExpr e = map.getResult(q);
    if (auto c = dyn_cast<AffineConstantExpr>(e)) {
      if (c.getValue() != 0)
        return std::nullopt;
      continue;
    }
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d)
      return std::nullopt;
    if (d.getPosition() == iDim)
      iStride += strides[q];
    else if (d.getPosition() == jDim)
      jStride += strides[q];
    else if (type.getDimSize(q) != 1)
      return std::nullopt;
  }
  bool isBool = attr.getElementType().isInteger(1);
  SmallVector<bool> bools;
  SmallVector<double> floats;
  if (isBool)
    bools.assign(attr.getValues<bool>().begin(), attr.getValues<bool>().end());
  else
    for (APFloat v : attr.getValues<APFloat>()) {
      bool losesInfo = false;
      v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      floats.push_back(v.convertToDouble());
    }
  std::vector<bool> keep(n * m);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      int64_t index = i * iStride + j * jStride;
      std::optional<bool> k =
          keepValue(isBool ? double(bools[index]) : floats[index]);
      if (!k)
        return std::nullopt;
      keep[i * m + j] = *k;
    }
  }
  return keep;
}

/// For a mask tensor: keeps true (or, `invert`ed, false) entries of a
/// boolean mask; an `additive` mask keeps 0 entries and removes large
/// negative ones.
static std::optional<std::vector<bool>>
getConstantKeep(DenseElementsAttr attr, AffineMap map, int64_t iDim,
                int64_t jDim, int64_t n, int64_t m, bool additive, bool invert,
                Type elementType) {
  bool isBool = attr.getElementType().isInteger(1);
  return getConstantKeep(
      attr, map, iDim, jDim, n, m, [&](double v) -> std::optional<bool> {
        if (isBool)
          return (v != 0) != invert;
        if (v == 0.0)
          return true;
        if (additive && isLargeNegative(v, elementType))
          return false;
        return std::nullopt;
      });
}

/// Whether `keep` (n x m) keeps exactly j <= i + offset and, with a window
/// w, j > i + offset - w.
static bool isBand(const std::vector<bool> &keep, int64_t n, int64_t m,
                   int64_t offset, std::optional<int64_t> window) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      if (keep[i * m + j] !=
          (j <= i + offset && (!window || j > i + offset - *window)))
        return false;
  return true;
}

/// For `cmp(select(c, A, B), K)` with constants A, B and K where the
/// comparison tells A from B: c in `condition`, and whether the comparison
/// is true when c is. (The select may be on either side.)
static std::optional<bool> selectComparedToConstant(const Expr *cmp,
                                                    Expr *&condition) {
  Expr *select = cmp->args[0], *k = cmp->args[1];
  bool swapped = false;
  if (select->kind != Kind::Select) {
    std::swap(select, k);
    swapped = true;
  }
  if (select->kind != Kind::Select || k->kind != Kind::Const ||
      select->args[1]->kind != Kind::Const ||
      select->args[2]->kind != Kind::Const)
    return std::nullopt;
  auto outcome = [&](double v) {
    double lhs = swapped ? k->value : v, rhs = swapped ? v : k->value;
    if (cmp->kind == Kind::CmpF)
      return arith::applyCmpPredicate(
          static_cast<arith::CmpFPredicate>(cmp->pred), APFloat(lhs),
          APFloat(rhs));
    return arith::applyCmpPredicate(
        static_cast<arith::CmpIPredicate>(cmp->pred),
        APInt(64, static_cast<int64_t>(lhs), /*isSigned=*/true),
        APInt(64, static_cast<int64_t>(rhs), /*isSigned=*/true));
  };
  bool ifTrue = outcome(select->args[1]->value);
  bool ifFalse = outcome(select->args[2]->value);
  if (ifTrue == ifFalse)
    return std::nullopt;
  condition = select->args[0];
  return ifTrue;
}

static LogicalResult foldKeep(Scores &s, const std::vector<bool> &keep,
                              int64_t n, int64_t m, bool &folded);

/// A constant tensor compared with a constant (`bias[:, :, :N, :N] == 0` of
/// a causal buffer, sliced and folded by the importer at any length): the
/// causal offset and window of the keys it keeps, or the comparison as a
/// mask when they are no band; none when `cmp` is not of that form.
std::optional<LogicalResult> ScoreParser::constantComparison(Expr *cmp,
                                                             bool invert) {
  Expr *tensor = cmp->args[0], *k = cmp->args[1];
  bool swapped = tensor->kind != Kind::Leaf;
  if (swapped)
    std::swap(tensor, k);
  DenseElementsAttr attr;
  if (tensor->kind != Kind::Leaf || k->kind != Kind::Const ||
      !matchPattern(tensor->tensor, m_Constant(&attr)))
    return std::nullopt;
  int64_t rank = b->rank(), n = b->getShape()[rank - 2],
          m = b->getShape()[rank - 1];
  std::optional<std::vector<bool>> keep = getConstantKeep(
      attr, tensor->map, rank - 2, rank - 1, n, m,
      [&](double v) -> std::optional<bool> {
        double lhs = swapped ? k->value : v, rhs = swapped ? v : k->value;
        bool result =
            cmp->kind == Kind::CmpF
                ? arith::applyCmpPredicate(
                      static_cast<arith::CmpFPredicate>(cmp->pred),
                      APFloat(lhs), APFloat(rhs))
                : arith::applyCmpPredicate(
                      static_cast<arith::CmpIPredicate>(cmp->pred),
                      APInt(64, static_cast<int64_t>(lhs), /*isSigned=*/true),
                      APInt(64, static_cast<int64_t>(rhs), /*isSigned=*/true));
        return result != invert;
      });
  if (!keep)
    return std::nullopt;
  bool folded;
  if (failed(foldKeep(s, *keep, n, m, folded)))
    return fail("the scores have two different causal masks or windows");
  if (folded)
    return success();
  return computedMask(cmp, /*isBool=*/true, invert);
}

LogicalResult ScoreParser::keepWhere(Expr *cond, bool invert) {
  int64_t iDim = b->rank() - 2, jDim = b->rank() - 1;
  // A condition computed from an input (a padding mask) becomes the mask
  // operand, unless it is a negation or a conjunction whose parts are read
  // one by one (a constant causal part among them folds into the attribute).
  bool structural =
      (cond->kind == Kind::And && !invert) ||
      (cond->kind == Kind::Or && invert) ||
      (cond->kind == Kind::Xor &&
       (isConst(cond->args[0], 1.0) || isConst(cond->args[1], 1.0)));
  if (cond->kind != Kind::Const && cond->kind != Kind::Leaf && !structural &&
      isComputedFromInput(cond))
    return computedMask(cond, /*isBool=*/true, invert);
  switch (cond->kind) {
  case Kind::Const:
    if ((cond->value != 0) != invert)
      return success();
    return fail("the mask removes every key");
  case Kind::Xor:
    if (isConst(cond->args[1], 1.0))
      return keepWhere(cond->args[0], !invert);
    if (isConst(cond->args[0], 1.0))
      return keepWhere(cond->args[1], !invert);
    break;
  case Kind::And:
    if (!invert)
      return success(succeeded(keepWhere(cond->args[0], false)) &&
                     succeeded(keepWhere(cond->args[1], false)));
    break;
  case Kind::Or:
    // Keep where !(a | b) = !a & !b.
    if (invert)
      return success(succeeded(keepWhere(cond->args[0], true)) &&
                     succeeded(keepWhere(cond->args[1], true)));
    break;
  case Kind::CmpF:
  case Kind::CmpI: {
    // A condition selected to two constants, compared with a constant
    // (`tril(ones) == 0`): the condition itself, or its negation.
    Expr *condition = nullptr;
    if (std::optional<bool> sameAsTrue =
            selectComparedToConstant(cond, condition))
      return keepWhere(condition, invert == *sameAsTrue);
    if (std::optional<LogicalResult> result = constantComparison(cond, invert))
      return *result;
    if (cond->kind == Kind::CmpF)
      break;
    Linear l;
    if (!getLinear(cond->args[0], iDim, jDim, l) ||
        !getLinear(cond->args[1], iDim, jDim, l, -1))
      return fail("the mask condition is not a comparison of the query and "
                  "key positions");
    // Bring it to a * i + b * j <= k.
    using P = arith::CmpIPredicate;
    int64_t a = l.ci, c = l.cj, k;
    switch (static_cast<P>(cond->pred)) {
    case P::sle:
    case P::ule:
      k = -l.c0;
      break;
    case P::slt:
    case P::ult:
      k = -l.c0 - 1;
      break;
    case P::sge:
    case P::uge:
      a = -a, c = -c, k = l.c0;
      break;
    case P::sgt:
    case P::ugt:
      a = -a, c = -c, k = l.c0 - 1;
      break;
    default:
      return fail("the mask compares the query and key positions for "
                  "(in)equality");
    }
    if (invert)
      a = -a, c = -c, k = -k - 1;
    if (a == -1 && c == 1)
      return addCausal(k);
    if (a == 1 && c == -1) {
      // A sliding window's lower bound j >= i - k.
      if (s.windowBound && *s.windowBound != k)
        return fail("the scores have two different sliding windows");
      s.windowBound = k;
      return success();
    }
    return fail("the mask condition is not of the form j <= i + c");
  }
  case Kind::Leaf: {
    Type type = getElementTypeOrSelf(cond->tensor.getType());
    if (!type.isInteger(1))
      break;
    return maskTensor(cond->tensor, cond->map, /*isBool=*/true, invert);
  }
  default:
    break;
  }
  return fail("the mask condition is neither a comparison of the query and "
              "key positions nor a mask tensor");
}

LogicalResult ScoreParser::additive(Expr *mask) {
  if (mask->kind == Kind::Const) {
    if (std::isfinite(mask->value))
      return success(); // a constant shift: softmax is invariant to it
    return fail("the mask removes every key");
  }
  if (mask->kind == Kind::Select) {
    Expr *onTrue = mask->args[1], *onFalse = mask->args[2];
    if (isConst(onTrue, 0.0) && onFalse->kind == Kind::Const &&
        isLargeNegative(onFalse->value, elementType))
      return keepWhere(mask->args[0], /*invert=*/false);
    if (isConst(onFalse, 0.0) && onTrue->kind == Kind::Const &&
        isLargeNegative(onTrue->value, elementType))
      return keepWhere(mask->args[0], /*invert=*/true);
    return fail("the additive mask selects values other than 0 and -inf");
  }
  if (mask->kind == Kind::Add)
    // Two masks added: both apply (-inf stays -inf).
    return success(succeeded(additive(mask->args[0])) &&
                   succeeded(additive(mask->args[1])));
  if (mask->kind == Kind::Leaf &&
      isa<FloatType>(getElementTypeOrSelf(mask->tensor.getType()))) {
    if (s.scale != 1.0)
      return fail("an additive mask is added before the scores are scaled");
    return maskTensor(mask->tensor, mask->map, /*isBool=*/false, false);
  }
  // Values computed from inputs alone (a padding mask scaled to a large
  // negative value).
  if (mask->kind != Kind::Leaf && isComputedFromInput(mask))
    return computedMask(mask, /*isBool=*/false, /*invert=*/false);
  return fail("the mask added to the scores is neither a tensor nor a select "
              "of 0 and -inf");
}

/// Whether `map` reads a tensor of `type` as the space `shape` up to unit
/// dimensions (so both have the same row-major order and trailing matrix).
bool mlir::longctx::raise::readsInPlace(AffineMap map, ArrayRef<int64_t> shape,
                                        Type type) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType || tensorType.getRank() < 2 ||
      tensorType.getShape().take_back(2) != shape.take_back(2))
    return false;
  SmallVector<bool> seen(shape.size(), false);
  int64_t next = 0;
  for (auto [q, e] : llvm::enumerate(map.getResults())) {
    int64_t size = tensorType.getDimSize(q);
    if (auto c = dyn_cast<AffineConstantExpr>(e)) {
      if (c.getValue() != 0 || size != 1)
        return false;
      continue;
    }
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d || d.getPosition() < next || shape[d.getPosition()] != size)
      return false;
    seen[d.getPosition()] = true;
    next = d.getPosition() + 1;
  }
  for (auto [p, size] : llvm::enumerate(shape))
    if (!seen[p] && size != 1)
      return false;
  return true;
}

LogicalResult ScoreParser::parse(Expr *x) {
  while (true) {
    switch (x->kind) {
    case Kind::Cast:
      x = x->args[0];
      continue;
    case Kind::Mul:
    case Kind::Div: {
      bool isDiv = x->kind == Kind::Div;
      Expr *data = x->args[0], *factor = x->args[1];
      if (!isDiv && !reachesMatmul(data))
        std::swap(data, factor);
      factor = stripCasts(factor);
      if (factor->kind != Kind::Const)
        return fail(llvm::formatv("the scores are {0} a value that is not a "
                                  "constant",
                                  isDiv ? "divided by" : "multiplied by"));
      double c = isDiv ? 1.0 / factor->value : factor->value;
      if (!std::isfinite(c) || c <= 0)
        return fail(llvm::formatv("the scale {0} is not positive and finite",
                                  formatDouble(c)));
      s.scale *= c;
      x = data;
      continue;
    }
    case Kind::Add: {
      Expr *data = x->args[0], *mask = x->args[1];
      if (!reachesMatmul(data))
        std::swap(data, mask);
      if (failed(additive(mask)))
        return failure();
      x = data;
      continue;
    }
    case Kind::Sub:
      if (x->args[1]->kind == Kind::Const && std::isfinite(x->args[1]->value)) {
        x = x->args[0];
        continue;
      }
      return fail("the scores are shifted by a value that is not a constant");
    case Kind::Select: {
      Expr *onTrue = x->args[1], *onFalse = x->args[2];
      bool invert = !reachesMatmul(onTrue);
      Expr *fill = invert ? onTrue : onFalse;
      if (fill->kind != Kind::Const ||
          !isLargeNegative(fill->value, elementType))
        return fail(fill->kind == Kind::Const
                        ? llvm::formatv("masked scores are set to {0}, not "
                                        "-inf or a large negative value",
                                        formatDouble(fill->value))
                              .str()
                        : std::string("masked scores are set to a value that "
                                      "is not a constant"));
      if (failed(keepWhere(x->args[0], invert)))
        return failure();
      x = invert ? onFalse : onTrue;
      continue;
    }
    case Kind::Leaf: {
      if (!readsInPlace(x->map, b->getShape(), x->tensor.getType()))
        return fail("the scores reach the softmax through a transpose or "
                    "broadcast");
      // A batch reshape of something that is not the matmul yet: go on in
      // its space. Positions i, j keep their meaning there; a mask read so
      // far moves along when it does not depend on the batch dimensions.
      Value source = x->tensor;
      while (Value src = getBatchReshapeSource(source))
        source = src;
      MatmulInfo info;
      auto sourceType = dyn_cast<RankedTensorType>(source.getType());
      int64_t oldRank = b->rank();
      bool maskMoves = llvm::all_of(s.masks, [&](const KeptMask &mask) {
        AffineMap map = mask.tensor ? mask.map : mask.originLoops;
        return llvm::none_of(
            llvm::seq<int64_t>(0, oldRank - 2),
            [&](int64_t d) { return map.isFunctionOfDim(d); });
      });
      if (source != x->tensor && source.getDefiningOp() &&
          !matchMatmul(source.getDefiningOp(), info) && maskMoves &&
          sourceType && sourceType.hasStaticShape()) {
        spaces.emplace_back(b->getContext(), sourceType.getShape());
        b = &spaces.back();
        int64_t rank = b->rank();
        MLIRContext *ctx = b->getContext();
        SmallVector<AffineExpr> dims;
        for (int64_t d = 0; d < oldRank; ++d)
          dims.push_back(getAffineDimExpr(
              d < oldRank - 2 ? 0 : rank - (oldRank - d), ctx));
        for (KeptMask &mask : s.masks) {
          AffineMap &map = mask.tensor ? mask.map : mask.originLoops;
          map = map.replaceDimsAndSymbols(dims, {}, rank, 0);
        }
        x = b->tensor(source);
        continue;
      }
      s.scores = x->tensor;
      s.space.assign(b->getShape().begin(), b->getShape().end());
      return success();
    }
    case Kind::Opaque:
      if (x->op)
        return fail(llvm::formatv("'{0}' between the scores matmul and the "
                                  "softmax is not a scale or a mask",
                                  x->op->getName()));
      return fail("the scores are too large an expression");
    default:
      return fail("an operation between the scores matmul and the softmax is "
                  "not a scale or a mask");
    }
  }
}

/// Folds the n x m pattern `keep` into `s`'s causal offset and window when
/// it is exactly causal (or a band): sets `folded`. Fails on a conflict.
static LogicalResult foldKeep(Scores &s, const std::vector<bool> &keep,
                              int64_t n, int64_t m, bool &folded) {
  folded = false;
  std::optional<int64_t> window;
  if (!isBand(keep, n, m, m - n, std::nullopt)) {
    // A sliding window keeps, in the last query row, its last w keys.
    int64_t w = 0;
    for (int64_t j = 0; j < m; ++j)
      w += keep[(n - 1) * m + j];
    if (w == 0 || !isBand(keep, n, m, m - n, w))
      return success();
    window = w;
  }
  if (s.causalOffset && *s.causalOffset != m - n)
    return failure();
  s.causalOffset = m - n;
  if (window) {
    // The bound i - j <= window - 1 - (M - N) of the parser's form.
    int64_t bound = *window - 1 - (m - n);
    if (s.windowBound && *s.windowBound != bound)
      return failure();
    s.windowBound = bound;
  }
  folded = true;
  return success();
}

/// Folds `mask` into causal and window attributes when it is a constant that
/// is exactly causal (or a band): sets `folded`.
static LogicalResult foldCausalConstant(Scores &s, const KeptMask &mask,
                                        bool &folded, int64_t n, int64_t m,
                                        Type elementType, int64_t rank) {
  folded = false;
  DenseElementsAttr attr;
  if (!mask.tensor || !matchPattern(mask.tensor, m_Constant(&attr)))
    return success();
  std::optional<std::vector<bool>> keep =
      getConstantKeep(attr, mask.map, rank - 2, rank - 1, n, m,
                      /*additive=*/!mask.isBool, mask.invert, elementType);
  if (!keep)
    return success();
  return foldKeep(s, *keep, n, m, folded);
}

/// Folds every kept constant mask that is exactly causal (or a band) into
/// `s`'s causal offset and window.
LogicalResult mlir::longctx::raise::foldCausalConstants(Scores &s, int64_t n,
                                                       int64_t m,
                                                       Type elementType,
                                                       int64_t rank) {
  SmallVector<KeptMask, 2> kept;
  for (const KeptMask &mask : s.masks) {
    bool folded;
    if (failed(foldCausalConstant(s, mask, folded, n, m, elementType, rank)))
      return failure();
    if (!folded)
      kept.push_back(mask);
  }
  s.masks = std::move(kept);
  return success();
}

LogicalResult mlir::longctx::raise::parseScores(ExprBuilder &b,
                                                Type elementType, Expr *x,
                                                Scores &scores,
                                                std::string &why) {
  ScoreParser parser(b, elementType, scores, why);
  return parser.parse(x);
}
