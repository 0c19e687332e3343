// Canonical forms of common index patterns produced by Analyzer::simplify, and the rules
// that use known variable ranges.
#include <gtest/gtest.h>

#include "loom/arith/analyzer.h"
#include "loom/ir/ir.h"

namespace loom::arith {
namespace {

using namespace loom::ir;

class SimplifyTest : public ::testing::Test {
 protected:
  SimplifyTest() {
    an.bind(i, Range::from_min_extent(0, 32));
    an.bind(j, Range::from_min_extent(0, 4));
    an.bind(k, Range::from_min_extent(0, 8));
    an.bind(n, Range::from_min_extent(0, 16));
  }

  ::testing::AssertionResult simplifies_to(const Expr& input, const Expr& expected) {
    Expr got = an.simplify(input);
    StructuralEqualOptions o;
    o.map_free_vars = false;
    if (structural_equal(got, expected, o)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << to_string(input) << " simplified to " << to_string(got) << ", expected "
                                         << to_string(expected);
  }

  Analyzer an;
  Var i{"i"}, j{"j"}, k{"k"}, n{"n"};
  Var x{"x"}, y{"y"};  // unbounded
};

TEST_F(SimplifyTest, AffineNormalForm) {
  EXPECT_TRUE(simplifies_to(j + i * 4, i * 4 + j));
  EXPECT_TRUE(simplifies_to(x + y - x, y));
  EXPECT_TRUE(simplifies_to((x + 3) * 2 - x, x + 6));
  EXPECT_TRUE(simplifies_to(x * 2 + x * 3, x * 5));
  EXPECT_TRUE(simplifies_to(x - y * 2 + 1 - 5, x - y * 2 - 4));
  EXPECT_TRUE(simplifies_to(y - x, y - x));
  EXPECT_TRUE(simplifies_to(0 - x, x * -1));
  EXPECT_TRUE(simplifies_to(x * 0 + 7, make_int(7)));
  EXPECT_TRUE(simplifies_to(y * x, x * y));
  EXPECT_TRUE(simplifies_to((x * 2) * (y * 3), MulNode::make(x, y) * 6));
  EXPECT_TRUE(simplifies_to(make_int(3) * 4 + 5, make_int(17)));
}

TEST_F(SimplifyTest, FloorDivModOfSplitIndices) {
  EXPECT_TRUE(simplifies_to(floordiv(i * 4 + j, 4), i));
  EXPECT_TRUE(simplifies_to(floormod(i * 4 + j, 4), j));
  EXPECT_TRUE(simplifies_to(floordiv(x, 4) * 4 + floormod(x, 4), x));
  EXPECT_TRUE(simplifies_to(floormod(x, 4) + floordiv(x, 4) * 4, x));
  EXPECT_TRUE(simplifies_to(floordiv(x, 1), x));
  EXPECT_TRUE(simplifies_to(floormod(x, 1), make_int(0)));
  EXPECT_TRUE(simplifies_to(floordiv(floordiv(x, 4), 8), floordiv(x, 32)));
  EXPECT_TRUE(simplifies_to(floormod(floormod(x, 16), 4), floormod(x, 4)));
  EXPECT_TRUE(simplifies_to(floordiv(x * 8 + 4, 8), x));
  EXPECT_TRUE(simplifies_to(floordiv(x * 8 + y, 8), x + floordiv(y, 8)));
  EXPECT_TRUE(simplifies_to(floormod(x * 8 + y, 8), floormod(y, 8)));
  EXPECT_TRUE(simplifies_to(floormod(x * 6 + 2, 4), floormod(x * 3 + 1, 2) * 2));
  EXPECT_TRUE(simplifies_to(floordiv(x * 6 + 2, 4), floordiv(x * 3 + 1, 2)));
  EXPECT_TRUE(simplifies_to(floordiv(i * 8 + k, 4), i * 2 + floordiv(k, 4)));
  EXPECT_TRUE(simplifies_to(floordiv(floordiv(i * 4 + j, 8) * 8 + floormod(i * 4 + j, 8), 4), i));
  EXPECT_TRUE(simplifies_to(floordiv(j, 4), make_int(0)));
  EXPECT_TRUE(simplifies_to(floormod(j + 4, 4), j));
  EXPECT_TRUE(simplifies_to(floordiv(j + 8, 4), make_int(2)));
  EXPECT_TRUE(simplifies_to(floordiv(x, -2), floordiv(x * -1, 2)));
  EXPECT_TRUE(simplifies_to(floordiv(make_int(-7), 2), make_int(-4)));
  EXPECT_TRUE(simplifies_to(floormod(make_int(-7), 2), make_int(1)));
  EXPECT_TRUE(simplifies_to(floormod(make_int(7), -2), make_int(-1)));
  // Fused then split back.
  Expr fused = i * 4 + j;
  EXPECT_TRUE(simplifies_to(floordiv(fused, 8) * 8 + floormod(fused, 8), i * 4 + j));
}

TEST_F(SimplifyTest, TruncDivModWithNonNegativeOperands) {
  EXPECT_TRUE(simplifies_to(truncdiv(i * 4 + j, 4), i));
  EXPECT_TRUE(simplifies_to(truncmod(i * 4 + j, 4), j));
  // Unknown sign: trunc division stays.
  EXPECT_TRUE(simplifies_to(truncdiv(x, 4), DivNode::make(x, 4)));
  EXPECT_TRUE(simplifies_to(truncdiv(make_int(-7), 2), make_int(-3)));
  EXPECT_TRUE(simplifies_to(truncmod(make_int(-7), 2), make_int(-1)));
}

TEST_F(SimplifyTest, MinMaxDecidedByRanges) {
  EXPECT_TRUE(simplifies_to(min(i, 32), i));
  EXPECT_TRUE(simplifies_to(min(i, 16), min(i, 16)));
  EXPECT_TRUE(simplifies_to(max(i, 0), i));
  EXPECT_TRUE(simplifies_to(max(x + 1, x), x + 1));
  EXPECT_TRUE(simplifies_to(min(x + 1, x), x));
  EXPECT_TRUE(simplifies_to(min(x, x), x));
  EXPECT_TRUE(simplifies_to(min(16, i), min(i, 16)));
  EXPECT_TRUE(simplifies_to(min(min(x, 8), 4), min(x, 4)));
  EXPECT_TRUE(simplifies_to(max(max(x, 8), 4), max(x, 8)));
  EXPECT_TRUE(simplifies_to(max(j, k + 4), k + 4));
  EXPECT_TRUE(simplifies_to(min(y, x), min(x, y)));
}

TEST_F(SimplifyTest, ComparisonsDecidedByRanges) {
  EXPECT_TRUE(simplifies_to(i < 32, make_bool(true)));
  EXPECT_TRUE(simplifies_to(i < 16, i < 16));
  EXPECT_TRUE(simplifies_to(i >= 0, make_bool(true)));
  EXPECT_TRUE(simplifies_to(i * 4 + j < 128, make_bool(true)));
  EXPECT_TRUE(simplifies_to(i * 4 + j >= 128, make_bool(false)));
  EXPECT_TRUE(simplifies_to(x + 1 > x, make_bool(true)));
  EXPECT_TRUE(simplifies_to(eq(x, x), make_bool(true)));
  EXPECT_TRUE(simplifies_to(ne(x + 1, x), make_bool(true)));
  EXPECT_TRUE(simplifies_to(x <= y, x <= y));
}

TEST_F(SimplifyTest, LogicSelectAndCasts) {
  Expr c = x < y;
  EXPECT_TRUE(simplifies_to(logical_and(i < 32, c), c));
  EXPECT_TRUE(simplifies_to(logical_or(i < 32, c), make_bool(true)));
  EXPECT_TRUE(simplifies_to(logical_and(i >= 32, c), make_bool(false)));
  EXPECT_TRUE(simplifies_to(logical_or(i >= 32, c), c));
  EXPECT_TRUE(simplifies_to(logical_not(logical_not(c)), c));
  EXPECT_TRUE(simplifies_to(logical_not(x < y), x >= y));
  EXPECT_TRUE(simplifies_to(logical_and(c, logical_not(c)), make_bool(false)));
  EXPECT_TRUE(simplifies_to(select(i < 32, x, y), x));
  EXPECT_TRUE(simplifies_to(select(c, x + 1, 1 + x), x + 1));
  EXPECT_TRUE(simplifies_to(cast(DataType::Int(64), make_int(5)) + cast(DataType::Int(64), make_int(2)),
                            make_int(7, DataType::Int(64))));
  EXPECT_TRUE(simplifies_to(CastNode::make(DataType::Int(8), make_int(300)), make_int(44, DataType::Int(8))));
  EXPECT_TRUE(simplifies_to(CastNode::make(DataType::Int(32), make_float(-2.75)), make_int(-2)));
  EXPECT_TRUE(simplifies_to(CastNode::make(DataType::Int(8), make_float(1e6)), make_int(127, DataType::Int(8))));
  EXPECT_TRUE(simplifies_to(CastNode::make(DataType::Int(32), x), x));
}

TEST_F(SimplifyTest, ConstantFoldingOfOtherDtypes) {
  DataType i8 = DataType::Int(8), u8 = DataType::UInt(8), f16 = DataType::Float(16);
  EXPECT_TRUE(simplifies_to(AddNode::make(make_int(127, i8), make_int(1, i8)), make_int(-128, i8)));
  EXPECT_TRUE(simplifies_to(SubNode::make(make_int(0, u8), make_int(1, u8)), make_int(255, u8)));
  EXPECT_TRUE(simplifies_to(DivNode::make(make_int(200, u8), make_int(3, u8)), make_int(66, u8)));
  EXPECT_TRUE(simplifies_to(LTNode::make(make_int(200, u8), make_int(3, u8)), make_bool(false)));
  EXPECT_TRUE(simplifies_to(AddNode::make(make_float(1.5), make_float(2.25)), make_float(3.75)));
  // float16 rounds to 11 significant bits: 2049 is not representable.
  EXPECT_TRUE(simplifies_to(AddNode::make(make_float(2048.0, f16), make_float(1.0, f16)), make_float(2048.0, f16)));
  EXPECT_TRUE(simplifies_to(MulNode::make(make_float(60000.0, f16), make_float(2.0, f16)),
                            make_float(std::numeric_limits<double>::infinity(), f16)));
  // Division by zero is not folded.
  EXPECT_TRUE(
      simplifies_to(FloorDivNode::make(make_int(1), make_int(0)), FloorDivNode::make(make_int(1), make_int(0))));
  // Float identities that would change -0.0 are not applied.
  Var f("f", DataType::Float(32));
  EXPECT_TRUE(simplifies_to(AddNode::make(f, make_float(0.0)), AddNode::make(f, make_float(0.0))));
}

TEST_F(SimplifyTest, NarrowIntegersKeepWrapAroundSemantics) {
  DataType i8 = DataType::Int(8);
  Var a("a", i8);
  an.bind(a, Range::from_min_extent(make_int(0, i8), make_int(100, i8)));
  // a + 100 may wrap in int8, so the comparison must not be decided by the bound.
  Expr cmp = LTNode::make(AddNode::make(a, make_int(100, i8)), make_int(100, i8));
  EXPECT_FALSE(an.can_prove(cmp));
  EXPECT_EQ(an.const_int_bound(AddNode::make(a, make_int(100, i8))), ConstIntBound::of_dtype(i8));
}

TEST_F(SimplifyTest, BoundToValueIsSubstituted) {
  Analyzer a;
  a.bind(x, y * 2 + 1);
  StructuralEqualOptions o;
  o.map_free_vars = false;
  EXPECT_TRUE(structural_equal(a.simplify(x - y), y + 1, o)) << to_string(a.simplify(x - y));
  // y * 2 + 1 may leave int32 for an unknown y: the bound is the whole dtype.
  EXPECT_EQ(a.const_int_bound(x), ConstIntBound::of_dtype(DataType::Int(32)));
  Analyzer b;
  b.bind(y, Range::from_min_extent(0, 10));
  b.bind(x, y * 2 + 1);
  EXPECT_EQ(b.const_int_bound(x), (ConstIntBound{1, 19}));
  EXPECT_TRUE(b.can_prove(x < 20));
}

TEST_F(SimplifyTest, LargeExpressionsStayFast) {
  // A deep tree (no shared subtrees): 400 levels of division, min and sums.
  Expr e = x;
  for (int t = 0; t < 400; ++t) e = floordiv(e * 3 + Var("v" + std::to_string(t)), 2) + min(Var("w"), make_int(t));
  Expr s = an.simplify(e);
  EXPECT_TRUE(s.defined());
  // A wide sum of many terms collapses to the affine form.
  Expr sum = make_int(0);
  int64_t cx = 0, cy = 0;
  for (int t = 0; t < 2000; ++t) {
    sum = sum + (t % 2 == 0 ? x : y) * (t % 7);
    (t % 2 == 0 ? cx : cy) += t % 7;
  }
  EXPECT_TRUE(structural_equal(an.simplify(sum), x * make_int(cx) + y * make_int(cy)));
}

TEST(ConstIntBound, Arithmetic) {
  Analyzer an;
  Var i("i"), j("j"), x("x");
  an.bind(i, Range::from_min_extent(0, 32));
  an.bind(j, Range::from_min_extent(-4, 8));
  EXPECT_EQ(an.const_int_bound(i * 4 + j), (ConstIntBound{-4, 127}));
  EXPECT_EQ(an.const_int_bound(i - j), (ConstIntBound{-3, 35}));
  EXPECT_EQ(an.const_int_bound(i * j), (ConstIntBound{-124, 93}));
  EXPECT_EQ(an.const_int_bound(floordiv(j, 4)), (ConstIntBound{-1, 0}));
  EXPECT_EQ(an.const_int_bound(floormod(x, 8)), (ConstIntBound{0, 7}));
  EXPECT_EQ(an.const_int_bound(truncmod(j, 3)), (ConstIntBound{-2, 2}));
  EXPECT_EQ(an.const_int_bound(min(i, j)), (ConstIntBound{-4, 3}));
  EXPECT_EQ(an.const_int_bound(max(i, 40)), (ConstIntBound{40, 40}));
  EXPECT_EQ(an.const_int_bound(x), (ConstIntBound{-2147483648LL, 2147483647LL}));
  Var big("big", DataType::Int(64));
  EXPECT_EQ(an.const_int_bound(big), (ConstIntBound{ConstIntBound::kNegInf, ConstIntBound::kPosInf}));
  EXPECT_EQ(an.const_int_bound(big + 1).max_value, ConstIntBound::kPosInf);
  // Symbolic range: k in [i, i + 4).
  Var k("k");
  an.bind(k, Range::from_min_extent(i, 4));
  EXPECT_EQ(an.const_int_bound(k), (ConstIntBound{0, 34}));
}

TEST(CanProve, IsConservative) {
  Analyzer an;
  Var i("i"), x("x");
  an.bind(i, Range::from_min_extent(0, 16));
  EXPECT_TRUE(an.can_prove(i < 16));
  EXPECT_FALSE(an.can_prove(i < 15));
  EXPECT_FALSE(an.can_prove(x < 15));
  EXPECT_TRUE(an.can_prove(floormod(x, 4) < 4));
  EXPECT_TRUE(an.can_prove_equal(floordiv(x, 4) * 4 + floormod(x, 4), x));
  EXPECT_FALSE(an.can_prove_equal(floordiv(x, 4) * 4, x));
}

}  // namespace
}  // namespace loom::arith
