// Rounding doubles to narrow binary floating-point formats and decoding them again.
#include "loom/interp/float16.h"

#include <bit>
#include <cmath>
#include <limits>

namespace loom::interp {
namespace {

/// The bit pattern of the value nearest to `value` in a binary format with `ebits` exponent
/// and `mbits` mantissa bits (round to nearest, ties to even).
///
/// 1. NaN, infinity and zero map to their fixed patterns.
/// 2. The magnitude is scaled by the quantum (the spacing of representable values at its
///    exponent, clamped to the subnormal spacing), which is a power of two and so exact.
/// 3. The scaled value is rounded to an integer with ties to even (nearbyint in the default
///    rounding mode); a carry into the next binade is absorbed by the encoding itself,
///    since mantissa overflow increments the exponent field.
uint32_t encode(double value, int ebits, int mbits) {
  const uint32_t sign = std::signbit(value) ? (1u << (ebits + mbits)) : 0u;
  const uint32_t exp_all_ones = ((1u << ebits) - 1u) << mbits;
  if (std::isnan(value)) return sign | exp_all_ones | (1u << (mbits - 1));
  const double magnitude = std::fabs(value);
  if (std::isinf(magnitude)) return sign | exp_all_ones;
  if (magnitude == 0.0) return sign;

  const int bias = (1 << (ebits - 1)) - 1;
  const int emin = 1 - bias;
  int exp2 = 0;
  std::frexp(magnitude, &exp2);
  int exponent = exp2 - 1;               // magnitude = 1.f * 2^exponent
  if (exponent < emin) exponent = emin;  // subnormal range: the quantum stops shrinking
  const double scaled = std::ldexp(magnitude, mbits - exponent);
  const double rounded = std::nearbyint(scaled);
  // Field value: for normals, rounded is in [2^mbits, 2^(mbits+1)], so (exponent + bias - 1)
  // in the exponent field plus `rounded` adds the hidden bit into the exponent; for
  // subnormals (exponent == emin and rounded < 2^mbits) the exponent field stays zero.
  const double field = std::ldexp(static_cast<double>(exponent + bias - 1), mbits) + rounded;
  const double max_field = static_cast<double>(exp_all_ones);
  if (field >= max_field) return sign | exp_all_ones;  // overflow to infinity
  return sign | static_cast<uint32_t>(field);
}

/// The exact value of a bit pattern of the format above.
float decode(uint32_t bits, int ebits, int mbits) {
  const bool negative = (bits >> (ebits + mbits)) & 1u;
  const uint32_t exp_field = (bits >> mbits) & ((1u << ebits) - 1u);
  const uint32_t mantissa = bits & ((1u << mbits) - 1u);
  const int bias = (1 << (ebits - 1)) - 1;
  double magnitude = 0.0;
  if (exp_field == (1u << ebits) - 1u) {
    magnitude = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else if (exp_field == 0) {
    magnitude = std::ldexp(static_cast<double>(mantissa), 1 - bias - mbits);
  } else {
    magnitude = std::ldexp(static_cast<double>(mantissa | (1u << mbits)), static_cast<int>(exp_field) - bias - mbits);
  }
  return static_cast<float>(negative ? -magnitude : magnitude);
}

}  // namespace

uint16_t double_to_float16_bits(double value) { return static_cast<uint16_t>(encode(value, 5, 10)); }
float float16_bits_to_float(uint16_t bits) { return decode(bits, 5, 10); }
uint16_t double_to_bfloat16_bits(double value) { return static_cast<uint16_t>(encode(value, 8, 7)); }
float bfloat16_bits_to_float(uint16_t bits) { return decode(bits, 8, 7); }

float round_to_float32(double value) {
  if (std::isnan(value) || std::fabs(value) <= static_cast<double>(std::numeric_limits<float>::max())) {
    return static_cast<float>(value);
  }
  return std::bit_cast<float>(encode(value, 8, 23));
}

}  // namespace loom::interp
