// Rendering and converting instruction values.
#include "value_format.h"

#include "fmt/format.h"
#include "loom/ir/error.h"
#include "loom/ir/printer.h"

namespace loom::sched::detail {

std::string python_literal(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is<bool>()) return v.as<bool>() ? "True" : "False";
  if (v.is<int64_t>()) return std::to_string(v.as<int64_t>());
  if (v.is<double>()) {
    std::string s = ir::float_literal(v.as<double>());
    if (!s.empty() && s[0] == '"') return "float(" + s + ")";
    return s;
  }
  if (v.is<std::string>()) {
    std::string out = "\"";
    for (char c : v.as<std::string>()) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  if (v.is<std::vector<Value>>()) {
    std::string out = "[";
    const auto& list = v.as<std::vector<Value>>();
    for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + python_literal(list[i]);
    return out + "]";
  }
  return "<rv>";
}

bool as_bool(const Value& v, const char* what) {
  if (v.is<bool>()) return v.as<bool>();
  if (v.is<int64_t>() && (v.as<int64_t>() == 0 || v.as<int64_t>() == 1)) return v.as<int64_t>() == 1;
  throw UserError(fmt::format("{} must be True or False, got {}", what, python_literal(v)));
}

int64_t as_int(const Value& v, const char* what) {
  if (v.is<int64_t>()) return v.as<int64_t>();
  if (v.is<bool>()) return v.as<bool>() ? 1 : 0;
  throw UserError(fmt::format("{} must be an integer, got {}", what, python_literal(v)));
}

double as_float(const Value& v, const char* what) {
  if (v.is<double>()) return v.as<double>();
  if (v.is<int64_t>()) return static_cast<double>(v.as<int64_t>());
  throw UserError(fmt::format("{} must be a number, got {}", what, python_literal(v)));
}

const std::string& as_string(const Value& v, const char* what) {
  if (v.is<std::string>()) return v.as<std::string>();
  throw UserError(fmt::format("{} must be a string, got {}", what, python_literal(v)));
}

std::vector<int64_t> as_int_list(const Value& v, const char* what) {
  if (!v.is<std::vector<Value>>())
    throw UserError(fmt::format("{} must be a list of integers, got {}", what, python_literal(v)));
  std::vector<int64_t> out;
  for (const Value& x : v.as<std::vector<Value>>()) out.push_back(as_int(x, what));
  return out;
}

std::vector<double> as_float_list(const Value& v, const char* what) {
  if (!v.is<std::vector<Value>>())
    throw UserError(fmt::format("{} must be a list of numbers, got {}", what, python_literal(v)));
  std::vector<double> out;
  for (const Value& x : v.as<std::vector<Value>>()) out.push_back(as_float(x, what));
  return out;
}

BlockRV as_block(const Value& v, const char* what) {
  if (v.is<BlockRV>()) return v.as<BlockRV>();
  throw UserError(fmt::format("{} must be a block random variable, got {}", what, python_literal(v)));
}

LoopRV as_loop(const Value& v, const char* what) {
  if (v.is<LoopRV>()) return v.as<LoopRV>();
  throw UserError(fmt::format("{} must be a loop random variable, got {}", what, python_literal(v)));
}

ExprRV as_expr(const Value& v, const char* what) {
  if (v.is<ExprRV>()) return v.as<ExprRV>();
  throw UserError(fmt::format("{} must be an integer random variable, got {}", what, python_literal(v)));
}

Value int_list(const std::vector<int64_t>& xs) {
  std::vector<Value> out;
  for (int64_t x : xs) out.emplace_back(x);
  return Value(std::move(out));
}

}  // namespace loom::sched::detail
