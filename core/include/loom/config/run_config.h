// A tuning run described by one TOML file (configs/example.toml documents every key and
// its default): the workloads, the target, the search, the plugins and components, the
// database and the tuning budget. Reading a config checks every key outside component
// tables (unknown keys, types, ranges, files that must exist) and fills in every default;
// component tables are kept as they are for their components to read (ComponentConfig).
//
// Paths: inputs (a workload's `file`, `search.schedule`, a plugin's `path`) are relative to
// the config file's folder; the output `database.path` is relative to the current
// directory. All of them are made absolute when read.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "loom/config/component.h"
#include "loom/config/value.h"

namespace loom::config {

/// One workload (task) of the run: a zoo workload with its shape parameters, or a kernel
/// file.
struct WorkloadConfig {
  /// The zoo name (lowercase, e.g. "gmm"); empty for a file workload.
  std::string zoo;
  /// Every shape parameter of the zoo workload, defaults filled in (empty for a file).
  std::map<std::string, int64_t> params;
  /// The kernel file (absolute); empty for a zoo workload.
  std::string file;
  /// The function of the file to tune; empty when the file holds one function.
  std::string func;
  /// The task's weight in the task scheduler (how many times it occurs in the network),
  /// > 0; default 1.
  double weight = 1.0;
  /// Where the workload's table starts.
  SourcePos pos;
};

struct TargetConfig {
  /// "llvm" (default) or "cuda".
  std::string kind = "llvm";
  /// llvm: the CPU to compile for, "host" (default) or an LLVM CPU name.
  std::string cpu = "host";
  /// llvm: LLVM target features such as "+avx2,+fma"; "" (default) = the host's.
  std::string features;
  /// llvm: cores to use for parallel loops; 0 (default) = all.
  int64_t num_cores = 0;
  /// cuda: the compute capability, "sm_<digits>"; default "sm_90".
  std::string arch = "sm_90";
  /// cuda: the device ordinal, default 0.
  int64_t device = 0;
};

/// TVM MetaSchedule's EvolutionarySearch parameters, with its defaults.
struct EvolutionaryConfig {
  int64_t population_size = 512;
  double init_measured_ratio = 0.2;
  int64_t init_min_unmeasured = 50;
  int64_t max_fail_count = 5;
  int64_t genetic_num_iters = 4;
  double genetic_mutate_prob = 0.85;
  int64_t genetic_max_fail_count = 10;
  double eps_greedy = 0.05;
};

struct SearchConfig {
  /// "evolutionary" (default), "replay-trace" or "replay-func".
  std::string strategy = "evolutionary";
  /// "post-order-apply" (default), "schedule-fn" or "union".
  std::string space = "post-order-apply";
  /// The schedule-script template (absolute path); required by schedule-fn and union,
  /// empty otherwise.
  std::string schedule;
  /// Used when strategy is "evolutionary".
  EvolutionaryConfig evolutionary;
};

struct PluginConfig {
  /// The shared library (absolute path; need not exist when the config is read).
  std::string path;
  SourcePos pos;
};

/// A mutator and its probability.
struct MutatorConfig {
  ComponentConfig component;
  /// Normalized: the mutators' probabilities sum to 1.
  double probability = 0;
  /// As written in the file (equal to `probability` unless normalized).
  double given_probability = 0;
};

struct DatabaseConfig {
  /// "sqlite" (default), "json" (JSON lines) or "memory" (nothing kept).
  std::string kind = "sqlite";
  /// Absolute; default "loom.db" (sqlite) or "loom.jsonl" (json) in the current directory;
  /// empty for memory.
  std::string path;
};

struct TuneConfig {
  /// Measured candidates in the whole run; default 1000.
  int64_t trials = 1000;
  /// Candidates measured per round (TVM's num_trials_per_iter); default 64.
  int64_t trials_per_round = 64;
  /// The seed of every random choice; default 0 (runs are deterministic).
  int64_t seed = 0;
  /// Worker threads of the search; 0 (default) = all cores.
  int64_t threads = 0;
  /// A cap per task; default = trials.
  int64_t max_trials_per_task = 0;
  /// "gradient" (default) or "round-robin".
  std::string task_scheduler = "gradient";
};

/// A whole run, every default filled in.
struct RunConfig {
  /// The config file as given.
  std::string source;
  /// At least one.
  std::vector<WorkloadConfig> workloads;
  TargetConfig target;
  SearchConfig search;
  std::vector<PluginConfig> plugins;
  /// When absent from the file: TVM's default set for the target (default_rules()).
  std::vector<ComponentConfig> rules;
  std::vector<ComponentConfig> postprocs;
  std::vector<MutatorConfig> mutators;
  /// Default name "loom.xgboost".
  ComponentConfig cost_model;
  /// Default name "loom.cpu" (llvm) or "loom.cuda" (cuda).
  ComponentConfig runner;
  DatabaseConfig database;
  TuneConfig tune;
  /// Things worth telling the user that are not errors (e.g. that the mutator
  /// probabilities were normalized).
  std::vector<std::string> notes;
};

/// Reads the config file `path`. Throws ConfigError listing every problem found (TOML
/// syntax errors with TOML++'s position and description; unknown keys with a did-you-mean;
/// wrong types; out-of-range values; missing files), each with file:line:column.
RunConfig load_config(const std::string& path);

/// Reads config text; `path` names it in messages and its folder anchors relative input
/// paths.
RunConfig parse_config(std::string_view text, const std::string& path);

/// The resolved config as a TOML document, every default written out, one header comment
/// per section. Reading it back gives the same document.
std::string to_toml(const RunConfig& config);

/// The default component names of a target kind ("llvm" or "cuda"): TVM MetaSchedule's
/// default sets, named "loom.<TVM name in snake case>".
std::vector<std::string> default_rules(const std::string& target_kind);
std::vector<std::string> default_postprocs(const std::string& target_kind);
std::vector<std::pair<std::string, double>> default_mutators(const std::string& target_kind);

}  // namespace loom::config
