// Reading call scripts: Python files that are a sequence of method calls on one object,
// such as TVM schedule scripts (`b0 = sch.get_block("C")`, `i, j = sch.get_loops(b0)`,
// `sch.split(i, factors=[None, 16])`). This header only reads the syntax; what the calls
// mean is the business of whoever executes them (sched/schedule_script.h for schedules).
//
// Accepted: assignments of a call or of a value to a name, to a tuple or list of names
// (`i, j = ...`, `(l1,) = ...`, `[a, b] = ...`); bare calls; literals (ints, floats,
// `float("inf")`, strings, True/False, None, lists, tuples, negative numbers); names of
// earlier variables; `name[index]` with an integer index; nested calls on the receiver as
// arguments; `lambda` expressions (kept as their source text, for the callee to parse: the
// index map of `sch.transform_layout(..., index_map=lambda i, j: (j, i))`); positional and
// keyword arguments; comments, blank lines, docstrings, `pass`, `from ... import ...` /
// `import ...`; and an optional wrapper `def apply(sch): ...` (any function name, one
// parameter, annotations ignored) whose parameter becomes the receiver.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loom/script/parse_error.h"

namespace loom::script {

/// A 1-based position in a call script.
struct ScriptLoc {
  int line = 1;
  int column = 1;
};

struct ScriptCall;

/// An expression of a call script: a literal, a variable name, a list or tuple, an
/// indexing of a variable, or a call on the receiver.
struct ScriptExpr {
  enum class Kind : uint8_t { None, Bool, Int, Float, String, Name, List, Tuple, Index, Call, Lambda };
  Kind kind = Kind::None;
  ScriptLoc loc;
  bool bool_value = false;
  /// Int: the value; Index: the (possibly negative) index.
  int64_t int_value = 0;
  double float_value = 0.0;
  /// String: the decoded value; Name: the identifier; Lambda: the source text
  /// (`lambda i, j: (j, i)`, from `lambda` to the end of its body).
  std::string str;
  /// List / Tuple: the elements; Index: one element, the indexed expression.
  std::vector<ScriptExpr> items;
  /// Call: the call (shared so that expressions stay cheap to copy).
  std::shared_ptr<const ScriptCall> call;
};

/// One argument of a call; `keyword` is empty for a positional argument.
struct ScriptArg {
  std::string keyword;
  ScriptLoc loc;
  ScriptExpr value;
};

/// `<receiver>.<method>(args...)`. Positional arguments always precede keyword ones, and
/// no keyword is repeated (the reader rejects both).
struct ScriptCall {
  std::string method;
  ScriptLoc loc;
  std::vector<ScriptArg> args;
};

/// One statement: `targets = value`, or a bare `value` when targets is empty and
/// `unpack` is false.
struct ScriptStmt {
  ScriptLoc loc;
  /// The assigned names, in order.
  std::vector<std::string> targets;
  /// True when the left-hand side is a tuple or list of names (`a, b = ...`, `(a,) = ...`),
  /// false for a single name (which receives the whole value) or no assignment.
  bool unpack = false;
  ScriptExpr value;
};

/// A parsed call script, with the text kept for error reports.
class CallScript {
 public:
  /// The statements in order (the body of the `def` wrapper when there is one).
  const std::vector<ScriptStmt>& statements() const { return stmts_; }
  /// The name calls are made on: "sch" by default, the wrapper's parameter otherwise.
  const std::string& receiver() const { return receiver_; }
  const std::string& filename() const { return filename_; }
  /// The text of a 1-based line ("" when out of range).
  std::string line_text(int line) const;
  /// A ParseError at `loc` with `message`, quoting the line (for errors found while
  /// executing the script).
  ParseError error(ScriptLoc loc, const std::string& message) const;

 private:
  friend CallScript parse_call_script(std::string_view, std::string_view, std::string_view);
  std::vector<ScriptStmt> stmts_;
  std::string receiver_;
  std::string filename_;
  std::vector<std::string> lines_;
};

/// Parses a call script whose calls are made on `receiver` (replaced by the parameter of a
/// `def` wrapper when the script has one).
/// Throws ParseError (file:line:column, the line with a caret, what was expected) on a
/// syntax error, on any statement other than those listed at the top of this file, on a
/// call of anything but `<receiver>.<method>`, and on integers outside int64.
CallScript parse_call_script(std::string_view text, std::string_view filename = "<string>",
                             std::string_view receiver = "sch");

}  // namespace loom::script
