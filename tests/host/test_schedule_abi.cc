// The schedule, trace and config parts of the host's function table, driven through the
// C++ wrapper (plugin.hpp) as a plugin drives them: results, recording and every error path.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "../../core/src/host/abi.h"
#include "gmock/gmock.h"
#include "loom/host/host_api.h"
#include "loom/ir/structural_equal.h"
#include "loom/plugin.hpp"
#include "loom/sched/trace.h"
#include "loom/script/printer.h"
#include "loom/workloads/zoo.h"

namespace loom::host {
namespace {

namespace lp = loom::plugin;
using ::testing::HasSubstr;

class ScheduleAbi : public ::testing::Test {
 protected:
  void SetUp() override { lp::set_host(host_api()); }

  /// A plugin-side handle owning a fresh schedule of a zoo workload.
  static lp::Schedule schedule(const std::string& workload, const std::map<std::string, int64_t>& shape) {
    return lp::Schedule(new loom_schedule{sched::Schedule(workloads::make_workload(workload, shape), 1), {}, {}});
  }
  static const sched::Schedule& core(const lp::Schedule& s) { return s.get()->sch; }
};

template <typename F>
lp::Error expect_abi_error(F&& f, loom_status status) {
  try {
    f();
  } catch (const lp::Error& e) {
    EXPECT_EQ(e.status(), status) << e.what();
    return e;
  }
  ADD_FAILURE() << "expected an error";
  return lp::Error("none");
}

TEST_F(ScheduleAbi, CallsAreRecordedLikeCoreCalls) {
  lp::Schedule s = schedule("gmm", {{"M", 16}, {"N", 16}, {"K", 8}});
  lp::BlockRV c = s.get_block("C");
  std::vector<lp::LoopRV> loops = s.get_loops(c);
  ASSERT_EQ(loops.size(), 3u);
  std::vector<lp::ExprRV> tiles = s.sample_perfect_tile(loops[0], 2, 4, std::vector<int64_t>{4, 4});
  EXPECT_EQ(s.value(tiles[0]), 4);
  std::vector<lp::LoopRV> i = s.split(loops[0], {tiles[0], tiles[1]});
  s.reorder({loops[1], i[1]});
  s.parallel(i[0]);
  s.unroll(loops[2]);
  lp::BlockRV cache = s.cache_write(c, 0, "local");
  s.reverse_compute_at(cache, loops[1]);
  // The same calls made on a core schedule give the same trace and module.
  sched::Schedule ref(workloads::make_workload("gmm", {{"M", 16}, {"N", 16}, {"K", 8}}), 1);
  sched::BlockRV rc = ref.get_block("C");
  std::vector<sched::LoopRV> rl = ref.get_loops(rc);
  std::vector<sched::ExprRV> rt = ref.sample_perfect_tile(rl[0], 2, 4, std::vector<int64_t>{4, 4});
  std::vector<sched::LoopRV> ri = ref.split(rl[0], std::vector<std::optional<sched::ExprRV>>{rt[0], rt[1]});
  ref.reorder({rl[1], ri[1]});
  ref.parallel(ri[0]);
  ref.unroll(rl[2]);
  sched::BlockRV rcache = ref.cache_write(rc, 0, "local");
  ref.reverse_compute_at(rcache, rl[1]);
  EXPECT_EQ(core(s).trace().as_python(), ref.trace().as_python());
  EXPECT_TRUE(ir::structural_equal(core(s).mod().at("gmm"), ref.mod().at("gmm")));
  EXPECT_EQ(s.script(), script::print(ref.mod()));
  EXPECT_EQ(s.structural_hash(), s.copy().structural_hash());
}

TEST_F(ScheduleAbi, ManyOutputsComeBackWhole) {
  lp::Schedule s = schedule(
      "c3d", {{"N", 1}, {"D", 4}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}});
  lp::BlockRV conv = s.get_block("conv3d_ndhwc");
  std::vector<lp::LoopRV> loops = s.get_loops(conv);
  for (lp::LoopRV l : loops) s.split(l, {lp::none, 1});
  std::vector<lp::LoopRV> all = s.get_loops(conv);
  EXPECT_EQ(all.size(), 2 * loops.size());
  EXPECT_GT(all.size(), 16u);  // more than the wrapper's first output array
  for (lp::LoopRV l : all) EXPECT_TRUE(s.is_valid(l));
  EXPECT_FALSE(s.is_valid(loops[0]));  // split removed it
}

TEST_F(ScheduleAbi, ErrorsCarryTheirStatusAndKind) {
  lp::Schedule s = schedule("gmm", {{"M", 8}, {"N", 8}, {"K", 4}});
  lp::BlockRV c = s.get_block("C");
  std::vector<lp::LoopRV> loops = s.get_loops(c);
  size_t before = core(s).trace().size();
  lp::Error e = expect_abi_error([&] { s.call("fusee", {loops[0]}); }, LOOM_ERROR_NOT_FOUND);
  EXPECT_THAT(e.what(), HasSubstr("sch.fusee is not a schedule primitive; did you mean sch.fuse?"));
  e = expect_abi_error([&] { s.call("parallel", {c}); }, LOOM_ERROR_ARGUMENT);
  EXPECT_THAT(e.what(), HasSubstr("argument 'loop' must be a loop"));
  e = expect_abi_error([&] { s.fuse({loops[0], loops[2]}); }, LOOM_ERROR_SCHEDULE);
  EXPECT_FALSE(e.kind().empty());
  EXPECT_THAT(e.what(), HasSubstr("sch.fuse"));
  e = expect_abi_error([&] { s.compute_inline(c); }, LOOM_ERROR_SCHEDULE);
  EXPECT_EQ(core(s).trace().size(), before);  // failed calls record nothing
}

TEST_F(ScheduleAbi, TracesExposeDecisionsAndReplayWithChangedOnes) {
  lp::Schedule s = schedule("gmm", {{"M", 16}, {"N", 8}, {"K", 4}});
  std::vector<lp::LoopRV> loops = s.get_loops(s.get_block("C"));
  std::vector<lp::ExprRV> tiles = s.sample_perfect_tile(loops[0], 2, 16, std::vector<int64_t>{2, 8});
  s.split(loops[0], {tiles[0], tiles[1]});
  s.enter_postproc();
  s.parallel(s.get_loops(s.get_block("C"))[0]);
  lp::Trace t = s.trace();
  ASSERT_EQ(t.size(), core(s).trace().size());
  lp::Instruction sample = t.instruction(2);
  EXPECT_EQ(sample.kind, "SamplePerfectTile");
  EXPECT_EQ(sample.python_name, "sample_perfect_tile");
  EXPECT_TRUE(sample.is_sampling);
  EXPECT_TRUE(sample.is_pure);
  ASSERT_TRUE(sample.decision.has_value());
  EXPECT_EQ(sample.decision->ints(), (std::vector<int64_t>{2, 8}));
  EXPECT_EQ(sample.attrs.at(1).i, 16);  // max_innermost_factor
  // A changed decision, without the postprocessing part.
  lp::Trace changed = t.with_decision(2, std::vector<int64_t>{4, 4});
  EXPECT_EQ(changed.instruction(2).decision->ints(), (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(changed.size(), 4u);  // get_block, get_loops, sample, split; EnterPostproc and after dropped
  lp::Schedule replayed = changed.replay();
  EXPECT_THAT(replayed.script(), HasSubstr("for i_0, i_1, j, k in T.grid(4, 4, 8, 4)"));
  EXPECT_THAT(t.json(), HasSubstr("\"SamplePerfectTile\""));
  EXPECT_THAT(t.python(), HasSubstr("decision=[2, 8]"));
  // An invalid decision fails cleanly at replay.
  lp::Trace bad = t.with_decision(2, std::vector<int64_t>{3, 5});
  lp::Error e = expect_abi_error([&] { bad.replay(); }, LOOM_ERROR_SCHEDULE);
  EXPECT_THAT(e.what(), HasSubstr("sample_perfect_tile"));
  // Out-of-range instruction indices.
  expect_abi_error([&] { t.instruction(99); }, LOOM_ERROR_ARGUMENT);
  expect_abi_error([&] { t.with_decision(99, 1); }, LOOM_ERROR_ARGUMENT);
}

TEST_F(ScheduleAbi, ConfigGettersAreTypedAndPositioned) {
  using config::ConfigValue;
  auto pos = [](int line, int col) { return config::SourcePos{"run.toml", line, col}; };
  config::ComponentConfig table(
      "[[rule]]", "acme.rule", pos(3, 1),
      {{"n", pos(4, 1), ConfigValue::integer(7, pos(4, 5))},
       {"ratio", pos(5, 1), ConfigValue::integer(2, pos(5, 9))},
       {"on", pos(6, 1), ConfigValue::boolean(true, pos(6, 6))},
       {"name2", pos(7, 1), ConfigValue::string("x", pos(7, 9))},
       {"sizes", pos(8, 1),
        ConfigValue::array({ConfigValue::integer(1), ConfigValue::integer(2), ConfigValue::integer(3)}, pos(8, 9))}});
  loom_config handle{&table};
  lp::Config c(&handle);
  EXPECT_EQ(c.get_int("n", 0), 7);
  EXPECT_EQ(c.get_int("missing", 42), 42);
  EXPECT_DOUBLE_EQ(c.get_float("ratio", 0.5), 2.0);  // an integer reads as a float
  EXPECT_TRUE(c.get_bool("on", false));
  EXPECT_EQ(c.get_string("name2", "y"), "x");
  EXPECT_EQ(c.get_string("other", "y"), "y");
  EXPECT_EQ(c.get_int_list("sizes", {}), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(c.has("n"));
  EXPECT_FALSE(c.has("missing"));
  lp::Error e = expect_abi_error([&] { c.get_int("name2", 0); }, LOOM_ERROR_CONFIG);
  EXPECT_THAT(e.what(), HasSubstr("run.toml:7:9"));
  EXPECT_THAT(e.what(), HasSubstr("must be an integer, got a string"));
}

TEST_F(ScheduleAbi, LowersAScheduledFunctionThroughTheAbi) {
  lp::Schedule s = schedule("gmm", {{"M", 8}, {"N", 8}, {"K", 4}});
  lp::BlockRV c = s.get_block("C");
  lp::BlockRV cache = s.cache_write(c, 0, "local");
  s.reverse_compute_at(cache, s.get_loops(c)[0]);
  lp::ir::Func lowered = lp::lower(s.func());
  // No blocks are left, and every buffer is one-dimensional.
  int blocks = 0, buffers = 0;
  std::function<void(const lp::ir::Node&)> walk = [&](const lp::ir::Node& n) {
    if (!n) return;
    if (n.kind() == LOOM_NODE_BLOCK || n.kind() == LOOM_NODE_BLOCK_REALIZE) ++blocks;
    if (n.kind() == LOOM_NODE_BUFFER) {
      ++buffers;
      EXPECT_EQ(n.field("shape").size(), 1u) << n.str("name");
      return;
    }
    for (std::string_view name : n.field_names()) {
      lp::ir::Field f = n.field(name);
      if (f.is_node()) walk(f.node());
      if (f.is_list())
        for (size_t k = 0; k < f.size(); ++k) {
          lp::ir::Field item = f.item(k);
          if (item.is_node()) walk(item.node());
        }
    }
  };
  walk(lowered.node());
  EXPECT_EQ(blocks, 0);
  EXPECT_GT(buffers, 0);
  expect_abi_error([&] { lp::lower(lp::ir::Func()); }, LOOM_ERROR_ARGUMENT);
}

/// Counts the vector expressions (Ramp, Broadcast) and vectorized loops of a lowered function.
struct VectorCount {
  int ramps = 0;
  int vectorized_loops = 0;
};
VectorCount count_vectors(const lp::ir::Func& f) {
  VectorCount c;
  lp::ir::walk(f.node(), [&](const lp::ir::Node& n) {
    if (n.kind() == LOOM_NODE_RAMP) ++c.ramps;
    if (auto loop = n.as<lp::ir::For>(); loop && loop->for_kind() == "vectorized") ++c.vectorized_loops;
    return true;
  });
  return c;
}

TEST_F(ScheduleAbi, LoweringOptionsChooseThePasses) {
  lp::Schedule s = schedule("gmm", {{"M", 16}, {"N", 16}, {"K", 8}});
  lp::BlockRV c = s.get_block("C");
  std::vector<lp::LoopRV> loops = s.get_loops(c);
  std::vector<lp::LoopRV> j = s.split(loops[1], {lp::none, 8});
  std::vector<lp::LoopRV> k = s.split(loops[2], {lp::none, 4});
  s.reorder({k[0], k[1], j[1]});  // i, j0, k0, k1, j1: the vectorized loop innermost
  s.vectorize(j[1]);
  s.unroll(k[1]);
  lp::ir::Func f = s.func();
  // Every pass on: the vectorized loop became vector code, the unrolled loop is gone.
  VectorCount on = count_vectors(lp::lower(f));
  EXPECT_GT(on.ramps, 0);
  EXPECT_EQ(on.vectorized_loops, 0);
  // vectorize off: no vector code, and no vectorized loop either (serial loops instead).
  lp::LowerOptions serial;
  serial.vectorize = false;
  VectorCount off = count_vectors(lp::lower(f, serial));
  EXPECT_EQ(off.ramps, 0);
  EXPECT_EQ(off.vectorized_loops, 0);
  // unroll off keeps the `unroll` loop as a loop.
  lp::LowerOptions keep;
  keep.unroll = false;
  int unroll_loops = 0;
  lp::ir::walk(lp::lower(f, keep).node(), [&](const lp::ir::Node& n) {
    if (auto loop = n.as<lp::ir::For>(); loop && loop->for_kind() == "unroll") ++unroll_loops;
    return true;
  });
  EXPECT_EQ(unroll_loops, 1);
  // The GPU pipeline: an unbound function is one kernel of one thread.
  lp::LowerOptions gpu;
  gpu.pipeline = LOOM_LOWER_PIPELINE_GPU;
  std::vector<std::string> tags;
  lp::ir::walk(lp::lower(f, gpu).node(), [&](const lp::ir::Node& n) {
    if (auto loop = n.as<lp::ir::For>(); loop && loop->for_kind() == "thread_binding")
      tags.emplace_back(loop->thread_tag());
    return true;
  });
  EXPECT_EQ(tags, (std::vector<std::string>{"blockIdx.x", "threadIdx.x"}));
  // A schedule a GPU cannot run as written: the error names the loop.
  s.bind(j[0], "blockIdx.x");
  lp::Error e = expect_abi_error([&] { lp::lower(s.func(), gpu); }, LOOM_ERROR_ARGUMENT);
  EXPECT_THAT(e.what(), HasSubstr("is below another statement"));
}

// A plugin built against this header (ABI 1.1) given the host table of an ABI 1.0 host:
// what 1.0 has works, what came in 1.1 falls back or fails with LOOM_ERROR_UNSUPPORTED --
// never a call through a pointer the old host does not have (those are zeroed here).
TEST_F(ScheduleAbi, APluginOfThisMinorDegradesCleanlyOnAnAbi10HostTable) {
  loom_host_api old = *host_api();
  old.struct_size = static_cast<uint32_t>(LOOM_STRUCT_SIZE(loom_host_api, func_structural_hash));
  old.abi_minor = 0;
  const size_t keep = old.struct_size;
  std::memset(reinterpret_cast<char*>(&old) + keep, 0, sizeof(old) - keep);
  lp::set_host(&old);
  struct Restore {
    ~Restore() { lp::set_host(host_api()); }
  } restore;

  lp::Schedule s = schedule("gmm", {{"M", 16}, {"N", 16}, {"K", 8}});
  lp::BlockRV c = s.get_block("C");
  std::vector<lp::LoopRV> loops = s.get_loops(c);
  // The typed-handle queries fall back to the loom_value forms.
  EXPECT_TRUE(s.block_info(c).is_reduction);
  EXPECT_EQ(s.loop_info(loops[0]).extent, 16);
  EXPECT_FALSE(s.block_node(c).is_null());
  std::vector<lp::ExprRV> tiles = s.sample_perfect_tile(loops[0], 2, 4, std::vector<int64_t>{4, 4});
  EXPECT_EQ(s.value(tiles[0]), 4);
  s.enter_postproc();
  s.parallel(loops[1]);
  // postproc_start scans the instructions itself.
  lp::Trace t = s.trace();
  EXPECT_EQ(t.postproc_start(), t.size() - 2);  // ..., enter_postproc, parallel
  // Lowering with the default options goes through func_lower_new; other options need 1.1.
  lp::ir::Func f = s.func();
  EXPECT_FALSE(lp::lower(f).node().is_null());
  lp::LowerOptions serial;
  serial.vectorize = false;
  expect_abi_error([&] { lp::lower(f, serial); }, LOOM_ERROR_UNSUPPORTED);
  // trace_with_input_new came in 1.1.
  expect_abi_error([&] { (void)t.with_input(0, 0, lp::Arg("C")); }, LOOM_ERROR_UNSUPPORTED);
}

// ----- queries that do not record (ABI 1.2) ---------------------------------------------

TEST_F(ScheduleAbi, QueriesFindWhatTheRecordingQueriesFindAndRecordNothing) {
  lp::Schedule s = schedule("gmm_bias_relu", {{"M", 8}, {"N", 8}, {"K", 4}});
  lp::BlockRV bias = s.get_block("bias_add");
  const std::string trace_before = core(s).trace().as_python();
  const size_t size_before = core(s).trace().size();
  const std::string ir_before = s.script();

  std::vector<lp::ir::For> loops = s.query_loops(bias);
  std::vector<lp::ir::Block> producers = s.query_producers(bias);
  std::vector<lp::ir::Block> consumers = s.query_consumers(bias);
  lp::BlockInfo producer_info = s.query_block_info(producers.at(0));
  lp::LoopInfo outer = s.query_loop_info(loops.at(0));
  // The trace, the module and the random variables are as they were.
  EXPECT_EQ(core(s).trace().size(), size_before);
  EXPECT_EQ(core(s).trace().as_python(), trace_before);
  EXPECT_EQ(s.script(), ir_before);

  // The same answers as get_loops / get_producers / get_consumers (on a copy, which records).
  lp::Schedule ref = s.copy();
  std::vector<lp::LoopRV> ref_loops = ref.get_loops(bias);
  ASSERT_EQ(loops.size(), ref_loops.size());
  ASSERT_EQ(loops.size(), 2u);
  for (size_t i = 0; i < loops.size(); ++i) EXPECT_TRUE(loops[i].same(ref.loop_node(ref_loops[i]))) << i;
  std::vector<lp::BlockRV> ref_producers = ref.get_producers(bias);
  ASSERT_EQ(producers.size(), 1u);
  ASSERT_EQ(ref_producers.size(), 1u);
  EXPECT_EQ(producers[0].name(), "matmul");
  EXPECT_TRUE(producers[0].same(ref.block_node(ref_producers[0])));
  ASSERT_EQ(consumers.size(), 1u);
  EXPECT_EQ(consumers[0].name(), "relu");
  EXPECT_TRUE(s.query_consumers(consumers[0]).empty());  // the output block
  EXPECT_EQ(s.query_producers(producers[0]).size(), 0u);

  // Info by view equals info by random variable.
  lp::BlockInfo by_rv = ref.block_info(ref_producers[0]);
  EXPECT_TRUE(producer_info.is_reduction);
  EXPECT_FALSE(producer_info.is_spatial);
  EXPECT_EQ(producer_info.is_reduction, by_rv.is_reduction);
  EXPECT_EQ(producer_info.n_consumers, by_rv.n_consumers);
  EXPECT_EQ(producer_info.n_consumers, 1u);
  EXPECT_EQ(producer_info.can_compute_inline, by_rv.can_compute_inline);
  EXPECT_EQ(outer.extent, 8);
  EXPECT_EQ(outer.iter_kind, LOOM_ITER_SPATIAL);
  EXPECT_EQ(outer.n_child_blocks, ref.loop_info(ref_loops[0]).n_child_blocks);
  EXPECT_EQ(outer.for_kind, "serial");
  std::vector<lp::ir::For> matmul_loops = s.query_loops(producers[0]);
  ASSERT_EQ(matmul_loops.size(), 3u);
  EXPECT_EQ(s.query_loop_info(matmul_loops[2]).iter_kind, LOOM_ITER_REDUCE);
  EXPECT_EQ(core(s).trace().size(), size_before);
}

TEST_F(ScheduleAbi, AQueryOfAViewFromBeforeAChangeOrOfAnotherKindIsRefused) {
  lp::Schedule s = schedule("gmm", {{"M", 16}, {"N", 16}, {"K", 8}});
  lp::BlockRV c = s.get_block("C");
  std::vector<lp::ir::For> loops = s.query_loops(c);
  ASSERT_EQ(loops.size(), 3u);
  lp::ir::Block block(s.block_node(c));
  // A loop view where a block is expected.
  loom_node loop_view = loops[0].raw();
  loom_node out[4];
  size_t n = 0;
  lp::ErrorBox box;
  EXPECT_EQ(lp::host().sch_query_loops(s.get(), loop_view, out, 4, &n, box.get()), LOOM_ERROR_ARGUMENT);
  EXPECT_THAT(std::string(lp::view(lp::host().error_message(box.get()))),
              HasSubstr("sch_query_loops: expected a block view (LOOM_NODE_BLOCK), got one of kind For"));
  // Too small an output array: the count comes back.
  EXPECT_EQ(lp::host().sch_query_loops(s.get(), block.raw(), out, 2, &n, box.get()), LOOM_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 3u);
  EXPECT_THAT(std::string(lp::view(lp::host().error_message(box.get()))), HasSubstr("found 3 nodes"));
  // After a change the old views are no longer of the schedule's IR.
  std::vector<lp::LoopRV> rvs = s.get_loops(c);
  s.split(rvs[0], {lp::none, lp::Arg(4)});
  lp::Error stale = expect_abi_error([&] { (void)s.query_loop_info(loops[0]); }, LOOM_ERROR_ARGUMENT);
  EXPECT_THAT(stale.what(), HasSubstr("sch_query_loop_info: the loop view is not a loop of the schedule's current IR"));
  // A view of another schedule's IR neither.
  lp::Schedule other = schedule("gmm", {{"M", 16}, {"N", 16}, {"K", 8}});
  lp::ir::Block foreign(other.block_node(other.get_block("C")));
  lp::Error e = expect_abi_error([&] { (void)s.query_producers(foreign); }, LOOM_ERROR_ARGUMENT);
  EXPECT_THAT(e.what(), HasSubstr("the block view is not a block of the schedule's current IR"));
  // The current views work, and see the split.
  EXPECT_EQ(s.query_loops(c).size(), 4u);
}

// A plugin built against this header (ABI 1.2) on an ABI 1.1 host: the queries that do not
// record are refused cleanly (LOOM_ERROR_UNSUPPORTED), the rest works.
TEST_F(ScheduleAbi, TheQueriesThatDoNotRecordAreUnsupportedOnAnAbi11HostTable) {
  loom_host_api old = *host_api();
  old.struct_size = static_cast<uint32_t>(LOOM_STRUCT_SIZE(loom_host_api, func_lower_opts_new));
  old.abi_minor = 1;
  const size_t keep = old.struct_size;
  std::memset(reinterpret_cast<char*>(&old) + keep, 0, sizeof(old) - keep);
  lp::set_host(&old);
  struct Restore {
    ~Restore() { lp::set_host(host_api()); }
  } restore;

  lp::Schedule s = schedule("gmm", {{"M", 16}, {"N", 16}, {"K", 8}});
  lp::BlockRV c = s.get_block("C");
  lp::Error e = expect_abi_error([&] { (void)s.query_loops(c); }, LOOM_ERROR_UNSUPPORTED);
  EXPECT_THAT(e.what(), HasSubstr("Schedule::query_loops: this loom host (ABI 1.1) has no queries that do not record"));
  expect_abi_error([&] { (void)s.query_producers(c); }, LOOM_ERROR_UNSUPPORTED);
  expect_abi_error([&] { (void)s.query_consumers(c); }, LOOM_ERROR_UNSUPPORTED);
  lp::ir::Block block(s.block_node(c));
  expect_abi_error([&] { (void)s.query_block_info(block); }, LOOM_ERROR_UNSUPPORTED);
  // What 1.1 has still works.
  std::vector<lp::LoopRV> loops = s.get_loops(c);
  EXPECT_EQ(s.loop_info(loops[0]).extent, 16);
  lp::ir::For loop(s.loop_node(loops[0]));
  expect_abi_error([&] { (void)s.query_loop_info(loop); }, LOOM_ERROR_UNSUPPORTED);
}

TEST_F(ScheduleAbi, PostprocStartIsTheEnterPostprocIndex) {
  lp::Schedule s = schedule("gmm", {{"M", 16}, {"N", 16}, {"K", 8}});
  lp::BlockRV c = s.get_block("C");
  lp::Trace before = s.trace();
  EXPECT_EQ(before.postproc_start(), before.size());  // none yet
  s.get_loops(c);
  s.enter_postproc();
  s.get_loops(c);
  lp::Trace t = s.trace();
  EXPECT_EQ(t.postproc_start(), 2u);
  EXPECT_EQ(t.instruction(t.postproc_start()).kind, "EnterPostproc");
}

TEST(AbiStructSizes, EndAtTheLastFieldNotAtSizeof) {
  // loom_block_info ends with a byte after 4-byte fields: sizeof pads it, the struct size
  // does not, so a byte appended later can never hide in the padding.
  EXPECT_EQ(LOOM_BLOCK_INFO_STRUCT_SIZE, offsetof(loom_block_info, is_elementwise) + 1);
  EXPECT_LT(LOOM_BLOCK_INFO_STRUCT_SIZE, sizeof(loom_block_info));
  EXPECT_EQ(LOOM_TARGET_STRUCT_SIZE, offsetof(loom_target, extension) + sizeof(void*));
  EXPECT_EQ(host_api()->struct_size, LOOM_HOST_API_STRUCT_SIZE);
  EXPECT_EQ(host_api()->abi_minor, static_cast<uint32_t>(LOOM_ABI_MINOR));
  // The host fills no more than the caller's size: a caller of an older layout keeps its
  // trailing bytes.
  sched::Schedule sch(workloads::make_workload("gmm", {{"M", 8}, {"N", 8}, {"K", 8}}), 1);
  loom_schedule handle{sch, {}, {}};
  sched::BlockRV c = handle.sch.get_block("C");
  loom_value rv{};
  rv.kind = LOOM_VALUE_BLOCK;
  rv.rv = c.id;
  loom_block_info info;
  std::memset(&info, 0xAB, sizeof(info));
  info.struct_size = static_cast<uint32_t>(LOOM_STRUCT_SIZE(loom_block_info, is_reduction));
  loom_error error;
  ASSERT_EQ(detail::sch_block_info(&handle, rv, &info, &error), LOOM_OK) << error.message;
  EXPECT_EQ(info.is_reduction, 1);
  EXPECT_EQ(info.is_output, 0xAB);  // beyond the caller's size: untouched
}

}  // namespace
}  // namespace loom::host
