// The components of a run: the plugins a run config names, loaded, and every rule,
// postprocessor, mutator, cost model and runner of the config instantiated with its table.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "loom/config/run_config.h"
#include "loom/host/plugin_host.h"

namespace loom::host {

struct RunComponents {
  std::vector<std::shared_ptr<ComponentInstance>> rules;
  std::vector<std::shared_ptr<ComponentInstance>> postprocs;
  /// With their normalized probabilities.
  std::vector<std::pair<std::shared_ptr<ComponentInstance>, double>> mutators;
  std::shared_ptr<ComponentInstance> cost_model;
  std::shared_ptr<ComponentInstance> runner;
};

/// Which kinds of components to instantiate (a run needs all; `loom config check
/// --components` checks what is loadable).
struct ComponentSelection {
  bool rules = true;
  bool postprocs = true;
  bool mutators = true;
  bool cost_model = true;
  bool runner = true;
};

/// Loads the config's [[plugin]] files and the plugin search path into `host`, then creates
/// every selected component with its table. Collects every problem — a plugin that does not
/// load (at its [[plugin]] entry's position), a component name no loaded plugin provides, a
/// create that fails, keys a component did not read — and throws one config::ConfigError
/// listing them, each with file:line:column.
RunComponents instantiate_components(PluginHost& host, const config::RunConfig& config,
                                     const ComponentSelection& selection = {});

/// The run's target: the config's [target] resolved by the run's runner on its machine
/// (ComponentInstance::resolve_target); the request as is when there is no runner. Throws
/// ComponentError when the runner refuses it.
Target resolve_target(const RunComponents& components, const config::TargetConfig& target);

/// Initializes every instance of `components` with `context` (the life cycle's initialize):
/// the run-level components (runner, cost model) and, when the run does not clone them per
/// task, the rules, postprocessors and mutators. Throws ComponentError naming the component
/// that refuses.
void initialize_components(RunComponents& components, const TuningContext& context);

/// The components of one task (TVM's TuneContext): clones of the rules, postprocessors and
/// mutators initialized with `context` (its workload set), sharing the runner and the cost
/// model, which serve every task.
RunComponents components_for_task(const RunComponents& components, const TuningContext& context);

}  // namespace loom::host
