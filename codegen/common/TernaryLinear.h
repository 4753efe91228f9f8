//===- TernaryLinear.h - the tern.linear ops target kernels compute -*- C++
//-*-//
//
// The CPU and CUDA targets compute the same class of ternary layers with
// their own kernels: int8 activations with a scale per token or per tensor,
// constant trit or bipolar weights (both are in {-1, 0, 1}) with a scale
// per channel or per tensor. Each repacks the weights into its layout.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_TERNARYLINEAR_H
#define TERN_CODEGEN_COMMON_TERNARYLINEAR_H

#include "dialect/LowBit.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::tern {

struct LinearClaim {
  LinearOp op;
  int64_t m, n, k;
  bool perToken, perChannel;
};

/// The claim a target kernel can take on `op`, or nullopt.
std::optional<LinearClaim> claimableLinear(LinearOp op);

/// The layer's name from its location (the ONNX node), or "".
std::string layerName(Location loc);

/// Unpacks the claimed op's constant weights into row-major int8 values.
FailureOr<std::vector<int8_t>> ternaryWeightValues(const LinearClaim &claim);

} // namespace mlir::tern

#endif
