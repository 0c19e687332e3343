// Schedule errors: a primitive whose preconditions fail throws a ScheduleError subclass
// (defined next to the primitive, or in analysis.h for the block properties shared by several
// primitives). The schedule is left unchanged.
//
// An error is an object, not a string: it holds the primitive, a message template with its
// arguments and the blocks and loops it concerns, and renders its message only when read
// (TVM's ScheduleError: FastErrorString / DetailRenderTemplate / LocationsOfInterest). The
// tuner refuses thousands of candidates and reads almost none of their errors, so throwing
// costs a few string copies; what() formats on its first call and caches the text.
//   - fast_message(): one line without formatting, "sch.compute_at: NotCompleteOrReductionBlock".
//   - what() / detail(): the full message, "sch.compute_at: block B is neither ...".
//   - locations(): the blocks and loops it names; render_marked() prints a function with them
//     marked (`loom apply` shows it when a schedule fails).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "fmt/format.h"
#include "loom/ir/error.h"

namespace loom::ir {
class PrimFunc;
}

namespace loom::sched {

/// A block or loop that an error concerns, by its name (a loop by its loop variable's name).
struct ErrorLocation {
  enum class Kind : uint8_t { Block, Loop };
  Kind kind;
  std::string name;
  bool operator==(const ErrorLocation&) const = default;
};

namespace detail {
/// An argument of a message template, owned by the error (strings copied, numbers kept).
using ErrorArg = std::variant<std::string, int64_t, uint64_t, double, bool>;

template <typename T>
ErrorArg error_arg(const T& value) {
  using D = std::decay_t<T>;
  if constexpr (std::is_same_v<D, bool>) {
    return ErrorArg(value);
  } else if constexpr (std::is_integral_v<D> && std::is_signed_v<D> && !std::is_same_v<D, char>) {
    return ErrorArg(static_cast<int64_t>(value));
  } else if constexpr (std::is_integral_v<D> && std::is_unsigned_v<D>) {
    return ErrorArg(static_cast<uint64_t>(value));
  } else if constexpr (std::is_floating_point_v<D>) {
    return ErrorArg(static_cast<double>(value));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return ErrorArg(std::string(std::string_view(value)));
  } else {
    // Other types with a formatter (fmt::join views must be formatted by the caller): rendered now.
    return ErrorArg(fmt::format("{}", value));
  }
}

/// A monotonic clock reading in nanoseconds (for LOOM_SCHED_ERROR_STATS, error.cc).
int64_t error_clock();
}  // namespace detail

class ScheduleError : public UserError {
 public:
  /// `primitive` is the Python name ("fuse"); `message` says what is wrong, naming the
  /// objects ("loop i_1 is not the only child of loop i_0, cannot fuse"), already built.
  ScheduleError(std::string primitive, std::string message);
  /// The message fmt::format(format, args...), rendered when first read. A `{}` right after
  /// the word "block"/"blocks" (or "producer"/"consumer") names a block, after "loop"/"loops"
  /// a loop: these are the error's locations().
  template <typename... Args>
  ScheduleError(std::string primitive, fmt::format_string<Args...> format, Args&&... args)
      : UserError(std::string()), primitive_(std::move(primitive)), state_(std::make_shared<State>()) {
    const int64_t start = detail::error_clock();
    state_->format = fmt::string_view(format);
    state_->args = {detail::error_arg(args)...};
    created(start);
  }

  /// "sch.<primitive>: <message>", rendered on the first call.
  const char* what() const noexcept override;
  const std::string& primitive() const { return primitive_; }
  /// The message without the "sch.<primitive>: " prefix (rendered).
  std::string detail() const;
  /// One line, without rendering the message: "sch.<primitive>: <kind>".
  std::string fast_message() const;
  /// The blocks and loops the message names, in order.
  std::vector<ErrorLocation> locations() const;
  /// The message, then `func` printed as TVMScript with each line that opens a located block
  /// or loop marked by a comment naming it.
  std::string render_marked(const ir::PrimFunc& func) const;
  /// A short kind name for the error ("NotOnlyChild"), used by the C ABI and statistics.
  virtual const char* kind() const { return "ScheduleError"; }

 private:
  struct State {
    fmt::string_view format;  // a string literal (fmt::format_string checks it at compile time)
    std::vector<detail::ErrorArg> args;
    bool rendered = false;
    std::string what;   // "sch.<primitive>: <message>" once rendered
    size_t prefix = 0;  // the length of "sch.<primitive>: "
  };
  const State& rendered() const;
  /// Ends the construction of a templated error begun at `start` (error_clock()): counts it
  /// and the time spent for LOOM_SCHED_ERROR_STATS.
  void created(int64_t start);

  std::string primitive_;
  std::shared_ptr<State> state_;  // shared by copies of the exception
};

/// Defines a ScheduleError subclass with its kind name, e.g.
/// LOOM_SCHEDULE_ERROR(NotOnlyChildError, "NotOnlyChild");
#define LOOM_SCHEDULE_ERROR(Class, KindName)               \
  class Class : public ::loom::sched::ScheduleError {      \
   public:                                                 \
    using ::loom::sched::ScheduleError::ScheduleError;     \
    const char* kind() const override { return KindName; } \
  }

/// A random variable that refers to something a primitive removed, or that belongs to
/// another schedule.
LOOM_SCHEDULE_ERROR(InvalidRVError, "InvalidRV");
/// A sampling decision that is not valid for its instruction (replay with a changed decision).
LOOM_SCHEDULE_ERROR(InvalidDecisionError, "InvalidDecision");
/// A read/write buffer index that the block does not have.
LOOM_SCHEDULE_ERROR(BufferIndexOutOfRangeError, "BufferIndexOutOfRange");
/// A storage scope loom does not know.
LOOM_SCHEDULE_ERROR(InvalidStorageScopeError, "InvalidStorageScope");

}  // namespace loom::sched
