// Calling a primitive by its Python name with Python-style arguments (loom/sched/call.h).
#include "loom/sched/call.h"

#include <algorithm>

#include "fmt/format.h"
#include "loom/sched/instruction.h"
#include "value_format.h"

namespace loom::sched {

namespace {

/// A parameter's name without the '*' that marks Python's *args ("*loops" -> "loops").
std::string bare(const std::string& name) { return !name.empty() && name[0] == '*' ? name.substr(1) : name; }

/// What an argument bound to `param` must be (attributes are literals).
ParamKind kind_of(const InstParam& param) { return param.role == InstParam::Role::Attr ? ParamKind::Any : param.kind; }

bool takes_block(ParamKind k) {
  return k == ParamKind::Block || k == ParamKind::BlockOrLoop || k == ParamKind::BlockList;
}

bool contains_rv(const Value& v) {
  if (v.is<BlockRV>() || v.is<LoopRV>() || v.is<ExprRV>()) return true;
  if (v.is<std::vector<Value>>()) {
    const auto& list = v.as<std::vector<Value>>();
    return std::any_of(list.begin(), list.end(), contains_rv);
  }
  return false;
}

std::string default_describe(const Value& v) {
  if (v.is<BlockRV>()) return "a block";
  if (v.is<LoopRV>()) return "a loop";
  if (v.is<ExprRV>()) return "a sampled integer";
  if (v.is<std::vector<Value>>()) {
    if (!contains_rv(v)) return "the list " + detail::python_literal(v);
    return fmt::format("a list of {} values", v.as<std::vector<Value>>().size());
  }
  if (v.is<std::string>()) return "the string " + detail::python_literal(v);
  if (v.is_none()) return "None";
  return detail::python_literal(v);
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

struct Bound {
  Value value;
  int arg = -1;  // the argument it came from, -1 for a default
};

class Binder {
 public:
  Binder(Schedule& sch, const InstructionKind& kind, const CallArgs& args, ValueDescriber describe)
      : sch_(sch), kind_(kind), args_(args), describe_(std::move(describe)) {}

  /// Binds, resolves block names and applies the primitive. On any exception the schedule
  /// returns to where it was: a block name's get_block, recorded before the primitive
  /// runs, must not stay in the trace of a call that failed.
  Value call() {
    const Schedule::Checkpoint before = sch_.checkpoint();
    try {
      return bind_and_apply();
    } catch (...) {
      sch_.rollback(before);
      throw;
    }
  }

 private:
  Value bind_and_apply() {
    std::vector<Bound> bound = bind();
    std::vector<Value> inputs, attrs;
    for (size_t j = 0; j < kind_.params.size(); ++j) {
      const InstParam& param = kind_.params[j];
      Value v = bound[j].value;
      if (takes_block(kind_of(param)) && bound[j].arg >= 0) v = block_from_name(v, bound[j].arg);
      if (param.role == InstParam::Role::Attr && contains_rv(v))
        fail(bound[j].arg,
             fmt::format("argument '{}' must be a literal value, got {}", bare(param.name), describe_(v)));
      check_kind_of(param, v, bound[j].arg);
      switch (param.role) {
        case InstParam::Role::Input:
          inputs.push_back(std::move(v));
          break;
        case InstParam::Role::VariadicInput:
          if (!v.is<std::vector<Value>>())
            fail(bound[j].arg, fmt::format("argument '{}' must be a list, got {}", bare(param.name), describe_(v)));
          for (const Value& x : v.as<std::vector<Value>>()) inputs.push_back(x);
          break;
        case InstParam::Role::Attr:
          attrs.push_back(std::move(v));
          break;
      }
    }
    if (kind_.attrs_from_python) {
      try {
        attrs = kind_.attrs_from_python(attrs);
      } catch (const UserError& e) {
        fail(-1, e.what());
      }
    }
    Value decision;
    if (kind_.sampling) {
      decision = bound.back().value;
      if (contains_rv(decision))
        fail(bound.back().arg, fmt::format("the decision must be a literal value, got {}", describe_(decision)));
    }
    std::vector<Value> outputs;
    try {
      outputs = kind_.apply(sch_, inputs, attrs, decision);
    } catch (const ScheduleError&) {
      throw;
    } catch (const ArgumentError&) {
      throw;
    } catch (const UserError& e) {  // a value the apply function's typed accessors reject
      fail(-1, e.what());
    }
    if (kind_.list_output) return Value(std::move(outputs));
    if (outputs.size() == 1) return outputs[0];
    LOOM_ICHECK(outputs.empty(), "instruction kind " + kind_.name + " returns several outputs but is not list_output");
    return Value();
  }

  [[noreturn]] void fail(int arg, const std::string& message) const {
    throw ArgumentError(fmt::format("sch.{}: {}", kind_.python_name, message), arg);
  }

  std::string signature() const {
    std::vector<std::string> names;
    for (const InstParam& p : kind_.params) names.push_back(p.name);
    if (kind_.sampling) names.push_back("decision");
    return fmt::format("sch.{}({})", kind_.python_name, fmt::join(names, ", "));
  }

  [[noreturn]] void signature_error(int arg, const std::string& message) const {
    fail(arg, fmt::format("{}; the signature is {}", message, signature()));
  }

  std::vector<Bound> bind() const {
    const size_t n_params = kind_.params.size() + (kind_.sampling ? 1 : 0);
    auto param_name = [&](size_t k) -> std::string {
      return k < kind_.params.size() ? bare(kind_.params[k].name) : "decision";
    };
    std::vector<Bound> bound(n_params);
    const size_t positional = args_.positional.size();
    size_t k = 0;
    for (size_t p = 0; p < positional; ++k) {
      if (k >= n_params)
        signature_error(static_cast<int>(p),
                        fmt::format("takes at most {} arguments, got {} positional ones", n_params, positional));
      const Value& arg = args_.positional[p];
      if (k < kind_.params.size() && kind_.params[k].role == InstParam::Role::VariadicInput) {
        if (arg.is<std::vector<Value>>()) {
          bound[k] = {arg, static_cast<int>(p)};
          ++p;
        } else {
          // Python's *args: this and every remaining positional argument.
          std::vector<Value> rest(args_.positional.begin() + static_cast<ptrdiff_t>(p), args_.positional.end());
          bound[k] = {Value(std::move(rest)), static_cast<int>(p)};
          p = positional;
        }
        continue;
      }
      bound[k] = {arg, static_cast<int>(p)};
      ++p;
    }
    for (size_t a = 0; a < args_.keywords.size(); ++a) {
      const auto& [keyword, value] = args_.keywords[a];
      const int index = static_cast<int>(positional + a);
      size_t slot = n_params;
      for (size_t j = 0; j < n_params; ++j) {
        if (param_name(j) == keyword) slot = j;
      }
      if (slot == n_params) signature_error(index, fmt::format("unexpected keyword argument '{}'", keyword));
      if (bound[slot].arg >= 0) signature_error(index, fmt::format("got multiple values for argument '{}'", keyword));
      bound[slot] = {value, index};
    }
    for (size_t j = 0; j < kind_.params.size(); ++j) {
      if (bound[j].arg >= 0) continue;
      if (kind_.params[j].role == InstParam::Role::VariadicInput && kind_.params[j].name.starts_with("*")) {
        bound[j] = {Value(std::vector<Value>{}), -1};  // Python's *args may be empty
        continue;
      }
      if (!kind_.params[j].default_value)
        signature_error(-1, fmt::format("missing the required argument '{}'", bare(kind_.params[j].name)));
      bound[j] = {*kind_.params[j].default_value, -1};
    }
    return bound;
  }

  /// A string in place of a block: applies get_block(name), recorded as GetBlock.
  Value block_from_name(const Value& v, int arg) {
    if (v.is<std::string>()) {
      try {
        return InstructionRegistry::global().at("GetBlock").apply(sch_, {}, {v, Value("")}, Value()).at(0);
      } catch (const ScheduleError& e) {
        throw BlockNameError(e, v.as<std::string>(), kind_.python_name, arg);
      }
    }
    if (v.is<std::vector<Value>>()) {
      std::vector<Value> out;
      for (const Value& x : v.as<std::vector<Value>>()) out.push_back(block_from_name(x, arg));
      return Value(std::move(out));
    }
    return v;
  }

  void check_kind_of(const InstParam& param, const Value& v, int arg) const {
    check_value_kind(param, kind_of(param), v, arg);
  }

  void check_value_kind(const InstParam& param, ParamKind expect, const Value& v, int arg) const {
    if (expect == ParamKind::Any || v.is_none()) return;
    if (param.role == InstParam::Role::VariadicInput || expect == ParamKind::BlockList) {
      if (!v.is<std::vector<Value>>()) {
        if (param.role == InstParam::Role::VariadicInput) return;  // bind_and_apply says "must be a list"
        fail(arg, fmt::format("argument '{}' must be a list of blocks (block variables or block name strings), got {}",
                              bare(param.name), describe_(v)));
      }
      const ParamKind element = expect == ParamKind::BlockList ? ParamKind::Block : expect;
      for (const Value& x : v.as<std::vector<Value>>()) check_element(param, element, x, arg);
      return;
    }
    check_element(param, expect, v, arg);
  }

  void check_element(const InstParam& param, ParamKind expect, const Value& v, int arg) const {
    bool ok = ((expect == ParamKind::Block || expect == ParamKind::BlockOrLoop) && v.is<BlockRV>()) ||
              ((expect == ParamKind::Loop || expect == ParamKind::BlockOrLoop) && v.is<LoopRV>());
    if (ok) return;
    const char* wanted = expect == ParamKind::Block  ? "a block (a block variable or a block name string)"
                         : expect == ParamKind::Loop ? "a loop"
                                                     : "a block or a loop";
    fail(arg, fmt::format("argument '{}' must be {}, got {}", bare(param.name), wanted, describe_(v)));
  }

  Schedule& sch_;
  const InstructionKind& kind_;
  const CallArgs& args_;
  ValueDescriber describe_;
};

const InstructionKind& find_kind(std::string_view python_name) {
  const InstructionRegistry& registry = InstructionRegistry::global();
  if (const InstructionKind* kind = registry.find_python(std::string(python_name))) return *kind;
  std::vector<std::string> names;
  for (const std::string& name : registry.names()) names.push_back(registry.at(name).python_name);
  std::sort(names.begin(), names.end());
  std::string hint;
  size_t best = 3;
  for (const std::string& n : names) {
    size_t d = edit_distance(std::string(python_name), n);
    if (d < best) {
      best = d;
      hint = fmt::format("; did you mean sch.{}?", n);
    }
  }
  if (hint.empty()) hint = fmt::format(" (the primitives are: {})", fmt::join(names, ", "));
  throw ArgumentError(fmt::format("sch.{} is not a schedule primitive{}", python_name, hint), -1, "UnknownPrimitive");
}

}  // namespace

Value call_primitive(Schedule& sch, std::string_view python_name, const CallArgs& args,
                     const ValueDescriber& describe) {
  const InstructionKind& kind = find_kind(python_name);
  return Binder(sch, kind, args, describe ? describe : ValueDescriber(default_describe)).call();
}

}  // namespace loom::sched
