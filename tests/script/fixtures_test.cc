// The fixture kernels of tests/data parse, have the expected structure and round-trip.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "script_test_util.h"

namespace loom::script {
namespace {

using namespace loom::ir;
using testing::expect_roundtrip;
using testing::read_data_file;

const BlockNode* find_block(const Stmt& root, const std::string& name) {
  const BlockNode* found = nullptr;
  post_order_visit(root, [&](const Object* n) {
    if (n->kind() == NodeKind::Block && static_cast<const BlockNode*>(n)->name == name) {
      found = static_cast<const BlockNode*>(n);
    }
  });
  return found;
}

TEST(Fixtures, MatmulStructure) {
  PrimFunc f = parse_func(read_data_file("matmul.py"), "matmul.py");
  EXPECT_EQ(f->name, "matmul");
  ASSERT_EQ(f->params.size(), 3u);
  ASSERT_EQ(f->buffer_map.size(), 3u);
  EXPECT_EQ(f->buffer_map[0].second->name, "A");
  EXPECT_EQ(f->attrs.count("global_symbol"), 1u);
  const auto* root = f->body.as<BlockRealizeNode>();
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->block->name, "root");
  const BlockNode* c = find_block(f->body, "C");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->iter_vars.size(), 3u);
  EXPECT_EQ(c->iter_vars[2].type, IterType::CommReduce);
  EXPECT_TRUE(c->init.defined());
  EXPECT_EQ(c->reads.size(), 2u);
  EXPECT_EQ(c->writes.size(), 1u);
  // Three nested serial loops of extent 128 around the block.
  const auto* loop = root->block->body.as<ForNode>();
  int depth = 0;
  while (loop) {
    EXPECT_EQ(as_const_int(loop->extent), 128);
    ++depth;
    loop = loop->body.as<ForNode>();
  }
  EXPECT_EQ(depth, 3);
}

TEST(Fixtures, MatmulRoundTrip) { expect_roundtrip(parse_func(read_data_file("matmul.py"))); }

TEST(Fixtures, Conv2dWithPadding) {
  PrimFunc f = parse_func(read_data_file("conv2d_pad.py"), "conv2d_pad.py");
  ASSERT_EQ(f->buffer_map.size(), 3u);
  EXPECT_EQ(f->params[0].name(), "a");
  EXPECT_EQ(f->buffer_map[0].second->name, "A");
  const auto* root = f->body.as<BlockRealizeNode>();
  ASSERT_NE(root, nullptr);
  ASSERT_EQ(root->block->alloc_buffers.size(), 1u);
  EXPECT_EQ(root->block->alloc_buffers[0]->name, "pad");
  const BlockNode* pad = find_block(f->body, "pad");
  ASSERT_NE(pad, nullptr);
  // Regions were omitted: inferred. pad reads A over a 1-element window and writes pad.
  ASSERT_EQ(pad->writes.size(), 1u);
  EXPECT_EQ(pad->writes[0].buffer->name, "pad");
  ASSERT_EQ(pad->reads.size(), 1u);
  EXPECT_EQ(pad->reads[0].buffer->name, "A");
  const BlockNode* conv = find_block(f->body, "conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->iter_vars.size(), 7u);
  expect_roundtrip(f);
}

TEST(Fixtures, SoftmaxMultiBlock) {
  PrimFunc f = parse_func(read_data_file("softmax.py"), "softmax.py");
  for (const char* name : {"max", "exp", "sum", "norm"}) EXPECT_NE(find_block(f->body, name), nullptr) << name;
  const auto* root = f->body.as<BlockRealizeNode>();
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->block->alloc_buffers.size(), 3u);
  const auto* seq = root->block->body.as<SeqStmtNode>();
  ASSERT_NE(seq, nullptr);
  EXPECT_EQ(seq->seq.size(), 4u);
  const BlockNode* mx = find_block(f->body, "max");
  auto init_value = mx->init.as<BufferStoreNode>()->value.as<FloatImmNode>();
  ASSERT_NE(init_value, nullptr);
  EXPECT_TRUE(std::isinf(init_value->value) && init_value->value < 0);
  expect_roundtrip(f);
}

TEST(Fixtures, ModuleWithTwoFunctions) {
  IRModule mod = parse_module(read_data_file("module_two_funcs.py"), "module_two_funcs.py");
  ASSERT_EQ(mod.size(), 2u);
  ASSERT_TRUE(mod.contains("add_one"));
  ASSERT_TRUE(mod.contains("scale"));
  const PrimFunc& scale = mod.at("scale");
  ASSERT_EQ(scale->params.size(), 2u);
  EXPECT_TRUE(scale->params[1].dtype() == DataType::Int(32));
  // The buffer's shape is the scalar parameter itself.
  EXPECT_TRUE(scale->buffer_map[0].second->shape[0].same_as(scale->params[1]));
  std::string text = print(mod);
  EXPECT_EQ(
      text.rfind("# from tvm.script import ir as I\n# from tvm.script import tir as T\n\n@I.ir_module\nclass Module:\n",
                 0),
      0u)
      << text;
  IRModule again = parse_module(text);
  StructuralEqualOptions strict;
  strict.strict_names = true;
  auto diff = structural_diff(mod, again, strict);
  EXPECT_FALSE(diff.has_value()) << (diff ? diff->to_string() : "") << text;
  EXPECT_EQ(print(again), text);
  for (const auto& [name, f] : mod.functions()) expect_roundtrip(f);
}

TEST(Fixtures, EveryLoopKind) {
  PrimFunc f = parse_func(read_data_file("loop_kinds.py"), "loop_kinds.py");
  std::vector<const ForNode*> loops;
  post_order_visit(f->body, [&](const Object* n) {
    if (n->kind() == NodeKind::For) loops.push_back(static_cast<const ForNode*>(n));
  });
  std::multiset<ForKind> kinds;
  for (const ForNode* l : loops) kinds.insert(l->for_kind);
  EXPECT_EQ(kinds.count(ForKind::ThreadBinding), 2u);
  EXPECT_EQ(kinds.count(ForKind::Parallel), 1u);
  EXPECT_EQ(kinds.count(ForKind::Unrolled), 1u);
  EXPECT_EQ(kinds.count(ForKind::Vectorized), 1u);
  EXPECT_EQ(kinds.count(ForKind::Serial), 1u);
  for (const ForNode* l : loops) {
    if (l->for_kind == ForKind::Unrolled) {
      ASSERT_EQ(l->annotations.count("pragma_auto_unroll_max_step"), 1u);
      EXPECT_EQ(*l->annotations.at("pragma_auto_unroll_max_step").as_int(), 16);
    }
    if (l->for_kind == ForKind::Serial) {
      EXPECT_EQ(as_const_int(l->min), 2);
      EXPECT_EQ(as_const_int(l->extent), 60);
    }
  }
  const BlockNode* shift = find_block(f->body, "shift");
  ASSERT_NE(shift, nullptr);
  EXPECT_EQ(as_const_int(shift->iter_vars[0].dom.min), 2);
  EXPECT_EQ(as_const_int(shift->iter_vars[0].dom.extent), 60);
  EXPECT_EQ(*shift->annotations.at("meta").as_string(), "x");
  expect_roundtrip(f);
}

TEST(Fixtures, PrintIsStableFromSource) {
  for (const char* file : {"matmul.py", "conv2d_pad.py", "softmax.py", "loop_kinds.py"}) {
    PrimFunc f = parse_func(read_data_file(file), file);
    std::string once = print(f);
    std::string twice = print(parse_func(once));
    EXPECT_EQ(once, twice) << file;
  }
}

}  // namespace
}  // namespace loom::script
