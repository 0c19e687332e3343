// loom.mutate_compute_location: TVM's MutateComputeLocation
// (src/meta_schedule/mutator/mutate_compute_location.cc).
//
// A SampleComputeLocation decision is -2 (inline), -1 (root) or the index of a loop above
// the block's first consumer. TVM lists the legal ones by replaying the trace up to the
// instruction; the ABI replays whole traces only, so each candidate is checked by replay:
// 1. Pick a SampleComputeLocation instruction uniformly (then the others, in random order,
//    until one has another legal decision).
// 2. For each decision d other than the current one, from -2 up to a bound on the number
//    of loops that can be above the consumer at that point (the deepest loop nest of the
//    replayed schedule plus the loops fused away after the instruction), replay the trace
//    with d: d is legal when the replay succeeds and records d itself
//    (sample_compute_location falls back to a smaller legal decision for an illegal one).
// 3. Pick a legal decision uniformly.
#include "mutators.h"

namespace loom::mutators {

namespace {

int64_t max_loop_depth(const ir::Node& node, int64_t depth) {
  if (node.is_null()) return depth;
  if (node.is<ir::Buffer>() || node.is<ir::Expr>()) return depth;
  int64_t here = depth + (node.is<ir::For>() ? 1 : 0);
  int64_t best = here;
  for (size_t i = 0, n = node.num_fields(); i < n; ++i) {
    ir::Field f = node.field(node.field_name(i));
    if (f.is_node()) best = std::max(best, max_loop_depth(f.node(), here));
    if (f.is_list()) {
      for (size_t k = 0; k < f.size(); ++k) {
        ir::Field item = f.item(k);
        if (item.is_node()) best = std::max(best, max_loop_depth(item.node(), here));
      }
    }
  }
  return best;
}

int64_t count_loops(const lp::Value& v) {
  if (v.kind == LOOM_VALUE_LOOP) return 1;
  int64_t n = 0;
  for (const lp::Value& item : v.items) n += count_loops(item);
  return n;
}

}  // namespace

MutateComputeLocation::MutateComputeLocation(const lp::Config&) {}

std::optional<lp::Trace> MutateComputeLocation::apply(const lp::Trace& trace, lp::Rng& rng) {
  const std::vector<lp::Instruction> insts = trace.design_instructions();
  const size_t n = insts.size();
  std::vector<size_t> candidates;
  for (size_t i = 0; i < n; ++i) {
    if (insts[i].kind == "SampleComputeLocation" && insts[i].decision) candidates.push_back(i);
  }
  if (candidates.empty()) return std::nullopt;
  int64_t depth = 0;
  {
    lp::Trace cut = trace.with_decision(candidates[0], insts[candidates[0]].decision->to_arg());
    lp::Schedule replayed = cut.replay();
    depth = max_loop_depth(replayed.func().node(), 0);
  }
  while (!candidates.empty()) {
    size_t index = take_random(candidates, rng);
    int64_t current = insts[index].decision->i;
    int64_t bound = depth;
    for (size_t j = index + 1; j < n; ++j) {
      if (insts[j].kind != "Fuse") continue;
      for (const lp::Value& in : insts[j].inputs) bound += count_loops(in);
    }
    std::vector<int64_t> legal;
    for (int64_t d = -2; d < bound; ++d) {
      if (d == current) continue;
      lp::Trace probe = trace.with_decision(index, d);
      try {
        lp::Schedule s = probe.replay();
        lp::Trace replayed = s.trace();
        if (index >= replayed.size()) continue;
        lp::Instruction inst = replayed.instruction(index);
        if (inst.kind == "SampleComputeLocation" && inst.decision && inst.decision->i == d) legal.push_back(d);
      } catch (const lp::Error& e) {
        if (e.status() != LOOM_ERROR_SCHEDULE && e.status() != LOOM_ERROR_ARGUMENT) throw;
      }
    }
    if (legal.empty()) continue;
    return trace.with_decision(index, take_random(legal, rng));
  }
  return std::nullopt;
}

}  // namespace loom::mutators
