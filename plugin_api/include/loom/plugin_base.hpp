// loom/plugin_base.hpp: the basics of the header-only C++ wrapper over loom/plugin.h
// (included by loom/plugin.hpp): the host table, errors as exceptions, strings.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "loom/plugin.h"

namespace loom::plugin {

/// The host's function table, set once when the host calls the plugin's entry (by
/// LOOM_DEFINE_PLUGIN in plugin.hpp, or by set_host in code that drives the ABI directly).
inline const loom_host_api*& host_slot() {
  static const loom_host_api* host = nullptr;
  return host;
}
inline const loom_host_api& host() {
  const loom_host_api* h = host_slot();
  if (h == nullptr) throw std::logic_error("loom plugin: the host table is not set (is the plugin entry running?)");
  return *h;
}
inline void set_host(const loom_host_api* h) { host_slot() = h; }

/// Whether the host provides the function at `member` (it may be older than this header).
#define LOOM_HOST_HAS(member) \
  (::loom::plugin::host().struct_size > offsetof(loom_host_api, member) && ::loom::plugin::host().member != nullptr)

inline loom_str to_str(std::string_view s) { return loom_str{s.data(), s.size()}; }
inline std::string_view view(loom_str s) {
  return s.data == nullptr ? std::string_view() : std::string_view(s.data, s.size);
}

/// A failure reported by the host, or raised by the plugin to report one: status, message and,
/// for a schedule primitive that refused, the schedule error's kind ("NotOnlyChild").
class Error : public std::runtime_error {
 public:
  explicit Error(std::string message, loom_status status = LOOM_ERROR, std::string kind = {})
      : std::runtime_error(std::move(message)), status_(status), kind_(std::move(kind)) {}
  loom_status status() const { return status_; }
  const std::string& kind() const { return kind_; }

 private:
  loom_status status_;
  std::string kind_;
};

/// A host-owned error object, freed on destruction.
class ErrorBox {
 public:
  ErrorBox() : error_(host().error_new()) {}
  ~ErrorBox() { host().error_free(error_); }
  ErrorBox(const ErrorBox&) = delete;
  ErrorBox& operator=(const ErrorBox&) = delete;
  loom_error* get() const { return error_; }
  /// Throws Error with the error's message when `status` is not LOOM_OK.
  void check(loom_status status) const {
    if (status == LOOM_OK) return;
    throw Error(std::string(view(host().error_message(error_))), status, std::string(view(host().error_kind(error_))));
  }

 private:
  loom_error* error_;
};

/// Calls a host function that takes a trailing loom_error* and throws Error on failure:
/// `call_host(host().sch_expr_value, sch, rv, &out)`.
template <typename Fn, typename... Args>
void call_host(Fn fn, Args&&... args) {
  ErrorBox box;
  box.check(fn(std::forward<Args>(args)..., box.get()));
}

}  // namespace loom::plugin
