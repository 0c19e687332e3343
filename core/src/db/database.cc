// The parts of the tuning database every store shares: median run times, listings and
// opening a store by kind.
#include "loom/db/database.h"

#include <algorithm>

#include "fmt/format.h"
#include "loom/db/memory_database.h"
#include "loom/db/sqlite_database.h"

namespace loom::db {

double MeasureResult::median_secs() const {
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

std::unique_ptr<Database> open_database(const std::string& kind, const std::string& path) {
  if (kind == "sqlite") return std::make_unique<SqliteDatabase>(path, SqliteDatabase::Mode::Create);
  if (kind == "json") return std::make_unique<MemoryDatabase>(path);
  if (kind == "memory") return std::make_unique<MemoryDatabase>();
  throw UserError(fmt::format("unknown database kind '{}': expected \"sqlite\", \"json\" or \"memory\"", kind));
}

}  // namespace loom::db
