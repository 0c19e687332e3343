// Encoding of workloads and records shared by the db module's stores.
#include "codec.h"

#include <charconv>
#include <chrono>

#include "fmt/format.h"
#include "loom/ir/structural_equal.h"
#include "loom/sched/schedule.h"
#include "loom/script/script.h"

namespace loom::db::detail {

std::string hex_hash(uint64_t hash) { return fmt::format("{:016x}", hash); }

uint64_t parse_hex_hash(std::string_view text, std::string_view where) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (text.empty() || text.size() > 16 || ec != std::errc() || end != text.data() + text.size())
    throw DatabaseError(fmt::format("{}: '{}' is not a hash (1 to 16 hex digits)", where, text));
  return value;
}

Workload workload_of(const ir::PrimFunc& func, int64_t id) {
  Workload w;
  w.id = id;
  w.hash = ir::structural_hash(func);
  w.script = script::print(func);
  // Keep the function the script reads back to, so a workload read from a database and one
  // just committed are the same object graph shape; the printer and parser round-trip.
  w.func = script::parse_func(w.script, "<workload>");
  LOOM_ICHECK(ir::structural_equal(w.func, func), "a workload's TVMScript does not parse back to the same function");
  return w;
}

Workload workload_from_script(int64_t id, std::optional<uint64_t> hash, const std::string& script,
                              std::string_view where) {
  Workload w;
  w.id = id;
  w.script = script;
  try {
    w.func = script::parse_func(script, "script");
  } catch (const script::ParseError& e) {
    throw DatabaseError(fmt::format("{}: the script of workload {} does not parse: {}", where, id, e.what()));
  }
  w.hash = ir::structural_hash(w.func);
  if (hash && w.hash != *hash)
    throw DatabaseError(fmt::format(
        "{}: workload {} has hash {} but its script hashes to {} (the script was edited, or written by another "
        "version of loom)",
        where, id, hex_hash(*hash), hex_hash(w.hash)));
  return w;
}

uint64_t candidate_hash(const ir::PrimFunc& func, const sched::Trace& trace, std::string_view where) {
  sched::Schedule sch(func);
  try {
    trace.apply_to(sch);
  } catch (const UserError& e) {
    throw DatabaseError(fmt::format("{}: the trace does not replay on its workload: {}", where, e.what()));
  }
  return ir::structural_hash(sch.mod().at(sch.default_func()));
}

namespace {

/// `json` (a value as Trace::to_json wrote `value`) with the bools of `value` as JSON booleans.
void restore_bools(const sched::Value& value, nlohmann::json& json) {
  if (value.is<bool>()) {
    json = value.as<bool>();
  } else if (value.is<std::vector<sched::Value>>() && json.is_array()) {
    const auto& list = value.as<std::vector<sched::Value>>();
    for (size_t i = 0; i < list.size() && i < json.size(); ++i) restore_bools(list[i], json[i]);
  }
}

}  // namespace

nlohmann::json trace_to_json(const sched::Trace& trace) {
  nlohmann::json json = trace.to_json();
  const std::vector<sched::Instruction>& insts = trace.instructions();
  for (size_t i = 0; i < insts.size(); ++i) {
    nlohmann::json& inst = json[0][i];
    for (size_t k = 0; k < insts[i].inputs.size(); ++k) restore_bools(insts[i].inputs[k], inst[1][k]);
    for (size_t k = 0; k < insts[i].attrs.size(); ++k) restore_bools(insts[i].attrs[k], inst[2][k]);
  }
  // Decisions are [inst_index, decision] in instruction order, as to_json writes them.
  size_t d = 0;
  for (const auto& [index, decision] : trace.decisions()) restore_bools(decision, json[1][d++][1]);
  return json;
}

sched::Trace trace_from_json(const nlohmann::json& json, std::string_view where) {
  try {
    return sched::Trace::from_json(json);
  } catch (const UserError& e) {
    throw DatabaseError(fmt::format("{}: the trace does not read: {}", where, e.what()));
  } catch (const nlohmann::json::exception& e) {
    throw DatabaseError(fmt::format("{}: the trace does not read: {}", where, e.what()));
  }
}

nlohmann::json info_of(const MeasureResult& result) {
  if (result.build_secs == 0 && result.measure_secs == 0 && result.error_kind.empty() && result.number == 0)
    return nullptr;
  return {{"build_secs", result.build_secs},
          {"measure_secs", result.measure_secs},
          {"error_kind", result.error_kind},
          {"number", result.number}};
}

void read_info(const nlohmann::json& info, MeasureResult& result, std::string_view where) {
  if (info.is_null()) return;
  if (!info.is_object()) throw DatabaseError(fmt::format("{}: 'info' must be an object, got {}", where, info.dump()));
  for (const auto& [key, value] : info.items()) {
    auto mistyped = [&](const char* expected) {
      return DatabaseError(fmt::format("{}: 'info' key '{}' must be {}, got {}", where, key, expected, value.dump()));
    };
    if (key == "build_secs" || key == "measure_secs") {
      if (!value.is_number() || value.get<double>() < 0) throw mistyped("a number of seconds >= 0");
      (key == "build_secs" ? result.build_secs : result.measure_secs) = value.get<double>();
    } else if (key == "error_kind") {
      if (!value.is_string()) throw mistyped("a string");
      result.error_kind = value.get<std::string>();
    } else if (key == "number") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0) throw mistyped("an integer >= 0");
      result.number = value.get<int64_t>();
    } else {
      throw DatabaseError(fmt::format(
          "{}: unknown 'info' key '{}' (expected build_secs, measure_secs, error_kind, number)", where, key));
    }
  }
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace loom::db::detail
