//===- LinearReferenceTest.cpp - reference semantics of tern.linear -------===//
#include "ReferenceJit.h"

#include <gtest/gtest.h>

#include <random>

using mlir::tern::test::ReferenceJit;
using mlir::tern::test::Tensor;

namespace {

const std::vector<int8_t> kTrits = {1, -1, 0, 1, 1, 0, -1, -1};

TEST(Linear, FloatInputPerChannel) {
  // Row sums 1-2+4 = 3 and 1-3-4 = -6, scaled by 0.5 and 2.
  ReferenceJit jit(R"mlir(
func.func @f(%x: tensor<1x4xf32>, %w: tensor<2x4x!tern.trit>, %s: tensor<2xf32>)
    -> tensor<1x2xf32> {
  %y = tern.linear %x, %w scaled by %s per_channel
      : tensor<1x4xf32>, tensor<2x4x!tern.trit>, tensor<2xf32> -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
})mlir");
  ASSERT_TRUE(jit.ok()) << jit.error();
  auto y = jit.call("f",
                    {Tensor::of<float>({1, 4}, {1, 2, 3, 4}),
                     Tensor::of<int8_t>({2, 4}, kTrits),
                     Tensor::of<float>({2}, {0.5f, 2.0f})},
                    {4});
  ASSERT_EQ(y.size(), 1u) << jit.error();
  EXPECT_EQ(y[0].values<float>(), (std::vector<float>{1.5f, -12.0f}));
}

TEST(Linear, Int8InputPerTokenScales) {
  // Integer sums 70, -60 | 1, -1; times weight scale 0.25 and token scales.
  ReferenceJit jit(R"mlir(
func.func @f(%x: tensor<?x4xi8>, %xs: tensor<?xf32>, %w: tensor<2x4x!tern.trit>,
             %s: tensor<1xf32>) -> tensor<?x2xf32> {
  %y = tern.linear %x scaled by %xs per_token, %w scaled by %s per_tensor
      : tensor<?x4xi8>, tensor<?xf32>, tensor<2x4x!tern.trit>, tensor<1xf32>
      -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
})mlir");
  ASSERT_TRUE(jit.ok()) << jit.error();
  auto y = jit.call("f",
                    {Tensor::of<int8_t>({2, 4}, {10, -20, 30, 40, 1, 1, 1, 1}),
                     Tensor::of<float>({2}, {0.1f, 0.5f}),
                     Tensor::of<int8_t>({2, 4}, kTrits),
                     Tensor::of<float>({1}, {0.25f})},
                    {4});
  ASSERT_EQ(y.size(), 1u) << jit.error();
  std::vector<float> values = y[0].values<float>();
  ASSERT_EQ(values.size(), 4u);
  EXPECT_FLOAT_EQ(values[0], 1.75f);
  EXPECT_FLOAT_EQ(values[1], -1.5f);
  EXPECT_FLOAT_EQ(values[2], 0.125f);
  EXPECT_FLOAT_EQ(values[3], -0.125f);
}

TEST(Linear, GroupScalesApplyPerGroup) {
  // Groups [1,2]·[1,-1] = -1 (scale 2) and [3,4]·[0,1] = 4 (scale 3): 10.
  ReferenceJit jit(R"mlir(
func.func @f(%x: tensor<1x4xf32>, %w: tensor<1x4x!tern.trit>, %s: tensor<1x2xf32>)
    -> tensor<1x1xf32> {
  %y = tern.linear %x, %w scaled by %s group = 2
      : tensor<1x4xf32>, tensor<1x4x!tern.trit>, tensor<1x2xf32> -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
})mlir");
  ASSERT_TRUE(jit.ok()) << jit.error();
  auto y = jit.call("f",
                    {Tensor::of<float>({1, 4}, {1, 2, 3, 4}),
                     Tensor::of<int8_t>({1, 4}, {1, -1, 0, 1}),
                     Tensor::of<float>({1, 2}, {2.0f, 3.0f})},
                    {4});
  ASSERT_EQ(y.size(), 1u) << jit.error();
  EXPECT_EQ(y[0].values<float>(), (std::vector<float>{10.0f}));
}

/// Packs random trits in `packing`, multiplies through the packed form, and
/// compares with a plain loop over the unpacked values.
class PackedLinear : public ::testing::TestWithParam<std::string> {};

TEST_P(PackedLinear, MatchesPlainLoop) {
  constexpr int64_t M = 3, N = 5, K = 37; // K leaves partial bytes in every layout
  const std::string packing = GetParam();
  int64_t rowBytes = packing == "offset2"  ? (K + 3) / 4
                     : packing == "base3" ? (K + 4) / 5
                                          : 2 * ((K + 7) / 8);
  std::string packedType = "tensor<5x" + std::to_string(rowBytes) +
                           "xi8, #tern.packed<" + packing +
                           ", !tern.trit, per_channel>>";
  ReferenceJit jit(
      "func.func @f(%x: tensor<3x37xf32>, %w: tensor<5x37x!tern.trit>, "
      "%s: tensor<5xf32>) -> tensor<3x5xf32> {\n"
      "  %p = tern.pack %w : tensor<5x37x!tern.trit> -> " + packedType + "\n"
      "  %y = tern.linear %x, %p scaled by %s per_channel : tensor<3x37xf32>, " +
      packedType + ", tensor<5xf32> -> tensor<3x5xf32>\n"
      "  return %y : tensor<3x5xf32>\n}\n");
  ASSERT_TRUE(jit.ok()) << jit.error();

  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> real(-2.0f, 2.0f);
  std::uniform_int_distribution<int> trit(-1, 1);
  std::vector<float> x(M * K), scales(N);
  std::vector<int8_t> w(N * K);
  for (float &v : x)
    v = real(rng);
  for (int8_t &v : w)
    v = static_cast<int8_t>(trit(rng));
  for (float &v : scales)
    v = std::abs(real(rng)) + 0.1f;

  auto y = jit.call("f",
                    {Tensor::of<float>({M, K}, x), Tensor::of<int8_t>({N, K}, w),
                     Tensor::of<float>({N}, scales)},
                    {4});
  ASSERT_EQ(y.size(), 1u) << jit.error();
  std::vector<float> got = y[0].values<float>();
  ASSERT_EQ(got.size(), static_cast<size_t>(M * N));
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      float sum = 0;
      for (int64_t k = 0; k < K; ++k)
        sum += x[m * K + k] * static_cast<float>(w[n * K + k]);
      EXPECT_NEAR(got[m * N + n], sum * scales[n], 1e-4f)
          << "m=" << m << " n=" << n;
    }
}

INSTANTIATE_TEST_SUITE_P(Layouts, PackedLinear,
                         ::testing::Values("offset2", "base3", "bitplanes"));

} // namespace
