// Applying schedule scripts: Python call scripts on `sch` (what Trace::as_python prints, or
// what a person writes against TVM's Python API) executed as primitive calls on a Schedule.
//
// Each call `sch.<method>(...)` is matched to the instruction kind whose python_name is
// <method> (InstructionRegistry::global()) and its arguments are bound to the kind's
// parameters as Python would: positional then keyword arguments, defaults for omitted ones,
// a VariadicInput parameter taking either one list (`factors=[None, 16]`) or, like Python's
// `*loops`, all the remaining positional arguments (`sch.reorder(j, i)`). Sampling calls
// also take `decision=` (replayed instead of sampled). Arguments may be literals, names of
// variables defined by earlier lines, `name[index]`, and nested calls
// (`sch.get_loops(sch.get_block("C"))`). Wherever a block is expected (a parameter whose
// name contains "block"), a string is a block name: `sch.get_loops("C")` first applies
// get_block("C"), which the trace records as a GetBlock instruction. A single name receives
// a call's whole result (a list for list-returning primitives); a tuple of names unpacks it.
//
// The calls go through the same apply functions as trace replay, so applying
// `trace.as_python()` to a fresh schedule of the original module records a trace that
// prints identically and gives the same module.
#pragma once

#include <exception>
#include <map>
#include <string>
#include <string_view>

#include "loom/sched/schedule.h"
#include "loom/script/call_script.h"

namespace loom::sched {

/// An error while applying a schedule script: a ParseError at the script line and column of
/// the failing call or argument (file:line:column, the line quoted with a caret), whose
/// message names the primitive and why it failed, e.g.
///     sched.py:4:1: sch.sample_perfect_tile: decision [3, 21] is not a valid tiling: ...
class ScheduleScriptError : public script::ParseError {
 public:
  ScheduleScriptError(const script::ParseError& located, std::string primitive, std::string error_kind,
                      std::exception_ptr cause = nullptr, ir::PrimFunc func = ir::PrimFunc())
      : script::ParseError(located),
        primitive_(std::move(primitive)),
        error_kind_(std::move(error_kind)),
        cause_(std::move(cause)),
        func_(std::move(func)) {}

  /// The Python name of the primitive that failed ("split"); empty when the error is not
  /// about one primitive call (an undefined name, a failed unpacking).
  const std::string& primitive() const { return primitive_; }
  /// ScheduleError::kind() when a primitive rejected the call ("InvalidDecision"),
  /// "ArgumentError" for arguments that do not fit the primitive's signature or types,
  /// "NameError" for undefined names, "UnpackError" for unpacking, "UnknownPrimitive".
  const std::string& error_kind() const { return error_kind_; }
  /// When a primitive refused the call: the function as it was then, printed as TVMScript
  /// with the blocks and loops the ScheduleError names marked (ScheduleError::render_marked);
  /// empty for other errors or when the error names none.
  std::string marked_function() const;

 private:
  std::string primitive_;
  std::string error_kind_;
  std::exception_ptr cause_;  // the primitive's ScheduleError
  ir::PrimFunc func_;
};

/// The variables a script defined, by name: random variables, literals, or lists of them.
using ScriptVariables = std::map<std::string, Value>;

/// Applies a parsed schedule script to `sch`, recording every call in its trace.
/// The script runs on a copy of `sch` that replaces it only when every line succeeded: on
/// any error `sch` (module, random variables, trace, RNG) is unchanged.
/// Returns the variables the script defined.
/// Throws ScheduleScriptError for an unknown primitive, arguments that do not bind
/// (missing, unexpected, repeated, too many, wrong kind of value), undefined names, an
/// unpacking of the wrong number of values, and any error of a primitive (ScheduleError,
/// including invalid decisions), each at the offending line.
ScriptVariables apply_schedule_script(Schedule& sch, const script::CallScript& script);

/// Parses `text` as a schedule script (receiver `sch`, or the parameter of a
/// `def apply(sch):` wrapper) and applies it. Throws script::ParseError on a syntax error,
/// ScheduleScriptError as above.
ScriptVariables apply_schedule_script(Schedule& sch, std::string_view text, std::string_view filename = "<string>");

}  // namespace loom::sched
