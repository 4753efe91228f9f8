//===- QuantizeWeights.cpp - constant float weights to low-bit ------------===//
#include "passes/Passes.h"
#include "passes/quantize/MatrixProducts.h"
#include "passes/quantize/PackedWeights.h"
#include "passes/quantize/Recipe.h"
#include "passes/quantize/WeightQuantizer.h"

#include "dialect/LowBit.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/MemoryBuffer.h"

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
    std::optional<QuantRecipe> choices = makeRecipe();
    if (!choices)
      return signalPassFailure();

    // Layers in program order: matrix products and convolutions, matched
    // once (a product's weight layout decides how it is read).
    struct Layer {
      linalg::GenericOp op;
      unsigned weightOperand;
      std::optional<MatrixProduct> product; // none: a convolution
    };
    SmallVector<Layer> layers;
    module.walk([&](linalg::GenericOp op) {
      if (auto product = matchMatrixProduct(op)) {
        if (readFloatConstant(op.getDpsInputs()[product->weightOperand]))
          layers.push_back({op, product->weightOperand, product});
      } else if (auto conv = matchChannelProduct(op)) {
        if (readFloatConstant(op.getDpsInputs()[conv->weightOperand]))
          layers.push_back({op, conv->weightOperand, std::nullopt});
      }
    });
    for (auto [index, layer] : llvm::enumerate(layers)) {
      std::string name = layerName(layer.op);
      bool firstOrLast = index == 0 || index + 1 == layers.size();
      LayerChoice choice = choices->choose(name);
      if ((keepFirstLast && firstOrLast) || !choice.method)
        continue;
      if (!recipe.empty())
        layer.op->setAttr(
            kActivationsAttr,
            StringAttr::get(&getContext(), !choice.activations ? "float"
                                           : choice.activations->getKind() ==
                                                   GranularityKind::PerTensor
                                               ? "per_tensor"
                                               : "per_token"));
      LogicalResult done =
          layer.product
              ? quantize(*layer.product, *choice.method, choice.weights, name)
              : quantizeChannels(layer.op, layer.weightOperand, *choice.method,
                                 choice.weights, name);
      if (failed(done))
        return signalPassFailure();
    }
  }

  /// The recipe file, or one made of the method and granularity options.
  std::optional<QuantRecipe> makeRecipe() {
    MLIRContext *context = &getContext();
    std::string error;
    std::optional<QuantRecipe> parsed;
    if (!recipe.empty()) {
      Location fileLoc = FileLineColLoc::get(context, recipe, 0, 0);
      auto file = llvm::MemoryBuffer::getFile(recipe);
      if (!file) {
        emitError(fileLoc) << "cannot read quantization recipe: "
                           << file.getError().message();
        return std::nullopt;
      }
      parsed = QuantRecipe::parse((*file)->getBuffer(), context, error);
      if (!parsed) {
        emitError(fileLoc) << error;
        return std::nullopt;
      }
    } else {
      std::optional<QuantMethod> parsedMethod = symbolizeQuantMethod(method);
      if (!parsedMethod) {
        getOperation().emitError()
            << "unknown quantization method '" << method
            << "' (absmean, twn, exact, binary, int2, int4)";
        return std::nullopt;
      }
      FailureOr<GranularityAttr> g =
          parseGranularityOption(context, granularity);
      if (failed(g) || g->getKind() == GranularityKind::PerToken) {
        getOperation().emitError()
            << "weight granularity '" << granularity
            << "' is not per_tensor, per_channel or group=G";
        return std::nullopt;
      }
      parsed.emplace(LayerChoice{*parsedMethod, *g, std::nullopt});
    }
    if (!keepFloat.empty() && !parsed->keepFloat(keepFloat, error)) {
      getOperation().emitError()
          << "keep-float regex '" << keepFloat << "': " << error;
      return std::nullopt;
    }
    return parsed;
  }

  /// A convolution weight [M, C, KH, ...] is quantized as M rows of
  /// C*KH*... values and reshaped back.
  LogicalResult quantizeChannels(linalg::GenericOp op, unsigned operand,
                                 QuantMethod method, GranularityAttr g,
                                 StringRef name) {
    Value weight = op.getDpsInputs()[operand];
    auto type = cast<RankedTensorType>(weight.getType());
    int64_t n = type.getDimSize(0);
    if (n == 0 || type.getNumElements() == 0)
      return success(); // nothing to quantize
    int64_t k = type.getNumElements() / n;
    OpBuilder b(op);
    FailureOr<Value> dequantized =
        quantizeRows(b, op, *readFloatConstant(weight), n, k, method, g, name);
    if (failed(dequantized))
      return failure();
    ReassociationIndices rest;
    for (int64_t i = 1; i < type.getRank(); ++i)
      rest.push_back(i);
    Value reshaped = tensor::ExpandShapeOp::create(
        b, op.getLoc(), type, *dequantized,
        ArrayRef<ReassociationIndices>{{0}, rest});
    op->setOperand(operand, reshaped);
    return success();
  }

  /// Quantizes [N, K] rows and returns their packed, dequantized form.
  /// Exactly ternary weights stay lossless whatever the ternary method, and
  /// `exact` refuses weights that are not.
  FailureOr<Value> quantizeRows(OpBuilder &b, Operation *op,
                                ArrayRef<float> rows, int64_t n, int64_t k,
                                QuantMethod method, GranularityAttr g,
                                StringRef name) {
    if (g.getKind() == GranularityKind::Group && k % g.getGroupSize())
      return op->emitError()
             << "K = " << k << " is not a multiple of the group size "
             << g.getGroupSize();
    bool exact = isExactlyTernary(rows, n, k, g);
    if (method == QuantMethod::Exact && !exact)
      return op->emitError() << "method exact needs weights in {-s, 0, +s} "
                                "in every scale group; these are not";
    if (exact && getQuantizedElementType(op->getContext(), method) ==
                     TritType::get(op->getContext()))
      method = QuantMethod::Exact;
    QuantizedMatrix q = quantizeMatrix(rows, n, k, method, g);
    return buildDequantizedWeights(
        b, op->getLoc(), q.values, n, k,
        getQuantizedElementType(op->getContext(), method), q.scales, g, name);
  }

  /// A matrix product's weight, as [K, N] or [N, K], is quantized as N rows
  /// of K; the product then reads it through an (n, k) map.
  LogicalResult quantize(const MatrixProduct &product, QuantMethod method,
                         GranularityAttr g, StringRef name) {
    linalg::GenericOp op = product.op;
    Value weight = op.getDpsInputs()[product.weightOperand];
    ArrayRef<int64_t> shape =
        cast<RankedTensorType>(weight.getType()).getShape();
    int64_t n = product.weightIsNK ? shape[0] : shape[1];
    int64_t k = product.weightIsNK ? shape[1] : shape[0];
    if (n == 0 || k == 0)
      return success(); // nothing to quantize
    std::vector<float> values = *readFloatConstant(weight);
    std::vector<float> rows(values.size());
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < k; ++c)
        rows[r * k + c] =
            product.weightIsNK ? values[r * k + c] : values[c * n + r];
    OpBuilder b(op);
    FailureOr<Value> dequantized =
        quantizeRows(b, op, rows, n, k, method, g, name);
    if (failed(dequantized))
      return failure();
    op->setOperand(product.weightOperand, *dequantized);
    if (!product.weightIsNK) {
      SmallVector<AffineMap> maps = op.getIndexingMapsArray();
      AffineMap old = maps[product.weightOperand];
      maps[product.weightOperand] =
          AffineMap::get(old.getNumDims(), 0,
                         {old.getResult(1), old.getResult(0)}, op.getContext());
      op.setIndexingMapsAttr(b.getAffineMapArrayAttr(maps));
    }
    return success();
  }
};
} // namespace
