//===- KernelCalls.cpp - ops replaced by calls to hand-written kernels ----===//
#include "codegen/common/KernelCalls.h"

#include "codegen/common/ModelSources.h"
#include "codegen/common/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdio>

using namespace mlir;
using namespace mlir::tern;

Value mlir::tern::constantBits(OpBuilder &b, Location loc, Value value,
                               RankedTensorType bits) {
  Attribute data;
  if (auto constant = value.getDefiningOp<arith::ConstantOp>()) {
    if (auto resource =
            dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
      data = DenseResourceElementsAttr::get(bits, resource.getRawHandle());
    else if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue()))
      data = dense.bitcast(bits.getElementType());
  }
  if (!data)
    return nullptr;
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(data));
}

std::string mlir::tern::floatLiteral(const APFloat &value) {
  char text[64];
  std::snprintf(text, sizeof text, "%af", value.convertToFloat());
  return text;
}

KernelCallBuilder::KernelCallBuilder(ModuleOp module,
                                     const TargetOptions &options)
    : declarations(OpBuilder::atBlockBegin(module.getBody())),
      options(options) {}

LogicalResult KernelCallBuilder::lower(Operation *op, StringRef kind,
                                       const std::string &call,
                                       StringRef header) {
  return lower(op, op->getOperands(), kind, call, header);
}

LogicalResult KernelCallBuilder::lower(Operation *op, ValueRange inputs,
                                       StringRef kind, const std::string &call,
                                       StringRef header,
                                       ArrayRef<MemRefType> scratch) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  SmallVector<Value> args;
  SmallVector<std::string> params;
  for (auto [i, value] : llvm::enumerate(inputs)) {
    Value operand = value;
    auto type = cast<RankedTensorType>(operand.getType());
    // f16 travels as its bits: not every C++ compiler has _Float16.
    if (type.getElementType().isF16()) {
      type = type.clone(b.getI16Type());
      operand = constantBits(b, loc, operand, type);
      if (!operand)
        return op->emitOpError("takes f16 operands only as constants");
    }
    args.push_back(bufferization::ToBufferOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType()),
        operand, /*read_only=*/true));
    params.push_back("const " + cTypeOf(type.getElementType()) + " *a" +
                     std::to_string(i));
  }
  SmallVector<Value> outs;
  for (OpResult result : op->getResults()) {
    auto type = cast<RankedTensorType>(result.getType());
    outs.push_back(memref::AllocOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType())));
    std::string name = op->getNumResults() == 1
                           ? "out"
                           : "out" + std::to_string(result.getResultNumber());
    params.push_back(cTypeOf(type.getElementType()) + " *" + name);
  }
  args.append(outs);
  for (auto [i, type] : llvm::enumerate(scratch)) {
    args.push_back(memref::AllocOp::create(b, loc, type));
    params.push_back(cTypeOf(type.getElementType()) + " *scratch" +
                     std::to_string(i));
  }

  std::string name =
      options.symbolPrefix + "_" + kind.str() + "_" + std::to_string(count++);
  std::string source = llvm::formatv("static void {0}({1}) {{\n  {2};\n}\n",
                                     name, llvm::join(params, ", "), call);
  auto decl = func::FuncOp::create(
      declarations, loc, name,
      declarations.getFunctionType(ValueRange(args).getTypes(), {}));
  decl.setPrivate();
  decl->setAttr(kKernelSourceAttr, declarations.getStringAttr(source));
  decl->setAttr(kKernelIncludeAttr, declarations.getStringAttr(header));
  declarations.setInsertionPointAfter(decl);
  func::CallOp::create(b, loc, decl, args);
  for (auto [result, out] : llvm::zip(op->getResults(), outs))
    result.replaceAllUsesWith(bufferization::ToTensorOp::create(
        b, loc, result.getType(), out, /*restrict=*/true, /*writable=*/true));
  op->erase();
  return success();
}
