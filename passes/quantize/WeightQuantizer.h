//===- WeightQuantizer.h - compile-time weight quantization ------*- C++
//-*-===//
//
// The quantization methods of #tern.method, computed on the host for
// constant weights, so a compiled model stores packed low-bit weights. The
// arithmetic matches tern.quantize_weights' reference lowering operation for
// operation (f64 sums, f32 scales and divisions, round half to even), which
// the unit tests check bit for bit.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_QUANTIZE_WEIGHTQUANTIZER_H
#define TERN_PASSES_QUANTIZE_WEIGHTQUANTIZER_H

#include "dialect/Tern.h"

#include <vector>

namespace mlir::tern {

struct QuantizedMatrix {
  std::vector<int8_t> values; // [N, K] row-major, in the method's range
  std::vector<float> scales;  // granularity.getScalesShape(N, K), row-major
};

/// Quantizes the row-major [N, K] matrix `weights`. Group granularity
/// requires K to be a multiple of the group size (the caller checks).
QuantizedMatrix quantizeMatrix(ArrayRef<float> weights, int64_t n, int64_t k,
                               QuantMethod method, GranularityAttr granularity);

/// Symmetric absmax quantization to integers in [-levels, levels]: per
/// group s = max(max|W|, 1e-5) / levels, W' = clamp(round(W / s)), half to
/// even. `exact`, int2 and int4 are levels 1, 1 and 7; tern.lm_head's int8
/// table is 127.
QuantizedMatrix quantizeSymmetric(ArrayRef<float> weights, int64_t n, int64_t k,
                                  float levels, GranularityAttr granularity);

/// Whether every scale group of `weights` is exactly {-s, 0, +s} for one s,
/// so `exact` quantizes it without loss.
bool isExactlyTernary(ArrayRef<float> weights, int64_t n, int64_t k,
                      GranularityAttr granularity);

} // namespace mlir::tern

#endif
