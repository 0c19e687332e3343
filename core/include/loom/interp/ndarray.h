// NDArray: an owning host tensor (dtype, shape, contiguous row-major bytes) that the
// reference interpreter reads and writes, with deterministic random filling, element
// access, a printable checksum and a tolerance comparison for tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loom/ir/dtype.h"

namespace loom::interp {

/// An owning, contiguous, row-major host tensor of scalar elements.
///
/// Element storage: integers and bool in their natural width (bool is one byte holding 0
/// or 1; signed values in two's complement, little-endian as on the host), float32/float64
/// as IEEE values, float16/bfloat16 as their 16-bit patterns (see float16.h).
class NDArray {
 public:
  /// An empty float32 array of shape (0).
  NDArray();
  /// A zero-filled array. Throws UserError when the dtype is not a scalar data type
  /// (vector lanes, handle, void) or a dimension is negative.
  NDArray(ir::DataType dtype, std::vector<int64_t> shape);
  /// An array of `shape` holding `values` (row-major, each converted as by set_double).
  /// Throws UserError when the count differs from the number of elements.
  static NDArray from_doubles(ir::DataType dtype, std::vector<int64_t> shape, const std::vector<double>& values);
  /// As from_doubles, with integer values converted as by set_int.
  static NDArray from_ints(ir::DataType dtype, std::vector<int64_t> shape, const std::vector<int64_t>& values);

  ir::DataType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  size_t ndim() const { return shape_.size(); }
  /// The number of elements (the product of the shape; 1 for a 0-d array).
  int64_t size() const { return size_; }
  /// Bytes per element (1 for bool).
  int64_t element_bytes() const { return dtype_.bytes(); }
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  int64_t nbytes() const { return static_cast<int64_t>(bytes_.size()); }

  /// Element `flat_index` (row-major) as a double: floats exactly (16-bit ones decoded),
  /// integers converted (exact below 2^53), bool as 0 or 1. Requires 0 <= flat_index < size().
  double get_double(int64_t flat_index) const;
  /// Element `flat_index` as an integer: integers and bool exactly (uint64 values above
  /// INT64_MAX come back as their two's-complement bit pattern), floats truncated toward
  /// zero and saturated to the int64 range (NaN gives 0).
  int64_t get_int(int64_t flat_index) const;
  /// Stores `value` converted to the dtype with the IR's cast semantics: rounded to nearest
  /// even for floats, truncated toward zero and saturated for integers (NaN gives 0), any
  /// nonzero value gives true for bool.
  void set_double(int64_t flat_index, double value);
  /// Stores `value`: wrapped to the width for integers, nonzero -> true for bool, rounded
  /// to nearest for floats.
  void set_int(int64_t flat_index, int64_t value);
  /// The row-major flat index of a coordinate. Throws UserError when the rank differs or a
  /// coordinate is out of range.
  int64_t flat_index(const std::vector<int64_t>& coord) const;
  /// The coordinate of a row-major flat index.
  std::vector<int64_t> coord(int64_t flat_index) const;

  /// Fills the array with deterministic pseudo-random values: the same seed, dtype and
  /// shape always give the same bytes, on every platform. Floats are uniform in [-1, 1)
  /// (then rounded to the dtype), signed integers uniform in [-8, 8), unsigned integers in
  /// [0, 16), bool 0 or 1.
  void fill_random(uint64_t seed);

  /// A stable, order-sensitive summary of the contents: `sum` is the sum, in row-major
  /// order and in double precision, of get_double of every element; `fnv1a` is the 64-bit
  /// FNV-1a hash (offset 14695981039346656037, prime 1099511628211) of, in this order, the
  /// dtype name (e.g. "float32"), each dimension as 8 little-endian bytes, and the raw
  /// element bytes. Printed as "sum=<%.10g> fnv=<16 lowercase hex digits>".
  struct Checksum {
    double sum = 0.0;
    uint64_t fnv1a = 0;
    std::string to_string() const;
  };
  Checksum checksum() const;

  /// The array as nested brackets ("[[1, 2], [3, 4]]"); at most `max_elements` elements
  /// are printed, the rest elided as "...". Floats print with up to 6 significant digits.
  std::string to_string(int64_t max_elements = 64) const;

 private:
  ir::DataType dtype_;
  std::vector<int64_t> shape_;
  int64_t size_ = 0;
  std::vector<uint8_t> bytes_;
};

/// The outcome of allclose: success, or the first mismatching element.
struct CompareResult {
  bool ok = true;
  /// Row-major index and coordinate of the first mismatch (-1 / empty for a dtype or shape
  /// mismatch).
  int64_t index = -1;
  std::vector<int64_t> coord;
  double actual = 0.0;
  double expected = 0.0;
  /// Why the arrays differ, e.g. "element 5 at [1, 2]: 0.5 vs 0.75 (rtol 1e-05, atol
  /// 1e-08)" or "shape (2, 3) vs (3, 2)"; empty when ok.
  std::string message;
  explicit operator bool() const { return ok; }
};

/// Whether `actual` and `expected` have the same dtype and shape and every element
/// satisfies |actual - expected| <= atol + rtol * |expected| (as numpy.allclose; two NaNs
/// compare equal, infinities must match exactly). Elements are compared as doubles.
/// Returns the first mismatch otherwise (usable as `EXPECT_TRUE(r) << r.message`).
CompareResult allclose(const NDArray& actual, const NDArray& expected, double rtol = 1e-5, double atol = 1e-8);

/// "(128, 128)": a shape as printed in messages.
std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace loom::interp
