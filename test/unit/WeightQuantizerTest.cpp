//===- WeightQuantizerTest.cpp - compile-time vs run-time quantization ----===//
//
// tern-quantize-weights quantizes constants on the host; tern.quantize_weights
// lowers to loops for run time. Both must give the same bits: a property
// test over every method, granularity and odd shapes on random weights.
//
//===----------------------------------------------------------------------===//
#include "ReferenceJit.h"

#include "dialect/LowBit.h"
#include "passes/quantize/WeightQuantizer.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace mlir::tern;
using mlir::tern::test::ReferenceJit;
using mlir::tern::test::Tensor;

namespace {
struct Case {
  QuantMethod method;
  std::string granularity; // as the op syntax spells it
  int64_t n, k;
};

std::string caseName(const testing::TestParamInfo<Case> &info) {
  std::string g;
  for (char c : info.param.granularity)
    if (isalnum(static_cast<unsigned char>(c)) || c == '_')
      g += c;
  return stringifyQuantMethod(info.param.method).str() + "_" + g + "_" +
         std::to_string(info.param.n) + "x" + std::to_string(info.param.k);
}

class WeightQuantizerTest : public testing::TestWithParam<Case> {};

TEST_P(WeightQuantizerTest, HostMatchesReferenceLowering) {
  const Case &c = GetParam();
  MLIRContext context;
  context.loadDialect<TernDialect>();
  std::string method = stringifyQuantMethod(c.method).str();
  std::string element;
  llvm::raw_string_ostream(element)
      << getQuantizedElementType(&context, c.method);
  GranularityAttr g =
      c.granularity == "per_tensor"
          ? GranularityAttr::get(&context, GranularityKind::PerTensor, 0)
      : c.granularity == "per_channel"
          ? GranularityAttr::get(&context, GranularityKind::PerChannel, 0)
          : GranularityAttr::get(&context, GranularityKind::Group,
                                 std::stoll(c.granularity.substr(8)));
  SmallVector<int64_t> scalesShape = g.getScalesShape(c.n, c.k);
  std::string scalesType = "tensor<";
  for (int64_t d : scalesShape)
    scalesType += std::to_string(d) + "x";
  scalesType += "f32>";
  std::string shape = std::to_string(c.n) + "x" + std::to_string(c.k);
  std::string valuesType = "tensor<" + shape + "x" + element + ">";
  std::string source =
      "func.func @f(%w: tensor<" + shape + "xf32>) -> (" + valuesType + ", " +
      scalesType + ") {\n  %t, %s = tern.quantize_weights " + method + " " +
      c.granularity + " %w : tensor<" + shape + "xf32> -> " + valuesType +
      ", " + scalesType + "\n  return %t, %s : " + valuesType + ", " +
      scalesType + "\n}\n";

  std::mt19937 random(c.n * 1000 + c.k);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  std::vector<float> weights(c.n * c.k);
  for (float &w : weights)
    w = normal(random);

  ReferenceJit jit(source);
  ASSERT_TRUE(jit.ok()) << jit.error() << "\n" << source;
  auto results = jit.call("f", {Tensor::of({c.n, c.k}, weights)}, {1, 4});
  ASSERT_EQ(results.size(), 2u) << jit.error();

  QuantizedMatrix host = quantizeMatrix(weights, c.n, c.k, c.method, g);
  EXPECT_EQ(host.values, results[0].values<int8_t>());
  std::vector<float> reference = results[1].values<float>();
  ASSERT_EQ(host.scales.size(), reference.size());
  for (size_t i = 0; i < reference.size(); ++i)
    EXPECT_EQ(host.scales[i], reference[i]) << "scale " << i; // bit-exact
}

std::vector<Case> allCases() {
  std::vector<Case> cases;
  for (QuantMethod method :
       {QuantMethod::AbsMean, QuantMethod::TWN, QuantMethod::Exact,
        QuantMethod::Binary, QuantMethod::Int2, QuantMethod::Int4})
    for (auto [n, k] : std::vector<std::pair<int64_t, int64_t>>{
             {1, 1}, {3, 5}, {7, 12}, {16, 33}})
      for (std::string g : {"per_tensor", "per_channel", "group = 4"}) {
        if (g == "group = 4" && k % 4)
          continue;
        cases.push_back({method, g, n, k});
      }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllMethods, WeightQuantizerTest,
                         testing::ValuesIn(allCases()), caseName);

TEST(WeightQuantizer, DetectsExactlyTernaryWeights) {
  MLIRContext context;
  context.loadDialect<TernDialect>();
  auto perChannel =
      GranularityAttr::get(&context, GranularityKind::PerChannel, 0);
  auto perTensor =
      GranularityAttr::get(&context, GranularityKind::PerTensor, 0);
  // Row scales 0.5 and 2: ternary per channel, not per tensor.
  std::vector<float> w = {0.5f, 0.0f, -0.5f, 2.0f, -2.0f, 0.0f};
  EXPECT_TRUE(isExactlyTernary(w, 2, 3, perChannel));
  EXPECT_FALSE(isExactlyTernary(w, 2, 3, perTensor));
  QuantizedMatrix q = quantizeMatrix(w, 2, 3, QuantMethod::Exact, perChannel);
  EXPECT_EQ(q.values, (std::vector<int8_t>{1, 0, -1, 1, -1, 0}));
  EXPECT_EQ(q.scales, (std::vector<float>{0.5f, 2.0f}));
}
} // namespace
