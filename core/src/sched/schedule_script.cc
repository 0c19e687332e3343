// Applying schedule scripts: binding each call of a parsed call script to an instruction
// kind's parameters and applying it to the schedule (see loom/sched/schedule_script.h).
#include "loom/sched/schedule_script.h"

#include <algorithm>
#include <optional>

#include "fmt/format.h"
#include "loom/ir/error.h"
#include "loom/sched/instruction.h"
#include "value_format.h"

namespace loom::sched {

namespace {

using script::ScriptArg;
using script::ScriptCall;
using script::ScriptExpr;
using script::ScriptLoc;
using script::ScriptStmt;

/// A parameter's name without the '*' that marks Python's *args ("*loops" -> "loops").
std::string bare(const std::string& name) { return !name.empty() && name[0] == '*' ? name.substr(1) : name; }

/// What an input parameter expects, judged by its (TVM) name, for argument type checks
/// (attributes are literals and are not checked this way).
enum class Expect : uint8_t { Any, Block, Loop, BlockOrLoop };

Expect expectation(const std::string& name) {
  const std::string param = bare(name);
  bool block = param.find("block") != std::string::npos;
  bool loop = param == "loop" || param == "loops" || param.ends_with("_loops") || param.ends_with("_loop");
  if (block && (loop || param.find("loop") != std::string::npos)) return Expect::BlockOrLoop;
  if (block) return Expect::Block;
  if (loop) return Expect::Loop;
  return Expect::Any;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool contains_rv(const Value& v) {
  if (v.is<BlockRV>() || v.is<LoopRV>() || v.is<ExprRV>()) return true;
  if (v.is<std::vector<Value>>()) {
    const auto& list = v.as<std::vector<Value>>();
    return std::any_of(list.begin(), list.end(), contains_rv);
  }
  return false;
}

/// A bound argument: its value and where it was written (the call's location for defaults).
struct Bound {
  Value value;
  ScriptLoc loc;
  bool given = false;
};

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
                         const std::string& kind) const {
    throw ScheduleScriptError(script_.error(loc, message), primitive, kind);
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

  const InstructionKind& find_kind(const ScriptCall& c) const {
    if (const InstructionKind* kind = registry_.find_python(c.method)) return *kind;
    std::vector<std::string> names;
    for (const std::string& name : registry_.names()) names.push_back(registry_.at(name).python_name);
    std::sort(names.begin(), names.end());
    std::string hint;
    size_t best = 3;
    for (const std::string& n : names) {
      size_t d = edit_distance(c.method, n);
      if (d < best) {
        best = d;
        hint = fmt::format("; did you mean sch.{}?", n);
      }
    }
    if (hint.empty()) hint = fmt::format(" (the primitives are: {})", fmt::join(names, ", "));
    fail(c.loc, fmt::format("sch.{} is not a schedule primitive{}", c.method, hint), c.method, "UnknownPrimitive");
  }

  std::string signature(const InstructionKind& kind) const {
    std::vector<std::string> names;
    for (const InstParam& p : kind.params) names.push_back(p.name);
    if (kind.sampling) names.push_back("decision");
    return fmt::format("sch.{}({})", kind.python_name, fmt::join(names, ", "));
  }

  /// Binds the call's arguments to the kind's parameters (plus `decision` for sampling
  /// kinds), evaluating them in the order written.
  std::vector<Bound> bind(const InstructionKind& kind, const ScriptCall& c) {
    const size_t n_params = kind.params.size() + (kind.sampling ? 1 : 0);
    auto param_name = [&](size_t k) -> std::string {
      return k < kind.params.size() ? bare(kind.params[k].name) : "decision";
    };
    auto arg_error = [&](ScriptLoc loc, const std::string& msg) {
      fail(loc, fmt::format("sch.{}: {}; the signature is {}", kind.python_name, msg, signature(kind)),
           kind.python_name, "ArgumentError");
    };
    std::vector<Bound> bound(n_params);
    size_t positional = 0;
    while (positional < c.args.size() && c.args[positional].keyword.empty()) ++positional;
    size_t k = 0;
    for (size_t p = 0; p < positional; ++k) {
      if (k >= n_params)
        arg_error(c.args[p].loc,
                  fmt::format("takes at most {} arguments, got {} positional ones", n_params, positional));
      const ScriptArg& arg = c.args[p];
      if (k < kind.params.size() && kind.params[k].role == InstParam::Role::VariadicInput) {
        Value first = eval(arg.value);
        if (first.is<std::vector<Value>>()) {
          bound[k] = {first, arg.loc, true};
          ++p;
        } else {
          // Python's *args: this and every remaining positional argument.
          std::vector<Value> rest{first};
          for (++p; p < positional; ++p) rest.push_back(eval(c.args[p].value));
          bound[k] = {Value(std::move(rest)), arg.loc, true};
        }
        continue;
      }
      bound[k] = {eval(arg.value), arg.loc, true};
      ++p;
    }
    for (size_t a = positional; a < c.args.size(); ++a) {
      const ScriptArg& arg = c.args[a];
      size_t slot = n_params;
      for (size_t j = 0; j < n_params; ++j) {
        if (param_name(j) == arg.keyword) slot = j;
      }
      if (slot == n_params) arg_error(arg.loc, fmt::format("unexpected keyword argument '{}'", arg.keyword));
      if (bound[slot].given) arg_error(arg.loc, fmt::format("got multiple values for argument '{}'", arg.keyword));
      bound[slot] = {eval(arg.value), arg.loc, true};
    }
    for (size_t j = 0; j < kind.params.size(); ++j) {
      if (bound[j].given) continue;
      if (kind.params[j].role == InstParam::Role::VariadicInput && kind.params[j].name.starts_with("*")) {
        bound[j] = {Value(std::vector<Value>{}), c.loc, false};  // Python's *args may be empty
        continue;
      }
      if (!kind.params[j].default_value)
        arg_error(c.loc, fmt::format("missing the required argument '{}'", bare(kind.params[j].name)));
      bound[j] = {*kind.params[j].default_value, c.loc, false};
    }
    if (kind.sampling && !bound.back().given) bound.back() = {Value(), c.loc, false};
    return bound;
  }

  /// A string in place of a block: applies get_block(name) (recorded as GetBlock).
  Value block_from_name(const Value& v, ScriptLoc loc, const std::string& primitive) {
    if (v.is<std::string>()) {
      const InstructionKind& get_block = registry_.at("GetBlock");
      try {
        return get_block.apply(sch_, {}, {v, Value("")}, Value()).at(0);
      } catch (const ScheduleError& e) {
        fail(loc, fmt::format("{} (the block name {} given to sch.{})", e.what(), detail::python_literal(v), primitive),
             "get_block", e.kind());
      }
    }
    if (v.is<std::vector<Value>>()) {
      std::vector<Value> out;
      for (const Value& x : v.as<std::vector<Value>>()) out.push_back(block_from_name(x, loc, primitive));
      return Value(std::move(out));
    }
    return v;
  }

  /// Checks a block/loop parameter's value (or every element of a list value).
  void check_kind_of(const InstructionKind& kind, const InstParam& param, const Value& v, ScriptLoc loc) const {
    Expect expect = param.role == InstParam::Role::Attr ? Expect::Any : expectation(param.name);
    if (expect == Expect::Any || v.is_none()) return;
    // Lists are for variadic parameters and plural names ("consumer_blocks").
    bool list_ok = param.role == InstParam::Role::VariadicInput || bare(param.name).ends_with("s");
    if (v.is<std::vector<Value>>() && list_ok) {
      for (const Value& x : v.as<std::vector<Value>>()) check_kind_of(kind, param, x, loc);
      return;
    }
    bool ok = (expect != Expect::Loop && v.is<BlockRV>()) || (expect != Expect::Block && v.is<LoopRV>());
    if (ok) return;
    const char* wanted = expect == Expect::Block  ? "a block (a block variable or a block name string)"
                         : expect == Expect::Loop ? "a loop"
                                                  : "a block or a loop";
    fail(loc,
         fmt::format("sch.{}: argument '{}' must be {}, got {}", kind.python_name, bare(param.name), wanted,
                     describe(v)),
         kind.python_name, "ArgumentError");
  }

  Value call(const ScriptCall& c) {
    const InstructionKind& kind = find_kind(c);
    std::vector<Bound> bound = bind(kind, c);
    std::vector<Value> inputs, attrs;
    for (size_t j = 0; j < kind.params.size(); ++j) {
      const InstParam& param = kind.params[j];
      Value v = bound[j].value;
      Expect expect = expectation(param.name);
      if (param.role != InstParam::Role::Attr && (expect == Expect::Block || expect == Expect::BlockOrLoop) &&
          bound[j].given)
        v = block_from_name(v, bound[j].loc, kind.python_name);
      if (param.role == InstParam::Role::Attr && contains_rv(v)) {
        fail(bound[j].loc,
             fmt::format("sch.{}: argument '{}' must be a literal value, got {}", kind.python_name, bare(param.name),
                         describe(v)),
             kind.python_name, "ArgumentError");
      }
      check_kind_of(kind, param, v, bound[j].loc);
      switch (param.role) {
        case InstParam::Role::Input:
          inputs.push_back(std::move(v));
          break;
        case InstParam::Role::VariadicInput:
          if (!v.is<std::vector<Value>>())
            fail(bound[j].loc,
                 fmt::format("sch.{}: argument '{}' must be a list, got {}", kind.python_name, bare(param.name),
                             describe(v)),
                 kind.python_name, "ArgumentError");
          for (const Value& x : v.as<std::vector<Value>>()) inputs.push_back(x);
          break;
        case InstParam::Role::Attr:
          attrs.push_back(std::move(v));
          break;
      }
    }
    if (kind.attrs_from_python) {
      try {
        attrs = kind.attrs_from_python(attrs);
      } catch (const UserError& e) {
        fail(c.loc, fmt::format("sch.{}: {}", kind.python_name, e.what()), kind.python_name, "ArgumentError");
      }
    }
    Value decision;
    if (kind.sampling) {
      decision = bound.back().value;
      if (contains_rv(decision))
        fail(bound.back().loc,
             fmt::format("sch.{}: the decision must be a literal value, got {}", kind.python_name, describe(decision)),
             kind.python_name, "ArgumentError");
    }
    std::vector<Value> outputs;
    try {
      outputs = kind.apply(sch_, inputs, attrs, decision);
    } catch (const script::ParseError&) {
      throw;
    } catch (const ScheduleError& e) {
      // Errors raised on behalf of another primitive (an RV lookup reports "sch.get") are
      // reported as this call's.
      std::string message =
          e.primitive() == kind.python_name ? e.what() : fmt::format("sch.{}: {}", kind.python_name, e.detail());
      fail(c.loc, message, kind.python_name, e.kind());
    } catch (const UserError& e) {
      fail(c.loc, fmt::format("sch.{}: {}", kind.python_name, e.what()), kind.python_name, "ArgumentError");
    }
    if (kind.list_output) return Value(std::move(outputs));
    if (outputs.size() == 1) return outputs[0];
    LOOM_ICHECK(outputs.empty(), "instruction kind " + kind.name + " returns several outputs but is not list_output");
    return Value();
  }

  Schedule& sch_;
  const script::CallScript& script_;
  const InstructionRegistry& registry_;
  ScriptVariables vars_;
  std::map<uint32_t, std::string> block_names_, loop_names_, expr_names_;
};

}  // namespace

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
