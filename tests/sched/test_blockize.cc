// Tests of the block family: blockize and tensorize (before / schedule / expected fixtures,
// error paths, the Python form of the instructions, the tensor-intrinsic registry, random
// schedules against the interpreter).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fmt/format.h"
#include "loom/ir/builder.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/sched/tensor_intrin.h"
#include "loom/script/parser.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::expect_equivalent;
using testing::expect_func_equal;
using testing::expect_schedule_error;
using ::testing::HasSubstr;
using testing::verify_trace_roundtrip;

/// Checks a successful schedule: the expected function, interpreter equivalence and the
/// trace round trip.
void check(const Schedule& sch, const ir::PrimFunc& before, const char* expected) {
  expect_func_equal(sch.mod().at("main"), script::parse_func(expected));
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

const char* kElementwise = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((16, 8), "float32")):
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] * T.float32(2)
)";

TEST(Blockize, InnerLoopOfASpatialBlock) {
  ir::PrimFunc before = script::parse_func(kElementwise);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  BlockRV outer = sch.blockize(sch.get_loops(b)[1]);
  EXPECT_EQ(sch.get(outer)->name, "B_o");
  EXPECT_EQ(sch.get(b)->name, "B");
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((16, 8), "float32")):
    for i in range(16):
        with T.block("B_o"):
            vi = T.axis.spatial(16, i)
            vj_o = T.axis.spatial(1, 0)
            T.reads(A[vi, 0:8])
            T.writes(B[vi, 0:8])
            for j in range(8):
                with T.block("B"):
                    vj_i = T.axis.spatial(8, j)
                    T.reads(A[vi, vj_i])
                    T.writes(B[vi, vj_i])
                    B[vi, vj_i] = A[vi, vj_i] * T.float32(2)
)");
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("b3 = sch.blockize(target=l2, preserve_unit_iters=True)"));
}

TEST(Blockize, OutermostLoopMakesOneOuterBlockOfUnitVariables) {
  ir::PrimFunc before = script::parse_func(kElementwise);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.blockize(sch.get_loops(sch.get_block("B"))[0]);
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((16, 8), "float32")):
    with T.block("B_o"):
        vi_o = T.axis.spatial(1, 0)
        vj_o = T.axis.spatial(1, 0)
        T.reads(A[0:16, 0:8])
        T.writes(B[0:16, 0:8])
        for i, j in T.grid(16, 8):
            with T.block("B"):
                vi_i, vj_i = T.axis.remap("SS", [i, j])
                T.reads(A[vi_i, vj_i])
                T.writes(B[vi_i, vj_i])
                B[vi_i, vj_i] = A[vi_i, vj_i] * T.float32(2)
)");
}

const char* kTiledMatmul = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 4), "float32"), C: T.Buffer((16, 4), "float32")):
    for i0, j, k0, i1, k1 in T.grid(4, 4, 2, 4, 4):
        with T.block("C"):
            vi = T.axis.spatial(16, i0 * 4 + i1)
            vj = T.axis.spatial(4, j)
            vk = T.axis.reduce(8, k0 * 4 + k1)
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)";

TEST(Blockize, ReductionSplitsItsInitOverTheInnerSpatialLoops) {
  ir::PrimFunc before = script::parse_func(kTiledMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.blockize(sch.get_loops(sch.get_block("C"))[3]);
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 4), "float32"), C: T.Buffer((16, 4), "float32")):
    for i0, j, k0 in T.grid(4, 4, 2):
        with T.block("C_o"):
            vi_o = T.axis.spatial(4, i0)
            vj = T.axis.spatial(4, j)
            vk_o = T.axis.reduce(2, k0)
            T.reads(C[vi_o * 4:vi_o * 4 + 4, vj], A[vi_o * 4:vi_o * 4 + 4, vk_o * 4:vk_o * 4 + 4], B[vk_o * 4:vk_o * 4 + 4, vj])
            T.writes(C[vi_o * 4:vi_o * 4 + 4, vj])
            with T.init():
                for i1 in range(4):
                    with T.block("C_init"):
                        vi_i_init = T.axis.spatial(4, i1)
                        T.reads()
                        T.writes(C[vi_o * 4 + vi_i_init, vj])
                        C[vi_o * 4 + vi_i_init, vj] = T.float32(0)
            for i1, k1 in T.grid(4, 4):
                with T.block("C"):
                    vi_i, vk_i = T.axis.remap("SR", [i1, k1])
                    T.reads(C[vi_o * 4 + vi_i, vj], A[vi_o * 4 + vi_i, vk_o * 4 + vk_i], B[vk_o * 4 + vk_i, vj])
                    T.writes(C[vi_o * 4 + vi_i, vj])
                    C[vi_o * 4 + vi_i, vj] = C[vi_o * 4 + vi_i, vj] + A[vi_o * 4 + vi_i, vk_o * 4 + vk_i] * B[vk_o * 4 + vk_i, vj]
)");
}

TEST(Blockize, NonDividingSplitKeepsThePredicateOnTheInnerBlock) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((10,), "float32"), B: T.Buffer((10,), "float32")):
    for i0, i1 in T.grid(3, 4):
        with T.block("B"):
            T.where(i0 * 4 + i1 < 10)
            vi = T.axis.spatial(10, i0 * 4 + i1)
            B[vi] = A[vi] + T.float32(1)
)");
  Schedule sch(before, 0, DebugMode::Verify);
  sch.blockize(sch.get_loops(sch.get_block("B"))[1]);
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((10,), "float32"), B: T.Buffer((10,), "float32")):
    for i0 in range(3):
        with T.block("B_o"):
            vi_o = T.axis.spatial(3, i0)
            T.reads(A[vi_o * 4:vi_o * 4 + (T.min(vi_o * 4 + 3, 9) - vi_o * 4 + 1)])
            T.writes(B[vi_o * 4:vi_o * 4 + (T.min(vi_o * 4 + 3, 9) - vi_o * 4 + 1)])
            for i1 in range(4):
                with T.block("B"):
                    T.where(vi_o * 4 + i1 < 10)
                    vi_i = T.axis.spatial(4, i1)
                    T.reads(A[vi_o * 4 + vi_i])
                    T.writes(B[vi_o * 4 + vi_i])
                    B[vi_o * 4 + vi_i] = A[vi_o * 4 + vi_i] + T.float32(1)
)");
}

const char* kUnitOuter = R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), B: T.Buffer((16,), "float32")):
    for i0, i1 in T.grid(1, 16):
        with T.block("B"):
            vi = T.axis.spatial(16, i0 * 16 + i1)
            B[vi] = A[vi] + T.float32(1)
)";

TEST(Blockize, PreserveUnitItersKeepsTheUnitLoopInTheOuterBinding) {
  for (bool preserve : {true, false}) {
    SCOPED_TRACE(preserve ? "preserve_unit_iters=True" : "preserve_unit_iters=False");
    ir::PrimFunc before = script::parse_func(kUnitOuter);
    Schedule sch(before, 0, DebugMode::Verify);
    sch.blockize(sch.get_loops(sch.get_block("B"))[1], preserve);
    std::string expected = R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), B: T.Buffer((16,), "float32")):
    for i0 in range(1):
        with T.block("B_o"):
            vi_o = T.axis.spatial(1, BINDING)
            T.reads(A[0:16])
            T.writes(B[0:16])
            for i1 in range(16):
                with T.block("B"):
                    vi_i = T.axis.spatial(16, i1)
                    T.reads(A[vi_i])
                    T.writes(B[vi_i])
                    B[vi_i] = A[vi_i] + T.float32(1)
)";
    expected.replace(expected.find("BINDING"), 7, preserve ? "i0" : "0");
    check(sch, before, expected.c_str());
    EXPECT_THAT(sch.trace().as_python(),
                HasSubstr(std::string("preserve_unit_iters=") + (preserve ? "True" : "False")));
  }
}

TEST(BlockizeErrors, LoopsBlocksAndBindings) {
  Schedule two(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), B: T.Buffer((16,), "float32"), C: T.Buffer((16,), "float32")):
    for i in range(16):
        with T.block("B"):
            vi = T.axis.spatial(16, i)
            B[vi] = A[vi] + T.float32(1)
        with T.block("C"):
            vi = T.axis.spatial(16, i)
            C[vi] = A[vi] * T.float32(2)
)"),
               0, DebugMode::Verify);
  LoopRV i = two.get_loops(two.get_block("B"))[0];
  expect_schedule_error(
      two, [&] { two.blockize(i); }, "NotSingleBlock",
      "sch.blockize: loop i contains 2 blocks, blockize needs exactly one");

  Schedule swapped(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), B: T.Buffer((16,), "float32")):
    for i0, i1 in T.grid(4, 4):
        with T.block("B"):
            vi = T.axis.spatial(16, i1 * 4 + i0)
            B[vi] = A[vi] + T.float32(1)
)"),
                   0, DebugMode::Verify);
  LoopRV i1 = swapped.get_loops(swapped.get_block("B"))[1];
  expect_schedule_error(
      swapped, [&] { swapped.blockize(i1); }, "SubspaceNotDivisible",
      "the binding vi of block B (i1 * 4 + i0) is not divisible by loop i1: loop i0 outside it is a lower digit");

  Schedule square(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), B: T.Buffer((16,), "float32")):
    for i0, i1 in T.grid(4, 4):
        with T.block("B"):
            vi = T.axis.spatial(16, i0 * i1)
            B[vi] = A[vi] + T.float32(1)
)"),
                  0, DebugMode::Verify);
  LoopRV s1 = square.get_loops(square.get_block("B"))[1];
  expect_schedule_error(
      square, [&] { square.blockize(s1); }, "SubspaceNotDivisible",
      "the bindings of block B are not an affine map of the loops above it");
}

TEST(BlockizeErrors, AnIfBetweenTheLoopAndTheBlock) {
  Schedule sch(script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16,), "float32"), B: T.Buffer((16,), "float32")):
    for i in range(16):
        if i < 8:
            with T.block("B"):
                vi = T.axis.spatial(16, i)
                B[vi] = A[vi] + T.float32(1)
)"),
               0, DebugMode::Verify);
  LoopRV i = sch.get_loops(sch.get_block("B"))[0];
  expect_schedule_error(
      sch, [&] { sch.blockize(i); }, "NotSingleBlock",
      "the statements between loop i and its block are not only loops, cannot blockize");
}

TEST(Blockize, TwiceNestsTheOuterBlocks) {
  ir::PrimFunc before = script::parse_func(kTiledMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  std::vector<LoopRV> loops = sch.get_loops(sch.get_block("C"));
  BlockRV inner = sch.blockize(loops[3]);
  BlockRV outer = sch.blockize(loops[1]);
  EXPECT_EQ(sch.get(inner)->name, "C_o");
  EXPECT_EQ(sch.get(outer)->name, "C_o_o");
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

const char* kMatmul = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 4), "float32"), C: T.Buffer((16, 4), "float32")):
    for i, j, k in T.grid(16, 4, 8):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)";

/// decompose_reduction at i, then k outside j: the j loop is the intrinsic's loop.
Schedule matmul_ready_for_tensorize(const ir::PrimFunc& func) {
  Schedule sch(func, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> loops = sch.get_loops(c);
  sch.decompose_reduction(c, loops[0]);
  sch.reorder({loops[2], loops[1]});
  return sch;
}

TEST(Tensorize, MatmulInnerLoopBecomesOneVectorMultiplyAccumulate) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch = matmul_ready_for_tensorize(before);
  BlockRV c = sch.get_block("C");
  LoopRV j = sch.get_loops(c)[2];
  sch.tensorize(j, "loom.vec.fma_f32x4");
  check(sch, before, R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 4), "float32"), C: T.Buffer((16, 4), "float32")):
    for i, j in T.grid(16, 4):
        with T.block("C_init"):
            vi, vj = T.axis.remap("SS", [i, j])
            T.reads()
            T.writes(C[vi, vj])
            C[vi, vj] = T.float32(0)
    for i, k in T.grid(16, 8):
        with T.block("C_o"):
            vi = T.axis.spatial(16, i)
            vj_o = T.axis.spatial(1, 0)
            vk = T.axis.reduce(8, k)
            T.reads(C[vi, 0:4], A[vi, vk], B[vk, 0:4])
            T.writes(C[vi, 0:4])
            A_1 = T.match_buffer(A[vi, vk], (1,))
            B_1 = T.match_buffer(B[vk, 0:4], (4,))
            C_1 = T.match_buffer(C[vi, 0:4], (4,))
            C_1[T.Ramp(0, 1, 4)] = C_1[T.Ramp(0, 1, 4)] + T.Broadcast(A_1[0], 4) * B_1[T.Ramp(0, 1, 4)]
)");
  EXPECT_THAT(sch.trace().as_python(),
              HasSubstr("sch.tensorize(block_or_loop=l8, tensor_intrin=\"loom.vec.fma_f32x4\", "
                        "preserve_unit_iters=True)"));
  EXPECT_THAT(sch.trace().as_python(), ::testing::Not(HasSubstr("blockize")));
  // The printed function parses back (the views' names do not clash with the parameters).
  expect_func_equal(script::parse_func(script::print(sch.mod().at("main"))), sch.mod().at("main"));
  expect_schedule_error(
      sch, [&] { sch.get(c); }, "InvalidRV", "tensorize");

  // The printed trace is a schedule script that rebuilds the same function.
  Schedule replayed(before, 0, DebugMode::Verify);
  apply_schedule_script(replayed, sch.trace().as_python());
  expect_func_equal(replayed.mod().at("main"), sch.mod().at("main"));
}

TEST(Tensorize, BlockizedBlockTwiceInOneFunctionWithTheWideIntrinsic) {
  std::string text = kMatmul;
  text.replace(text.find("(8, 4)"), 6, "(8, 16)");
  text.replace(text.find("(16, 4)"), 7, "(16, 16)");
  text.replace(text.find("grid(16, 4, 8)"), 14, "grid(16, 16, 8)");
  ir::PrimFunc before = script::parse_func(text);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> loops = sch.get_loops(c);
  sch.decompose_reduction(c, loops[loops.size() - 3]);
  loops = sch.get_loops(c);
  std::vector<LoopRV> j = sch.split(loops[loops.size() - 2], std::vector<std::optional<int64_t>>{2, 8});
  sch.reorder({loops.back(), j[1]});
  // j is now [j0, k, j1]: blockize j1 and tensorize the block.
  BlockRV outer = sch.blockize(j[1]);
  sch.tensorize(outer, "loom.vec.fma_f32x8");
  expect_equivalent(before, sch.mod().at(sch.default_func()));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.tensorize(block_or_loop=b"));
}

TEST(TensorizeErrors, MismatchedDtypeShapeOperationAndInit) {
  // An init: the reduction must be decomposed first.
  Schedule with_init(script::parse_func(kMatmul), 0, DebugMode::Verify);
  LoopRV j0 = with_init.get_loops(with_init.get_block("C"))[1];
  expect_schedule_error(
      with_init, [&] { with_init.tensorize(j0, "loom.vec.fma_f32x4"); }, "TensorizeMismatch",
      "block C_o does not match intrinsic loom.vec.fma_f32x4: block C_o: the block has an init");

  // float16 buffers.
  std::string f16 = kMatmul;
  for (size_t pos; (pos = f16.find("float32")) != std::string::npos;) f16.replace(pos, 7, "float16");
  Schedule half = matmul_ready_for_tensorize(script::parse_func(f16));
  LoopRV hj = half.get_loops(half.get_block("C"))[2];
  expect_schedule_error(
      half, [&] { half.tensorize(hj, "loom.vec.fma_f32x4"); }, "TensorizeMismatch",
      "block C_o / writes 0 (C): buffer C has dtype float16 but intrinsic buffer C has float32");

  // 4 lanes of an 8-lane intrinsic.
  Schedule narrow = matmul_ready_for_tensorize(script::parse_func(kMatmul));
  LoopRV nj = narrow.get_loops(narrow.get_block("C"))[2];
  expect_schedule_error(
      narrow, [&] { narrow.tensorize(nj, "loom.vec.fma_f32x8"); }, "TensorizeMismatch",
      "block C_o / writes 0 (C): dimension 1 extent 4 vs 8");

  // A different operation.
  std::string plus = kMatmul;
  plus.replace(plus.find("A[vi, vk] * B[vk, vj]"), 21, "A[vi, vk] + B[vk, vj]");
  Schedule added = matmul_ready_for_tensorize(script::parse_func(plus));
  LoopRV aj = added.get_loops(added.get_block("C"))[2];
  expect_schedule_error(
      added, [&] { added.tensorize(aj, "loom.vec.fma_f32x4"); }, "TensorizeMismatch",
      "block C_o / loop j / block C / store C / value / Add.a: C[vi, vj_i] + A[vi, vk] vs C[vj]");

  // Unknown names list the known ones.
  expect_schedule_error(
      narrow, [&] { narrow.tensorize(nj, "loom.nope"); }, "UnknownTensorIntrin",
      "unknown tensor intrinsic 'loom.nope' (known: loom.vec.fma_f32x4, loom.vec.fma_f32x8");
}

const char* kCopyDesc = R"(
@T.prim_func
def desc(A: T.Buffer((4,), "float32"), B: T.Buffer((4,), "float32")):
    with T.block("root"):
        T.reads(A[0:4])
        T.writes(B[0:4])
        for i in range(4):
            with T.block("copy"):
                vi = T.axis.spatial(4, i)
                B[vi] = A[vi]
)";

const char* kCopyImpl = R"(
@T.prim_func
def impl(A: T.Buffer((4,), "float32"), B: T.Buffer((4,), "float32")):
    with T.block("root"):
        T.reads(A[0:4])
        T.writes(B[0:4])
        B[T.Ramp(0, 1, 4)] = A[T.Ramp(0, 1, 4)]
)";

TEST(TensorIntrin, RegistrationValidatesDescAndImpl) {
  auto expect_user_error = [](const std::function<void()>& fn, const std::string& message) {
    try {
      fn();
      ADD_FAILURE() << "expected an error containing: " << message;
    } catch (const UserError& e) {
      EXPECT_THAT(e.what(), HasSubstr(message));
    }
  };
  register_tensor_intrin("test.copy4", kCopyDesc, kCopyImpl, /*override_existing=*/true);  // rerunnable
  EXPECT_TRUE(has_tensor_intrin("test.copy4"));
  EXPECT_EQ(get_tensor_intrin("test.copy4").name, "test.copy4");
  expect_user_error([] { register_tensor_intrin("test.copy4", kCopyDesc, kCopyImpl); },
                    "tensor intrinsic test.copy4 is already registered");
  register_tensor_intrin("test.copy4", kCopyDesc, kCopyImpl, /*override_existing=*/true);

  std::string impl3 = kCopyImpl;
  impl3.replace(impl3.find("B: T.Buffer((4,), \"float32\")"), 28,
                "B: T.Buffer((4,), \"float32\"), C: T.Buffer((4,), \"float32\")");
  expect_user_error([&] { register_tensor_intrin("test.bad", kCopyDesc, impl3.c_str()); },
                    "tensor intrinsic test.bad: desc has 2 parameters but impl has 3");
  std::string impl_i32 = kCopyImpl;
  for (size_t pos; (pos = impl_i32.find("float32")) != std::string::npos;) impl_i32.replace(pos, 7, "int32");
  expect_user_error([&] { register_tensor_intrin("test.bad", kCopyDesc, impl_i32.c_str()); },
                    "parameter 0 has dtype float32 in desc but int32 in impl");
  std::string impl_8 = kCopyImpl;
  impl_8.replace(impl_8.find("(4,)"), 4, "(8,)");
  expect_user_error([&] { register_tensor_intrin("test.bad", kCopyDesc, impl_8.c_str()); },
                    "parameter 0 (A / A) has different shapes in desc and impl");
  const char* two_blocks = R"(
@T.prim_func
def desc(A: T.Buffer((4,), "float32"), B: T.Buffer((4,), "float32")):
    with T.block("root"):
        T.reads(A[0:4])
        T.writes(B[0:4])
        for i in range(4):
            with T.block("copy"):
                vi = T.axis.spatial(4, i)
                B[vi] = A[vi]
        for i in range(4):
            with T.block("copy2"):
                vi = T.axis.spatial(4, i)
                B[vi] = A[vi]
)";
  expect_user_error([&] { register_tensor_intrin("test.bad", two_blocks, kCopyImpl); },
                    "the root block of desc must hold exactly one block under loops only, it holds 2 blocks");
  EXPECT_FALSE(has_tensor_intrin("test.bad"));
  expect_user_error([] { get_tensor_intrin("test.bad"); }, "unknown tensor intrinsic 'test.bad' (known: ");

  // A user intrinsic tensorizes a copy over a 2-D buffer (leading dimension of extent 1).
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((3, 8), "float32"), B: T.Buffer((3, 8), "float32")):
    for i, j0, j1 in T.grid(3, 2, 4):
        with T.block("B"):
            vi = T.axis.spatial(3, i)
            vj = T.axis.spatial(8, j0 * 4 + j1)
            B[vi, vj] = A[vi, vj]
)");
  Schedule sch(before, 0, DebugMode::Verify);
  sch.tensorize(sch.get_loops(sch.get_block("B"))[2], "test.copy4");
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

/// Random matmul shapes and tilings, then tensorize of the j loop with a random built-in
/// intrinsic: the calls that match must keep the meaning and replay.
TEST(TensorizeProperty, RandomTilingsThenTensorizeKeepTheMeaning) {
  int checked = 0, applied = 0;
  for (int64_t seed = 0; seed < 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomEngine rng(seed);
    const int64_t n = int64_t{4} << rng.uniform_int(0, 3);  // 4, 8, 16
    std::string text = kMatmul;
    text.replace(text.find("(8, 4)"), 6, fmt::format("(8, {})", n));
    text.replace(text.find("(16, 4)"), 7, fmt::format("(16, {})", n));
    text.replace(text.find("grid(16, 4, 8)"), 14, fmt::format("grid(16, {}, 8)", n));
    ir::PrimFunc before = script::parse_func(text);
    Schedule sch(before, seed, DebugMode::Verify);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    sch.decompose_reduction(c, loops[0]);
    if (rng.uniform_int(0, 2) == 0) sch.split(loops[0], std::vector<std::optional<int64_t>>{std::nullopt, 4});
    const int64_t factor = int64_t{4} << rng.uniform_int(0, 2);  // 4 or 8
    std::vector<LoopRV> j = sch.split(loops[1], std::vector<std::optional<int64_t>>{std::nullopt, factor});
    sch.reorder({loops[2], j[1]});
    const std::string intrin = rng.uniform_int(0, 2) == 0 ? "loom.vec.fma_f32x4" : "loom.vec.fma_f32x8";
    try {
      sch.tensorize(j[1], intrin, rng.uniform_int(0, 2) == 0);
      ++applied;
      EXPECT_TRUE(factor <= n && intrin == fmt::format("loom.vec.fma_f32x{}", factor)) << intrin << " on " << n;
    } catch (const ScheduleError& e) {
      EXPECT_THAT(e.what(), HasSubstr("does not match intrinsic"));
    }
    expect_equivalent(before, sch.mod().at("main"), static_cast<uint64_t>(seed));
    verify_trace_roundtrip(sch);
    ++checked;
  }
  std::printf("tensorize property: %d schedules checked, %d tensorize calls applied\n", checked, applied);
  EXPECT_EQ(checked, 40);
  EXPECT_GT(applied, 5);
}

/// Random splits of zoo loops followed by blockize of a random loop: every schedule that
/// the primitive accepts must compute what the workload computes, and replay from its trace.
TEST(BlockizeProperty, RandomSplitsThenBlockizeKeepTheMeaning) {
  const std::vector<std::pair<std::string, std::map<std::string, int64_t>>> workloads = {
      {"gmm", {{"M", 4}, {"N", 6}, {"K", 4}}},
      {"c2d", {{"N", 1}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
  };
  int checked = 0, attempted = 0, applied = 0;
  for (const auto& [name, shape] : workloads) {
    ir::PrimFunc func = workloads::make_workload(name, shape);
    for (int64_t seed = 0; seed < 50; ++seed) {
      SCOPED_TRACE("workload " + name + ", seed " + std::to_string(seed));
      Schedule sch(func, seed, DebugMode::Verify);
      RandomEngine& rng = sch.rng();
      std::vector<BlockRV> blocks = sch.get_child_blocks(sch.get_block("root"));
      BlockRV b = blocks[rng.uniform_int(0, static_cast<int64_t>(blocks.size()))];
      for (int step = 0; step < 2; ++step) {
        std::vector<LoopRV> loops = sch.get_loops(b);
        LoopRV l = loops[rng.uniform_int(0, static_cast<int64_t>(loops.size()))];
        int64_t extent = *ir::as_const_int(sch.get(l)->extent);
        int64_t factor = rng.uniform_int(1, std::max<int64_t>(2, extent + 1));
        sch.split(l, std::vector<std::optional<int64_t>>{std::nullopt, factor});
      }
      std::vector<LoopRV> loops = sch.get_loops(b);
      LoopRV target = loops[rng.uniform_int(0, static_cast<int64_t>(loops.size()))];
      try {
        ++attempted;
        sch.blockize(target, rng.uniform_int(0, 2) == 0);
        ++applied;
      } catch (const ScheduleError&) {
      }
      expect_equivalent(func, sch.mod().at(sch.default_func()), static_cast<uint64_t>(seed));
      verify_trace_roundtrip(sch);
      ++checked;
    }
  }
  std::printf("blockize property: %d schedules checked, %d of %d blockize calls applied\n", checked, applied,
              attempted);
  EXPECT_EQ(checked, 100);
  EXPECT_GT(applied, attempted / 2) << applied << " of " << attempted << " calls applied";
}

}  // namespace
}  // namespace loom::sched
