//===- WeightQuantizer.cpp - compile-time weight quantization -------------===//
#include "passes/quantize/WeightQuantizer.h"

#include "llvm/ADT/Sequence.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::tern;

namespace {
/// The smallest scale any quantizer produces, as in BitNet.
constexpr double kMinScale = 1e-5;
/// TWN's threshold, as a fraction of mean|W|.
constexpr double kTwnThresholdRatio = 0.7;

/// The flat indices of the elements sharing one scale: every granularity's
/// groups are contiguous runs of the row-major matrix.
using Elements = llvm::iota_range<int64_t>;

/// Calls `visit(group, elements)` for each scale group, in scale order.
template <typename Fn>
void forEachGroup(int64_t n, int64_t k, GranularityAttr g, Fn visit) {
  auto emit = [&](int64_t group, int64_t begin, int64_t count) {
    visit(group, llvm::seq<int64_t>(begin, begin + count));
  };
  switch (g.getKind()) {
  case GranularityKind::PerTensor:
    emit(0, 0, n * k);
    return;
  case GranularityKind::PerChannel:
  case GranularityKind::PerToken:
    for (int64_t r = 0; r < n; ++r)
      emit(r, r * k, k);
    return;
  case GranularityKind::Group: {
    int64_t size = g.getGroupSize();
    for (int64_t u = 0; u < n * k / size; ++u)
      emit(u, u * size, size);
    return;
  }
  }
}

double meanAbs(ArrayRef<float> w, Elements group) {
  double sum = 0;
  for (int64_t i : group)
    sum += static_cast<double>(std::fabs(w[i]));
  return sum / static_cast<double>(group.size());
}

int8_t roundClamp(float ratio, float limit) {
  float rounded = std::nearbyint(ratio); // half to even
  return static_cast<int8_t>(std::min(std::max(rounded, -limit), limit));
}
} // namespace

QuantizedMatrix mlir::tern::quantizeSymmetric(ArrayRef<float> w, int64_t n,
                                              int64_t k, float levels,
                                              GranularityAttr g) {
  QuantizedMatrix out;
  out.values.resize(n * k);
  forEachGroup(n, k, g, [&](int64_t group, Elements elements) {
    float absMax = 0;
    for (int64_t i : elements)
      absMax = std::max(std::fabs(w[i]), absMax);
    float scale = std::max(absMax, static_cast<float>(kMinScale)) / levels;
    for (int64_t i : elements)
      out.values[i] = roundClamp(w[i] / scale, levels);
    if (static_cast<int64_t>(out.scales.size()) <= group)
      out.scales.resize(group + 1);
    out.scales[group] = scale;
  });
  return out;
}

QuantizedMatrix mlir::tern::quantizeMatrix(ArrayRef<float> w, int64_t n,
                                           int64_t k, QuantMethod method,
                                           GranularityAttr g) {
  if (method == QuantMethod::Exact || method == QuantMethod::Int2 ||
      method == QuantMethod::Int4)
    return quantizeSymmetric(w, n, k, method == QuantMethod::Int4 ? 7 : 1, g);
  QuantizedMatrix out;
  out.values.resize(n * k);
  forEachGroup(n, k, g, [&](int64_t group, Elements elements) {
    float scale = 0;
    switch (method) {
    case QuantMethod::AbsMean:
    case QuantMethod::Binary:
      scale = static_cast<float>(std::max(meanAbs(w, elements), kMinScale));
      for (int64_t i : elements)
        out.values[i] = method == QuantMethod::Binary
                            ? (w[i] >= 0 ? 1 : -1)
                            : roundClamp(w[i] / scale, 1);
      break;
    case QuantMethod::TWN: {
      float threshold =
          static_cast<float>(meanAbs(w, elements) * kTwnThresholdRatio);
      double sum = 0;
      int64_t count = 0;
      for (int64_t i : elements)
        if (std::fabs(w[i]) > threshold) {
          sum += static_cast<double>(std::fabs(w[i]));
          ++count;
        }
      scale = static_cast<float>(count ? sum / static_cast<double>(count)
                                       : kMinScale);
      for (int64_t i : elements)
        out.values[i] = std::fabs(w[i]) > threshold ? (w[i] > 0 ? 1 : -1) : 0;
      break;
    }
    case QuantMethod::Exact:
    case QuantMethod::Int2:
    case QuantMethod::Int4:
      llvm_unreachable("symmetric methods go through quantizeSymmetric");
    }
    if (static_cast<int64_t>(out.scales.size()) <= group)
      out.scales.resize(group + 1);
    out.scales[group] = scale;
  });
  return out;
}

bool mlir::tern::isExactlyTernary(ArrayRef<float> w, int64_t n, int64_t k,
                                  GranularityAttr g) {
  bool exact = true;
  forEachGroup(n, k, g, [&](int64_t, Elements elements) {
    if (!exact)
      return;
    float magnitude = 0;
    for (int64_t i : elements)
      if (w[i] != 0) {
        magnitude = std::fabs(w[i]);
        break;
      }
    // Branch-free, so it vectorizes: a 2B model has 2G weights to check.
    bool ok = true;
    for (int64_t i : elements) {
      float a = std::fabs(w[i]);
      ok &= (a == 0.0f) | (a == magnitude);
    }
    exact = ok;
  });
  return exact;
}
