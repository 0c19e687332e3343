// Tests of annotate / unannotate on blocks and loops: every value kind (integer, float,
// string, sampled integer), removal, trace round trips through JSON and the schedule script,
// and the error paths.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/sched/schedule.h"
#include "loom/script/parser.h"
#include "nlohmann/json.hpp"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using ::testing::HasSubstr;

const char* kAdd = R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32"), B: T.Buffer((8, 8), "float32")):
    for i, j in T.grid(8, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] + T.float32(1)
)";

TEST(Annotate, BlocksAndLoopsWithEveryValueKind) {
  ir::PrimFunc before = script::parse_func(kAdd);
  Schedule sch(before, 1, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  auto loops = sch.get_loops(b);
  ExprRV unroll = sch.sample_categorical({0, 16, 64}, {0.25, 0.25, 0.5}, 1);
  sch.annotate(b, "meta_schedule.unroll_explicit", unroll);
  sch.annotate(b, "layout", Value("NHWC"));
  sch.annotate(loops[0], "pragma_auto_unroll_max_step", Value(int64_t{32}));
  sch.annotate(loops[1], "ratio", Value(0.5));
  sch.annotate(loops[1], "ratio", Value(0.25));  // a second annotate replaces the value
  EXPECT_THAT(sch.trace().as_python(),
              HasSubstr("sch.annotate(block_or_loop=b0, ann_key=\"meta_schedule.unroll_explicit\", ann_val=v3)\n"
                        "sch.annotate(block_or_loop=b0, ann_key=\"layout\", ann_val=\"NHWC\")\n"
                        "sch.annotate(block_or_loop=l1, ann_key=\"pragma_auto_unroll_max_step\", ann_val=32)\n"));
  // String inputs are quoted in JSON (TVM's convention) so they are not read as variables.
  EXPECT_THAT(sch.trace().to_json().dump(), HasSubstr(R"(["Annotate",["b0","\"NHWC\""],["layout"],[]])"));
  testing::expect_func_equal(sch.mod().at("main"), script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8, 8), "float32"), B: T.Buffer((8, 8), "float32")):
    for i in T.serial(8, annotations={"pragma_auto_unroll_max_step": 32}):
        for j in T.serial(8, annotations={"ratio": 0.25}):
            with T.block("B"):
                vi, vj = T.axis.remap("SS", [i, j])
                T.block_attr({"layout": "NHWC", "meta_schedule.unroll_explicit": 16})
                B[vi, vj] = A[vi, vj] + T.float32(1)
)"));
  testing::verify_trace_roundtrip(sch);
  testing::expect_equivalent(before, sch.mod().at("main"));
}

TEST(Annotate, UnannotateRestoresTheFunction) {
  ir::PrimFunc before = script::parse_func(kAdd);
  Schedule sch(before, 1, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  auto loops = sch.get_loops(b);
  sch.annotate(b, "k", Value(int64_t{1}));
  sch.annotate(loops[1], "k", Value("v"));
  sch.unannotate(b, "k");
  sch.unannotate(loops[1], "k");
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.unannotate(block_or_loop=l2, ann_key=\"k\")\n"));
  testing::expect_func_equal(sch.mod().at("main"), before);
  testing::verify_trace_roundtrip(sch);
}

TEST(Annotate, Errors) {
  Schedule sch(script::parse_func(kAdd), 1, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  auto loops = sch.get_loops(b);
  sch.annotate(b, "present", Value(int64_t{1}));
  auto expect_error = [&](const std::function<void()>& fn, const std::string& message) {
    ir::IRModule mod = sch.mod();
    size_t size = sch.trace().size();
    EXPECT_THAT(fn, ::testing::ThrowsMessage<ScheduleError>(HasSubstr(message)));
    EXPECT_TRUE(ir::structural_equal(sch.mod(), mod));
    EXPECT_EQ(sch.trace().size(), size);
  };
  expect_error([&] { sch.unannotate(b, "missing"); },
               "sch.unannotate: block B has no annotation \"missing\" (its annotations are \"present\")");
  expect_error([&] { sch.unannotate(loops[0], "missing"); },
               "sch.unannotate: loop i has no annotation \"missing\" (it has no annotations)");
  expect_error([&] { sch.annotate(b, "k", Value()); },
               "sch.annotate: the value of annotation \"k\" must be an integer, a float, a string or an integer random "
               "variable, got None");
  expect_error([&] { sch.annotate(loops[0], "k", Value(loops[1])); },
               "sch.annotate: the value of annotation \"k\" must be an integer, a float, a string or an integer random "
               "variable, got a block or loop");
}

}  // namespace
}  // namespace loom::sched
