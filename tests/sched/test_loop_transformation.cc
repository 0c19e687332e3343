// Tests of the loop transformations: split, fuse, reorder, add_unit_loop. Each primitive is
// checked against a TVMScript fixture, by trace round trip and in the interpreter; every
// error path is checked for its message and for leaving the schedule unchanged; a property
// test applies random loop transformations and loop annotations to zoo workloads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "loom/ir/builder.h"
#include "loom/ir/visitor.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/parser.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::expect_error;

using ::testing::HasSubstr;

ir::PrimFunc parse(const char* text) { return script::parse_func(text); }

const char* kMatmul = R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i, j, k in T.grid(16, 16, 16):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)";

// Two blocks under one loop i: B = A * 2, then C = B + 1.
const char* kTwoBlocks = R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32"), C: T.Buffer((8, 8), "float32")):
    B = T.alloc_buffer((8, 8))
    for i in range(8):
        for j in range(8):
            with T.block("B"):
                vi, vj = T.axis.remap("SS", [i, j])
                B[vi, vj] = A[vi, vj] * T.float32(2)
        for j in range(8):
            with T.block("C"):
                vi, vj = T.axis.remap("SS", [i, j])
                C[vi, vj] = B[vi, vj] + T.float32(1)
)";

// A loop whose extent depends on the loop around it.
const char* kTriangle = R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32")):
    for i in range(8):
        for j in range(i + 1):
            with T.block("A"):
                vi = T.axis.spatial(8, i)
                vj = T.axis.spatial(8, j)
                A[vi, vj] = T.float32(1)
)";

/// Applies the printed schedule script of `sch` to a fresh schedule of its original module
/// and expects the same module and the same script.
void verify_script_roundtrip(const Schedule& sch) {
  Schedule again(sch.original_mod(), 0, DebugMode::Verify);
  std::string text = sch.trace().as_python();
  apply_schedule_script(again, text);
  testing::expect_func_equal(again.mod().at(sch.default_func()), sch.mod().at(sch.default_func()));
  EXPECT_EQ(again.trace().as_python(), text);
}

/// The common tail of a fixture test: expected IR, trace round trip, interpreter.
void check(const Schedule& sch, const ir::PrimFunc& before, const char* expected) {
  testing::expect_func_equal(sch.mod().at("main"), parse(expected));
  testing::verify_trace_roundtrip(sch);
  verify_script_roundtrip(sch);
  testing::expect_equivalent(before, sch.mod().at("main"));
}

using Factors = std::vector<std::optional<int64_t>>;

TEST(Split, InferredFactorDividesExactly) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  auto parts = sch.split(loops[0], Factors{std::nullopt, 4});
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(sch.get(parts[0])->loop_var.name(), "i_0");
  EXPECT_EQ(sch.get(parts[1])->loop_var.name(), "i_1");
  EXPECT_THAT(sch.trace().as_python(),
              HasSubstr("l4, l5 = sch.split(loop=l1, factors=[None, 4], preserve_unit_iters=True, "
                        "disable_predication=False)\n"));
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i_0, i_1, j, k in T.grid(4, 4, 16, 16):
        with T.block("C"):
            vi = T.axis.spatial(16, i_0 * 4 + i_1)
            vj, vk = T.axis.remap("SR", [j, k])
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  // The split loop is gone: its random variable says who removed it.
  EXPECT_THAT([&] { sch.get(loops[0]); },
              ::testing::ThrowsMessage<InvalidRVError>(HasSubstr("loop i no longer exists: it was removed by split")));
}

TEST(Split, NonDividingFactorsAddAPredicate) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  sch.split(loops[1], Factors{3, std::nullopt});  // 3 * 6 = 18 > 16
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i, j_0, j_1, k in T.grid(16, 3, 6, 16):
        with T.block("C"):
            vi = T.axis.spatial(16, i)
            vj = T.axis.spatial(16, j_0 * 6 + j_1)
            vk = T.axis.reduce(16, k)
            T.where(j_0 * 6 + j_1 < 16)
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
}

TEST(Split, ThreeWayWithSampledFactorsAndAnExistingPredicate) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  auto j = sch.split(loops[1], Factors{5, std::nullopt});  // 5 * 4 = 20: predicate
  std::vector<ExprRV> tiles = sch.sample_perfect_tile(loops[2], 3, 4, std::vector<int64_t>{2, 2, 4});
  sch.split(loops[2], {tiles[0], tiles[1], tiles[2]});
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.split(loop=l3, factors=[v6, v7, v8], preserve_unit_iters=True"));
  // The second split keeps the first one's predicate (k's split divides exactly).
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i, j_0, j_1, k_0, k_1, k_2 in T.grid(16, 5, 4, 2, 2, 4):
        with T.block("C"):
            vi = T.axis.spatial(16, i)
            vj = T.axis.spatial(16, j_0 * 4 + j_1)
            vk = T.axis.reduce(16, k_0 * 8 + k_1 * 4 + k_2)
            T.where(j_0 * 4 + j_1 < 16)
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  (void)j;
}

TEST(Split, UnitFactorsWithAndWithoutPreserveUnitIters) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule keep(before, 1, DebugMode::Verify);
  keep.split(keep.get_loops(keep.get_block("C"))[0], Factors{1, 16}, /*preserve_unit_iters=*/true);
  check(keep, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i_0, i_1, j, k in T.grid(1, 16, 16, 16):
        with T.block("C"):
            vi = T.axis.spatial(16, i_0 * 16 + i_1)
            vj, vk = T.axis.remap("SR", [j, k])
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  Schedule drop(before, 1, DebugMode::Verify);
  drop.split(drop.get_loops(drop.get_block("C"))[0], Factors{1, 16}, /*preserve_unit_iters=*/false);
  EXPECT_THAT(drop.trace().as_python(), HasSubstr("preserve_unit_iters=False, disable_predication=False"));
  check(drop, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i_0, i_1, j, k in T.grid(1, 16, 16, 16):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i_1, j, k])
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
}

TEST(Split, DisablePredicationLeavesThePredicateOut) {
  Schedule sch(parse(kMatmul), 1, DebugMode::Verify);
  sch.split(sch.get_loops(sch.get_block("C"))[0], Factors{std::nullopt, 5}, true, /*disable_predication=*/true);
  ir::Block c = sch.get(sch.get_block("C"));
  auto loops = sch.get_loops(sch.get_block("C"));
  EXPECT_EQ(ir::as_const_int(sch.get(loops[0])->extent), 4);  // ceil(16 / 5)
  testing::verify_trace_roundtrip(sch);
  // The only realize in the function has no predicate: the caller promised the bounds.
  bool predicated = false;
  ir::post_order_visit(sch.mod().at("main")->body, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::BlockRealize) {
      const auto* r = static_cast<const ir::BlockRealizeNode*>(n);
      if (r->block->name == "C") predicated = !ir::is_const_true(r->predicate);
    }
  });
  EXPECT_FALSE(predicated);
  EXPECT_EQ(c->name, "C");
}

TEST(Split, Errors) {
  Schedule sch(parse(kMatmul), 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.split(loops[0], Factors{std::nullopt, std::nullopt});
      },
      "sch.split: at most one factor may be None when splitting loop i");
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.split(loops[0], Factors{0, std::nullopt});
      },
      "sch.split: factor 0 of loop i is not positive");
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.split(loops[0], Factors{3, 5});
      },
      "sch.split: the product of the factors (15) is less than the extent 16 of loop i");
  expect_error<ScheduleError>(
      sch, [&] { sch.split(loops[0], Factors{}); }, "sch.split: no factors given to split loop i");
  sch.annotate(loops[1], "pragma", Value(int64_t{1}));
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.split(loops[1], Factors{4, 4});
      },
      "sch.split: loop j has annotations or a thread binding, cannot split it");
  sch.bind(loops[0], "blockIdx.x");
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.split(loops[0], Factors{4, 4});
      },
      "sch.split: loop i has annotations or a thread binding, cannot split it");
}

TEST(Split, LoopNotStartingAtZero) {
  Schedule sch(parse(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32")):
    for i in T.serial(2, 16):
        with T.block("A"):
            vi = T.axis.spatial(16, i)
            A[vi] = T.float32(1)
)"),
               1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("A"));
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.split(loops[0], Factors{2, std::nullopt});
      },
      "sch.split: loop i starts at 2, not 0; only loops starting at 0 can be split");
}

TEST(Fuse, TwoLoopsIntoOne) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  LoopRV fused = sch.fuse({loops[0], loops[1]});
  EXPECT_EQ(sch.get(fused)->loop_var.name(), "i_j_fused");
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("l4 = sch.fuse(l1, l2, preserve_unit_iters=True)\n"));
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i_j_fused, k in T.grid(256, 16):
        with T.block("C"):
            vi = T.axis.spatial(16, i_j_fused // 16)
            vj = T.axis.spatial(16, i_j_fused % 16)
            vk = T.axis.reduce(16, k)
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
}

TEST(Fuse, ThreeLoopsThenSplitBack) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  LoopRV fused = sch.fuse({loops[0], loops[1], loops[2]});
  sch.split(fused, Factors{std::nullopt, 16});
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i_j_k_fused_0, i_j_k_fused_1 in T.grid(256, 16):
        with T.block("C"):
            vi = T.axis.spatial(16, i_j_k_fused_0 // 16)
            vj = T.axis.spatial(16, i_j_k_fused_0 % 16)
            vk = T.axis.reduce(16, i_j_k_fused_1)
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
}

TEST(Fuse, UnitLoopWithoutPreserveUnitIters) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  auto i = sch.split(loops[0], Factors{1, 16});
  sch.fuse({i[0], i[1]}, /*preserve_unit_iters=*/false);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.fuse(l4, l5, preserve_unit_iters=False)"));
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i_0_i_1_fused, j, k in T.grid(16, 16, 16):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i_0_i_1_fused, j, k])
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
}

TEST(Fuse, Errors) {
  Schedule sch(parse(kTwoBlocks), 1, DebugMode::Verify);
  auto b_loops = sch.get_loops(sch.get_block("B"));
  auto c_loops = sch.get_loops(sch.get_block("C"));
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.fuse({b_loops[0], b_loops[1]});
      },
      "sch.fuse: loop j is not the only child of loop i, cannot fuse");
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.fuse({b_loops[1], c_loops[1]});
      },
      "sch.fuse: loop j is not the parent of loop j, cannot fuse: the loops must be directly "
      "nested, outermost first");
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.fuse({b_loops[1], b_loops[0]});
      },
      "sch.fuse: loop j is not the parent of loop i");
  expect_error<ScheduleError>(
      sch, [&] { sch.fuse({}); }, "sch.fuse: fuse requires at least one loop");
  Schedule tri(parse(kTriangle), 1, DebugMode::Verify);
  auto t = tri.get_loops(tri.get_block("A"));
  expect_error<ScheduleError>(
      tri,
      [&] {
        tri.fuse({t[0], t[1]});
      },
      "sch.fuse: the extent of loop j depends on loop i, cannot fuse");
  Schedule mm(parse(kMatmul), 1, DebugMode::Verify);
  auto loops = mm.get_loops(mm.get_block("C"));
  expect_error<ScheduleError>(
      mm,
      [&] {
        mm.fuse({loops[0], loops[2]});
      },
      "sch.fuse: loop i is not the parent of loop k");
  mm.parallel(loops[1]);
  mm.annotate(loops[1], "x", Value(int64_t{1}));
  expect_error<ScheduleError>(
      mm,
      [&] {
        mm.fuse({loops[0], loops[1]});
      },
      "sch.fuse: loop j has annotations or a thread binding, cannot fuse it");
}

TEST(Reorder, PermutesLoopsOfAChain) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  sch.reorder({loops[2], loops[0]});  // k and i swap; j stays in the middle
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.reorder(l3, l1)\n"));
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for k, j, i in T.grid(16, 16, 16):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  // The loop random variables follow their loops.
  EXPECT_EQ(sch.get(loops[2])->loop_var.name(), "k");
}

TEST(Reorder, TiledMatmulAfterSplits) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  auto i = sch.split(loops[0], Factors{std::nullopt, 4});
  auto j = sch.split(loops[1], Factors{std::nullopt, 5});  // predicated
  sch.reorder({i[0], j[0], loops[2], i[1], j[1]});
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i_0, j_0, k, i_1, j_1 in T.grid(4, 4, 16, 4, 5):
        with T.block("C"):
            vi = T.axis.spatial(16, i_0 * 4 + i_1)
            vj = T.axis.spatial(16, j_0 * 5 + j_1)
            vk = T.axis.reduce(16, k)
            T.where(j_0 * 5 + j_1 < 16)
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
}

TEST(Reorder, KeepsLoopKindsAndAnnotations) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  auto loops = sch.get_loops(sch.get_block("C"));
  sch.unroll(loops[2]);
  sch.annotate(loops[0], "hint", Value("x"));
  sch.reorder({loops[2], loops[0]});
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for k in T.unroll(16):
        for j in range(16):
            for i in T.serial(16, annotations={"hint": "x"}):
                with T.block("C"):
                    vi, vj, vk = T.axis.remap("SSR", [i, j, k])
                    T.reads(A[vi, vk], B[vk, vj])
                    T.writes(C[vi, vj])
                    with T.init():
                        C[vi, vj] = T.float32(0)
                    C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
}

TEST(Reorder, Errors) {
  Schedule sch(parse(kTwoBlocks), 1, DebugMode::Verify);
  auto b_loops = sch.get_loops(sch.get_block("B"));
  auto c_loops = sch.get_loops(sch.get_block("C"));
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.reorder({b_loops[0], b_loops[0]});
      },
      "sch.reorder: loop i appears more than once");
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.reorder({b_loops[1], c_loops[1]});
      },
      "sch.reorder: loops j and j are not nested one in the other, cannot reorder them");
  expect_error<ScheduleError>(
      sch,
      [&] {
        sch.reorder({b_loops[1], b_loops[0]});
      },
      "sch.reorder: loop i has more than one child, cannot reorder loops i to j across it");
  // A loop whose extent depends on an outer loop cannot move outside it.
  Schedule tri(parse(kTriangle), 1, DebugMode::Verify);
  auto t = tri.get_loops(tri.get_block("A"));
  expect_error<ScheduleError>(
      tri,
      [&] {
        tri.reorder({t[1], t[0]});
      },
      "sch.reorder: the range of loop j depends on loop i, which would be inside it after "
      "reordering");
  // Non-affine bindings.
  Schedule na(parse(R"(
@T.prim_func
def main(A: T.Buffer((64,), "float32")):
    for i, j in T.grid(8, 8):
        with T.block("A"):
            vi = T.axis.spatial(64, i * j)
            A[vi] = T.float32(1)
)"),
              1, DebugMode::Verify);
  auto n = na.get_loops(na.get_block("A"));
  expect_error<ScheduleError>(
      na,
      [&] {
        na.reorder({n[1], n[0]});
      },
      "sch.reorder: block A does not have an affine binding: its bindings are not an affine map of the loops above "
      "it");
}

TEST(AddUnitLoop, AboveABlockAndAboveALoop) {
  ir::PrimFunc before = parse(kMatmul);
  Schedule sch(before, 1, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  auto loops = sch.get_loops(c);
  LoopRV u1 = sch.add_unit_loop(c);
  LoopRV u2 = sch.add_unit_loop(loops[1]);
  EXPECT_EQ(sch.get(u1)->loop_var.name(), "u");
  EXPECT_EQ(sch.get_loops(c).size(), 5u);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("l4 = sch.add_unit_loop(block_or_loop=b0)\n"));
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 16), "float32"), B: T.Buffer((16, 16), "float32"), C: T.Buffer((16, 16), "float32")):
    for i, u_1, j, k, u in T.grid(16, 1, 16, 16, 1):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            T.reads(A[vi, vk], B[vk, vj])
            T.writes(C[vi, vj])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  (void)u2;
  BlockRV root = sch.get_block("root");
  expect_error<ScheduleError>(
      sch, [&] { sch.add_unit_loop(root); },
      "sch.add_unit_loop: block root is the root block of function main; sch.add_unit_loop needs a block inside a "
      "scope");
}

// ---------------------------------------------------------------------------------------
// Property test: random loop transformations and annotations keep the program's meaning.

/// Applies one random primitive to a random loop of a random block; ScheduleErrors are
/// skipped (the schedule is unchanged). Returns whether the primitive applied.
bool random_step(Schedule& sch, RandomEngine& rng) {
  std::vector<BlockRV> blocks = sch.get_child_blocks(sch.get_block("root"));
  BlockRV block = blocks[rng.uniform_int(0, static_cast<int64_t>(blocks.size()))];
  std::vector<LoopRV> loops = sch.get_loops(block);
  if (loops.empty()) return false;
  LoopRV loop = loops[rng.uniform_int(0, static_cast<int64_t>(loops.size()))];
  try {
    switch (rng.uniform_int(0, 8)) {
      case 0: {  // split with a sampled perfect tiling
        int n = static_cast<int>(rng.uniform_int(2, 4));
        std::vector<ExprRV> tiles = sch.sample_perfect_tile(loop, n, 8);
        sch.split(loop, std::vector<std::optional<ExprRV>>(tiles.begin(), tiles.end()));
        break;
      }
      case 1: {  // split with a literal factor that may not divide (predicate)
        int64_t f = rng.uniform_int(2, 6);
        if (rng.uniform_int(0, 2))
          sch.split(loop, Factors{std::nullopt, f});
        else
          sch.split(loop, Factors{f, std::nullopt});
        break;
      }
      case 2: {  // fuse a run of consecutive loops
        size_t start = rng.uniform_int(0, static_cast<int64_t>(loops.size()));
        size_t len = rng.uniform_int(1, static_cast<int64_t>(loops.size() - start) + 1);
        sch.fuse(std::vector<LoopRV>(loops.begin() + start, loops.begin() + start + len), rng.uniform_int(0, 2) == 1);
        break;
      }
      case 3:
      case 4: {  // reorder a random subset in a random order
        std::vector<LoopRV> pick;
        for (const LoopRV& l : loops) {
          if (rng.uniform_int(0, 2)) pick.push_back(l);
        }
        for (size_t i = pick.size(); i > 1; --i)
          std::swap(pick[i - 1], pick[rng.uniform_int(0, static_cast<int64_t>(i))]);
        if (pick.size() < 2) return false;  // nothing to reorder
        sch.reorder(pick);
        break;
      }
      case 5:
        sch.parallel(loop);
        break;
      case 6:
        sch.vectorize(loop);
        break;
      default:
        sch.unroll(loop);
        break;
    }
    return true;
  } catch (const ScheduleError&) {
    return false;  // an invalid random choice: skipped
  }
}

TEST(LoopTransformationProperty, RandomSchedulesKeepMeaning) {
  constexpr int kSeeds = 25;  // per workload
  constexpr int kSteps = 8;   // random primitives per schedule
  const std::vector<std::pair<std::string, std::map<std::string, int64_t>>> cases = {
      {"gmm", {{"M", 12}, {"N", 8}, {"K", 6}}},
      {"c2d", {{"H", 6}, {"W", 6}, {"CI", 3}, {"CO", 4}, {"K", 3}, {"padding", 1}}},
      {"sfm", {{"M", 6}, {"N", 10}}},
      {"cbr", {{"H", 5}, {"W", 6}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"padding", 1}}},
  };
  int checked = 0, applied = 0;
  for (const auto& [name, shape] : cases) {
    ir::PrimFunc before = workloads::make_workload(name, shape);
    for (int64_t seed = 1; seed <= kSeeds; ++seed) {
      SCOPED_TRACE("workload " + name + ", seed " + std::to_string(seed));
      Schedule sch(before, seed, DebugMode::Verify);
      RandomEngine rng(seed);
      for (int step = 0; step < kSteps; ++step) applied += random_step(sch, rng) ? 1 : 0;
      const std::string func = sch.default_func();
      testing::expect_equivalent(before, sch.mod().at(func), static_cast<uint64_t>(seed), 1e-4, 1e-4);
      testing::verify_trace_roundtrip(sch);
      verify_script_roundtrip(sch);
      ++checked;
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "failing schedule (workload " << name << ", seed " << seed << "):\n"
                      << sch.trace().as_python();
        return;
      }
    }
  }
  EXPECT_EQ(checked, 4 * kSeeds);
  EXPECT_GT(applied, 4 * kSeeds * kSteps / 3) << "too few random primitives applied for the test to mean much";
}

}  // namespace
}  // namespace loom::sched
