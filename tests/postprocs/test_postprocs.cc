// The postprocessors of plugin loom.postprocs, through the plugin host: what each changes,
// on hand-annotated schedules, and interpreter equivalence of the whole chain on points of
// the default CPU design space of several zoo workloads.
#include <fmt/format.h>

#include "../common/random_schedule.h"
#include "postprocs_test_util.h"

namespace loom::postprocs_test {
namespace {

ir::PrimFunc add_one() {
  return script::parse_func(R"(
@T.prim_func
def add_one(A: T.Buffer((8, 16), "float32"), B: T.Buffer((8, 16), "float32")):
    for i, j in T.grid(8, 16):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] + T.float32(1)
)");
}

ir::PrimFunc gmm() { return workloads::make_workload("gmm", {{"M", 6}, {"N", 8}, {"K", 4}}); }

/// Root annotations as loom.parallelize_vectorize_unroll writes them (the unroll step as
/// the ExprRV of a sample_categorical with a fixed decision).
void annotate_root(sched::Schedule& sch, int64_t parallel, int64_t vectorize, std::optional<int64_t> unroll_index) {
  sched::BlockRV root = sch.get_block("root");
  sch.annotate(root, "meta_schedule.parallel", sched::Value(parallel));
  sch.annotate(root, "meta_schedule.vectorize", sched::Value(vectorize));
  if (unroll_index) {
    sched::ExprRV step = sch.sample_categorical({0, 16, 64, 512}, {0.25, 0.25, 0.25, 0.25}, *unroll_index);
    sch.annotate(root, "meta_schedule.unroll_explicit", sched::Value(step));
  }
}

bool run(const std::string& postproc, sched::Schedule& sch) {
  sch.enter_postproc();
  return make_postproc(postproc)->apply_postproc(sch);
}

TEST(DisallowDynamicLoop, DropsASymbolicExtentAndKeepsConstantOnes) {
  ir::PrimFunc symbolic = script::parse_func(R"(
@T.prim_func
def scale(a: T.handle, n: T.int32):
    A = T.match_buffer(a, (n,), "float32")
    for i in range(n):
        with T.block("A"):
            vi = T.axis.spatial(n, i)
            A[vi] = A[vi] * T.float32(2)
)");
  sched::Schedule dynamic(symbolic);
  EXPECT_FALSE(run("loom.disallow_dynamic_loop", dynamic));
  sched::Schedule fixed(gmm());
  uint64_t before = ir::structural_hash(func_of(fixed));
  EXPECT_TRUE(run("loom.disallow_dynamic_loop", fixed));
  EXPECT_EQ(ir::structural_hash(func_of(fixed)), before);
}

TEST(RewriteParallelVectorizeUnroll, ElementwiseNestIsFusedSplitParallelAndVectorized) {
  sched::Schedule sch(add_one());
  annotate_root(sch, 64, 32, std::nullopt);
  ASSERT_TRUE(run("loom.rewrite_parallel_vectorize_unroll", sch));
  ir::PrimFunc f = func_of(sch);
  std::vector<const ir::ForNode*> loops = loops_of(f);
  ASSERT_EQ(loops.size(), 2u) << script::print(f);
  EXPECT_EQ(loops[0]->for_kind, ir::ForKind::Parallel) << script::print(f);
  EXPECT_TRUE(ir::is_const_int(loops[0]->extent, 4)) << script::print(f);
  EXPECT_EQ(loops[1]->for_kind, ir::ForKind::Vectorized);
  EXPECT_TRUE(ir::is_const_int(loops[1]->extent, 32));
  // The root's annotations are gone.
  EXPECT_TRUE(block_named(f, "root")->annotations.empty());
  expect_equivalent(add_one(), f);
}

TEST(RewriteParallelVectorizeUnroll, SmallLimitsParallelizeOuterAndVectorizeInnerLoops) {
  sched::Schedule sch(add_one());
  annotate_root(sch, 4, 16, std::nullopt);
  ASSERT_TRUE(run("loom.rewrite_parallel_vectorize_unroll", sch));
  ir::PrimFunc f = func_of(sch);
  std::vector<const ir::ForNode*> loops = loops_of(f);
  ASSERT_EQ(loops.size(), 2u);
  EXPECT_EQ(loops[0]->for_kind, ir::ForKind::Parallel) << script::print(f);
  EXPECT_EQ(loops[1]->for_kind, ir::ForKind::Vectorized) << script::print(f);
  expect_equivalent(add_one(), f);
}

TEST(RewriteParallelVectorizeUnroll, NonContiguousInnerAccessIsNotVectorized) {
  // B[j, i] = A[i, j]: the inner loop j strides by 8 in B.
  ir::PrimFunc transpose = script::parse_func(R"(
@T.prim_func
def transpose(A: T.Buffer((8, 16), "float32"), B: T.Buffer((16, 8), "float32")):
    for i, j in T.grid(8, 16):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vj, vi] = A[vi, vj]
)");
  sched::Schedule sch(transpose);
  annotate_root(sch, 4, 16, std::nullopt);
  ASSERT_TRUE(run("loom.rewrite_parallel_vectorize_unroll", sch));
  ir::PrimFunc f = func_of(sch);
  EXPECT_EQ(count_kind(f, ir::ForKind::Vectorized), 0) << script::print(f);
  EXPECT_EQ(count_kind(f, ir::ForKind::Parallel), 1) << script::print(f);
  expect_equivalent(transpose, f);
}

TEST(RewriteParallelVectorizeUnroll, ReductionNestGetsParallelSpatialLoopsAndUnrolling) {
  // gmm 6x8x4, loops i, j, k: i and j fuse into one parallel loop of 48 (k is a reduction
  // loop), nothing is vectorized (the innermost loop reduces), the fused loop gets the
  // pragmas and k (4 <= 16 steps) is unrolled.
  sched::Schedule sch(gmm());
  annotate_root(sch, 64, 16, /*unroll_index=*/1);
  ASSERT_TRUE(run("loom.rewrite_parallel_vectorize_unroll", sch));
  ir::PrimFunc f = func_of(sch);
  std::vector<const ir::ForNode*> loops = loops_of(f);
  ASSERT_EQ(loops.size(), 2u) << script::print(f);
  EXPECT_EQ(loops[0]->for_kind, ir::ForKind::Parallel);
  EXPECT_TRUE(ir::is_const_int(loops[0]->extent, 48));
  EXPECT_EQ(loops[1]->for_kind, ir::ForKind::Unrolled) << script::print(f);
  ASSERT_TRUE(loops[0]->annotations.count("pragma_auto_unroll_max_step")) << script::print(f);
  EXPECT_EQ(*loops[0]->annotations.at("pragma_auto_unroll_max_step").as_int(), 16);
  EXPECT_EQ(*loops[0]->annotations.at("pragma_unroll_explicit").as_int(), 1);
  EXPECT_EQ(count_kind(f, ir::ForKind::Vectorized), 0);
  EXPECT_TRUE(block_named(f, "root")->annotations.empty());
  expect_equivalent(gmm(), f);
}

TEST(RewriteParallelVectorizeUnroll, ZeroStepsAddNoPragmaAndNoAnnotationsChangeNothing) {
  sched::Schedule sch(gmm());
  annotate_root(sch, 64, 16, /*unroll_index=*/0);
  ASSERT_TRUE(run("loom.rewrite_parallel_vectorize_unroll", sch));
  ir::PrimFunc f = func_of(sch);
  for (const ir::ForNode* l : loops_of(f)) EXPECT_FALSE(l->annotations.count("pragma_auto_unroll_max_step"));
  EXPECT_EQ(count_kind(f, ir::ForKind::Unrolled), 0);
  sched::Schedule plain(gmm());
  uint64_t before = ir::structural_hash(func_of(plain));
  ASSERT_TRUE(run("loom.rewrite_parallel_vectorize_unroll", plain));
  EXPECT_EQ(ir::structural_hash(func_of(plain)), before);
}

TEST(RewriteReductionBlock, DecomposesAtTheFirstReductionLoop) {
  // gmm with k split and moved between i and j: loops i, k0, j, k1; the init goes under i,
  // before k0.
  sched::Schedule sch(gmm());
  sched::BlockRV c = sch.get_block("C");
  std::vector<sched::LoopRV> loops = sch.get_loops(c);
  std::vector<sched::LoopRV> k = sch.split(loops[2], std::vector<std::optional<int64_t>>{2, 2});
  sch.reorder({loops[0], k[0], loops[1], k[1]});
  ir::PrimFunc before = func_of(sch);
  ASSERT_TRUE(run("loom.rewrite_reduction_block", sch));
  ir::PrimFunc f = func_of(sch);
  const ir::BlockNode* init = block_named(f, "C_init");
  ASSERT_NE(init, nullptr) << script::print(f);
  EXPECT_FALSE(block_named(f, "C")->init.defined()) << script::print(f);
  // The init block is under i and a copy of j only: 2 loops of its own.
  sched::Schedule probe = sch.copy();
  EXPECT_EQ(probe.get_loops(probe.get_block("C_init")).size(), 2u) << script::print(f);
  EXPECT_EQ(probe.get_loops(probe.get_block("C")).size(), 4u);
  expect_equivalent(before, f);
  // A spatial function is left alone.
  sched::Schedule spatial(add_one());
  uint64_t hash = ir::structural_hash(func_of(spatial));
  ASSERT_TRUE(run("loom.rewrite_reduction_block", spatial));
  EXPECT_EQ(ir::structural_hash(func_of(spatial)), hash);
}

TEST(RewriteReductionBlock, LeavesCrossThreadReductionsAlone) {
  // gmm with k split and its inner part bound to threadIdx.x: the threads carry the
  // reduction, so the block keeps its init.
  sched::Schedule sch(gmm());
  sched::BlockRV c = sch.get_block("C");
  std::vector<sched::LoopRV> loops = sch.get_loops(c);
  std::vector<sched::LoopRV> k = sch.split(loops[2], std::vector<std::optional<int64_t>>{std::nullopt, 4});
  sch.bind(k[1], "threadIdx.x");
  uint64_t hash = ir::structural_hash(func_of(sch));
  ASSERT_TRUE(run("loom.rewrite_reduction_block", sch));
  ir::PrimFunc f = func_of(sch);
  EXPECT_EQ(ir::structural_hash(f), hash) << script::print(f);
  EXPECT_EQ(block_named(f, "C_init"), nullptr);
  EXPECT_TRUE(block_named(f, "C")->init.defined());
}

TEST(Postprocs, DefaultChainKeepsSpacePointsEquivalent) {
  tune::PostOrderApply generator(default_rules());
  std::vector<tune::Postproc> postprocs = default_postprocs();
  int candidates = 0, dropped = 0, parallel = 0, vectorized = 0, decomposed = 0;
  for (const char* name : {"gmm", "c2d", "sfm", "nrm", "gmm_bias_relu", "dep"}) {
    SCOPED_TRACE(name);
    ir::PrimFunc f = workloads::make_workload(name, sched::testing::small_shapes().at(name));
    std::vector<sched::Schedule> space = generator.generate(f, 11);
    ASSERT_FALSE(space.empty());
    for (size_t i = 0; i < space.size(); ++i) {
      for (int64_t seed : draw_seeds(2, i)) {
        sched::Schedule point = tune::sample_from_trace(f, space[i].trace(), seed);
        std::optional<tune::Candidate> c = tune::finish_candidate(std::move(point), postprocs);
        if (!c) {
          ++dropped;
          continue;
        }
        ++candidates;
        ir::PrimFunc g = func_of(c->sch);
        expect_equivalent(f, g, static_cast<uint64_t>(seed % 1000));
        EXPECT_TRUE(block_named(g, "root")->annotations.empty()) << script::print(g);
        parallel += count_kind(g, ir::ForKind::Parallel) > 0;
        vectorized += count_kind(g, ir::ForKind::Vectorized) > 0;
        bool has_init_block = false;
        ir::post_order_visit(g->body, [&](const ir::Object* n) {
          if (n->kind() == ir::NodeKind::Block) {
            const auto* b = static_cast<const ir::BlockNode*>(n);
            has_init_block = has_init_block || b->name.find("_init") != std::string::npos;
          }
        });
        decomposed += has_init_block;
        if (::testing::Test::HasFailure()) {
          ADD_FAILURE() << "space " << i << ", seed " << seed << ":\n" << c->sch.trace().as_python();
          return;
        }
      }
    }
  }
  std::printf("[ postprocs ] %d candidates (%d dropped): %d with parallel loops, %d vectorized, %d decomposed\n",
              candidates, dropped, parallel, vectorized, decomposed);
  EXPECT_EQ(dropped, 0);
  EXPECT_GT(parallel, candidates / 2);
  EXPECT_GT(vectorized, 0);
  EXPECT_GT(decomposed, candidates / 2);
}

}  // namespace
}  // namespace loom::postprocs_test
