//===- PackedWeights.h - constant low-bit weights in tern form ---*- C++
//-*-===//
#ifndef TERN_PASSES_QUANTIZE_PACKEDWEIGHTS_H
#define TERN_PASSES_QUANTIZE_PACKEDWEIGHTS_H

#include "dialect/Tern.h"

#include "mlir/IR/Builders.h"

namespace mlir::tern {

/// Builds the [N, K] low-bit `values` (each in range for `elementType`) as a
/// constant packed in tern's default layout for that type, plus its
/// `scales` (granularity.getScalesShape(N, K), row-major), and returns
///   tern.dequantize(tern.unpack(packed), scales) : tensor<NxKxf32>.
/// Large constants become dense resources named after `name`.
Value buildDequantizedWeights(OpBuilder &b, Location loc,
                              ArrayRef<int8_t> values, int64_t n, int64_t k,
                              Type elementType, ArrayRef<float> scales,
                              GranularityAttr granularity, StringRef name);

} // namespace mlir::tern

#endif
