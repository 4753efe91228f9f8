//===- GgmlQuantize.cpp - floats to ggml tensor types ---------------------===//
//
// The encoders behind tern-mkmodel: the inverses of GgmlTypes.cpp's
// decoders, following llama.cpp's quantize_row_tq{1,2}_0_ref and
// bitnet.cpp's quantize_i2_s. Checked against llama.cpp's own files by the
// numpy reader in test/llm, not only against tern's decoders.
//
//===----------------------------------------------------------------------===//
#include "frontend/gguf/GgmlTypes.h"

#include "llvm/Support/Endian.h"

#include <cmath>
#include <cstring>

using namespace tern::gguf;
using llvm::support::endian::write16le;

namespace {
/// round(x / d) + 1 in {0, 1, 2}: the code of a ternary element.
int trit(float x, float inverse) {
  long q = std::lround(x * inverse);
  return int(q < -1 ? -1 : q > 1 ? 1 : q) + 1;
}

float blockMax(const float *x, int n) {
  float m = 0;
  for (int i = 0; i < n; ++i)
    m = std::max(m, std::fabs(x[i]));
  return m;
}

/// Five (or four, shifted up) base-3 digits, most significant first, as
/// the byte ceil(v * 256 / 243) that TQ1_0's decoder reads back.
uint8_t packTrits(const float *x, int stride, int count, float inverse) {
  unsigned q = 0;
  for (int n = 0; n < count; ++n)
    q = q * 3 + unsigned(trit(x[n * stride], inverse));
  for (int n = count; n < 5; ++n)
    q *= 3;
  return uint8_t((q * 256 + 242) / 243);
}

void encodeTQ1_0(const float *x, uint8_t *b) {
  const float d = blockMax(x, 256), inverse = d ? 1 / d : 0;
  for (int m = 0; m < 32; ++m)
    b[m] = packTrits(x + m, 32, 5, inverse);
  x += 160;
  for (int m = 0; m < 16; ++m)
    b[32 + m] = packTrits(x + m, 16, 5, inverse);
  x += 80;
  for (int j = 0; j < 4; ++j)
    b[48 + j] = packTrits(x + j, 4, 4, inverse);
  write16le(b + 52, floatToHalf(d));
}

void encodeTQ2_0(const float *x, uint8_t *b) {
  const float d = blockMax(x, 256), inverse = d ? 1 / d : 0;
  for (int j = 0; j < 64; j += 32, x += 128)
    for (int m = 0; m < 32; ++m) {
      uint8_t q = 0;
      for (int l = 0; l < 4; ++l)
        q |= uint8_t(trit(x[m + 32 * l], inverse) << (2 * l));
      b[j + m] = q;
    }
  write16le(b + 64, floatToHalf(d));
}

/// One scale for the whole tensor (its largest magnitude), as bitnet.cpp.
void encodeI2_S(const float *x, int64_t elements, uint8_t *out) {
  float scale = 0;
  for (int64_t i = 0; i < elements; ++i)
    scale = std::max(scale, std::fabs(x[i]));
  const float inverse = scale ? 1 / scale : 0;
  for (int64_t block = 0; block < elements / 128; ++block, out += 32, x += 128)
    for (int g = 0; g < 4; ++g)
      for (int m = 0; m < 32; ++m)
        out[m] |= uint8_t(trit(x[32 * g + m], inverse) << (6 - 2 * g));
  std::memcpy(out, &scale, 4);
}
} // namespace

uint16_t tern::gguf::floatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  const uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude >= 0x7F800000) // inf, nan (kept quiet)
    return sign | 0x7C00 | (magnitude > 0x7F800000 ? 0x200 : 0);
  if (magnitude >= 0x477FF000) // rounds past 65504
    return sign | 0x7C00;
  if (magnitude < 0x33000001) // below half the smallest subnormal
    return sign;
  int exponent = int(magnitude >> 23) - 127;
  uint32_t mantissa = (magnitude & 0x7FFFFF) | 0x800000;
  // Normal halves keep 10 fraction bits; subnormals fewer.
  int shift = exponent >= -14 ? 13 : 13 + (-14 - exponent);
  uint32_t half = mantissa >> shift;
  const uint32_t rest = mantissa & ((1u << shift) - 1),
                 halfway = 1u << (shift - 1);
  if (rest > halfway || (rest == halfway && (half & 1)))
    ++half; // may carry into the exponent, which is what we want
  if (exponent >= -14)
    return uint16_t(sign | (uint32_t(exponent + 15) << 10) + (half - 0x400));
  return uint16_t(sign | half);
}

llvm::Expected<std::vector<uint8_t>>
tern::gguf::quantize(GgmlType type, const float *x, int64_t elements) {
  std::optional<GgmlTypeInfo> info = lookupGgmlType(uint32_t(type));
  if (!info || elements % info->blockElements)
    return llvm::createStringError("%lld elements are not whole blocks of %s",
                                   (long long)elements,
                                   info ? info->name.data() : "(unknown)");
  std::vector<uint8_t> out(size_t(info->tensorBytes(elements)), 0);
  const int64_t blocks = elements / info->blockElements;
  switch (type) {
  case GgmlType::F32:
    std::memcpy(out.data(), x, out.size());
    return out;
  case GgmlType::F16:
    for (int64_t i = 0; i < elements; ++i)
      write16le(out.data() + 2 * i, floatToHalf(x[i]));
    return out;
  case GgmlType::TQ1_0:
    for (int64_t i = 0; i < blocks; ++i)
      encodeTQ1_0(x + 256 * i, out.data() + 54 * i);
    return out;
  case GgmlType::TQ2_0:
    for (int64_t i = 0; i < blocks; ++i)
      encodeTQ2_0(x + 256 * i, out.data() + 66 * i);
    return out;
  case GgmlType::I2_S:
    encodeI2_S(x, elements, out.data());
    return out;
  default:
    return llvm::createStringError("tern cannot encode %s tensors",
                                   info->name.data());
  }
}
