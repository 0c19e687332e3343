// A tuning session: one run of a config, as a library call (DESIGN.md "The command line":
// the CLI parses arguments and prints; the run lives here, so a model front-end or a
// distributed runner starts the same run). The session turns the config into components
// (plugins loaded, the runner resolving the target, every component initialized with the
// tuning context, the rules cloned per task), the workloads into tasks, opens the database,
// runs the tuner (loom/tune/tuner.h) with the config converted to its options, and then
// re-measures each task's best records (the re-measure policy). Progress comes back through
// callbacks; the result is a SessionReport (loom/session/report.h renders it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "loom/config/run_config.h"
#include "loom/sched/trace.h"
#include "loom/tune/tuner.h"

namespace loom::session {

/// What a caller changes of the config's run (the command line's overrides).
struct SessionOptions {
  /// The run's total trials, the records already in the database for its workloads and
  /// target included (a resumed run measures what is left); unset: the config's [tune]
  /// trials.
  std::optional<int64_t> trials;
  /// Trials beyond the records already in the database; at most one of `trials` and
  /// `more_trials` is set (UserError otherwise).
  std::optional<int64_t> more_trials;
  /// Overrides [database] path when not empty.
  std::string database_path;
  /// After the search, each task's `remeasure` best records are timed again and the fastest
  /// by the new median is the result; 0: the search's best as measured.
  int64_t remeasure = 5;
};

/// What the run is about to do, once the components are ready.
struct SessionStart {
  size_t workloads = 0;
  /// The budget as asked: `trials` counted as `budget` says (tune::Budget).
  int64_t trials = 0;
  tune::Budget budget = tune::Budget::Total;
  int64_t trials_per_round = 0;
  std::string strategy;
  /// The first task's design space, described ("post-order-apply (6 rules)").
  std::string space;
  /// The resolved target's description ("llvm -mcpu=znver3 ...").
  std::string target;
  /// The database file; empty for an in-memory database.
  std::string database;
};

/// Called as the session goes; any may be empty.
struct SessionCallbacks {
  /// A remark of the config (not an error), e.g. that mutator probabilities were normalized.
  std::function<void(const std::string& note)> note;
  std::function<void(const SessionStart&)> start;
  /// After every round of the tuner.
  std::function<void(const tune::Progress&)> progress;
  /// Before the best records are re-measured (with SessionOptions::remeasure).
  std::function<void(int64_t count)> remeasure;
};

/// A task's result after the search: its best record, re-measured.
struct FinalBest {
  sched::Trace trace;
  double search_s = 0;    ///< its median during the search
  double median_s = 0;    ///< its median now (the search's when nothing was re-measured)
  size_t remeasured = 0;  ///< records timed again (0: none, the search's best as is)
};

struct SessionReport {
  /// The config file the run came from.
  std::string config_source;
  tune::TuneReport tuning;
  /// Per task (in tuning.tasks' order); nullopt when the task has no successful record.
  std::vector<std::optional<FinalBest>> best;
  /// SessionOptions::remeasure as used.
  int64_t remeasure = 0;
};

/// Runs `config` (loaded and checked by config::load_config) with `options`. Throws
/// config::ConfigError for components that do not load or accept their tables, UserError for
/// a workload or template that does not read, conflicting options or an unknown search
/// strategy, db::DatabaseError for a database that cannot be opened, and the components'
/// errors (host::ComponentError) when one fails.
SessionReport run_session(const config::RunConfig& config, const SessionOptions& options = {},
                          const SessionCallbacks& callbacks = {});

/// The tuner's options from a config: [search] and [tune] converted (the tuner takes no TOML
/// structs), `target` recorded with every candidate; a max_trials_per_task at or above the
/// config's trials (its default) becomes no cap. Throws UserError for an unknown task
/// scheduler.
tune::TunerOptions tuner_options(const config::RunConfig& config, const std::string& target);

/// The display name of a workload: "gmm(K=32,M=32,N=32)" for a zoo workload, the file (with
/// ":func") for a kernel file.
std::string workload_name(const config::WorkloadConfig& workload);

/// The function of a workload: built by the zoo, or read from its kernel file (the function
/// named `func`, or the only one). Throws UserError when the file does not read or parse, or
/// holds several functions and none is named.
ir::PrimFunc workload_function(const config::WorkloadConfig& workload);

/// What sample_space does besides drawing.
struct SampleOptions {
  /// Candidates per workload.
  int64_t count = 10;
  /// When not empty, every candidate is also built for the target by the config's runner
  /// (its export entry) into this directory, as TASKINDEX_N.* files.
  std::string compile_directory;
};

/// One candidate of the design space, postprocessed, not measured.
struct SampledCandidate {
  size_t task = 0;    ///< index into SampleReport::tasks
  size_t index = 0;   ///< its number among the task's candidates
  ir::PrimFunc func;  ///< the scheduled function
  /// Its trace as a schedule script (Trace::as_python): `loom apply` replays it.
  std::string script;
  /// With SampleOptions::compile_directory: the files written and the runner's notes (for
  /// a GPU runner, each kernel's registers and shared memory), or why the build failed.
  std::vector<std::string> files;
  std::vector<std::string> notes;
  std::string compile_error;
};

/// What sample_space drew.
struct SampleReport {
  std::string target;               ///< the resolved target's description
  std::vector<std::string> tasks;   ///< workload names
  std::vector<std::string> spaces;  ///< each task's design space, described
  std::vector<SampledCandidate> candidates;
  int64_t sampled = 0;          ///< schedules drawn from the spaces
  int64_t postproc_failed = 0;  ///< of them, dropped by a postprocessor
};

/// Draws up to options.count postprocessed candidates of each workload's design space as
/// the config defines it (the rules, template, postprocessors and target of a tuning run,
/// with random decisions: the replay-trace strategy), without measuring them. Throws
/// UserError as run_session does for a bad config or space.
SampleReport sample_space(const config::RunConfig& config, const SampleOptions& options);

}  // namespace loom::session
