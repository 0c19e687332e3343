// Import and export of tuning databases as JSON lines: one JSON object per line, in this
// order:
//   {"type":"loom.db","version":1}                                  the header (first line)
//   {"type":"workload","id":1,"hash":"00ab...","script":"# from tvm.script ..."}
//   {"type":"record","workload":1,"candidate_hash":"9f3c...","target":"llvm",
//    "trace":[[...],[...]],"run_secs":[1.2e-4,1.1e-4],"error":"","timestamp_ms":1764000000000,
//    "info":{"build_secs":0.4,"measure_secs":0.1,"error_kind":"","number":8},"args_info":{...}}
// Hashes are 16 lowercase hex digits. On import both are optional: a missing workload hash
// is computed from the script (a given one is checked against it), and a missing
// candidate_hash is the hash of the workload scheduled by the trace, so a file can be
// written by hand or by another tool. A workload's `id` is local to the file: records name
// their workload by it, and a workload line comes before its records. `trace` is the
// trace's JSON (TVM's shape, sched::Trace::to_json, with bool values as JSON booleans where
// TVM writes 0/1, so they read back as bools); `run_secs` is empty and `error` says why for a
// failed candidate; `info` holds the rest of the measurement (db::MeasureResult:
// build and measure seconds, the error kind, calls per sample) and is written only when one of
// them is set; `args_info` is any JSON value. Both are optional. Unknown keys are errors,
// so a misspelt key is never silently dropped.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>

#include "loom/db/database.h"

namespace loom::db {

/// Writes the header line and every workload and record of `db` to `out`.
void export_json_lines(const Database& db, std::ostream& out);

/// The lines of one workload and one batch of records, as appended to a JSON lines file
/// (no header). `local_id` is the id written for the workload.
std::string workload_line(const Workload& workload, int64_t local_id);
std::string record_line(const TuningRecord& record, int64_t local_workload_id);

/// What import_json_lines did.
struct ImportStats {
  int64_t workloads = 0;
  int64_t records = 0;
  /// Records skipped because `db` (or an earlier line) already held the same record, equal
  /// in every field: importing a file twice adds nothing the second time, while separate
  /// measurements of one candidate stay separate records.
  int64_t duplicates = 0;
  /// The database id of each workload, by its id in the file.
  std::map<int64_t, int64_t> workload_ids;
};

/// Reads JSON lines from `in` into `db`: each workload is committed (merging with an equal
/// workload already there) and the records are committed in one batch at the end, so a bad
/// line adds no record. `name` names the input in messages.
/// Throws DatabaseError "NAME:LINE: what is wrong" for a line that is not JSON, a missing
/// or mistyped key, an unknown key or type, a script that does not parse or whose structural
/// hash differs from the one written, a trace that does not read, a record naming a
/// workload not defined above it, or a header with a newer version.
ImportStats import_json_lines(Database& db, std::istream& in, std::string_view name);

}  // namespace loom::db
