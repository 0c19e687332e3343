// How the databases encode workloads and records: hashes as hex text, workloads built from a
// function or read back from their script, record fields to and from JSON. Private to the db
// module; shared by the SQLite store, the in-memory store and JSON lines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "loom/db/database.h"

namespace loom::db::detail {

/// 16 lowercase hex digits.
std::string hex_hash(uint64_t hash);
/// Reads hex_hash's form; throws DatabaseError "WHERE: ..." when it is not 1-16 hex digits.
uint64_t parse_hex_hash(std::string_view text, std::string_view where);

/// A workload with id `id` for `func`: its script printed, parsed back and hashed.
Workload workload_of(const ir::PrimFunc& func, int64_t id);
/// A workload read back from its stored script. Throws DatabaseError "WHERE: ..." when the
/// script does not parse or its structural hash is not `hash` (when given).
Workload workload_from_script(int64_t id, std::optional<uint64_t> hash, const std::string& script,
                              std::string_view where);

/// The structural hash of `func` scheduled by `trace`; DatabaseError "WHERE: ..." when the
/// trace does not replay on it.
uint64_t candidate_hash(const ir::PrimFunc& func, const sched::Trace& trace, std::string_view where);

/// The stored JSON of a trace: Trace::to_json with every bool literal (attribute, literal
/// input, decision) written as a JSON boolean, where to_json writes TVM's 0/1, so the trace
/// reads back with the same values (Trace::from_json reads JSON booleans as bools).
nlohmann::json trace_to_json(const sched::Trace& trace);

/// The trace read from its JSON text or value; DatabaseError "WHERE: ..." when it does not read.
sched::Trace trace_from_json(const nlohmann::json& json, std::string_view where);

/// The stored `info` object of a measurement: the fields of `result` besides run_secs and
/// error, {"build_secs", "measure_secs", "error_kind", "number"}; null when all four are
/// zero or empty (nothing to store).
nlohmann::json info_of(const MeasureResult& result);
/// Reads info_of's object back into `result` (a null `info` leaves the four fields at their
/// defaults). Throws DatabaseError "WHERE: ..." for a value that is not an object, an
/// unknown key or a mistyped value.
void read_info(const nlohmann::json& info, MeasureResult& result, std::string_view where);

/// Milliseconds since the Unix epoch, now.
int64_t now_ms();

}  // namespace loom::db::detail
