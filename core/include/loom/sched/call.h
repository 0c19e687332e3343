// Calling a schedule primitive by its Python name with Python-style arguments, as TVM's
// Python API takes them: what schedule scripts and the plugin C ABI do. The call goes
// through the instruction kind's apply function, so it is recorded in the trace exactly as
// the same call from C++.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loom/ir/error.h"
#include "loom/sched/error.h"
#include "loom/sched/schedule.h"

namespace loom::sched {

/// Arguments that do not fit a primitive's signature (missing, unexpected, repeated, too
/// many, the wrong kind of value), or an unknown primitive.
class ArgumentError : public UserError {
 public:
  /// `arg_index` is the offending argument (positional ones first, then keywords in
  /// order), or -1 when the problem is the call as a whole.
  ArgumentError(std::string message, int arg_index, std::string error_kind = "ArgumentError")
      : UserError(std::move(message)), arg_index_(arg_index), error_kind_(std::move(error_kind)) {}
  int arg_index() const { return arg_index_; }
  /// "ArgumentError", or "UnknownPrimitive".
  const std::string& error_kind() const { return error_kind_; }

 private:
  int arg_index_;
  std::string error_kind_;
};

/// A block name given where a block is expected that get_block rejected: the get_block
/// error's message and kind, with the argument it came from.
class BlockNameError : public ScheduleError {
 public:
  BlockNameError(const ScheduleError& cause, const std::string& name, const std::string& primitive, int arg_index)
      : ScheduleError("get_block",
                      cause.detail() + " (the block name \"" + name + "\" given to sch." + primitive + ")"),
        kind_(cause.kind()),
        arg_index_(arg_index) {}
  const char* kind() const override { return kind_.c_str(); }
  int arg_index() const { return arg_index_; }

 private:
  std::string kind_;
  int arg_index_;
};

/// A call's arguments: positional, then keyword ones. Sampling primitives also take the
/// keyword "decision".
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keywords;
  size_t size() const { return positional.size() + keywords.size(); }
  const Value& at(size_t i) const {
    return i < positional.size() ? positional[i] : keywords[i - positional.size()].second;
  }
};

/// How a value is named in error messages ("loop l1"); the default describes it by kind.
using ValueDescriber = std::function<std::string(const Value&)>;

/// Calls `python_name` on `sch`. Arguments bind as Python binds them: positional then
/// keyword, defaults for omitted ones; a VariadicInput parameter takes one list or, like
/// Python's *args, all remaining positional arguments. Wherever a block is expected, a string
/// is a block name (applied as get_block, recorded). Returns the result as Python sees it:
/// a list for list-returning primitives, the single output, or None.
/// Throws ArgumentError for arguments that do not bind (naming the primitive and its
/// signature), and whatever the primitive throws (ScheduleError, UserError).
Value call_primitive(Schedule& sch, std::string_view python_name, const CallArgs& args,
                     const ValueDescriber& describe = nullptr);

}  // namespace loom::sched
