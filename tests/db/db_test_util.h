// Fixtures of the tuning database tests: a small GMM workload, real candidate traces (a tiled
// GMM with chosen tile sizes) and temporary folders.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "loom/db/database.h"
#include "loom/ir/structural_equal.h"
#include "loom/sched/schedule.h"
#include "loom/workloads/zoo.h"

namespace loom::db::testing {

inline ir::PrimFunc small_gmm(int64_t m = 64) {
  return workloads::make_workload("gmm", {{"M", m}, {"N", 32}, {"K", 16}});
}

/// A candidate of small_gmm(extent): loop i split into (extent / inner, inner), recorded with a
/// sample_perfect_tile decision so the trace replays; its candidate_hash is the scheduled
/// function's structural hash.
inline TuningRecord candidate(const Workload& w, int64_t inner, std::vector<double> run_secs, std::string error = "",
                              int64_t extent = 64) {
  sched::Schedule sch(w.func, /*seed=*/1);
  sched::BlockRV c = sch.get_block("C");
  std::vector<sched::LoopRV> loops = sch.get_loops(c);
  std::vector<sched::ExprRV> f = sch.sample_perfect_tile(loops[0], 2, -1, std::vector<int64_t>{extent / inner, inner});
  sch.split(loops[0], std::vector<std::optional<sched::ExprRV>>{f[0], f[1]});
  TuningRecord r;
  r.workload_id = w.id;
  r.trace = sch.trace();
  r.target = "llvm -mcpu=generic";
  r.result.run_secs = std::move(run_secs);
  r.result.error = std::move(error);
  r.candidate_hash = ir::structural_hash(sch.mod().at(sch.default_func()));
  return r;
}

/// A fresh empty folder under the system temporary folder, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "loom_db_test_XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace loom::db::testing
