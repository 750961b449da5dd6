//===- RaiseAttention.h - Shared machinery of the attention raiser --------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Internal to lib/Dialect/LongCtx/Transforms: the scalar expression model the
// raiser matches on, shared by the linalg and the TOSA front ends.
//
// A tensor value is modelled as a tree of scalar operations over one
// iteration space (the shape of the tensor the walk started from): the bodies
// of elementwise linalg ops and TOSA elementwise ops are inlined, broadcasts
// and transposes become affine maps on the leaves, and reductions over the
// space's last dimension become RowMax / RowSum nodes. Matching softmax,
// scale and masks is then pattern matching on these trees, whatever mix of
// fused and unfused ops produced them.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_LIB_DIALECT_LONGCTX_TRANSFORMS_RAISEATTENTION_H
#define LONGCTX_LIB_DIALECT_LONGCTX_TRANSFORMS_RAISEATTENTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"

#include <deque>
#include <string>

namespace mlir::longctx::raise {

/// One node of a scalar expression over an iteration space.
struct Expr {
  enum class Kind {
    Opaque, // an operation the model does not know (`op`; `args` are its
            // operands when it is an arith op of a body)
    Leaf,   // `tensor` read through `map` (space dims -> tensor dims)
    Const,  // `value`
    Index,  // the position along space dimension `dim`
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Neg,
    Exp,
    Recip,
    Cast, // float <-> float, index <-> integer casts
    Select,
    CmpF, // `pred` is an arith::CmpFPredicate
    CmpI, // `pred` is an arith::CmpIPredicate
    And,
    Or,
    Xor,
    RowMax, // max over the space's last dim of args[0], starting at args[1]
    RowSum, // sum over the space's last dim of args[0], starting at args[1]
    RowAll, // and over the space's last dim of args[0], starting at args[1]
  };
  Kind kind = Kind::Opaque;
  SmallVector<Expr *, 3> args;
  Value tensor;
  AffineMap map;
  double value = 0;
  int64_t dim = 0;
  int64_t pred = 0;
  Operation *op = nullptr;
  /// A static tensor whose elements, read at `sourceMap`, are this
  /// expression's values (the result of the op it was built from), or null.
  Value source;
  AffineMap sourceMap;
  /// Or the value in the body of the elementwise generic `originOp` (whose
  /// loops are bound to the space by `originLoops`) that computes it.
  Value origin;
  Operation *originOp = nullptr;
  AffineMap originLoops;
};

/// Builds expressions over the iteration space `shape`. `maxDepth` bounds
/// how many producer ops are inlined along one path (0: unbounded).
class ExprBuilder {
public:
  ExprBuilder(MLIRContext *ctx, ArrayRef<int64_t> shape, int maxDepth = 0)
      : ctx(ctx), shape(shape), maxDepth(maxDepth) {}

  /// The expression of `tensor` read at `map` (space dims -> tensor dims).
  Expr *tensor(Value tensor, AffineMap map, int depth = 0);
  /// The expression of `tensor`, which has the space's shape, read in place.
  Expr *tensor(Value tensor);
  /// The expression of `value`, computed in the body of `op`, whose loops
  /// are bound to the space by `loops` (space dims -> loop dims).
  Expr *bodyValue(Operation *op, Value value, AffineMap loops);

  Expr *make(Expr::Kind kind, ArrayRef<Expr *> args = {});
  Expr *constant(double value);
  Expr *opaque(Operation *op);
  Expr *leaf(Value tensor, AffineMap map);

  MLIRContext *getContext() const { return ctx; }
  ArrayRef<int64_t> getShape() const { return shape; }
  int64_t rank() const { return shape.size(); }
  int getMaxDepth() const { return maxDepth; }

private:
  Expr *build(Value tensor, AffineMap map, int depth);
  Expr *buildLinalg(Operation *op, unsigned resultIndex, AffineMap map,
                    int depth);

  MLIRContext *ctx;
  SmallVector<int64_t> shape;
  int maxDepth;
  std::deque<Expr> nodes;
  DenseMap<std::pair<Value, AffineMap>, Expr *> cache;
};

/// Structural equality of two expressions.
bool equal(const Expr *a, const Expr *b);

/// Returns `e` without the casts on top of it.
Expr *stripCasts(Expr *e);

/// The source of a reshape that keeps the last two dimensions of a static
/// tensor (so rows of the trailing matrices keep their row-major order), or
/// null. Covers tensor.expand_shape / collapse_shape / reshape and
/// tosa.reshape.
Value getBatchReshapeSource(Value v);

/// The source of a reshape that only inserts or removes unit dimensions, or
/// null.
Value getUnitReshapeSource(Value v);

/// A matmul with optional batch dimensions:
/// out[b.., m, n] = sum_k lhs[b.., m, k] * rhs[b.., k, n], where
/// `lhsTransposed` means lhs is [b.., k, m] and `rhsTransposed` rhs is
/// [b.., n, k].
///
/// A contraction generic whose body computes its operands
/// (`acc + f(..) * g(..)`, as after linalg-fuse-elementwise-ops) is a matmul
/// too: constant factors of an operand go to `lhsScale` / `rhsScale`, and an
/// lhs that is no operand at all is `lhsBody`, the body value to model over
/// the loops [batch.., m, k] (`loops`: those space dims -> the op's loops).
struct MatmulInfo {
  Operation *op = nullptr;
  Value lhs, rhs, init; // init is null when the op has none (TOSA)
  bool lhsTransposed = false, rhsTransposed = false;
  double lhsScale = 1.0, rhsScale = 1.0;
  /// Each batch entry of rhs serves `rhsGroup` consecutive entries of the
  /// last batch dimension (a head repetition read by the body).
  int64_t rhsGroup = 1;
  Value lhsBody;
  AffineMap lhsLoops;
  SmallVector<int64_t> lhsShape;
};

/// Recognises linalg matmuls (named, transposed maps, generics, fused
/// contraction generics) and tosa.matmul.
bool matchMatmul(Operation *op, MatmulInfo &info);

// TOSA front end (RaiseAttentionTosa.cpp).
bool matchTosaMatmul(Operation *op, MatmulInfo &info);
/// The expression of a TOSA op's result read at `map`, or null when `op` is
/// not a TOSA op the model knows.
Expr *buildTosaExpr(ExprBuilder &builder, Operation *op, AffineMap map,
                    int depth);
/// Whether `op` is a tosa.reshape (the reshape helpers look at types only).
bool isTosaReshape(Operation *op);

//===----------------------------------------------------------------------===//
// Scores: scale and masks (RaiseAttentionScores.cpp)
//===----------------------------------------------------------------------===//

/// A mask tensor kept as the op's mask operand, read at `map` in the space of
/// the scores; or, without `tensor`, a value computed in the body of an
/// elementwise generic from its inputs alone (`Expr::origin`), which becomes
/// a generic of its own.
struct KeptMask {
  Value tensor;
  AffineMap map;
  bool isBool = false;
  bool invert = false; // a boolean mask that is true where keys are removed
  Value origin;
  linalg::GenericOp originOp;
  AffineMap originLoops;
};

struct Scores {
  Value scores; // the tensor of Q K^T, in the space of the softmax
  double scale = 1.0;
  std::optional<int64_t> causalOffset; // keeps key j for query i iff
                                       // j <= i + offset
  std::optional<int64_t> windowBound;  // and iff i - j <= windowBound
  SmallVector<int64_t> space;          // the space the masks are read in
  SmallVector<KeptMask, 2> masks; // at most one is left after constant
                                  // causal masks are folded
};

/// Whether `e` is the constant `value`.
bool isConst(const Expr *e, double value);

/// Reads the scores `x` (the softmax's input) as scale x Q K^T plus masks
/// into `scores`; on failure `why` says why.
LogicalResult parseScores(ExprBuilder &b, Type elementType, Expr *x,
                          Scores &scores, std::string &why);

/// Whether `map` reads a tensor of `type` as the space `shape` up to unit
/// dimensions (so both have the same row-major order and trailing matrix).
bool readsInPlace(AffineMap map, ArrayRef<int64_t> shape, Type type);

/// Folds the constant masks of `scores` that are causal (or a band) over
/// its n x m trailing matrix into its causal offset and window.
LogicalResult foldCausalConstants(Scores &s, int64_t n, int64_t m,
                                  Type elementType, int64_t rank);

/// Tries to raise the attention whose value matmul is `root`. On success
/// replaces `root` and returns success. On failure `why` says why, or is
/// empty when `root` does not end an attention chain at all.
LogicalResult raiseAttention(RewriterBase &rewriter, Operation *root,
                             std::string &why);

/// The body of both raise patterns: raises at `root`, or reports why not (a
/// remark when `emitRemarks`, and the match failure).
LogicalResult raiseAttentionOrExplain(PatternRewriter &rewriter,
                                      Operation *root, bool emitRemarks);

} // namespace mlir::longctx::raise

#endif // LONGCTX_LIB_DIALECT_LONGCTX_TRANSFORMS_RAISEATTENTION_H
