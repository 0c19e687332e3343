// The two kinds of failure in loom: the user's (bad input) and ours (a broken invariant).
#pragma once

#include <stdexcept>
#include <string>

namespace loom {

/// A problem with what the user gave loom: malformed kernel text, an invalid primitive
/// call, an invalid IR construction through the public builder, a bad config. The message
/// names the object and the violated rule.
class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

/// A broken internal invariant: a bug in loom, never the user's fault.
class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& message) : std::logic_error(message) {}
};

namespace detail {
[[noreturn]] void throw_internal_error(const char* file, int line, const char* cond, const std::string& msg);
}  // namespace detail

}  // namespace loom

/// Checks an internal invariant; throws loom::InternalError naming the source location.
#define LOOM_ICHECK(cond, msg)                                                    \
  do {                                                                            \
    if (!(cond)) ::loom::detail::throw_internal_error(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)
