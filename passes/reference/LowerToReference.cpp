//===- LowerToReference.cpp - the --tern-lower-to-reference pass ----------===//
//
// Drives the reference lowering: low-bit element types become i8 values,
// #tern.packed tensors lose their encoding, and each tern op becomes loops
// (patterns in the sibling files). Non-tern ops that merely carry tern types
// (function signatures, reshapes, constants) are rewritten with the
// converted types.
//
//===----------------------------------------------------------------------===//
#include "dialect/LowBit.h"
#include "passes/Passes.h"
#include "passes/reference/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNLOWERTOREFERENCE
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {

/// Low-bit tensors hold one i8 per element, valued -1..15 as the type says;
/// packed tensors are plain bytes.
class ReferenceTypeConverter : public TypeConverter {
public:
  ReferenceTypeConverter() {
    addConversion([](Type type) { return type; });
    addConversion([](RankedTensorType type) -> Type {
      Type element = type.getElementType();
      if (isLowBitElementType(element))
        element = IntegerType::get(type.getContext(), 8);
      if (element == type.getElementType() &&
          !isa_and_present<PackedLayoutAttr>(type.getEncoding()))
        return type;
      return RankedTensorType::get(type.getShape(), element);
    });
  }
};

/// Rebuilds a region-free, non-tern op with converted operand and result
/// types; its semantics do not depend on the element type's meaning.
struct ConvertOperandAndResultTypes : ConversionPattern {
  ConvertOperandAndResultTypes(const TypeConverter &converter,
                               MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {
  }

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (op->getNumRegions() != 0 || isa<TernDialect>(op->getDialect()) ||
        isa<arith::ConstantOp>(op))
      return failure();
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(),
                                                resultTypes)))
      return failure();
    OperationState state(op->getLoc(), op->getName(), operands, resultTypes,
                         op->getAttrs(), op->getSuccessors());
    rewriter.replaceOp(op, rewriter.create(state)->getResults());
    return success();
  }
};

/// A packed constant keeps its bytes; only the type loses its encoding.
struct ConvertPackedConstant : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getType()));
    if (!type || type == op.getType())
      return failure();
    TypedAttr value;
    if (auto dense = dyn_cast<DenseElementsAttr>(op.getValue()))
      value = dense.reshape(type);
    else if (auto resource = dyn_cast<DenseResourceElementsAttr>(op.getValue()))
      value = DenseResourceElementsAttr::get(type, resource.getRawHandle());
    else
      return rewriter.notifyMatchFailure(op, "unsupported constant attribute");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, value);
    return success();
  }
};

struct LowerToReferencePass
    : tern::impl::TernLowerToReferenceBase<LowerToReferencePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ReferenceTypeConverter converter;

    ConversionTarget target(*ctx);
    target.addIllegalDialect<TernDialect>();
    target.markUnknownOpDynamicallyLegal([&](Operation *op) {
      if (auto function = dyn_cast<FunctionOpInterface>(op))
        return converter.isSignatureLegal(
                   cast<FunctionType>(function.getFunctionType())) &&
               converter.isLegal(&function.getFunctionBody());
      return converter.isLegal(op);
    });

    RewritePatternSet patterns(ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    scf::populateSCFStructuralTypeConversions(converter, patterns);
    patterns.add<ConvertOperandAndResultTypes, ConvertPackedConstant>(converter,
                                                                      ctx);
    reference::populateQuantizeLoweringPatterns(converter, patterns);
    reference::populateLinearLoweringPatterns(converter, patterns);
    reference::populatePackingLoweringPatterns(converter, patterns);

    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
