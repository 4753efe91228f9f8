//===- ScalarBody.cpp - linalg.generic bodies, evaluated or printed -------===//
#include "codegen/hls/ScalarBody.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::hls;

namespace {
// arith-expand's maximumf/minimumf (what the CPU back end runs): the rhs
// if it is NaN, else the lhs when unordered-greater (less).
float maximumF(float a, float b) {
  return std::isnan(b) ? b : (!(a <= b) ? a : b);
}
float minimumF(float a, float b) {
  return std::isnan(b) ? b : (!(a >= b) ? a : b);
}

bool compare(arith::CmpFPredicate p, float a, float b) {
  bool unordered = std::isnan(a) || std::isnan(b);
  using P = arith::CmpFPredicate;
  switch (p) {
  case P::OEQ:
    return !unordered && a == b;
  case P::OGT:
    return !unordered && a > b;
  case P::OGE:
    return !unordered && a >= b;
  case P::OLT:
    return !unordered && a < b;
  case P::OLE:
    return !unordered && a <= b;
  case P::ONE:
    return !unordered && a != b;
  case P::ORD:
    return !unordered;
  case P::UEQ:
    return unordered || a == b;
  case P::UGT:
    return unordered || a > b;
  case P::UGE:
    return unordered || a >= b;
  case P::ULT:
    return unordered || a < b;
  case P::ULE:
    return unordered || a <= b;
  case P::UNE:
    return unordered || a != b;
  case P::UNO:
    return unordered;
  case P::AlwaysTrue:
    return true;
  case P::AlwaysFalse:
    return false;
  }
  return false;
}

/// The C++ comparison a predicate prints as (NaN-aware forms included).
std::string printCompare(arith::CmpFPredicate p, StringRef a, StringRef b) {
  using P = arith::CmpFPredicate;
  auto s = [](StringRef x) { return x.str(); };
  std::string unordered =
      "(std::isnan(" + s(a) + ") || std::isnan(" + s(b) + "))";
  switch (p) {
  case P::OEQ:
    return s(a) + " == " + s(b);
  case P::OGT:
    return s(a) + " > " + s(b);
  case P::OGE:
    return s(a) + " >= " + s(b);
  case P::OLT:
    return s(a) + " < " + s(b);
  case P::OLE:
    return s(a) + " <= " + s(b);
  case P::ONE:
    return "!" + unordered + " && " + s(a) + " != " + s(b);
  case P::ORD:
    return "!" + unordered;
  case P::UEQ:
    return unordered + " || " + s(a) + " == " + s(b);
  case P::UGT:
    return "!(" + s(a) + " <= " + s(b) + ")";
  case P::UGE:
    return "!(" + s(a) + " < " + s(b) + ")";
  case P::ULT:
    return "!(" + s(a) + " >= " + s(b) + ")";
  case P::ULE:
    return "!(" + s(a) + " > " + s(b) + ")";
  case P::UNE:
    return s(a) + " != " + s(b);
  case P::UNO:
    return unordered;
  case P::AlwaysTrue:
    return "true";
  case P::AlwaysFalse:
    return "false";
  }
  return "false";
}

/// Scalar constants the body uses but which are defined outside it (the
/// importer hoists them), with their values.
SmallVector<std::pair<Value, Attribute>>
outerConstants(linalg::GenericOp generic) {
  SmallVector<std::pair<Value, Attribute>> constants;
  for (Operation &op : generic.getBody()->without_terminator())
    for (Value operand : op.getOperands())
      if (auto c = operand.getDefiningOp<arith::ConstantOp>();
          c && c->getBlock() != generic.getBody() &&
          isa<FloatAttr, IntegerAttr>(c.getValue()))
        constants.push_back({operand, c.getValue()});
  return constants;
}

LogicalResult unsupported(Operation *op) {
  return op->emitError() << "target hls: '" << op->getName()
                         << "' between or after ternary layers is not "
                            "supported (element-wise add, sub, mul, div, "
                            "min/max, compare, select, round, exp, tanh, "
                            "sqrt and casts are)";
}
} // namespace

std::string mlir::tern::hls::floatLiteral(float value) {
  if (std::isinf(value))
    return value > 0 ? "INFINITY" : "-INFINITY";
  if (std::isnan(value))
    return "NAN";
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.9gf", value);
  std::string text = buffer;
  if (text.find_first_of(".en") == std::string::npos)
    text.insert(text.size() - 1, ".0");
  return text;
}

FailureOr<double> mlir::tern::hls::evaluateBody(linalg::GenericOp generic,
                                                ArrayRef<double> args) {
  llvm::DenseMap<Value, double> v;
  for (auto [arg, value] : llvm::zip(generic.getBody()->getArguments(), args))
    v[arg] = value;
  for (auto [value, attr] : outerConstants(generic))
    v[value] = isa<FloatAttr>(attr)
                   ? (float)cast<FloatAttr>(attr).getValueAsDouble()
                   : (double)cast<IntegerAttr>(attr).getInt();
  auto f = [&](Value x) { return (float)v.lookup(x); };
  for (Operation &op : generic.getBody()->without_terminator()) {
    double r;
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      if (auto fa = dyn_cast<FloatAttr>(c.getValue()))
        r = (float)fa.getValueAsDouble();
      else if (auto ia = dyn_cast<IntegerAttr>(c.getValue()))
        r = (double)ia.getInt();
      else
        return unsupported(&op);
    } else if (isa<arith::AddFOp>(op)) {
      r = f(op.getOperand(0)) + f(op.getOperand(1));
    } else if (isa<arith::SubFOp>(op)) {
      r = f(op.getOperand(0)) - f(op.getOperand(1));
    } else if (isa<arith::MulFOp>(op)) {
      r = f(op.getOperand(0)) * f(op.getOperand(1));
    } else if (isa<arith::DivFOp>(op)) {
      r = f(op.getOperand(0)) / f(op.getOperand(1));
    } else if (isa<arith::NegFOp>(op)) {
      r = -f(op.getOperand(0));
    } else if (isa<arith::MaximumFOp>(op)) {
      r = maximumF(f(op.getOperand(0)), f(op.getOperand(1)));
    } else if (isa<arith::MinimumFOp>(op)) {
      r = minimumF(f(op.getOperand(0)), f(op.getOperand(1)));
    } else if (isa<arith::MaxNumFOp>(op)) {
      r = std::fmax(f(op.getOperand(0)), f(op.getOperand(1)));
    } else if (isa<arith::MinNumFOp>(op)) {
      r = std::fmin(f(op.getOperand(0)), f(op.getOperand(1)));
    } else if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
      r = compare(cmp.getPredicate(), f(cmp.getLhs()), f(cmp.getRhs()));
    } else if (auto select = dyn_cast<arith::SelectOp>(op)) {
      r = v.lookup(select.getCondition()) != 0
              ? v.lookup(select.getTrueValue())
              : v.lookup(select.getFalseValue());
    } else if (isa<math::RoundEvenOp>(op)) {
      r = std::nearbyint(f(op.getOperand(0)));
    } else if (isa<math::FloorOp>(op)) {
      r = std::floor(f(op.getOperand(0)));
    } else if (isa<math::CeilOp>(op)) {
      r = std::ceil(f(op.getOperand(0)));
    } else if (isa<math::ExpOp>(op)) {
      r = std::exp(f(op.getOperand(0)));
    } else if (isa<math::TanhOp>(op)) {
      r = std::tanh(f(op.getOperand(0)));
    } else if (isa<math::SqrtOp>(op)) {
      r = std::sqrt(f(op.getOperand(0)));
    } else if (isa<math::AbsFOp>(op)) {
      r = std::fabs(f(op.getOperand(0)));
    } else if (isa<arith::FPToSIOp>(op)) {
      // Codes are clamped before the cast; the cast truncates toward zero.
      r = std::trunc(f(op.getOperand(0)));
    } else if (isa<arith::SIToFPOp>(op)) {
      r = (float)v.lookup(op.getOperand(0));
    } else {
      return unsupported(&op);
    }
    v[op.getResult(0)] = r;
  }
  return v.lookup(generic.getBody()->getTerminator()->getOperand(0));
}

FailureOr<std::string>
mlir::tern::hls::printBody(linalg::GenericOp generic,
                           llvm::DenseMap<Value, std::string> &names,
                           std::string &code, StringRef indent) {
  for (auto [value, attr] : outerConstants(generic))
    names[value] = isa<FloatAttr>(attr)
                       ? floatLiteral(cast<FloatAttr>(attr).getValueAsDouble())
                       : std::to_string(cast<IntegerAttr>(attr).getInt());
  auto name = [&](Value x) { return names.lookup(x); };
  for (Operation &op : generic.getBody()->without_terminator()) {
    std::string expr;
    Value a = op.getNumOperands() > 0 ? op.getOperand(0) : Value();
    Value b = op.getNumOperands() > 1 ? op.getOperand(1) : Value();
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      if (auto fa = dyn_cast<FloatAttr>(c.getValue()))
        expr = floatLiteral((float)fa.getValueAsDouble());
      else if (auto ia = dyn_cast<IntegerAttr>(c.getValue()))
        expr = std::to_string(ia.getInt());
      else
        return unsupported(&op);
    } else if (isa<arith::AddFOp>(op)) {
      expr = name(a) + " + " + name(b);
    } else if (isa<arith::SubFOp>(op)) {
      expr = name(a) + " - " + name(b);
    } else if (isa<arith::MulFOp>(op)) {
      expr = name(a) + " * " + name(b);
    } else if (isa<arith::DivFOp>(op)) {
      expr = name(a) + " / " + name(b);
    } else if (isa<arith::NegFOp>(op)) {
      expr = "-" + name(a);
    } else if (isa<arith::MaximumFOp>(op)) {
      expr = "std::isnan(" + name(b) + ") ? " + name(b) + " : (!(" + name(a) +
             " <= " + name(b) + ") ? " + name(a) + " : " + name(b) + ")";
    } else if (isa<arith::MinimumFOp>(op)) {
      expr = "std::isnan(" + name(b) + ") ? " + name(b) + " : (!(" + name(a) +
             " >= " + name(b) + ") ? " + name(a) + " : " + name(b) + ")";
    } else if (isa<arith::MaxNumFOp>(op)) {
      expr = "std::fmax(" + name(a) + ", " + name(b) + ")";
    } else if (isa<arith::MinNumFOp>(op)) {
      expr = "std::fmin(" + name(a) + ", " + name(b) + ")";
    } else if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
      expr = printCompare(cmp.getPredicate(), name(a), name(b));
    } else if (auto select = dyn_cast<arith::SelectOp>(op)) {
      expr = name(select.getCondition()) + " ? " + name(select.getTrueValue()) +
             " : " + name(select.getFalseValue());
    } else if (isa<math::RoundEvenOp>(op)) {
      expr = "std::nearbyint(" + name(a) + ")";
    } else if (isa<math::FloorOp>(op)) {
      expr = "std::floor(" + name(a) + ")";
    } else if (isa<math::CeilOp>(op)) {
      expr = "std::ceil(" + name(a) + ")";
    } else if (isa<math::ExpOp>(op)) {
      expr = "std::exp(" + name(a) + ")";
    } else if (isa<math::TanhOp>(op)) {
      expr = "std::tanh(" + name(a) + ")";
    } else if (isa<math::SqrtOp>(op)) {
      expr = "std::sqrt(" + name(a) + ")";
    } else if (isa<math::AbsFOp>(op)) {
      expr = "std::fabs(" + name(a) + ")";
    } else if (isa<arith::FPToSIOp>(op)) {
      expr = "(int32_t)" + name(a);
    } else if (isa<arith::SIToFPOp>(op)) {
      expr = "(float)" + name(a);
    } else {
      return unsupported(&op);
    }
    Type t = op.getResult(0).getType();
    std::string type = t.isF32()        ? "float"
                       : t.isInteger(1) ? "bool"
                                        : "int32_t";
    std::string var = "t" + std::to_string(names.size());
    code += indent.str() + "const " + type + " " + var + " = " + expr + ";\n";
    names[op.getResult(0)] = var;
  }
  return names.lookup(generic.getBody()->getTerminator()->getOperand(0));
}
