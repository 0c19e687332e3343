#include "loom/tune/tuner.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>

#include "loom/ir/error.h"
#include "loom/ir/flops.h"
#include "loom/lower/lower.h"
#include "loom/tune/features.h"

namespace loom::tune {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

double MeasureOutcome::median_s() const { return median_of(times_s); }

struct Tuner::TaskState {
  std::unique_ptr<SearchStrategy> strategy;
  db::Workload workload;
  double flops = 0;
  int64_t trials = 0;
  int64_t failures = 0;
  int64_t rounds = 0;
  bool exhausted = false;
  std::optional<double> best_s;
  std::optional<sched::Trace> best_trace;
  std::vector<double> best_history;  // best time after each round (infinity before a success)
  std::vector<CurvePoint> curve;

  double gflops() const { return best_s && flops > 0 ? flops / *best_s * 1e-9 : 0; }
};

Tuner::Tuner(std::vector<TuneTask> tasks, TunerComponents components, TunerOptions options)
    : tasks_(std::move(tasks)), components_(std::move(components)), options_(std::move(options)) {
  if (tasks_.empty()) throw UserError("tune: no tasks");
  if (components_.database == nullptr) throw UserError("tune: no database");
  if (!components_.measure) throw UserError("tune: no runner");
}

Tuner::~Tuner() = default;

size_t Tuner::pick_task(int64_t round) const {
  const int64_t cap = options_.tune.max_trials_per_task > 0 ? options_.tune.max_trials_per_task : options_.tune.trials;
  std::vector<size_t> eligible;
  for (size_t i = 0; i < states_.size(); ++i) {
    if (!states_[i]->exhausted && states_[i]->trials < cap) eligible.push_back(i);
  }
  if (eligible.empty()) return states_.size();
  if (options_.tune.task_scheduler == "round-robin") {
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
    double forward = -*s.best_s / static_cast<double>(std::max<int64_t>(1, s.trials));
    double grad = tasks_[i].weight * (kAlpha * backward + (1 - kAlpha) * forward);
    if (grad < best_grad) {
      best_grad = grad;
      best = i;
    }
  }
  return best;
}

TuneReport Tuner::run() {
  const auto start = Clock::now();
  TuneReport report;
  states_.clear();
  for (const TuneTask& task : tasks_) {
    auto s = std::make_unique<TaskState>();
    s->workload = components_.database->commit_workload(task.func);
    s->flops = ir::estimate_flops(task.func);
    // Resuming: the best record so far.
    for (const db::TuningRecord& r : components_.database->get_top_k(s->workload, 1)) {
      s->best_s = r.median_secs();
      s->best_trace = r.trace;
    }
    TaskContext ctx;
    ctx.func = task.func;
    ctx.generator = task.generator;
    ctx.postprocs = components_.postprocs;
    ctx.mutators = components_.mutators;
    ctx.cost_model = components_.cost_model.get();
    ctx.database = components_.database;
    ctx.workload = s->workload;
    ctx.seed = options_.tune.seed + static_cast<int64_t>(states_.size()) * 1000003;
    ctx.threads = static_cast<int>(options_.tune.threads);
    s->strategy = make_search_strategy(options_.search, std::move(ctx));
    states_.push_back(std::move(s));
  }

  const int64_t total = options_.tune.trials;
  const int64_t per_round = std::max<int64_t>(1, options_.tune.trials_per_round);
  const int64_t cap = options_.tune.max_trials_per_task > 0 ? options_.tune.max_trials_per_task : total;
  int64_t trials = 0;
  int64_t round = 0;

  // How many candidates task t may still get, given `in_flight` proposed but not measured.
  auto budget = [&](size_t t, int64_t in_flight_total, int64_t in_flight_task) {
    int64_t left = std::min(total - trials - in_flight_total, cap - states_[t]->trials - in_flight_task);
    return std::max<int64_t>(0, std::min(left, per_round));
  };
  auto search = [&](size_t t, int64_t n) {
    auto t0 = Clock::now();
    std::vector<Candidate> batch = states_[t]->strategy->next_batch(static_cast<size_t>(n));
    return std::make_pair(std::move(batch), since(t0));
  };

  size_t current = pick_task(0);
  std::vector<Candidate> batch;
  if (current < states_.size()) {
    auto [b, secs] = search(current, budget(current, 0, 0));
    batch = std::move(b);
    report.times.search += secs;
  }
  while (current < states_.size() && trials < total) {
    TaskState& state = *states_[current];
    if (batch.empty()) {
      state.exhausted = true;
      current = pick_task(round);
      if (current >= states_.size()) break;
      auto [b, secs] = search(current, budget(current, 0, 0));
      batch = std::move(b);
      report.times.search += secs;
      continue;
    }
    // The next round's search runs while this batch is measured.
    const int64_t in_flight = static_cast<int64_t>(batch.size());
    size_t next = pick_task(round + 1);
    int64_t next_n = next < states_.size() ? budget(next, in_flight, next == current ? in_flight : 0) : 0;
    std::future<std::pair<std::vector<Candidate>, double>> pending;
    if (next_n > 0) pending = std::async(std::launch::async, search, next, next_n);

    std::vector<ir::PrimFunc> funcs;
    for (const Candidate& c : batch) funcs.push_back(c.func);
    auto m0 = Clock::now();
    std::vector<MeasureOutcome> outcomes = components_.measure(funcs, tasks_[current].func);
    report.times.measure += since(m0);
    if (outcomes.size() != batch.size()) {
      if (pending.valid()) pending.wait();
      throw InternalError(
          fmt::format("the runner returned {} results for {} candidates", outcomes.size(), batch.size()));
    }
    std::vector<Candidate> next_batch;
    if (pending.valid()) {
      auto [b, secs] = pending.get();
      next_batch = std::move(b);
      report.times.search += secs;
    }

    // Record, learn, and update the task's state.
    auto u0 = Clock::now();
    std::vector<db::TuningRecord> records;
    std::vector<double> throughputs;
    for (size_t i = 0; i < batch.size(); ++i) {
      const MeasureOutcome& o = outcomes[i];
      report.times.build += o.build_s;
      report.times.run += o.run_s;
      db::TuningRecord r;
      r.workload_id = state.workload.id;
      r.trace = batch[i].sch.trace();
      r.target = options_.target;
      r.candidate_hash = batch[i].hash;
      if (o.ok && !o.times_s.empty()) {
        r.run_secs = o.times_s;
        double med = o.median_s();
        throughputs.push_back(state.flops > 0 ? state.flops / med : 1.0 / med);
        if (!state.best_s || med < *state.best_s) {
          state.best_s = med;
          state.best_trace = r.trace;
        }
      } else {
        r.error = o.error.empty() ? "failed" : o.error;
        throughputs.push_back(0);
        ++state.failures;
      }
      r.info = {{"build_s", o.build_s}, {"run_s", o.run_s}};
      records.push_back(std::move(r));
    }
    components_.database->commit_records(records);
    if (components_.cost_model) {
      tbb::parallel_for(size_t{0}, batch.size(), [&](size_t i) {
        if (batch[i].features.empty()) batch[i].features = featurize(batch[i].func);
      });
      std::vector<FeatureRows> features;
      for (const Candidate& c : batch) features.push_back(c.features);
      components_.cost_model->update(features, throughputs);
    }
    state.strategy->notify_measured(batch, throughputs);
    report.times.update += since(u0);

    trials += static_cast<int64_t>(batch.size());
    state.trials += static_cast<int64_t>(batch.size());
    ++state.rounds;
    state.best_history.push_back(state.best_s ? *state.best_s : std::numeric_limits<double>::infinity());
    state.curve.push_back({trials, state.gflops()});
    // The run's curve: total weighted FLOPs over total weighted best time, once every task
    // has a best.
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
    report.curve.push_back({trials, all && time_sum > 0 ? flop_sum / time_sum * 1e-9 : 0});
    ++round;
    if (progress_) {
      int64_t failures = 0;
      for (const auto& s : states_) failures += s->failures;
      progress_({round, trials, total, tasks_[current].name, state.gflops(), failures, since(start)});
    }
    batch = std::move(next_batch);
    current = next;
    if (next_n == 0) {
      current = pick_task(round);
      if (current < states_.size()) {
        auto [b, secs] = search(current, budget(current, 0, 0));
        batch = std::move(b);
        report.times.search += secs;
      }
    }
  }

  for (size_t t = 0; t < states_.size(); ++t) {
    const TaskState& s = *states_[t];
    TaskReport r;
    r.name = tasks_[t].name;
    r.flops = s.flops;
    r.trials = s.trials;
    r.failures = s.failures;
    r.best_s = s.best_s;
    r.best_trace = s.best_trace;
    r.curve = s.curve;
    r.search = s.strategy->stats();
    report.tasks.push_back(std::move(r));
  }
  report.trials = trials;
  report.rounds = round;
  report.times.total = since(start);
  return report;
}

}  // namespace loom::tune
