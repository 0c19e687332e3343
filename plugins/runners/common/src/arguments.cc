// A kernel's parameters, their seeded inputs and the output comparison
// (loom/runner/arguments.h).
#include "loom/runner/arguments.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "fmt/format.h"

namespace loom::runner {

namespace lp = loom::plugin;
namespace pir = loom::plugin::ir;

std::string ArgInfo::signature() const {
  std::string dims;
  for (int64_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  return is_buffer ? fmt::format("{}[{}]", dtype.to_string(), dims) : dtype.to_string();
}

size_t element_bytes(const pir::DataType& t) { return t.is_bool() ? 1 : (size_t{t.bits} * t.lanes + 7) / 8; }

std::vector<ArgInfo> arg_layout(const pir::PrimFunc& func) {
  std::vector<ArgInfo> out;
  for (pir::Var p : func.params()) {
    ArgInfo a;
    pir::Buffer b = func.buffer_of(p);
    if (!b) {
      a.name = std::string(p.name());
      a.dtype = p.dtype();
      a.bytes = element_bytes(a.dtype);
      out.push_back(std::move(a));
      continue;
    }
    a.name = std::string(b.name());
    a.is_buffer = true;
    a.dtype = b.dtype();
    size_t count = 1;
    for (pir::Expr e : b.shape()) {
      auto imm = e.as<pir::IntImm>();
      if (!imm) throw std::runtime_error(fmt::format("buffer {} has a non-constant shape", a.name));
      a.shape.push_back(imm->value());
      count *= static_cast<size_t>(std::max<int64_t>(imm->value(), 0));
    }
    a.bytes = count * element_bytes(a.dtype);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<std::string> make_inputs(const pir::Func& func, const std::vector<ArgInfo>& args, uint64_t seed) {
  std::vector<std::string> data;
  std::vector<void*> ptrs;
  data.reserve(args.size());
  for (const ArgInfo& a : args) data.emplace_back(a.bytes, '\0');
  for (std::string& d : data) ptrs.push_back(d.data());
  lp::fill_random(func, seed, ptrs.data());
  return data;
}

namespace {

/// Element i of a buffer's storage as a double (scalar element types).
double element(const std::string& data, const pir::DataType& t, size_t i) {
  const char* p = data.data() + i * element_bytes(t);
  auto load = [p](auto zero) {
    decltype(zero) v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  switch (t.code) {
    case LOOM_DTYPE_FLOAT:
      if (t.bits == 16) return pir::float16_bits_to_float(load(uint16_t{}));
      if (t.bits == 32) return load(float{});
      return load(double{});
    case LOOM_DTYPE_BFLOAT: {
      uint32_t bits = static_cast<uint32_t>(load(uint16_t{})) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    case LOOM_DTYPE_INT:
      if (t.bits == 8) return load(int8_t{});
      if (t.bits == 16) return load(int16_t{});
      if (t.bits == 32) return load(int32_t{});
      return static_cast<double>(load(int64_t{}));
    case LOOM_DTYPE_UINT:
      if (t.bits == 8) return load(uint8_t{});
      if (t.bits == 16) return load(uint16_t{});
      if (t.bits == 32) return load(uint32_t{});
      return static_cast<double>(load(uint64_t{}));
    default:
      return load(uint8_t{}) != 0 ? 1 : 0;
  }
}

std::string index_text(const ArgInfo& a, size_t flat) {
  std::vector<int64_t> idx(a.shape.size());
  size_t rest = flat;
  for (size_t d = a.shape.size(); d-- > 0;) {
    int64_t extent = std::max<int64_t>(a.shape[d], 1);
    idx[d] = static_cast<int64_t>(rest % static_cast<size_t>(extent));
    rest /= static_cast<size_t>(extent);
  }
  std::string text;
  for (int64_t i : idx) text += (text.empty() ? "" : ", ") + std::to_string(i);
  return fmt::format("{}[{}]", a.name, text);
}

}  // namespace

std::optional<std::string> compare_outputs(const std::vector<ArgInfo>& args, const std::vector<std::string>& got,
                                           const std::vector<std::string>& expected, double rtol, double atol) {
  for (size_t k = 0; k < args.size(); ++k) {
    const ArgInfo& a = args[k];
    if (!a.is_buffer) continue;
    if (got[k].size() != a.bytes || expected[k].size() != a.bytes)
      return fmt::format("buffer {}: {} bytes came back, {} expected", a.name, got[k].size(), a.bytes);
    if (a.dtype.lanes != 1) {
      if (got[k] != expected[k]) return fmt::format("buffer {} ({}) differs bytewise", a.name, a.signature());
      continue;
    }
    bool exact = !a.dtype.is_float();
    size_t n = a.bytes / element_bytes(a.dtype);
    size_t bad = 0, first = 0;
    double first_got = 0, first_expected = 0, max_abs = 0, max_rel = 0;
    for (size_t i = 0; i < n; ++i) {
      double g = element(got[k], a.dtype, i), e = element(expected[k], a.dtype, i);
      bool ok;
      double abs_err = 0;
      if (std::isnan(g) || std::isnan(e)) {
        ok = std::isnan(g) && std::isnan(e);
        abs_err = ok ? 0 : std::numeric_limits<double>::infinity();
      } else if (g == e) {
        ok = true;
      } else {
        abs_err = std::fabs(g - e);
        ok = !exact && abs_err <= atol + rtol * std::fabs(e);
      }
      if (!(abs_err == 0)) {
        max_abs = std::max(max_abs, abs_err);
        max_rel = std::max(max_rel, e == 0 ? std::numeric_limits<double>::infinity() : abs_err / std::fabs(e));
      }
      if (!ok && bad++ == 0) {
        first = i;
        first_got = g;
        first_expected = e;
      }
    }
    if (bad == 0) continue;
    return fmt::format(
        "buffer {} ({}) differs from the reference at {}: got {:.9g}, expected {:.9g}; {} of {} elements differ, "
        "max abs error {:.3g}, max rel error {:.3g} (rtol {:g}, atol {:g})",
        a.name, a.signature(), index_text(a, first), first_got, first_expected, bad, n, max_abs, max_rel,
        exact ? 0.0 : rtol, exact ? 0.0 : atol);
  }
  return std::nullopt;
}

}  // namespace loom::runner
