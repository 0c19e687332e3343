// The printer on IR built directly with the C++ API: TVM's print style (T.grid, remap,
// root elision), unique names, sanitized identifiers, lowered IR, and the round trip.
#include <gtest/gtest.h>

#include "script_test_util.h"

namespace loom::script {
namespace {

using namespace loom::ir;
using testing::expect_roundtrip;

Buffer buf(const std::string& name, std::vector<Expr> shape, DataType dtype = DataType::Float(32)) {
  return Buffer::make(name, dtype, std::move(shape));
}

// A function over param buffers whose handle vars carry the buffers' names.
PrimFunc func(const std::string& name, const std::vector<Buffer>& buffers, Stmt body) {
  std::vector<Var> params;
  std::vector<std::pair<Var, Buffer>> map;
  for (const Buffer& b : buffers) {
    Var v(b->name, DataType::Handle());
    params.push_back(v);
    map.emplace_back(v, b);
  }
  return PrimFunc::make(name, params, map, std::move(body));
}

Stmt root(Stmt body, std::vector<Buffer> allocs = {}) {
  return BlockRealizeNode::make({}, make_bool(true),
                                Block::make("root", {}, {}, {}, std::move(body), {}, std::move(allocs)));
}

Stmt loop(const Var& v, int extent, Stmt body, ForKind kind = ForKind::Serial) {
  return ForNode::make(v, make_int(0), make_int(extent), kind, std::move(body));
}

// A block "name" with one spatial iter var over [0, extent) bound to `binding`, storing 1 to C[v].
Stmt store_block(const std::string& name, const Buffer& c, int extent, Expr binding,
                 const std::string& var_name = "v") {
  Var v(var_name);
  IterVar iv{v, Range::from_min_extent(make_int(0), make_int(extent)), IterType::DataPar};
  Stmt body = BufferStoreNode::make(c, make_float(1.0), {v});
  Block b = Block::make(name, {iv}, {}, {BufferRegion{c, {Range::from_min_extent(v, make_int(1))}}}, body);
  return BlockRealizeNode::make({std::move(binding)}, make_bool(true), b);
}

TEST(Printer, FunctionHeaderAndSignature) {
  Buffer a = buf("A", {make_int(128), make_int(64)});
  PrimFunc f = func("main", {a}, BufferStoreNode::make(a, make_float(0.0), {make_int(0), make_int(0)}));
  std::string text = print(f);
  EXPECT_EQ(text,
            "# from tvm.script import tir as T\n\n"
            "@T.prim_func\n"
            "def main(A: T.Buffer((128, 64), \"float32\")):\n"
            "    A[0, 0] = 0.0\n");
  expect_roundtrip(f);
}

TEST(Printer, MatmulInTVMStyle) {
  Buffer a = buf("A", {make_int(16), make_int(16)}), b = buf("B", {make_int(16), make_int(16)}),
         c = buf("C", {make_int(16), make_int(16)});
  Var i("i"), j("j"), k("k"), vi("vi"), vj("vj"), vk("vk");
  auto dom = Range::from_min_extent(make_int(0), make_int(16));
  auto point = [](const Expr& e) { return Range::from_min_extent(e, make_int(1)); };
  Stmt update = BufferStoreNode::make(
      c, BufferLoadNode::make(c, {vi, vj}) + BufferLoadNode::make(a, {vi, vk}) * BufferLoadNode::make(b, {vk, vj}),
      {vi, vj});
  Stmt init = BufferStoreNode::make(c, make_float(0.0), {vi, vj});
  Block blk =
      Block::make("C", {{vi, dom, IterType::DataPar}, {vj, dom, IterType::DataPar}, {vk, dom, IterType::CommReduce}},
                  {BufferRegion{a, {point(vi), point(vk)}}, BufferRegion{b, {point(vk), point(vj)}}},
                  {BufferRegion{c, {point(vi), point(vj)}}}, update, init);
  Stmt nest = loop(i, 16, loop(j, 16, loop(k, 16, BlockRealizeNode::make({i, j, k}, make_bool(true), blk))));
  PrimFunc f = func("mm", {a, b, c}, root(nest));
  EXPECT_EQ(print(f),
            "# from tvm.script import tir as T\n\n"
            "@T.prim_func\n"
            "def mm(A: T.Buffer((16, 16), \"float32\"), B: T.Buffer((16, 16), \"float32\"), C: T.Buffer((16, 16), "
            "\"float32\")):\n"
            "    for i, j, k in T.grid(16, 16, 16):\n"
            "        with T.block(\"C\"):\n"
            "            vi, vj, vk = T.axis.remap(\"SSR\", [i, j, k])\n"
            "            T.reads(A[vi, vk], B[vk, vj])\n"
            "            T.writes(C[vi, vj])\n"
            "            with T.init():\n"
            "                C[vi, vj] = 0.0\n"
            "            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]\n");
  expect_roundtrip(f);
}

TEST(Printer, ShadowedNamesAreMadeUnique) {
  Buffer c = buf("C", {make_int(64)});
  Var outer("i"), inner("i");
  PrimFunc f =
      func("f", {c}, loop(outer, 8, loop(inner, 8, BufferStoreNode::make(c, make_float(1.0), {outer * 8 + inner}))));
  std::string text = print(f);
  EXPECT_NE(text.find("for i, i_1 in T.grid(8, 8):"), std::string::npos) << text;
  EXPECT_NE(text.find("C[i * 8 + i_1] = 1.0"), std::string::npos) << text;
  PrimFunc g = parse_func(text);
  auto diff = structural_diff(f, g);  // equal up to the renamed variable
  EXPECT_FALSE(diff.has_value()) << diff->to_string();
  EXPECT_EQ(print(g), text);
}

TEST(Printer, GpuCollectivesRoundTrip) {
  PrimFunc f = parse_func(R"(
@T.prim_func
def f(A: T.Buffer((32,), "float32")):
    for tx in T.thread_binding(32, thread="threadIdx.x"):
        T.evaluate(T.storage_sync())
        A[tx] = T.warp_shuffle_down(A[tx], 16, 32) + T.warp_shuffle(A[tx], 0, 32)
)");
  std::string text = print(f);
  EXPECT_NE(text.find("T.evaluate(T.storage_sync())"), std::string::npos) << text;
  EXPECT_NE(text.find("T.warp_shuffle_down(A[tx], 16, 32) + T.warp_shuffle(A[tx], 0, 32)"), std::string::npos) << text;
  expect_roundtrip(f);
}

TEST(Printer, SiblingScopesKeepTheirNames) {
  Buffer c = buf("C", {make_int(8)});
  Var i1("i"), i2("i");
  Stmt body = SeqStmtNode::make({loop(i1, 8, BufferStoreNode::make(c, make_float(1.0), {i1})),
                                 loop(i2, 8, BufferStoreNode::make(c, make_float(2.0), {i2}))});
  PrimFunc f = func("f", {c}, body);
  std::string text = print(f);
  EXPECT_EQ(text.find("i_1"), std::string::npos) << text;
  expect_roundtrip(f);
}

TEST(Printer, DuplicateBlockNamesAreMadeUnique) {
  Buffer c = buf("C", {make_int(8)});
  Var i1("i"), i2("i");
  Stmt body = SeqStmtNode::make({loop(i1, 8, store_block("B", c, 8, i1)), loop(i2, 8, store_block("B", c, 8, i2))});
  PrimFunc f = func("f", {c}, root(body));
  std::string text = print(f);
  EXPECT_NE(text.find("with T.block(\"B\"):"), std::string::npos) << text;
  EXPECT_NE(text.find("with T.block(\"B_1\"):"), std::string::npos) << text;
  PrimFunc g = parse_func(text);
  EXPECT_FALSE(structural_diff(f, g).has_value());
}

TEST(Printer, GridOnlyForPlainSerialNests) {
  Buffer c = buf("C", {make_int(64)});
  Var i("i"), j("j");
  // The inner extent uses the outer variable: two loops, not a grid.
  Stmt tri = ForNode::make(
      i, make_int(0), make_int(8), ForKind::Serial,
      ForNode::make(j, make_int(0), i + 1, ForKind::Serial, BufferStoreNode::make(c, make_float(1.0), {j})));
  PrimFunc f = func("f", {c}, tri);
  std::string text = print(f);
  EXPECT_NE(text.find("for i in range(8):\n        for j in range(i + 1):"), std::string::npos) << text;
  expect_roundtrip(f);
  // An annotated inner loop ends the grid.
  Var a("a"), b("b");
  Stmt ann = ForNode::make(
      a, make_int(0), make_int(4), ForKind::Serial,
      ForNode::make(b, make_int(0), make_int(4), ForKind::Serial, BufferStoreNode::make(c, make_float(1.0), {b}), "",
                    Annotations{{"pragma_unroll", AnnValue(int64_t{1})}}));
  PrimFunc g = func("g", {c}, ann);
  text = print(g);
  EXPECT_NE(text.find("for b in T.serial(4, annotations={\"pragma_unroll\": 1}):"), std::string::npos) << text;
  expect_roundtrip(g);
}

TEST(Printer, SpatialWhenBindingIsNotALoopVariable) {
  Buffer c = buf("C", {make_int(64)});
  Var i("i"), j("j");
  PrimFunc f = func("f", {c}, root(loop(i, 16, loop(j, 4, store_block("B", c, 64, i * 4 + j, "vi")))));
  std::string text = print(f);
  EXPECT_NE(text.find("vi = T.axis.spatial(64, i * 4 + j)"), std::string::npos) << text;
  expect_roundtrip(f);
  // A binding that is a loop variable but over another range is not a remap either.
  Var k("k");
  PrimFunc g = func("g", {c}, root(loop(k, 16, store_block("B", c, 64, k, "vk"))));
  text = print(g);
  EXPECT_NE(text.find("vk = T.axis.spatial(64, k)"), std::string::npos) << text;
  expect_roundtrip(g);
}

TEST(Printer, RootIsPrintedWhenItCarriesInformation) {
  Buffer c = buf("C", {make_int(8)});
  Var i("i");
  Block rb = Block::make("root", {}, {}, {}, loop(i, 8, store_block("B", c, 8, i)), {}, {}, {},
                         Annotations{{"k", AnnValue("v")}});
  PrimFunc f = func("f", {c}, BlockRealizeNode::make({}, make_bool(true), rb));
  std::string text = print(f);
  EXPECT_NE(text.find("    with T.block(\"root\"):\n"), std::string::npos) << text;
  EXPECT_NE(text.find("T.block_attr({\"k\": \"v\"})"), std::string::npos) << text;
  expect_roundtrip(f);
  // A root around loops with no blocks is printed too, or the parser would drop it.
  Var j("j");
  PrimFunc g = func("g", {c}, root(loop(j, 8, BufferStoreNode::make(c, make_float(0.0), {j}))));
  EXPECT_NE(print(g).find("with T.block(\"root\"):"), std::string::npos);
  expect_roundtrip(g);
}

TEST(Printer, HandleStyleWhenParameterAndBufferNamesDiffer) {
  Buffer a = buf("A", {make_int(4)});
  Var p("a", DataType::Handle());
  Var n("n");
  PrimFunc f = PrimFunc::make("f", {p, n}, {{p, a}}, BufferStoreNode::make(a, make_float(0.0), {n}));
  std::string text = print(f);
  EXPECT_NE(text.find("def f(a: T.handle, n: T.int32):\n    A = T.match_buffer(a, (4,), \"float32\")\n"),
            std::string::npos)
      << text;
  expect_roundtrip(f);
}

TEST(Printer, IdentifiersAreSanitized) {
  Buffer a = buf("A.shared", {make_int(4)});
  Var v("lambda"), w("0x");
  PrimFunc f = func("f", {a}, loop(v, 2, loop(w, 2, BufferStoreNode::make(a, make_float(0.0), {v + w}))));
  std::string text = print(f);
  EXPECT_NE(text.find("A_shared: T.Buffer((4,), \"float32\")"), std::string::npos) << text;
  EXPECT_NE(text.find("for lambda_, v_0x in T.grid(2, 2):"), std::string::npos) << text;
  PrimFunc g = parse_func(text);
  EXPECT_FALSE(structural_diff(f, g).has_value());
  EXPECT_EQ(print(g), text);
}

TEST(Printer, StringsAreEscaped) {
  Buffer c = buf("C", {make_int(8)});
  Var i("i");
  PrimFunc f = func("f", {c}, root(loop(i, 8, store_block("say \"hi\"\\\n", c, 8, i))));
  std::string text = print(f);
  EXPECT_NE(text.find("T.block(\"say \\\"hi\\\"\\\\\\n\")"), std::string::npos) << text;
  expect_roundtrip(f);
}

TEST(Printer, LoweredVectorIR) {
  Buffer a = buf("A", {make_int(16)}), b = buf("B", {make_int(16)});
  Var i("i");
  Expr idx = RampNode::make(i * 4, make_int(1), 4);
  Stmt store =
      BufferStoreNode::make(b, BufferLoadNode::make(a, {idx}) * BroadcastNode::make(make_float(2.0), 4), {idx});
  PrimFunc f = func("f", {a, b}, loop(i, 4, store, ForKind::Parallel));
  std::string text = print(f);
  EXPECT_NE(text.find("B[T.Ramp(i * 4, 1, 4)] = A[T.Ramp(i * 4, 1, 4)] * T.Broadcast(2.0, 4)"), std::string::npos)
      << text;
  expect_roundtrip(f);
}

TEST(Printer, AnnotationValuesKeepTheirTypes) {
  Buffer c = buf("C", {make_int(8)});
  Var i("i");
  Annotations anns{{"int", AnnValue(int64_t{3})},
                   {"float", AnnValue(0.25)},
                   {"str", AnnValue("s")},
                   {"i32", AnnValue(make_int(4))},
                   {"f32", AnnValue(make_float(0.5))},
                   {"list", AnnValue(std::vector<AnnValue>{AnnValue(int64_t{1}), AnnValue("x")})}};
  PrimFunc f = PrimFunc::make("f", {}, {}, loop(i, 2, EvaluateNode::make(make_int(0))), anns);
  std::string text = print(f);
  EXPECT_NE(text.find("T.func_attr({\"f32\": T.float32(0.5), \"float\": 0.25, \"i32\": T.int32(4), \"int\": 3, "
                      "\"list\": [1, \"x\"], \"str\": \"s\"})"),
            std::string::npos)
      << text;
  expect_roundtrip(f);
}

TEST(Printer, LetInTheMiddleOfASequence) {
  Buffer c = buf("C", {make_int(8)});
  Var x("x");
  Stmt body = SeqStmtNode::make({LetStmtNode::make(x, make_int(3), BufferStoreNode::make(c, make_float(1.0), {x})),
                                 BufferStoreNode::make(c, make_float(2.0), {make_int(0)})});
  PrimFunc f = func("f", {c}, body);
  EXPECT_NE(print(f).find("with T.LetStmt(3) as x:\n        C[x] = 1.0\n    C[0] = 2.0\n"), std::string::npos)
      << print(f);
  expect_roundtrip(f);
}

TEST(Printer, ModuleOfFunctions) {
  Buffer c = buf("C", {make_int(8)});
  IRModule mod;
  mod.add(func("b", {c}, BufferStoreNode::make(c, make_float(0.0), {make_int(0)})));
  mod.add(func("a", {c}, BufferStoreNode::make(c, make_float(1.0), {make_int(0)})));
  std::string text = print(mod);
  EXPECT_EQ(text,
            "# from tvm.script import ir as I\n# from tvm.script import tir as T\n\n@I.ir_module\nclass Module:\n"
            "    @T.prim_func\n    def a(C: T.Buffer((8,), \"float32\")):\n        C[0] = 1.0\n\n"
            "    @T.prim_func\n    def b(C: T.Buffer((8,), \"float32\")):\n        C[0] = 0.0\n");
  IRModule again = parse_module(text);
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(print(again), text);
  EXPECT_EQ(parse_module(print(IRModule())).size(), 0u);
}

}  // namespace
}  // namespace loom::script
