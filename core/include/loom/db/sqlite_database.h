// The default tuning database: one SQLite file, per run or shared by runs (DESIGN.md
// "Tuning").
//
// Layout (schema version 1, stored in `PRAGMA user_version`; the file is marked as loom's by
// `PRAGMA application_id` = 0x4C4F4F4D, "LOOM"):
//   workloads(id, hash, script)                  one row per workload
//   records(id, workload_id, candidate_hash, target, trace, run_secs, median_secs, error,
//           info, args_info, timestamp_ms)       one row per measured candidate
// `trace`, `run_secs`, `info` (the rest of the measurement, as in JSON lines) and `args_info`
// are JSON text; `median_secs` is NULL for a failed record, and (workload_id, median_secs)
// and (workload_id, candidate_hash) are indexed, so top-k and dedup queries do not scan.
//
// Durability: the file is in WAL mode with synchronous=FULL and every commit_records() batch
// is one transaction, so killing the process at any moment loses at most the batch being
// written and leaves the file readable; reopening it resumes with every committed record.
// Several processes may share one file (writers wait up to 10 seconds for each other).
#pragma once

#include <mutex>
#include <string>

#include "loom/db/database.h"

struct sqlite3;

namespace loom::db {

class SqliteDatabase : public Database {
 public:
  enum class Mode {
    /// Open the file, creating it (and the schema) when missing.
    Create,
    /// Open an existing file for reading and writing.
    ReadWrite,
    /// Open an existing file for reading only: every commit throws DatabaseError.
    ReadOnly,
  };

  /// Opens the database at `path`.
  /// Throws DatabaseError naming the path: 1) the file is missing (ReadWrite, ReadOnly) or
  /// cannot be created (its folder is missing or not writable); 2) it is not an SQLite file,
  /// or an SQLite file that is not a loom database; 3) its schema version is newer than this
  /// loom reads; 4) it is read-only and `mode` is not ReadOnly.
  explicit SqliteDatabase(const std::string& path, Mode mode = Mode::Create);
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  const std::string& path() const { return path_; }

  /// The schema version this loom writes and reads.
  static constexpr int kSchemaVersion = 1;
  /// PRAGMA application_id of a loom database ("LOOM").
  static constexpr int kApplicationId = 0x4C4F4F4D;

  /// The result of PRAGMA integrity_check: "ok" for a sound file, else SQLite's findings.
  std::string integrity_check() const;

  Workload commit_workload(const ir::PrimFunc& func) override;
  std::optional<Workload> find_workload(const ir::PrimFunc& func) const override;
  std::vector<Workload> workloads() const override;
  void commit_records(const std::vector<TuningRecord>& batch) override;
  std::vector<TuningRecord> get_top_k(const Workload& workload, size_t k) const override;
  std::vector<TuningRecord> get_all(const Workload& workload) const override;
  bool has_candidate(const Workload& workload, uint64_t candidate_hash) const override;
  int64_t size() const override;
  std::vector<WorkloadSummary> summaries() const override;

 private:
  std::optional<Workload> find_workload_locked(const ir::PrimFunc& func, uint64_t hash) const;
  std::vector<TuningRecord> query_records(const std::string& sql, int64_t workload_id, int64_t limit) const;

  std::string path_;
  Mode mode_;
  sqlite3* db_ = nullptr;
  mutable std::mutex mutex_;
};

}  // namespace loom::db
