//===- EliminateMultiplies.cpp - the tern-eliminate-multiplies pass -------===//
#include "passes/Passes.h"
#include "passes/multiply/MultiplyFree.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNELIMINATEMULTIPLIES
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {
/// Layers of at most this many weights (N * K) are unrolled by adder-tree.
constexpr int64_t kMaxUnrolled = 16384;

struct TernEliminateMultipliesPass
    : tern::impl::TernEliminateMultipliesBase<TernEliminateMultipliesPass> {
  using Base::Base;

  void runOnOperation() override {
    StringRef name = strategy;
    int64_t group = 0;
    bool adderTree = name == "adder-tree";
    if (adderTree) {
      // handled below
    } else if (name.consume_front("lut")) {
      group = 4; // "lut" alone: groups of 4 activations (81 entries)
      if (name.consume_front("=") &&
          (name.getAsInteger(10, group) || group < 2 || group > 5)) {
        getOperation().emitError()
            << "lookup-table group '" << name << "' is not 2 to 5";
        return signalPassFailure();
      }
    } else if (name != "addsub") {
      getOperation().emitError()
          << "multiply-elimination strategy '" << strategy
          << "' is not available (addsub, lut, lut=G with G in 2..5, "
             "adder-tree)";
      return signalPassFailure();
    }
    SmallVector<LinearOp> linears;
    getOperation().walk([&](LinearOp op) { linears.push_back(op); });
    for (LinearOp op : linears)
      if (applies(op)) {
        ImplicitLocOpBuilder b(op.getLoc(), op);
        // Adder trees unroll small layers only; larger ones use add/sub.
        Value y = group       ? multiply::buildLookupTable(b, op, group)
                  : adderTree ? multiply::buildAdderTree(b, op, kMaxUnrolled)
                              : Value();
        if (!y)
          y = multiply::buildAddSub(b, op);
        if (!y)
          continue;
        op.getResult().replaceAllUsesWith(y);
        op.erase();
      }
  }

  /// int8 input, packed trit (offset2) or bipolar (offset1) weights.
  /// Tables and adder trees take one scale group per output channel or
  /// tensor (they return null otherwise); add/sub also takes groups.
  static bool applies(LinearOp op) {
    auto input = cast<RankedTensorType>(op.getInput().getType());
    auto weights = cast<RankedTensorType>(op.getWeights().getType());
    auto layout = dyn_cast_or_null<PackedLayoutAttr>(weights.getEncoding());
    if (!input.getElementType().isInteger(8) || !layout ||
        !input.hasStaticShape() || op->hasAttr(kTargetKernelAttr))
      return false;
    return (isa<TritType>(layout.getValueType()) &&
            layout.getKind() == PackingKind::Offset2) ||
           (isa<BipolarType>(layout.getValueType()) &&
            layout.getKind() == PackingKind::Offset1);
  }
};
} // namespace
