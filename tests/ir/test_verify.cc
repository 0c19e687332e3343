// Tests of the well-formedness verifier: each rule, on hand-built functions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/verify.h"

namespace loom::ir {
namespace {

using ::testing::HasSubstr;

struct Matmul {
  Var a_handle{"a", DataType::Handle()}, b_handle{"b", DataType::Handle()}, c_handle{"c", DataType::Handle()};
  Buffer A = Buffer::make("A", DataType::Float(32), {16, 8});
  Buffer B = Buffer::make("B", DataType::Float(32), {8, 4});
  Buffer C = Buffer::make("C", DataType::Float(32), {16, 4});
  Var i{"i"}, j{"j"}, k{"k"};
  Var vi{"vi"}, vj{"vj"}, vk{"vk"};

  /// The matmul; `body_index` replaces the first index of A in the update (to inject uses).
  PrimFunc make(Expr a_index = {}, Stmt init = {}, bool reduce_k = true, Buffer store_to = {}) {
    if (!a_index.defined()) a_index = vi;
    if (!store_to.defined()) store_to = C;
    Stmt update = BufferStoreNode::make(
        store_to,
        BufferLoadNode::make(C, {vi, vj}) + BufferLoadNode::make(A, {a_index, vk}) * BufferLoadNode::make(B, {vk, vj}),
        {vi, vj});
    if (!init.defined()) init = BufferStoreNode::make(C, make_float(0.0), {vi, vj});
    Block block = Block::make(
        "C",
        {{vi, {0, 16}, IterType::DataPar},
         {vj, {0, 4}, IterType::DataPar},
         {vk, {0, 8}, reduce_k ? IterType::CommReduce : IterType::DataPar}},
        {BufferRegion{C, {{vi, 1}, {vj, 1}}}, BufferRegion{A, {{vi, 1}, {vk, 1}}}, BufferRegion{B, {{vk, 1}, {vj, 1}}}},
        {BufferRegion{C, {{vi, 1}, {vj, 1}}}}, update, init);
    Stmt realize = BlockRealizeNode::make({i, j, k}, {}, block);
    Stmt nest =
        ForNode::make(i, 0, 16, ForKind::Serial,
                      ForNode::make(j, 0, 4, ForKind::Serial, ForNode::make(k, 0, 8, ForKind::Serial, realize)));
    Block root = Block::make("root", {}, {}, {}, nest);
    return PrimFunc::make("main", {a_handle, b_handle, c_handle}, {{a_handle, A}, {b_handle, B}, {c_handle, C}},
                          BlockRealizeNode::make({}, {}, root));
  }
};

TEST(Verify, WellFormedMatmulHasNoProblems) {
  Matmul m;
  EXPECT_THAT(verify_well_formed(m.make()), ::testing::IsEmpty());
  EXPECT_NO_THROW(check_well_formed(m.make()));
}

TEST(Verify, OuterLoopVariableInsideBlockIsReported) {
  Matmul m;
  auto problems = verify_well_formed(m.make(m.i));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("variable i is used outside its scope (in block C"));
}

TEST(Verify, UndefinedVariableIsReported) {
  Matmul m;
  Var stray("stray");
  auto problems = verify_well_formed(m.make(stray));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "variable stray is used but never defined");
}

TEST(Verify, UnknownBufferIsReported) {
  Matmul m;
  Buffer other = Buffer::make("D", DataType::Float(32), {16, 4});
  auto problems = verify_well_formed(m.make({}, {}, true, other));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("buffer D is stored to but is not a parameter"));
}

TEST(Verify, InitWithoutReductionIsReported) {
  Matmul m;
  auto problems = verify_well_formed(m.make({}, {}, /*reduce_k=*/false));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "block C has an init statement but no reduction iteration variable");
}

TEST(Verify, VariableBoundTwiceIsReported) {
  Var i("i");
  Buffer A = Buffer::make("A", DataType::Float(32), {4});
  Var a("a", DataType::Handle());
  Stmt store = BufferStoreNode::make(A, make_float(1.0), {i});
  Stmt loops = SeqStmtNode::make(
      {ForNode::make(i, 0, 4, ForKind::Serial, store), ForNode::make(i, 0, 4, ForKind::Serial, store)});
  PrimFunc f = PrimFunc::make("f", {a}, {{a, A}}, loops);
  auto problems = verify_well_formed(f);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "variable i is defined twice (again by loop)");
}

TEST(Verify, DuplicateBlockNamesAndLoopVarAfterScope) {
  Var i("i");
  Buffer A = Buffer::make("A", DataType::Float(32), {4});
  Var a("a", DataType::Handle());
  auto blk = [&](const char* name) {
    Var v("v");
    Block b = Block::make(name, {{v, {0, 4}, IterType::DataPar}}, {}, {BufferRegion{A, {{v, 1}}}},
                          BufferStoreNode::make(A, make_float(1.0), {v}));
    return BlockRealizeNode::make({i}, {}, b);
  };
  Stmt loop = ForNode::make(i, 0, 4, ForKind::Serial, SeqStmtNode::make({blk("X"), blk("X")}));
  Stmt after = BufferStoreNode::make(A, make_float(2.0), {i});  // i is out of scope here
  PrimFunc f = PrimFunc::make("f", {a}, {{a, A}}, SeqStmtNode::make({loop, after}));
  auto problems = verify_well_formed(f);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], "two blocks are named X");
  EXPECT_EQ(problems[1], "variable i is used outside its scope");
  try {
    check_well_formed(f);
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("function f is not well-formed:\n  - two blocks are named X\n  - variable i"));
  }
}

TEST(Verify, ScalarParameterIsVisibleInsideBlocks) {
  Var n("n");
  Var a("a", DataType::Handle());
  Buffer A = Buffer::make("A", DataType::Int(32), {4});
  Var i("i"), v("v");
  Block b = Block::make("B", {{v, {0, 4}, IterType::DataPar}}, {}, {BufferRegion{A, {{v, 1}}}},
                        BufferStoreNode::make(A, v + n, {v}));
  PrimFunc f = PrimFunc::make("f", {a, n}, {{a, A}},
                              ForNode::make(i, 0, 4, ForKind::Serial, BlockRealizeNode::make({i}, {}, b)));
  EXPECT_THAT(verify_well_formed(f), ::testing::IsEmpty());
}

TEST(Verify, AllocatedBufferIsVisibleOnlyInsideItsBlock) {
  Var a("a", DataType::Handle());
  Buffer A = Buffer::make("A", DataType::Float(32), {4});
  Buffer T = Buffer::make("T", DataType::Float(32), {4});
  Var v("v"), i("i");
  Block inner = Block::make("inner", {}, {}, {}, BufferStoreNode::make(T, make_float(1.0), {0}), {}, {T});
  Stmt use_after = BufferStoreNode::make(A, BufferLoadNode::make(T, {0}), {0});
  Block root = Block::make("root", {}, {}, {}, SeqStmtNode::make({BlockRealizeNode::make({}, {}, inner), use_after}));
  PrimFunc f = PrimFunc::make("f", {a}, {{a, A}}, BlockRealizeNode::make({}, {}, root));
  auto problems = verify_well_formed(f);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("buffer T is loaded from but is not a parameter"));
}

}  // namespace
}  // namespace loom::ir
