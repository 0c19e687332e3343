// The tuning loop (DESIGN.md "Tuning"): several tasks (workloads), a task scheduler that
// allots rounds of trials among them, and per round: the search proposes a batch, the
// runner builds and measures it, the database records it, the cost model learns from it.
//
// Pipelining: while the runner measures round r, the search of round r + 1 runs (on
// oneTBB's threads: sampling, mutation, postprocessing, feature extraction in parallel);
// the round r + 1 batch is therefore ranked by the cost model as it was before round r's
// results. The task of round r + 1 is chosen before round r's results are known too.
//
// Determinism: with the same seed and config, the candidates proposed do not depend on the
// thread count. They do depend on measured times wherever the search uses them (the cost
// model, the best records seeding the evolutionary population, the gradient task
// scheduler), and measured times vary from run to run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loom/config/run_config.h"
#include "loom/db/database.h"
#include "loom/tune/search.h"
#include "loom/tune/space.h"

namespace loom::tune {

/// What the runner reports for one candidate.
struct MeasureOutcome {
  bool ok = false;
  std::vector<double> times_s;
  std::string error;
  double build_s = 0;
  double run_s = 0;
  double median_s() const;
};

/// Builds and measures `candidates` (checking them against `reference` when the runner is
/// configured to), one outcome per candidate in order.
using MeasureFn = std::function<std::vector<MeasureOutcome>(const std::vector<ir::PrimFunc>& candidates,
                                                            const ir::PrimFunc& reference)>;

struct TuneTask {
  std::string name;
  ir::PrimFunc func;
  std::shared_ptr<const SpaceGenerator> generator;
  /// Counts this task's share of the objective (a network's operator run several times).
  double weight = 1;
};

struct TunerOptions {
  config::SearchConfig search;
  config::TuneConfig tune;
  /// The target string recorded with each candidate.
  std::string target = "llvm";
};

/// One point of a tuning curve.
struct CurvePoint {
  int64_t trials = 0;  ///< measured candidates of the whole run so far
  double best_gflops = 0;
};

struct TaskReport {
  std::string name;
  double flops = 0;
  int64_t trials = 0;
  int64_t failures = 0;
  /// Unset when no candidate succeeded.
  std::optional<double> best_s;
  std::optional<sched::Trace> best_trace;
  std::vector<CurvePoint> curve;  ///< this task's best after each of its rounds
  SearchStats search;
};

/// Where the time went, in seconds of wall time.
struct PhaseTimes {
  double search = 0;   ///< proposing batches (in parallel with measure when pipelined)
  double measure = 0;  ///< the runner's calls (build + run)
  double build = 0;    ///< of which building, as the runner reports it
  double run = 0;      ///< of which running, as the runner reports it
  double update = 0;   ///< database commits and cost model updates
  double total = 0;
};

struct TuneReport {
  std::vector<TaskReport> tasks;
  std::vector<CurvePoint> curve;  ///< the sum over tasks of weight x best time, as GFLOP/s of the total
  PhaseTimes times;
  int64_t trials = 0;
  int64_t rounds = 0;
};

/// The state after each round, for a progress line.
struct Progress {
  int64_t round = 0;
  int64_t trials = 0;
  int64_t total_trials = 0;
  std::string task;
  double task_best_gflops = 0;
  int64_t failures = 0;
  double elapsed_s = 0;
};

/// Components shared by every task.
struct TunerComponents {
  std::vector<Postproc> postprocs;
  std::vector<Mutator> mutators;
  /// May be null (the search ranks at random; nothing learns).
  std::shared_ptr<CostModel> cost_model;
  MeasureFn measure;
  /// Where records go; required.
  db::Database* database = nullptr;
};

class Tuner {
 public:
  Tuner(std::vector<TuneTask> tasks, TunerComponents components, TunerOptions options);
  ~Tuner();

  /// Called after every round.
  void on_progress(std::function<void(const Progress&)> callback) { progress_ = std::move(callback); }

  /// Runs until the trial budget is spent or no task can propose anything new. Records
  /// already in the database for a task count toward nothing but seed the search and are
  /// never measured again (resuming a run).
  TuneReport run();

 private:
  struct TaskState;
  size_t pick_task(int64_t round) const;

  std::vector<TuneTask> tasks_;
  TunerComponents components_;
  TunerOptions options_;
  std::vector<std::unique_ptr<TaskState>> states_;
  std::function<void(const Progress&)> progress_;
};

}  // namespace loom::tune
