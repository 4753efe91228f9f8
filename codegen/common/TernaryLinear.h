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

#include "codegen/Target.h"
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

/// The claimed layer's weights repacked by `pack` (the unpacked values in,
/// `bytes` bytes of the target's layout out) as a constant before the op.
/// The result is made once per weight constant and `layout` name in a
/// compilation (TargetOptions::derivedWeights: an LLM's decode and prefill
/// steps share it).
FailureOr<Value>
packedWeightsConstant(const LinearClaim &claim, StringRef layout, int64_t bytes,
                      const TargetOptions &options,
                      llvm::function_ref<void(const int8_t *, uint8_t *)> pack);

} // namespace mlir::tern

#endif
