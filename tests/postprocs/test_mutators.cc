// The mutators of plugin loom.mutators, through the plugin host: each mutated trace differs
// from its input in the intended decision (or annotation value) only, replays to a valid
// schedule equivalent to the workload under the interpreter, nullopt when the trace holds
// nothing to mutate, and the new decisions spread over the legal ones across seeds.
#include <map>
#include <set>

#include "../common/random_schedule.h"
#include "postprocs_test_util.h"

namespace loom::postprocs_test {
namespace {

ir::PrimFunc two_stage() {
  return script::parse_func(R"(
@T.prim_func
def two_stage(A: T.Buffer((8, 16), "float32"), C: T.Buffer((8, 16), "float32")):
    B = T.alloc_buffer((8, 16), "float32")
    for i, j in T.grid(8, 16):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] + T.float32(1)
    for i, j in T.grid(8, 16):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B[vi, vj] * T.float32(2)
)");
}

ir::PrimFunc gmm(int64_t m = 16, int64_t n = 16, int64_t k = 8) {
  return workloads::make_workload("gmm", {{"M", m}, {"N", n}, {"K", k}});
}

/// A point of the default CPU space of `func` (the first trace, decisions drawn by seed).
sched::Schedule space_point(const ir::PrimFunc& func, int64_t seed = 5) {
  tune::PostOrderApply generator(default_rules());
  std::vector<sched::Schedule> space = generator.generate(func, 3);
  EXPECT_FALSE(space.empty());
  return tune::sample_from_trace(func, space.front().trace(), seed);
}

std::optional<sched::Trace> mutate(const std::string& mutator, const sched::Schedule& sch, int64_t seed) {
  static std::map<std::string, std::shared_ptr<host::ComponentInstance>> instances;
  auto& m = instances[mutator];
  if (!m) m = make_mutator(mutator);
  sched::RandomEngine rng(seed);
  return m->apply_mutator(sch.trace().before_postproc(), sch.original_mod(), rng);
}

/// Replays `trace` onto `func`, postprocesses it with the default chain and checks it
/// against the unscheduled function.
void expect_valid(const ir::PrimFunc& func, const sched::Trace& trace, uint64_t seed) {
  sched::Schedule sch(func, 1);
  trace.apply_to(sch);
  std::optional<tune::Candidate> c = tune::finish_candidate(std::move(sch), default_postprocs());
  ASSERT_TRUE(c.has_value()) << trace.as_python();
  expect_equivalent(func, func_of(c->sch), seed);
}

TEST(MutateTileSize, MovesADivisorBetweenTilesOfOneDecision) {
  ir::PrimFunc f = gmm();
  sched::Schedule point = space_point(f);
  sched::Trace trace = point.trace().before_postproc();
  std::set<std::string> seen;
  for (int64_t seed : draw_seeds(40)) {
    std::optional<sched::Trace> mutated = mutate("loom.mutate_tile_size", point, seed);
    ASSERT_TRUE(mutated.has_value());
    std::vector<size_t> changed = changed_decisions(trace, *mutated);
    ASSERT_EQ(changed.size(), 1u) << mutated->as_python();
    const sched::Instruction& inst = trace.instructions()[changed[0]];
    ASSERT_EQ(inst.kind->name, "SamplePerfectTile");
    nlohmann::json before = trace.to_json()[1], after = mutated->to_json()[1];
    std::vector<int64_t> old_tiles, new_tiles;
    for (const auto& d : before)
      if (d[0] == changed[0]) old_tiles = d[1].get<std::vector<int64_t>>();
    for (const auto& d : after)
      if (d[0] == changed[0]) new_tiles = d[1].get<std::vector<int64_t>>();
    ASSERT_EQ(old_tiles.size(), new_tiles.size());
    int64_t p = 1, q = 1;
    for (size_t i = 0; i < old_tiles.size(); ++i) {
      p *= old_tiles[i];
      q *= new_tiles[i];
    }
    EXPECT_EQ(p, q) << "the product (the loop's extent) changed";
    int64_t max_inner = inst.attrs.at(1).as<int64_t>();
    EXPECT_LE(new_tiles.back(), max_inner);
    seen.insert(mutated->to_json()[1].dump());
    if (seen.size() <= 4) expect_valid(f, *mutated, static_cast<uint64_t>(seed % 100));
  }
  EXPECT_GE(seen.size(), 5u) << "40 seeds gave too few distinct mutations";
}

TEST(MutateUnroll, RedrawsTheUnrollStepAmongTheOtherCandidates) {
  ir::PrimFunc f = gmm();
  sched::Schedule point = space_point(f);
  sched::Trace trace = point.trace().before_postproc();
  std::map<int64_t, int> counts;
  int64_t old_decision = -1;
  for (int64_t seed : draw_seeds(60, 1)) {
    std::optional<sched::Trace> mutated = mutate("loom.mutate_unroll", point, seed);
    ASSERT_TRUE(mutated.has_value());
    std::vector<size_t> changed = changed_decisions(trace, *mutated);
    ASSERT_EQ(changed.size(), 1u);
    ASSERT_EQ(trace.instructions()[changed[0]].kind->name, "SampleCategorical");
    old_decision = trace.decision_of(changed[0])->as<int64_t>();
    int64_t next = mutated->decision_of(changed[0])->as<int64_t>();
    EXPECT_NE(next, old_decision);
    ++counts[next];
    if (counts[next] == 1) expect_valid(f, *mutated, 7);
  }
  // Uniform over the three other indices of {0, 16, 64, 512}: each drawn 20 +- 10 times.
  EXPECT_EQ(counts.size(), 3u);
  for (const auto& [decision, n] : counts) EXPECT_GE(n, 10) << "decision " << decision;
  // A categorical that does not feed the unroll annotation is not mutated.
  sched::Schedule other(gmm(6, 8, 4));
  sched::ExprRV v = other.sample_categorical({1, 2, 4}, {0.3, 0.3, 0.4}, 1);
  other.annotate(other.get_block("C"), "something_else", sched::Value(v));
  EXPECT_FALSE(mutate("loom.mutate_unroll", other, 1).has_value());
}

TEST(MutateParallel, ChangesHowManyLoopsAreFusedIntoTheParallelLoop) {
  // gmm 6x8x4, loops i, j, k, parallel limit 64: i and j (48) fuse; the only other count is
  // 1, the limit 1 (i alone).
  ir::PrimFunc f = gmm(6, 8, 4);
  sched::Schedule sch(f);
  sch.annotate(sch.get_block("root"), "meta_schedule.parallel", sched::Value(int64_t{64}));
  sched::Trace trace = sch.trace();
  for (int64_t seed : draw_seeds(5, 2)) {
    std::optional<sched::Trace> mutated = mutate("loom.mutate_parallel", sch, seed);
    ASSERT_TRUE(mutated.has_value());
    EXPECT_TRUE(changed_decisions(trace, *mutated, trace.size() - 1).empty());
    const sched::Instruction& inst = mutated->instructions().back();
    ASSERT_EQ(inst.kind->name, "Annotate");
    EXPECT_EQ(inst.inputs.at(1).as<int64_t>(), 1);
    sched::Schedule replayed(f, 1);
    mutated->apply_to(replayed);
    std::optional<tune::Candidate> c = tune::finish_candidate(std::move(replayed), default_postprocs());
    ASSERT_TRUE(c.has_value());
    std::vector<const ir::ForNode*> loops = loops_of(func_of(c->sch));
    ASSERT_FALSE(loops.empty());
    EXPECT_EQ(loops[0]->for_kind, ir::ForKind::Parallel);
    EXPECT_TRUE(ir::is_const_int(loops[0]->extent, 6)) << script::print(func_of(c->sch));
    expect_equivalent(f, func_of(c->sch));
  }
  // On a space point: another limit, replaying to an equivalent candidate.
  ir::PrimFunc g = gmm();
  sched::Schedule point = space_point(g);
  std::optional<sched::Trace> mutated = mutate("loom.mutate_parallel", point, 3);
  ASSERT_TRUE(mutated.has_value());
  expect_valid(g, *mutated, 5);
  // Nothing to change without the annotation.
  EXPECT_FALSE(mutate("loom.mutate_parallel", sched::Schedule(f), 1).has_value());
}

TEST(MutateComputeLocation, RedrawsAmongTheLegalLocations) {
  ir::PrimFunc f = two_stage();
  sched::Schedule sch(f);
  sched::BlockRV b = sch.get_block("B");
  sched::LoopRV loc = sch.sample_compute_location(b, -1);
  sch.compute_at(b, loc, true);
  sched::Trace trace = sch.trace();
  std::map<int64_t, int> counts;
  for (int64_t seed : draw_seeds(45, 3)) {
    std::optional<sched::Trace> mutated = mutate("loom.mutate_compute_location", sch, seed);
    ASSERT_TRUE(mutated.has_value());
    std::vector<size_t> changed = changed_decisions(trace, *mutated);
    ASSERT_EQ(changed.size(), 1u);
    int64_t next = mutated->decision_of(changed[0])->as<int64_t>();
    ++counts[next];
    if (counts[next] == 1) {
      // The replay keeps the decision (it is legal) and the program's meaning.
      sched::Schedule replayed(f, 1);
      mutated->apply_to(replayed);
      EXPECT_EQ(replayed.trace().decision_of(changed[0])->as<int64_t>(), next);
      expect_equivalent(f, func_of(replayed));
    }
  }
  // Inline, under i, under j: each about a third of the time.
  EXPECT_EQ(counts.size(), 3u);
  for (int64_t d : {-2, 0, 1}) EXPECT_GE(counts[d], 7) << "decision " << d;
  EXPECT_FALSE(mutate("loom.mutate_compute_location", sched::Schedule(f), 1).has_value());
}

TEST(Mutators, NothingToMutateGivesNullopt) {
  sched::Schedule plain(gmm(6, 8, 4));
  for (const char* m :
       {"loom.mutate_tile_size", "loom.mutate_unroll", "loom.mutate_parallel", "loom.mutate_compute_location"})
    EXPECT_FALSE(mutate(m, plain, 1).has_value()) << m;
  // A perfect tile of a unit loop has nothing to move.
  sched::Schedule unit(gmm(1, 8, 4));
  unit.sample_perfect_tile(unit.get_loops(unit.get_block("C"))[0], 2, 16);
  EXPECT_FALSE(mutate("loom.mutate_tile_size", unit, 1).has_value());
}

}  // namespace
}  // namespace loom::postprocs_test
