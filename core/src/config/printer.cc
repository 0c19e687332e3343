// Writing a resolved run config back as TOML, one commented section at a time.
#include <string>

#include "fmt/format.h"
#include "loom/config/run_config.h"
#include "loom/workloads/zoo.h"

namespace loom::config {

namespace {

std::string num(double v) { return ConfigValue::floating(v).to_toml(); }
std::string str(const std::string& s) { return toml_string(s); }

void components(std::string& out, const std::string& key, const std::vector<ComponentConfig>& list) {
  for (size_t i = 0; i < list.size(); ++i) out += fmt::format("{}[[{}]]\n{}", i ? "\n" : "", key, list[i].to_toml());
}

}  // namespace

std::string to_toml(const RunConfig& c) {
  std::string out =
      "# A loom run config, resolved by `loom config check`: every default filled in, every path\n"
      "# absolute. configs/example.toml documents each key.\n";
  // Empty component lists are top-level keys, which TOML wants before the first table.
  if (c.rules.empty()) out += "rule = []\n";
  if (c.postprocs.empty()) out += "postproc = []\n";
  if (c.mutators.empty()) out += "mutator = []\n";

  out += "\n# The workloads (tasks) of the run.\n";
  for (const WorkloadConfig& w : c.workloads) {
    out += "[[workload]]\n";
    if (!w.zoo.empty()) {
      out += fmt::format("zoo = {}\nparams = {{ ", str(w.zoo));
      std::string params;
      for (const workloads::WorkloadParam& p : workloads::workload_info(w.zoo).params) {
        params += fmt::format("{}{} = {}", params.empty() ? "" : ", ", toml_key(p.name), w.params.at(p.name));
      }
      out += params + " }\n";
    } else {
      out += fmt::format("file = {}\nfunc = {}\n", str(w.file), str(w.func));
    }
    out += fmt::format("weight = {}\n\n", num(w.weight));
  }

  const TargetConfig& t = c.target;
  out += fmt::format("# What candidates are built for and measured on.\n[target]\nkind = {}\n", str(t.kind));
  if (t.kind == "llvm") {
    out += fmt::format("cpu = {}\nfeatures = {}\nnum_cores = {}\n", str(t.cpu), str(t.features), t.num_cores);
  } else {
    out += fmt::format("arch = {}\ndevice = {}\n", str(t.arch), t.device);
  }

  const SearchConfig& s = c.search;
  out += fmt::format("\n# How the design space is generated and explored.\n[search]\nstrategy = {}\nspace = {}\n",
                     str(s.strategy), str(s.space));
  if (!s.schedule.empty()) out += fmt::format("schedule = {}\n", str(s.schedule));
  if (s.strategy == "evolutionary") {
    const EvolutionaryConfig& e = s.evolutionary;
    out += fmt::format(
        "population_size = {}\ninit_measured_ratio = {}\ninit_min_unmeasured = {}\nmax_fail_count = {}\n"
        "genetic_num_iters = {}\ngenetic_mutate_prob = {}\ngenetic_max_fail_count = {}\neps_greedy = {}\n",
        e.population_size, num(e.init_measured_ratio), e.init_min_unmeasured, e.max_fail_count, e.genetic_num_iters,
        num(e.genetic_mutate_prob), e.genetic_max_fail_count, num(e.eps_greedy));
  }

  if (!c.plugins.empty()) {
    out += "\n# Plugin libraries, loaded before components are looked up by name.\n";
    for (const PluginConfig& p : c.plugins) out += fmt::format("[[plugin]]\npath = {}\n", str(p.path));
  }
  if (!c.rules.empty()) {
    out += "\n# Schedule rules, applied to every block in this order.\n";
    components(out, "rule", c.rules);
  }
  if (!c.postprocs.empty()) {
    out += "\n# Postprocessors, applied to every candidate in this order.\n";
    components(out, "postproc", c.postprocs);
  }
  if (!c.mutators.empty()) {
    out += "\n# Mutators of the evolutionary search, with probabilities that sum to 1.\n";
    for (size_t i = 0; i < c.mutators.size(); ++i) {
      std::string body = c.mutators[i].component.to_toml();
      size_t first = body.find('\n') + 1;  // after `name = ...`
      out += fmt::format("{}[[mutator]]\n{}probability = {}\n{}", i ? "\n" : "", body.substr(0, first),
                         num(c.mutators[i].probability), body.substr(first));
    }
  }
  out += fmt::format("\n# The cost model that ranks candidates.\n[cost_model]\n{}", c.cost_model.to_toml());
  out += fmt::format("\n# The runner that builds and measures candidates.\n[runner]\n{}", c.runner.to_toml());

  const DatabaseConfig& d = c.database;
  out += fmt::format("\n# Where measured records are kept.\n[database]\nkind = {}\n", str(d.kind));
  if (d.kind != "memory") out += fmt::format("path = {}\n", str(d.path));

  const TuneConfig& u = c.tune;
  out += fmt::format(
      "\n# The tuning budget.\n[tune]\ntrials = {}\ntrials_per_round = {}\nseed = {}\nthreads = {}\n"
      "max_trials_per_task = {}\ntask_scheduler = {}\n",
      u.trials, u.trials_per_round, u.seed, u.threads, u.max_trials_per_task, str(u.task_scheduler));
  return out;
}

}  // namespace loom::config
