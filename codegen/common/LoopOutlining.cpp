//===- LoopOutlining.cpp - a loop nest moved into a function of its own ---===//
#include "codegen/common/LoopOutlining.h"

#include "codegen/common/LoopAnalysis.h"
#include "codegen/common/ModelSources.h"
#include "codegen/common/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::tern;

scf::ForOp mlir::tern::perfectlyNestedInner(scf::ForOp loop) {
  scf::ForOp inner;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto nested = dyn_cast<scf::ForOp>(op)) {
      if (inner)
        return nullptr;
      inner = nested;
    } else if (!matchPattern(&op, m_Constant())) {
      return nullptr;
    }
  }
  return inner;
}

FailureOr<OutlinedLoop> mlir::tern::outlineLoopNest(scf::ForOp loop,
                                                    StringRef name,
                                                    bool innerRange,
                                                    OpBuilder &declarations) {
  if (innerRange && !perfectlyNestedInner(loop))
    return failure();
  llvm::SetVector<Value> above;
  above.insert(loop.getStep());
  getUsedValuesDefinedAbove(loop.getRegion(), above);
  OutlinedLoop outlined;
  SmallVector<Operation *> constants;
  for (Value value : above) {
    Operation *def = value.getDefiningOp();
    if (def && matchPattern(def, m_Constant()))
      constants.push_back(def);
    else if (isPlainBuffer(value))
      outlined.buffers.push_back(value);
    else
      return failure();
  }

  MLIRContext *context = loop.getContext();
  unsigned ranges = innerRange ? 4 : 2;
  SmallVector<Type> types(ranges, IndexType::get(context));
  for (auto [i, buffer] : llvm::enumerate(outlined.buffers)) {
    types.push_back(buffer.getType());
    std::string type =
        cTypeOf(cast<MemRefType>(buffer.getType()).getElementType());
    outlined.params.push_back(type + " *a" + std::to_string(i));
    outlined.args.push_back("a" + std::to_string(i));
    outlined.pointerTypes.push_back(type + " *");
  }
  Location loc = loop.getLoc();
  auto body = func::FuncOp::create(declarations, loc, name,
                                   FunctionType::get(context, types, {}));
  body.setPrivate();
  OpBuilder b = OpBuilder::atBlockBegin(body.addEntryBlock());
  IRMapping mapping;
  for (Operation *constant : constants)
    b.clone(*constant, mapping);
  for (auto [buffer, argument] :
       llvm::zip(outlined.buffers, body.getArguments().drop_front(ranges)))
    mapping.map(buffer, argument);
  auto copy = cast<scf::ForOp>(b.clone(*loop, mapping));
  copy.getLowerBoundMutable().assign(body.getArgument(0));
  copy.getUpperBoundMutable().assign(body.getArgument(1));
  if (innerRange) {
    scf::ForOp inner = perfectlyNestedInner(copy);
    inner.getLowerBoundMutable().assign(body.getArgument(2));
    inner.getUpperBoundMutable().assign(body.getArgument(3));
  }
  func::ReturnOp::create(b, loc);
  // Constant bounds the arguments replaced (C compilers warn of unused
  // variables).
  for (Operation &op :
       llvm::make_early_inc_range(llvm::reverse(body.getBody().front())))
    if (isOpTriviallyDead(&op))
      op.erase();
  outlined.body = body;
  return outlined;
}

void mlir::tern::replaceLoopWithKernelCall(scf::ForOp loop, StringRef name,
                                           ArrayRef<Value> buffers,
                                           StringRef source, StringRef include,
                                           OpBuilder &declarations) {
  Location loc = loop.getLoc();
  auto kernel = func::FuncOp::create(
      declarations, loc, name,
      FunctionType::get(loop.getContext(), ValueRange(buffers).getTypes(), {}));
  kernel.setPrivate();
  kernel->setAttr(kKernelSourceAttr, declarations.getStringAttr(source));
  kernel->setAttr(kKernelIncludeAttr, declarations.getStringAttr(include));
  OpBuilder at(loop);
  func::CallOp::create(at, loc, kernel, buffers);
  loop.erase();
}
