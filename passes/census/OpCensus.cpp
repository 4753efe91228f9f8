//===- OpCensus.cpp - per-layer arithmetic counts and energy --------------===//
#include "passes/Passes.h"
#include "passes/census/EnergyTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

namespace mlir::tern {
#define GEN_PASS_DEF_TERNOPCENSUS
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {
struct Counts {
  int64_t floatMuls = 0, floatAdds = 0, intMuls = 0, intAdds = 0;
  int64_t otherOps = 0, lookups = 0, weightBytes = 0;
  double picojoules45nm = 0, picojoules7nm = 0;

  void add(const Counts &o) {
    floatMuls += o.floatMuls;
    floatAdds += o.floatAdds;
    intMuls += o.intMuls;
    intAdds += o.intAdds;
    otherOps += o.otherOps;
    lookups += o.lookups;
    weightBytes += o.weightBytes;
    picojoules45nm += o.picojoules45nm;
    picojoules7nm += o.picojoules7nm;
  }
};

unsigned widthOf(Type type) {
  return type.isIntOrFloat() ? type.getIntOrFloatBitWidth() : 32;
}

/// Counts one execution of `op` in a body, `times` times.
void countOp(Operation &op, int64_t times, Counts &c) {
  if (isa<linalg::YieldOp, linalg::IndexOp, arith::ConstantOp>(op))
    return;
  if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
    // A read from a table the `lut` strategy computed is a lookup; other
    // element reads (constant weights a body decodes, activations an adder
    // tree picks) are data movement, like operands.
    Operation *source = extract.getTensor().getDefiningOp();
    if (source && source->hasAttr(kLookupTableAttr))
      c.lookups += times;
    return;
  }
  Type type = op.getNumResults() ? op.getResult(0).getType() : Type();
  if (type && type.isIndex())
    return; // addressing
  unsigned bits = type ? widthOf(type) : 32;
  auto charge = [&](int64_t &count,
                    double (EnergyTable::*energy)(unsigned) const) {
    count += times;
    c.picojoules45nm += times * (kEnergy45nm.*energy)(bits);
    c.picojoules7nm += times * (kEnergy7nm.*energy)(bits);
  };
  if (isa<arith::MulFOp, arith::DivFOp>(op))
    charge(c.floatMuls, &EnergyTable::floatMul);
  else if (isa<arith::AddFOp, arith::SubFOp>(op))
    charge(c.floatAdds, &EnergyTable::floatAdd);
  else if (isa<arith::MulIOp, arith::DivSIOp, arith::DivUIOp, arith::RemSIOp,
               arith::RemUIOp>(op))
    charge(c.intMuls, &EnergyTable::intMul);
  else if (isa<arith::AddIOp, arith::SubIOp>(op))
    charge(c.intAdds, &EnergyTable::intAdd);
  else
    c.otherOps += times;
}

std::string layerOf(Operation *op) {
  if (auto named = op->getLoc()->findInstanceOf<NameLoc>())
    return named.getName().str();
  return "(other)";
}

struct TernOpCensusPass : tern::impl::TernOpCensusBase<TernOpCensusPass> {
  using Base::Base;

  void runOnOperation() override {
    std::map<std::string, Counts> layers;
    std::vector<std::string> order;
    std::map<std::string, std::set<Operation *>> constantsRead;
    getOperation().walk([&](linalg::GenericOp op) {
      std::string layer = layerOf(op);
      if (!layers.count(layer))
        order.push_back(layer);
      Counts &c = layers[layer];
      int64_t trips = 1;
      for (int64_t range : op.getStaticLoopRanges())
        trips *= ShapedType::isDynamic(range) ? 1 : range;
      for (Operation &inner : op.getRegion().front())
        countOp(inner, trips, c);
      // Constant tensors read as operands or from the body, once a layer.
      SmallVector<Value> reads(op.getDpsInputs());
      op.getRegion().walk([&](tensor::ExtractOp extract) {
        reads.push_back(extract.getTensor());
      });
      for (Value input : reads)
        if (auto constant = input.getDefiningOp<arith::ConstantOp>())
          if (auto type = dyn_cast<RankedTensorType>(constant.getType()))
            if (constantsRead[layer].insert(constant).second)
              c.weightBytes +=
                  type.getNumElements() *
                  std::max<int64_t>(widthOf(type.getElementType()) / 8, 1);
    });
    Counts total;
    for (auto &entry : layers)
      total.add(entry.second);
    if (output.empty())
      printText(llvm::outs(), layers, order, total);
    else if (failed(writeJson(layers, order, total)))
      signalPassFailure();
    markAllAnalysesPreserved();
  }

  static void printText(llvm::raw_ostream &os,
                        std::map<std::string, Counts> &layers,
                        const std::vector<std::string> &order,
                        const Counts &total) {
    os << "tern op census (energy per op: 45 nm Horowitz ISSCC 2014, 7 nm "
          "BitNet 2023 Table 2; passes/census/EnergyTable.h)\n";
    os << llvm::format("%-36s %12s %12s %12s %12s %12s %10s %10s %12s %12s\n",
                       "layer", "float mul", "float add", "int mul", "int add",
                       "other", "lookups", "weight B", "nJ 45nm", "nJ 7nm");
    auto row = [&](StringRef name, const Counts &c) {
      os << llvm::format("%-36s %12lld %12lld %12lld %12lld %12lld %10lld "
                         "%10lld %12.3f %12.3f\n",
                         name.str().c_str(), (long long)c.floatMuls,
                         (long long)c.floatAdds, (long long)c.intMuls,
                         (long long)c.intAdds, (long long)c.otherOps,
                         (long long)c.lookups, (long long)c.weightBytes,
                         c.picojoules45nm / 1000.0, c.picojoules7nm / 1000.0);
    };
    for (const std::string &name : order)
      row(name, layers[name]);
    row("total", total);
  }

  LogicalResult writeJson(std::map<std::string, Counts> &layers,
                          const std::vector<std::string> &order,
                          const Counts &total) {
    auto toJson = [](const Counts &c) {
      return llvm::json::Object{{"float_muls", c.floatMuls},
                                {"float_adds", c.floatAdds},
                                {"int_muls", c.intMuls},
                                {"int_adds", c.intAdds},
                                {"other_ops", c.otherOps},
                                {"table_lookups", c.lookups},
                                {"weight_bytes", c.weightBytes},
                                {"energy_pj_45nm", c.picojoules45nm},
                                {"energy_pj_7nm", c.picojoules7nm}};
    };
    llvm::json::Array list;
    for (const std::string &name : order) {
      llvm::json::Object entry = toJson(layers[name]);
      entry["layer"] = name;
      list.push_back(std::move(entry));
    }
    llvm::json::Object report{{"layers", std::move(list)},
                              {"total", toJson(total)}};
    std::error_code ec;
    llvm::raw_fd_ostream os(output, ec);
    if (ec)
      return getOperation().emitError()
             << "cannot write census to '" << output << "': " << ec.message();
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report))) << "\n";
    return success();
  }
};
} // namespace
