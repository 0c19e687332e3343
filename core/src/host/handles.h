// Internal: what the opaque handles of the C ABI (loom/plugin.h) are on the host side, and
// the helpers the ABI functions share (error reporting, string and value conversion).
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loom/ir/error.h"
#include "loom/ir/function.h"
#include "loom/plugin.h"
#include "loom/sched/error.h"
#include "loom/sched/schedule.h"
#include "loom/sched/trace.h"

namespace loom::host::detail {

inline std::string_view view(loom_str s) {
  return s.data == nullptr ? std::string_view() : std::string_view(s.data, s.size);
}
inline std::string to_string(loom_str s) { return std::string(view(s)); }
inline loom_str make_str(std::string_view s) { return loom_str{s.data(), s.size()}; }

/// C values <-> loom values. A C value refers to storage that must outlive it: the arena
/// owns the strings and item arrays of the values it converted.
struct ValueArena {
  std::vector<std::unique_ptr<std::string>> strings;
  std::vector<std::unique_ptr<std::vector<loom_value>>> lists;
  loom_value to_c(const sched::Value& v);
};
/// Throws UserError for a malformed C value (an unknown kind, a null list with items).
sched::Value from_c(const loom_value& v);

}  // namespace loom::host::detail

struct loom_error {
  loom_status status = LOOM_OK;
  /// The message; for an error kept in `cause`, built on the first error_message call.
  mutable std::string message;
  std::string kind;
  /// The schedule error the status came from, kept so that its message is rendered only when
  /// the plugin asks for it (error_message); null once rendered or for other errors.
  mutable std::exception_ptr cause;
};

struct loom_rng {
  loom::sched::RandomEngine* engine = nullptr;  // borrowed
};

struct loom_schedule {
  loom::sched::Schedule sch;
  /// What views "valid until the schedule changes" point into.
  std::string script_cache;
  loom_rng rng_view;
};

struct loom_func {
  loom::ir::PrimFunc func;
};

struct loom_schedule_list {
  std::vector<loom::sched::Schedule> schedules;
};

/// An immutable trace, the module it replays onto, and the C-layout mirror of its
/// instructions that trace_instruction hands out (built on first use, so that the views
/// live as long as the handle).
struct loom_trace {
  struct Mirror {
    loom::host::detail::ValueArena arena;
    std::vector<std::vector<loom_value>> inputs, attrs, outputs;
    std::vector<std::optional<loom_value>> decisions;
  };
  loom::sched::Trace trace;
  loom::ir::IRModule original;
  std::shared_ptr<Mirror> mirror;
  std::string json;
  std::string python;
};

namespace loom::host::detail {

/// Fills `error` (when not null) and returns its status.
loom_status fail(loom_error* error, loom_status status, std::string message, std::string kind = {});
/// Fills `error` with the exception being handled (a ScheduleError), whose message error_message
/// renders on request, and returns `status`.
loom_status fail_keeping(loom_error* error, loom_status status, std::exception_ptr cause, std::string kind);

/// Runs `body` (returning a loom_status), turning loom's exceptions into a status and the
/// error's message: a ScheduleError gives LOOM_ERROR_SCHEDULE with its kind (the exception is
/// kept and its message rendered only if the plugin asks for it), a UserError
/// LOOM_ERROR_ARGUMENT, anything else LOOM_ERROR_INTERNAL. No exception leaves an ABI
/// function.
template <typename F>
loom_status guarded(loom_error* error, F&& body) {
  try {
    return body();
  } catch (const sched::ScheduleError& e) {
    return fail_keeping(error, LOOM_ERROR_SCHEDULE, std::current_exception(), e.kind());
  } catch (const UserError& e) {
    return fail(error, LOOM_ERROR_ARGUMENT, e.what());
  } catch (const std::exception& e) {
    return fail(error, LOOM_ERROR_INTERNAL, e.what());
  } catch (...) {
    return fail(error, LOOM_ERROR_INTERNAL, "unknown exception");
  }
}

/// The view of an IR object (expression, statement, buffer, function) for the ABI
/// (ir_view.cc).
loom_node node_view(const ir::Object* object);

}  // namespace loom::host::detail
