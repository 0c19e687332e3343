// loom.mutate_thread_binding: TVM's MutateThreadBinding (src/meta_schedule/mutator/
// mutate_thread_binding.cc).
//
// 1. Find the pattern loom.auto_bind writes:
//        v = sch.sample_categorical(...)
//        l1, l2 = sch.split(l0, [None, v])
//        sch.bind(l2, "threadIdx.x")
// 2. Pick one such SampleCategorical uniformly, and a new decision among its other
//    candidates, drawn by their probabilities.
#include <map>
#include <numeric>

#include "mutators.h"

namespace loom::mutators {

MutateThreadBinding::MutateThreadBinding(const lp::Config&) {}

std::optional<lp::Trace> MutateThreadBinding::apply(const lp::Trace& trace, lp::Rng& rng) {
  const std::vector<lp::Instruction> insts = trace.design_instructions();
  std::map<uint32_t, size_t> samples;  // ExprRV -> index of its SampleCategorical
  std::map<uint32_t, size_t> splits;   // inner LoopRV -> index of the sample its split used
  std::vector<size_t> candidates;
  for (size_t i = 0; i < insts.size(); ++i) {
    const lp::Instruction& inst = insts[i];
    if (inst.kind == "SampleCategorical" && inst.outputs.size() == 1 && inst.decision && inst.attrs.size() == 2) {
      samples[inst.outputs[0].rv] = i;
    } else if (inst.kind == "Split" && inst.inputs.size() == 3 && inst.inputs[1].is_none() &&
               inst.inputs[2].kind == LOOM_VALUE_EXPR && inst.outputs.size() == 2) {
      if (auto it = samples.find(inst.inputs[2].rv); it != samples.end()) splits[inst.outputs[1].rv] = it->second;
    } else if (inst.kind == "Bind" && inst.inputs.size() == 1 && inst.attrs.size() == 1 &&
               inst.attrs[0].s == "threadIdx.x") {
      if (auto it = splits.find(inst.inputs[0].rv); it != splits.end()) {
        if (insts[it->second].attrs[0].items.size() >= 2) candidates.push_back(it->second);
      }
    }
  }
  if (candidates.empty()) return std::nullopt;
  const size_t index = take_random(candidates, rng);
  const lp::Instruction& inst = insts[index];
  std::vector<double> probs;
  for (const lp::Value& p : inst.attrs[1].items) probs.push_back(p.kind == LOOM_VALUE_FLOAT ? p.f : double(p.i));
  const auto current = static_cast<size_t>(inst.decision->i);
  // Draw among the other candidates by their probabilities (all equal when they sum to 0).
  std::vector<size_t> others;
  double total = 0;
  for (size_t k = 0; k < probs.size(); ++k) {
    if (k == current) continue;
    others.push_back(k);
    total += probs[k];
  }
  size_t next = others.back();
  if (total <= 0) {
    next = others[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(others.size())))];
  } else {
    double r = rng.uniform_real() * total;
    for (size_t k : others) {
      if (r < probs[k]) {
        next = k;
        break;
      }
      r -= probs[k];
    }
  }
  return trace.with_decision(index, static_cast<int64_t>(next));
}

}  // namespace loom::mutators
