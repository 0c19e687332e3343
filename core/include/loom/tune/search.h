// Search strategies (DESIGN.md "Tuning"): given a task's design space, propose the next
// batch of candidates to measure. Three strategies, TVM MetaSchedule's:
// - replay-trace: each candidate is a design-space trace replayed with fresh decisions;
// - replay-func: each candidate re-runs the space generator with a fresh seed (for schedule
//   functions that branch in Python-like code, the space itself is random);
// - evolutionary: a population from the best measured records and fresh samples, mutated
//   over a few generations, ranked by the cost model, the batch picked ε-greedily.
// Every candidate is postprocessed (a candidate a postprocessor refuses is dropped and
// counted), and no candidate is proposed twice: a structural hash of the final function is
// checked against what this strategy proposed and against the database's records.
//
// Determinism: candidate i of a batch is drawn with a seed derived from (strategy seed,
// batch number, i), and parallel work (oneTBB) writes to fixed slots, so the same seed and
// inputs give the same batches on any number of threads.
//
// The components are plain C++ callables so the core does not depend on the plugin host;
// the tuning session (loom/session) wraps plugin components (host::ComponentInstance) into them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loom/db/database.h"
#include "loom/ir/function.h"
#include "loom/sched/random.h"
#include "loom/sched/schedule.h"
#include "loom/tune/space.h"

namespace loom::tune {

/// Finishes a candidate in place; false drops it.
struct Postproc {
  std::string name;
  std::function<bool(sched::Schedule& sch)> apply;
};

/// Proposes a mutated trace (without its postprocessing part), or nullopt.
struct Mutator {
  std::string name;
  double probability = 0;
  std::function<std::optional<sched::Trace>(const sched::Trace& trace, const ir::IRModule& original,
                                            sched::RandomEngine& rng)>
      apply;
};

/// Per-store feature rows of one candidate (loom/tune/features.h).
using FeatureRows = std::vector<std::vector<float>>;

/// Scores candidates for the search (higher is better) and learns from measurements.
class CostModel {
 public:
  virtual ~CostModel() = default;
  /// throughputs[c]: candidate c's measured throughput (higher is better, 0 when it failed).
  virtual void update(const std::vector<FeatureRows>& features, const std::vector<double>& throughputs) = 0;
  virtual std::vector<double> predict(const std::vector<FeatureRows>& features) = 0;
};

/// A candidate ready to build and measure.
struct Candidate {
  /// The schedule after postprocessing; its trace (with the EnterPostproc part) is what the
  /// database records.
  sched::Schedule sch;
  /// The scheduled function.
  ir::PrimFunc func;
  /// ir::structural_hash(func): the deduplication key.
  uint64_t hash = 0;
  /// Feature rows of the lowered function (filled when a cost model ranked the candidate).
  FeatureRows features;
};

/// Counters of a strategy's work, for progress and the report (throughput of the search).
struct SearchStats {
  int64_t sampled = 0;          ///< schedules drawn from the space (or by replaying records)
  int64_t replay_failed = 0;    ///< draws a primitive refused
  int64_t postproc_failed = 0;  ///< candidates a postprocessor dropped
  int64_t duplicates = 0;       ///< candidates already proposed or measured
  int64_t mutated = 0;          ///< mutations tried
  int64_t mutate_failed = 0;    ///< mutations that gave nothing valid
  int64_t scored = 0;           ///< candidates scored by the cost model
  double seconds = 0;           ///< wall time spent in next_batch
};

/// TVM MetaSchedule's EvolutionarySearch parameters, with its defaults.
struct EvolutionaryOptions {
  int64_t population_size = 512;
  double init_measured_ratio = 0.2;
  int64_t init_min_unmeasured = 50;
  int64_t max_fail_count = 5;
  int64_t genetic_num_iters = 4;
  double genetic_mutate_prob = 0.85;
  int64_t genetic_max_fail_count = 10;
  double eps_greedy = 0.05;
};

/// Which strategy proposes candidates, and its parameters.
struct SearchOptions {
  /// "evolutionary" (default), "replay-trace" or "replay-func".
  std::string strategy = "evolutionary";
  /// Used when strategy is "evolutionary".
  EvolutionaryOptions evolutionary;
};

/// Everything a strategy needs about its task.
struct TaskContext {
  ir::PrimFunc func;
  /// The generator of the design space (replay-func re-runs it).
  std::shared_ptr<const SpaceGenerator> generator;
  std::vector<Postproc> postprocs;
  std::vector<Mutator> mutators;
  /// May be null: the evolutionary search then ranks at random.
  CostModel* cost_model = nullptr;
  /// May be null: no deduplication against, or seeding from, past records.
  db::Database* database = nullptr;
  db::Workload workload;
  int64_t seed = 0;
  /// Threads for parallel work; 0 = oneTBB's default.
  int threads = 0;
};

class SearchStrategy {
 public:
  virtual ~SearchStrategy() = default;
  /// Up to `n` new candidates (fewer when the space is exhausted or too many draws fail).
  virtual std::vector<Candidate> next_batch(size_t n) = 0;
  /// Tells the strategy a batch was measured (throughputs as for CostModel::update).
  virtual void notify_measured(const std::vector<Candidate>& batch, const std::vector<double>& throughputs) {}
  const SearchStats& stats() const { return stats_; }
  virtual std::string name() const = 0;

 protected:
  SearchStats stats_;
};

/// The strategy named by options.strategy ("replay-trace", "replay-func", "evolutionary").
/// Throws UserError for another name. The design space is generated on the first batch
/// (replay-trace, evolutionary) and must not be empty.
std::unique_ptr<SearchStrategy> make_search_strategy(const SearchOptions& options, TaskContext context);

/// Turns a schedule drawn from the space into a candidate: enter_postproc, every
/// postprocessor in order. nullopt when one refuses (or throws a schedule error).
std::optional<Candidate> finish_candidate(sched::Schedule sch, const std::vector<Postproc>& postprocs);

}  // namespace loom::tune
