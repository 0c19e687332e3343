// The meaning-preservation property across every primitive family and every zoo workload:
// random sequences of primitive calls, with arguments drawn from the query primitives and
// the sampling instructions, applied to each zoo workload at a small shape; every schedule
// must compute what the unscheduled workload computes in the reference interpreter (within
// 1e-4 relative/absolute: reduction order may change) and its trace must replay to the same
// module. LOOM_SCHED_SOAK=N runs N seeds per workload instead of the default.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>

#include "loom/sched/call.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using Shape = std::map<std::string, int64_t>;

/// Small shapes for every zoo workload (the interpreter runs each schedule).
const std::map<std::string, Shape>& small_shapes() {
  static const std::map<std::string, Shape> shapes = {
      {"gmm", {{"M", 6}, {"N", 8}, {"K", 4}}},
      {"bmm", {{"B", 2}, {"M", 4}, {"N", 6}, {"K", 4}}},
      {"c1d", {{"N", 1}, {"L", 8}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 2}, {"padding", 1}}},
      {"c2d", {{"N", 1}, {"H", 5}, {"W", 6}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"c3d", {{"N", 1}, {"D", 3}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"dep", {{"N", 1}, {"H", 6}, {"W", 5}, {"C", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"dil", {{"N", 1}, {"H", 8}, {"W", 8}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"grp",
       {{"N", 1}, {"H", 5}, {"W", 5}, {"CI", 4}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}, {"groups", 2}}},
      {"t2d", {{"N", 1}, {"H", 3}, {"W", 3}, {"CI", 2}, {"CO", 2}, {"K", 4}, {"stride", 2}, {"padding", 1}}},
      {"cbr", {{"N", 1}, {"H", 4}, {"W", 5}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"tbg", {{"B", 1}, {"S", 4}, {"H", 2}, {"D", 4}}},
      {"nrm", {{"B", 2}, {"M", 4}, {"N", 6}}},
      {"sfm", {{"M", 4}, {"N", 6}}},
      {"gmm_bias_relu", {{"M", 4}, {"N", 6}, {"K", 4}}},
  };
  return shapes;
}

const char* const kPrimitives[] = {
    "split",      "fuse",           "reorder",
    "parallel",   "vectorize",      "unroll",
    "compute_at", "compute_inline", "reverse_compute_inline",
    "cache_read", "cache_write",    "decompose_reduction",
    "rfactor",    "reindex",        "blockize",
    "annotate",   "storage_align",  "transform_layout",
    "pad_einsum", "add_unit_loop",  "reverse_compute_at",
};
constexpr int kNumPrimitives = sizeof(kPrimitives) / sizeof(kPrimitives[0]);

struct Stats {
  std::map<std::string, int> attempted, applied;
};

int64_t pick(RandomEngine& rng, size_t n) { return rng.uniform_int(0, static_cast<int64_t>(n)); }

/// One random primitive call; returns false when the schedule refused it (then unchanged).
bool random_step(Schedule& sch, RandomEngine& rng, Stats& stats) {
  std::vector<BlockRV> blocks = sch.get_child_blocks(sch.get_block("root"));
  if (blocks.empty()) return false;
  BlockRV block = blocks[static_cast<size_t>(pick(rng, blocks.size()))];
  std::vector<LoopRV> loops = sch.get_loops(block);
  const std::string primitive = kPrimitives[pick(rng, kNumPrimitives)];
  ++stats.attempted[primitive];
  auto call = [&](CallArgs args) { return call_primitive(sch, primitive, args); };
  auto any_loop = [&]() -> Value { return Value(loops[static_cast<size_t>(pick(rng, loops.size()))]); };
  try {
    if (loops.empty() && primitive != "compute_inline" && primitive != "reverse_compute_inline" &&
        primitive != "cache_read" && primitive != "cache_write" && primitive != "annotate" &&
        primitive != "add_unit_loop" && primitive != "transform_layout" && primitive != "pad_einsum" &&
        primitive != "reindex")
      return false;
    ir::Block b = sch.get(block);
    if (primitive == "split") {
      Value loop = any_loop();
      Value tiles = call_primitive(sch, "sample_perfect_tile", {{loop, Value(2), Value(4)}, {}});
      call({{loop, tiles}, {}});
    } else if (primitive == "fuse") {
      if (loops.size() < 2) return false;
      size_t i = static_cast<size_t>(pick(rng, loops.size() - 1));
      call({{Value(loops[i]), Value(loops[i + 1])}, {}});
    } else if (primitive == "reorder") {
      if (loops.size() < 2) return false;
      size_t i = static_cast<size_t>(pick(rng, loops.size())), j = static_cast<size_t>(pick(rng, loops.size()));
      if (i == j) return false;
      call({{Value(loops[std::max(i, j)]), Value(loops[std::min(i, j)])}, {}});
    } else if (primitive == "parallel" || primitive == "vectorize" || primitive == "unroll") {
      call({{any_loop()}, {}});
    } else if (primitive == "compute_at" || primitive == "reverse_compute_at") {
      if (primitive == "compute_at") {
        Value location = call_primitive(sch, "sample_compute_location", {{Value(block)}, {}});
        call({{Value(block), location}, {}});
      } else {
        std::vector<BlockRV> producers = sch.get_producers(block);
        if (producers.empty()) return false;
        std::vector<LoopRV> ploops = sch.get_loops(producers[static_cast<size_t>(pick(rng, producers.size()))]);
        if (ploops.empty()) return false;
        call({{Value(block), Value(ploops[static_cast<size_t>(pick(rng, ploops.size()))])}, {}});
      }
    } else if (primitive == "compute_inline" || primitive == "reverse_compute_inline" || primitive == "add_unit_loop") {
      call({{Value(block)}, {}});
    } else if (primitive == "cache_read" || primitive == "cache_write") {
      size_t n = primitive == "cache_read" ? b->reads.size() : b->writes.size();
      if (n == 0) return false;
      call({{Value(block), Value(pick(rng, n)), Value(rng.uniform_int(0, 2) ? "local" : "global")}, {}});
    } else if (primitive == "decompose_reduction") {
      call({{Value(block), any_loop()}, {}});
    } else if (primitive == "rfactor") {
      call({{any_loop(), Value(int64_t{0})}, {}});
    } else if (primitive == "reindex") {
      bool read = rng.uniform_int(0, 2) == 0;
      size_t n = read ? b->reads.size() : b->writes.size();
      if (n == 0) return false;
      call({{Value(block), Value(std::vector<Value>{Value(read ? "read" : "write"), Value(pick(rng, n))})}, {}});
    } else if (primitive == "blockize") {
      call({{any_loop()}, {}});
    } else if (primitive == "annotate") {
      call({{Value(block), Value("loom.test"), Value(int64_t{rng.uniform_int(0, 4)})}, {}});
    } else if (primitive == "storage_align") {
      if (b->writes.empty()) return false;
      int64_t ndim = static_cast<int64_t>(b->writes[0].buffer->ndim());
      call({{Value(block), Value(int64_t{0}), Value(rng.uniform_int(0, ndim)), Value(int64_t{4}), Value(int64_t{1})},
            {}});
    } else if (primitive == "transform_layout") {
      // Split the first dimension of the block's output by 2: (a0 // 2, a1, ..., a0 % 2). Only
      // intermediate buffers: a parameter's new layout would change the function's signature.
      if (b->writes.empty()) return false;
      for (const ir::Buffer& param : sch.mod().at(sch.default_func())->param_buffers())
        if (param.same_as(b->writes[0].buffer)) return false;
      size_t ndim = b->writes[0].buffer->ndim();
      if (ndim == 0) return false;
      std::string params, body;
      for (size_t d = 0; d < ndim; ++d) params += (d ? ", a" : "a") + std::to_string(d);
      body = "a0 // 2";
      for (size_t d = 1; d < ndim; ++d) body += ", a" + std::to_string(d);
      body += ", a0 % 2";
      call({{Value(block), Value(std::vector<Value>{Value("write"), Value(int64_t{0})}),
             Value("lambda " + params + ": (" + body + ")")},
            {}});
    } else if (primitive == "pad_einsum") {
      call({{Value(block), Value(std::vector<Value>(b->iter_vars.size(), Value(int64_t{4})))}, {}});
    }
  } catch (const ScheduleError&) {
    return false;
  } catch (const UserError&) {  // arguments the primitive's checks reject
    return false;
  }
  ++stats.applied[primitive];
  return true;
}

TEST(RandomSchedules, EveryZooWorkloadKeepsItsMeaningUnderRandomPrimitiveSequences) {
  const char* soak = std::getenv("LOOM_SCHED_SOAK");
  const int seeds = soak != nullptr ? std::atoi(soak) : 20;
  constexpr int kSteps = 6;
  Stats stats;
  int checked = 0;
  ASSERT_EQ(small_shapes().size(), workloads::workloads().size()) << "a zoo workload has no small shape here";
  for (const workloads::WorkloadInfo& info : workloads::workloads()) {
    ir::PrimFunc before = workloads::make_workload(info.name, small_shapes().at(info.name));
    for (int64_t seed = 1; seed <= seeds; ++seed) {
      SCOPED_TRACE("workload " + info.name + ", seed " + std::to_string(seed));
      Schedule sch(before, seed, DebugMode::Verify);
      RandomEngine rng(seed * 7919 + 17);
      try {
        for (int step = 0; step < kSteps; ++step) random_step(sch, rng, stats);
      } catch (const std::exception& e) {  // an InternalError: a primitive broke an invariant
        ADD_FAILURE() << e.what() << "\nafter the schedule (workload " << info.name << ", seed " << seed << "):\n"
                      << sch.trace().as_python() << script::print(sch.mod());
        return;
      }
      testing::expect_equivalent(before, sch.mod().at(sch.default_func()), static_cast<uint64_t>(seed), 1e-4, 1e-4);
      testing::verify_trace_roundtrip(sch);
      ++checked;
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "failing schedule (workload " << info.name << ", seed " << seed << "):\n"
                      << sch.trace().as_python();
        return;
      }
    }
  }
  int attempted = 0, applied = 0;
  std::cout << "random schedules: " << checked << " (" << workloads::workloads().size() << " workloads x " << seeds
            << " seeds x " << kSteps << " steps); applied/attempted per primitive:";
  for (const auto& [name, n] : stats.attempted) {
    attempted += n;
    applied += stats.applied[name];
    std::cout << " " << name << " " << stats.applied[name] << "/" << n;
  }
  std::cout << "\n";
  EXPECT_EQ(checked, static_cast<int>(workloads::workloads().size()) * seeds);
  // A property test that rejects everything checks nothing.
  EXPECT_GT(applied, attempted / 4) << applied << " of " << attempted << " calls applied";
  for (const char* p : kPrimitives)
    EXPECT_GT(stats.applied[p], 0) << "sch." << p << " was never applied: the test does not exercise it";
}

}  // namespace
}  // namespace loom::sched

namespace loom::sched {
namespace {

// Found by the test above: moving a padded copy under its producer's loop would leave the
// padding unwritten; reverse_compute_at now refuses (and DebugMode::Verify's region-cover
// check caught it).
TEST(RandomSchedules, ReverseComputeAtRefusesToDropAConsumersPadding) {
  Schedule sch(workloads::make_workload("nrm", {{"B", 2}, {"M", 4}, {"N", 6}}), 1, DebugMode::Verify);
  sch.pad_einsum(sch.get_block("D"), {4});
  BlockRV pad = sch.get_block("C_pad");
  LoopRV b = sch.get_loops(sch.get_block("C"))[0];
  testing::expect_schedule_error(
      sch, [&] { sch.reverse_compute_at(pad, b); }, "RegionCover",
      "sch.reverse_compute_at: block C_pad would no longer compute all of its iteration variable v0 (domain [0, 3]): "
      "its producers under loop b provide only part of it");
}

}  // namespace
}  // namespace loom::sched

namespace loom::sched {
namespace {

// Found by the soak: inlining a padded copy into its producer would drop the padding.
TEST(RandomSchedules, ReverseComputeInlineRefusesAConsumerLargerThanTheBuffer) {
  Schedule sch(workloads::make_workload("gmm", {{"M", 6}, {"N", 8}, {"K", 4}}), 1, DebugMode::Verify);
  sch.cache_read(sch.get_block("C"), 0, "local");
  sch.pad_einsum(sch.get_block("C"), {4, 4, 4});
  BlockRV pad = sch.get_block("A_local_pad");
  testing::expect_schedule_error(
      sch, [&] { sch.reverse_compute_inline(pad); }, "BodyAnalysis",
      "sch.reverse_compute_inline: block A_local_pad iterates v0 over [0, 0 + 8) but reads A_local at it, whose "
      "dimension 0 has extent 6; inlined into A_local it would not compute the points beyond it");
}

}  // namespace
}  // namespace loom::sched

namespace loom::sched {
namespace {

// Found by the lowering soak: after decompose_reduction the update block loads C without
// declaring it; reindexing its write would leave C_init writing C while the update
// accumulated into uninitialized C_reindex.
TEST(RandomSchedules, ReindexRefusesTheWriteOfADecomposedUpdate) {
  Schedule sch(workloads::make_workload("gmm", {{"M", 4}, {"N", 4}, {"K", 4}}), 1, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  sch.decompose_reduction(c, sch.get_loops(c)[0]);
  testing::expect_schedule_error(
      sch, [&] { sch.reindex(c, BufferIndexType::Write, 0); }, "SharedAccess",
      "sch.reindex: block C reads buffer C before writing it and has no init, cannot reindex its write");
}

}  // namespace
}  // namespace loom::sched
