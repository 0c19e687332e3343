// Tests of the builder operators: dtype promotion, constant folding (with floor/trunc
// rounding on negative numbers), vector broadcast, constants and casts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "expect_error.h"
#include "loom/ir/ir.h"

namespace loom::ir {
namespace {

const DataType i8 = DataType::Int(8);
const DataType i32 = DataType::Int(32);
const DataType i64 = DataType::Int(64);
const DataType u8 = DataType::UInt(8);
const DataType f16 = DataType::Float(16);
const DataType f32 = DataType::Float(32);
const DataType f64 = DataType::Float(64);
const DataType boolean = DataType::Bool();

// ---------------------------------------------------------------------------------------
// Constants.

TEST(Builder, MakeConstPicksTheNodeByDtype) {
  Expr i = make_const(i64, int64_t{5});
  ASSERT_TRUE(i.is<IntImmNode>());
  EXPECT_EQ(i.dtype(), i64);
  Expr f = make_const(f16, int64_t{3});
  ASSERT_TRUE(f.is<FloatImmNode>());
  EXPECT_DOUBLE_EQ(*as_const_float(f), 3.0);
  Expr b = make_const(boolean, int64_t{7});
  EXPECT_TRUE(is_const_true(b));                              // any non-zero is true
  EXPECT_EQ(as_const_int(make_const(i32, 2.9)), 2);           // a double for an int dtype truncates
  EXPECT_EQ(as_const_int(make_const(i8, int64_t{300})), 44);  // wraps to the width: 300 - 256
  EXPECT_EQ(as_const_int(make_const(i8, int64_t{-129})), 127);
  EXPECT_EQ(as_const_int(make_const(u8, int64_t{-1})), 255);
  EXPECT_EQ(make_int(3).dtype(), i32);
  EXPECT_EQ(make_int(3, i64).dtype(), i64);
  EXPECT_EQ(make_float(1.5).dtype(), f32);
  EXPECT_EQ(make_float(1.5, f64).dtype(), f64);
  EXPECT_TRUE(is_const_true(make_bool(true)));
  EXPECT_FALSE(is_const_true(make_bool(false)));
  EXPECT_EQ(as_const_int(make_bool(false)), 0);
}

TEST(Builder, ConstantQueries) {
  EXPECT_TRUE(is_zero(make_int(0)));
  EXPECT_TRUE(is_zero(make_int(0, i64)));
  EXPECT_FALSE(is_zero(make_int(1)));
  EXPECT_FALSE(is_zero(make_float(0.0)));   // only integer constants
  EXPECT_FALSE(is_zero(make_bool(false)));  // bool is not an integer
  EXPECT_TRUE(is_one(make_int(1)));
  EXPECT_FALSE(is_one(make_bool(true)));
  EXPECT_FALSE(is_const_true(make_int(1)));
  EXPECT_FALSE(as_const_int(Var("x")).has_value());
  EXPECT_FALSE(as_const_int(make_float(1.0)).has_value());
  EXPECT_FALSE(as_const_float(make_int(1)).has_value());
  EXPECT_DOUBLE_EQ(*as_const_float(make_float(0.25)), 0.25);
}

TEST(Builder, MaxAndMinValues) {
  EXPECT_EQ(as_const_int(max_value(i8)), 127);
  EXPECT_EQ(as_const_int(min_value(i8)), -128);
  EXPECT_EQ(as_const_int(max_value(i32)), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(as_const_int(min_value(i32)), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(as_const_int(max_value(i64)), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(as_const_int(min_value(i64)), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(as_const_int(max_value(u8)), 255);
  EXPECT_EQ(as_const_int(min_value(u8)), 0);
  EXPECT_DOUBLE_EQ(*as_const_float(max_value(f16)), 65504.0);
  EXPECT_DOUBLE_EQ(*as_const_float(min_value(f16)), -65504.0);
  EXPECT_DOUBLE_EQ(*as_const_float(max_value(f32)), std::numeric_limits<float>::max());
  EXPECT_DOUBLE_EQ(*as_const_float(min_value(f32)), -std::numeric_limits<float>::max());
  EXPECT_DOUBLE_EQ(*as_const_float(max_value(f64)), std::numeric_limits<double>::max());
  EXPECT_DOUBLE_EQ(*as_const_float(max_value(DataType::BFloat16())), 3.3895313892515355e38);
  EXPECT_TRUE(is_const_true(max_value(boolean)));
  EXPECT_USER_ERROR(max_value(DataType::Handle()), "dtype handle has no maximum value");
  EXPECT_USER_ERROR(min_value(DataType::Void()), "dtype void has no minimum value");
}

// ---------------------------------------------------------------------------------------
// Promotion.

TEST(Promotion, IntWithFloatConvertsTheIntToTheFloat) {
  Var i("i"), f("f", f32);
  Expr e = i + f;
  EXPECT_EQ(e.dtype(), f32);
  const auto* add = e.as<AddNode>();
  ASSERT_NE(add, nullptr);
  const auto* c = add->a.as<CastNode>();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->dtype, f32);
  EXPECT_TRUE(c->value.same_as(i));
  EXPECT_TRUE(add->b.same_as(f));
  // The other operand order casts the right side.
  Expr e2 = f * i;
  ASSERT_TRUE(e2.is<MulNode>());
  EXPECT_TRUE(e2.as<MulNode>()->a.same_as(f));
  EXPECT_TRUE(e2.as<MulNode>()->b.is<CastNode>());
  // int64 with float16: the int becomes float16, the float's width is kept.
  Expr e3 = Var("w", i64) - Var("h", f16);
  EXPECT_EQ(e3.dtype(), f16);
  EXPECT_EQ(e3.as<SubNode>()->a.as<CastNode>()->dtype, f16);
}

TEST(Promotion, ConstantTakesTheOtherOperandsDtype) {
  Var x("x"), w("w", i64), h("h", f16);
  // int32 var + int64 constant stays int32 (the constant adapts).
  Expr a = x + make_int(1, i64);
  EXPECT_EQ(a.dtype(), i32);
  ASSERT_TRUE(a.is<AddNode>());
  EXPECT_TRUE(a.as<AddNode>()->a.same_as(x));
  EXPECT_EQ(a.as<AddNode>()->b.dtype(), i32);
  EXPECT_EQ(as_const_int(a.as<AddNode>()->b), 1);
  // int64 var + int32 constant becomes int64, with no Cast node.
  Expr b = w + 1;
  EXPECT_EQ(b.dtype(), i64);
  EXPECT_TRUE(b.as<AddNode>()->b.is<IntImmNode>());
  EXPECT_EQ(b.as<AddNode>()->b.dtype(), i64);
  Expr b2 = 1 + w;  // constant on the left
  EXPECT_EQ(b2.dtype(), i64);
  EXPECT_TRUE(b2.as<AddNode>()->a.is<IntImmNode>());
  // float16 var * float32 constant stays float16.
  Expr c = h * make_float(2.0);
  EXPECT_EQ(c.dtype(), f16);
  EXPECT_EQ(c.as<MulNode>()->b.dtype(), f16);
  // int var + float constant: the float constant is not truncated, the int becomes float.
  Expr d = x + make_float(0.5);
  EXPECT_EQ(d.dtype(), f32);
  EXPECT_TRUE(d.as<AddNode>()->a.is<CastNode>());
  EXPECT_DOUBLE_EQ(*as_const_float(d.as<AddNode>()->b), 0.5);
  // float var + int constant: the constant becomes a float constant.
  Expr e = h + 1;
  EXPECT_EQ(e.dtype(), f16);
  ASSERT_TRUE(e.as<AddNode>()->b.is<FloatImmNode>());
  EXPECT_DOUBLE_EQ(*as_const_float(e.as<AddNode>()->b), 1.0);
}

TEST(Promotion, NarrowerIntOrFloatWidens) {
  Var x("x"), w("w", i64), b8("b", i8);
  Expr e = x * w;
  EXPECT_EQ(e.dtype(), i64);
  EXPECT_EQ(e.as<MulNode>()->a.as<CastNode>()->dtype, i64);
  EXPECT_EQ((b8 + x).dtype(), i32);
  Expr f = Var("h", f16) + Var("d", f64);
  EXPECT_EQ(f.dtype(), f64);
  EXPECT_TRUE(f.as<AddNode>()->a.is<CastNode>());
  EXPECT_EQ(min(Var("s", i8), Var("t", DataType::Int(16))).dtype(), DataType::Int(16));
  EXPECT_EQ(max(x, w).dtype(), i64);
  EXPECT_EQ((x < w).dtype(), boolean);
  EXPECT_EQ((x < w).as<LTNode>()->a.dtype(), i64);
}

TEST(Promotion, IncompatibleDtypesAreRejected) {
  Var x("x"), u("u", DataType::UInt(32));
  EXPECT_USER_ERROR(x + u, "cannot combine operands of dtypes int32 and uint32");
  EXPECT_USER_ERROR(Var("h", f16) + Var("b", DataType::BFloat16()),
                    "cannot combine operands of dtypes float16 and bfloat16");
  EXPECT_USER_ERROR(x + Expr(), "operand is undefined");
}

TEST(Promotion, MatchTypesInPlace) {
  Expr a = Var("x"), b = Var("f", f32);
  match_types(&a, &b);
  EXPECT_EQ(a.dtype(), f32);
  EXPECT_EQ(b.dtype(), f32);
  Expr c = Var("y"), d = Var("z");
  Expr c0 = c, d0 = d;
  match_types(&c, &d);
  EXPECT_TRUE(c.same_as(c0));  // already equal dtypes: untouched
  EXPECT_TRUE(d.same_as(d0));
}

TEST(Promotion, VectorBroadcastsTheScalar) {
  Var x("x"), y("y");
  Expr ramp = RampNode::make(x, make_int(1), 4);
  Expr e = ramp + y;
  EXPECT_EQ(e.dtype(), DataType::Int(32, 4));
  const auto* add = e.as<AddNode>();
  ASSERT_NE(add, nullptr);
  EXPECT_TRUE(add->a.same_as(ramp));
  const auto* bc = add->b.as<BroadcastNode>();
  ASSERT_NE(bc, nullptr);
  EXPECT_EQ(bc->lanes, 4);
  EXPECT_TRUE(bc->value.same_as(y));
  // A constant is broadcast too.
  Expr e2 = 2 * ramp;
  EXPECT_EQ(e2.dtype(), DataType::Int(32, 4));
  EXPECT_TRUE(e2.as<MulNode>()->a.is<BroadcastNode>());
  // Broadcast and promotion together: an int32 vector with a float scalar.
  Expr e3 = ramp + Var("f", f32);
  EXPECT_EQ(e3.dtype(), DataType::Float(32, 4));
  // Vectors of different lanes cannot combine.
  Expr ramp8 = RampNode::make(x, make_int(1), 8);
  EXPECT_USER_ERROR(ramp + ramp8, "cannot combine vectors of 4 and 8 lanes");
}

// ---------------------------------------------------------------------------------------
// Constant folding.

TEST(Folding, ArithmeticOnConstants) {
  EXPECT_EQ(as_const_int(make_int(3) + make_int(4)), 7);
  EXPECT_EQ(as_const_int(make_int(3) - make_int(10)), -7);
  EXPECT_EQ(as_const_int(make_int(6) * make_int(-7)), -42);
  EXPECT_EQ(as_const_int(min(make_int(3), make_int(-2))), -2);
  EXPECT_EQ(as_const_int(max(make_int(3), make_int(-2))), 3);
  EXPECT_EQ(as_const_int(-make_int(5)), -5);
  EXPECT_DOUBLE_EQ(*as_const_float(make_float(1.5) + make_float(2.25)), 3.75);
  EXPECT_DOUBLE_EQ(*as_const_float(make_float(1.0) / make_float(4.0)), 0.25);
  EXPECT_DOUBLE_EQ(*as_const_float(max(make_float(1.0), make_float(-4.0))), 1.0);
  EXPECT_DOUBLE_EQ(*as_const_float(-make_float(2.5)), -2.5);
  // The folded constant keeps the promoted dtype: with two constants, the right one adapts.
  Expr mixed = make_int(2, i64) + make_int(3);
  EXPECT_EQ(mixed.dtype(), i64);
  EXPECT_EQ(as_const_int(mixed), 5);
  Expr fi = make_float(0.5) + make_int(1);
  EXPECT_EQ(fi.dtype(), f32);
  EXPECT_DOUBLE_EQ(*as_const_float(fi), 1.5);
}

TEST(Folding, WrapsAtTheDtypeWidth) {
  Expr big = make_int(std::numeric_limits<int32_t>::max()) + make_int(1);
  EXPECT_EQ(big.dtype(), i32);
  EXPECT_EQ(as_const_int(big), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(as_const_int(make_int(100, i8) + make_int(100, i8)), -56);
  EXPECT_EQ(as_const_int(make_int(0, u8) - make_int(1, u8)), 255);
  Expr big64 = make_int(std::numeric_limits<int64_t>::max(), i64) + make_int(1, i64);
  EXPECT_EQ(as_const_int(big64), std::numeric_limits<int64_t>::min());
}

TEST(Folding, FloorDivAndFloorModRoundTowardNegativeInfinity) {
  struct Case {
    int64_t a, b, div, mod;
  };
  const Case cases[] = {
      {7, 2, 3, 1}, {-7, 2, -4, 1}, {7, -2, -4, -1}, {-7, -2, 3, -1}, {-8, 2, -4, 0},
      {0, 5, 0, 0}, {-1, 4, -1, 3}, {1, -4, -1, -3}, {-4, 4, -1, 0},  {5, 7, 0, 5},
  };
  for (const Case& c : cases) {
    Expr d = floordiv(make_int(c.a), make_int(c.b));
    Expr m = floormod(make_int(c.a), make_int(c.b));
    ASSERT_TRUE(d.is<IntImmNode>()) << c.a << " // " << c.b;
    ASSERT_TRUE(m.is<IntImmNode>()) << c.a << " % " << c.b;
    EXPECT_EQ(as_const_int(d), c.div) << c.a << " // " << c.b;
    EXPECT_EQ(as_const_int(m), c.mod) << c.a << " % " << c.b;
  }
}

TEST(Folding, TruncDivAndTruncModRoundTowardZero) {
  EXPECT_EQ(as_const_int(make_int(-7) / make_int(2)), -3);
  EXPECT_EQ(as_const_int(make_int(-7) % make_int(2)), -1);
  EXPECT_EQ(as_const_int(make_int(7) / make_int(-2)), -3);
  EXPECT_EQ(as_const_int(make_int(7) % make_int(-2)), 1);
  EXPECT_EQ(as_const_int(truncdiv(make_int(-9), make_int(4))), -2);
  EXPECT_EQ(as_const_int(truncmod(make_int(-9), make_int(4))), -1);
}

TEST(Folding, FloorDivModAgreeWithDefinitionOnRandomConstants) {
  const uint32_t seed = 20240611;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> value(-1000, 1000);
  for (int n = 0; n < 2000; ++n) {
    int32_t a = value(rng), b = value(rng);
    if (b == 0 || b == -1) continue;
    auto q = as_const_int(floordiv(make_int(a), make_int(b)));
    auto r = as_const_int(floormod(make_int(a), make_int(b)));
    ASSERT_TRUE(q && r) << "seed " << seed << ": " << a << ", " << b;
    // a == b * q + r, and r has the sign of b with |r| < |b|.
    ASSERT_EQ(int64_t{b} * *q + *r, a) << "seed " << seed << ": " << a << ", " << b;
    ASSERT_TRUE(b > 0 ? (*r >= 0 && *r < b) : (*r <= 0 && *r > b)) << "seed " << seed << ": " << a << ", " << b;
    ASSERT_EQ(*q, static_cast<int64_t>(std::floor(static_cast<double>(a) / b))) << "seed " << seed;
  }
}

TEST(Folding, DivisionByZeroIsNotFolded) {
  Expr d = floordiv(make_int(4), make_int(0));
  ASSERT_TRUE(d.is<FloorDivNode>());
  EXPECT_TRUE(floormod(make_int(4), make_int(0)).is<FloorModNode>());
  EXPECT_TRUE((make_int(4) / make_int(0)).is<DivNode>());
  EXPECT_TRUE((make_int(4) % make_int(0)).is<ModNode>());
}

TEST(Folding, ComparisonsFoldToBool) {
  Expr lt = make_int(3) < make_int(4);
  EXPECT_EQ(lt.dtype(), boolean);
  EXPECT_TRUE(is_const_true(lt));
  EXPECT_FALSE(is_const_true(make_int(4) < make_int(4)));
  EXPECT_TRUE(is_const_true(make_int(4) <= make_int(4)));
  EXPECT_TRUE(is_const_true(make_int(5) > make_int(4)));
  EXPECT_TRUE(is_const_true(make_int(4) >= make_int(4)));
  EXPECT_TRUE(is_const_true(eq(make_int(4), make_int(4, i64))));
  EXPECT_TRUE(is_const_true(ne(make_int(4), make_int(5))));
  EXPECT_TRUE(is_const_true(make_float(0.5) < make_float(1.0)));
  EXPECT_TRUE(is_const_true(eq(make_int(1), make_float(1.0))));  // promoted to float, then folded
  EXPECT_TRUE((Var("x") < make_int(4)).is<LTNode>());
}

TEST(Folding, NonConstantOperandsBuildNodes) {
  Var x("x");
  EXPECT_TRUE((x + 0).is<AddNode>());  // folding is of constants only, not algebra
  EXPECT_TRUE((x * 1).is<MulNode>());
  EXPECT_TRUE(floordiv(x, 4).is<FloorDivNode>());
  EXPECT_TRUE(floormod(x, 4).is<FloorModNode>());
  EXPECT_TRUE((x / 4).is<DivNode>());
  EXPECT_TRUE((x % 4).is<ModNode>());
  EXPECT_TRUE(min(x, 4).is<MinNode>());
  EXPECT_TRUE(max(x, 4).is<MaxNode>());
  EXPECT_TRUE(ne(x, 4).is<NENode>());
  // Unary minus of a variable is 0 - x.
  Expr neg = -x;
  ASSERT_TRUE(neg.is<SubNode>());
  EXPECT_TRUE(is_zero(neg.as<SubNode>()->a));
  EXPECT_TRUE(neg.as<SubNode>()->b.same_as(x));
  // Vector constants are not folded.
  Expr v = BroadcastNode::make(make_int(2), 4);
  EXPECT_TRUE((v + v).is<AddNode>());
}

TEST(Folding, FloatOnlyOperatorsRejectFloats) {
  Var f("f", f32);
  EXPECT_USER_ERROR(floordiv(f, f), "FloorDiv: operands must be integers, got float32");
  EXPECT_USER_ERROR(floormod(f, make_int(2)), "FloorMod: operands must be integers, got float32");
  EXPECT_TRUE((f / f).is<DivNode>());
  EXPECT_EQ((f / 2).dtype(), f32);
}

// ---------------------------------------------------------------------------------------
// Logic, select, casts and calls.

TEST(Logic, AndOrNot) {
  Var p("p", boolean), q("q", boolean);
  EXPECT_TRUE(logical_and(p, q).is<AndNode>());
  EXPECT_TRUE(logical_and(make_bool(true), q).same_as(q));  // true and q == q
  EXPECT_TRUE(logical_and(p, make_bool(true)).same_as(p));
  EXPECT_TRUE(logical_or(p, q).is<OrNode>());
  Expr n = logical_not(p);
  ASSERT_TRUE(n.is<NotNode>());
  EXPECT_TRUE(n.as<NotNode>()->a.same_as(p));
  EXPECT_TRUE(is_const_true(logical_not(make_bool(false))));
  EXPECT_FALSE(is_const_true(logical_not(make_bool(true))));
  EXPECT_TRUE(logical_not(make_bool(true)).is<IntImmNode>());
  EXPECT_USER_ERROR(logical_and(Var("x"), q), "And: operands have different dtypes");
  EXPECT_USER_ERROR(logical_or(Var("x"), Var("y")), "Or: operands must be bool, got int32");
  EXPECT_USER_ERROR(logical_not(Var("x")), "not: operand must be bool, got int32");
}

TEST(SelectAndIfThenElse, PromoteBranches) {
  Var p("p", boolean), x("x"), f("f", f32);
  Expr s = select(p, x, f);
  ASSERT_TRUE(s.is<SelectNode>());
  EXPECT_EQ(s.dtype(), f32);
  EXPECT_TRUE(s.as<SelectNode>()->true_value.is<CastNode>());
  Expr s2 = select(p, x, 0);
  EXPECT_EQ(s2.dtype(), i32);
  Expr ite = if_then_else(p, f, 0);
  ASSERT_TRUE(ite.is<CallNode>());
  EXPECT_EQ(ite.as<CallNode>()->op, Intrinsic::if_then_else);
  EXPECT_EQ(ite.dtype(), f32);
  EXPECT_TRUE(ite.as<CallNode>()->args[2].is<FloatImmNode>());
  EXPECT_USER_ERROR(select(x, x, x), "Select: condition must be bool, got int32");
}

TEST(Cast, FoldsConstantsAndSkipsNoOps) {
  Var x("x");
  EXPECT_TRUE(cast(i32, x).same_as(x));
  Expr c = cast(f32, x);
  ASSERT_TRUE(c.is<CastNode>());
  EXPECT_EQ(c.dtype(), f32);
  Expr k = cast(f32, make_int(3));
  ASSERT_TRUE(k.is<FloatImmNode>());
  EXPECT_DOUBLE_EQ(*as_const_float(k), 3.0);
  Expr w = cast(i8, make_int(300));
  ASSERT_TRUE(w.is<IntImmNode>());
  EXPECT_EQ(as_const_int(w), 44);
  Expr h = cast(f16, make_float(1.5));
  ASSERT_TRUE(h.is<FloatImmNode>());
  EXPECT_EQ(h.dtype(), f16);
  Expr big = cast(f64, make_const(DataType::UInt(64), int64_t{-1}));  // uint64 max as a float
  EXPECT_DOUBLE_EQ(*as_const_float(big), 18446744073709551615.0);
  // A scalar cast to a vector dtype casts then broadcasts.
  Expr v = cast(DataType::Float(32, 4), x);
  ASSERT_TRUE(v.is<BroadcastNode>());
  EXPECT_EQ(v.dtype(), DataType::Float(32, 4));
  EXPECT_TRUE(v.as<BroadcastNode>()->value.is<CastNode>());
}

TEST(Call, IntegerArgumentsOfMathFunctionsBecomeFloat32) {
  Var x("x"), f("f", f32);
  Expr e = call(Intrinsic::exp, {x});
  EXPECT_EQ(e.dtype(), f32);
  EXPECT_TRUE(e.as<CallNode>()->args[0].is<CastNode>());
  Expr a = call(Intrinsic::abs, {x});
  EXPECT_EQ(a.dtype(), i32);  // abs keeps integers
  EXPECT_TRUE(a.as<CallNode>()->args[0].same_as(x));
  Expr p = call(Intrinsic::pow, {f, 2});
  EXPECT_EQ(p.dtype(), f32);
  EXPECT_TRUE(p.as<CallNode>()->args[1].is<FloatImmNode>());
  Expr ite = call(Intrinsic::if_then_else, {Var("c", boolean), x, 1});
  EXPECT_EQ(ite.dtype(), i32);
  EXPECT_USER_ERROR(call(Intrinsic::sqrt, {f, f}), "T.sqrt takes 1 argument(s), got 2");
}

// ---------------------------------------------------------------------------------------
// Regression tests for bugs found by this suite (they failed before the fix).

// A constant that adapts to the other operand's dtype is wrapped when it does not fit: an
// int64 constant 2^40 added to an int32 variable becomes x + 0. The constant should only
// adapt when its value fits (else the variable widens, as TVM does, or a UserError).
TEST(FixedBugs, PromotionDoesNotWrapAnOutOfRangeConstant) {
  Var x("x");
  Expr e = x + make_int(int64_t{1} << 40, i64);
  EXPECT_EQ(e.dtype(), i64);
  ASSERT_TRUE(e.is<AddNode>());
  EXPECT_EQ(as_const_int(e.as<AddNode>()->b), int64_t{1} << 40);
}

// Folding compares and orders uint64 constants as signed int64: max_value(uint64) > 1 folds
// to False and min(uint64 max, 1) to uint64 max.
TEST(FixedBugs, Uint64FoldingIsUnsigned) {
  const DataType u64 = DataType::UInt(64);
  EXPECT_TRUE(is_const_true(max_value(u64) > make_const(u64, int64_t{1})));
  EXPECT_EQ(as_const_int(min(max_value(u64), make_const(u64, int64_t{1}))), 1);
  EXPECT_EQ(as_const_int(floordiv(max_value(u64), make_const(u64, int64_t{2}))), std::numeric_limits<int64_t>::max());
}

// FloatImmNode::make rejects float32 constants beyond the float32 range but accepts any
// float16 value: 1e6 is not representable in float16 (max 65504).
TEST(FixedBugs, Float16ConstantRangeIsChecked) { EXPECT_USER_ERROR(make_float(1e6, f16), "does not fit in float16"); }

}  // namespace
}  // namespace loom::ir
