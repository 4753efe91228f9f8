//===- MatrixProducts.cpp - find matrix products in linalg form -----------===//
#include "passes/quantize/MatrixProducts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;
using namespace mlir::tern;

std::optional<MatrixProduct>
mlir::tern::matchMatrixProduct(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  // Leading batch dims of x that the weight lacks count as rows (m).
  if (failed(dims) || dims->m.empty() || dims->n.size() != 1 ||
      dims->k.size() != 1 || !dims->batch.empty())
    return std::nullopt;
  MatrixProduct product{op,
                        0,
                        0,
                        false,
                        SmallVector<unsigned>(dims->m.begin(), dims->m.end()),
                        dims->n[0],
                        dims->k[0]};
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto isDim = [](AffineExpr e, unsigned d) {
    auto dim = dyn_cast<AffineDimExpr>(e);
    return dim && dim.getPosition() == d;
  };
  for (unsigned i = 0; i < 2; ++i) {
    AffineMap map = maps[i];
    if (map.getNumResults() != 2)
      continue;
    bool nk = isDim(map.getResult(0), product.n) &&
              isDim(map.getResult(1), product.k);
    bool kn = isDim(map.getResult(0), product.k) &&
              isDim(map.getResult(1), product.n);
    if (nk || kn) {
      product.weightOperand = i;
      product.inputOperand = 1 - i;
      product.weightIsNK = nk;
      return product;
    }
  }
  return std::nullopt;
}

/// Whether the body is `yield(acc + a * b)` on floats.
static bool isFloatMulAdd(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (yield.getNumOperands() != 1)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body.getArgument(body.getNumArguments() - 1);
  Value other = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  auto mul = other.getDefiningOp<arith::MulFOp>();
  return mul && (add.getLhs() == acc || add.getRhs() == acc) &&
         llvm::is_contained(body.getArguments(), mul.getLhs()) &&
         llvm::is_contained(body.getArguments(), mul.getRhs());
}

std::optional<ChannelProduct>
mlir::tern::matchChannelProduct(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !isFloatMulAdd(op))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  AffineMap outMap = maps[2];
  for (unsigned i = 0; i < 2; ++i) {
    AffineMap map = maps[i];
    if (map.getNumResults() < 3)
      continue;
    bool shaped = true;
    for (auto [r, expr] : llvm::enumerate(map.getResults())) {
      auto dim = dyn_cast<AffineDimExpr>(expr);
      if (!dim) {
        shaped = false;
        break;
      }
      bool reduction =
          iterators[dim.getPosition()] == utils::IteratorType::reduction;
      // Result 0 is the output channel, the rest are reduced.
      shaped = shaped &&
               (r == 0 ? !reduction && outMap.isFunctionOfDim(dim.getPosition())
                       : reduction);
    }
    if (shaped)
      return ChannelProduct{op, i};
  }
  return std::nullopt;
}

std::string mlir::tern::layerName(Operation *op) {
  if (auto named = op->getLoc()->findInstanceOf<NameLoc>())
    return named.getName().str();
  return "";
}

std::optional<std::vector<float>> mlir::tern::readFloatConstant(Value value) {
  auto constant = value.getDefiningOp<arith::ConstantOp>();
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!constant || !type || !type.getElementType().isF32())
    return std::nullopt;
  std::vector<float> values;
  if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue())) {
    for (float v : dense.getValues<float>())
      values.push_back(v);
    return values;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob()) {
      ArrayRef<char> raw = blob->getData();
      if (raw.size() != type.getNumElements() * sizeof(float))
        return std::nullopt;
      values.resize(type.getNumElements());
      std::memcpy(values.data(), raw.data(), raw.size());
      return values;
    }
  return std::nullopt;
}
