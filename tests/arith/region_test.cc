// Tests of infer_block_access_regions on hand-built blocks.
#include "loom/arith/region.h"

#include <gtest/gtest.h>

#include "loom/ir/ir.h"

namespace loom::arith {
namespace {

using namespace loom::ir;

StructuralEqualOptions exact() {
  StructuralEqualOptions o;
  o.map_free_vars = false;
  return o;
}

::testing::AssertionResult region_is(const BufferRegion& r, const Buffer& buffer,
                                     const std::vector<std::pair<Expr, Expr>>& ranges) {
  if (!r.buffer.same_as(buffer))
    return ::testing::AssertionFailure() << "buffer " << r.buffer->name << ", expected " << buffer->name;
  if (r.region.size() != ranges.size()) return ::testing::AssertionFailure() << "rank " << r.region.size();
  for (size_t d = 0; d < ranges.size(); ++d) {
    if (!structural_equal(r.region[d].min, ranges[d].first, exact()) ||
        !structural_equal(r.region[d].extent, ranges[d].second, exact()))
      return ::testing::AssertionFailure()
             << buffer->name << " dim " << d << ": got [" << to_string(r.region[d].min) << ", extent "
             << to_string(r.region[d].extent) << "], expected [" << to_string(ranges[d].first) << ", extent "
             << to_string(ranges[d].second) << "]";
  }
  return ::testing::AssertionSuccess();
}

IterVar spatial(const Var& v, int64_t extent) {
  return IterVar{v, Range::from_min_extent(0, make_int(extent)), IterType::DataPar};
}
IterVar reduce(const Var& v, int64_t extent) {
  return IterVar{v, Range::from_min_extent(0, make_int(extent)), IterType::CommReduce};
}

TEST(InferBlockAccessRegions, MatmulReductionReadsOutputAndInputs) {
  Buffer a = Buffer::make("A", DataType::Float(32), {128, 64});
  Buffer b = Buffer::make("B", DataType::Float(32), {64, 32});
  Buffer c = Buffer::make("C", DataType::Float(32), {128, 32});
  Var vi("vi"), vj("vj"), vk("vk");
  Stmt body = BufferStoreNode::make(
      c, BufferLoadNode::make(c, {vi, vj}) + BufferLoadNode::make(a, {vi, vk}) * BufferLoadNode::make(b, {vk, vj}),
      {vi, vj});
  Stmt init = BufferStoreNode::make(c, make_float(0.0), {vi, vj});
  Block block = Block::make("C", {spatial(vi, 128), spatial(vj, 32), reduce(vk, 64)}, {}, {}, body, init);
  AccessRegions r = infer_block_access_regions(*block.get());
  ASSERT_EQ(r.reads.size(), 3u);
  EXPECT_TRUE(region_is(r.reads[0], c, {{vi, 1}, {vj, 1}}));
  EXPECT_TRUE(region_is(r.reads[1], a, {{vi, 1}, {vk, 1}}));
  EXPECT_TRUE(region_is(r.reads[2], b, {{vk, 1}, {vj, 1}}));
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_TRUE(region_is(r.writes[0], c, {{vi, 1}, {vj, 1}}));
}

TEST(InferBlockAccessRegions, InnerLoopIsRelaxed) {
  Buffer a = Buffer::make("A", DataType::Float(32), {16, 64});
  Buffer b = Buffer::make("B", DataType::Float(32), {16});
  Var vi("vi"), k("k");
  Stmt store = BufferStoreNode::make(b, BufferLoadNode::make(b, {vi}) + BufferLoadNode::make(a, {vi, k * 2 + 1}), {vi});
  Stmt loop = ForNode::make(k, 0, 8, ForKind::Serial, store);
  Block block = Block::make("B", {spatial(vi, 16)}, {}, {}, loop);
  AccessRegions r = infer_block_access_regions(*block.get());
  ASSERT_EQ(r.reads.size(), 2u);
  EXPECT_TRUE(region_is(r.reads[0], b, {{vi, 1}}));
  // k * 2 + 1 for k in [0, 8) covers [1, 15].
  EXPECT_TRUE(region_is(r.reads[1], a, {{vi, 1}, {1, 15}}));
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_TRUE(region_is(r.writes[0], b, {{vi, 1}}));
}

TEST(InferBlockAccessRegions, AccessesToOneBufferAreUnioned) {
  Buffer a = Buffer::make("A", DataType::Float(32), {130});
  Buffer b = Buffer::make("B", DataType::Float(32), {128});
  Var vi("vi");
  Expr sum = BufferLoadNode::make(a, {vi}) + BufferLoadNode::make(a, {vi + 2}) + BufferLoadNode::make(a, {vi + 1});
  Block block = Block::make("B", {spatial(vi, 128)}, {}, {}, BufferStoreNode::make(b, sum, {vi}));
  AccessRegions r = infer_block_access_regions(*block.get());
  ASSERT_EQ(r.reads.size(), 1u);
  EXPECT_TRUE(region_is(r.reads[0], a, {{vi, 3}}));
}

TEST(InferBlockAccessRegions, AllocatedBuffersAreLeftOut) {
  Buffer a = Buffer::make("A", DataType::Float(32), {16});
  Buffer tmp = Buffer::make("tmp", DataType::Float(32), {1}, {}, {}, "local");
  Var vi("vi");
  Stmt body = SeqStmtNode::make({BufferStoreNode::make(tmp, BufferLoadNode::make(a, {vi}), {0}),
                                 BufferStoreNode::make(a, BufferLoadNode::make(tmp, {0}), {vi})});
  Block block = Block::make("B", {spatial(vi, 16)}, {}, {}, body, {}, {tmp});
  AccessRegions r = infer_block_access_regions(*block.get());
  ASSERT_EQ(r.reads.size(), 1u);
  EXPECT_TRUE(region_is(r.reads[0], a, {{vi, 1}}));
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_TRUE(region_is(r.writes[0], a, {{vi, 1}}));
}

TEST(InferBlockAccessRegions, NestedLoopsWithSplitIndex) {
  Buffer a = Buffer::make("A", DataType::Float(32), {256});
  Buffer b = Buffer::make("B", DataType::Float(32), {8});
  Var vo("vo"), i("i"), j("j");
  Stmt store =
      BufferStoreNode::make(b, BufferLoadNode::make(b, {vo}) + BufferLoadNode::make(a, {vo * 32 + i * 4 + j}), {vo});
  Stmt loops = ForNode::make(i, 0, 8, ForKind::Serial, ForNode::make(j, 0, 4, ForKind::Serial, store));
  Block block = Block::make("B", {spatial(vo, 8)}, {}, {}, loops);
  AccessRegions r = infer_block_access_regions(*block.get());
  ASSERT_EQ(r.reads.size(), 2u);
  EXPECT_TRUE(region_is(r.reads[1], a, {{vo * 32, 32}}));
}

TEST(InferBlockAccessRegions, NestedBlockRegionsAreSubstitutedAndRelaxed) {
  Buffer a = Buffer::make("A", DataType::Float(32), {64});
  Buffer b = Buffer::make("B", DataType::Float(32), {64});
  Var vo("vo"), i("i"), vi("vi");
  Block inner =
      Block::make("inner", {spatial(vi, 64)}, {}, {}, BufferStoreNode::make(b, BufferLoadNode::make(a, {vi}), {vi}));
  Stmt realize = BlockRealizeNode::make({vo * 16 + i}, make_bool(true), inner);
  Block outer = Block::make("outer", {spatial(vo, 4)}, {}, {}, ForNode::make(i, 0, 16, ForKind::Serial, realize));
  AccessRegions r = infer_block_access_regions(*outer.get());
  ASSERT_EQ(r.reads.size(), 1u);
  EXPECT_TRUE(region_is(r.reads[0], a, {{vo * 16, 16}}));
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_TRUE(region_is(r.writes[0], b, {{vo * 16, 16}}));
}

}  // namespace
}  // namespace loom::arith
