// The tuning loop (DESIGN.md "Tuning"): several tasks (workloads), a task scheduler that
// allots rounds of trials among them, and per round: the search proposes a batch, the
// runner builds and measures it, the database records it, the cost model learns from it.
//
// Pipelining: while the runner measures round r, the search of round r + 1 runs (on
// oneTBB's threads: sampling, mutation, postprocessing, feature extraction in parallel);
// the round r + 1 batch is therefore ranked by the cost model as it was before round r's
// results. The task of round r + 1 is chosen before round r's results are known too.
//
// Budget: the trial count is the run's total, and the records the database already holds
// for the run's tasks and target count toward it, so a run killed and started again
// measures only what is left (Budget::Total); Budget::More asks for that many beyond what is
// there.
//
// Determinism: with the same seed and config, the candidates proposed do not depend on the
// thread count. They do depend on measured times wherever the search uses them (the cost
// model, the best records seeding the evolutionary population, the gradient task
// scheduler), and measured times vary from run to run.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loom/db/database.h"
#include "loom/tune/search.h"
#include "loom/tune/space.h"

namespace loom::tune {

/// Builds and measures `candidates` (checking them against `reference` when the runner is
/// configured to), one result per candidate in order.
using MeasureFn = std::function<std::vector<db::MeasureResult>(const std::vector<ir::PrimFunc>& candidates,
                                                               const ir::PrimFunc& reference)>;

struct TuneTask {
  std::string name;
  ir::PrimFunc func;
  std::shared_ptr<const SpaceGenerator> generator;
  /// Counts this task's share of the objective (a network's operator run several times).
  double weight = 1;
};

/// How the trials are allotted among the tasks, round by round.
enum class TaskScheduler {
  /// Ansor's: every task gets a round first, then the task whose weighted latency is
  /// expected to drop fastest.
  Gradient,
  /// The tasks in turn.
  RoundRobin,
};

/// What TunerOptions::trials counts.
enum class Budget {
  /// The run's total: records already in the database for the tasks on this target count.
  Total,
  /// Trials beyond the records already in the database.
  More,
};

struct TunerOptions {
  SearchOptions search;
  /// Measured candidates, as `budget` says.
  int64_t trials = 1000;
  Budget budget = Budget::Total;
  /// Candidates measured per round (TVM's num_trials_per_iter).
  int64_t trials_per_round = 64;
  /// A cap per task, counted like `trials`; 0 = the run's total.
  int64_t max_trials_per_task = 0;
  TaskScheduler task_scheduler = TaskScheduler::Gradient;
  /// The seed of every random choice.
  int64_t seed = 0;
  /// Worker threads of the search; 0 = all cores.
  int threads = 0;
  /// The target string recorded with each candidate; only records of this target count
  /// toward the budget.
  std::string target = "llvm";
};

/// One point of a tuning curve.
struct CurvePoint {
  int64_t trials = 0;  ///< records of the run's tasks so far, those found in the database included
  double best_gflops = 0;
};

struct TaskReport {
  std::string name;
  double flops = 0;
  /// Candidates measured by this run, and records of this task and target the database held
  /// before it.
  int64_t trials = 0;
  int64_t previous_trials = 0;
  /// Failed candidates among `trials`.
  int64_t failures = 0;
  /// The most frequent reasons of those failures (the error's first line), with their counts,
  /// most frequent first; at most three.
  std::vector<std::pair<std::string, int64_t>> top_failures;
  /// The best median time, among the previous records too; unset when no candidate
  /// succeeded.
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
  /// Candidates measured by this run.
  int64_t trials = 0;
  /// Records of the tasks on this target the database held before the run.
  int64_t previous_trials = 0;
  /// The run's goal: previous_trials + trials when the budget was spent.
  int64_t goal_trials = 0;
  int64_t rounds = 0;
};

/// The state after each round, for a progress line.
struct Progress {
  int64_t round = 0;
  /// Records so far (previous ones included) and the goal, as TuneReport counts them.
  int64_t trials = 0;
  int64_t total_trials = 0;
  /// Candidates measured by this run so far.
  int64_t measured = 0;
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
  /// Throws UserError when there are no tasks, no database or no runner.
  Tuner(std::vector<TuneTask> tasks, TunerComponents components, TunerOptions options);
  ~Tuner();

  /// Called after every round.
  void on_progress(std::function<void(const Progress&)> callback) { progress_ = std::move(callback); }

  /// Runs until the budget is spent or no task can propose anything new. Records already in
  /// the database for a task seed the search, count toward the budget (for this target) and
  /// are never measured again (resuming a run). Throws UserError for an unknown search
  /// strategy; the components' errors propagate.
  TuneReport run();

 private:
  struct TaskState;
  /// A batch proposed for a task, and the search's time for it.
  struct Proposal {
    size_t task = 0;
    std::vector<Candidate> candidates;
    double search_s = 0;
  };

  // The phases of run(), in order.
  void set_up();
  int64_t task_cap(const TaskState& state) const;
  size_t pick_task(int64_t round) const;
  int64_t batch_size(size_t task, int64_t in_flight_total, int64_t in_flight_task) const;
  Proposal propose(size_t task, int64_t n);
  Proposal propose_next_round();
  std::future<Proposal> start_pipelined_search(const Proposal& current, size_t& next_task);
  std::vector<db::MeasureResult> measure(const Proposal& proposal);
  std::vector<double> record(Proposal& proposal, const std::vector<db::MeasureResult>& results);
  void learn(Proposal& proposal, const std::vector<double>& throughputs);
  void advance_curves(const Proposal& proposal);
  void report_progress(const Proposal& proposal) const;
  TuneReport final_report();

  int64_t trials_so_far() const { return previous_ + measured_; }

  std::vector<TuneTask> tasks_;
  TunerComponents components_;
  TunerOptions options_;
  std::function<void(const Progress&)> progress_;

  // The state of one run().
  std::vector<std::unique_ptr<TaskState>> states_;
  TuneReport report_;
  int64_t previous_ = 0;  // records found at set-up
  int64_t goal_ = 0;      // the total to reach
  int64_t measured_ = 0;  // candidates measured by this run
  int64_t round_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace loom::tune
