// The errors the reference interpreter reports about the program it runs or its arguments.
#pragma once

#include <string>

#include "loom/ir/error.h"

namespace loom::interp {

/// A failure of the interpreted program: an out-of-bounds load or store, an integer
/// division by zero, a block iteration value outside its domain, an unbound variable, a
/// match_buffer that does not fit its region. The message names the buffer / variable /
/// block and the violated rule.
class RuntimeError : public UserError {
 public:
  explicit RuntimeError(const std::string& message) : UserError(message) {}
};

/// Arguments that do not fit the function: wrong count, a buffer where a scalar is expected
/// or the reverse, a dtype or shape different from the parameter's buffer.
class ArgumentError : public UserError {
 public:
  explicit ArgumentError(const std::string& message) : UserError(message) {}
};

}  // namespace loom::interp
