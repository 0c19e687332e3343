// The tuning loop: set-up, then rounds of propose / measure / record / learn / advance, then the
// report. Each phase is one method below, in the order run() calls them.
#include "loom/tune/tuner.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "loom/ir/error.h"
#include "loom/ir/flops.h"
#include "loom/tune/features.h"

namespace loom::tune {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

/// Distinct failure reasons a task keeps count of (a run whose candidates fail in many ways
/// keeps the first ones).
constexpr size_t kMaxFailureReasons = 64;

struct Tuner::TaskState {
  std::unique_ptr<SearchStrategy> strategy;
  db::Workload workload;
  double flops = 0;
  /// Records of this task and target found at set-up, and candidates measured since.
  int64_t previous = 0;
  int64_t trials = 0;
  int64_t failures = 0;
  /// Failures by the first line of their error (the first kMaxFailureReasons reasons seen).
  std::map<std::string, int64_t> failure_reasons;
  int64_t rounds = 0;
  bool exhausted = false;
  std::optional<double> best_s;
  std::optional<sched::Trace> best_trace;
  std::vector<double> best_history;  // best time after each round (infinity before a success)
  std::vector<CurvePoint> curve;

  int64_t total_trials() const { return previous + trials; }
  double gflops() const { return best_s && flops > 0 ? flops / *best_s * 1e-9 : 0; }
};

Tuner::Tuner(std::vector<TuneTask> tasks, TunerComponents components, TunerOptions options)
    : tasks_(std::move(tasks)), components_(std::move(components)), options_(std::move(options)) {
  if (tasks_.empty()) throw UserError("tune: no tasks");
  if (components_.database == nullptr) throw UserError("tune: no database");
  if (!components_.measure) throw UserError("tune: no runner");
}

Tuner::~Tuner() = default;

TuneReport Tuner::run() {
  set_up();
  Proposal current = propose_next_round();
  while (current.task < states_.size() && trials_so_far() < goal_) {
    if (current.candidates.empty()) {
      // The task's space has nothing new: it is done, and another task gets the round.
      states_[current.task]->exhausted = true;
      current = propose_next_round();
      continue;
    }
    size_t next_task = states_.size();
    std::future<Proposal> next = start_pipelined_search(current, next_task);
    std::vector<db::MeasureResult> results;
    try {
      results = measure(current);
    } catch (...) {
      if (next.valid()) next.wait();
      throw;
    }
    Proposal following;
    if (next.valid()) {
      following = next.get();
      report_.times.search += following.search_s;
    }
    std::vector<double> throughputs = record(current, results);
    learn(current, throughputs);
    advance_curves(current);
    report_progress(current);
    current = next_task < states_.size() ? std::move(following) : propose_next_round();
  }
  return final_report();
}

// Set-up: every task's workload committed, its records on this target counted, its best so
// far and its search strategy; the run's goal from the budget.
void Tuner::set_up() {
  start_ = Clock::now();
  report_ = TuneReport{};
  states_.clear();
  previous_ = 0;
  measured_ = 0;
  round_ = 0;
  for (const TuneTask& task : tasks_) {
    auto s = std::make_unique<TaskState>();
    s->workload = components_.database->commit_workload(task.func);
    s->flops = ir::estimate_flops(task.func);
    for (const db::TuningRecord& r : components_.database->get_all(s->workload)) {
      if (r.target == options_.target) ++s->previous;
    }
    for (const db::TuningRecord& r : components_.database->get_top_k(s->workload, 1)) {
      s->best_s = r.median_secs();
      s->best_trace = r.trace;
    }
    previous_ += s->previous;
    TaskContext ctx;
    ctx.func = task.func;
    ctx.generator = task.generator;
    ctx.postprocs = components_.postprocs;
    ctx.mutators = components_.mutators;
    ctx.cost_model = components_.cost_model.get();
    ctx.database = components_.database;
    ctx.workload = s->workload;
    ctx.seed = options_.seed + static_cast<int64_t>(states_.size()) * 1000003;
    ctx.threads = options_.threads;
    s->strategy = make_search_strategy(options_.search, std::move(ctx));
    states_.push_back(std::move(s));
  }
  goal_ = options_.budget == Budget::Total ? options_.trials : previous_ + options_.trials;
}

// The most records a task may reach: max_trials_per_task, counted as the budget is (the
// task's previous records included for Budget::Total, on top of them for Budget::More); the
// run's goal without a cap.
int64_t Tuner::task_cap(const TaskState& state) const {
  if (options_.max_trials_per_task <= 0) return goal_;
  return (options_.budget == Budget::More ? state.previous : 0) + options_.max_trials_per_task;
}

// The task of round `round`: one under its cap whose space is not exhausted, by the task
// scheduler; states_.size() when there is none.
size_t Tuner::pick_task(int64_t round) const {
  std::vector<size_t> eligible;
  for (size_t i = 0; i < states_.size(); ++i) {
    if (!states_[i]->exhausted && states_[i]->total_trials() < task_cap(*states_[i])) eligible.push_back(i);
  }
  if (eligible.empty()) return states_.size();
  if (options_.task_scheduler == TaskScheduler::RoundRobin) {
    return eligible[static_cast<size_t>(round) % eligible.size()];
  }
  // Gradient (Ansor's task scheduler): every task gets a round first; then the task whose
  // weighted latency is expected to drop fastest, from the recent improvement (backward)
  // and the average improvement per trial so far (forward).
  for (size_t i : eligible) {
    if (states_[i]->rounds == 0 || !states_[i]->best_s) return i;
  }
  constexpr double kAlpha = 0.2;
  constexpr size_t kWindow = 3;
  size_t best = eligible.front();
  double best_grad = std::numeric_limits<double>::infinity();
  for (size_t i : eligible) {
    const TaskState& s = *states_[i];
    const auto& h = s.best_history;
    double backward = 0;
    if (h.size() >= 2) {
      size_t w = std::min(kWindow, h.size() - 1);
      double before = h[h.size() - 1 - w];
      if (std::isfinite(before)) backward = (h.back() - before) / static_cast<double>(w);
    }
    double forward = -*s.best_s / static_cast<double>(std::max<int64_t>(1, s.total_trials()));
    double grad = tasks_[i].weight * (kAlpha * backward + (1 - kAlpha) * forward);
    if (grad < best_grad) {
      best_grad = grad;
      best = i;
    }
  }
  return best;
}

// How many candidates `task` may get in its next batch, with `in_flight_total` proposed but
// not yet measured (`in_flight_task` of them its own): what is left of the goal and of the
// task's cap, at most one round.
int64_t Tuner::batch_size(size_t task, int64_t in_flight_total, int64_t in_flight_task) const {
  const TaskState& state = *states_[task];
  int64_t left =
      std::min(goal_ - trials_so_far() - in_flight_total, task_cap(state) - state.total_trials() - in_flight_task);
  return std::max<int64_t>(0, std::min(left, std::max<int64_t>(1, options_.trials_per_round)));
}

Tuner::Proposal Tuner::propose(size_t task, int64_t n) {
  auto t0 = Clock::now();
  Proposal p;
  p.task = task;
  if (n > 0) p.candidates = states_[task]->strategy->next_batch(static_cast<size_t>(n));
  p.search_s = since(t0);
  return p;
}

// A batch for the task the scheduler picks now (no search in flight); task states_.size()
// when no task is left.
Tuner::Proposal Tuner::propose_next_round() {
  size_t task = pick_task(round_);
  if (task >= states_.size()) return Proposal{states_.size(), {}, 0};
  Proposal p = propose(task, batch_size(task, 0, 0));
  report_.times.search += p.search_s;
  return p;
}

// Pipelining: the next round's task is picked now, and its search runs while `current` is
// measured. `next_task` is set to it (states_.size() when nothing is searched: no task is
// left or no budget remains beyond the batch in flight).
std::future<Tuner::Proposal> Tuner::start_pipelined_search(const Proposal& current, size_t& next_task) {
  const int64_t in_flight = static_cast<int64_t>(current.candidates.size());
  next_task = pick_task(round_ + 1);
  if (next_task >= states_.size()) return {};
  int64_t n = batch_size(next_task, in_flight, next_task == current.task ? in_flight : 0);
  if (n == 0) {
    next_task = states_.size();
    return {};
  }
  return std::async(std::launch::async, [this, task = next_task, n] { return propose(task, n); });
}

std::vector<db::MeasureResult> Tuner::measure(const Proposal& proposal) {
  std::vector<ir::PrimFunc> funcs;
  for (const Candidate& c : proposal.candidates) funcs.push_back(c.func);
  auto t0 = Clock::now();
  std::vector<db::MeasureResult> results = components_.measure(funcs, tasks_[proposal.task].func);
  report_.times.measure += since(t0);
  if (results.size() != proposal.candidates.size())
    throw InternalError(
        fmt::format("the runner returned {} results for {} candidates", results.size(), proposal.candidates.size()));
  return results;
}

// Recording: one database record per candidate, its measurement as the runner reported it,
// committed in one batch; the task's best and failure count follow. Returns each
// candidate's throughput (FLOP/s, or 1/s for a workload without FLOPs; 0 for a failure).
std::vector<double> Tuner::record(Proposal& proposal, const std::vector<db::MeasureResult>& results) {
  auto t0 = Clock::now();
  TaskState& state = *states_[proposal.task];
  std::vector<db::TuningRecord> records;
  std::vector<double> throughputs;
  for (size_t i = 0; i < proposal.candidates.size(); ++i) {
    const Candidate& c = proposal.candidates[i];
    db::TuningRecord r;
    r.workload_id = state.workload.id;
    r.trace = c.sch.trace();
    r.target = options_.target;
    r.candidate_hash = c.hash;
    r.result = results[i];
    report_.times.build += r.result.build_secs;
    report_.times.run += r.result.measure_secs;
    if (r.result.ok()) {
      double median = r.result.median_secs();
      throughputs.push_back(state.flops > 0 ? state.flops / median : 1.0 / median);
      if (!state.best_s || median < *state.best_s) {
        state.best_s = median;
        state.best_trace = r.trace;
      }
    } else {
      // A failure always says why (the stores require it), even from a runner that did not.
      if (r.result.error.empty()) r.result.error = "the runner reported no run times";
      throughputs.push_back(0);
      ++state.failures;
      std::string reason = r.result.error.substr(0, r.result.error.find('\n'));
      if (state.failure_reasons.count(reason) || state.failure_reasons.size() < kMaxFailureReasons)
        ++state.failure_reasons[reason];
    }
    records.push_back(std::move(r));
  }
  components_.database->commit_records(records);
  report_.times.update += since(t0);
  return throughputs;
}

// Learning: the cost model is updated with the batch's features and throughputs, and the
// strategy is told what was measured.
void Tuner::learn(Proposal& proposal, const std::vector<double>& throughputs) {
  auto t0 = Clock::now();
  std::vector<Candidate>& batch = proposal.candidates;
  if (components_.cost_model) {
    tbb::parallel_for(size_t{0}, batch.size(), [&](size_t i) {
      if (batch[i].features.empty()) batch[i].features = featurize(batch[i].func);
    });
    std::vector<FeatureRows> features;
    for (const Candidate& c : batch) features.push_back(c.features);
    components_.cost_model->update(features, throughputs);
  }
  states_[proposal.task]->strategy->notify_measured(batch, throughputs);
  report_.times.update += since(t0);
}

// Advancing: the counters, the task's history of bests and both curves after this round.
void Tuner::advance_curves(const Proposal& proposal) {
  TaskState& state = *states_[proposal.task];
  const auto n = static_cast<int64_t>(proposal.candidates.size());
  measured_ += n;
  state.trials += n;
  ++state.rounds;
  ++round_;
  state.best_history.push_back(state.best_s ? *state.best_s : std::numeric_limits<double>::infinity());
  state.curve.push_back({trials_so_far(), state.gflops()});
  // The run's curve: total weighted FLOPs over total weighted best time, once every task has
  // a best.
  double time_sum = 0, flop_sum = 0;
  bool all = true;
  for (size_t t = 0; t < states_.size(); ++t) {
    if (!states_[t]->best_s) {
      all = false;
      break;
    }
    time_sum += tasks_[t].weight * *states_[t]->best_s;
    flop_sum += tasks_[t].weight * states_[t]->flops;
  }
  report_.curve.push_back({trials_so_far(), all && time_sum > 0 ? flop_sum / time_sum * 1e-9 : 0});
}

void Tuner::report_progress(const Proposal& proposal) const {
  if (!progress_) return;
  int64_t failures = 0;
  for (const auto& s : states_) failures += s->failures;
  Progress p;
  p.round = round_;
  p.trials = trials_so_far();
  p.total_trials = goal_;
  p.measured = measured_;
  p.task = tasks_[proposal.task].name;
  p.task_best_gflops = states_[proposal.task]->gflops();
  p.failures = failures;
  p.elapsed_s = since(start_);
  progress_(p);
}

TuneReport Tuner::final_report() {
  for (size_t t = 0; t < states_.size(); ++t) {
    const TaskState& s = *states_[t];
    TaskReport r;
    r.name = tasks_[t].name;
    r.flops = s.flops;
    r.trials = s.trials;
    r.previous_trials = s.previous;
    r.failures = s.failures;
    r.top_failures.assign(s.failure_reasons.begin(), s.failure_reasons.end());
    std::stable_sort(r.top_failures.begin(), r.top_failures.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (r.top_failures.size() > 3) r.top_failures.resize(3);
    r.best_s = s.best_s;
    r.best_trace = s.best_trace;
    r.curve = s.curve;
    r.search = s.strategy->stats();
    report_.tasks.push_back(std::move(r));
  }
  report_.trials = measured_;
  report_.previous_trials = previous_;
  report_.goal_trials = goal_;
  report_.rounds = round_;
  report_.times.total = since(start_);
  return std::move(report_);
}

}  // namespace loom::tune
