// NDArray storage, element access, deterministic random filling, checksums and comparison.
#include "loom/interp/ndarray.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "loom/interp/error.h"
#include "value.h"

namespace loom::interp {

using ir::DataType;

namespace {

/// splitmix64: a tiny, fully specified generator, so random data is identical everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

std::string format_double(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
  return buf;
}

std::string element_to_string(const NDArray& a, int64_t i) {
  const DataType t = a.dtype();
  if (t.is_float()) return format_double(a.get_double(i), 6);
  if (t.is_bool()) return a.get_int(i) ? "true" : "false";
  if (t.is_uint()) return std::to_string(static_cast<uint64_t>(a.get_int(i)));
  return std::to_string(a.get_int(i));
}

}  // namespace

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string out = "(";
  for (size_t d = 0; d < shape.size(); ++d) out += (d ? ", " : "") + std::to_string(shape[d]);
  if (shape.size() == 1) out += ",";
  return out + ")";
}

NDArray::NDArray() : NDArray(DataType::Float(32), {0}) {}

NDArray::NDArray(DataType dtype, std::vector<int64_t> shape) : dtype_(dtype), shape_(std::move(shape)) {
  const int bits = dtype.bits();
  const bool supported =
      dtype.is_scalar() && (dtype.is_bool() || dtype.is_bfloat16() ||
                            (dtype.is_float() && !dtype.is_bfloat16() && (bits == 16 || bits == 32 || bits == 64)) ||
                            (dtype.is_integer() && (bits == 8 || bits == 16 || bits == 32 || bits == 64)));
  if (!supported) throw UserError("NDArray: dtype " + dtype.to_string() + " is not a supported scalar element type");
  size_ = 1;
  for (int64_t d : shape_) {
    if (d < 0) throw UserError("NDArray: shape " + shape_to_string(shape_) + " has a negative dimension");
    size_ *= d;
  }
  bytes_.assign(static_cast<size_t>(size_ * dtype.bytes()), 0);
}

NDArray NDArray::from_doubles(DataType dtype, std::vector<int64_t> shape, const std::vector<double>& values) {
  NDArray out(dtype, std::move(shape));
  if (static_cast<int64_t>(values.size()) != out.size()) {
    throw UserError("NDArray::from_doubles: " + std::to_string(values.size()) + " values for shape " +
                    shape_to_string(out.shape()) + " of " + std::to_string(out.size()) + " elements");
  }
  for (int64_t i = 0; i < out.size(); ++i) out.set_double(i, values[static_cast<size_t>(i)]);
  return out;
}

NDArray NDArray::from_ints(DataType dtype, std::vector<int64_t> shape, const std::vector<int64_t>& values) {
  NDArray out(dtype, std::move(shape));
  if (static_cast<int64_t>(values.size()) != out.size()) {
    throw UserError("NDArray::from_ints: " + std::to_string(values.size()) + " values for shape " +
                    shape_to_string(out.shape()) + " of " + std::to_string(out.size()) + " elements");
  }
  for (int64_t i = 0; i < out.size(); ++i) out.set_int(i, values[static_cast<size_t>(i)]);
  return out;
}

double NDArray::get_double(int64_t flat_index) const {
  LOOM_ICHECK(flat_index >= 0 && flat_index < size_, "NDArray index out of range");
  return scalar_to_double(load_scalar(bytes_.data() + flat_index * dtype_.bytes(), dtype_), dtype_);
}

int64_t NDArray::get_int(int64_t flat_index) const {
  LOOM_ICHECK(flat_index >= 0 && flat_index < size_, "NDArray index out of range");
  const Scalar s = load_scalar(bytes_.data() + flat_index * dtype_.bytes(), dtype_);
  if (!dtype_.is_float()) return s.i;
  return cast_scalar(s, dtype_, DataType::Int(64)).i;
}

void NDArray::set_double(int64_t flat_index, double value) {
  LOOM_ICHECK(flat_index >= 0 && flat_index < size_, "NDArray index out of range");
  Scalar s;
  s.f = value;
  store_scalar(bytes_.data() + flat_index * dtype_.bytes(), dtype_, cast_scalar(s, DataType::Float(64), dtype_));
}

void NDArray::set_int(int64_t flat_index, int64_t value) {
  LOOM_ICHECK(flat_index >= 0 && flat_index < size_, "NDArray index out of range");
  Scalar s;
  s.i = value;
  store_scalar(bytes_.data() + flat_index * dtype_.bytes(), dtype_, cast_scalar(s, DataType::Int(64), dtype_));
}

int64_t NDArray::flat_index(const std::vector<int64_t>& coord) const {
  if (coord.size() != shape_.size()) {
    throw UserError("NDArray: coordinate of rank " + std::to_string(coord.size()) + " for an array of shape " +
                    shape_to_string(shape_));
  }
  int64_t flat = 0;
  for (size_t d = 0; d < coord.size(); ++d) {
    if (coord[d] < 0 || coord[d] >= shape_[d]) {
      std::string c;
      for (size_t k = 0; k < coord.size(); ++k) c += (k ? ", " : "") + std::to_string(coord[k]);
      throw UserError("NDArray: coordinate [" + c + "] is outside shape " + shape_to_string(shape_));
    }
    flat = flat * shape_[d] + coord[d];
  }
  return flat;
}

std::vector<int64_t> NDArray::coord(int64_t flat_index) const {
  std::vector<int64_t> out(shape_.size(), 0);
  for (size_t d = shape_.size(); d-- > 0;) {
    if (shape_[d] == 0) break;
    out[d] = flat_index % shape_[d];
    flat_index /= shape_[d];
  }
  return out;
}

void NDArray::fill_random(uint64_t seed) {
  SplitMix64 rng(seed);
  for (int64_t i = 0; i < size_; ++i) {
    const uint64_t r = rng.next();
    if (dtype_.is_float()) {
      const double unit = static_cast<double>(r >> 11) * 0x1.0p-53;  // [0, 1)
      set_double(i, 2.0 * unit - 1.0);
    } else if (dtype_.is_bool()) {
      set_int(i, static_cast<int64_t>(r >> 63));
    } else if (dtype_.is_uint()) {
      set_int(i, static_cast<int64_t>(r >> 60));
    } else {
      set_int(i, static_cast<int64_t>(r >> 60) - 8);
    }
  }
}

std::string NDArray::Checksum::to_string() const {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "sum=%.10g fnv=%016" PRIx64, sum, fnv1a);
  return buf;
}

NDArray::Checksum NDArray::checksum() const {
  Checksum out;
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](uint8_t byte) {
    h ^= byte;
    h *= 1099511628211ull;
  };
  for (char c : dtype_.to_string()) mix(static_cast<uint8_t>(c));
  for (int64_t d : shape_) {
    for (int b = 0; b < 8; ++b) mix(static_cast<uint8_t>(static_cast<uint64_t>(d) >> (8 * b)));
  }
  for (uint8_t byte : bytes_) mix(byte);
  out.fnv1a = h;
  for (int64_t i = 0; i < size_; ++i) out.sum += get_double(i);
  return out;
}

std::string NDArray::to_string(int64_t max_elements) const {
  std::string out;
  int64_t printed = 0;
  // Recursive over dimensions; `base` is the flat index of the current sub-array's start.
  auto rec = [&](auto&& self, size_t dim, int64_t base) -> void {
    if (dim == shape_.size()) {
      out += element_to_string(*this, base);
      ++printed;
      return;
    }
    int64_t inner = 1;
    for (size_t d = dim + 1; d < shape_.size(); ++d) inner *= shape_[d];
    out += "[";
    for (int64_t i = 0; i < shape_[dim]; ++i) {
      if (printed >= max_elements) {
        out += (i ? ", ..." : "...");
        break;
      }
      if (i) out += ", ";
      self(self, dim + 1, base + i * inner);
    }
    out += "]";
  };
  rec(rec, 0, 0);
  return out;
}

CompareResult allclose(const NDArray& actual, const NDArray& expected, double rtol, double atol) {
  CompareResult r;
  if (actual.dtype() != expected.dtype()) {
    r.ok = false;
    r.message = "dtype " + actual.dtype().to_string() + " vs " + expected.dtype().to_string();
    return r;
  }
  if (actual.shape() != expected.shape()) {
    r.ok = false;
    r.message = "shape " + shape_to_string(actual.shape()) + " vs " + shape_to_string(expected.shape());
    return r;
  }
  for (int64_t i = 0; i < actual.size(); ++i) {
    const double a = actual.get_double(i);
    const double e = expected.get_double(i);
    bool close = false;
    if (std::isnan(a) || std::isnan(e)) {
      close = std::isnan(a) && std::isnan(e);
    } else if (std::isinf(a) || std::isinf(e)) {
      close = a == e;
    } else {
      close = std::fabs(a - e) <= atol + rtol * std::fabs(e);
    }
    if (close) continue;
    r.ok = false;
    r.index = i;
    r.coord = actual.coord(i);
    r.actual = a;
    r.expected = e;
    std::string c;
    for (size_t k = 0; k < r.coord.size(); ++k) c += (k ? ", " : "") + std::to_string(r.coord[k]);
    r.message = "element " + std::to_string(i) + " at [" + c + "]: actual " + format_double(a, 9) + " vs expected " +
                format_double(e, 9) + " (rtol " + format_double(rtol, 3) + ", atol " + format_double(atol, 3) + ")";
    return r;
  }
  return r;
}

}  // namespace loom::interp
