// Emulation of the 16-bit float types: conversion between float/double and the bit patterns
// of IEEE binary16 (float16) and bfloat16.
//
// Both conversions to 16 bits round to nearest, ties to even, in a single rounding from the
// source value (a double is not rounded to float first). Values too large for the format
// become infinity, values too small become subnormals or signed zero, NaN stays NaN (a
// quiet NaN with the sign kept). Conversions from 16 bits are exact.
//
// The interpreter stores float16/bfloat16 values as these 16-bit patterns and does
// arithmetic in float32, rounding the result back to 16 bits after every operation.
#pragma once

#include <cstdint>

namespace loom::interp {

/// The float16 (IEEE binary16: 1 sign, 5 exponent, 10 mantissa bits) nearest to `value`.
uint16_t double_to_float16_bits(double value);
/// The exact value of a float16 bit pattern.
float float16_bits_to_float(uint16_t bits);

/// The bfloat16 (1 sign, 8 exponent, 7 mantissa bits) nearest to `value`.
uint16_t double_to_bfloat16_bits(double value);
/// The exact value of a bfloat16 bit pattern.
float bfloat16_bits_to_float(uint16_t bits);

/// `value` rounded to the nearest float16, returned as a float (exact).
inline float round_to_float16(double value) { return float16_bits_to_float(double_to_float16_bits(value)); }
/// `value` rounded to the nearest bfloat16, returned as a float (exact).
inline float round_to_bfloat16(double value) { return bfloat16_bits_to_float(double_to_bfloat16_bits(value)); }

/// `value` rounded to the nearest float32 (ties to even), with values beyond the float range
/// becoming infinity; unlike a plain cast this is defined for every double.
float round_to_float32(double value);

}  // namespace loom::interp
