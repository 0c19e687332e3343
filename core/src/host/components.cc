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

Target resolve_target(const RunComponents& components, const config::TargetConfig& target) {
  Target requested = requested_target(target);
  return components.runner ? components.runner->resolve_target(requested) : requested;
}

void initialize_components(RunComponents& components, const TuningContext& context) {
  for (const auto& r : components.rules) r->initialize(context);
  for (const auto& p : components.postprocs) p->initialize(context);
  for (const auto& [m, probability] : components.mutators) m->initialize(context);
  if (components.cost_model) components.cost_model->initialize(context);
  if (components.runner) components.runner->initialize(context);
}

RunComponents components_for_task(const RunComponents& components, const TuningContext& context) {
  RunComponents out;
  auto fresh = [&](const std::shared_ptr<ComponentInstance>& c) {
    std::shared_ptr<ComponentInstance> copy = c->clone();
    copy->initialize(context);
    return copy;
  };
  for (const auto& r : components.rules) out.rules.push_back(fresh(r));
  for (const auto& p : components.postprocs) out.postprocs.push_back(fresh(p));
  for (const auto& [m, probability] : components.mutators) out.mutators.emplace_back(fresh(m), probability);
  out.cost_model = components.cost_model;
  out.runner = components.runner;
  return out;
}

}  // namespace loom::host
