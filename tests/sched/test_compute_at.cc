// Tests of compute_at, reverse_compute_at and sample_compute_location: fixtures, error
// paths, interpreter equivalence, trace round trips and random schedules on zoo workloads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <iostream>

#include "loom/ir/builder.h"
#include "loom/ir/visitor.h"
#include "loom/sched/schedule.h"
#include "loom/script/parser.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::expect_error;

using ::testing::HasSubstr;

const char* kTiled = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8), "float32")
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] * 2.0
    for i0, i1, j in T.grid(4, 4, 8):
        with T.block("C"):
            vi = T.axis.spatial(16, i0 * 4 + i1)
            vj = T.axis.spatial(8, j)
            C[vi, vj] = B[vi, vj] + 1.0
)";

const char* kTiledComputeAt = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8), "float32")
    for i0 in range(4):
        for ax0, ax1 in T.grid(4, 8):
            with T.block("B"):
                vi = T.axis.spatial(16, ax0 + i0 * 4)
                vj = T.axis.spatial(8, ax1)
                B[vi, vj] = A[vi, vj] * 2.0
        for i1, j in T.grid(4, 8):
            with T.block("C"):
                vi = T.axis.spatial(16, i0 * 4 + i1)
                vj = T.axis.spatial(8, j)
                C[vi, vj] = B[vi, vj] + 1.0
)";

const char* kReverseComputeAt = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8), "float32")
    for i in range(16):
        for j in range(8):
            with T.block("B"):
                vi, vj = T.axis.remap("SS", [i, j])
                B[vi, vj] = A[vi, vj] * 2.0
        for ax0 in range(8):
            with T.block("C"):
                vi, vj = T.axis.remap("SS", [i, ax0])
                C[vi, vj] = B[vi, vj] + 1.0
)";

// A consumer reading a 3-wide window of its producer: the producer's loop covers the halo
// and a predicate keeps it inside its own domain.
const char* kStencil = R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((6,), "float32")):
    B = T.alloc_buffer((8,), "float32")
    for i in range(8):
        with T.block("B"):
            vi = T.axis.spatial(8, i)
            B[vi] = A[vi] + 1.0
    for i0, i1 in T.grid(3, 2):
        with T.block("C"):
            vi = T.axis.spatial(6, i0 * 2 + i1)
            C[vi] = B[vi] + B[vi + 1] + B[vi + 2]
)";

const char* kStencilComputeAt = R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((6,), "float32")):
    B = T.alloc_buffer((8,), "float32")
    for i0 in range(3):
        for ax0 in range(4):
            with T.block("B"):
                vi = T.axis.spatial(8, ax0 + i0 * 2)
                B[vi] = A[vi] + 1.0
        for i1 in range(2):
            with T.block("C"):
                vi = T.axis.spatial(6, i0 * 2 + i1)
                C[vi] = B[vi] + B[vi + 1] + B[vi + 2]
)";

ir::PrimFunc parse(const char* text) { return script::parse_func(text); }

ir::PrimFunc gbr() { return workloads::make_workload("gmm_bias_relu", {{"M", 4}, {"N", 8}, {"K", 4}}); }

void expect_good(const Schedule& sch, const ir::PrimFunc& before) {
  testing::expect_equivalent(before, sch.mod().at(sch.default_func()));
  testing::verify_trace_roundtrip(sch);
}

TEST(ComputeAt, TiledConsumerFixture) {
  ir::PrimFunc before = parse(kTiled);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  LoopRV i0 = sch.get_loops(sch.get_block("C"))[0];
  sch.compute_at(b, i0);
  testing::expect_func_equal(sch.mod().at("main"), parse(kTiledComputeAt));
  EXPECT_THAT(sch.trace().as_python(),
              HasSubstr("sch.compute_at(block=b0, loop=l2, preserve_unit_loops=False, index=-1)"));
  expect_good(sch, before);
  // The block RV survives; its old loops are gone and say who removed them.
  EXPECT_EQ(sch.get_loops(b).size(), 3u);
}

TEST(ComputeAt, StencilCoversTheHalo) {
  ir::PrimFunc before = parse(kStencil);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.compute_at(sch.get_block("B"), sch.get_loops(sch.get_block("C"))[0]);
  testing::expect_func_equal(sch.mod().at("main"), parse(kStencilComputeAt));
  expect_good(sch, before);
}

TEST(ComputeAt, RemovedLoopRVNamesThePrimitive) {
  Schedule sch(parse(kTiled), 0, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  LoopRV old_i = sch.get_loops(b)[0];
  sch.compute_at(b, sch.get_loops(sch.get_block("C"))[0]);
  try {
    sch.get(old_i);
    FAIL() << "expected InvalidRVError";
  } catch (const InvalidRVError& e) {
    EXPECT_THAT(e.what(), HasSubstr("removed by compute_at"));
  }
}

TEST(ComputeAt, PreserveUnitLoopsAndIndex) {
  ir::PrimFunc before = parse(kTiled);
  Schedule sch(before, 0, DebugMode::Verify);
  std::vector<LoopRV> c_loops = sch.get_loops(sch.get_block("C"));
  sch.compute_at(sch.get_block("B"), c_loops[1], /*preserve_unit_loops=*/true, /*index=*/-2);
  // Under i1 the producer's row loop has extent 1 and is kept.
  std::vector<LoopRV> b_loops = sch.get_loops(sch.get_block("B"));
  ASSERT_EQ(b_loops.size(), 4u);
  EXPECT_EQ(ir::as_const_int(sch.get(b_loops[2])->extent), 1);
  EXPECT_EQ(ir::as_const_int(sch.get(b_loops[3])->extent), 8);
  expect_good(sch, before);
}

TEST(ComputeAt, ReductionProducer) {
  ir::PrimFunc before = gbr();
  Schedule sch(before, 0, DebugMode::Verify);
  LoopRV j = sch.get_loops(sch.get_block("bias_add"))[1];
  sch.compute_at(sch.get_block("matmul"), j);
  // matmul now runs its whole k loop for each (i, j) of bias_add.
  std::vector<LoopRV> loops = sch.get_loops(sch.get_block("matmul"));
  ASSERT_EQ(loops.size(), 3u);
  EXPECT_EQ(ir::as_const_int(sch.get(loops[2])->extent), 4);
  expect_good(sch, before);
}

TEST(ComputeAt, PadIntoConvolution) {
  ir::PrimFunc before = workloads::make_workload(
      "c2d", {{"N", 1}, {"H", 6}, {"W", 6}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}});
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV conv = sch.get_block("conv2d_nhwc");
  LoopRV oh = sch.get_loops(conv)[1];
  sch.compute_at(sch.get_block("pad_temp"), oh);
  // One output row needs K = 3 padded rows and every padded column.
  std::vector<LoopRV> loops = sch.get_loops(sch.get_block("pad_temp"));
  ASSERT_EQ(loops.size(), 5u);
  EXPECT_EQ(ir::as_const_int(sch.get(loops[2])->extent), 3);
  EXPECT_EQ(ir::as_const_int(sch.get(loops[3])->extent), 8);
  expect_good(sch, before);
}

TEST(ReverseComputeAt, Fixture) {
  ir::PrimFunc before = parse(kTiled);
  ir::PrimFunc plain = parse(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8), "float32")
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] * 2.0
    for i, j in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B[vi, vj] + 1.0
)");
  Schedule s(plain, 0, DebugMode::Verify);
  s.reverse_compute_at(s.get_block("C"), s.get_loops(s.get_block("B"))[0]);
  testing::expect_func_equal(s.mod().at("main"), parse(kReverseComputeAt));
  EXPECT_THAT(s.trace().as_python(), HasSubstr("sch.reverse_compute_at(block=b3, loop=l1, preserve_unit_loops=False, "
                                               "index=-1)"));
  expect_good(s, plain);
}

TEST(ReverseComputeAt, EpilogueUnderMatmulRows) {
  ir::PrimFunc before = gbr();
  Schedule sch(before, 0, DebugMode::Verify);
  LoopRV i = sch.get_loops(sch.get_block("matmul"))[0];
  sch.reverse_compute_at(sch.get_block("bias_add"), i);
  sch.reverse_compute_at(sch.get_block("relu"), i);
  EXPECT_EQ(sch.get_loops(sch.get_block("relu")).size(), 2u);
  expect_good(sch, before);
}

TEST(ComputeAt, Errors) {
  Schedule sch(gbr(), 0, DebugMode::Verify);
  BlockRV matmul = sch.get_block("matmul"), bias = sch.get_block("bias_add"), relu = sch.get_block("relu");
  std::vector<LoopRV> mm = sch.get_loops(matmul), ba = sch.get_loops(bias), rl = sch.get_loops(relu);
  expect_error(
      sch, [&] { sch.compute_at(relu, ba[0]); },
      "sch.compute_at: block relu is an output block: it writes the parameter buffer relu");
  expect_error(
      sch, [&] { sch.compute_at(matmul, rl[0]); },
      "sch.compute_at: not every consumer of block matmul is under loop i");
  expect_error(
      sch, [&] { sch.compute_at(matmul, mm[1]); },
      "sch.compute_at: loop j is an ancestor of block matmul; the block is already under it");
  expect_error(
      sch, [&] { sch.compute_at(bias, rl[0], false, 5); },
      "sch.compute_at: index 5 is not a valid position under loop i: valid are -1, -2 and [0, 0]");
  expect_error(
      sch, [&] { sch.reverse_compute_at(bias, mm[2]); },
      "sch.reverse_compute_at: producer matmul reduces over loop k, which is not inside loop k: block "
      "bias_add would read partial results");
  expect_error(
      sch, [&] { sch.reverse_compute_at(relu, mm[0]); },
      "sch.reverse_compute_at: not every producer of block relu is under loop i");
}

TEST(ComputeAt, NotCompleteBlockError) {
  ir::PrimFunc f = parse(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    B = T.alloc_buffer((8,), "float32")
    for i in range(8):
        with T.block("B0"):
            vi = T.axis.spatial(8, i)
            B[vi] = A[vi]
    for i in range(8):
        with T.block("B1"):
            vi = T.axis.spatial(8, i)
            B[vi] = B[vi] + 1.0
    for i in range(8):
        with T.block("C"):
            vi = T.axis.spatial(8, i)
            C[vi] = B[vi]
)");
  Schedule sch(f, 0, DebugMode::Verify);
  LoopRV i = sch.get_loops(sch.get_block("C"))[0];
  BlockRV b1 = sch.get_block("B1");
  expect_error(
      sch, [&] { sch.compute_at(b1, i); },
      "sch.compute_at: block B1 is neither a complete block (block B0 also writes a buffer it writes) nor a "
      "reduction block (it has no init)");
}

TEST(ReverseComputeAt, StencilReadIsNotCovered) {
  ir::PrimFunc f = parse(kStencil);
  Schedule sch(f, 0, DebugMode::Verify);
  LoopRV i = sch.get_loops(sch.get_block("B"))[0];
  BlockRV c = sch.get_block("C");
  expect_error(
      sch, [&] { sch.reverse_compute_at(c, i); },
      "sch.reverse_compute_at: cannot prove that block C reads only the part of buffer B (dimension 0) that "
      "its producers write in one iteration of loop i");
}

TEST(SampleComputeLocation, CandidatesAndDecisions) {
  ir::PrimFunc before = gbr();
  // bias_add: inline (-2), root (-1), relu's i (0) and j (1).
  std::set<int64_t> seen;
  for (int seed = 0; seed < 40; ++seed) {
    Schedule sch(before, seed, DebugMode::Verify);
    BlockRV b = sch.get_block("bias_add");
    LoopRV loc = sch.sample_compute_location(b);
    int64_t d = sch.trace().decision_of(1)->as<int64_t>();
    seen.insert(d);
    EXPECT_EQ(sch.is_compute_root(loc), d == -1);
    EXPECT_EQ(sch.is_compute_inline(loc), d == -2);
    sch.compute_at(b, loc);
    expect_good(sch, before);
  }
  EXPECT_EQ(seen, (std::set<int64_t>{-2, -1, 0, 1}));
  // A decision that is no candidate falls back to the nearest smaller one.
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV b = sch.get_block("bias_add");
  LoopRV loc = sch.sample_compute_location(b, 7);
  EXPECT_EQ(sch.trace().decision_of(1)->as<int64_t>(), 1);
  EXPECT_EQ(sch.loop_var(loc).name(), "j");
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("l1 = sch.sample_compute_location(block=b0, decision=1)"));
  // An output block can only stay at root.
  Schedule s2(before, 0, DebugMode::Verify);
  LoopRV r = s2.sample_compute_location(s2.get_block("relu"));
  EXPECT_TRUE(s2.is_compute_root(r));
}

// ----- Random schedules ------------------------------------------------------------------

std::vector<std::string> block_names(const ir::PrimFunc& f) {
  std::vector<std::string> out;
  ir::post_order_visit(f->body, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::Block) {
      const auto* b = static_cast<const ir::BlockNode*>(n);
      if (b->name != "root") out.push_back(b->name);
    }
  });
  return out;
}

TEST(ComputeAtProperty, RandomSchedulesKeepMeaning) {
  const char* soak = std::getenv("LOOM_SOAK_SEEDS");
  const int kSeeds = soak ? std::atoi(soak) : 25;
  std::vector<ir::PrimFunc> funcs = {
      workloads::make_workload(
          "cbr", {{"N", 1}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}}),
      workloads::make_workload(
          "c2d", {{"N", 1}, {"H", 5}, {"W", 5}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 2}, {"padding", 1}}),
      workloads::make_workload("sfm", {{"M", 3}, {"N", 4}}), gbr()};
  int applied = 0;
  for (const ir::PrimFunc& f : funcs) {
    for (int seed = 0; seed < kSeeds; ++seed) {
      SCOPED_TRACE(::testing::Message() << "workload " << f->name << ", seed " << seed);
      Schedule sch(f, seed, DebugMode::Verify);
      for (int step = 0; step < 8; ++step) {
        std::vector<std::string> names = block_names(sch.mod().at(f->name));
        std::string name = names[sch.rng().uniform_int(0, names.size())];
        std::string other = names[sch.rng().uniform_int(0, names.size())];
        int action = static_cast<int>(sch.rng().uniform_int(0, 7));
        try {
          BlockRV b = sch.get_block(name);
          std::vector<LoopRV> loops = sch.get_loops(sch.get_block(other));
          if (action == 0 && !loops.empty()) {
            sch.compute_at(b, loops[sch.rng().uniform_int(0, loops.size())], sch.rng().uniform_int(0, 2) == 1);
          } else if (action == 1 && !loops.empty()) {
            sch.reverse_compute_at(b, loops[sch.rng().uniform_int(0, loops.size())], sch.rng().uniform_int(0, 2) == 1);
          } else if (action == 2) {
            sch.compute_at(b, sch.sample_compute_location(b));
          } else if (action >= 5 && !loops.empty()) {
            // Tiling with factors that may not divide, so that predicates appear.
            LoopRV l = loops[sch.rng().uniform_int(0, loops.size())];
            if (action == 5) {
              sch.split(l, std::vector<std::optional<int64_t>>{std::nullopt, sch.rng().uniform_int(2, 4)});
            } else {
              std::vector<LoopRV> ls = sch.get_loops(b);
              if (ls.size() >= 2) sch.reorder({ls[ls.size() - 1], ls[ls.size() - 2]});
            }
          } else if (action == 3) {
            sch.compute_inline(b);
          } else {
            sch.reverse_compute_inline(b);
          }
          ++applied;
        } catch (const ScheduleError&) {
        }
      }
      testing::expect_equivalent(f, sch.mod().at(f->name), static_cast<uint64_t>(seed) + 1);
      testing::verify_trace_roundtrip(sch);
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GT(applied, 100);
  std::cout << "random compute-location schedules: " << funcs.size() * kSeeds
            << ", primitive calls applied: " << applied << "\n";
}

}  // namespace
}  // namespace loom::sched
