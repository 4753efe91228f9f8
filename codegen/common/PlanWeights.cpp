//===- PlanWeights.cpp - constant buffers into one weights payload --------===//
#include "codegen/common/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNPLANWEIGHTS
#include "codegen/common/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;

namespace {
struct TernPlanWeightsPass
    : tern::impl::TernPlanWeightsBase<TernPlanWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getContext());
    int64_t payload = 0;
    // Offsets in module order, so the weights file is deterministic.
    for (auto global : module.getOps<memref::GlobalOp>()) {
      MemRefType type = global.getType();
      if (!global.getConstant() || !global.getInitialValue() ||
          !type.hasStaticShape()) {
        global.emitOpError("must be a constant with a static shape and an "
                           "initial value to go into the weights file");
        return signalPassFailure();
      }
      int64_t bits = type.getElementTypeBitWidth();
      int64_t bytes = type.getNumElements() * std::max<int64_t>(bits / 8, 1);
      global->setAttr(tern::kWeightsOffsetAttr, b.getI64IntegerAttr(payload));
      payload += (bytes + tern::kBufferAlignment - 1) / tern::kBufferAlignment *
                 tern::kBufferAlignment;
    }
    module->setAttr(tern::kWeightsBytesAttr, b.getI64IntegerAttr(payload));

    auto weightsType = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if (failed(func.insertArgument(func.getNumArguments(), weightsType,
                                     b.getDictionaryAttr(b.getNamedAttr(
                                         "tern.weights", b.getUnitAttr())),
                                     func.getLoc())))
        return signalPassFailure();
      Value weights = func.getArgument(func.getNumArguments() - 1);
      SmallVector<memref::GetGlobalOp> uses;
      func.walk([&](memref::GetGlobalOp get) { uses.push_back(get); });
      for (memref::GetGlobalOp get : uses) {
        auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
            get, get.getNameAttr());
        auto offset =
            global->getAttrOfType<IntegerAttr>(tern::kWeightsOffsetAttr);
        b.setInsertionPoint(get);
        Value at =
            arith::ConstantIndexOp::create(b, get.getLoc(), offset.getInt());
        Value view = memref::ViewOp::create(b, get.getLoc(), get.getType(),
                                            weights, at, ValueRange{});
        get.replaceAllUsesWith(view);
        get.erase();
      }
    }
  }
};
} // namespace
