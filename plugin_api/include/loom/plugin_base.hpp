// loom/plugin_base.hpp: the basics of the header-only C++ wrapper over loom/plugin.h
// (included by loom/plugin.hpp): the host table, errors as exceptions, strings.
#pragma once

#include <memory>
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
/// for a schedule primitive that refused, the schedule error's kind ("NotOnlyChild"). An error
/// from the host keeps the host's error object and asks it for the message only when what() is
/// called: the host renders a schedule error's message on request, and most refusals are
/// never read.
class Error : public std::runtime_error {
 public:
  explicit Error(std::string message, loom_status status = LOOM_ERROR, std::string kind = {})
      : std::runtime_error(std::move(message)), status_(status), kind_(std::move(kind)) {}
  /// The failure held by the host's error object `box` (owned from now on).
  Error(std::shared_ptr<loom_error> box, loom_status status, std::string kind)
      : std::runtime_error(std::string()), status_(status), kind_(std::move(kind)), box_(std::move(box)) {}
  loom_status status() const { return status_; }
  const std::string& kind() const { return kind_; }
  const char* what() const noexcept override {
    if (!box_) return std::runtime_error::what();
    try {
      if (!message_) message_ = std::make_shared<std::string>(view(host().error_message(box_.get())));
      return message_->c_str();
    } catch (...) {
      return "loom plugin: the host's error message could not be read";
    }
  }

 private:
  loom_status status_;
  std::string kind_;
  std::shared_ptr<loom_error> box_;
  mutable std::shared_ptr<std::string> message_;
};

/// A host-owned error object, freed on destruction.
class ErrorBox {
 public:
  ErrorBox() : error_(host().error_new()) {}
  ~ErrorBox() {
    if (error_ != nullptr) host().error_free(error_);
  }
  ErrorBox(const ErrorBox&) = delete;
  ErrorBox& operator=(const ErrorBox&) = delete;
  loom_error* get() const { return error_; }
  /// Throws Error when `status` is not LOOM_OK; the error object moves into it, so that the
  /// message is asked for only if someone reads it.
  void check(loom_status status) {
    if (status == LOOM_OK) return;
    std::string kind(view(host().error_kind(error_)));
    std::shared_ptr<loom_error> box(error_, [](loom_error* e) { host().error_free(e); });
    error_ = nullptr;
    throw Error(std::move(box), status, std::move(kind));
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
