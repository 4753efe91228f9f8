//===- QuantizeReferenceTest.cpp - reference semantics of (de)quantizers --===//
//
// Small examples whose expected values were worked out by hand from the
// formulas in the op descriptions (BitNet b1.58 absmean, TWN, BitNet A8).
//
//===----------------------------------------------------------------------===//
#include "ReferenceJit.h"

#include <gtest/gtest.h>

using mlir::tern::test::ReferenceJit;
using mlir::tern::test::Tensor;

namespace {

const std::vector<float> kWeights = {0.5f, -1.0f, 0.1f, 2.0f,
                                     0.3f, 0.0f,  -0.2f, -0.9f};

/// A function quantizing a 2x4 weight with `method` and `granularity`.
std::string quantizeWeights(const std::string &method,
                            const std::string &granularity,
                            const std::string &scalesType) {
  return "func.func @f(%w: tensor<2x4xf32>) -> (tensor<2x4x!tern.trit>, " +
         scalesType + ") {\n  %t, %s = tern.quantize_weights " + method + " " +
         granularity + " %w : tensor<2x4xf32> -> tensor<2x4x!tern.trit>, " +
         scalesType + "\n  return %t, %s : tensor<2x4x!tern.trit>, " +
         scalesType + "\n}\n";
}

struct Quantized {
  std::vector<int8_t> values;
  std::vector<float> scales;
};

Quantized runQuantizeWeights(const std::string &source,
                             const std::vector<float> &weights,
                             std::vector<int64_t> shape = {2, 4}) {
  ReferenceJit jit(source);
  EXPECT_TRUE(jit.ok()) << jit.error();
  if (!jit.ok())
    return {};
  auto results = jit.call("f", {Tensor::of(shape, weights)}, {1, 4});
  EXPECT_EQ(results.size(), 2u) << jit.error();
  if (results.size() != 2)
    return {};
  return {results[0].values<int8_t>(), results[1].values<float>()};
}

TEST(QuantizeWeights, AbsMeanPerTensor) {
  // mean|W| = 5.0 / 8 = 0.625; W / 0.625 = [0.8 -1.6 0.16 3.2 | 0.48 0 -0.32 -1.44]
  auto q = runQuantizeWeights(
      quantizeWeights("absmean", "per_tensor", "tensor<1xf32>"), kWeights);
  EXPECT_EQ(q.values, (std::vector<int8_t>{1, -1, 0, 1, 0, 0, 0, -1}));
  ASSERT_EQ(q.scales.size(), 1u);
  EXPECT_FLOAT_EQ(q.scales[0], 0.625f);
}

TEST(QuantizeWeights, AbsMeanPerChannel) {
  // Row means 0.9 and 0.35.
  auto q = runQuantizeWeights(
      quantizeWeights("absmean", "per_channel", "tensor<2xf32>"), kWeights);
  EXPECT_EQ(q.values, (std::vector<int8_t>{1, -1, 0, 1, 1, 0, -1, -1}));
  ASSERT_EQ(q.scales.size(), 2u);
  EXPECT_FLOAT_EQ(q.scales[0], 0.9f);
  EXPECT_FLOAT_EQ(q.scales[1], 0.35f);
}

TEST(QuantizeWeights, AbsMeanGroups) {
  // Groups of 2: means 0.75, 1.05 | 0.15, 0.55.
  auto q = runQuantizeWeights(
      quantizeWeights("absmean", "group = 2", "tensor<2x2xf32>"), kWeights);
  EXPECT_EQ(q.values, (std::vector<int8_t>{1, -1, 0, 1, 1, 0, 0, -1}));
  ASSERT_EQ(q.scales.size(), 4u);
  EXPECT_FLOAT_EQ(q.scales[0], 0.75f);
  EXPECT_FLOAT_EQ(q.scales[1], 1.05f);
  EXPECT_FLOAT_EQ(q.scales[2], 0.15f);
  EXPECT_FLOAT_EQ(q.scales[3], 0.55f);
}

TEST(QuantizeWeights, AbsMeanRoundsHalfToEven) {
  // mean = 1: 0.5 rounds to 0 (not 1), -0.5 to 0, 1.5 to 2 then clamps to 1.
  auto q = runQuantizeWeights(
      quantizeWeights("absmean", "per_tensor", "tensor<1xf32>"),
      {0.5f, -0.5f, 1.5f, 1.5f, 0.5f, -0.5f, 1.5f, 1.5f});
  EXPECT_EQ(q.values, (std::vector<int8_t>{0, 0, 1, 1, 0, 0, 1, 1}));
  EXPECT_FLOAT_EQ(q.scales[0], 1.0f);
}

TEST(QuantizeWeights, AbsMeanAllZeroUsesMinimumScale) {
  auto q = runQuantizeWeights(
      quantizeWeights("absmean", "per_channel", "tensor<2xf32>"),
      {0, 0, 0, 0, 1, 1, -1, 1});
  EXPECT_EQ(q.values, (std::vector<int8_t>{0, 0, 0, 0, 1, 1, -1, 1}));
  EXPECT_FLOAT_EQ(q.scales[0], 1e-5f);
  EXPECT_FLOAT_EQ(q.scales[1], 1.0f);
}

TEST(QuantizeWeights, TwnPerTensor) {
  // t = 0.7 * 0.625 = 0.4375; above: 0.5, 1.0, 2.0, 0.9 -> scale 4.4 / 4.
  auto q = runQuantizeWeights(
      quantizeWeights("twn", "per_tensor", "tensor<1xf32>"), kWeights);
  EXPECT_EQ(q.values, (std::vector<int8_t>{1, -1, 0, 1, 0, 0, 0, -1}));
  EXPECT_FLOAT_EQ(q.scales[0], 1.1f);
}

TEST(QuantizeWeights, TwnPerChannel) {
  // Row 0: t = 0.63, above 1.0 and 2.0. Row 1: t = 0.245, above 0.3 and 0.9.
  auto q = runQuantizeWeights(
      quantizeWeights("twn", "per_channel", "tensor<2xf32>"), kWeights);
  EXPECT_EQ(q.values, (std::vector<int8_t>{0, -1, 0, 1, 1, 0, 0, -1}));
  EXPECT_FLOAT_EQ(q.scales[0], 1.5f);
  EXPECT_FLOAT_EQ(q.scales[1], 0.6f);
}

TEST(QuantizeWeights, TwnAllZeroUsesMinimumScale) {
  auto q = runQuantizeWeights(
      quantizeWeights("twn", "per_channel", "tensor<2xf32>"),
      {0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(q.values, (std::vector<int8_t>(8, 0)));
  EXPECT_FLOAT_EQ(q.scales[0], 1e-5f);
  EXPECT_FLOAT_EQ(q.scales[1], 1e-5f);
}

TEST(QuantizeActivations, PerTokenAbsMax) {
  // Row 0: absmax 4, s = 4/127: 1/s = 31.75, 0.5/s = 15.875. Row 1 is zero.
  ReferenceJit jit(R"mlir(
func.func @f(%x: tensor<?x4xf32>) -> (tensor<?x4xi8>, tensor<?xf32>) {
  %q, %s = tern.quantize_activations per_token %x
      : tensor<?x4xf32> -> tensor<?x4xi8>, tensor<?xf32>
  return %q, %s : tensor<?x4xi8>, tensor<?xf32>
})mlir");
  ASSERT_TRUE(jit.ok()) << jit.error();
  auto results = jit.call(
      "f", {Tensor::of<float>({2, 4}, {1.0f, -4.0f, 0.5f, 0.0f, 0, 0, 0, 0})},
      {1, 4});
  ASSERT_EQ(results.size(), 2u) << jit.error();
  EXPECT_EQ(results[0].values<int8_t>(),
            (std::vector<int8_t>{32, -127, 16, 0, 0, 0, 0, 0}));
  auto scales = results[1].values<float>();
  ASSERT_EQ(scales.size(), 2u);
  EXPECT_FLOAT_EQ(scales[0], 4.0f / 127.0f);
  EXPECT_FLOAT_EQ(scales[1], 1e-5f / 127.0f);
}

TEST(QuantizeActivations, PerTensorAbsMax) {
  // One scale for both rows: absmax 8, s = 8/127.
  ReferenceJit jit(R"mlir(
func.func @f(%x: tensor<2x2xf32>) -> (tensor<2x2xi8>, tensor<1xf32>) {
  %q, %s = tern.quantize_activations per_tensor %x
      : tensor<2x2xf32> -> tensor<2x2xi8>, tensor<1xf32>
  return %q, %s : tensor<2x2xi8>, tensor<1xf32>
})mlir");
  ASSERT_TRUE(jit.ok()) << jit.error();
  auto results =
      jit.call("f", {Tensor::of<float>({2, 2}, {8.0f, -1.0f, 2.0f, -8.0f})},
               {1, 4});
  ASSERT_EQ(results.size(), 2u) << jit.error();
  // 1 / (8/127) = 15.875, 2 / (8/127) = 31.75.
  EXPECT_EQ(results[0].values<int8_t>(),
            (std::vector<int8_t>{127, -16, 32, -127}));
  EXPECT_FLOAT_EQ(results[1].values<float>()[0], 8.0f / 127.0f);
}

TEST(Dequantize, PerChannelAndGroups) {
  ReferenceJit jit(R"mlir(
func.func @f(%t: tensor<2x4x!tern.trit>, %s: tensor<2xf32>, %g: tensor<2x2xf32>)
    -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %a = tern.dequantize %t scaled by %s per_channel
      : tensor<2x4x!tern.trit>, tensor<2xf32> -> tensor<2x4xf32>
  %b = tern.dequantize %t scaled by %g group = 2
      : tensor<2x4x!tern.trit>, tensor<2x2xf32> -> tensor<2x4xf32>
  return %a, %b : tensor<2x4xf32>, tensor<2x4xf32>
})mlir");
  ASSERT_TRUE(jit.ok()) << jit.error();
  auto results = jit.call(
      "f",
      {Tensor::of<int8_t>({2, 4}, {1, -1, 0, 1, 1, 0, -1, -1}),
       Tensor::of<float>({2}, {0.5f, 2.0f}),
       Tensor::of<float>({2, 2}, {1.0f, 3.0f, 5.0f, 7.0f})},
      {4, 4});
  ASSERT_EQ(results.size(), 2u) << jit.error();
  EXPECT_EQ(results[0].values<float>(),
            (std::vector<float>{0.5f, -0.5f, 0, 0.5f, 2, 0, -2, -2}));
  EXPECT_EQ(results[1].values<float>(),
            (std::vector<float>{1, -1, 0, 3, 5, 0, -7, -7}));
}

} // namespace
