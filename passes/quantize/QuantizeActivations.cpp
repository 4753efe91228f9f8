//===- QuantizeActivations.cpp - int8 inputs for tern.linear --------------===//
#include "passes/Passes.h"
#include "passes/quantize/StaticActivations.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <cmath>

namespace mlir::tern {
#define GEN_PASS_DEF_TERNQUANTIZEACTIVATIONS
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {
struct TernQuantizeActivationsPass
    : tern::impl::TernQuantizeActivationsBase<TernQuantizeActivationsPass> {
  using Base::Base;

  void runOnOperation() override {
    FailureOr<GranularityAttr> g =
        parseGranularityOption(&getContext(), granularity);
    if (!(staticScale >= 0) || !std::isfinite(staticScale)) {
      getOperation().emitError()
          << "static activation scale must be a positive number";
      return signalPassFailure();
    }
    if (failed(g) || (g->getKind() != GranularityKind::PerToken &&
                      g->getKind() != GranularityKind::PerTensor)) {
      getOperation().emitError() << "activation granularity '" << granularity
                                 << "' is not per_token or per_tensor";
      return signalPassFailure();
    }
    SmallVector<LinearOp> linears;
    getOperation().walk([&](LinearOp op) {
      if (!op.getInputScales())
        linears.push_back(op);
    });
    for (LinearOp op : linears) {
      // A recipe's per-layer choice wins over the option.
      GranularityAttr chosen = *g;
      if (auto activations = op->getAttrOfType<StringAttr>(kActivationsAttr)) {
        op->removeAttr(kActivationsAttr);
        if (activations.getValue() == "float")
          continue;
        chosen = *parseGranularityOption(&getContext(), activations.getValue());
      }
      OpBuilder b(op);
      if (staticScale > 0) {
        setStaticInput(b, op,
                       buildStaticActivationQuantizer(
                           b, op.getLoc(), op.getInput(), staticScale),
                       staticScale);
        continue;
      }
      auto input = cast<RankedTensorType>(op.getInput().getType());
      auto quantizedType =
          RankedTensorType::get(input.getShape(), b.getI8Type());
      auto scalesType = RankedTensorType::get(
          chosen.getScalesShape(input.getDimSize(0), input.getDimSize(1)),
          b.getF32Type());
      // Named "<layer>/activations", so the op census reports the cost of
      // quantizing apart from the product's.
      Location loc = op.getLoc();
      if (auto layer = loc->findInstanceOf<NameLoc>())
        loc =
            NameLoc::get(StringAttr::get(&getContext(), layer.getName().str() +
                                                            "/activations"),
                         loc);
      auto quantize = QuantizeActivationsOp::create(
          b, loc, quantizedType, scalesType, op.getInput(), chosen);
      op.getInputMutable().assign(quantize.getResult(0));
      op.getInputScalesMutable().assign(quantize.getResult(1));
      op.setInputGranularityAttr(chosen);
    }
  }
};
} // namespace
