// Applying schedule scripts: binding each call of a parsed call script to an instruction
// kind's parameters and applying it to the schedule (see loom/sched/schedule_script.h).
#include "loom/sched/schedule_script.h"

#include <algorithm>
#include <optional>

#include "fmt/format.h"
#include "loom/ir/error.h"
#include "loom/sched/call.h"
#include "loom/sched/instruction.h"
#include "value_format.h"

namespace loom::sched {

namespace {

using script::ScriptArg;
using script::ScriptCall;
using script::ScriptExpr;
using script::ScriptLoc;
using script::ScriptStmt;

bool contains_rv(const Value& v) {
  if (v.is<BlockRV>() || v.is<LoopRV>() || v.is<ExprRV>()) return true;
  if (v.is<std::vector<Value>>()) {
    const auto& list = v.as<std::vector<Value>>();
    return std::any_of(list.begin(), list.end(), contains_rv);
  }
  return false;
}

class Executor {
 public:
  Executor(Schedule& sch, const script::CallScript& script)
      : sch_(sch), script_(script), registry_(InstructionRegistry::global()) {}

  void run() {
    for (const ScriptStmt& stmt : script_.statements()) statement(stmt);
  }
  const ScriptVariables& variables() const { return vars_; }

 private:
  [[noreturn]] void fail(ScriptLoc loc, const std::string& message, const std::string& primitive,
                         const std::string& kind, std::exception_ptr cause = nullptr) const {
    ir::PrimFunc func = cause ? sch_.mod().at(sch_.default_func()) : ir::PrimFunc();
    throw ScheduleScriptError(script_.error(loc, message), primitive, kind, std::move(cause), std::move(func));
  }

  // ---- naming values in messages ---------------------------------------------------

  void remember_name(const Value& v, const std::string& name) {
    if (v.is<BlockRV>()) block_names_[v.as<BlockRV>().id] = name;
    if (v.is<LoopRV>()) loop_names_[v.as<LoopRV>().id] = name;
    if (v.is<ExprRV>()) expr_names_[v.as<ExprRV>().id] = name;
    if (v.is<std::vector<Value>>()) {
      const auto& list = v.as<std::vector<Value>>();
      for (size_t i = 0; i < list.size(); ++i) remember_name(list[i], fmt::format("{}[{}]", name, i));
    }
  }

  static std::string named(const std::map<uint32_t, std::string>& names, uint32_t id, const char* what) {
    auto it = names.find(id);
    return it == names.end() ? fmt::format("an unnamed {}", what) : fmt::format("{} {}", what, it->second);
  }

  /// "block b0", "loop l1", "integer v4", "the list [1, 2]", "the string \"C\"", "None".
  std::string describe(const Value& v) const {
    if (v.is<BlockRV>()) return named(block_names_, v.as<BlockRV>().id, "block");
    if (v.is<LoopRV>()) return named(loop_names_, v.as<LoopRV>().id, "loop");
    if (v.is<ExprRV>()) return named(expr_names_, v.as<ExprRV>().id, "sampled integer");
    if (v.is<std::vector<Value>>()) {
      if (!contains_rv(v)) return "the list " + detail::python_literal(v);
      return fmt::format("a list of {} values", v.as<std::vector<Value>>().size());
    }
    if (v.is<std::string>()) return "the string " + detail::python_literal(v);
    if (v.is_none()) return "None";
    return detail::python_literal(v);
  }

  // ---- statements and expressions ----------------------------------------------------

  void statement(const ScriptStmt& stmt) {
    Value value = eval(stmt.value);
    if (!stmt.unpack) {
      if (!stmt.targets.empty()) assign(stmt.targets[0], value);
      return;
    }
    std::string what =
        stmt.value.kind == ScriptExpr::Kind::Call ? "sch." + stmt.value.call->method + "(...)" : "the right-hand side";
    if (!value.is<std::vector<Value>>())
      fail(stmt.loc,
           fmt::format("cannot unpack {} into {} names: it is {}, not a list", what, stmt.targets.size(),
                       describe(value)),
           "", "UnpackError");
    const auto& list = value.as<std::vector<Value>>();
    if (list.size() != stmt.targets.size())
      fail(stmt.loc,
           fmt::format("cannot unpack {} into {} names: it returned {} values", what, stmt.targets.size(), list.size()),
           "", "UnpackError");
    for (size_t i = 0; i < list.size(); ++i) assign(stmt.targets[i], list[i]);
  }

  void assign(const std::string& name, const Value& value) {
    vars_[name] = value;
    remember_name(value, name);
  }

  Value eval(const ScriptExpr& e) {
    switch (e.kind) {
      case ScriptExpr::Kind::None:
        return Value();
      case ScriptExpr::Kind::Bool:
        return Value(e.bool_value);
      case ScriptExpr::Kind::Int:
        return Value(e.int_value);
      case ScriptExpr::Kind::Float:
        return Value(e.float_value);
      case ScriptExpr::Kind::String:
      case ScriptExpr::Kind::Lambda:  // its source text, parsed by the primitive (an index map)
        return Value(e.str);
      case ScriptExpr::Kind::Name: {
        auto it = vars_.find(e.str);
        if (it == vars_.end())
          fail(e.loc, fmt::format("name '{}' is not defined (no earlier line assigns it)", e.str), "", "NameError");
        return it->second;
      }
      case ScriptExpr::Kind::List:
      case ScriptExpr::Kind::Tuple: {
        std::vector<Value> out;
        for (const ScriptExpr& item : e.items) out.push_back(eval(item));
        return Value(std::move(out));
      }
      case ScriptExpr::Kind::Index: {
        Value base = eval(e.items.at(0));
        if (!base.is<std::vector<Value>>())
          fail(e.loc, fmt::format("cannot index {}: it is not a list", describe(base)), "", "IndexError");
        const auto& list = base.as<std::vector<Value>>();
        int64_t n = static_cast<int64_t>(list.size());
        int64_t i = e.int_value < 0 ? e.int_value + n : e.int_value;
        if (i < 0 || i >= n)
          fail(e.loc, fmt::format("index {} is out of range for a list of {} values", e.int_value, n), "",
               "IndexError");
        return list[static_cast<size_t>(i)];
      }
      case ScriptExpr::Kind::Call:
        return call(*e.call);
    }
    LOOM_ICHECK(false, "unknown call-script expression kind");
    return Value();
  }

  Value call(const ScriptCall& c) {
    // An unknown primitive is reported before its arguments are evaluated.
    if (registry_.find_python(c.method) == nullptr) {
      try {
        call_primitive(sch_, c.method, {});
      } catch (const ArgumentError& e) {
        fail(c.loc, e.what(), c.method, e.error_kind());
      }
    }
    // Arguments are evaluated in the order written, as Python does.
    CallArgs args;
    std::vector<ScriptLoc> locs;
    for (const ScriptArg& arg : c.args) {
      if (arg.keyword.empty())
        args.positional.push_back(eval(arg.value));
      else
        args.keywords.emplace_back(arg.keyword, eval(arg.value));
      locs.push_back(arg.loc);
    }
    try {
      return call_primitive(sch_, c.method, args, [this](const Value& v) { return describe(v); });
    } catch (const script::ParseError&) {
      throw;
    } catch (const ArgumentError& e) {
      ScriptLoc loc = e.arg_index() >= 0 && static_cast<size_t>(e.arg_index()) < locs.size()
                          ? locs[static_cast<size_t>(e.arg_index())]
                          : c.loc;
      fail(loc, e.what(), c.method, e.error_kind());
    } catch (const BlockNameError& e) {
      ScriptLoc loc =
          static_cast<size_t>(e.arg_index()) < locs.size() ? locs[static_cast<size_t>(e.arg_index())] : c.loc;
      fail(loc, e.what(), "get_block", e.kind());
    } catch (const ScheduleError& e) {
      // Errors raised on behalf of another primitive (an RV lookup reports "sch.get") are
      // reported as this call's.
      std::string message = e.primitive() == c.method ? e.what() : fmt::format("sch.{}: {}", c.method, e.detail());
      fail(c.loc, message, c.method, e.kind(), std::current_exception());
    } catch (const UserError& e) {
      fail(c.loc, fmt::format("sch.{}: {}", c.method, e.what()), c.method, "ArgumentError");
    }
  }

  Schedule& sch_;
  const script::CallScript& script_;
  const InstructionRegistry& registry_;
  ScriptVariables vars_;
  std::map<uint32_t, std::string> block_names_, loop_names_, expr_names_;
};

}  // namespace

std::string ScheduleScriptError::marked_function() const {
  if (!cause_ || !func_.defined()) return {};
  try {
    std::rethrow_exception(cause_);
  } catch (const ScheduleError& e) {
    if (e.locations().empty()) return {};
    std::string marked = e.render_marked(func_);
    return marked.substr(marked.find('\n') + 1);  // the function, without the message line
  } catch (...) {
  }
  return {};
}

ScriptVariables apply_schedule_script(Schedule& sch, const script::CallScript& script) {
  Schedule work = sch;
  Executor exec(work, script);
  exec.run();
  ScriptVariables vars = exec.variables();
  sch = std::move(work);
  return vars;
}

ScriptVariables apply_schedule_script(Schedule& sch, std::string_view text, std::string_view filename) {
  return apply_schedule_script(sch, script::parse_call_script(text, filename));
}

}  // namespace loom::sched
