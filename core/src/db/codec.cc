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

sched::Trace trace_from_json(const nlohmann::json& json, std::string_view where) {
  try {
    return sched::Trace::from_json(json);
  } catch (const UserError& e) {
    throw DatabaseError(fmt::format("{}: the trace does not read: {}", where, e.what()));
  } catch (const nlohmann::json::exception& e) {
    throw DatabaseError(fmt::format("{}: the trace does not read: {}", where, e.what()));
  }
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace loom::db::detail
