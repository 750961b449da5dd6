//===- ElementwiseOps.cpp - ONNX elementwise operators --------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// The ONNX elementwise and math operators as linalg generics (folded on the
// host when their inputs are known).
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::importer;

//===----------------------------------------------------------------------===//
// Elementwise operators
//===----------------------------------------------------------------------===//

LogicalResult Importer::importElementwise(StringRef op) {
  SmallVector<Tensor *> operands;
  for (unsigned i = 0; i < inputs.size(); ++i) {
    FailureOr<Tensor *> t = requiredInput(i);
    if (failed(t))
      return failure();
    operands.push_back(*t);
  }
  auto arity = [&](unsigned n) -> LogicalResult {
    if (operands.size() != n)
      return fail("expected " + Twine(n) + " inputs, got " +
                  Twine(operands.size()));
    return success();
  };
  bool unary = llvm::is_contained({"Neg", "Sqrt", "Erf", "Relu", "Sigmoid",
                                   "Tanh", "Exp", "Log", "Reciprocal", "Abs",
                                   "Not", "Gelu", "Softplus", "Sin", "Cos"},
                                  op);
  bool ternary = op == "Where";
  if (failed(arity(unary ? 1 : ternary ? 3 : 2)))
    return failure();

  Type elementType = operands.back()->type.getElementType();
  if (!ternary && !unary &&
      operands[0]->type.getElementType() != operands[1]->type.getElementType())
    return fail("input element types differ: " +
                typeString(operands[0]->type.getElementType()) + " and " +
                typeString(operands[1]->type.getElementType()));
  if (ternary) {
    if (!operands[0]->type.getElementType().isInteger(1))
      return fail("condition must be a bool tensor, got " +
                  typeString(operands[0]->type));
    if (operands[1]->type.getElementType() != elementType)
      return fail("input element types differ: " +
                  typeString(operands[1]->type.getElementType()) + " and " +
                  typeString(elementType));
  }
  bool isFloat = isa<FloatType>(elementType);
  bool isCompare = llvm::is_contained(
      {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"}, op);
  bool isLogical = llvm::is_contained({"And", "Or", "Xor", "Not"}, op);
  bool floatOnly = llvm::is_contained({"Sqrt", "Erf", "Sigmoid", "Tanh", "Exp",
                                       "Log", "Reciprocal", "Gelu", "Pow",
                                       "Softplus", "Sin", "Cos"},
                                      op);
  if (floatOnly && !isFloat)
    return fail("expected floating-point inputs, got " +
                typeString(operands[0]->type));
  if (isLogical && !elementType.isInteger(1))
    return fail("expected bool inputs, got " + typeString(operands[0]->type));
  Type resultType = isCompare ? Type(builder.getI1Type()) : elementType;

  std::string approximate = "none";
  if (op == "Gelu") {
    FailureOr<std::string> a = getStringAttr("approximate", "none");
    if (failed(a))
      return failure();
    if (*a != "none" && *a != "tanh")
      return fail("attribute 'approximate' must be \"none\" or \"tanh\", got "
                  "\"" +
                  *a + "\"");
    approximate = *a;
  }
  // Pow with a constant exponent of 2 or 0.5 (LayerNorm and RMSNorm
  // exports) becomes a product or a square root.
  std::optional<double> powExponent;
  if (op == "Pow") {
    if (operands[1]->host && operands[1]->host->isSplat())
      powExponent = operands[1]->host->get(0);
    if (operands[1]->type.getElementType() != elementType)
      return fail("exponent element type differs from the base");
  }

  using Args = ArrayRef<Value>;
  Elementwise ew;
  auto fi = [&](auto floatFn, auto intFn) {
    return [=](OpBuilder &b, Location l, Args a) -> Value {
      return isFloat ? floatFn(b, l, a) : intFn(b, l, a);
    };
  };
#define BIN(FOP, IOP)                                                          \
  fi([](OpBuilder &b, Location l,                                              \
        Args a) -> Value { return FOP::create(b, l, a[0], a[1]); },            \
     [](OpBuilder &b, Location l, Args a) -> Value {                           \
       return IOP::create(b, l, a[0], a[1]);                                   \
     })
  auto cmp = [&](arith::CmpFPredicate fp, arith::CmpIPredicate ip) {
    return [=](OpBuilder &b, Location l, Args a) -> Value {
      if (isFloat)
        return arith::CmpFOp::create(b, l, fp, a[0], a[1]);
      return arith::CmpIOp::create(b, l, ip, a[0], a[1]);
    };
  };
  if (op == "Add") {
    ew.ir = BIN(arith::AddFOp, arith::AddIOp);
    ew.host = [](ArrayRef<double> a, bool) { return a[0] + a[1]; };
  } else if (op == "Sub") {
    ew.ir = BIN(arith::SubFOp, arith::SubIOp);
    ew.host = [](ArrayRef<double> a, bool) { return a[0] - a[1]; };
  } else if (op == "Mul") {
    ew.ir = BIN(arith::MulFOp, arith::MulIOp);
    ew.host = [](ArrayRef<double> a, bool) { return a[0] * a[1]; };
  } else if (op == "Div") {
    ew.ir = BIN(arith::DivFOp, arith::DivSIOp);
    ew.host = [](ArrayRef<double> a, bool isInt) {
      if (isInt)
        return a[1] == 0 ? 0.0 : std::trunc(a[0] / a[1]);
      return a[0] / a[1];
    };
  } else if (op == "Max") {
    ew.ir = BIN(arith::MaximumFOp, arith::MaxSIOp);
    ew.host = [](ArrayRef<double> a, bool) { return std::max(a[0], a[1]); };
  } else if (op == "Min") {
    ew.ir = BIN(arith::MinimumFOp, arith::MinSIOp);
    ew.host = [](ArrayRef<double> a, bool) { return std::min(a[0], a[1]); };
  } else if (op == "Pow") {
    ew.ir = [=](OpBuilder &b, Location l, Args a) -> Value {
      if (powExponent && *powExponent == 2.0)
        return arith::MulFOp::create(b, l, a[0], a[0]);
      if (powExponent && *powExponent == 0.5)
        return math::SqrtOp::create(b, l, a[0]);
      return math::PowFOp::create(b, l, a[0], a[1]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::pow(a[0], a[1]); };
  } else if (op == "Equal") {
    ew.ir = cmp(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq);
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] == a[1]); };
  } else if (op == "Less") {
    ew.ir = cmp(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] < a[1]); };
  } else if (op == "LessOrEqual") {
    ew.ir = cmp(arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle);
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] <= a[1]); };
  } else if (op == "Greater") {
    ew.ir = cmp(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt);
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] > a[1]); };
  } else if (op == "GreaterOrEqual") {
    ew.ir = cmp(arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge);
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] >= a[1]); };
  } else if (op == "And") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return arith::AndIOp::create(b, l, a[0], a[1]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] && a[1]); };
  } else if (op == "Or") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return arith::OrIOp::create(b, l, a[0], a[1]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] || a[1]); };
  } else if (op == "Xor") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return arith::XOrIOp::create(b, l, a[0], a[1]);
    };
    ew.host = [](ArrayRef<double> a, bool) {
      return double((a[0] != 0) != (a[1] != 0));
    };
  } else if (op == "Not") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      Value one = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
      return arith::XOrIOp::create(b, l, a[0], one);
    };
    ew.host = [](ArrayRef<double> a, bool) { return double(a[0] == 0); };
  } else if (op == "Where") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return arith::SelectOp::create(b, l, a[0], a[1], a[2]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return a[0] != 0 ? a[1] : a[2]; };
  } else if (op == "Neg") {
    ew.ir =
        fi([](OpBuilder &b, Location l,
              Args a) -> Value { return arith::NegFOp::create(b, l, a[0]); },
           [](OpBuilder &b, Location l, Args a) -> Value {
             Value zero = arith::ConstantOp::create(
                 b, l, b.getIntegerAttr(a[0].getType(), 0));
             return arith::SubIOp::create(b, l, zero, a[0]);
           });
    ew.host = [](ArrayRef<double> a, bool) { return -a[0]; };
  } else if (op == "Abs") {
    ew.ir = fi([](OpBuilder &b, Location l,
                  Args a) -> Value { return math::AbsFOp::create(b, l, a[0]); },
               [](OpBuilder &b, Location l, Args a) -> Value {
                 return math::AbsIOp::create(b, l, a[0]);
               });
    ew.host = [](ArrayRef<double> a, bool) { return std::fabs(a[0]); };
  } else if (op == "Relu") {
    ew.ir = fi(
        [](OpBuilder &b, Location l, Args a) -> Value {
          Value zero = floatConst(b, l, a[0].getType(), 0.0);
          return arith::MaximumFOp::create(b, l, a[0], zero);
        },
        [](OpBuilder &b, Location l, Args a) -> Value {
          Value zero = arith::ConstantOp::create(
              b, l, b.getIntegerAttr(a[0].getType(), 0));
          return arith::MaxSIOp::create(b, l, a[0], zero);
        });
    ew.host = [](ArrayRef<double> a, bool) { return std::max(a[0], 0.0); };
  } else if (op == "Sqrt") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::SqrtOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::sqrt(a[0]); };
  } else if (op == "Exp") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::ExpOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::exp(a[0]); };
  } else if (op == "Log") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::LogOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::log(a[0]); };
  } else if (op == "Erf") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::ErfOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::erf(a[0]); };
  } else if (op == "Sin") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::SinOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::sin(a[0]); };
  } else if (op == "Cos") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::CosOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::cos(a[0]); };
  } else if (op == "Tanh") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::TanhOp::create(b, l, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return std::tanh(a[0]); };
  } else if (op == "Reciprocal") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      Value one = floatConst(b, l, a[0].getType(), 1.0);
      return arith::DivFOp::create(b, l, one, a[0]);
    };
    ew.host = [](ArrayRef<double> a, bool) { return 1.0 / a[0]; };
  } else if (op == "Sigmoid") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      Value one = floatConst(b, l, a[0].getType(), 1.0);
      Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, a[0]));
      return arith::DivFOp::create(b, l, one,
                                   arith::AddFOp::create(b, l, one, e));
    };
    ew.host = [](ArrayRef<double> a, bool) {
      return 1.0 / (1.0 + std::exp(-a[0]));
    };
  } else if (op == "Softplus") {
    ew.ir = [](OpBuilder &b, Location l, Args a) -> Value {
      return math::Log1pOp::create(b, l, math::ExpOp::create(b, l, a[0]));
    };
    ew.host = [](ArrayRef<double> a, bool) {
      return std::log1p(std::exp(a[0]));
    };
  } else if (op == "Gelu") {
    bool tanhForm = approximate == "tanh";
    ew.ir = [=](OpBuilder &b, Location l, Args a) -> Value {
      Type t = a[0].getType();
      Value x = a[0];
      Value half = floatConst(b, l, t, 0.5);
      Value one = floatConst(b, l, t, 1.0);
      Value inner;
      if (tanhForm) {
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        Value x3 =
            arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, x, x), x);
        Value poly = arith::AddFOp::create(
            b, l, x,
            arith::MulFOp::create(b, l, floatConst(b, l, t, 0.044715), x3));
        inner = math::TanhOp::create(
            b, l,
            arith::MulFOp::create(
                b, l, floatConst(b, l, t, std::sqrt(2.0 / M_PI)), poly));
      } else {
        // 0.5 x (1 + erf(x / sqrt(2)))
        inner = math::ErfOp::create(
            b, l,
            arith::MulFOp::create(b, l, x, floatConst(b, l, t, M_SQRT1_2)));
      }
      Value halfX = arith::MulFOp::create(b, l, half, x);
      return arith::MulFOp::create(b, l, halfX,
                                   arith::AddFOp::create(b, l, one, inner));
    };
    ew.host = [=](ArrayRef<double> a, bool) {
      double x = a[0];
      if (tanhForm)
        return 0.5 * x *
               (1 +
                std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
      return 0.5 * x * (1 + std::erf(x * M_SQRT1_2));
    };
  } else {
    llvm_unreachable("not an elementwise operator");
  }
#undef BIN
  FailureOr<Tensor> result = elementwise(operands, resultType, ew);
  if (failed(result))
    return failure();
  setOutput(0, *result);
  return success();
}

void mlir::longctx::importer::addElementwiseConverters(ConverterTable &table) {
  // Max and Min are variadic in ONNX; two inputs are supported.
  for (StringRef op :
       {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Equal", "Less",
        "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Not",
        "Where", "Neg", "Abs", "Relu", "Sqrt", "Exp", "Log", "Erf", "Tanh",
        "Reciprocal", "Sigmoid", "Softplus", "Gelu", "Sin", "Cos"})
    table.add(op, [](Importer &im, StringRef name) {
      return im.importElementwise(name);
    });
}
