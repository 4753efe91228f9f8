//===- LoopAnalysis.cpp - questions targets ask of top-level loop nests ---===//
#include "codegen/common/LoopAnalysis.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::tern;

std::optional<int64_t> mlir::tern::tripCount(scf::ForOp loop) {
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound()),
                         upper = getConstantIntValue(loop.getUpperBound()),
                         step = getConstantIntValue(loop.getStep());
  if (!lower || !upper || !step || *step <= 0)
    return std::nullopt;
  return *upper > *lower ? (*upper - *lower + *step - 1) / *step : 0;
}

std::optional<int64_t> mlir::tern::workOf(scf::ForOp loop) {
  std::optional<int64_t> trips = tripCount(loop);
  if (!trips)
    return std::nullopt;
  int64_t perIteration = 1, mathCalls = 0;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto inner = dyn_cast<scf::ForOp>(op)) {
      std::optional<int64_t> work = workOf(inner);
      if (!work)
        return std::nullopt;
      perIteration = std::max(perIteration, *work);
    } else if (op.getDialect() &&
               op.getDialect()->getNamespace() ==
                   math::MathDialect::getDialectNamespace()) {
      ++mathCalls;
    }
  }
  return *trips * perIteration * (1 + kMathCallWeight * mathCalls);
}

bool mlir::tern::hasIndependentIterations(scf::ForOp loop) {
  Value iv = loop.getInductionVar();
  llvm::DenseMap<Value, std::optional<unsigned>> ivDimension;
  llvm::DenseSet<Value> stored;
  auto access = [&](Value memref, ValueRange indices) {
    std::optional<unsigned> dimension;
    for (auto [i, index] : llvm::enumerate(indices))
      if (index == iv)
        dimension = i;
    auto [it, inserted] = ivDimension.try_emplace(memref, dimension);
    if (!inserted && it->second != dimension)
      it->second = std::nullopt;
  };
  WalkResult walk = loop.getBody()->walk([&](Operation *op) {
    if (isa<func::CallOp, memref::AllocOp, memref::AllocaOp>(op))
      return WalkResult::interrupt();
    if (auto load = dyn_cast<memref::LoadOp>(op))
      access(load.getMemRef(), load.getIndices());
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      access(store.getMemRef(), store.getIndices());
      stored.insert(store.getMemRef());
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return false;
  return llvm::all_of(stored, [&](Value memref) {
    return ivDimension.lookup(memref).has_value();
  });
}

bool mlir::tern::isPlainBuffer(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  return type && type.hasStaticShape() &&
         succeeded(type.getStridesAndOffset(strides, offset)) && offset == 0 &&
         type.areTrailingDimsContiguous(type.getRank());
}
