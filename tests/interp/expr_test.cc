// Tests of expression evaluation: every expression node kind, integer wrap-around, the four
// division flavours on every sign combination, float rounding per operation for every float
// dtype, casts, comparisons, logic, the math intrinsics and the lazy if_then_else.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "interp_test_util.h"
#include "loom/interp/float16.h"

namespace loom::interp {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)
using ir::Intrinsic;

template <ir::NodeKind K>
Expr bin(Expr a, Expr b) {
  return ir::BinaryNode<K>::make(std::move(a), std::move(b));
}
constexpr auto kAdd = bin<ir::NodeKind::Add>;
constexpr auto kSub = bin<ir::NodeKind::Sub>;
constexpr auto kMul = bin<ir::NodeKind::Mul>;
constexpr auto kDiv = bin<ir::NodeKind::Div>;
constexpr auto kMod = bin<ir::NodeKind::Mod>;
constexpr auto kFloorDiv = bin<ir::NodeKind::FloorDiv>;
constexpr auto kFloorMod = bin<ir::NodeKind::FloorMod>;
constexpr auto kMin = bin<ir::NodeKind::Min>;
constexpr auto kMax = bin<ir::NodeKind::Max>;

int64_t eval_int(DataType t, Expr (*fn)(Expr, Expr), int64_t a, int64_t b) {
  return eval_binary(t, fn, a, b).get_int(0);
}
double eval_float(DataType t, Expr (*fn)(Expr, Expr), double a, double b) {
  return eval_binary(t, fn, a, b).get_double(0);
}

TEST(Expr, Constants) {
  EXPECT_EQ(eval_expr(ir::IntImmNode::make(DataType::Int(8), -5)).get_int(0), -5);
  EXPECT_EQ(eval_expr(ir::IntImmNode::make(DataType::UInt(64), -1)).to_string(), "[18446744073709551615]");
  EXPECT_EQ(eval_expr(ir::IntImmNode::make(DataType::Bool(), 1)).get_int(0), 1);
  EXPECT_EQ(eval_expr(ir::FloatImmNode::make(DataType::Float(32), 0.1)).get_double(0), static_cast<double>(0.1f));
  EXPECT_EQ(eval_expr(ir::FloatImmNode::make(DataType::Float(64), 0.1)).get_double(0), 0.1);
  EXPECT_EQ(eval_expr(ir::FloatImmNode::make(DataType::Float(16), 0.1)).get_double(0), 0.0999755859375);
  EXPECT_EQ(eval_expr(ir::FloatImmNode::make(DataType::BFloat16(), 0.1)).get_double(0), 0.10009765625);
}

TEST(Expr, VariablesTakeTheirArguments) {
  EXPECT_EQ(eval_unary(
                DataType::Int(32), [](Expr a) { return a; }, 7)
                .get_int(0),
            7);
  EXPECT_EQ(eval_unary(
                DataType::Float(64), [](Expr a) { return a; }, 2.5)
                .get_double(0),
            2.5);
  // A float16 parameter rounds its argument.
  EXPECT_EQ(eval_unary(
                DataType::Float(16), [](Expr a) { return a; }, 0.1)
                .get_double(0),
            0.0999755859375);
}

TEST(Expr, IntegerArithmeticWrapsAtTheDtypeWidth) {
  const DataType i8 = DataType::Int(8), i32 = DataType::Int(32), i64 = DataType::Int(64);
  const DataType u8 = DataType::UInt(8), u16 = DataType::UInt(16), u32 = DataType::UInt(32);
  EXPECT_EQ(eval_int(i8, kAdd, 127, 1), -128);
  EXPECT_EQ(eval_int(i8, kSub, -128, 1), 127);
  EXPECT_EQ(eval_int(i8, kMul, 16, 16), 0);
  EXPECT_EQ(eval_int(i8, kMul, 15, 9), static_cast<int8_t>(135));
  EXPECT_EQ(eval_int(i32, kAdd, std::numeric_limits<int32_t>::max(), 1), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(eval_int(i32, kMul, 65536, 65536), 0);
  EXPECT_EQ(eval_int(i32, kMul, 46341, 46341), static_cast<int32_t>(2147488281u));
  EXPECT_EQ(eval_int(i64, kAdd, std::numeric_limits<int64_t>::max(), 1), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(eval_int(u8, kSub, 0, 1), 255);
  EXPECT_EQ(eval_int(u8, kAdd, 200, 100), 44);
  EXPECT_EQ(eval_int(u16, kMul, 300, 300), 90000 % 65536);
  EXPECT_EQ(eval_int(u32, kAdd, 4000000000, 400000000), (4400000000 % 4294967296));
  EXPECT_EQ(eval_int(i32, kAdd, 2, 3), 5);
  EXPECT_EQ(eval_int(i32, kSub, 2, 3), -1);
  EXPECT_EQ(eval_int(i32, kMul, -4, 3), -12);
}

TEST(Expr, UInt64UsesTheFullUnsignedRange) {
  // cast(uint64, -1) is UINT64_MAX; dividing by 2 is an unsigned division.
  Var a("a", DataType::Int(64));
  Expr max = ir::CastNode::make(DataType::UInt(64), a);
  Expr two = ir::IntImmNode::make(DataType::UInt(64), 2);
  Buffer out = make_buffer("out", DataType::UInt(64), {3});
  Buffer flag = make_buffer("flag", DataType::Bool(), {1});
  PrimFunc f = make_func("u64", {a, out, flag},
                         seq({store(out, kDiv(max, two), {0}), store(out, kAdd(max, two), {1}),
                              store(out, kMod(max, ir::IntImmNode::make(DataType::UInt(64), 10)), {2}),
                              store(flag, bin<ir::NodeKind::GT>(max, two), {0})}));
  NDArray o(DataType::UInt(64), {3});
  NDArray g(DataType::Bool(), {1});
  run(f, {int64_t{-1}, o, g});
  EXPECT_EQ(o.get_int(0), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(o.get_int(1), 1);
  EXPECT_EQ(static_cast<uint64_t>(o.get_int(2)), 5u);
  EXPECT_EQ(g.get_int(0), 1);
}

TEST(Expr, DivisionFlavoursOnEverySignCombination) {
  // truncdiv/truncmod round toward zero (C); floordiv/floormod toward negative infinity.
  struct Case {
    int64_t a, b, div, mod, floordiv, floormod;
  };
  const Case cases[] = {{7, 2, 3, 1, 3, 1},     {-7, 2, -3, -1, -4, 1}, {7, -2, -3, 1, -4, -1},
                        {-7, -2, 3, -1, 3, -1}, {6, 3, 2, 0, 2, 0},     {-6, 3, -2, 0, -2, 0},
                        {0, -5, 0, 0, 0, 0},    {1, 5, 0, 1, 0, 1},     {-1, 5, 0, -1, -1, 4}};
  Var a("a"), b("b");
  Buffer out = make_buffer("out", DataType::Int(32), {4});
  PrimFunc f = make_func("div", {a, b, out},
                         seq({store(out, kDiv(a, b), {0}), store(out, kMod(a, b), {1}),
                              store(out, kFloorDiv(a, b), {2}), store(out, kFloorMod(a, b), {3})}));
  for (const Case& c : cases) {
    NDArray o(DataType::Int(32), {4});
    run(f, {c.a, c.b, o});
    EXPECT_EQ(o.get_int(0), c.div) << c.a << " / " << c.b;
    EXPECT_EQ(o.get_int(1), c.mod) << c.a << " % " << c.b;
    EXPECT_EQ(o.get_int(2), c.floordiv) << c.a << " // " << c.b;
    EXPECT_EQ(o.get_int(3), c.floormod) << c.a << " floormod " << c.b;
  }
  // Exhaustively on a small square, against the definitions.
  for (int64_t x = -20; x <= 20; ++x) {
    for (int64_t y = -7; y <= 7; ++y) {
      if (y == 0) continue;
      NDArray o(DataType::Int(32), {4});
      run(f, {x, y, o});
      const int64_t fd = static_cast<int64_t>(std::floor(static_cast<double>(x) / static_cast<double>(y)));
      ASSERT_EQ(o.get_int(0), x / y) << x << ", " << y;
      ASSERT_EQ(o.get_int(1), x % y) << x << ", " << y;
      ASSERT_EQ(o.get_int(2), fd) << x << ", " << y;
      ASSERT_EQ(o.get_int(3), x - y * fd) << x << ", " << y;
    }
  }
}

TEST(Expr, DivisionOverflowWraps) {
  const DataType i8 = DataType::Int(8), i32 = DataType::Int(32), i64 = DataType::Int(64);
  EXPECT_EQ(eval_int(i8, kDiv, -128, -1), -128);
  EXPECT_EQ(eval_int(i32, kDiv, std::numeric_limits<int32_t>::min(), -1), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(eval_int(i32, kMod, std::numeric_limits<int32_t>::min(), -1), 0);
  EXPECT_EQ(eval_int(i64, kFloorDiv, std::numeric_limits<int64_t>::min(), -1), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(eval_int(i64, kFloorMod, std::numeric_limits<int64_t>::min(), -1), 0);
  EXPECT_EQ(eval_int(i64, kDiv, std::numeric_limits<int64_t>::min(), -1), std::numeric_limits<int64_t>::min());
  // Unsigned operands divide as unsigned.
  EXPECT_EQ(eval_int(DataType::UInt(32), kDiv, 4000000000, 3), 1333333333);
  EXPECT_EQ(eval_int(DataType::UInt(8), kFloorMod, 250, 7), 250 % 7);
}

TEST(Expr, FloatArithmeticRoundsPerOperation) {
  const DataType f16 = DataType::Float(16), bf16 = DataType::BFloat16(), f32 = DataType::Float(32),
                 f64 = DataType::Float(64);
  // (a + b) + b with a on a coarse grid: each addition rounds back, so the sum never moves.
  auto twice = [](Expr a, Expr b) { return kAdd(kAdd(a, b), b); };
  EXPECT_EQ(eval_binary(f16, twice, 2048.0, 1.0).get_double(0), 2048.0);
  EXPECT_EQ(eval_binary(bf16, twice, 256.0, 1.0).get_double(0), 256.0);
  EXPECT_EQ(eval_binary(f32, twice, 1e8, 4.0).get_double(0), 1e8);
  EXPECT_EQ(eval_binary(f64, twice, 1e8, 4.0).get_double(0), 1e8 + 8);
  EXPECT_EQ(eval_float(f32, kDiv, 1.0, 3.0), static_cast<double>(1.0f / 3.0f));
  EXPECT_EQ(eval_float(f64, kDiv, 1.0, 3.0), 1.0 / 3.0);
  EXPECT_EQ(eval_float(f16, kDiv, 1.0, 3.0), 0.333251953125);
  EXPECT_EQ(eval_float(f16, kMul, 300.0, 300.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(eval_float(f32, kSub, 0.5, 0.25), 0.25);
  EXPECT_EQ(eval_float(f32, kMod, -7.5, 2.0), -1.5);
  EXPECT_EQ(eval_float(f32, kDiv, 1.0, 0.0), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(eval_float(f32, kDiv, 0.0, 0.0)));
  EXPECT_EQ(eval_float(f32, kMin, -1.5, 2.0), -1.5);
  EXPECT_EQ(eval_float(f64, kMax, -1.5, 2.0), 2.0);
  // float16 arithmetic happens in float32: 0.1h * 3 rounds once, from the float product.
  const double tenth = round_to_float16(0.1);
  EXPECT_EQ(eval_float(f16, kMul, tenth, 3.0), round_to_float16(static_cast<float>(tenth) * 3.0f));
}

TEST(Expr, MinMaxCompareByDtype) {
  EXPECT_EQ(eval_int(DataType::Int(8), kMin, -100, 100), -100);
  EXPECT_EQ(eval_int(DataType::Int(8), kMax, -100, 100), 100);
  EXPECT_EQ(eval_int(DataType::UInt(8), kMin, 200, 100), 100);
  EXPECT_EQ(eval_int(DataType::UInt(32), kMax, 4000000000, 7), 4000000000);
  EXPECT_EQ(eval_int(DataType::Int(64), kMin, -3, -4), -4);
}

TEST(Expr, Comparisons) {
  using K = ir::NodeKind;
  Expr (*ops[])(Expr, Expr) = {bin<K::EQ>, bin<K::NE>, bin<K::LT>, bin<K::LE>, bin<K::GT>, bin<K::GE>};
  auto check = [&](DataType t, Arg a, Arg b, std::vector<int> want) {
    for (size_t i = 0; i < 6; ++i) {
      NDArray r = eval_binary(t, ops[i], a, b);
      EXPECT_EQ(r.dtype(), DataType::Bool());
      EXPECT_EQ(r.get_int(0), want[i]) << t.to_string() << " op " << i;
    }
  };
  check(DataType::Int(32), -1, 1, {0, 1, 1, 1, 0, 0});
  check(DataType::Int(32), 3, 3, {1, 0, 0, 1, 0, 1});
  check(DataType::UInt(32), 4000000000, 1, {0, 1, 0, 0, 1, 1});  // unsigned order
  check(DataType::Int(8), -128, 127, {0, 1, 1, 1, 0, 0});
  check(DataType::Float(32), 0.5, -0.5, {0, 1, 0, 0, 1, 1});
  check(DataType::Float(64), std::nan(""), 1.0, {0, 1, 0, 0, 0, 0});
  check(DataType::Float(16), 2048.0, 2049.0, {1, 0, 0, 1, 0, 1});  // equal after rounding
}

TEST(Expr, LogicalOperators) {
  using K = ir::NodeKind;
  for (int x = 0; x <= 1; ++x) {
    for (int y = 0; y <= 1; ++y) {
      EXPECT_EQ(eval_binary(DataType::Bool(), bin<K::And>, x, y).get_int(0), x && y);
      EXPECT_EQ(eval_binary(DataType::Bool(), bin<K::Or>, x, y).get_int(0), x || y);
    }
    EXPECT_EQ(eval_unary(
                  DataType::Bool(), [](Expr a) { return ir::NotNode::make(a); }, x)
                  .get_int(0),
              !x);
  }
}

TEST(Expr, SelectPicksAndEvaluatesBothSides) {
  Var c("c", DataType::Bool());
  Buffer a = make_buffer("A", DataType::Int(32), {2});
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  auto func_for = [&](Expr false_index) {
    return make_func("sel", {c, a, out},
                     store(out, ir::SelectNode::make(c, load(a, {0}), load(a, {false_index})), {0}));
  };
  NDArray arr = NDArray::from_ints(DataType::Int(32), {2}, {10, 20});
  NDArray o(DataType::Int(32), {1});
  run(func_for(1), {1, arr, o});
  EXPECT_EQ(o.get_int(0), 10);
  run(func_for(1), {0, arr, o});
  EXPECT_EQ(o.get_int(0), 20);
  // Select is not lazy: the unselected out-of-bounds load still fails.
  EXPECT_EQ(error_of([&] {
              run(func_for(5), {1, arr, o});
            }),
            "out-of-bounds load from A[5]: shape is (2,), in function \"sel\"");
}

TEST(Expr, IfThenElseIsLazy) {
  Var i("i");
  Buffer a = make_buffer("A", DataType::Int(32), {4});
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  Expr guarded = ir::if_then_else(i < 4, load(a, {i}), ir::make_int(-1));
  PrimFunc f = make_func("ite", {i, a, out}, store(out, guarded, {0}));
  NDArray arr = NDArray::from_ints(DataType::Int(32), {4}, {5, 6, 7, 8});
  NDArray o(DataType::Int(32), {1});
  run(f, {2, arr, o});
  EXPECT_EQ(o.get_int(0), 7);
  run(f, {10, arr, o});  // the load A[10] is never evaluated
  EXPECT_EQ(o.get_int(0), -1);
}

TEST(Expr, Casts) {
  auto cast_to = [](DataType to) { return [to](Expr a) { return ir::CastNode::make(to, a); }; };
  const DataType f32 = DataType::Float(32), f64 = DataType::Float(64);
  // float -> int truncates toward zero and saturates; NaN gives 0.
  EXPECT_EQ(eval_unary(f32, cast_to(DataType::Int(32)), 2.7).get_int(0), 2);
  EXPECT_EQ(eval_unary(f32, cast_to(DataType::Int(32)), -2.7).get_int(0), -2);
  EXPECT_EQ(eval_unary(f32, cast_to(DataType::Int(8)), 1000.0).get_int(0), 127);
  EXPECT_EQ(eval_unary(f32, cast_to(DataType::Int(8)), -1000.0).get_int(0), -128);
  EXPECT_EQ(eval_unary(f32, cast_to(DataType::UInt(8)), -3.0).get_int(0), 0);
  EXPECT_EQ(eval_unary(f64, cast_to(DataType::Int(64)), 1e30).get_int(0), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(eval_unary(f64, cast_to(DataType::Int(32)), std::nan("")).get_int(0), 0);
  // int -> narrower int wraps; widening keeps the value (sign- or zero-extended).
  EXPECT_EQ(eval_unary(DataType::Int(32), cast_to(DataType::Int(8)), 300).get_int(0), 44);
  EXPECT_EQ(eval_unary(DataType::Int(32), cast_to(DataType::UInt(8)), -1).get_int(0), 255);
  EXPECT_EQ(eval_unary(DataType::Int(8), cast_to(DataType::Int(64)), -5).get_int(0), -5);
  EXPECT_EQ(eval_unary(DataType::UInt(8), cast_to(DataType::Int(32)), 250).get_int(0), 250);
  // int -> float rounds to nearest even.
  EXPECT_EQ(eval_unary(DataType::Int(32), cast_to(DataType::Float(16)), 2049).get_double(0), 2048.0);
  EXPECT_EQ(eval_unary(DataType::Int(32), cast_to(f32), 16777217).get_double(0), 16777216.0);
  EXPECT_EQ(eval_unary(DataType::Int(64), cast_to(DataType::UInt(64)), -1).get_double(0), 18446744073709551615.0);
  // float64 -> float16 rounds once: via float32 this would be a tie and round down to 1.
  const double x = 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40);
  EXPECT_EQ(eval_unary(f64, cast_to(DataType::Float(16)), x).get_double(0), 1.0 + std::ldexp(1.0, -10));
  EXPECT_EQ(eval_unary(f64, cast_to(DataType::BFloat16()), 0.1).get_double(0), 0.10009765625);
  EXPECT_EQ(eval_unary(DataType::Float(16), cast_to(f32), 0.1).get_double(0), 0.0999755859375);
  // bool conversions.
  EXPECT_EQ(eval_unary(f32, cast_to(DataType::Bool()), 0.25).get_int(0), 1);
  EXPECT_EQ(eval_unary(f32, cast_to(DataType::Bool()), 0.0).get_int(0), 0);
  EXPECT_EQ(eval_unary(DataType::Int(32), cast_to(DataType::Bool()), -4).get_int(0), 1);
  EXPECT_EQ(eval_unary(DataType::Bool(), cast_to(f32), 1).get_double(0), 1.0);
  EXPECT_EQ(eval_unary(DataType::Bool(), cast_to(DataType::Int(8)), 1).get_int(0), 1);
}

TEST(Expr, MathIntrinsicsMatchTheCLibraryInTheDtypePrecision) {
  struct Case {
    Intrinsic op;
    double x;
    float (*f)(float);
    double (*d)(double);
  };
  const Case cases[] = {
      {Intrinsic::exp, 0.7, [](float v) { return std::exp(v); }, [](double v) { return std::exp(v); }},
      {Intrinsic::exp2, 0.7, [](float v) { return std::exp2(v); }, [](double v) { return std::exp2(v); }},
      {Intrinsic::exp10, 0.7, [](float v) { return std::pow(10.0f, v); }, [](double v) { return std::pow(10.0, v); }},
      {Intrinsic::log, 0.7, [](float v) { return std::log(v); }, [](double v) { return std::log(v); }},
      {Intrinsic::log2, 0.7, [](float v) { return std::log2(v); }, [](double v) { return std::log2(v); }},
      {Intrinsic::log10, 0.7, [](float v) { return std::log10(v); }, [](double v) { return std::log10(v); }},
      {Intrinsic::log1p, 0.7, [](float v) { return std::log1p(v); }, [](double v) { return std::log1p(v); }},
      {Intrinsic::sqrt, 0.7, [](float v) { return std::sqrt(v); }, [](double v) { return std::sqrt(v); }},
      {Intrinsic::rsqrt, 0.7, [](float v) { return 1.0f / std::sqrt(v); }, [](double v) { return 1.0 / std::sqrt(v); }},
      {Intrinsic::sigmoid, -0.7, [](float v) { return 1.0f / (1.0f + std::exp(-v)); },
       [](double v) { return 1.0 / (1.0 + std::exp(-v)); }},
      {Intrinsic::tanh, 0.7, [](float v) { return std::tanh(v); }, [](double v) { return std::tanh(v); }},
      {Intrinsic::sin, 0.7, [](float v) { return std::sin(v); }, [](double v) { return std::sin(v); }},
      {Intrinsic::cos, 0.7, [](float v) { return std::cos(v); }, [](double v) { return std::cos(v); }},
      {Intrinsic::tan, 0.7, [](float v) { return std::tan(v); }, [](double v) { return std::tan(v); }},
      {Intrinsic::atan, 0.7, [](float v) { return std::atan(v); }, [](double v) { return std::atan(v); }},
      {Intrinsic::erf, 0.7, [](float v) { return std::erf(v); }, [](double v) { return std::erf(v); }},
      {Intrinsic::abs, -0.7, [](float v) { return std::fabs(v); }, [](double v) { return std::fabs(v); }},
      {Intrinsic::floor, -0.7, [](float v) { return std::floor(v); }, [](double v) { return std::floor(v); }},
      {Intrinsic::ceil, -0.7, [](float v) { return std::ceil(v); }, [](double v) { return std::ceil(v); }},
      {Intrinsic::round, 2.5, [](float v) { return std::nearbyint(v); }, [](double v) { return std::nearbyint(v); }},
      {Intrinsic::trunc, -2.7, [](float v) { return std::trunc(v); }, [](double v) { return std::trunc(v); }},
  };
  for (const Case& c : cases) {
    auto fn = [&c](Expr a) { return ir::CallNode::make(c.op, {a}); };
    const float xf = static_cast<float>(c.x);
    EXPECT_EQ(eval_unary(DataType::Float(32), fn, c.x).get_double(0), static_cast<double>(c.f(xf)))
        << ir::intrinsic_name(c.op);
    EXPECT_EQ(eval_unary(DataType::Float(64), fn, c.x).get_double(0), c.d(c.x)) << ir::intrinsic_name(c.op);
    const float xh = round_to_float16(c.x);
    EXPECT_EQ(eval_unary(DataType::Float(16), fn, c.x).get_double(0), round_to_float16(c.f(xh)))
        << ir::intrinsic_name(c.op);
  }
  auto pow_fn = [](Expr a, Expr b) { return ir::CallNode::make(Intrinsic::pow, {a, b}); };
  auto fmod_fn = [](Expr a, Expr b) { return ir::CallNode::make(Intrinsic::fmod, {a, b}); };
  EXPECT_EQ(eval_binary(DataType::Float(32), pow_fn, 1.5, 2.5).get_double(0), std::pow(1.5f, 2.5f));
  EXPECT_EQ(eval_binary(DataType::Float(64), pow_fn, 1.5, 2.5).get_double(0), std::pow(1.5, 2.5));
  EXPECT_EQ(eval_binary(DataType::Float(64), fmod_fn, -7.5, 2.0).get_double(0), -1.5);
}

TEST(Expr, RoundTiesToEven) {
  auto fn = [](Expr a) { return ir::CallNode::make(Intrinsic::round, {a}); };
  EXPECT_EQ(eval_unary(DataType::Float(32), fn, 2.5).get_double(0), 2.0);
  EXPECT_EQ(eval_unary(DataType::Float(32), fn, 3.5).get_double(0), 4.0);
  EXPECT_EQ(eval_unary(DataType::Float(32), fn, -2.5).get_double(0), -2.0);
  EXPECT_EQ(eval_unary(DataType::Float(32), fn, 2.6).get_double(0), 3.0);
}

TEST(Expr, IntegerAbsWraps) {
  auto fn = [](Expr a) { return ir::CallNode::make(Intrinsic::abs, {a}); };
  EXPECT_EQ(eval_unary(DataType::Int(32), fn, -5).get_int(0), 5);
  EXPECT_EQ(eval_unary(DataType::Int(8), fn, -128).get_int(0), -128);
  EXPECT_EQ(eval_unary(DataType::UInt(8), fn, 200).get_int(0), 200);
}

TEST(Expr, BufferLoadReadsTheIndexedElement) {
  Var i("i"), j("j");
  Buffer a = make_buffer("A", DataType::Int(32), {3, 4});
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  PrimFunc f = make_func("ld", {i, j, a, out}, store(out, load(a, {i, j}), {0}));
  NDArray arr(DataType::Int(32), {3, 4});
  for (int64_t k = 0; k < 12; ++k) arr.set_int(k, k * 10);
  NDArray o(DataType::Int(32), {1});
  run(f, {2, 1, arr, o});
  EXPECT_EQ(o.get_int(0), 90);
}

/// B[i] = A[i] * 3 - 1 for every dtype on random data, against the same computation done
/// in C++ with per-operation rounding or wrap-around.
TEST(Expr, EveryDtypeComputesLikeCpp) {
  const DataType dtypes[] = {DataType::Int(8),    DataType::Int(16),    DataType::Int(32),   DataType::Int(64),
                             DataType::UInt(8),   DataType::UInt(16),   DataType::UInt(32),  DataType::UInt(64),
                             DataType::Float(16), DataType::BFloat16(), DataType::Float(32), DataType::Float(64)};
  const uint64_t seed = 99;
  for (DataType t : dtypes) {
    Buffer a = make_buffer("A", t, {64});
    Buffer b = make_buffer("B", t, {64});
    Var i("i");
    Expr value = kSub(kMul(load(a, {i}), ir::make_const(t, int64_t{3})), ir::make_const(t, int64_t{1}));
    PrimFunc f = make_func("affine", {a, b}, loop(i, 64, store(b, value, {i})));
    NDArray in(t, {64});
    in.fill_random(seed);
    NDArray out(t, {64});
    run(f, {in, out});
    NDArray want(t, {64});
    for (int64_t k = 0; k < 64; ++k) {
      if (t.is_float()) {
        const double x = in.get_double(k);
        double r = 0;
        if (t.bits() == 64) {
          r = x * 3 - 1;
        } else {
          auto round = [t](float v) -> float {
            if (t.is_bfloat16()) return round_to_bfloat16(v);
            if (t.bits() == 16) return round_to_float16(v);
            return v;
          };
          r = round(round(static_cast<float>(x) * 3.0f) - 1.0f);
        }
        want.set_double(k, r);
      } else {
        want.set_int(k, in.get_int(k) * 3 - 1);  // set_int wraps to the width
      }
    }
    CompareResult cmp = allclose(out, want, 0.0, 0.0);
    EXPECT_TRUE(cmp) << t.to_string() << ": " << cmp.message << " seed=" << seed;
  }
}

}  // namespace
}  // namespace loom::interp
