// A tuning database held in memory, for tests, for runs that keep nothing ("memory") and for
// JSON lines databases ("json"): given a file, it loads the file's workloads and records
// when it exists and appends every committed workload and batch to it (json_lines.h
// documents the format), flushed and synced per batch.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "loom/db/database.h"

namespace loom::db {

class MemoryDatabase : public Database {
 public:
  /// An empty database that keeps nothing on disk.
  MemoryDatabase() = default;
  /// A database mirrored to the JSON lines file `path`: loaded when it exists (a last line
  /// cut short by a crash, without its newline, is dropped with a warning), created when
  /// not. Throws DatabaseError naming the file (and the line) when it cannot be read,
  /// written or parsed.
  explicit MemoryDatabase(const std::string& path);

  /// The mirror file; empty when there is none.
  const std::string& path() const { return path_; }

  Workload commit_workload(const ir::PrimFunc& func) override;
  std::optional<Workload> find_workload(const ir::PrimFunc& func) const override;
  std::vector<Workload> workloads() const override;
  void commit_records(const std::vector<TuningRecord>& batch) override;
  std::vector<TuningRecord> get_top_k(const Workload& workload, size_t k) const override;
  std::vector<TuningRecord> get_all(const Workload& workload) const override;
  bool has_candidate(const Workload& workload, uint64_t candidate_hash) const override;
  int64_t size() const override;

 private:
  std::optional<Workload> find_locked(const ir::PrimFunc& func, uint64_t hash) const;
  /// Appends `text` to the mirror file, then fsyncs it.
  void append_to_file(const std::string& text) const;

  std::string path_;
  std::vector<Workload> workloads_;
  /// Records per workload id, in commit order.
  std::map<int64_t, std::vector<TuningRecord>> records_;
  mutable std::mutex mutex_;
};

}  // namespace loom::db
