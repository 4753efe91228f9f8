//===- IntegerActivations.cpp - integer inputs for tern.linear ------------===//
//
// A QONNX exporter writes activation quantization as fake-quant float math:
// `(clamp(round(x / s + z), lo, hi) - z) * s` or `(x >= 0 ? 1 : -1) * s`.
// The values are integers times one scale, but tern.linear sees f32. This
// pass proves that from the element-wise body (an interval analysis of the
// factor next to the scale) and hands tern.linear the integers as i8 with
// the scale as a constant per-tensor input scale: the product becomes an
// exact integer sum, multiply elimination and integer kernels apply, and a
// hardware target sees integer activations with a static scale.
//
// `static-scale` mode of tern-quantize-activations builds the same form
// (buildStaticActivationQuantizer), so both reach codegen alike.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/quantize/StaticActivations.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>

namespace mlir::tern {
#define GEN_PASS_DEF_TERNINTEGERACTIVATIONS
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {
/// What a scalar value in a generic's body can hold: an interval, and
/// whether every value in it is an integer.
struct Interval {
  double lo = -INFINITY, hi = INFINITY;
  bool integral = false;
};

/// The single value of a float constant, inside the body or read from a
/// uniform constant operand of `generic`.
std::optional<double> uniformConstant(Value v, linalg::GenericOp generic) {
  if (auto constant = v.getDefiningOp<arith::ConstantOp>()) {
    if (auto f = dyn_cast<FloatAttr>(constant.getValue()))
      return f.getValueAsDouble();
    return std::nullopt;
  }
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != generic.getBody() ||
      arg.getArgNumber() >= (unsigned)generic.getNumDpsInputs())
    return std::nullopt;
  auto constant = generic.getDpsInputs()[arg.getArgNumber()]
                      .getDefiningOp<arith::ConstantOp>();
  auto dense = constant ? dyn_cast<DenseFPElementsAttr>(constant.getValue())
                        : DenseFPElementsAttr();
  if (!dense || dense.empty())
    return std::nullopt;
  double first = (*dense.value_begin<APFloat>()).convertToDouble();
  for (APFloat value : dense.getValues<APFloat>())
    if (value.convertToDouble() != first)
      return std::nullopt;
  return first;
}

Interval rangeOf(Value v, linalg::GenericOp generic) {
  if (auto c = uniformConstant(v, generic))
    return {*c, *c, std::floor(*c) == *c};
  Operation *op = v.getDefiningOp();
  if (!op)
    return {};
  if (isa<math::RoundEvenOp, math::RoundOp, math::FloorOp, math::CeilOp>(op))
    return {-INFINITY, INFINITY, true};
  auto constantOperand = [&](unsigned i) {
    return uniformConstant(op->getOperand(i), generic);
  };
  if (isa<arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
          arith::MinNumFOp>(op)) {
    Interval a = rangeOf(op->getOperand(0), generic);
    Interval b = rangeOf(op->getOperand(1), generic);
    bool max = isa<arith::MaximumFOp, arith::MaxNumFOp>(op);
    Interval r;
    r.lo = max ? std::max(a.lo, b.lo) : std::min(a.lo, b.lo);
    r.hi = max ? std::max(a.hi, b.hi) : std::min(a.hi, b.hi);
    r.integral = a.integral && b.integral;
    return r;
  }
  if (auto select = dyn_cast<arith::SelectOp>(op)) {
    Interval a = rangeOf(select.getTrueValue(), generic);
    Interval b = rangeOf(select.getFalseValue(), generic);
    return {std::min(a.lo, b.lo), std::max(a.hi, b.hi),
            a.integral && b.integral};
  }
  if (isa<arith::SubFOp, arith::AddFOp>(op))
    if (auto c = constantOperand(1); c && *c == 0)
      return rangeOf(op->getOperand(0), generic);
  if (isa<arith::NegFOp>(op)) {
    Interval a = rangeOf(op->getOperand(0), generic);
    return {-a.hi, -a.lo, a.integral};
  }
  return {};
}

/// The form `codes * scale` of a generic's yielded value, with codes in
/// i8's range; null codes when the body does not prove it.
struct ScaledIntegers {
  Value codes;
  double scale = 0;
};

ScaledIntegers matchScaledIntegers(linalg::GenericOp generic) {
  if (generic.getNumResults() != 1 || generic.getNumDpsInits() != 1 ||
      !llvm::all_of(generic.getIteratorTypesArray(),
                    [](utils::IteratorType t) {
                      return t == utils::IteratorType::parallel;
                    }) ||
      !generic.getIndexingMapsArray().back().isIdentity())
    return {};
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  auto mul = yield.getOperand(0).getDefiningOp<arith::MulFOp>();
  if (!mul || !mul.getType().isF32())
    return {};
  for (int side = 0; side < 2; ++side) {
    auto scale = uniformConstant(mul->getOperand(1 - side), generic);
    if (!scale || *scale == 0 || !std::isfinite(*scale))
      continue;
    Interval r = rangeOf(mul->getOperand(side), generic);
    if (r.integral && r.lo >= -128 && r.hi <= 127)
      return {mul->getOperand(side), *scale};
  }
  return {};
}

/// A copy of `generic` yielding `codes` as i8 instead of `codes * scale`.
Value buildCodes(OpBuilder &b, linalg::GenericOp generic, Value codes) {
  Location loc = generic.getLoc();
  auto type = cast<RankedTensorType>(generic.getResult(0).getType());
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), b.getI8Type());
  auto copy = linalg::GenericOp::create(
      b, loc, init.getType(), generic.getDpsInputs(), ValueRange{init},
      generic.getIndexingMapsArray(), generic.getIteratorTypesArray(),
      [&](OpBuilder &nested, Location l, ValueRange args) {
        IRMapping mapping;
        mapping.map(generic.getBody()->getArguments(), args);
        for (Operation &op : generic.getBody()->without_terminator())
          nested.clone(op, mapping);
        Value code = arith::FPToSIOp::create(nested, l, nested.getI8Type(),
                                             mapping.lookup(codes));
        linalg::YieldOp::create(nested, l, ValueRange{code});
      });
  return copy.getResult(0);
}

struct TernIntegerActivationsPass
    : tern::impl::TernIntegerActivationsBase<TernIntegerActivationsPass> {
  void runOnOperation() override {
    SmallVector<LinearOp> linears;
    getOperation().walk([&](LinearOp op) {
      if (!op.getInputScales())
        linears.push_back(op);
    });
    for (LinearOp op : linears) {
      auto generic = op.getInput().getDefiningOp<linalg::GenericOp>();
      if (!generic)
        continue;
      ScaledIntegers form = matchScaledIntegers(generic);
      if (!form.codes)
        continue;
      OpBuilder b(op);
      Value codes = buildCodes(b, generic, form.codes);
      setStaticInput(b, op, codes, form.scale);
      if (generic->use_empty())
        generic->erase();
    }
  }
};
} // namespace

void mlir::tern::setStaticInput(OpBuilder &b, LinearOp op, Value codes,
                                double scale) {
  auto scalesType = RankedTensorType::get({1}, b.getF32Type());
  Value scales = arith::ConstantOp::create(
      b, op.getLoc(),
      DenseElementsAttr::get(scalesType, b.getF32FloatAttr(scale).getValue()));
  op.getInputMutable().assign(codes);
  op.getInputScalesMutable().assign(scales);
  op.setInputGranularityAttr(
      GranularityAttr::get(b.getContext(), GranularityKind::PerTensor, 0));
}

Value mlir::tern::buildStaticActivationQuantizer(OpBuilder &b, Location loc,
                                                 Value input, double scale) {
  auto type = cast<RankedTensorType>(input.getType());
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), b.getI8Type());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(),
                                            utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{input}, ValueRange{init},
      ArrayRef<AffineMap>{identity, identity}, parallel,
      [&](OpBuilder &nested, Location l, ValueRange args) {
        Type f32 = nested.getF32Type();
        auto constant = [&](double v) {
          return arith::ConstantOp::create(nested, l, f32,
                                           nested.getF32FloatAttr(v));
        };
        // q = clamp(round_half_even(x / s), -128, 127), as tern's reference
        // rounds everywhere.
        Value q = arith::DivFOp::create(nested, l, args[0], constant(scale));
        q = math::RoundEvenOp::create(nested, l, q);
        q = arith::MaximumFOp::create(nested, l, q, constant(-128));
        q = arith::MinimumFOp::create(nested, l, q, constant(127));
        linalg::YieldOp::create(
            nested, l,
            ValueRange{arith::FPToSIOp::create(nested, l, nested.getI8Type(), q)
                           .getResult()});
      });
  return generic.getResult(0);
}
