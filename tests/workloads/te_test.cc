// The TE builder: the exact shape of the functions create_prim_func produces (loops,
// blocks, iteration variables, regions, init), reductions and their identities, and the
// errors for malformed stage graphs.
#include "loom/workloads/te.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "block_helpers.h"
#include "loom/ir/builder.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/verify.h"

namespace loom::workloads {
namespace {

using ir::Expr;
using ir::Var;
using ::testing::HasSubstr;
using testing::stage_blocks;
using Idx = std::vector<Var>;

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no UserError thrown>";
}

// C = A x B over (m, k) x (k, n).
ir::PrimFunc matmul_func(int64_t m, int64_t n, int64_t k, const std::string& c_name = "C") {
  Tensor a = placeholder({m, k}, "A");
  Tensor b = placeholder({k, n}, "B");
  ir::IterVar rk = reduce_axis(k, "k");
  Tensor c = compute({m, n}, [&](const Idx& i) -> ComputeBody { return sum(a(i[0], rk.var) * b(rk.var, i[1]), {rk}); },
                     c_name, {"i", "j"});
  return create_prim_func({a, b, c}, "matmul");
}

// The For loops from `stmt` down to the first non-loop.
std::vector<const ir::ForNode*> loop_nest(const ir::Stmt& stmt, ir::Stmt* inner) {
  std::vector<const ir::ForNode*> loops;
  ir::Stmt s = stmt;
  while (const auto* loop = s.as<ir::ForNode>()) {
    loops.push_back(loop);
    s = loop->body;
  }
  *inner = s;
  return loops;
}

bool is_var(const Expr& e, const Var& v) { return e.same_as(v); }

TEST(Te, MatmulHasTvmCreatePrimFuncShape) {
  ir::PrimFunc f = matmul_func(16, 8, 4);
  EXPECT_EQ(f->name, "matmul");
  ASSERT_EQ(f->params.size(), 3u);
  EXPECT_EQ(f->params[0]->dtype, ir::DataType::Handle());

  // Root block: no iteration variables, no regions, nothing allocated.
  const auto* root_realize = f->body.as<ir::BlockRealizeNode>();
  ASSERT_NE(root_realize, nullptr);
  const ir::BlockNode* root = root_realize->block.get();
  EXPECT_EQ(root->name, "root");
  EXPECT_TRUE(root->iter_vars.empty());
  EXPECT_TRUE(root->reads.empty());
  EXPECT_TRUE(root->writes.empty());
  EXPECT_TRUE(root->alloc_buffers.empty());
  EXPECT_TRUE(ir::is_const_true(root_realize->predicate));

  // Three serial loops i, j, k with the stage's extents.
  ir::Stmt inner;
  std::vector<const ir::ForNode*> loops = loop_nest(root->body, &inner);
  ASSERT_EQ(loops.size(), 3u);
  std::vector<std::string> names;
  for (const auto* l : loops) names.push_back(l->loop_var.name());
  EXPECT_EQ(names, (std::vector<std::string>{"i", "j", "k"}));
  EXPECT_EQ(ir::as_const_int(loops[0]->extent), 16);
  EXPECT_EQ(ir::as_const_int(loops[1]->extent), 8);
  EXPECT_EQ(ir::as_const_int(loops[2]->extent), 4);
  for (const auto* l : loops) {
    EXPECT_EQ(l->for_kind, ir::ForKind::Serial);
    EXPECT_TRUE(ir::is_zero(l->min));
  }

  // The block, bound to the loop variables.
  const auto* realize = inner.as<ir::BlockRealizeNode>();
  ASSERT_NE(realize, nullptr);
  const ir::BlockNode* block = realize->block.get();
  EXPECT_EQ(block->name, "C");
  ASSERT_EQ(block->iter_vars.size(), 3u);
  ASSERT_EQ(realize->iter_values.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(is_var(realize->iter_values[i], loops[i]->loop_var)) << i;
  EXPECT_EQ(block->iter_vars[0].var.name(), "v_i");
  EXPECT_EQ(block->iter_vars[2].var.name(), "v_k");
  EXPECT_EQ(testing::iter_types(block), "SSR");
  EXPECT_EQ(ir::as_const_int(block->iter_vars[1].dom.extent), 8);
  EXPECT_EQ(ir::as_const_int(block->iter_vars[2].dom.extent), 4);
  const Var& vi = block->iter_vars[0].var;
  const Var& vj = block->iter_vars[1].var;
  const Var& vk = block->iter_vars[2].var;

  // Reads: A[v_i, v_k], B[v_k, v_j] (points), not C; writes C[v_i, v_j].
  std::vector<ir::Buffer> params = f->param_buffers();
  ASSERT_EQ(block->reads.size(), 2u);
  EXPECT_TRUE(block->reads[0].buffer.same_as(params[0]));
  EXPECT_TRUE(block->reads[1].buffer.same_as(params[1]));
  EXPECT_TRUE(is_var(block->reads[0].region[0].min, vi));
  EXPECT_TRUE(is_var(block->reads[0].region[1].min, vk));
  EXPECT_TRUE(is_var(block->reads[1].region[0].min, vk));
  EXPECT_TRUE(is_var(block->reads[1].region[1].min, vj));
  for (const auto& r : block->reads) {
    for (const auto& range : r.region) EXPECT_TRUE(ir::is_one(range.extent));
  }
  ASSERT_EQ(block->writes.size(), 1u);
  EXPECT_TRUE(block->writes[0].buffer.same_as(params[2]));
  EXPECT_TRUE(is_var(block->writes[0].region[0].min, vi));
  EXPECT_TRUE(is_var(block->writes[0].region[1].min, vj));

  // init: C[v_i, v_j] = 0.0; body: C[v_i, v_j] = C[v_i, v_j] + A[v_i, v_k] * B[v_k, v_j].
  const auto* init = block->init.as<ir::BufferStoreNode>();
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(ir::as_const_float(init->value), 0.0);
  EXPECT_EQ(init->value.dtype(), ir::DataType::Float(32));
  const auto* store = block->body.as<ir::BufferStoreNode>();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->buffer.same_as(params[2]));
  const auto* add = store->value.as<ir::AddNode>();
  ASSERT_NE(add, nullptr);
  const auto* acc = add->a.as<ir::BufferLoadNode>();
  ASSERT_NE(acc, nullptr);
  EXPECT_TRUE(acc->buffer.same_as(params[2]));
  EXPECT_NE(add->b.as<ir::MulNode>(), nullptr);
  EXPECT_THAT(ir::verify_well_formed(f), ::testing::IsEmpty());
}

TEST(Te, DefaultAxisNamesFollowTvm) {
  Tensor a = placeholder({3, 4}, "A");
  Tensor b = compute(
      {3, 4}, [&](const Idx& i) -> ComputeBody { return a(i[0], i[1]) * ir::make_float(2.0); }, "B");
  (void)b;
  ir::PrimFunc f = create_prim_func({a, b});
  EXPECT_EQ(f->name, "main");
  const ir::BlockNode* block = stage_blocks(f)[0];
  EXPECT_EQ(block->iter_vars[0].var.name(), "v_i0");
  EXPECT_EQ(block->iter_vars[1].var.name(), "v_i1");
  EXPECT_FALSE(block->init.defined());
  ir::Stmt inner;
  auto loops = loop_nest(testing::root_block(f)->body, &inner);
  ASSERT_EQ(loops.size(), 2u);
  EXPECT_EQ(loops[0]->loop_var.name(), "i0");
  EXPECT_EQ(loops[1]->loop_var.name(), "i1");
}

TEST(Te, RebuildingGivesEqualFunctionsAndNamesOnlyMatterWhenStrict) {
  ir::PrimFunc a = matmul_func(8, 8, 8);
  ir::PrimFunc b = matmul_func(8, 8, 8, "D");
  EXPECT_TRUE(ir::structural_equal(a, b));
  ir::StructuralEqualOptions strict;
  strict.strict_names = true;
  EXPECT_FALSE(ir::structural_equal(a, b, strict));
  EXPECT_FALSE(ir::structural_equal(a, matmul_func(8, 8, 16)));
}

TEST(Te, IntermediateStagesAreAllocatedByTheRoot) {
  Tensor a = placeholder({4}, "A");
  Tensor b = compute(
      {4}, [&](const Idx& i) -> ComputeBody { return a(i[0]) + ir::make_float(1.0); }, "B");
  Tensor c = compute(
      {4}, [&](const Idx& i) -> ComputeBody { return b(i[0]) * b(i[0]); }, "C");
  ir::PrimFunc f = create_prim_func({a, c});
  const ir::BlockNode* root = testing::root_block(f);
  ASSERT_EQ(root->alloc_buffers.size(), 1u);
  EXPECT_TRUE(root->alloc_buffers[0].same_as(b.buffer()));
  auto blocks = stage_blocks(f);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0]->name, "B");
  EXPECT_EQ(blocks[1]->name, "C");
  // Two loads of the same point give one point region.
  ASSERT_EQ(blocks[1]->reads.size(), 1u);
  EXPECT_TRUE(ir::is_one(blocks[1]->reads[0].region[0].extent));
  // Numerics: C = (A + 1)^2.
  auto arrays = testing::run_on_random(f, 5);
  for (int64_t i = 0; i < 4; ++i) {
    double x = arrays[0].get_double(i) + 1.0;
    EXPECT_NEAR(arrays[1].get_double(i), x * x, 1e-6);
  }
}

TEST(Te, StagesRunInDependencyOrderWhateverTheArgumentOrder) {
  Tensor a = placeholder({4}, "A");
  Tensor b = compute(
      {4}, [&](const Idx& i) -> ComputeBody { return a(i[0]) + ir::make_float(1.0); }, "B");
  Tensor c = compute(
      {4}, [&](const Idx& i) -> ComputeBody { return b(i[0]) * ir::make_float(3.0); }, "C");
  // Both stages are outputs, the consumer listed first.
  ir::PrimFunc f = create_prim_func({c, b, a});
  auto blocks = stage_blocks(f);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0]->name, "B");
  EXPECT_EQ(blocks[1]->name, "C");
  EXPECT_TRUE(testing::root_block(f)->alloc_buffers.empty());
}

TEST(Te, AccessesToDifferentPointsCoverTheDimension) {
  Tensor a = placeholder({5, 3}, "A");
  Tensor b = compute(
      {4, 3}, [&](const Idx& i) -> ComputeBody { return a(i[0], i[1]) + a(i[0] + 1, i[1]); }, "B");
  ir::PrimFunc f = create_prim_func({a, b});
  const ir::BlockNode* block = stage_blocks(f)[0];
  ASSERT_EQ(block->reads.size(), 1u);
  const auto& region = block->reads[0].region;
  EXPECT_TRUE(ir::is_zero(region[0].min));
  EXPECT_EQ(ir::as_const_int(region[0].extent), 5);
  EXPECT_TRUE(is_var(region[1].min, block->iter_vars[1].var));
  EXPECT_TRUE(ir::is_one(region[1].extent));
  auto arrays = testing::run_on_random(f, 9);
  EXPECT_NEAR(arrays[1].get_double(3 * 3 + 2), arrays[0].get_double(3 * 3 + 2) + arrays[0].get_double(4 * 3 + 2), 1e-6);
}

TEST(Te, MaxAndMinReductionsStartFromTheExtremes) {
  Tensor a = placeholder({3, 5}, "A");
  ir::IterVar k1 = reduce_axis(5, "k");
  ir::IterVar k2 = reduce_axis(5, "k");
  Tensor mx = compute(
      {3}, [&](const Idx& i) -> ComputeBody { return max_reduce(a(i[0], k1.var), {k1}); }, "mx");
  Tensor mn = compute(
      {3}, [&](const Idx& i) -> ComputeBody { return min_reduce(a(i[0], k2.var), {k2}); }, "mn");
  ir::PrimFunc f = create_prim_func({a, mx, mn});
  auto blocks = stage_blocks(f);
  ASSERT_EQ(blocks.size(), 2u);
  const auto* max_init = blocks[0]->init.as<ir::BufferStoreNode>();
  const auto* min_init = blocks[1]->init.as<ir::BufferStoreNode>();
  ASSERT_TRUE(max_init && min_init);
  EXPECT_EQ(ir::as_const_float(max_init->value), std::numeric_limits<float>::lowest());
  EXPECT_EQ(ir::as_const_float(min_init->value), std::numeric_limits<float>::max());
  EXPECT_NE(blocks[0]->body.as<ir::BufferStoreNode>()->value.as<ir::MaxNode>(), nullptr);
  EXPECT_NE(blocks[1]->body.as<ir::BufferStoreNode>()->value.as<ir::MinNode>(), nullptr);
  auto arrays = testing::run_on_random(f, 11);
  for (int64_t r = 0; r < 3; ++r) {
    double hi = -1e9, lo = 1e9;
    for (int64_t c = 0; c < 5; ++c) {
      hi = std::max(hi, arrays[0].get_double(r * 5 + c));
      lo = std::min(lo, arrays[0].get_double(r * 5 + c));
    }
    EXPECT_EQ(arrays[1].get_double(r), hi);
    EXPECT_EQ(arrays[2].get_double(r), lo);
  }
}

TEST(Te, IntegerSumStartsFromIntegerZero) {
  Tensor a = placeholder({2, 3}, ir::DataType::Int(32), "A");
  ir::IterVar k = reduce_axis(3, "k");
  Tensor s = compute(
      {2}, [&](const Idx& i) -> ComputeBody { return sum(a(i[0], k.var), {k}); }, "S");
  EXPECT_EQ(s.dtype(), ir::DataType::Int(32));
  ir::PrimFunc f = create_prim_func({a, s});
  const auto* init = stage_blocks(f)[0]->init.as<ir::BufferStoreNode>();
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(ir::as_const_int(init->value), 0);
  auto arrays = testing::run_on_random(f, 3);
  EXPECT_EQ(arrays[1].get_int(1), arrays[0].get_int(3) + arrays[0].get_int(4) + arrays[0].get_int(5));
}

TEST(Te, ReduceAxisWithAnOffsetRange) {
  Tensor a = placeholder({2, 6}, "A");
  ir::IterVar k = reduce_axis(ir::Range::from_min_extent(ir::make_int(2), ir::make_int(3)), "k");
  Tensor s = compute(
      {2}, [&](const Idx& i) -> ComputeBody { return sum(a(i[0], k.var), {k}); }, "S");
  ir::PrimFunc f = create_prim_func({a, s});
  ir::Stmt inner;
  auto loops = loop_nest(testing::root_block(f)->body, &inner);
  ASSERT_EQ(loops.size(), 2u);
  EXPECT_EQ(ir::as_const_int(loops[1]->min), 2);
  EXPECT_EQ(ir::as_const_int(loops[1]->extent), 3);
  EXPECT_EQ(ir::as_const_int(stage_blocks(f)[0]->iter_vars[1].dom.min), 2);
  auto arrays = testing::run_on_random(f, 4);
  double want = arrays[0].get_double(8) + arrays[0].get_double(9) + arrays[0].get_double(10);
  EXPECT_NEAR(arrays[1].get_double(1), want, 1e-6);
}

TEST(Te, ZeroDimensionalOutput) {
  Tensor a = placeholder({3, 2}, "A");
  ir::IterVar i = reduce_axis(3, "i");
  ir::IterVar j = reduce_axis(2, "j");
  Tensor total = compute(
      {},
      [&](const Idx&) -> ComputeBody {
        return sum(a(i.var, j.var), {i, j});
      },
      "total");
  ir::PrimFunc f = create_prim_func({a, total});
  const ir::BlockNode* block = stage_blocks(f)[0];
  EXPECT_EQ(testing::iter_types(block), "RR");
  EXPECT_TRUE(block->writes[0].region.empty());
  auto arrays = testing::run_on_random(f, 8);
  double want = 0;
  for (int64_t e = 0; e < 6; ++e) want += arrays[0].get_double(e);
  EXPECT_NEAR(arrays[1].get_double(0), want, 1e-5);
}

TEST(TeErrors, IndexCountMustMatchTheRank) {
  Tensor a = placeholder({3, 4}, "A");
  EXPECT_THAT(message_of([&] { a(ir::make_int(0)); }),
              HasSubstr("tensor A of shape (3, 4) is indexed with 1 indices; it needs 2"));
  EXPECT_THAT(message_of([&] { a(ir::make_int(0), ir::make_float(1.0)); }),
              HasSubstr("tensor A: index 1 must be a scalar integer expression"));
}

TEST(TeErrors, BadShapesAndAxes) {
  EXPECT_THAT(message_of([] {
                placeholder({3, 0}, "A");
              }),
              HasSubstr("placeholder A has shape (3, 0): extent 0 of dimension 1 must be in [1, 2^31 - 1]"));
  EXPECT_THAT(message_of([] { placeholder({4}, ""); }), HasSubstr("placeholder needs a non-empty name"));
  EXPECT_THAT(message_of([] { reduce_axis(0, "k"); }), HasSubstr("reduce_axis k: extent 0"));
  Tensor a = placeholder({3}, "A");
  EXPECT_THAT(message_of([&] {
                compute({3}, [&](const Idx& i) -> ComputeBody { return a(i[0]); }, "B", {"x", "y"});
              }),
              HasSubstr("compute B: 2 axis names given for 1 dimensions"));
}

TEST(TeErrors, ReductionsNeedReductionAxes) {
  Tensor a = placeholder({3}, "A");
  EXPECT_THAT(message_of([&] { sum(a(ir::make_int(0)), {}); }),
              HasSubstr("sum: a reduction needs at least one reduce_axis"));
  ir::IterVar spatial{Var("s"), ir::Range::from_min_extent(ir::make_int(0), ir::make_int(3)), ir::IterType::DataPar};
  EXPECT_THAT(message_of([&] { max_reduce(a(spatial.var), {spatial}); }),
              HasSubstr("max_reduce: axis s is not a reduction axis"));
  ir::IterVar k = reduce_axis(3, "k");
  EXPECT_THAT(message_of([&] {
                min_reduce(a(k.var), {k, k});
              }),
              HasSubstr("min_reduce: reduction axis k is listed twice"));
}

TEST(TeErrors, StageValuesOnlyUseTheirIndicesAndAxes) {
  Tensor a = placeholder({3, 3}, "A");
  ir::IterVar k = reduce_axis(3, "k");
  // k used without being reduced over.
  EXPECT_THAT(message_of([&] {
                compute(
                    {3}, [&](const Idx& i) -> ComputeBody { return a(i[0], k.var); }, "B");
              }),
              HasSubstr("compute B: its value uses variable k, which is neither an index of the stage nor one of "
                        "its reduction axes"));
  // A buffer loaded around the Tensor API.
  ir::Buffer raw = ir::Buffer::make("raw", ir::DataType::Float(32), {ir::make_int(3)});
  EXPECT_THAT(message_of([&] {
                compute(
                    {3}, [&](const Idx& i) -> ComputeBody { return ir::BufferLoadNode::make(raw, {i[0]}); }, "B");
              }),
              HasSubstr("compute B: its value loads buffer raw directly"));
}

TEST(TeErrors, CreatePrimFuncChecksTheGraph) {
  Tensor a = placeholder({3}, "A");
  Tensor b = compute(
      {3}, [&](const Idx& i) -> ComputeBody { return a(i[0]) + ir::make_float(1.0); }, "B");
  EXPECT_THAT(message_of([&] { create_prim_func({b}, "f"); }),
              HasSubstr("create_prim_func f: placeholder A is used but is not an argument of the function"));
  EXPECT_THAT(message_of([&] {
                create_prim_func({a, b, a}, "f");
              }),
              HasSubstr("tensor A is passed twice as an argument"));
  Tensor b2 = compute(
      {3}, [&](const Idx& i) -> ComputeBody { return b(i[0]) + a(i[0]); }, "A");
  EXPECT_THAT(message_of([&] {
                create_prim_func({a, b2}, "f");
              }),
              HasSubstr("two tensors are named A; tensor names must be unique"));
  EXPECT_THAT(message_of([&] { create_prim_func({a}, "f"); }), HasSubstr("there is no compute stage to run"));
  EXPECT_THAT(message_of([&] { create_prim_func({a, Tensor()}, "f"); }), HasSubstr("an argument tensor is undefined"));
}

}  // namespace
}  // namespace loom::workloads
