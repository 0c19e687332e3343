#include "loom/host/tuning.h"

namespace loom::host {

tune::Rule as_rule(std::shared_ptr<ComponentInstance> rule) {
  std::string name = rule->name();
  return {std::move(name),
          [rule](const sched::Schedule& sch, const sched::BlockRV& block) { return rule->apply_rule(sch, block); }};
}

tune::Postproc as_postproc(std::shared_ptr<ComponentInstance> postproc) {
  std::string name = postproc->name();
  return {std::move(name), [postproc](sched::Schedule& sch) { return postproc->apply_postproc(sch); }};
}

tune::Mutator as_mutator(std::shared_ptr<ComponentInstance> mutator, double probability) {
  std::string name = mutator->name();
  return {std::move(name), probability,
          [mutator](const sched::Trace& trace, const ir::IRModule& original, sched::RandomEngine& rng) {
            return mutator->apply_mutator(trace, original, rng);
          }};
}

tune::MeasureFn as_measure(std::shared_ptr<ComponentInstance> runner, std::string target) {
  return [runner, target](const std::vector<ir::PrimFunc>& candidates, const ir::PrimFunc& reference) {
    std::vector<MeasureCandidate> inputs;
    inputs.reserve(candidates.size());
    for (const ir::PrimFunc& f : candidates) inputs.push_back({f, target, reference});
    return runner->measure(inputs);
  };
}

namespace {

/// A cost-model component instance behind tune::CostModel.
class ComponentCostModel : public tune::CostModel {
 public:
  explicit ComponentCostModel(std::shared_ptr<ComponentInstance> model) : model_(std::move(model)) {}
  void update(const std::vector<tune::FeatureRows>& features, const std::vector<double>& throughputs) override {
    model_->update(features, throughputs);
  }
  std::vector<double> predict(const std::vector<tune::FeatureRows>& features) override {
    return model_->predict(features);
  }

 private:
  std::shared_ptr<ComponentInstance> model_;
};

}  // namespace

std::shared_ptr<tune::CostModel> as_cost_model(std::shared_ptr<ComponentInstance> model) {
  LOOM_ICHECK(model->entry().kind == LOOM_COMPONENT_COST_MODEL, model->name() + " is not a cost model");
  return std::make_shared<ComponentCostModel>(std::move(model));
}

}  // namespace loom::host
