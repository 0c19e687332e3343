// Internal: rendering and converting instruction values (Python literals, JSON, typed
// accessors used by the apply functions of instruction kinds).
#pragma once

#include <string>

#include "loom/sched/value.h"
#include "nlohmann/json.hpp"

namespace loom::sched::detail {

/// A literal as Python writes it: None, True, 3, 0.5, "s", [1, 2]. Random variables render
/// as "<rv>" (their names are the trace printer's business).
std::string python_literal(const Value& v);

/// Typed views of a value, throwing UserError naming `what` on a type mismatch. as_bool
/// accepts 0/1 integers (TVM writes bool attributes as integers).
bool as_bool(const Value& v, const char* what);
int64_t as_int(const Value& v, const char* what);
double as_float(const Value& v, const char* what);
const std::string& as_string(const Value& v, const char* what);
std::vector<int64_t> as_int_list(const Value& v, const char* what);
std::vector<double> as_float_list(const Value& v, const char* what);

/// The random variable in `v`, throwing UserError naming `what` when it is something else.
BlockRV as_block(const Value& v, const char* what);
LoopRV as_loop(const Value& v, const char* what);
ExprRV as_expr(const Value& v, const char* what);

/// A list of integers as a Value.
Value int_list(const std::vector<int64_t>& xs);

}  // namespace loom::sched::detail
