// The tuning database: the workloads of a tuning run and the record of every measured
// candidate (DESIGN.md "Tuning"). A workload is a PrimFunc keyed by its structural hash,
// with structural equality on the parsed function deciding between colliding hashes; a
// record is a candidate's trace with its target, run times (or its error) and the
// candidate's own structural hash, so a search never measures the same candidate twice.
//
// `Database` is the interface the tuning loop talks to; SqliteDatabase (sqlite_database.h)
// is the default and survives a kill at any moment, MemoryDatabase (memory_database.h)
// keeps everything in memory, optionally mirrored to a JSON lines file (json_lines.h
// documents the format). open_database() picks one by kind and path (the run config's
// [database], converted by the caller: this module reads no configs).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loom/ir/error.h"
#include "loom/ir/function.h"
#include "loom/sched/trace.h"
#include "nlohmann/json.hpp"

namespace loom::db {

/// A database that cannot be opened, read or written: not a loom database, a newer schema,
/// a read-only or missing path, a corrupt JSON line. The message names the file (and the
/// line for JSON lines) and what is wrong.
class DatabaseError : public UserError {
 public:
  explicit DatabaseError(const std::string& message) : UserError(message) {}
};

/// A tuning task: one function. `id` is the database's own (1, 2, ... in commit order);
/// equal functions (structural_equal, names ignored) share one workload.
struct Workload {
  int64_t id = 0;
  /// ir::structural_hash(func).
  uint64_t hash = 0;
  /// The function as TVMScript (script::print), as stored.
  std::string script;
  /// The function parsed back from `script`.
  ir::PrimFunc func;
};

/// What a runner reports for one candidate: the one measurement type of the core. The C ABI's
/// loom_measure_result becomes this at the plugin host (host::ComponentInstance::measure),
/// the tuner records it as it came, and every store keeps each field.
struct MeasureResult {
  /// Seconds per call, one entry per sample, in the order measured; empty for a failure.
  std::vector<double> run_secs;
  /// Why the candidate failed ("build failed: ...", "crashed: SIGSEGV ...", "timed out after
  /// 10 s", "wrong result: ..."); empty when it succeeded.
  std::string error;
  /// The failure's class: "build", "check" (the reference cannot be used), "crash",
  /// "timeout", "wrong_result", "run"; empty when it succeeded.
  std::string error_kind;
  /// Wall seconds the runner spent building the candidate, and running its samples.
  double build_secs = 0;
  double measure_secs = 0;
  /// Calls per sample; 0 when not timed.
  int64_t number = 0;

  /// A successful measurement: no error and at least one run time.
  bool ok() const { return error.empty() && !run_secs.empty(); }
  /// The median of run_secs (the mean of the middle two for an even count); requires ok()
  /// (InternalError otherwise).
  double median_secs() const;
  bool operator==(const MeasureResult&) const = default;
};

/// One measured (or failed) candidate of a workload: what was measured, where, and its
/// measurement.
struct TuningRecord {
  /// The workload's id in the database the record belongs to.
  int64_t workload_id = 0;
  /// The candidate's schedule, replayable onto the workload's function.
  sched::Trace trace;
  /// The target string the candidate was built for (e.g. "llvm -mcpu=znver3").
  std::string target;
  /// The measurement as the runner reported it.
  MeasureResult result;
  /// ir::structural_hash of the scheduled function: the key of has_candidate().
  uint64_t candidate_hash = 0;
  /// When the record was made, in milliseconds since the Unix epoch (0: set at commit).
  int64_t timestamp_ms = 0;
  /// Optional description of the arguments the candidate was run with; null when absent.
  nlohmann::json args_info;

  bool ok() const { return result.ok(); }
  double median_secs() const { return result.median_secs(); }
};

/// What a database holds about one workload, for listings.
struct WorkloadSummary {
  Workload workload;
  /// Every record, failed ones included.
  int64_t records = 0;
  int64_t failed = 0;
  /// The best median run time among successful records; nullopt when there is none.
  std::optional<double> best_secs;
};

/// The interface of every database. Methods are safe to call from several threads.
class Database {
 public:
  virtual ~Database() = default;

  /// The workload of `func`, added when no structurally equal function is present
  /// (idempotent: committing an equal function again returns the same workload).
  virtual Workload commit_workload(const ir::PrimFunc& func) = 0;
  /// The workload of `func` if present, without adding it.
  virtual std::optional<Workload> find_workload(const ir::PrimFunc& func) const = 0;
  /// Every workload, in id order.
  virtual std::vector<Workload> workloads() const = 0;

  /// Adds a batch of records in one transaction: after a crash either the whole batch is
  /// there or none of it. Requires every record's workload_id to name a workload of this
  /// database (DatabaseError otherwise, and nothing is added). A zero timestamp_ms is set
  /// to the current time.
  virtual void commit_records(const std::vector<TuningRecord>& batch) = 0;
  /// The k best successful records of `workload` by median run time (ascending; ties in
  /// commit order); failed records are never returned.
  virtual std::vector<TuningRecord> get_top_k(const Workload& workload, size_t k) const = 0;
  /// Every record of `workload`, failed ones included, in commit order.
  virtual std::vector<TuningRecord> get_all(const Workload& workload) const = 0;
  /// Whether `workload` has a record (failed or not) of the candidate with this structural
  /// hash.
  virtual bool has_candidate(const Workload& workload, uint64_t candidate_hash) const = 0;
  /// The number of records of every workload.
  virtual int64_t size() const = 0;

  /// Every workload with its record count, failure count and best time, in id order.
  virtual std::vector<WorkloadSummary> summaries() const;
};

/// The database of a kind: "sqlite" opens (or creates) an SqliteDatabase at `path`, "json" a
/// MemoryDatabase mirrored to the JSON lines file `path` (created when missing, its records
/// loaded when present), "memory" a MemoryDatabase (`path` unused). Throws DatabaseError when
/// the file cannot be opened or is not a loom database, and UserError for an unknown kind.
std::unique_ptr<Database> open_database(const std::string& kind, const std::string& path);

}  // namespace loom::db
