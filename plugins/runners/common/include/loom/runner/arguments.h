// loom/runner/arguments.h: a kernel's parameters as a runner passes them (one byte array per
// parameter: a buffer's dense storage or a scalar's value), their seeded inputs, and the
// comparison of a candidate's outputs with a reference's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loom/plugin.hpp"

namespace loom::runner {

/// One parameter of a kernel.
struct ArgInfo {
  std::string name;
  bool is_buffer = false;
  plugin::ir::DataType dtype;
  std::vector<int64_t> shape;
  /// A buffer's storage bytes, a scalar's size.
  size_t bytes = 0;

  /// "float32[16, 8]" for a buffer, "int32" for a scalar.
  std::string signature() const;
};

/// The bytes of one element of `t` in storage (bools take a byte).
size_t element_bytes(const plugin::ir::DataType& t);

/// The parameters of `func`; throws std::runtime_error for a buffer with a symbolic shape.
std::vector<ArgInfo> arg_layout(const plugin::ir::PrimFunc& func);

/// The storage of every argument, buffers filled with the core's random data for `seed`,
/// scalars zero.
std::vector<std::string> make_inputs(const plugin::ir::Func& func, const std::vector<ArgInfo>& args, uint64_t seed);

/// nullopt when every buffer of `got` matches `expected` within rtol/atol (floats; integers
/// and bools exactly; NaN matches NaN), else the mismatch: the buffer, the first bad index,
/// got vs expected, and the largest absolute and relative errors over the buffer.
std::optional<std::string> compare_outputs(const std::vector<ArgInfo>& args, const std::vector<std::string>& got,
                                           const std::vector<std::string>& expected, double rtol, double atol);

}  // namespace loom::runner
