// loom.multi_level_tiling and loom.add_rfactor: the tiles, forks and annotations they make,
// the blocks they must leave alone, and their config keys.
#include <gmock/gmock.h>

#include <set>

#include "rules_test_util.h"

namespace loom::rules_test {
namespace {

using ::testing::HasSubstr;

ir::PrimFunc gmm(int64_t m, int64_t n, int64_t k) {
  return workloads::make_workload("gmm", {{"M", m}, {"N", n}, {"K", k}});
}

// The loops above the block named `name`.
size_t loops_above(const sched::Schedule& sch, const std::string& name) {
  sched::Schedule probe = sch.copy();
  return probe.get_loops(probe.get_block(name)).size();
}

// The decisions of the trace's SamplePerfectTile instructions.
std::vector<std::vector<int64_t>> tile_decisions(const sched::Schedule& sch) {
  std::vector<std::vector<int64_t>> out;
  const sched::Trace& trace = sch.trace();
  for (size_t i = 0; i < trace.instructions().size(); ++i) {
    if (trace.instructions()[i].kind->name != "SamplePerfectTile") continue;
    std::vector<int64_t> tiles;
    const std::optional<sched::Value> decision = trace.decision_of(i);  // kept: the loop borrows from it
    for (const sched::Value& v : decision->as<std::vector<sched::Value>>()) tiles.push_back(v.as<int64_t>());
    out.push_back(tiles);
  }
  return out;
}

// The block other than root and those named in `known`.
std::string other_block(const ir::PrimFunc& f, const std::set<std::string>& known) {
  for (const std::string& n : block_names(f)) {
    if (n != "root" && !known.count(n)) return n;
  }
  return "";
}

TEST(MultiLevelTiling, TilesSSRSRSAndForksOverTheWriteCache) {
  auto rule = make_rule("loom.multi_level_tiling");
  ir::PrimFunc f = gmm(6, 8, 4);
  std::vector<sched::Schedule> out = apply(*rule, sched::Schedule(f, 1, sched::DebugMode::Verify), "C");
  // No cache, a cache at level 1, a cache at level 2 (TVM's order).
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < out.size(); ++i) {
    const sched::Schedule& s = out[i];
    // Two spatial loops in 4 tiles, one reduction loop in 2: 2 * 4 + 2 loops.
    EXPECT_EQ(count(s, "SamplePerfectTile"), 3);
    EXPECT_EQ(count(s, "Split"), 3);
    EXPECT_EQ(count(s, "Reorder"), 1);
    EXPECT_EQ(count(s, "CacheWrite"), i == 0 ? 0 : 1);
    EXPECT_EQ(count(s, "ReverseComputeAt"), i == 0 ? 0 : 1);
    EXPECT_EQ(loops_above(s, "C"), 10u);
    ir::Annotations anns = annotations_of(s, "C");
    ASSERT_TRUE(anns.count("meta_schedule.tiling_structure"));
    EXPECT_EQ(std::get<std::string>(anns.at("meta_schedule.tiling_structure").value), "SSRSRS");
    for (const std::vector<int64_t>& tiles : tile_decisions(s)) EXPECT_LE(tiles.back(), 64);
    expect_equivalent(f, func_of(s));
  }
  // The write-back block sits under the last loop of tile level 1 (i0, j0), then 2.
  std::string cache = other_block(func_of(out[1]), {"C"});
  ASSERT_FALSE(cache.empty());
  EXPECT_EQ(loops_above(out[1], cache), 2u + 2u);
  EXPECT_EQ(loops_above(out[2], cache), 4u + 2u);
  // The reduction tiles sit between: i0 j0 i1 j1 k0 i2 j2 k1 i3 j3.
  sched::Schedule probe = out[0].copy();
  auto loops = probe.get_loops(probe.get_block("C"));
  std::vector<loom::sched::LoopIterKind> kinds_of_loops;
  for (const auto& l : loops) kinds_of_loops.push_back(sched::analyze_loop(probe, l).iter_kind);
  using K = sched::LoopIterKind;
  EXPECT_EQ(kinds_of_loops, (std::vector<K>{K::Spatial, K::Spatial, K::Spatial, K::Spatial, K::Reduce, K::Spatial,
                                            K::Spatial, K::Reduce, K::Spatial, K::Spatial}));
}

TEST(MultiLevelTiling, SampledPointsStayEquivalent) {
  auto rule = make_rule("loom.multi_level_tiling", {entry("max_innermost_factor", config::ConfigValue::integer(2))});
  ir::PrimFunc f = gmm(8, 12, 6);
  auto space = tune::PostOrderApply({to_rule(rule)}).generate(f, 3);
  ASSERT_EQ(space.size(), 3u);
  std::set<std::string> distinct;
  for (const sched::Schedule& s : space) {
    for (int64_t seed : draw_seeds(6)) {
      sched::Schedule point = tune::sample_from_trace(f, s.trace(), seed, sched::DebugMode::Verify);
      for (const std::vector<int64_t>& tiles : tile_decisions(point)) EXPECT_LE(tiles.back(), 2);
      distinct.insert(point.trace().as_python());
      expect_equivalent(f, func_of(point));
    }
  }
  EXPECT_GT(distinct.size(), 6u);
}

TEST(MultiLevelTiling, MovesAConsumerThatIsAlreadyAWriteCache) {
  ir::PrimFunc f = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 4), "float32"), B: T.Buffer((4, 6), "float32"), D: T.Buffer((8, 6), "float32")):
    C = T.alloc_buffer((8, 6), "float32")
    for i, j, k in T.grid(8, 6, 4):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
    for i, j in T.grid(8, 6):
        with T.block("D"):
            vi, vj = T.axis.remap("SS", [i, j])
            D[vi, vj] = T.max(C[vi, vj], T.float32(0))
)");
  std::vector<sched::Schedule> out = apply(*make_rule("loom.multi_level_tiling"), sched::Schedule(f), "C");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(loops_above(out[0], "D"), 2u + 2u);
  EXPECT_EQ(loops_above(out[1], "D"), 4u + 2u);
  EXPECT_EQ(loops_above(out[2], "D"), 2u);
  for (const sched::Schedule& s : out) {
    EXPECT_EQ(count(s, "CacheWrite"), 0);
    expect_equivalent(f, func_of(s));
  }
}

TEST(MultiLevelTiling, ReuseWriteKeys) {
  ir::PrimFunc f = gmm(6, 8, 4);
  sched::Schedule start(f);
  auto no = make_rule("loom.multi_level_tiling", {entry("reuse_write_req", config::ConfigValue::string("no"))});
  std::vector<sched::Schedule> none = apply(*no, start, "C");
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(count(none[0], "CacheWrite"), 0);
  auto must =
      make_rule("loom.multi_level_tiling", {entry("reuse_write_req", config::ConfigValue::string("must")),
                                            entry("reuse_write_levels", ints({2}), 5),
                                            entry("reuse_write_scope", config::ConfigValue::string("global"), 6)});
  std::vector<sched::Schedule> one = apply(*must, start, "C");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(count(one[0], "CacheWrite"), 1);
  EXPECT_EQ(loops_above(one[0], other_block(func_of(one[0]), {"C"})), 4u + 2u);
  auto ssr = make_rule("loom.multi_level_tiling", {entry("structure", config::ConfigValue::string("SSR")),
                                                   entry("reuse_write_req", config::ConfigValue::string("no"), 5)});
  std::vector<sched::Schedule> three = apply(*ssr, start, "C");
  ASSERT_EQ(three.size(), 1u);
  EXPECT_EQ(loops_above(three[0], "C"), 2u * 2u + 1u);
  expect_equivalent(f, func_of(three[0]));
}

TEST(MultiLevelTiling, ABlockMayAskForItsWriteCacheLevels) {
  ir::PrimFunc f = gmm(6, 8, 4);
  sched::Schedule marked(f);
  marked.annotate(marked.get_block("C"), "meta_schedule.write_cache_level",
                  sched::Value(std::vector<sched::Value>{sched::Value(int64_t{1})}));
  std::vector<sched::Schedule> out = apply(*make_rule("loom.multi_level_tiling"), marked, "C");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(count(out[0], "CacheWrite"), 1);
  EXPECT_EQ(loops_above(out[0], other_block(func_of(out[0]), {"C"})), 2u + 2u);
  expect_equivalent(f, func_of(out[0]));
}

TEST(MultiLevelTiling, LeavesBlocksThatDoNotNeedTiling) {
  auto rule = make_rule("loom.multi_level_tiling");
  ir::PrimFunc relu = workloads::make_workload("gmm_bias_relu", {{"M", 4}, {"N", 6}, {"K", 4}});
  ir::PrimFunc nrm = workloads::make_workload("nrm", {{"B", 2}, {"M", 4}, {"N", 6}});
  // A spatial block; a reduction whose every read is indexed by every spatial variable.
  for (auto [f, block] : {std::pair{relu, "relu"}, std::pair{nrm, "C"}}) {
    sched::Schedule start(f);
    std::vector<sched::Schedule> out = apply(*rule, start, block);
    ASSERT_EQ(out.size(), 1u) << block;
    EXPECT_EQ(count(out[0], "Split"), 0) << block;
  }
  // A block tiled once is not tiled again.
  std::vector<sched::Schedule> once = apply(*rule, sched::Schedule(gmm(6, 8, 4)), "C");
  std::vector<sched::Schedule> twice = apply(*rule, once[0], "C");
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_EQ(count(twice[0], "Split"), 3);
}

TEST(MultiLevelTiling, ConfigErrorsNameTheKey) {
  for (auto& [key, value] : std::vector<std::pair<std::string, config::ConfigValue>>{
           {"structure", config::ConfigValue::string("SSX")},
           {"structure", config::ConfigValue::string("SSS")},
           {"max_innermost_factor", config::ConfigValue::integer(0)},
           {"reuse_write_req", config::ConfigValue::string("sometimes")},
           {"reuse_write_levels", ints({7})},
           {"reuse_write_levels", config::ConfigValue::string("1")},
           {"reuse_read", config::ConfigValue::string("may")}}) {
    try {
      make_rule("loom.multi_level_tiling", {entry(key, value)});
      ADD_FAILURE() << "expected an error for " << key;
    } catch (const std::exception& e) {
      EXPECT_THAT(e.what(), HasSubstr(key));
    }
  }
}

// ----- loom.add_rfactor ---------------------------------------------------------------

config::ConfigEntry cores(int64_t n) { return entry("num_cores", config::ConfigValue::integer(n)); }

TEST(AddRFactor, ForksOverBothSplitLoopsAndTheOriginal) {
  ir::PrimFunc f = workloads::make_workload("nrm", {{"B", 2}, {"M", 4}, {"N", 6}});
  auto rule = make_rule("loom.add_rfactor", {cores(4)});
  sched::Schedule start(f, 1, sched::DebugMode::Verify);
  std::vector<sched::Schedule> out = apply(*rule, start, "C");
  // Reduction 24 > 4 cores: rfactor on the outer and on the inner part, then the original.
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 2; ++i) {
    const sched::Schedule& s = out[i];
    EXPECT_EQ(count(s, "Fuse"), 1);  // the two reduction loops
    EXPECT_EQ(count(s, "SamplePerfectTile"), 1);
    EXPECT_EQ(count(s, "RFactor"), 1);
    EXPECT_EQ(block_names(func_of(s)).size(), 4u);  // root, D, C and the rfactor block
    EXPECT_TRUE(annotations_of(s, "C").count("meta_schedule.random_compute_producer"));
    expect_equivalent(f, func_of(s));
  }
  EXPECT_EQ(kinds(out[2]), std::vector<std::string>{"GetBlock"});
  EXPECT_EQ(block_names(func_of(out[2])).size(), 3u);
}

TEST(AddRFactor, OnlyWhereParallelismIsScarce) {
  // A reduction that multi-level tiling leaves alone: whenever it is longer than one.
  ir::PrimFunc nrm = workloads::make_workload("nrm", {{"B", 2}, {"M", 4}, {"N", 6}});
  EXPECT_EQ(apply(*make_rule("loom.add_rfactor", {cores(64)}), sched::Schedule(nrm), "C").size(), 3u);
  ir::PrimFunc unit = workloads::make_workload("nrm", {{"B", 2}, {"M", 1}, {"N", 1}});
  EXPECT_EQ(apply(*make_rule("loom.add_rfactor", {cores(1)}), sched::Schedule(unit), "C").size(), 1u);
  // A matmul needing tiling: only with less spatial than reduction work, and at most
  // num_cores * max_jobs_per_core spatial iterations.
  auto rule = make_rule("loom.add_rfactor", {cores(4)});
  EXPECT_EQ(apply(*rule, sched::Schedule(gmm(6, 8, 4)), "C").size(), 1u);
  std::vector<sched::Schedule> thin = apply(*rule, sched::Schedule(gmm(2, 2, 64)), "C");
  ASSERT_EQ(thin.size(), 3u);
  expect_equivalent(gmm(2, 2, 64), func_of(thin[0]));
  ir::PrimFunc wide = gmm(8, 8, 512);  // 64 spatial iterations
  EXPECT_EQ(apply(*make_rule("loom.add_rfactor", {cores(4)}), sched::Schedule(wide), "C").size(), 3u);
  EXPECT_EQ(apply(*make_rule("loom.add_rfactor", {cores(3)}), sched::Schedule(wide), "C").size(), 1u);
  auto serial = make_rule("loom.add_rfactor", {entry("max_jobs_per_core", config::ConfigValue::integer(-1))});
  EXPECT_EQ(apply(*serial, sched::Schedule(wide), "C").size(), 1u);
  EXPECT_EQ(apply(*serial, sched::Schedule(nrm), "C").size(), 3u);
  // Not a reduction.
  ir::PrimFunc relu = workloads::make_workload("gmm_bias_relu", {{"M", 4}, {"N", 6}, {"K", 4}});
  EXPECT_EQ(apply(*rule, sched::Schedule(relu), "relu").size(), 1u);
  // A tiled block is left to its tiling.
  std::vector<sched::Schedule> tiled =
      apply(*make_rule("loom.multi_level_tiling"), sched::Schedule(gmm(2, 2, 64)), "C");
  EXPECT_EQ(apply(*rule, tiled[0], "C").size(), 1u);
  for (auto& [key, value] : std::vector<std::pair<std::string, config::ConfigValue>>{
           {"max_jobs_per_core", config::ConfigValue::integer(0)},
           {"num_cores", config::ConfigValue::integer(-2)},
           {"max_innermost_factor", config::ConfigValue::string("64")}}) {
    try {
      make_rule("loom.add_rfactor", {entry(key, value)});
      ADD_FAILURE() << "expected an error for " << key;
    } catch (const std::exception& e) {
      EXPECT_THAT(e.what(), HasSubstr(key));
    }
  }
}

}  // namespace
}  // namespace loom::rules_test
