// Tests of the storage primitives: set_scope and storage_align (fixtures, error paths,
// trace round trips, interpreter equivalence).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/sched/schedule.h"
#include "loom/script/parser.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::expect_schedule_error;

using testing::expect_equivalent;
using testing::expect_func_equal;
using ::testing::HasSubstr;
using testing::verify_trace_roundtrip;

const char* const kElementwise = testing::kTwoStageElementwise;

TEST(SetScope, ChangesTheScopeOfEveryUse) {
  ir::PrimFunc before = script::parse_func(kElementwise);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.set_scope(sch.get_block("B"), 0, "shared");
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8), scope="shared")
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] * T.float32(2)
    for i, j in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B[vi, vj] + T.float32(1)
)");
  expect_func_equal(sch.mod().at("main"), expected);
  // The reader sees the same (re-scoped) buffer object as the writer and the allocation.
  ir::Block c = sch.get(sch.get_block("C"));
  ir::Block b = sch.get(sch.get_block("B"));
  EXPECT_EQ(c->reads[0].buffer->scope, "shared");
  EXPECT_TRUE(c->reads[0].buffer.same_as(b->writes[0].buffer));
  EXPECT_TRUE(
      sch.mod().at("main")->body.as<ir::BlockRealizeNode>()->block->alloc_buffers[0].same_as(b->writes[0].buffer));
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("sch.set_scope(block=b0, buffer_index=0, storage_scope=\"shared\")"));
}

TEST(SetScope, Errors) {
  Schedule sch(script::parse_func(kElementwise), 0, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  BlockRV c = sch.get_block("C");
  expect_schedule_error(
      sch, [&] { sch.set_scope(b, 1, "shared"); }, "BufferIndexOutOfRange",
      "sch.set_scope: block B has 1 write buffers, buffer_index 1 is out of range");
  expect_schedule_error(
      sch, [&] { sch.set_scope(b, 0, "texture"); }, "InvalidStorageScope",
      "sch.set_scope: storage scope \"texture\" is not one of global, shared");
  expect_schedule_error(
      sch, [&] { sch.set_scope(c, 0, "shared"); }, "NonAllocatedBuffer",
      "sch.set_scope: buffer C written by block C is not allocated by a block (it is a function parameter)");
}

TEST(StorageAlign, RecordsTheAlignmentAsABlockAnnotation) {
  ir::PrimFunc before = script::parse_func(kElementwise);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  sch.storage_align(b, 0, 0, 16, 1);
  sch.storage_align(b, 0, -1, 8, 2);
  sch.storage_align(b, 0, 0, 32, 3);  // replaces the first entry
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8))
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            T.block_attr({"buffer_dim_align": [[0, 0, 32, 3], [0, 1, 8, 2]]})
            B[vi, vj] = A[vi, vj] * T.float32(2)
    for i, j in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B[vi, vj] + T.float32(1)
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(),
              HasSubstr("sch.storage_align(block=b0, buffer_index=0, axis=-1, factor=8, offset=2)"));
}

TEST(StorageAlign, Errors) {
  Schedule sch(script::parse_func(kElementwise), 0, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  BlockRV c = sch.get_block("C");
  expect_schedule_error(
      sch, [&] { sch.storage_align(b, 2, 0, 16, 0); }, "BufferIndexOutOfRange",
      "sch.storage_align: block B has 1 write buffers, buffer_index 2 is out of range");
  expect_schedule_error(
      sch, [&] { sch.storage_align(c, 0, 0, 16, 0); }, "NonAllocatedBuffer",
      "sch.storage_align: buffer C written by block C is not allocated by a block");
  expect_schedule_error(
      sch, [&] { sch.storage_align(b, 0, 2, 16, 0); }, "InvalidStorageAlign",
      "sch.storage_align: axis 2 is out of range for buffer B with 2 dimensions");
  expect_schedule_error(
      sch, [&] { sch.storage_align(b, 0, -3, 16, 0); }, "InvalidStorageAlign",
      "sch.storage_align: axis -3 is out of range for buffer B with 2 dimensions");
  expect_schedule_error(
      sch, [&] { sch.storage_align(b, 0, 0, 0, 0); }, "InvalidStorageAlign",
      "sch.storage_align: factor must be positive, got 0 for buffer B");
  expect_schedule_error(
      sch, [&] { sch.storage_align(b, 0, 0, 16, 16); }, "InvalidStorageAlign",
      "sch.storage_align: offset 16 is not in [0, factor 16) for buffer B");
}

}  // namespace
}  // namespace loom::sched
