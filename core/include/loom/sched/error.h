// Schedule errors: a primitive whose preconditions fail throws a ScheduleError subclass
// (defined next to the primitive) that names the blocks and loops involved and the violated
// condition. The schedule is left unchanged.
#pragma once

#include <string>
#include <vector>

#include "loom/ir/error.h"

namespace loom::sched {

class ScheduleError : public UserError {
 public:
  /// `primitive` is the Python name ("fuse"); `message` says what is wrong, naming the
  /// objects ("loop i_1 is not the only child of loop i_0, cannot fuse").
  ScheduleError(std::string primitive, std::string message)
      : UserError("sch." + primitive + ": " + message),
        primitive_(std::move(primitive)),
        message_(std::move(message)) {}

  const std::string& primitive() const { return primitive_; }
  /// The message without the "sch.<primitive>: " prefix.
  const std::string& detail() const { return message_; }
  /// A short kind name for the error ("NotOnlyChild"), used by the C ABI and statistics.
  virtual const char* kind() const { return "ScheduleError"; }

 private:
  std::string primitive_;
  std::string message_;
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

}  // namespace loom::sched
