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
    std::vector<tune::MeasureOutcome> out;
    for (const MeasureRecord& r : runner->measure(inputs)) {
      tune::MeasureOutcome o;
      o.ok = r.ok();
      o.times_s = r.times_s;
      o.error = r.error;
      o.build_s = r.build_s;
      o.run_s = r.run_s;
      out.push_back(std::move(o));
    }
    return out;
  };
}

}  // namespace loom::host
