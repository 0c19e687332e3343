// Instantiating a run config's components (loom/host/components.h).
#include "loom/host/components.h"

#include "fmt/format.h"

namespace loom::host {

namespace {

std::string at(const config::SourcePos& pos, const std::string& message) {
  return pos.known() ? pos.to_string() + ": " + message : message;
}

}  // namespace

RunComponents instantiate_components(PluginHost& host, const config::RunConfig& config,
                                     const ComponentSelection& selection) {
  std::vector<std::string> problems;
  for (const config::PluginConfig& plugin : config.plugins) {
    try {
      host.load(plugin.path);
    } catch (const PluginError& e) {
      problems.push_back(at(plugin.pos, fmt::format("[[plugin]] {}", e.what())));
    }
  }
  for (const std::string& problem : host.load_search_path()) problems.push_back(problem);

  auto make = [&](loom_component_kind kind, const config::ComponentConfig& c) -> std::shared_ptr<ComponentInstance> {
    try {
      return host.instantiate(kind, c);
    } catch (const config::ConfigError& e) {
      for (const std::string& m : e.messages()) problems.push_back(m);
    } catch (const UserError& e) {  // PluginError, ComponentError
      problems.push_back(at(c.name_pos(), fmt::format("{} {}", c.section(), e.what())));
    }
    return nullptr;
  };
  RunComponents out;
  if (selection.rules) {
    for (const config::ComponentConfig& c : config.rules) out.rules.push_back(make(LOOM_COMPONENT_SCHEDULE_RULE, c));
  }
  if (selection.postprocs) {
    for (const config::ComponentConfig& c : config.postprocs) out.postprocs.push_back(make(LOOM_COMPONENT_POSTPROC, c));
  }
  if (selection.mutators) {
    for (const config::MutatorConfig& m : config.mutators)
      out.mutators.emplace_back(make(LOOM_COMPONENT_MUTATOR, m.component), m.probability);
  }
  if (selection.cost_model) out.cost_model = make(LOOM_COMPONENT_COST_MODEL, config.cost_model);
  if (selection.runner) out.runner = make(LOOM_COMPONENT_RUNNER, config.runner);
  if (!problems.empty()) throw config::ConfigError(problems);
  return out;
}

}  // namespace loom::host
