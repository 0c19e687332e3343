// loom.mutate_unroll: TVM's MutateUnroll (src/meta_schedule/mutator/mutate_unroll.cc).
//
// 1. Find the SampleCategorical instructions whose result is the value of an Annotate with
//    key "meta_schedule.unroll_explicit" or "meta_schedule.unroll_implicit" (as
//    loom.parallelize_vectorize_unroll writes them).
// 2. Pick one uniformly, and a new decision (a candidate index) uniformly among its other
//    candidates. An instruction with a single candidate is skipped.
#include "mutators.h"

namespace loom::mutators {

MutateUnroll::MutateUnroll(const lp::Config&) {}

std::optional<lp::Trace> MutateUnroll::apply(const lp::Trace& trace, lp::Rng& rng) {
  const std::vector<lp::Instruction> insts = trace.design_instructions();
  const size_t n = insts.size();
  std::vector<size_t> candidates;
  for (size_t i = 0; i < n; ++i) {
    const lp::Instruction& inst = insts[i];
    if (inst.kind != "SampleCategorical" || !inst.decision || inst.outputs.size() != 1 || inst.attrs.empty() ||
        inst.attrs[0].items.size() < 2)
      continue;
    uint32_t rv = inst.outputs[0].rv;
    bool feeds_unroll = false;
    for (size_t j = i + 1; j < n && !feeds_unroll; ++j) {
      const lp::Instruction& use = insts[j];
      if (use.kind != "Annotate" || use.inputs.size() < 2 || use.attrs.empty()) continue;
      const std::string& key = use.attrs[0].s;
      feeds_unroll = (key == kUnrollExplicit || key == kUnrollImplicit) && use.inputs[1].kind == LOOM_VALUE_EXPR &&
                     use.inputs[1].rv == rv;
    }
    if (feeds_unroll) candidates.push_back(i);
  }
  if (candidates.empty()) return std::nullopt;
  size_t index = take_random(candidates, rng);
  const lp::Instruction& inst = insts[index];
  int64_t n_candidates = static_cast<int64_t>(inst.attrs[0].items.size());
  int64_t current = inst.decision->i;
  // Uniform over the other indices: draw among n - 1 and skip the current one.
  int64_t next = rng.uniform_int(0, n_candidates - 1);
  if (next >= current) ++next;
  return trace.with_decision(index, next);
}

}  // namespace loom::mutators
