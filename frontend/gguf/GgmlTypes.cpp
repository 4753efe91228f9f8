//===- GgmlTypes.cpp - ggml tensor types: sizes and dequantization --------===//
#include "frontend/gguf/GgmlTypes.h"

#include "llvm/Support/Endian.h"

#include <cstring>

using namespace tern::gguf;
using llvm::support::endian::read16le;

namespace {
constexpr int64_t kSuperBlock = 256; // QK_K

const GgmlTypeInfo kTypes[] = {
    {GgmlType::F32, "F32", 1, 4, true},
    {GgmlType::F16, "F16", 1, 2, true},
    {GgmlType::Q4_0, "Q4_0", 32, 18, false},
    {GgmlType::Q4_1, "Q4_1", 32, 20, false},
    {GgmlType::Q5_0, "Q5_0", 32, 22, false},
    {GgmlType::Q5_1, "Q5_1", 32, 24, false},
    {GgmlType::Q8_0, "Q8_0", 32, 34, true},
    {GgmlType::Q8_1, "Q8_1", 32, 36, false},
    {GgmlType::Q2_K, "Q2_K", kSuperBlock, 84, false},
    {GgmlType::Q3_K, "Q3_K", kSuperBlock, 110, false},
    {GgmlType::Q4_K, "Q4_K", kSuperBlock, 144, true},
    {GgmlType::Q5_K, "Q5_K", kSuperBlock, 176, false},
    {GgmlType::Q6_K, "Q6_K", kSuperBlock, 210, true},
    {GgmlType::Q8_K, "Q8_K", kSuperBlock, 292, false},
    {GgmlType::I8, "I8", 1, 1, false},
    {GgmlType::I16, "I16", 1, 2, false},
    {GgmlType::I32, "I32", 1, 4, false},
    {GgmlType::I64, "I64", 1, 8, false},
    {GgmlType::F64, "F64", 1, 8, false},
    {GgmlType::BF16, "BF16", 1, 2, true},
    {GgmlType::TQ1_0, "TQ1_0", kSuperBlock, 54, true},
    {GgmlType::TQ2_0, "TQ2_0", kSuperBlock, 66, true},
    // bitnet.cpp's x86 layout (ggml-bitnet-mad.cpp): 128 elements per 32
    // bytes, then one fp32 scale for the whole tensor padded to 32 bytes.
    {GgmlType::I2_S, "I2_S", 128, 32, true, 32},
};

// ---- Block decoders: each writes one block's elements in ggml order. ----

void decodeQ8_0(const uint8_t *b, float *y) {
  const float d = halfToFloat(read16le(b));
  for (int j = 0; j < 32; ++j)
    y[j] = float(int8_t(b[2 + j])) * d;
}

/// block_tq2_0 { qs[64]; half d; }: byte j + m of each 32-byte group holds,
/// in bits 2l, the code (w + 1) of element 128 * (j / 32) + 32 l + m.
void decodeTQ2_0(const uint8_t *b, float *y) {
  const uint8_t *qs = b;
  const float d = halfToFloat(read16le(b + 64));
  for (int j = 0; j < 64; j += 32)
    for (int l = 0; l < 4; ++l)
      for (int m = 0; m < 32; ++m)
        *y++ = float(((qs[j + m] >> (2 * l)) & 3) - 1) * d;
}

/// One base-3 digit of a TQ1_0 byte: the byte is a fixed-point fraction
/// (value * 256 / 243, rounded up), so multiplying by 3^n (mod 256) brings
/// digit n to the top and (q * 3) >> 8 reads it.
float tq1Digit(uint8_t byte, int n, float d) {
  static const uint8_t pow3[5] = {1, 3, 9, 27, 81};
  const uint8_t q = uint8_t(byte * pow3[n]);
  return float(int((uint16_t(q) * 3) >> 8) - 1) * d;
}

/// block_tq1_0 { qs[48]; qh[4]; half d; }: qs[0..32) give 5 x 32 elements,
/// qs[32..48) 5 x 16, qh 4 x 4, each digit-major.
void decodeTQ1_0(const uint8_t *b, float *y) {
  const uint8_t *qs = b, *qh = b + 48;
  const float d = halfToFloat(read16le(b + 52));
  for (int n = 0; n < 5; ++n)
    for (int m = 0; m < 32; ++m)
      *y++ = tq1Digit(qs[m], n, d);
  for (int n = 0; n < 5; ++n)
    for (int m = 0; m < 16; ++m)
      *y++ = tq1Digit(qs[32 + m], n, d);
  for (int n = 0; n < 4; ++n)
    for (int j = 0; j < 4; ++j)
      *y++ = tq1Digit(qh[j], n, d);
}

/// I2_S: byte m of each 32-byte block holds, in bits 6 - 2g, the code
/// (w + 1) of element 32 g + m; the tensor's scale follows the last block.
llvm::Error decodeI2_S(const uint8_t *data, int64_t elements, float *y) {
  float scale;
  std::memcpy(&scale, data + elements / 4, 4);
  for (int64_t block = 0; block < elements / 128; ++block, data += 32)
    for (int g = 0; g < 4; ++g)
      for (int m = 0; m < 32; ++m) {
        const int code = (data[m] >> (6 - 2 * g)) & 3;
        if (code == 3)
          return llvm::createStringError(
              "I2_S code 3 (not a ternary value) at element %lld",
              (long long)(block * 128 + 32 * g + m));
        *y++ = float(code - 1) * scale;
      }
  return llvm::Error::success();
}

/// Q4_K's 6-bit scale and min of sub-block j, packed in 12 bytes.
void q4kScaleMin(int j, const uint8_t *q, uint8_t &scale, uint8_t &min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

/// block_q4_K { half d; half dmin; scales[12]; qs[128]; }: 8 sub-blocks of
/// 32, element = d * scale * q - dmin * min; each 32 bytes of qs hold two
/// sub-blocks, low nibbles first.
void decodeQ4_K(const uint8_t *b, float *y) {
  const float d = halfToFloat(read16le(b));
  const float dmin = halfToFloat(read16le(b + 2));
  const uint8_t *scales = b + 4, *q = b + 16;
  for (int j = 0, is = 0; j < kSuperBlock; j += 64, is += 2, q += 32) {
    uint8_t sc, m;
    q4kScaleMin(is, scales, sc, m);
    const float d1 = d * sc, m1 = dmin * m;
    q4kScaleMin(is + 1, scales, sc, m);
    const float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l)
      *y++ = d1 * (q[l] & 0xF) - m1;
    for (int l = 0; l < 32; ++l)
      *y++ = d2 * (q[l] >> 4) - m2;
  }
}

/// block_q6_K { ql[128]; qh[64]; int8 scales[16]; half d; }: 6-bit values
/// (4 low bits from ql, 2 high from qh) minus 32, times d and a scale per
/// 16 elements; two halves of 128 elements.
void decodeQ6_K(const uint8_t *b, float *y) {
  const uint8_t *ql = b, *qh = b + 128;
  const int8_t *sc = reinterpret_cast<const int8_t *>(b + 192);
  const float d = halfToFloat(read16le(b + 208));
  for (int n = 0; n < kSuperBlock;
       n += 128, y += 128, ql += 64, qh += 32, sc += 8)
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = int((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
}
} // namespace

float tern::gguf::halfToFloat(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF, bits;
  if (exponent == 0x1F) { // inf, nan
    bits = sign | 0x7F800000 | (mantissa << 13);
  } else if (exponent != 0) { // normal
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) { // zero
    bits = sign;
  } else { // subnormal: normalize
    exponent = 113;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float tern::gguf::bfloat16ToFloat(uint16_t h) {
  const uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::optional<GgmlTypeInfo> tern::gguf::lookupGgmlType(uint32_t id) {
  for (const GgmlTypeInfo &info : kTypes)
    if (uint32_t(info.type) == id)
      return info;
  return std::nullopt;
}

llvm::Error tern::gguf::dequantize(GgmlType type, llvm::ArrayRef<uint8_t> data,
                                   int64_t elements, float *out) {
  std::optional<GgmlTypeInfo> info = lookupGgmlType(uint32_t(type));
  if (!info || !info->canDequantize)
    return llvm::createStringError(
        "tensor type %s cannot be decoded by tern yet",
        info ? info->name.data() : "(unknown)");
  if (elements % info->blockElements != 0 ||
      int64_t(data.size()) != info->tensorBytes(elements))
    return llvm::createStringError(
        "%lld bytes do not hold %lld elements of type %s",
        (long long)data.size(), (long long)elements, info->name.data());
  const uint8_t *p = data.data();
  const int64_t blocks = elements / info->blockElements;
  switch (type) {
  case GgmlType::F32:
    std::memcpy(out, p, size_t(elements) * 4);
    break;
  case GgmlType::F16:
    for (int64_t i = 0; i < elements; ++i)
      out[i] = halfToFloat(read16le(p + 2 * i));
    break;
  case GgmlType::BF16:
    for (int64_t i = 0; i < elements; ++i)
      out[i] = bfloat16ToFloat(read16le(p + 2 * i));
    break;
  case GgmlType::I2_S:
    return decodeI2_S(p, elements, out);
  default: {
    void (*decode)(const uint8_t *, float *) = nullptr;
    switch (type) {
    case GgmlType::Q8_0:
      decode = decodeQ8_0;
      break;
    case GgmlType::Q4_K:
      decode = decodeQ4_K;
      break;
    case GgmlType::Q6_K:
      decode = decodeQ6_K;
      break;
    case GgmlType::TQ1_0:
      decode = decodeTQ1_0;
      break;
    case GgmlType::TQ2_0:
      decode = decodeTQ2_0;
      break;
    default:
      llvm_unreachable("canDequantize covers the decoders");
    }
    for (int64_t i = 0; i < blocks; ++i)
      decode(p + i * info->blockBytes, out + i * info->blockElements);
  }
  }
  return llvm::Error::success();
}
