//===- ConvertToEmitC.cpp - loop-level code on flat buffers to EmitC ------===//
//
// Upstream memref-to-emitc models buffers as C arrays, which cannot be
// views into an arena or a mapped weights file. Here every buffer is a typed
// pointer to its base and every access computes offset + sum(index*stride)
// from the static layout. The rest (func, scf, arith, most of math) uses
// the upstream conversions; math ops upstream leaves alone become <cmath>
// calls.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/Passes.h"

#include "mlir/Conversion/ArithToEmitC/ArithToEmitC.h"
#include "mlir/Conversion/FuncToEmitC/FuncToEmitC.h"
#include "mlir/Conversion/MathToEmitC/MathToEmitC.h"
#include "mlir/Conversion/SCFToEmitC/SCFToEmitC.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/Dialect/EmitC/Transforms/TypeConversions.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNCONVERTTOEMITC
#include "codegen/common/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;

namespace {
Value sizeConstant(OpBuilder &b, Location loc, int64_t value) {
  return emitc::ConstantOp::create(
      b, loc, emitc::SizeTType::get(b.getContext()), b.getIndexAttr(value));
}

/// offset + sum(indices[i] * strides[i]) of a static strided layout.
FailureOr<Value> linearIndex(OpBuilder &b, Location loc, MemRefType type,
                             ValueRange indices) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset) ||
      llvm::any_of(strides, ShapedType::isDynamic))
    return failure();
  Type sizeT = emitc::SizeTType::get(b.getContext());
  Value sum;
  for (auto [index, stride] : llvm::zip(indices, strides)) {
    Value term = index;
    if (stride != 1)
      term = emitc::MulOp::create(b, loc, sizeT, index,
                                  sizeConstant(b, loc, stride));
    sum = sum ? Value(emitc::AddOp::create(b, loc, sizeT, sum, term)) : term;
  }
  if (offset != 0 || !sum) {
    Value base = sizeConstant(b, loc, offset);
    sum = sum ? Value(emitc::AddOp::create(b, loc, sizeT, sum, base)) : base;
  }
  return sum;
}

struct LoadLowering : OpConversionPattern<memref::LoadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(memref::LoadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> index = linearIndex(
        rewriter, op.getLoc(), op.getMemRefType(), adaptor.getIndices());
    Type element = getTypeConverter()->convertType(op.getType());
    if (failed(index) || !element)
      return rewriter.notifyMatchFailure(op, "needs a static strided layout");
    auto lvalue = emitc::SubscriptOp::create(
        rewriter, op.getLoc(), emitc::LValueType::get(element),
        adaptor.getMemref(), ValueRange{*index});
    rewriter.replaceOpWithNewOp<emitc::LoadOp>(op, element, lvalue);
    return success();
  }
};

struct StoreLowering : OpConversionPattern<memref::StoreOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(memref::StoreOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> index = linearIndex(
        rewriter, op.getLoc(), op.getMemRefType(), adaptor.getIndices());
    if (failed(index))
      return rewriter.notifyMatchFailure(op, "needs a static strided layout");
    Type element = adaptor.getValue().getType();
    auto lvalue = emitc::SubscriptOp::create(
        rewriter, op.getLoc(), emitc::LValueType::get(element),
        adaptor.getMemref(), ValueRange{*index});
    rewriter.replaceOpWithNewOp<emitc::AssignOp>(op, lvalue,
                                                 adaptor.getValue());
    return success();
  }
};

/// A view at a constant byte offset: (T*)(base + offset).
struct ViewLowering : OpConversionPattern<memref::ViewOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(memref::ViewOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value base = adaptor.getSource();
    Value offset = emitc::CastOp::create(rewriter, loc, rewriter.getI64Type(),
                                         adaptor.getByteShift());
    Value moved =
        emitc::AddOp::create(rewriter, loc, base.getType(), base, offset);
    Type result = getTypeConverter()->convertType(op.getType());
    rewriter.replaceOpWithNewOp<emitc::CastOp>(op, result, moved);
    return success();
  }
};

/// Ops that only change a buffer's metadata keep its base pointer; the new
/// layout is in the result type, which accesses read.
template <typename OpTy> struct SameBaseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getSource());
    return success();
  }
};

struct ExtractStridedMetadataLowering
    : OpConversionPattern<memref::ExtractStridedMetadataOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(memref::ExtractStridedMetadataOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MemRefType type = op.getSource().getType();
    SmallVector<int64_t> strides;
    int64_t offset;
    if (!type.hasStaticShape() ||
        failed(type.getStridesAndOffset(strides, offset)) ||
        ShapedType::isDynamic(offset) ||
        llvm::any_of(strides, ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "needs static metadata");
    SmallVector<Value> results = {adaptor.getSource(),
                                  sizeConstant(rewriter, op.getLoc(), offset)};
    for (int64_t size : type.getShape())
      results.push_back(sizeConstant(rewriter, op.getLoc(), size));
    for (int64_t stride : strides)
      results.push_back(sizeConstant(rewriter, op.getLoc(), stride));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct DeallocLowering : OpConversionPattern<memref::DeallocOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(memref::DeallocOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.eraseOp(op);
    return success();
  }
};

/// A math op as a call to its <cmath> (or tern/kernel.h) function.
template <typename OpTy> struct CallLowering : OpConversionPattern<OpTy> {
  CallLowering(const TypeConverter &converter, MLIRContext *context,
               StringRef callee)
      : OpConversionPattern<OpTy>(converter, context, /*benefit=*/2),
        callee(callee.str()) {}
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type result = this->getTypeConverter()->convertType(op.getType());
    if (!result || !emitc::isSupportedEmitCType(result))
      return rewriter.notifyMatchFailure(op, "unsupported type");
    rewriter.replaceOpWithNewOp<emitc::CallOpaqueOp>(op, result, callee,
                                                     adaptor.getOperands());
    return success();
  }
  std::string callee;
};

/// Unsigned division on index: size_t is unsigned already, so no casts
/// (upstream converts divui/remui on integers only).
template <typename ArithOp, typename EmitCOp>
struct IndexUnsignedLowering : OpConversionPattern<ArithOp> {
  using OpConversionPattern<ArithOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ArithOp op, typename ArithOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!op.getType().isIndex())
      return rewriter.notifyMatchFailure(op, "not on index");
    Type sizeT = this->getTypeConverter()->convertType(op.getType());
    rewriter.replaceOpWithNewOp<EmitCOp>(op, sizeT, adaptor.getLhs(),
                                         adaptor.getRhs());
    return success();
  }
};

/// A call to a kernel whose C++ source was attached to its declaration
/// (kKernelSourceAttr): a plain C call on each buffer's first element.
struct KernelCallLowering : OpConversionPattern<func::CallOp> {
  KernelCallLowering(const TypeConverter &converter, MLIRContext *context,
                     const llvm::StringSet<> &kernels)
      : OpConversionPattern(converter, context, /*benefit=*/2),
        kernels(kernels) {}
  LogicalResult
  matchAndRewrite(func::CallOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!kernels.contains(op.getCallee()) || op.getNumResults())
      return rewriter.notifyMatchFailure(op, "not a kernel call");
    SmallVector<Value> pointers;
    for (auto [original, converted] :
         llvm::zip(op.getOperands(), adaptor.getOperands())) {
      auto type = dyn_cast<MemRefType>(original.getType());
      SmallVector<int64_t> strides;
      int64_t offset;
      if (!type || failed(type.getStridesAndOffset(strides, offset)) ||
          ShapedType::isDynamic(offset) ||
          !type.areTrailingDimsContiguous(type.getRank()))
        return rewriter.notifyMatchFailure(op, "needs contiguous buffers");
      Value pointer = converted;
      if (offset != 0)
        pointer = emitc::AddOp::create(
            rewriter, op.getLoc(), converted.getType(), converted,
            sizeConstant(rewriter, op.getLoc(), offset));
      pointers.push_back(pointer);
    }
    rewriter.replaceOpWithNewOp<emitc::CallOpaqueOp>(op, TypeRange{},
                                                     op.getCallee(), pointers);
    return success();
  }
  const llvm::StringSet<> &kernels;
};

/// Moves kernel sources from their declarations into the C++ file, before
/// any code, and returns the kernels' names and the headers they need.
void emitKernelSources(ModuleOp module, llvm::StringSet<> &kernels,
                       llvm::SetVector<StringRef> &includes) {
  OpBuilder b(module.getContext());
  b.setInsertionPointToStart(module.getBody());
  for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
    auto source = func->getAttrOfType<StringAttr>(tern::kKernelSourceAttr);
    if (!source || !func.isExternal())
      continue;
    if (auto include =
            func->getAttrOfType<StringAttr>(tern::kKernelIncludeAttr))
      includes.insert(include.getValue());
    kernels.insert(func.getSymName());
    // Without format arguments the text is printed as is.
    auto verbatim = emitc::VerbatimOp::create(b, func.getLoc(), source);
    b.setInsertionPointAfter(verbatim);
    func.erase();
  }
}

struct TernConvertToEmitCPass
    : tern::impl::TernConvertToEmitCBase<TernConvertToEmitCPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    TypeConverter converter;
    converter.addConversion([](Type type) -> std::optional<Type> {
      if (emitc::isSupportedEmitCType(type))
        return type;
      return std::nullopt;
    });
    populateEmitCSizeTTypeConversions(converter);
    converter.addConversion([&](MemRefType type) -> std::optional<Type> {
      Type element = converter.convertType(type.getElementType());
      if (!element)
        return std::nullopt;
      return emitc::PointerType::get(element);
    });

    llvm::StringSet<> kernels;
    llvm::SetVector<StringRef> kernelIncludes;
    emitKernelSources(module, kernels, kernelIncludes);

    RewritePatternSet patterns(context);
    patterns.add<KernelCallLowering>(converter, context, kernels);
    populateArithToEmitCPatterns(converter, patterns);
    populateFuncToEmitCPatterns(converter, patterns);
    populateSCFToEmitCConversionPatterns(patterns, converter);
    populateConvertMathToEmitCPatterns(patterns, emitc::LanguageTarget::cpp11);
    patterns.add<LoadLowering, StoreLowering, ViewLowering,
                 ExtractStridedMetadataLowering, DeallocLowering,
                 SameBaseLowering<memref::ReinterpretCastOp>,
                 SameBaseLowering<memref::CastOp>,
                 IndexUnsignedLowering<arith::DivUIOp, emitc::DivOp>,
                 IndexUnsignedLowering<arith::RemUIOp, emitc::RemOp>>(converter,
                                                                      context);
    patterns.add<CallLowering<math::TanhOp>>(converter, context, "std::tanh");
    patterns.add<CallLowering<math::ErfOp>>(converter, context, "std::erf");
    patterns.add<CallLowering<math::SqrtOp>>(converter, context, "std::sqrt");
    patterns.add<CallLowering<math::LogOp>>(converter, context, "std::log");
    patterns.add<CallLowering<math::ExpOp>>(converter, context, "std::exp");
    patterns.add<CallLowering<math::SinOp>>(converter, context, "std::sin");
    patterns.add<CallLowering<math::CosOp>>(converter, context, "std::cos");
    // nearbyint rounds half to even in the default rounding mode.
    patterns.add<CallLowering<math::RoundEvenOp>>(converter, context,
                                                  "std::nearbyint");
    patterns.add<CallLowering<math::IPowIOp>>(converter, context, "tern_ipow");
    patterns.add<CallLowering<math::AbsIOp>>(converter, context, "tern_iabs");

    ConversionTarget target(*context);
    target.addLegalDialect<emitc::EmitCDialect>();
    target.addIllegalDialect<arith::ArithDialect, func::FuncDialect,
                             math::MathDialect, memref::MemRefDialect,
                             scf::SCFDialect>();
    // Constants stay as globals, unreferenced, so the target can write them
    // into the weights file before printing C++.
    target.addLegalOp<memref::GlobalOp>();
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();

    OpBuilder b(context);
    b.setInsertionPointToStart(module.getBody());
    for (StringRef header : {"cmath", "cstddef", "cstdint"})
      emitc::IncludeOp::create(b, module.getLoc(), header, /*isStandard=*/true);
    emitc::IncludeOp::create(b, module.getLoc(), "tern/kernel.h",
                             /*isStandard=*/false);
    for (StringRef header : kernelIncludes)
      emitc::IncludeOp::create(b, module.getLoc(), header,
                               /*isStandard=*/false);
  }
};
} // namespace
