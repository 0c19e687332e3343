// Statements and function structure: stores, ifs, lets, evaluate, allocate, loops,
// blocks and their header statements, both buffer styles, the root block, attributes
// and the inference of omitted reads/writes.
#include <gtest/gtest.h>

#include "../common/expect_error.h"
#include "script_test_util.h"

using loom::testing::throws_with;

namespace loom::script {
namespace {

using namespace loom::ir;
using testing::expect_roundtrip;
using testing::func_with_body;
using testing::parse_ok;

StructuralEqualOptions strict() {
  StructuralEqualOptions o;
  o.strict_names = true;
  return o;
}

const BlockNode* find_block(const Stmt& root, const std::string& name) {
  const BlockNode* found = nullptr;
  post_order_visit(root, [&](const Object* n) {
    if (n->kind() == NodeKind::Block && static_cast<const BlockNode*>(n)->name == name) {
      found = static_cast<const BlockNode*>(n);
    }
  });
  return found;
}

const BlockRealizeNode* find_realize(const Stmt& root, const std::string& name) {
  const BlockRealizeNode* found = nullptr;
  post_order_visit(root, [&](const Object* n) {
    if (n->kind() == NodeKind::BlockRealize && static_cast<const BlockRealizeNode*>(n)->block->name == name) {
      found = static_cast<const BlockRealizeNode*>(n);
    }
  });
  return found;
}

TEST(ParseStmt, BufferStoreCastsConstantsToTheBufferDtype) {
  PrimFunc f = parse_ok(func_with_body("    C[n] = 0\n"));
  const auto* store = f->body.as<BufferStoreNode>();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->buffer->name, "C");
  EXPECT_TRUE(store->value.is<FloatImmNode>());
  EXPECT_EQ(store->value.dtype(), DataType::Float(32));
  EXPECT_TRUE(store->indices[0].same_as(f->params[3]));
  expect_roundtrip(f);
}

TEST(ParseStmt, IfElifElse) {
  PrimFunc f = parse_ok(func_with_body(
      "    if n < 4:\n        C[0] = 1.0\n    elif n < 8:\n        C[1] = 2.0\n    else:\n        C[2] = 3.0\n"));
  const auto* outer = f->body.as<IfThenElseNode>();
  ASSERT_NE(outer, nullptr);
  const auto* inner = outer->else_case.as<IfThenElseNode>();
  ASSERT_NE(inner, nullptr);
  EXPECT_TRUE(inner->else_case.is<BufferStoreNode>());
  expect_roundtrip(f);
  EXPECT_NE(print(f).find("elif n < 8:"), std::string::npos);
  PrimFunc g = parse_ok(func_with_body("    if n < 4:\n        C[0] = 1.0\n"));
  EXPECT_FALSE(g->body.as<IfThenElseNode>()->else_case.defined());
  expect_roundtrip(g);
}

TEST(ParseStmt, LetStatements) {
  PrimFunc f = parse_ok(func_with_body("    x = n + 1\n    C[x] = 1.0\n    C[x + 1] = 2.0\n"));
  const auto* let = f->body.as<LetStmtNode>();
  ASSERT_NE(let, nullptr);
  EXPECT_EQ(let->var.name(), "x");
  EXPECT_TRUE(let->body.is<SeqStmtNode>());
  const auto* store = let->body.as<SeqStmtNode>()->seq[0].as<BufferStoreNode>();
  EXPECT_TRUE(store->indices[0].same_as(let->var));
  expect_roundtrip(f);
  // Annotated: the value is converted to the declared dtype.
  PrimFunc g = parse_ok(func_with_body("    x: T.int64 = n\n    C[x] = 1.0\n"));
  EXPECT_EQ(g->body.as<LetStmtNode>()->var.dtype(), DataType::Int(64));
  expect_roundtrip(g);
  // With-form, as printed for a let that is not last in its sequence.
  PrimFunc h = parse_ok(func_with_body("    with T.LetStmt(n * 2) as y:\n        C[y] = 1.0\n    C[0] = 2.0\n"));
  const auto* seq = h->body.as<SeqStmtNode>();
  ASSERT_NE(seq, nullptr);
  EXPECT_TRUE(seq->seq[0].is<LetStmtNode>());
  expect_roundtrip(h);
  EXPECT_NE(print(h).find("with T.LetStmt(n * 2) as y:"), std::string::npos);
}

TEST(ParseStmt, EvaluateAndPass) {
  PrimFunc f = parse_ok(func_with_body("    pass\n    T.evaluate(0)\n"));
  ASSERT_TRUE(f->body.is<EvaluateNode>());
  expect_roundtrip(f);
}

TEST(ParseStmt, DeclBufferIsAllocate) {
  PrimFunc f = parse_ok(func_with_body("    X = T.decl_buffer((4,), \"float32\", scope=\"local\")\n    X[0] = C[0]\n"));
  const auto* alloc = f->body.as<AllocateNode>();
  ASSERT_NE(alloc, nullptr);
  EXPECT_EQ(alloc->buffer->scope, "local");
  expect_roundtrip(f);
  PrimFunc g = parse_ok(
      func_with_body("    with T.decl_buffer((4,), \"int8\") as X:\n        X[0] = T.int8(1)\n    C[0] = 1.0\n"));
  expect_roundtrip(g);
}

TEST(ParseStmt, LoopKinds) {
  PrimFunc f =
      parse_ok(func_with_body("    for i in range(4):\n"
                              "        for j in T.serial(2, n):\n"
                              "            for k in T.parallel(8):\n"
                              "                for l in T.vectorized(4):\n"
                              "                    for u in T.unroll(2):\n"
                              "                        for t in T.thread_binding(32, thread=\"threadIdx.x\"):\n"
                              "                            C[i + j + k + l + u + t] = 1.0\n"));
  std::vector<const ForNode*> loops;
  const ForNode* l = f->body.as<ForNode>();
  while (l) {
    loops.push_back(l);
    l = l->body.as<ForNode>();
  }
  ASSERT_EQ(loops.size(), 6u);
  EXPECT_EQ(loops[0]->for_kind, ForKind::Serial);
  EXPECT_EQ(loops[1]->for_kind, ForKind::Serial);
  EXPECT_EQ(as_const_int(loops[1]->min), 2);
  ASSERT_TRUE(loops[1]->extent.is<SubNode>());  // n - 2
  EXPECT_EQ(loops[2]->for_kind, ForKind::Parallel);
  EXPECT_EQ(loops[3]->for_kind, ForKind::Vectorized);
  EXPECT_EQ(loops[4]->for_kind, ForKind::Unrolled);
  EXPECT_EQ(loops[5]->for_kind, ForKind::ThreadBinding);
  EXPECT_EQ(loops[5]->thread_tag, "threadIdx.x");
  expect_roundtrip(f);
}

TEST(ParseStmt, GridMakesNestedSerialLoops) {
  PrimFunc f = parse_ok(func_with_body("    for i, j in T.grid(4, n):\n        A[i, j] = 0.0\n"));
  const auto* outer = f->body.as<ForNode>();
  ASSERT_NE(outer, nullptr);
  const auto* inner = outer->body.as<ForNode>();
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(as_const_int(outer->extent), 4);
  EXPECT_TRUE(inner->extent.same_as(f->params[3]));
  EXPECT_EQ(outer->loop_var.name(), "i");
  EXPECT_EQ(inner->loop_var.name(), "j");
  expect_roundtrip(f);
}

TEST(ParseStmt, Int64Loops) {
  PrimFunc f = parse_ok(func_with_body("    for i in range(T.int64(16)):\n        C[i] = 1.0\n"));
  EXPECT_EQ(f->body.as<ForNode>()->loop_var.dtype(), DataType::Int(64));
  EXPECT_EQ(f->body.as<ForNode>()->min.dtype(), DataType::Int(64));
  expect_roundtrip(f);
}

TEST(ParseStmt, ThreadBindingForms) {
  PrimFunc f =
      parse_ok(func_with_body("    for i in T.thread_binding(0, 16, \"blockIdx.x\"):\n"
                              "        for j in T.thread_binding(8, thread=\"threadIdx.x\", annotations={\"a\": 1}):\n"
                              "            C[i * 8 + j] = 1.0\n"));
  const auto* outer = f->body.as<ForNode>();
  EXPECT_EQ(outer->thread_tag, "blockIdx.x");
  EXPECT_EQ(as_const_int(outer->extent), 16);
  const auto* inner = outer->body.as<ForNode>();
  EXPECT_EQ(*inner->annotations.at("a").as_int(), 1);
  expect_roundtrip(f);
}

TEST(ParseStmt, BlockAxes) {
  PrimFunc f =
      parse_ok(func_with_body("    for i, j in T.grid(32, 4):\n"
                              "        with T.block(\"B\"):\n"
                              "            vi = T.axis.spatial(128, i * 4 + j)\n"
                              "            vk = T.axis.reduce(4, j)\n"
                              "            vs = T.axis.scan((1, 33), i + 1)\n"
                              "            vo = T.axis.opaque(32, i)\n"
                              "            T.reads(A[vi, vk], C[vs - 1:vs + 1])\n"
                              "            T.writes(C[vi])\n"
                              "            C[vi] = C[vi] + A[vi, vk] + T.Cast(\"float32\", vo + vs)\n"));
  const auto* realize = find_realize(f->body, "B");
  ASSERT_NE(realize, nullptr);
  const BlockNode* b = realize->block.get();
  ASSERT_EQ(b->iter_vars.size(), 4u);
  EXPECT_EQ(b->iter_vars[0].type, IterType::DataPar);
  EXPECT_EQ(b->iter_vars[1].type, IterType::CommReduce);
  EXPECT_EQ(b->iter_vars[2].type, IterType::Ordered);
  EXPECT_EQ(b->iter_vars[3].type, IterType::Opaque);
  EXPECT_EQ(as_const_int(b->iter_vars[0].dom.extent), 128);
  EXPECT_EQ(as_const_int(b->iter_vars[2].dom.min), 1);
  EXPECT_EQ(as_const_int(b->iter_vars[2].dom.extent), 32);
  EXPECT_TRUE(realize->iter_values[0].is<AddNode>());
  // Regions from points and slices: C[vs - 1:vs + 1] has extent 2.
  ASSERT_EQ(b->reads.size(), 2u);
  EXPECT_EQ(as_const_int(b->reads[0].region[0].extent), 1);
  EXPECT_EQ(as_const_int(b->reads[1].region[0].extent), 2);
  expect_roundtrip(f);
  std::string text = print(f);
  EXPECT_NE(text.find("vi = T.axis.spatial(128, i * 4 + j)"), std::string::npos) << text;
  EXPECT_NE(text.find("vs = T.axis.scan((1, 33), i + 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("vo = T.axis.opaque(32, i)"), std::string::npos) << text;
}

TEST(ParseStmt, RemapBindsLoopRanges) {
  PrimFunc f =
      parse_ok(func_with_body("    for i in T.serial(2, 10):\n"
                              "        for k in range(n):\n"
                              "            with T.block(\"B\"):\n"
                              "                vi, vk = T.axis.remap(\"SR\", [i, k])\n"
                              "                C[vi] = C[vi] + A[vi, vk]\n"));
  const auto* realize = find_realize(f->body, "B");
  ASSERT_NE(realize, nullptr);
  const auto& ivs = realize->block->iter_vars;
  EXPECT_EQ(as_const_int(ivs[0].dom.min), 2);
  EXPECT_EQ(as_const_int(ivs[0].dom.extent), 8);
  EXPECT_EQ(ivs[1].type, IterType::CommReduce);
  EXPECT_TRUE(ivs[1].dom.extent.same_as(f->params[3]));
  const auto* root = f->body.as<BlockRealizeNode>();
  ASSERT_NE(root, nullptr);
  const auto* loop = root->block->body.as<ForNode>();
  ASSERT_NE(loop, nullptr);
  EXPECT_TRUE(realize->iter_values[0].same_as(loop->loop_var));
  expect_roundtrip(f);
  EXPECT_NE(print(f).find("vi, vk = T.axis.remap(\"SR\", [i, k])"), std::string::npos);
}

TEST(ParseStmt, BlockHeaderStatements) {
  PrimFunc f = parse_ok(func_with_body(
      "    for i in range(130):\n"
      "        with T.block(\"B\"):\n"
      "            vi = T.axis.spatial(128, i)\n"
      "            T.where(i < 128)\n"
      "            T.reads(A[vi, 0:128])\n"
      "            T.writes(C[vi])\n"
      "            T.block_attr({\"meta_schedule.tiling\": \"SSR\", \"n\": 3, \"f\": 0.5, \"l\": [1, 2], \"e\": n + 1, "
      "\"b\": True})\n"
      "            tmp = T.alloc_buffer((128,), \"float32\", scope=\"local\")\n"
      "            row = T.match_buffer(A[vi, 0:128], (128,), \"float32\")\n"
      "            with T.init():\n"
      "                C[vi] = 0.0\n"
      "            for k in range(128):\n"
      "                tmp[k] = row[k]\n"
      "            C[vi] = C[vi] + tmp[0]\n"));
  const auto* realize = find_realize(f->body, "B");
  ASSERT_NE(realize, nullptr);
  EXPECT_TRUE(realize->predicate.is<LTNode>());
  const BlockNode* b = realize->block.get();
  ASSERT_EQ(b->alloc_buffers.size(), 1u);
  EXPECT_EQ(b->alloc_buffers[0]->scope, "local");
  ASSERT_EQ(b->match_buffers.size(), 1u);
  EXPECT_EQ(b->match_buffers[0].buffer->name, "row");
  EXPECT_EQ(b->match_buffers[0].source.buffer->name, "A");
  EXPECT_EQ(as_const_int(b->match_buffers[0].source.region[1].extent), 128);
  EXPECT_TRUE(b->init.defined());
  EXPECT_EQ(*b->annotations.at("meta_schedule.tiling").as_string(), "SSR");
  EXPECT_EQ(*b->annotations.at("n").as_int(), 3);
  EXPECT_EQ(*b->annotations.at("f").as_float(), 0.5);
  EXPECT_EQ(b->annotations.at("l").as_list()->size(), 2u);
  EXPECT_TRUE(b->annotations.at("e").as_expr()->is<AddNode>());
  EXPECT_TRUE(is_const_true(*b->annotations.at("b").as_expr()));
  expect_roundtrip(f);
}

TEST(ParseStmt, BothBufferStylesGiveEqualFunctions) {
  std::string buffer_style =
      "@T.prim_func\n"
      "def f(A: T.Buffer((16, 8), \"float16\", strides=(16, 1), elem_offset=4, scope=\"global\"), n: T.int32, "
      "B: T.Buffer((n,), dtype=\"int8\", scope=\"shared\")):\n"
      "    B[0] = T.Cast(\"int8\", A[0, 0])\n";
  std::string handle_style =
      "@T.prim_func\n"
      "def f(a: T.handle, n: T.int32, b: T.handle):\n"
      "    A = T.match_buffer(a, (16, 8), \"float16\", strides=(16, 1), elem_offset=4)\n"
      "    B = T.match_buffer(b, shape=(n,), dtype=\"int8\", scope=\"shared\")\n"
      "    B[0] = T.Cast(\"int8\", A[0, 0])\n";
  std::string old_style =
      "@T.prim_func\n"
      "def f(A: T.Buffer[(16, 8), \"float16\"], n: T.int32, B: T.Buffer((n,), \"int8\", scope=\"shared\")):\n"
      "    B[0] = T.Cast(\"int8\", A[0, 0])\n";
  PrimFunc f1 = parse_ok(buffer_style);
  PrimFunc f2 = parse_ok(handle_style);
  auto diff = structural_diff(f1, f2);
  EXPECT_FALSE(diff.has_value()) << diff->to_string();
  // Names differ (a vs A), so strict comparison finds the parameter names.
  EXPECT_TRUE(structural_diff(f1, f2, strict()).has_value());
  const Buffer& a = f1->buffer_map[0].second;
  EXPECT_EQ(a->dtype, DataType::Float(16));
  ASSERT_EQ(a->strides.size(), 2u);
  EXPECT_EQ(as_const_int(a->elem_offset), 4);
  EXPECT_TRUE(f1->buffer_map[1].second->shape[0].same_as(f1->params[1]));
  // The old subscript form differs only in the strides and offset.
  EXPECT_TRUE(structural_diff(f1, parse_ok(old_style)).has_value());
  expect_roundtrip(f1);
  expect_roundtrip(f2);
  EXPECT_NE(print(f2).find("A = T.match_buffer(a, (16, 8), \"float16\", strides=(16, 1), elem_offset=4)"),
            std::string::npos)
      << print(f2);
}

TEST(ParseStmt, FuncAttrsAndScalarParams) {
  PrimFunc f = parse_ok(
      "@T.prim_func(private=True)\n"
      "def g(x: T.float32, n: T.int64, h: T.handle):\n"
      "    \"\"\"A docstring.\"\"\"\n"
      "    T.func_attr({\"global_symbol\": \"g\", \"tir.noalias\": True})\n"
      "    T.evaluate(x)\n");
  EXPECT_EQ(f->name, "g");
  ASSERT_EQ(f->params.size(), 3u);
  EXPECT_EQ(f->params[0].dtype(), DataType::Float(32));
  EXPECT_EQ(f->params[1].dtype(), DataType::Int(64));
  EXPECT_EQ(f->params[2].dtype(), DataType::Handle());
  EXPECT_TRUE(f->buffer_map.empty());
  EXPECT_EQ(*f->attrs.at("global_symbol").as_string(), "g");
  expect_roundtrip(f);
}

TEST(ParseStmt, ImplicitAndExplicitRootAreEqual) {
  std::string body =
      "        for i in range(128):\n"
      "            with T.block(\"B\"):\n"
      "                vi = T.axis.spatial(128, i)\n"
      "                T.reads(X[vi])\n"
      "                T.writes(C[vi])\n"
      "                C[vi] = X[vi]\n";
  std::string implicit =
      func_with_body("    X = T.alloc_buffer((128,), \"float32\")\n" + body.substr(0) /* re-indented below */);
  // Re-indent the implicit version by one level less.
  std::string implicit_body;
  for (size_t pos = 0; pos < body.size();) {
    size_t end = body.find('\n', pos);
    implicit_body += body.substr(pos + 4, end - pos - 4) + "\n";
    pos = end + 1;
  }
  PrimFunc f1 = parse_ok(func_with_body("    X = T.alloc_buffer((128,), \"float32\")\n" + implicit_body));
  PrimFunc f2 =
      parse_ok(func_with_body("    with T.block(\"root\"):\n        X = T.alloc_buffer((128,), \"float32\")\n" + body));
  auto diff = structural_diff(f1, f2, strict());
  EXPECT_FALSE(diff.has_value()) << diff->to_string();
  const auto* root = f1->body.as<BlockRealizeNode>();
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->block->name, "root");
  EXPECT_TRUE(root->block->reads.empty());
  EXPECT_TRUE(root->block->writes.empty());
  ASSERT_EQ(root->block->alloc_buffers.size(), 1u);
  expect_roundtrip(f1);
  // The root is elided on print, its buffers at function level.
  std::string text = print(f1);
  EXPECT_EQ(text.find("T.block(\"root\")"), std::string::npos) << text;
  EXPECT_NE(text.find("\n    X = T.alloc_buffer((128,), \"float32\")\n"), std::string::npos) << text;
}

TEST(ParseStmt, FunctionWithoutBlocksHasNoRoot) {
  PrimFunc f = parse_ok(func_with_body("    for i in range(128):\n        C[i] = 0.0\n"));
  EXPECT_TRUE(f->body.is<ForNode>());
  expect_roundtrip(f);
}

TEST(ParseStmt, OmittedRegionsAreInferred) {
  std::string inferred = func_with_body(
      "    for i, k in T.grid(128, 128):\n"
      "        with T.block(\"B\"):\n"
      "            vi, vk = T.axis.remap(\"SR\", [i, k])\n"
      "            with T.init():\n"
      "                C[vi] = 0.0\n"
      "            C[vi] = C[vi] + A[vi, vk] * B[vk, vi]\n");
  std::string explicit_regions = func_with_body(
      "    for i, k in T.grid(128, 128):\n"
      "        with T.block(\"B\"):\n"
      "            vi, vk = T.axis.remap(\"SR\", [i, k])\n"
      "            T.reads(C[vi], A[vi, vk], B[vk, vi])\n"
      "            T.writes(C[vi])\n"
      "            with T.init():\n"
      "                C[vi] = 0.0\n"
      "            C[vi] = C[vi] + A[vi, vk] * B[vk, vi]\n");
  PrimFunc f1 = parse_ok(inferred);
  PrimFunc f2 = parse_ok(explicit_regions);
  auto diff = structural_diff(f1, f2, strict());
  EXPECT_FALSE(diff.has_value()) << diff->to_string() << "\n" << print(f1);
  expect_roundtrip(f1);
}

TEST(ParseStmt, InferenceRelaxesInnerLoops) {
  PrimFunc f =
      parse_ok(func_with_body("    for i in range(128):\n"
                              "        with T.block(\"B\"):\n"
                              "            vi = T.axis.spatial(128, i)\n"
                              "            for k in range(64):\n"
                              "                C[vi] = C[vi] + A[vi, k * 2]\n"));
  const BlockNode* b = find_block(f->body, "B");
  ASSERT_NE(b, nullptr);
  const BufferRegion* a_region = nullptr;
  for (const BufferRegion& r : b->reads) {
    if (r.buffer->name == "A") a_region = &r;
  }
  ASSERT_NE(a_region, nullptr);
  EXPECT_EQ(as_const_int(a_region->region[1].min), 0);
  EXPECT_EQ(as_const_int(a_region->region[1].extent), 127);
  ASSERT_EQ(b->writes.size(), 1u);
  EXPECT_EQ(b->writes[0].buffer->name, "C");
}

TEST(ParseStmt, OnlyTheOmittedSideIsInferred) {
  PrimFunc f =
      parse_ok(func_with_body("    for i in range(128):\n"
                              "        with T.block(\"B\"):\n"
                              "            vi = T.axis.spatial(128, i)\n"
                              "            T.reads(A[vi, 0:128])\n"
                              "            C[vi] = A[vi, 0]\n"));
  const BlockNode* b = find_block(f->body, "B");
  ASSERT_EQ(b->reads.size(), 1u);
  EXPECT_EQ(as_const_int(b->reads[0].region[1].extent), 128);  // kept as written
  ASSERT_EQ(b->writes.size(), 1u);
  EXPECT_EQ(b->writes[0].buffer->name, "C");
}

TEST(ParseStmt, ModuleFromBareFunctions) {
  IRModule mod = parse_module(
      "from tvm.script import tir as T\n"
      "@T.prim_func\ndef a(X: T.Buffer((4,), \"float32\")):\n    X[0] = 1.0\n\n"
      "@T.prim_func\ndef b(X: T.Buffer((4,), \"float32\")):\n    X[1] = 2.0\n");
  EXPECT_EQ(mod.size(), 2u);
  EXPECT_TRUE(mod.contains("a"));
  EXPECT_TRUE(mod.contains("b"));
  EXPECT_TRUE(throws_with<ParseError>([&] { parse_func(print(mod)); }, "expected exactly one function, found 2"));
}

TEST(ParseStmt, ModuleOfOneFunctionParsesAsFunction) {
  PrimFunc f = parse_func(
      "@I.ir_module\nclass Module:\n    @T.prim_func\n    def main(X: T.Buffer((4,), \"float32\")):\n        X[0] = "
      "1.0\n");
  EXPECT_EQ(f->name, "main");
}

}  // namespace
}  // namespace loom::script
