// Internal: what the opaque handles of the C ABI (loom/plugin.h) are on the host side, and
// the helpers the ABI functions share (error reporting, string and value conversion).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loom/ir/error.h"
#include "loom/ir/function.h"
#include "loom/plugin.h"
#include "loom/sched/schedule.h"
#include "loom/sched/trace.h"

struct loom_error {
  loom_status status = LOOM_OK;
  std::string message;
  std::string kind;
};

struct loom_schedule {
  loom::sched::Schedule sch;
  /// Text and C-layout storage handed out by views "valid until the schedule changes".
  std::string script_cache;
};

struct loom_func {
  loom::ir::PrimFunc func;
};

struct loom_rng {
  loom::sched::RandomEngine* engine;  // the schedule's, or one the host owns
};

struct loom_schedule_list {
  std::vector<loom::sched::Schedule> schedules;
};

namespace loom::host::detail {

inline std::string_view view(loom_str s) { return s.data == nullptr ? std::string_view() : std::string_view(s.data, s.size); }
inline std::string to_string(loom_str s) { return std::string(view(s)); }
inline loom_str make_str(std::string_view s) { return loom_str{s.data(), s.size()}; }

/// Fills `error` (when not null) and returns its status.
loom_status fail(loom_error* error, loom_status status, std::string message, std::string kind = {});

/// Runs `body`, turning loom's exceptions into a status and the error's message: a
/// ScheduleError gives LOOM_ERROR_SCHEDULE with its kind, a UserError LOOM_ERROR_ARGUMENT,
/// anything else LOOM_ERROR_INTERNAL. No exception leaves an ABI function.
template <typename F>
loom_status guarded(loom_error* error, F&& body) {
  try {
    return body();
  } catch (const sched::ScheduleError& e) {
    return fail(error, LOOM_ERROR_SCHEDULE, e.what(), e.kind());
  } catch (const UserError& e) {
    return fail(error, LOOM_ERROR_ARGUMENT, e.what());
  } catch (const std::exception& e) {
    return fail(error, LOOM_ERROR_INTERNAL, e.what());
  } catch (...) {
    return fail(error, LOOM_ERROR_INTERNAL, "unknown exception");
  }
}

/// The view of an IR object (expression, statement, buffer, function) for the ABI.
loom_node node_view(const ir::Object* object);

}  // namespace loom::host::detail
