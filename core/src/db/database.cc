// The parts of the tuning database every store shares: median run times, listings and
// opening the store a run config names.
#include "loom/db/database.h"

#include <algorithm>

#include "fmt/format.h"
#include "loom/db/memory_database.h"
#include "loom/db/sqlite_database.h"

namespace loom::db {

double TuningRecord::median_secs() const {
  LOOM_ICHECK(ok(), "median_secs of a failed record");
  std::vector<double> sorted = run_secs;
  std::sort(sorted.begin(), sorted.end());
  size_t n = sorted.size();
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

std::vector<WorkloadSummary> Database::summaries() const {
  std::vector<WorkloadSummary> out;
  for (Workload& w : workloads()) {
    WorkloadSummary s;
    for (const TuningRecord& r : get_all(w)) {
      ++s.records;
      if (!r.ok()) {
        ++s.failed;
        continue;
      }
      double t = r.median_secs();
      if (!s.best_secs || t < *s.best_secs) s.best_secs = t;
    }
    s.workload = std::move(w);
    out.push_back(std::move(s));
  }
  return out;
}

std::unique_ptr<Database> open_database(const config::DatabaseConfig& config) {
  if (config.kind == "sqlite") return std::make_unique<SqliteDatabase>(config.path, SqliteDatabase::Mode::Create);
  if (config.kind == "json") return std::make_unique<MemoryDatabase>(config.path);
  if (config.kind == "memory") return std::make_unique<MemoryDatabase>();
  throw UserError(
      fmt::format("[database] unknown kind '{}': expected \"sqlite\", \"json\" or \"memory\"", config.kind));
}

}  // namespace loom::db
