// Tests of the pad_einsum primitive (before / schedule / expected fixtures, error paths, the
// Python form of the instruction, random paddings against the interpreter).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/ir/printer.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/parser.h"
#include "loom/script/printer.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::expect_equivalent;
using testing::expect_func_equal;
using testing::expect_schedule_error;
using ::testing::HasSubstr;
using testing::verify_trace_roundtrip;

const char* kMatmul = R"(
@T.prim_func
def main(A: T.Buffer((10, 6), "float32"), B: T.Buffer((6, 5), "float32"), C: T.Buffer((10, 5), "float32")):
    for i, j, k in T.grid(10, 5, 6):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)";

TEST(PadEinsum, PadsInputsAndOutputOfAMatmul) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.pad_einsum(sch.get_block("C"), {4, 4, 4});
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((10, 6), "float32"), B: T.Buffer((6, 5), "float32"), C: T.Buffer((10, 5), "float32")):
    C_pad = T.alloc_buffer((12, 8), "float32")
    A_pad = T.alloc_buffer((12, 8), "float32")
    B_pad = T.alloc_buffer((8, 8), "float32")
    for ax0, ax1 in T.grid(12, 8):
        with T.block("A_pad"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            T.reads(A[v0, v1])
            T.writes(A_pad[v0, v1])
            A_pad[v0, v1] = T.if_then_else(v0 < 10 and v1 < 6, A[v0, v1], T.float32(0))
    for ax0, ax1 in T.grid(8, 8):
        with T.block("B_pad"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            T.reads(B[v0, v1])
            T.writes(B_pad[v0, v1])
            B_pad[v0, v1] = T.if_then_else(v0 < 6 and v1 < 5, B[v0, v1], T.float32(0))
    for i, j, k in T.grid(12, 8, 8):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            T.reads(C_pad[vi, vj], A_pad[vi, vk], B_pad[vk, vj])
            T.writes(C_pad[vi, vj])
            with T.init():
                C_pad[vi, vj] = T.float32(0)
            C_pad[vi, vj] = C_pad[vi, vj] + A_pad[vi, vk] * B_pad[vk, vj]
    for ax0, ax1 in T.grid(10, 5):
        with T.block("C_pad"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            T.reads(C_pad[v0, v1])
            T.writes(C[v0, v1])
            C[v0, v1] = C_pad[v0, v1]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.pad_einsum(block=b0, padding=[4, 4, 4])"));
  EXPECT_EQ(sch.trace().to_json()[0][1].dump(), R"(["PadEinsum",["b0"],[[4,4,4]],[]])");
}

TEST(PadEinsum, OnlyBuffersWithAPaddedDimensionAreCopied) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> loops = sch.get_loops(c);
  sch.pad_einsum(c, {4, 5, 3});  // only i (10 -> 12) is padded: A and C get copies, B does not
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((10, 6), "float32"), B: T.Buffer((6, 5), "float32"), C: T.Buffer((10, 5), "float32")):
    C_pad = T.alloc_buffer((12, 5), "float32")
    A_pad = T.alloc_buffer((12, 6), "float32")
    for ax0, ax1 in T.grid(12, 6):
        with T.block("A_pad"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            T.reads(A[v0, v1])
            T.writes(A_pad[v0, v1])
            A_pad[v0, v1] = T.if_then_else(v0 < 10, A[v0, v1], T.float32(0))
    for i, j, k in T.grid(12, 5, 6):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            T.reads(C_pad[vi, vj], A_pad[vi, vk], B[vk, vj])
            T.writes(C_pad[vi, vj])
            with T.init():
                C_pad[vi, vj] = T.float32(0)
            C_pad[vi, vj] = C_pad[vi, vj] + A_pad[vi, vk] * B[vk, vj]
    for ax0, ax1 in T.grid(10, 5):
        with T.block("C_pad"):
            v0, v1 = T.axis.remap("SS", [ax0, ax1])
            T.reads(C_pad[v0, v1])
            T.writes(C[v0, v1])
            C[v0, v1] = C_pad[v0, v1]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  // The loops keep their variables: the loop RVs still work.
  sch.split(loops[0], std::vector<std::optional<int64_t>>{std::nullopt, 4});
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(PadEinsum, A127CubedMatmulPadsTo128) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((127, 127), "float32"), B: T.Buffer((127, 127), "float32"), C: T.Buffer((127, 127), "float32")):
    for i, j, k in T.grid(127, 127, 127):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)");
  Schedule sch(before, 0, DebugMode::Verify);
  sch.pad_einsum(sch.get_block("C"), {32, 32, 32});
  const ir::PrimFunc& after = sch.mod().at("main");
  const auto* root = after->body.as<ir::BlockRealizeNode>()->block.get();
  ASSERT_EQ(root->alloc_buffers.size(), 3u);
  for (const ir::Buffer& buf : root->alloc_buffers) {
    EXPECT_EQ(ir::to_string(buf->shape[0]), "128") << buf->name;
    EXPECT_EQ(ir::to_string(buf->shape[1]), "128") << buf->name;
  }
  const auto* seq = root->body.as<ir::SeqStmtNode>();
  ASSERT_NE(seq, nullptr);
  EXPECT_EQ(seq->seq.size(), 4u);  // A_pad, B_pad, C, C_pad
  verify_trace_roundtrip(sch);
}

TEST(PadEinsum, Errors) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  expect_schedule_error(
      sch,
      [&] {
        sch.pad_einsum(c, {4, 4});
      },
      "PaddingLengthMismatch", "block C has 3 iteration variables but padding has 2 entries");
  expect_schedule_error(
      sch,
      [&] {
        sch.pad_einsum(c, {4, 0, 4});
      },
      "NonPositivePadding", "padding[1] = 0 for iteration variable vj of block C is not positive");
  BlockRV root = sch.get_block("root");
  expect_schedule_error(
      sch, [&] { sch.pad_einsum(root, {}); }, "RootBlock", "block root is the root block of function main");

  Schedule split = sch;
  split.split(split.get_loops(c)[0], std::vector<std::optional<int64_t>>{std::nullopt, 5});
  expect_schedule_error(
      split,
      [&] {
        split.pad_einsum(c, {4, 4, 4});
      },
      "NonTrivialBinding", "the bindings of block C are not trivial: it has 3 iteration variables under 4 loops");

  auto error_of = [](const char* text, const std::vector<int64_t>& padding, const char* kind, const char* message) {
    Schedule s(script::parse_func(text), 0, DebugMode::Verify);
    BlockRV b = s.get_block("C");
    expect_schedule_error(
        s, [&] { s.pad_einsum(b, padding); }, kind, message);
  };
  error_of(R"(
@T.prim_func
def main(A: T.Buffer((11,), "float32"), C: T.Buffer((10,), "float32")):
    for i in range(10):
        with T.block("C"):
            vi = T.axis.spatial(10, i)
            C[vi] = A[vi + 1]
)",
           {4}, "NotEinsum", "block C indexes buffer A with vi + 1, not with one of its iteration variables");
  error_of(R"(
@T.prim_func
def main(A: T.Buffer((10, 6), "float32"), C: T.Buffer((10,), "float32")):
    for i, k in T.grid(10, 6):
        with T.block("C"):
            vi, vk = T.axis.remap("SR", [i, k])
            with T.init():
                C[vi] = T.float32(0)
            C[vi] = T.max(C[vi], A[vi, vk])
)",
           {1, 4}, "UnsafePaddedReduction", "block C: padding reduction variable vk from 6 to 8 is only supported");
  error_of(R"(
@T.prim_func
def main(A: T.Buffer((10, 6), "float32"), C: T.Buffer((10,), "float32")):
    for i, k in T.grid(10, 6):
        with T.block("C"):
            vi, vk = T.axis.remap("SR", [i, k])
            C[vi] = C[vi] + A[vi, vk]
)",
           {4, 1}, "NotEinsum", "block C reads its output C without an init");
  error_of(R"(
@T.prim_func
def main(A: T.Buffer((10, 10), "float32"), C: T.Buffer((10,), "float32")):
    for i in range(10):
        with T.block("C"):
            vi = T.axis.spatial(10, i)
            C[vi] = A[vi, vi] + A[0, vi]
)",
           {4}, "NotEinsum", "block C indexes buffer A with 0");
  // The copies pad_einsum makes read their input under a guard: padding one again is refused.
  Schedule twice(before, 0, DebugMode::Verify);
  twice.pad_einsum(twice.get_block("C"), {4, 1, 1});
  BlockRV a_pad = twice.get_block("A_pad");
  expect_schedule_error(
      twice,
      [&] {
        twice.pad_einsum(a_pad, {1, 4});
      },
      "NotEinsum", "block A_pad indexes dimension 0 of buffer A (extent 10) with v0, which ranges over 12 values");
}

TEST(PadEinsumScript, PythonFormReadsBack) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  apply_schedule_script(sch, "b0 = sch.get_block(\"C\")\nsch.pad_einsum(b0, [8, 2, 4])\n");
  Schedule direct(before, 0, DebugMode::Verify);
  direct.pad_einsum(direct.get_block("C"), {8, 2, 4});
  expect_func_equal(sch.mod().at("main"), direct.mod().at("main"));
  EXPECT_EQ(sch.trace().as_python(), direct.trace().as_python());
  Schedule again(before, 0, DebugMode::Verify);
  apply_schedule_script(again, direct.trace().as_python());
  expect_func_equal(again.mod().at("main"), direct.mod().at("main"));
  expect_equivalent(before, sch.mod().at("main"));
}

/// Random paddings of every block of small zoo workloads (the einsum-like ones are padded,
/// the others rejected), mixed with transform_layout-free loop splits afterwards: every
/// schedule computes what the workload computes and replays from its trace.
TEST(PadEinsumProperty, RandomPaddingsKeepTheMeaning) {
  const std::vector<std::pair<std::string, std::map<std::string, int64_t>>> workloads = {
      {"gmm", {{"M", 5}, {"N", 3}, {"K", 7}}},
      {"bmm", {{"B", 2}, {"M", 3}, {"N", 5}, {"K", 3}}},
      {"c2d", {{"N", 1}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 3}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"nrm", {{"B", 2}, {"M", 3}, {"N", 5}}},
      {"sfm", {{"M", 3}, {"N", 5}}},
  };
  int checked = 0, attempted = 0, applied = 0;
  for (const auto& [name, shape] : workloads) {
    ir::PrimFunc func = workloads::make_workload(name, shape);
    for (int64_t seed = 0; seed < 10; ++seed) {
      SCOPED_TRACE("workload " + name + ", seed " + std::to_string(seed));
      Schedule sch(func, seed, DebugMode::Verify);
      RandomEngine& rng = sch.rng();
      for (int step = 0; step < 2; ++step) {
        std::vector<BlockRV> blocks = sch.get_child_blocks(sch.get_block("root"));
        BlockRV b = blocks[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(blocks.size())))];
        std::vector<int64_t> padding;
        for (size_t i = 0; i < sch.get(b)->iter_vars.size(); ++i) padding.push_back(rng.uniform_int(1, 5));
        try {
          ++attempted;
          sch.pad_einsum(b, padding);
          ++applied;
        } catch (const ScheduleError&) {
        }
      }
      expect_equivalent(func, sch.mod().at(sch.default_func()), static_cast<uint64_t>(seed));
      verify_trace_roundtrip(sch);
      ++checked;
    }
  }
  RecordProperty("applied", applied);
  RecordProperty("attempted", attempted);
  EXPECT_EQ(checked, 50);
  EXPECT_GT(applied, attempted / 4) << applied << " of " << attempted << " calls applied";
}

}  // namespace
}  // namespace loom::sched
