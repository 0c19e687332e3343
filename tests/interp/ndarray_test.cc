// Tests of NDArray: creation, element access with cast semantics for every dtype,
// deterministic random filling, checksums, printing and allclose.
#include "loom/interp/ndarray.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "../common/expect_error.h"
#include "loom/ir/error.h"

using loom::testing::throws_with;

namespace loom::interp {
namespace {

using ir::DataType;

const std::vector<DataType>& all_dtypes() {
  static const std::vector<DataType> dtypes = {
      DataType::Bool(),     DataType::Int(8),    DataType::Int(16),  DataType::Int(32),  DataType::Int(64),
      DataType::UInt(8),    DataType::UInt(16),  DataType::UInt(32), DataType::UInt(64), DataType::Float(16),
      DataType::BFloat16(), DataType::Float(32), DataType::Float(64)};
  return dtypes;
}

TEST(NDArray, CreatesZeroedArraysOfEveryDtype) {
  for (DataType t : all_dtypes()) {
    NDArray a(t, {2, 3});
    EXPECT_EQ(a.size(), 6) << t.to_string();
    EXPECT_EQ(a.nbytes(), 6 * t.bytes()) << t.to_string();
    for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(a.get_double(i), 0.0) << t.to_string();
  }
  NDArray scalar(DataType::Float(32), {});
  EXPECT_EQ(scalar.size(), 1);
  EXPECT_EQ(NDArray(DataType::Int(32), {4, 0}).size(), 0);
}

TEST(NDArray, RejectsUnsupportedDtypesAndNegativeShapes) {
  EXPECT_TRUE(throws_with<UserError>([] { NDArray(DataType::Float(32, 4), {2}); },
                                     "dtype float32x4 is not a supported scalar element type"));
  EXPECT_TRUE(throws_with<UserError>([] { NDArray(DataType::Handle(), {2}); },
                                     "dtype handle is not a supported scalar element type"));
  EXPECT_TRUE(throws_with<UserError>([] { NDArray(DataType::Int(4), {2}); },
                                     "dtype int4 is not a supported scalar element type"));
  try {
    NDArray(DataType::Float(32), {2, -1});
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "NDArray: shape (2, -1) has a negative dimension");
  }
}

TEST(NDArray, IntegerElementsWrapToTheirWidth) {
  NDArray i8(DataType::Int(8), {3});
  i8.set_int(0, 200);
  i8.set_int(1, -129);
  i8.set_int(2, 127);
  EXPECT_EQ(i8.get_int(0), -56);
  EXPECT_EQ(i8.get_int(1), 127);
  EXPECT_EQ(i8.get_int(2), 127);
  NDArray u8(DataType::UInt(8), {2});
  u8.set_int(0, 300);
  u8.set_int(1, -1);
  EXPECT_EQ(u8.get_int(0), 44);
  EXPECT_EQ(u8.get_int(1), 255);
  NDArray u64(DataType::UInt(64), {1});
  u64.set_int(0, -1);
  EXPECT_EQ(static_cast<uint64_t>(u64.get_int(0)), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(u64.get_double(0), 18446744073709551615.0);
  NDArray i16(DataType::Int(16), {1});
  i16.set_int(0, 0x12345);
  EXPECT_EQ(i16.get_int(0), 0x2345);
  // Stored little-endian in two's complement.
  i16.set_int(0, -2);
  EXPECT_EQ(i16.data()[0], 0xFE);
  EXPECT_EQ(i16.data()[1], 0xFF);
}

TEST(NDArray, SetDoubleCastsLikeTheIR) {
  NDArray i32(DataType::Int(32), {5});
  i32.set_double(0, 2.9);
  i32.set_double(1, -2.9);
  i32.set_double(2, 1e20);
  i32.set_double(3, -1e20);
  i32.set_double(4, std::nan(""));
  EXPECT_EQ(i32.get_int(0), 2);
  EXPECT_EQ(i32.get_int(1), -2);
  EXPECT_EQ(i32.get_int(2), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(i32.get_int(3), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(i32.get_int(4), 0);
  NDArray u8(DataType::UInt(8), {2});
  u8.set_double(0, -5.0);
  u8.set_double(1, 1000.0);
  EXPECT_EQ(u8.get_int(0), 0);
  EXPECT_EQ(u8.get_int(1), 255);
  NDArray b(DataType::Bool(), {3});
  b.set_double(0, 0.5);
  b.set_double(1, 0.0);
  b.set_int(2, 7);
  EXPECT_EQ(b.get_int(0), 1);
  EXPECT_EQ(b.get_int(1), 0);
  EXPECT_EQ(b.get_int(2), 1);
  EXPECT_EQ(b.data()[2], 1);
}

TEST(NDArray, FloatElementsRoundToTheirDtype) {
  NDArray f16(DataType::Float(16), {2});
  f16.set_double(0, 0.1);
  f16.set_double(1, 1e6);
  EXPECT_EQ(f16.get_double(0), 0.0999755859375);
  EXPECT_TRUE(std::isinf(f16.get_double(1)));
  uint16_t bits = static_cast<uint16_t>(f16.data()[0] | (f16.data()[1] << 8));
  EXPECT_EQ(bits, 0x2E66);
  NDArray bf16(DataType::BFloat16(), {1});
  bf16.set_double(0, 0.1);
  EXPECT_EQ(bf16.get_double(0), 0.10009765625);
  NDArray f32(DataType::Float(32), {1});
  f32.set_double(0, 0.1);
  EXPECT_EQ(f32.get_double(0), static_cast<double>(0.1f));
  NDArray f64(DataType::Float(64), {1});
  f64.set_double(0, 0.1);
  EXPECT_EQ(f64.get_double(0), 0.1);
  f32.set_int(0, 16777217);  // 2^24 + 1 rounds to even
  EXPECT_EQ(f32.get_double(0), 16777216.0);
  f32.set_double(0, -7.9);
  EXPECT_EQ(f32.get_int(0), -7);
}

TEST(NDArray, FromValuesAndCoordinates) {
  NDArray a = NDArray::from_doubles(DataType::Float(32), {2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(a.get_double(a.flat_index({1, 2})), 6.0);
  EXPECT_EQ(a.flat_index({1, 0}), 3);
  EXPECT_EQ(a.coord(4), (std::vector<int64_t>{1, 1}));
  EXPECT_TRUE(throws_with<UserError>([&] { a.flat_index({2, 0}); }, "coordinate [2, 0] is outside shape (2, 3)"));
  EXPECT_TRUE(throws_with<UserError>([&] { a.flat_index({0}); }, "coordinate of rank 1 for an array of shape (2, 3)"));
  EXPECT_TRUE(throws_with<UserError>(
      [] {
        NDArray::from_doubles(DataType::Float(32), {2, 3}, {1, 2});
      },
      "NDArray::from_doubles: 2 values for shape (2, 3) of 6 elements"));
  NDArray b = NDArray::from_ints(DataType::Int(8), {2}, {1, 300});
  EXPECT_EQ(b.get_int(1), 44);
}

TEST(NDArray, FillRandomIsDeterministicAndInRange) {
  for (DataType t : all_dtypes()) {
    NDArray a(t, {1000});
    NDArray b(t, {1000});
    NDArray c(t, {1000});
    a.fill_random(42);
    b.fill_random(42);
    c.fill_random(43);
    EXPECT_EQ(a.checksum().fnv1a, b.checksum().fnv1a) << t.to_string();
    EXPECT_NE(a.checksum().fnv1a, c.checksum().fnv1a) << t.to_string();
    std::set<int64_t> distinct;
    for (int64_t i = 0; i < a.size(); ++i) {
      const double v = a.get_double(i);
      if (t.is_float()) {
        EXPECT_GE(v, -1.0) << t.to_string();
        EXPECT_LE(v, 1.0) << t.to_string();  // 16-bit rounding may reach 1.0 itself
      } else if (t.is_bool()) {
        EXPECT_TRUE(v == 0.0 || v == 1.0);
      } else if (t.is_uint()) {
        EXPECT_GE(v, 0.0);
        EXPECT_LT(v, 16.0);
      } else {
        EXPECT_GE(v, -8.0);
        EXPECT_LT(v, 8.0);
      }
      distinct.insert(static_cast<int64_t>(std::floor(v * 4)));
    }
    // Values spread over the whole range, not a constant.
    const size_t want = t.is_bool() ? 2 : t.is_float() ? 8 : 16;
    EXPECT_GE(distinct.size(), want) << t.to_string();
  }
}

TEST(NDArray, FloatRandomValuesCoverBothSigns) {
  NDArray a(DataType::Float(32), {256});
  a.fill_random(1);
  int negative = 0;
  for (int64_t i = 0; i < a.size(); ++i) negative += a.get_double(i) < 0;
  EXPECT_GT(negative, 80);
  EXPECT_LT(negative, 176);
}

TEST(NDArray, ChecksumIsFnvOfDtypeShapeAndBytes) {
  NDArray a = NDArray::from_ints(DataType::Int(8), {3}, {1, -2, 3});
  // An independent FNV-1a over "int8", the dimension 3 as 8 little-endian bytes, then 01 fe 03.
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](uint8_t byte) {
    h ^= byte;
    h *= 1099511628211ull;
  };
  for (char c : std::string("int8")) mix(static_cast<uint8_t>(c));
  mix(3);
  for (int i = 0; i < 7; ++i) mix(0);
  mix(0x01);
  mix(0xFE);
  mix(0x03);
  const NDArray::Checksum sum = a.checksum();
  EXPECT_EQ(sum.fnv1a, h);
  EXPECT_EQ(sum.sum, 2.0);
  EXPECT_EQ(
      sum.to_string(), "sum=2 fnv=" + [&] {
        char buf[17];
        std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
        return std::string(buf);
      }());
}

TEST(NDArray, ChecksumIsOrderAndShapeSensitive) {
  NDArray a = NDArray::from_doubles(DataType::Float(32), {2, 2}, {1, 2, 3, 4});
  NDArray swapped = NDArray::from_doubles(DataType::Float(32), {2, 2}, {2, 1, 3, 4});
  NDArray reshaped = NDArray::from_doubles(DataType::Float(32), {4}, {1, 2, 3, 4});
  NDArray retyped = NDArray::from_doubles(DataType::Int(32), {2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(a.checksum().sum, swapped.checksum().sum);
  EXPECT_NE(a.checksum().fnv1a, swapped.checksum().fnv1a);
  EXPECT_NE(a.checksum().fnv1a, reshaped.checksum().fnv1a);
  EXPECT_NE(a.checksum().fnv1a, retyped.checksum().fnv1a);
}

TEST(NDArray, ToStringPrintsNestedAndElides) {
  EXPECT_EQ(NDArray::from_ints(DataType::Int(32), {2, 3}, {1, 2, 3, 4, 5, 6}).to_string(), "[[1, 2, 3], [4, 5, 6]]");
  EXPECT_EQ(NDArray::from_doubles(DataType::Float(32), {2}, {0.5, -1.25}).to_string(), "[0.5, -1.25]");
  EXPECT_EQ(NDArray::from_ints(DataType::Bool(), {2}, {1, 0}).to_string(), "[true, false]");
  EXPECT_EQ(NDArray::from_ints(DataType::UInt(64), {1}, {-1}).to_string(), "[18446744073709551615]");
  EXPECT_EQ(NDArray::from_ints(DataType::Int(32), {5}, {1, 2, 3, 4, 5}).to_string(3), "[1, 2, 3, ...]");
  EXPECT_EQ(NDArray::from_ints(DataType::Int(32), {}, {7}).to_string(), "7");
}

TEST(AllClose, AcceptsCloseArrays) {
  NDArray a = NDArray::from_doubles(DataType::Float(64), {3}, {1.0, 2.0, 3.0});
  NDArray b = NDArray::from_doubles(DataType::Float(64), {3}, {1.0, 2.0 + 1e-7, 3.0});
  EXPECT_TRUE(allclose(a, b, 1e-5, 0.0));
  EXPECT_TRUE(allclose(a, a, 0.0, 0.0));
}

TEST(AllClose, ReportsTheFirstMismatch) {
  NDArray a = NDArray::from_doubles(DataType::Float(64), {2, 2}, {1.0, 2.0, 3.0, 5.0});
  NDArray b = NDArray::from_doubles(DataType::Float(64), {2, 2}, {1.0, 2.5, 3.0, 4.0});
  CompareResult r = allclose(a, b, 1e-5, 1e-8);
  EXPECT_FALSE(r);
  EXPECT_EQ(r.index, 1);
  EXPECT_EQ(r.coord, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(r.actual, 2.0);
  EXPECT_EQ(r.expected, 2.5);
  EXPECT_EQ(r.message, "element 1 at [0, 1]: actual 2 vs expected 2.5 (rtol 1e-05, atol 1e-08)");
  // The tolerance is relative to the expected value.
  EXPECT_TRUE(allclose(a, b, 0.0, 1.0));
  EXPECT_FALSE(allclose(a, b, 0.0, 0.9));
}

TEST(AllClose, HandlesNaNInfinityDtypeAndShape) {
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  NDArray a = NDArray::from_doubles(DataType::Float(32), {2}, {nan, inf});
  EXPECT_TRUE(allclose(a, NDArray::from_doubles(DataType::Float(32), {2}, {nan, inf})));
  EXPECT_FALSE(allclose(a, NDArray::from_doubles(DataType::Float(32), {2}, {0.0, inf})));
  EXPECT_FALSE(allclose(a, NDArray::from_doubles(DataType::Float(32), {2}, {nan, -inf}), 1.0, 1.0));
  CompareResult shape = allclose(NDArray(DataType::Float(32), {2, 3}), NDArray(DataType::Float(32), {3, 2}));
  EXPECT_FALSE(shape);
  EXPECT_EQ(shape.message, "shape (2, 3) vs (3, 2)");
  CompareResult dtype = allclose(NDArray(DataType::Float(32), {2}), NDArray(DataType::Float(16), {2}));
  EXPECT_EQ(dtype.message, "dtype float32 vs float16");
  EXPECT_EQ(shape_to_string({5}), "(5,)");
}

}  // namespace
}  // namespace loom::interp
