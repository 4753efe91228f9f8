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

/// Ops that are one C++ operator or one <cmath> call, so evaluating and
/// printing them share a single entry.
struct BinaryOperator {
  StringRef op;
  char symbol;
};
const BinaryOperator kBinaryOperators[] = {{"arith.addf", '+'},
                                           {"arith.subf", '-'},
                                           {"arith.mulf", '*'},
                                           {"arith.divf", '/'}};
float applyOperator(char symbol, float a, float b) {
  switch (symbol) {
  case '+':
    return a + b;
  case '-':
    return a - b;
  case '*':
    return a * b;
  default:
    return a / b;
  }
}

struct MathCall {
  StringRef op;
  const char *call;
  float (*unary)(float);
  float (*binary)(float, float);
};
const MathCall kMathCalls[] = {
    {"math.roundeven", "std::nearbyint",
     [](float x) { return std::nearbyint(x); }, nullptr},
    {"math.floor", "std::floor", [](float x) { return std::floor(x); },
     nullptr},
    {"math.ceil", "std::ceil", [](float x) { return std::ceil(x); }, nullptr},
    {"math.exp", "std::exp", [](float x) { return std::exp(x); }, nullptr},
    {"math.tanh", "std::tanh", [](float x) { return std::tanh(x); }, nullptr},
    {"math.sqrt", "std::sqrt", [](float x) { return std::sqrt(x); }, nullptr},
    {"math.absf", "std::fabs", [](float x) { return std::fabs(x); }, nullptr},
    {"arith.maxnumf", "std::fmax", nullptr,
     [](float a, float b) { return std::fmax(a, b); }},
    {"arith.minnumf", "std::fmin", nullptr,
     [](float a, float b) { return std::fmin(a, b); }},
};

const BinaryOperator *findOperator(Operation &op) {
  for (const BinaryOperator &entry : kBinaryOperators)
    if (op.getName().getStringRef() == entry.op)
      return &entry;
  return nullptr;
}
const MathCall *findCall(Operation &op) {
  for (const MathCall &entry : kMathCalls)
    if (op.getName().getStringRef() == entry.op)
      return &entry;
  return nullptr;
}

/// A scalar constant's value (f32 values rounded to float) and its C++.
double constantValue(Attribute attr) {
  if (auto f = dyn_cast<FloatAttr>(attr))
    return (float)f.getValueAsDouble();
  return (double)cast<IntegerAttr>(attr).getInt();
}
std::string constantLiteral(Attribute attr) {
  if (auto f = dyn_cast<FloatAttr>(attr))
    return floatLiteral(f.getValueAsDouble());
  return std::to_string(cast<IntegerAttr>(attr).getInt());
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
    v[value] = constantValue(attr);
  auto f = [&](Value x) { return (float)v.lookup(x); };
  for (Operation &op : generic.getBody()->without_terminator()) {
    double r;
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      if (!isa<FloatAttr, IntegerAttr>(c.getValue()))
        return unsupported(&op);
      r = constantValue(c.getValue());
    } else if (const BinaryOperator *o = findOperator(op)) {
      r = applyOperator(o->symbol, f(op.getOperand(0)), f(op.getOperand(1)));
    } else if (const MathCall *call = findCall(op)) {
      r = call->unary ? call->unary(f(op.getOperand(0)))
                      : call->binary(f(op.getOperand(0)), f(op.getOperand(1)));
    } else if (isa<arith::NegFOp>(op)) {
      r = -f(op.getOperand(0));
    } else if (isa<arith::MaximumFOp>(op)) {
      r = maximumF(f(op.getOperand(0)), f(op.getOperand(1)));
    } else if (isa<arith::MinimumFOp>(op)) {
      r = minimumF(f(op.getOperand(0)), f(op.getOperand(1)));
    } else if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
      r = compare(cmp.getPredicate(), f(cmp.getLhs()), f(cmp.getRhs()));
    } else if (auto select = dyn_cast<arith::SelectOp>(op)) {
      r = v.lookup(select.getCondition()) != 0
              ? v.lookup(select.getTrueValue())
              : v.lookup(select.getFalseValue());
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
    names[value] = constantLiteral(attr);
  auto name = [&](Value x) { return names.lookup(x); };
  for (Operation &op : generic.getBody()->without_terminator()) {
    std::string expr;
    Value a = op.getNumOperands() > 0 ? op.getOperand(0) : Value();
    Value b = op.getNumOperands() > 1 ? op.getOperand(1) : Value();
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      if (!isa<FloatAttr, IntegerAttr>(c.getValue()))
        return unsupported(&op);
      expr = constantLiteral(c.getValue());
    } else if (const BinaryOperator *o = findOperator(op)) {
      expr = name(a) + " " + o->symbol + " " + name(b);
    } else if (const MathCall *call = findCall(op)) {
      expr = std::string(call->call) + "(" + name(a) +
             (call->binary ? ", " + name(b) : std::string()) + ")";
    } else if (isa<arith::NegFOp>(op)) {
      expr = "-" + name(a);
    } else if (isa<arith::MaximumFOp>(op)) {
      expr = "std::isnan(" + name(b) + ") ? " + name(b) + " : (!(" + name(a) +
             " <= " + name(b) + ") ? " + name(a) + " : " + name(b) + ")";
    } else if (isa<arith::MinimumFOp>(op)) {
      expr = "std::isnan(" + name(b) + ") ? " + name(b) + " : (!(" + name(a) +
             " >= " + name(b) + ") ? " + name(a) + " : " + name(b) + ")";
    } else if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
      expr = printCompare(cmp.getPredicate(), name(a), name(b));
    } else if (auto select = dyn_cast<arith::SelectOp>(op)) {
      expr = name(select.getCondition()) + " ? " + name(select.getTrueValue()) +
             " : " + name(select.getFalseValue());
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
