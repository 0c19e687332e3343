// A tuning session: config -> components, tasks, database, tuner options; the tuner's run;
// the best records re-measured.
#include "loom/session/session.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "fmt/format.h"
#include "loom/db/database.h"
#include "loom/host/components.h"
#include "loom/host/tuning.h"
#include "loom/ir/error.h"
#include "loom/sched/schedule.h"
#include "loom/script/parser.h"
#include "loom/tune/space.h"
#include "loom/workloads/zoo.h"

namespace loom::session {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(fmt::format("cannot read '{}': no such file or not readable", path));
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

/// Re-measures the `k` best records of `func` in `database` (in one runner call) and returns
/// the fastest by the new median; nullopt when the task has no successful record. The
/// search's best time is the least of many noisy measurements (biased low), hence the new
/// timing.
std::optional<FinalBest> remeasure_best(const db::Database& database, const ir::PrimFunc& func,
                                        const tune::MeasureFn& measure, size_t k) {
  std::optional<db::Workload> workload = database.find_workload(func);
  if (!workload) return std::nullopt;
  std::vector<db::TuningRecord> top = database.get_top_k(*workload, std::max<size_t>(k, 1));
  if (top.empty()) return std::nullopt;
  const FinalBest as_searched{top[0].trace, top[0].median_secs(), top[0].median_secs(), 0};
  if (k == 0) return as_searched;
  std::vector<ir::PrimFunc> candidates;
  for (const db::TuningRecord& r : top) {
    sched::Schedule sch(func);
    r.trace.apply_to(sch);
    candidates.push_back(sch.mod().at(sch.default_func()));
  }
  std::vector<db::MeasureResult> results = measure(candidates, func);
  std::optional<FinalBest> best;
  for (size_t i = 0; i < results.size() && i < top.size(); ++i) {
    if (!results[i].ok()) continue;
    double m = results[i].median_secs();
    if (!best || m < best->median_s) best = FinalBest{top[i].trace, top[i].median_secs(), m, top.size()};
  }
  // Every re-measurement failed (a flaky machine): the search's best, as is.
  return best ? best : as_searched;
}

/// The components of the run, loaded and initialized: what the config's search needs.
struct Components {
  host::PluginHost plugins;
  host::RunComponents run;
  host::TuningContext context;
  bool rules_per_task = false;
};

/// 1. Loads the plugins and instantiates the components the search needs; 2. the runner
/// resolves the target; 3. every component is initialized with the tuning context.
void set_up_components(const config::RunConfig& config, Components& c) {
  c.rules_per_task = config.search.space != "schedule-fn";
  const bool evolutionary = config.search.strategy == "evolutionary";
  host::ComponentSelection selection;
  selection.rules = c.rules_per_task;
  selection.mutators = evolutionary;
  selection.cost_model = evolutionary;
  c.run = host::instantiate_components(c.plugins, config, selection);
  c.context.target = host::resolve_target(c.run, config.target);
  c.context.seed = static_cast<uint64_t>(config.tune.seed);
  c.context.num_threads = static_cast<int>(config.tune.threads);
  host::initialize_components(c.run, c.context);
}

/// The tasks: each workload with its space generator, the template and/or the rules cloned
/// for the task (initialized with its workload).
std::vector<tune::TuneTask> make_tasks(const config::RunConfig& config, const Components& c) {
  std::shared_ptr<const tune::SpaceGenerator> template_space;
  if (config.search.space != "post-order-apply")
    template_space = std::make_shared<tune::ScheduleFnSpace>(read_file(config.search.schedule), config.search.schedule);
  std::vector<tune::TuneTask> tasks;
  for (const config::WorkloadConfig& w : config.workloads) {
    tune::TuneTask task{workload_name(w), workload_function(w), template_space, w.weight};
    if (c.rules_per_task) {
      host::TuningContext context = c.context;
      context.workload = task.func;
      context.task_name = task.name;
      std::vector<tune::Rule> rules;
      for (const auto& r : host::components_for_task(c.run, context).rules) rules.push_back(host::as_rule(r));
      auto post_order = std::make_shared<tune::PostOrderApply>(std::move(rules));
      task.generator = template_space
                           ? std::make_shared<tune::UnionSpace>(
                                 std::vector<std::shared_ptr<const tune::SpaceGenerator>>{template_space, post_order})
                           : std::shared_ptr<const tune::SpaceGenerator>(post_order);
    }
    tasks.push_back(std::move(task));
  }
  return tasks;
}

}  // namespace

std::string workload_name(const config::WorkloadConfig& w) {
  if (w.zoo.empty()) return w.func.empty() ? w.file : w.file + ":" + w.func;
  std::string params;
  for (const auto& [k, v] : w.params) params += fmt::format("{}{}={}", params.empty() ? "" : ",", k, v);
  return fmt::format("{}({})", w.zoo, params);
}

ir::PrimFunc workload_function(const config::WorkloadConfig& w) {
  if (!w.zoo.empty()) return workloads::make_workload(w.zoo, w.params);
  ir::IRModule mod = script::parse_module(read_file(w.file), w.file);
  if (!w.func.empty()) return mod.at(w.func);
  if (mod.size() == 1) return mod.functions().begin()->second;
  std::string names;
  for (const auto& [n, f] : mod.functions()) names += (names.empty() ? "" : ", ") + n;
  throw UserError(fmt::format("{}: the module has {} functions ({}); name one with the workload's `func`", w.file,
                              mod.size(), names));
}

tune::TunerOptions tuner_options(const config::RunConfig& config, const std::string& target) {
  tune::TunerOptions o;
  o.search.strategy = config.search.strategy;
  const config::EvolutionaryConfig& e = config.search.evolutionary;
  tune::EvolutionaryOptions& evo = o.search.evolutionary;
  evo.population_size = e.population_size;
  evo.init_measured_ratio = e.init_measured_ratio;
  evo.init_min_unmeasured = e.init_min_unmeasured;
  evo.max_fail_count = e.max_fail_count;
  evo.genetic_num_iters = e.genetic_num_iters;
  evo.genetic_mutate_prob = e.genetic_mutate_prob;
  evo.genetic_max_fail_count = e.genetic_max_fail_count;
  evo.eps_greedy = e.eps_greedy;
  o.trials = config.tune.trials;
  o.budget = tune::Budget::Total;
  o.trials_per_round = config.tune.trials_per_round;
  // A cap at or above the run's total caps nothing (the config's default is the total); kept,
  // it would stop a run whose total the caller raises (--trials) at the file's total.
  o.max_trials_per_task = config.tune.max_trials_per_task >= config.tune.trials ? 0 : config.tune.max_trials_per_task;
  if (config.tune.task_scheduler == "gradient") {
    o.task_scheduler = tune::TaskScheduler::Gradient;
  } else if (config.tune.task_scheduler == "round-robin") {
    o.task_scheduler = tune::TaskScheduler::RoundRobin;
  } else {
    throw UserError(fmt::format("[tune] unknown task_scheduler '{}': expected \"gradient\" or \"round-robin\"",
                                config.tune.task_scheduler));
  }
  o.seed = config.tune.seed;
  o.threads = static_cast<int>(config.tune.threads);
  o.target = target;
  return o;
}

SessionReport run_session(const config::RunConfig& config, const SessionOptions& options,
                          const SessionCallbacks& callbacks) {
  if (options.trials && options.more_trials)
    throw UserError("a run's budget is either its total trials or trials beyond the database's records, not both");
  if (callbacks.note) {
    for (const std::string& note : config.notes) callbacks.note(note);
  }
  // 1. Components and target; tasks.
  Components components;
  set_up_components(config, components);
  std::vector<tune::TuneTask> tasks = make_tasks(config, components);
  std::vector<ir::PrimFunc> funcs;
  for (const tune::TuneTask& t : tasks) funcs.push_back(t.func);
  const std::string target = components.context.target.description;

  // 2. The tuner's components and options, the database.
  tune::TunerComponents tuner_components;
  for (const auto& p : components.run.postprocs) tuner_components.postprocs.push_back(host::as_postproc(p));
  for (const auto& [m, prob] : components.run.mutators) tuner_components.mutators.push_back(host::as_mutator(m, prob));
  if (components.run.cost_model) tuner_components.cost_model = host::as_cost_model(components.run.cost_model);
  tune::MeasureFn measure = host::as_measure(components.run.runner, target);
  tuner_components.measure = measure;
  const std::string db_path = options.database_path.empty() ? config.database.path : options.database_path;
  std::unique_ptr<db::Database> database = db::open_database(config.database.kind, db_path);
  tuner_components.database = database.get();
  tune::TunerOptions tuner_opts = tuner_options(config, target);
  if (options.trials) tuner_opts.trials = *options.trials;
  if (options.more_trials) {
    tuner_opts.trials = *options.more_trials;
    tuner_opts.budget = tune::Budget::More;
  }

  // 3. The search.
  if (callbacks.start) {
    SessionStart start;
    start.workloads = tasks.size();
    start.trials = tuner_opts.trials;
    start.budget = tuner_opts.budget;
    start.trials_per_round = tuner_opts.trials_per_round;
    start.strategy = tuner_opts.search.strategy;
    start.space = tasks.front().generator->describe();
    start.target = target;
    start.database = config.database.kind == "memory" ? "" : db_path;
    callbacks.start(start);
  }
  tune::Tuner tuner(std::move(tasks), std::move(tuner_components), tuner_opts);
  if (callbacks.progress) tuner.on_progress(callbacks.progress);
  SessionReport report;
  report.config_source = config.source;
  report.remeasure = options.remeasure;
  report.tuning = tuner.run();

  // 4. The re-measure policy: each task's best records timed again.
  if (options.remeasure > 0 && callbacks.remeasure) callbacks.remeasure(options.remeasure);
  for (const ir::PrimFunc& f : funcs)
    report.best.push_back(
        remeasure_best(*database, f, measure, static_cast<size_t>(std::max<int64_t>(0, options.remeasure))));
  return report;
}

SampleReport sample_space(const config::RunConfig& config, const SampleOptions& options) {
  if (options.count < 1) throw UserError(fmt::format("sample: the count must be at least 1, not {}", options.count));
  config::RunConfig run = config;
  run.search.strategy = "replay-trace";  // random decisions; no mutators or cost model
  Components components;
  set_up_components(run, components);
  std::vector<tune::TuneTask> tasks = make_tasks(run, components);
  std::vector<tune::Postproc> postprocs;
  for (const auto& p : components.run.postprocs) postprocs.push_back(host::as_postproc(p));
  SampleReport report;
  report.target = components.context.target.description;
  for (size_t t = 0; t < tasks.size(); ++t) {
    report.tasks.push_back(tasks[t].name);
    report.spaces.push_back(tasks[t].generator->describe());
    tune::TaskContext context;
    context.func = tasks[t].func;
    context.generator = tasks[t].generator;
    context.postprocs = postprocs;
    context.seed = config.tune.seed + static_cast<int64_t>(t);
    context.threads = static_cast<int>(config.tune.threads);
    tune::SearchOptions search;
    search.strategy = "replay-trace";
    std::unique_ptr<tune::SearchStrategy> strategy = tune::make_search_strategy(search, std::move(context));
    std::vector<tune::Candidate> batch = strategy->next_batch(static_cast<size_t>(options.count));
    report.sampled += strategy->stats().sampled;
    report.postproc_failed += strategy->stats().postproc_failed;
    for (size_t i = 0; i < batch.size(); ++i) {
      SampledCandidate c;
      c.task = t;
      c.index = i;
      c.func = batch[i].func;
      c.script = batch[i].sch.trace().as_python();
      if (!options.compile_directory.empty()) {
        host::ComponentInstance::ExportRequest request;
        request.name = fmt::format("task{}_{}", t, i);
        request.directory = options.compile_directory;
        request.origin = fmt::format("`loom sample {}`, task {} candidate {}", config.source, tasks[t].name, i);
        try {
          host::ComponentInstance::ExportResult built = components.run.runner->export_func(c.func, request);
          c.files = built.files;
          c.notes = built.notes;
        } catch (const host::ComponentError& e) {
          c.compile_error = e.what();
        }
      }
      report.candidates.push_back(std::move(c));
    }
  }
  return report;
}

}  // namespace loom::session
