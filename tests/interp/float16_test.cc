// Tests of the float16 / bfloat16 conversions: exact encodings of boundary values, ties to
// even, overflow, subnormals, NaN, exhaustive round trips and agreement with independent
// references.
#include "loom/interp/float16.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace loom::interp {
namespace {

TEST(Float16, EncodesBoundaryValues) {
  EXPECT_EQ(double_to_float16_bits(1.0), 0x3C00);
  EXPECT_EQ(double_to_float16_bits(-2.0), 0xC000);
  EXPECT_EQ(double_to_float16_bits(0.5), 0x3800);
  EXPECT_EQ(double_to_float16_bits(65504.0), 0x7BFF);  // largest finite
  EXPECT_EQ(double_to_float16_bits(0.0), 0x0000);
  EXPECT_EQ(double_to_float16_bits(-0.0), 0x8000);
  EXPECT_EQ(double_to_float16_bits(std::ldexp(1.0, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(double_to_float16_bits(std::ldexp(1.0, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(double_to_float16_bits(std::numeric_limits<double>::infinity()), 0x7C00);
  EXPECT_EQ(double_to_float16_bits(-std::numeric_limits<double>::infinity()), 0xFC00);
}

TEST(Float16, RoundsToNearestTiesToEven) {
  // 1 + 2^-11 lies halfway between 1 (even mantissa) and 1 + 2^-10: goes to 1.
  EXPECT_EQ(double_to_float16_bits(1.0 + std::ldexp(1.0, -11)), 0x3C00);
  // 1 + 3 * 2^-11 lies halfway between mantissas 1 and 2: goes to the even 2.
  EXPECT_EQ(double_to_float16_bits(1.0 + 3 * std::ldexp(1.0, -11)), 0x3C02);
  // Just above the halfway point rounds up.
  EXPECT_EQ(double_to_float16_bits(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -30)), 0x3C01);
  // Halfway below the smallest subnormal goes to zero; 3/4 of it goes up.
  EXPECT_EQ(double_to_float16_bits(std::ldexp(1.0, -25)), 0x0000);
  EXPECT_EQ(double_to_float16_bits(3 * std::ldexp(1.0, -26)), 0x0001);
  // The largest subnormal plus half a quantum carries into the smallest normal.
  EXPECT_EQ(double_to_float16_bits(std::ldexp(1.0, -14) - std::ldexp(1.0, -25)), 0x0400);
  // 2049 is halfway between 2048 and 2050 (spacing 2): ties to 2048.
  EXPECT_EQ(float16_bits_to_float(double_to_float16_bits(2049.0)), 2048.0f);
  EXPECT_EQ(float16_bits_to_float(double_to_float16_bits(2051.0)), 2052.0f);
}

TEST(Float16, OverflowsToInfinity) {
  EXPECT_EQ(double_to_float16_bits(65519.0), 0x7BFF);  // below the halfway point to 65536
  EXPECT_EQ(double_to_float16_bits(65520.0), 0x7C00);  // halfway: ties to even = infinity
  EXPECT_EQ(double_to_float16_bits(1e10), 0x7C00);
  EXPECT_EQ(double_to_float16_bits(-1e10), 0xFC00);
}

TEST(Float16, NaNStaysNaN) {
  const uint16_t bits = double_to_float16_bits(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(bits & 0x7C00, 0x7C00);
  EXPECT_NE(bits & 0x03FF, 0);
  EXPECT_TRUE(std::isnan(float16_bits_to_float(bits)));
  EXPECT_TRUE(std::isnan(round_to_float16(-std::numeric_limits<double>::quiet_NaN())));
}

TEST(Float16, DecodesExactly) {
  EXPECT_EQ(float16_bits_to_float(0x3C00), 1.0f);
  EXPECT_EQ(float16_bits_to_float(0x7BFF), 65504.0f);
  EXPECT_EQ(float16_bits_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(float16_bits_to_float(0x3555), 0.333251953125f);
  EXPECT_TRUE(std::isinf(float16_bits_to_float(0xFC00)));
  EXPECT_TRUE(std::signbit(float16_bits_to_float(0x8000)));
}

TEST(Float16, EveryPatternRoundTrips) {
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    const float f = float16_bits_to_float(static_cast<uint16_t>(bits));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(round_to_float16(f))) << "pattern " << bits;
      continue;
    }
    ASSERT_EQ(double_to_float16_bits(f), bits) << "pattern " << bits;
  }
}

#if defined(__FLT16_MAX__)
TEST(Float16, AgreesWithCompilerFloat16OnRandomDoubles) {
  const uint64_t seed = 20240611;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 200000; ++i) {
    // Random magnitudes across and beyond the float16 range, including subnormals.
    const double mantissa = std::uniform_real_distribution<double>(-2.0, 2.0)(rng);
    const int exponent = std::uniform_int_distribution<int>(-28, 17)(rng);
    const double x = std::ldexp(mantissa, exponent);
    const _Float16 h = static_cast<_Float16>(x);
    uint16_t want = 0;
    std::memcpy(&want, &h, 2);
    ASSERT_EQ(double_to_float16_bits(x), want) << "x=" << x << " seed=" << seed;
  }
}
#endif

TEST(BFloat16, EncodesAndRounds) {
  EXPECT_EQ(double_to_bfloat16_bits(1.0), 0x3F80);
  EXPECT_EQ(double_to_bfloat16_bits(-2.0), 0xC000);
  EXPECT_EQ(double_to_bfloat16_bits(1.0 + std::ldexp(1.0, -8)), 0x3F80);          // tie to even
  EXPECT_EQ(double_to_bfloat16_bits(1.0 + 3 * std::ldexp(1.0, -8)), 0x3F82);      // tie to even
  EXPECT_EQ(double_to_bfloat16_bits(std::numeric_limits<float>::max()), 0x7F80);  // rounds up to inf
  EXPECT_EQ(double_to_bfloat16_bits(3.3895313892515355e38), 0x7F7F);              // largest finite
  EXPECT_EQ(bfloat16_bits_to_float(0x3F80), 1.0f);
  EXPECT_EQ(round_to_bfloat16(257.0), 256.0f);  // spacing 2 at 256: tie to even
  EXPECT_TRUE(std::isnan(round_to_bfloat16(std::nan(""))));
}

TEST(BFloat16, EveryPatternRoundTrips) {
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    const float f = bfloat16_bits_to_float(static_cast<uint16_t>(bits));
    if (std::isnan(f)) continue;
    ASSERT_EQ(double_to_bfloat16_bits(f), bits) << "pattern " << bits;
  }
}

TEST(BFloat16, AgreesWithTheBitTrickOnRandomFloats) {
  // The usual float -> bfloat16 rounding: add 0x7FFF plus the lowest kept bit, truncate.
  const uint64_t seed = 7;
  std::mt19937 rng(seed);
  for (int i = 0; i < 200000; ++i) {
    const uint32_t u = rng();
    const float f = std::bit_cast<float>(u);
    if (std::isnan(f)) continue;
    const uint32_t want = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    ASSERT_EQ(double_to_bfloat16_bits(f), want) << "bits=" << u << " seed=" << seed;
  }
}

TEST(Float32, RoundingIsDefinedBeyondTheRange) {
  EXPECT_EQ(round_to_float32(1.0 / 3.0), 1.0f / 3.0f);
  EXPECT_TRUE(std::isinf(round_to_float32(1e39)));
  EXPECT_TRUE(std::isinf(round_to_float32(-1e300)));
  // Above FLT_MAX but below the halfway point to 2^128 still rounds to FLT_MAX.
  const double just_above = static_cast<double>(std::numeric_limits<float>::max()) * (1.0 + std::ldexp(1.0, -26));
  EXPECT_EQ(round_to_float32(just_above), std::numeric_limits<float>::max());
}

}  // namespace
}  // namespace loom::interp
