//===- MatrixProducts.h - find matrix products in linalg form ----*- C++
//-*-===//
//
// The quantization passes work on matrix products: linalg contractions with
// one m, one n and one k dimension (plus batch dimensions on the input),
// which is how the ONNX importer builds MatMul and Gemm.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_QUANTIZE_MATRIXPRODUCTS_H
#define TERN_PASSES_QUANTIZE_MATRIXPRODUCTS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::tern {

struct MatrixProduct {
  linalg::GenericOp op;
  unsigned inputOperand;      // x, indexed (rows..., k)
  unsigned weightOperand;     // w, indexed (n, k) or (k, n)
  bool weightIsNK;            // w's map is (n, k)
  SmallVector<unsigned> rows; // loop dims of x and the result, not of w
  unsigned n, k;              // loop dimensions
};

/// `op` as a matrix product with one 2-D operand indexed by exactly {n, k}
/// (a weight shared by all rows); nullopt when it is not one.
std::optional<MatrixProduct> matchMatrixProduct(linalg::GenericOp op);

/// A convolution-like product: a mul-add reduction whose constant weight
/// operand is indexed (out_channel, reductions...), as the importer builds
/// Conv. Its rows are output channels, K the product of the other dims.
struct ChannelProduct {
  linalg::GenericOp op;
  unsigned weightOperand;
};
std::optional<ChannelProduct> matchChannelProduct(linalg::GenericOp op);

/// The layer name of an op: its NameLoc (the ONNX node name), or "".
std::string layerName(Operation *op);

/// The values of a constant f32 tensor (dense or dense resource).
std::optional<std::vector<float>> readFloatConstant(Value value);

} // namespace mlir::tern

#endif
