// Plugin components as the tuner's components (loom/tune): a rule, postprocessor, mutator
// or runner instance wrapped in the plain callables the search and the loop use.
#pragma once

#include <memory>
#include <string>

#include "loom/host/plugin_host.h"
#include "loom/tune/search.h"
#include "loom/tune/space.h"
#include "loom/tune/tuner.h"

namespace loom::host {

/// A schedule rule instance as a space generator's rule.
tune::Rule as_rule(std::shared_ptr<ComponentInstance> rule);
/// A postprocessor instance; a ComponentError (the plugin failed) propagates.
tune::Postproc as_postproc(std::shared_ptr<ComponentInstance> postproc);
/// A mutator instance with its probability.
tune::Mutator as_mutator(std::shared_ptr<ComponentInstance> mutator, double probability);
/// A runner instance: candidates are measured for `target` and checked against the task's
/// function when the runner's `check` asks for it.
tune::MeasureFn as_measure(std::shared_ptr<ComponentInstance> runner, std::string target);
/// A cost model instance as the tuner's cost model (update and predict forward the feature
/// rows; a ComponentError from the plugin propagates).
std::shared_ptr<tune::CostModel> as_cost_model(std::shared_ptr<ComponentInstance> model);

}  // namespace loom::host
