// The ABI's basic services: error objects, logging and random numbers.
#include <spdlog/spdlog.h>

#include "handles.h"

namespace loom::host::detail {

loom_status fail(loom_error* error, loom_status status, std::string message, std::string kind) {
  if (error != nullptr) {
    error->status = status;
    error->message = std::move(message);
    error->kind = std::move(kind);
    error->cause = nullptr;
  }
  return status;
}

loom_status fail_keeping(loom_error* error, loom_status status, std::exception_ptr cause, std::string kind) {
  if (error != nullptr) {
    error->status = status;
    error->message.clear();
    error->kind = std::move(kind);
    error->cause = std::move(cause);
  }
  return status;
}

loom_error* error_new() { return new loom_error(); }
void error_free(loom_error* error) { delete error; }
void error_set(loom_error* error, loom_status status, loom_str message, loom_str kind) {
  if (error == nullptr) return;
  error->status = status;
  error->message = to_string(message);
  error->kind = to_string(kind);
  error->cause = nullptr;
}
loom_status error_status(const loom_error* error) { return error == nullptr ? LOOM_OK : error->status; }
loom_str error_message(const loom_error* error) {
  if (error == nullptr) return loom_str{"", 0};
  if (error->cause) {  // a kept schedule error: render its message now, once
    try {
      std::rethrow_exception(error->cause);
    } catch (const std::exception& e) {
      error->message = e.what();
    } catch (...) {
      error->message = "unknown exception";
    }
    error->cause = nullptr;
  }
  return make_str(error->message);
}
loom_str error_kind(const loom_error* error) { return error == nullptr ? loom_str{"", 0} : make_str(error->kind); }

void log(loom_log_level level, loom_str component, loom_str message) {
  std::string_view who = view(component), what = view(message);
  switch (level) {
    case LOOM_LOG_DEBUG:
      spdlog::debug("[{}] {}", who, what);
      break;
    case LOOM_LOG_INFO:
      spdlog::info("[{}] {}", who, what);
      break;
    case LOOM_LOG_WARNING:
      spdlog::warn("[{}] {}", who, what);
      break;
    default:
      spdlog::error("[{}] {}", who, what);
      break;
  }
}

int64_t rng_uniform_int(loom_rng* rng, int64_t lo, int64_t hi) {
  if (rng == nullptr || lo >= hi) return lo;
  return rng->engine->uniform_int(lo, hi);
}
double rng_uniform_real(loom_rng* rng) { return rng == nullptr ? 0.0 : rng->engine->uniform_real(); }
int64_t rng_fork_seed(loom_rng* rng) { return rng == nullptr ? 0 : rng->engine->fork_seed(); }

}  // namespace loom::host::detail
