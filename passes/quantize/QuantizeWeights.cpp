//===- QuantizeWeights.cpp - constant float weights to low-bit ------------===//
#include "passes/Passes.h"
#include "passes/quantize/MatrixProducts.h"
#include "passes/quantize/PackedWeights.h"
#include "passes/quantize/WeightQuantizer.h"

#include "dialect/LowBit.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/Regex.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNQUANTIZEWEIGHTS
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

FailureOr<GranularityAttr>
mlir::tern::parseGranularityOption(MLIRContext *context, StringRef text) {
  auto [kind, size] = text.split('=');
  if (kind == "per_tensor" && size.empty())
    return GranularityAttr::get(context, GranularityKind::PerTensor, 0);
  if (kind == "per_channel" && size.empty())
    return GranularityAttr::get(context, GranularityKind::PerChannel, 0);
  if (kind == "per_token" && size.empty())
    return GranularityAttr::get(context, GranularityKind::PerToken, 0);
  int64_t groupSize;
  if (kind == "group" && !size.getAsInteger(10, groupSize) && groupSize > 0)
    return GranularityAttr::get(context, GranularityKind::Group, groupSize);
  return failure();
}

namespace {
struct TernQuantizeWeightsPass
    : tern::impl::TernQuantizeWeightsBase<TernQuantizeWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    std::optional<QuantMethod> parsedMethod = symbolizeQuantMethod(method);
    if (!parsedMethod) {
      module.emitError() << "unknown quantization method '" << method
                         << "' (absmean, twn, exact, binary, int2, int4)";
      return signalPassFailure();
    }
    FailureOr<GranularityAttr> g = parseGranularityOption(context, granularity);
    if (failed(g) || g->getKind() == GranularityKind::PerToken) {
      module.emitError() << "weight granularity '" << granularity
                         << "' is not per_tensor, per_channel or group=G";
      return signalPassFailure();
    }
    llvm::Regex keep(keepFloat);
    std::string regexError;
    if (!keepFloat.empty() && !keep.isValid(regexError)) {
      module.emitError() << "keep-float regex '" << keepFloat
                         << "': " << regexError;
      return signalPassFailure();
    }

    SmallVector<MatrixProduct> products;
    module.walk([&](linalg::GenericOp op) {
      if (auto product = matchMatrixProduct(op))
        if (readFloatConstant(op.getDpsInputs()[product->weightOperand]))
          products.push_back(*product);
    });
    for (auto [index, product] : llvm::enumerate(products)) {
      std::string name = layerName(product.op);
      bool firstOrLast = index == 0 || index + 1 == products.size();
      if ((keepFirstLast && firstOrLast) ||
          (!keepFloat.empty() && keep.match(name)))
        continue;
      if (failed(quantize(product, *parsedMethod, *g, name)))
        return signalPassFailure();
    }
  }

  LogicalResult quantize(const MatrixProduct &product, QuantMethod method,
                         GranularityAttr g, StringRef name) {
    linalg::GenericOp op = product.op;
    Value weight = op.getDpsInputs()[product.weightOperand];
    ArrayRef<int64_t> shape = cast<RankedTensorType>(weight.getType()).getShape();
    int64_t n = product.weightIsNK ? shape[0] : shape[1];
    int64_t k = product.weightIsNK ? shape[1] : shape[0];
    if (g.getKind() == GranularityKind::Group && k % g.getGroupSize())
      return op.emitError() << "K = " << k
                            << " is not a multiple of the group size "
                            << g.getGroupSize();
    // The weights as [N, K] rows, one row per output channel.
    std::vector<float> values = *readFloatConstant(weight);
    std::vector<float> rows(values.size());
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < k; ++c)
        rows[r * k + c] = product.weightIsNK ? values[r * k + c] : values[c * n + r];

    bool exact = isExactlyTernary(rows, n, k, g);
    if (method == QuantMethod::Exact && !exact)
      return op.emitError() << "method exact needs weights in {-s, 0, +s} "
                               "in every scale group; these are not";
    // Exactly ternary weights stay lossless whatever the ternary method.
    if (exact && getQuantizedElementType(op.getContext(), method) ==
                     TritType::get(op.getContext()))
      method = QuantMethod::Exact;
    QuantizedMatrix q = quantizeMatrix(rows, n, k, method, g);

    OpBuilder b(op);
    Value dequantized = buildDequantizedWeights(
        b, op.getLoc(), q.values, n, k,
        getQuantizedElementType(op.getContext(), method), q.scales, g, name);
    op->setOperand(product.weightOperand, dequantized);
    if (!product.weightIsNK) {
      SmallVector<AffineMap> maps = op.getIndexingMapsArray();
      AffineMap old = maps[product.weightOperand];
      maps[product.weightOperand] = AffineMap::get(
          old.getNumDims(), 0, {old.getResult(1), old.getResult(0)},
          op.getContext());
      op.setIndexingMapsAttr(b.getAffineMapArrayAttr(maps));
    }
    return success();
  }
};
} // namespace
