// Every expression node kind: parsed from text with the expected node, dtype and
// operands, printed, and round-tripped.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "script_test_util.h"

namespace loom::script {
namespace {

using namespace loom::ir;
using testing::expect_roundtrip;

const char* kHeader =
    "@T.prim_func\n"
    "def f(A: T.Buffer((16, 16), \"int32\"), F: T.Buffer((16,), \"float32\"), n: T.int32, m: T.int64, "
    "x: T.float32, y: T.float32, h: T.float16, b: T.bool):\n";

std::string source_of(const std::string& expr) { return std::string(kHeader) + "    T.evaluate(" + expr + ")\n"; }

// Parses `expr` as the value of T.evaluate in a function with a few typed parameters.
struct Parsed {
  PrimFunc func;
  Expr value;
  Var param(size_t i) const { return func->params[i]; }
};

Parsed parse_expr(const std::string& expr) {
  Parsed p;
  p.func = parse_func(source_of(expr));
  const auto* eval = p.func->body.as<EvaluateNode>();
  EXPECT_NE(eval, nullptr) << "body is not a single T.evaluate";
  if (eval) p.value = eval->value;
  return p;
}

// The text the printer gives for `expr` (the argument of T.evaluate).
std::string printed_expr(const std::string& expr) {
  std::string text = print(parse_func(source_of(expr)));
  size_t at = text.find("T.evaluate(");
  EXPECT_NE(at, std::string::npos);
  size_t end = text.rfind(")\n");
  return text.substr(at + 11, end - at - 11);
}

void check_roundtrip(const std::string& expr) {
  SCOPED_TRACE(expr);
  expect_roundtrip(parse_func(source_of(expr)));
}

TEST(ParseExpr, IntLiterals) {
  auto p = parse_expr("3");
  ASSERT_TRUE(p.value.is<IntImmNode>());
  EXPECT_EQ(p.value.dtype(), DataType::Int(32));
  EXPECT_EQ(as_const_int(p.value), 3);
  EXPECT_EQ(as_const_int(parse_expr("-7").value), -7);
  EXPECT_EQ(as_const_int(parse_expr("0x10").value), 16);
  auto big = parse_expr("3000000000");
  EXPECT_EQ(big.value.dtype(), DataType::Int(64));
  EXPECT_EQ(as_const_int(big.value), 3000000000LL);
  EXPECT_EQ(parse_expr("-2147483648").value.dtype(), DataType::Int(32));
  for (const char* e : {"3", "-7", "3000000000", "-2147483648"}) check_roundtrip(e);
}

TEST(ParseExpr, DtypeConstructors) {
  struct Case {
    const char* text;
    DataType dtype;
    double value;
  };
  for (const Case& c :
       {Case{"T.int64(4)", DataType::Int(64), 4}, Case{"T.int8(-128)", DataType::Int(8), -128},
        Case{"T.uint8(255)", DataType::UInt(8), 255}, Case{"T.int16(3)", DataType::Int(16), 3},
        Case{"T.uint32(7)", DataType::UInt(32), 7}, Case{"T.bool(True)", DataType::Bool(), 1},
        Case{"T.float16(1.5)", DataType::Float(16), 1.5}, Case{"T.float32(0)", DataType::Float(32), 0},
        Case{"T.float64(0.1)", DataType::Float(64), 0.1}, Case{"T.bfloat16(2)", DataType::BFloat16(), 2}}) {
    SCOPED_TRACE(c.text);
    Expr v = parse_expr(c.text).value;
    EXPECT_EQ(v.dtype(), c.dtype);
    if (c.dtype.is_float()) {
      ASSERT_TRUE(v.is<FloatImmNode>());
      EXPECT_EQ(v.as<FloatImmNode>()->value, c.value);  // exact: no detour through float32
    } else {
      ASSERT_TRUE(v.is<IntImmNode>());
      EXPECT_EQ(static_cast<double>(v.as<IntImmNode>()->value), c.value);
    }
    check_roundtrip(c.text);
  }
  EXPECT_EQ(printed_expr("T.int64(4)"), "T.int64(4)");
  EXPECT_EQ(printed_expr("T.float32(0)"), "0.0");
  EXPECT_EQ(printed_expr("T.float16(1.5)"), "T.float16(1.5)");
  EXPECT_EQ(printed_expr("T.bool(True)"), "True");
  // A non-constant argument is a cast.
  Expr c = parse_expr("T.float32(n)").value;
  ASSERT_TRUE(c.is<CastNode>());
  EXPECT_EQ(c.dtype(), DataType::Float(32));
}

TEST(ParseExpr, FloatLiterals) {
  auto p = parse_expr("1.5");
  ASSERT_TRUE(p.value.is<FloatImmNode>());
  EXPECT_EQ(p.value.dtype(), DataType::Float(32));
  EXPECT_EQ(p.value.as<FloatImmNode>()->value, 1.5);
  EXPECT_EQ(parse_expr("-2.5e3").value.as<FloatImmNode>()->value, -2500.0);
  EXPECT_TRUE(std::isinf(parse_expr("T.float32(\"inf\")").value.as<FloatImmNode>()->value));
  EXPECT_LT(parse_expr("T.float32(\"-inf\")").value.as<FloatImmNode>()->value, 0);
  EXPECT_TRUE(std::isnan(parse_expr("T.float32(\"nan\")").value.as<FloatImmNode>()->value));
  EXPECT_EQ(printed_expr("T.float32(\"-inf\")"), "T.float32(\"-inf\")");
  EXPECT_EQ(printed_expr("0.1"), "0.1");
  EXPECT_EQ(printed_expr("T.float64(0.1)"), "T.float64(0.1)");
  EXPECT_EQ(printed_expr("-0.0"), "-0.0");
  for (const char* e : {"1.5", "0.1", "-2.5e3", "1e+30", "T.float32(\"inf\")", "T.float32(\"-inf\")", "T.float64(0.1)",
                        "-0.0", "T.float64(1e-300)"}) {
    check_roundtrip(e);
  }
}

TEST(ParseExpr, BoolLiterals) {
  Expr t = parse_expr("True").value;
  EXPECT_TRUE(is_const_true(t));
  Expr f = parse_expr("False").value;
  EXPECT_EQ(f.dtype(), DataType::Bool());
  EXPECT_EQ(as_const_int(f), 0);
  check_roundtrip("False");
}

TEST(ParseExpr, VariablesAreTheParameters) {
  auto p = parse_expr("n");
  EXPECT_TRUE(p.value.same_as(p.param(2)));
  EXPECT_EQ(parse_expr("m").value.dtype(), DataType::Int(64));
  EXPECT_EQ(parse_expr("h").value.dtype(), DataType::Float(16));
  EXPECT_EQ(parse_expr("b").value.dtype(), DataType::Bool());
}

TEST(ParseExpr, BufferLoad) {
  auto p = parse_expr("A[n, 0]");
  const auto* load = p.value.as<BufferLoadNode>();
  ASSERT_NE(load, nullptr);
  EXPECT_EQ(load->buffer->name, "A");
  ASSERT_EQ(load->indices.size(), 2u);
  EXPECT_TRUE(load->indices[0].same_as(p.param(2)));
  EXPECT_EQ(p.value.dtype(), DataType::Int(32));
  check_roundtrip("A[n, 0] + A[0, n]");
}

template <typename Node>
void expect_binary(const std::string& text, DataType dtype) {
  SCOPED_TRACE(text);
  Expr v = parse_expr(text).value;
  ASSERT_TRUE(v.is<Node>()) << node_kind_name(v->kind());
  EXPECT_EQ(v.dtype(), dtype);
  check_roundtrip(text);
}

TEST(ParseExpr, Arithmetic) {
  expect_binary<AddNode>("n + 1", DataType::Int(32));
  expect_binary<SubNode>("n - 1", DataType::Int(32));
  expect_binary<MulNode>("x * y", DataType::Float(32));
  expect_binary<DivNode>("x / y", DataType::Float(32));
  expect_binary<DivNode>("n / 2", DataType::Int(32));
  expect_binary<DivNode>("T.truncdiv(n, 3)", DataType::Int(32));
  expect_binary<ModNode>("T.truncmod(n, 3)", DataType::Int(32));
  expect_binary<FloorDivNode>("n // 4", DataType::Int(32));
  expect_binary<FloorDivNode>("T.floordiv(n, 4)", DataType::Int(32));
  expect_binary<FloorModNode>("n % 4", DataType::Int(32));
  expect_binary<FloorModNode>("T.floormod(n, 4)", DataType::Int(32));
  expect_binary<MinNode>("T.min(n, 4)", DataType::Int(32));
  expect_binary<MaxNode>("T.max(x, y)", DataType::Float(32));
  EXPECT_EQ(printed_expr("T.floordiv(n, 4)"), "n // 4");
  EXPECT_EQ(printed_expr("T.floormod(n, 4)"), "n % 4");
  EXPECT_EQ(printed_expr("n / 2"), "T.truncdiv(n, 2)");
  EXPECT_EQ(printed_expr("T.truncmod(n, 3)"), "T.truncmod(n, 3)");
  EXPECT_EQ(printed_expr("x / y"), "x / y");
}

TEST(ParseExpr, ConstantsAreNotFolded) {
  Expr v = parse_expr("2 + 3").value;
  ASSERT_TRUE(v.is<AddNode>());
  EXPECT_EQ(printed_expr("2 + 3"), "2 + 3");
  EXPECT_TRUE(parse_expr("4 // 2").value.is<FloorDivNode>());
}

TEST(ParseExpr, Promotion) {
  // int32 with int64: the int32 side is cast.
  Expr v = parse_expr("n + m").value;
  ASSERT_TRUE(v.is<AddNode>());
  EXPECT_EQ(v.dtype(), DataType::Int(64));
  EXPECT_TRUE(v.as<AddNode>()->a.is<CastNode>());
  // A constant takes the other side's dtype.
  Expr w = parse_expr("m + 1").value;
  EXPECT_EQ(w.as<AddNode>()->b.dtype(), DataType::Int(64));
  EXPECT_TRUE(w.as<AddNode>()->b.is<IntImmNode>());
  Expr z = parse_expr("x * 2").value;
  EXPECT_EQ(z.as<MulNode>()->b.dtype(), DataType::Float(32));
  EXPECT_TRUE(z.as<MulNode>()->b.is<FloatImmNode>());
  // int with float converts the int.
  Expr f = parse_expr("n + x").value;
  EXPECT_EQ(f.dtype(), DataType::Float(32));
  EXPECT_TRUE(f.as<AddNode>()->a.is<CastNode>());
  // float16 with float32 widens.
  EXPECT_EQ(parse_expr("h + x").value.dtype(), DataType::Float(32));
  for (const char* e : {"n + m", "m + 1", "x * 2", "n + x", "h + x"}) check_roundtrip(e);
}

TEST(ParseExpr, Precedence) {
  Expr v = parse_expr("n + n * 2").value;
  ASSERT_TRUE(v.is<AddNode>());
  EXPECT_TRUE(v.as<AddNode>()->b.is<MulNode>());
  Expr w = parse_expr("(n + n) * 2").value;
  ASSERT_TRUE(w.is<MulNode>());
  EXPECT_TRUE(w.as<MulNode>()->a.is<AddNode>());
  Expr s = parse_expr("n - (n - 1)").value;
  ASSERT_TRUE(s.is<SubNode>());
  EXPECT_TRUE(s.as<SubNode>()->b.is<SubNode>());
  EXPECT_EQ(printed_expr("(n + n) * 2"), "(n + n) * 2");
  EXPECT_EQ(printed_expr("n - (n - 1)"), "n - (n - 1)");
  EXPECT_EQ(printed_expr("n - n - 1"), "n - n - 1");
  EXPECT_EQ(printed_expr("n * -1"), "n * -1");
  EXPECT_EQ(printed_expr("n // (n // 2)"), "n // (n // 2)");
  for (const char* e : {"(n + n) * 2", "n - (n - 1)", "n * -1", "-1 * n", "n // (n // 2) % 3", "(x - y) / (x + y)"}) {
    check_roundtrip(e);
  }
}

TEST(ParseExpr, UnaryMinus) {
  Expr v = parse_expr("-n").value;
  ASSERT_TRUE(v.is<SubNode>());
  EXPECT_TRUE(is_zero(v.as<SubNode>()->a));
  EXPECT_EQ(parse_expr("-x").value.dtype(), DataType::Float(32));
  EXPECT_TRUE(parse_expr("+n").value.is<VarNode>());
  check_roundtrip("-n");
  check_roundtrip("-(x + y)");
}

TEST(ParseExpr, Comparisons) {
  expect_binary<EQNode>("n == 1", DataType::Bool());
  expect_binary<NENode>("n != 1", DataType::Bool());
  expect_binary<LTNode>("n < 1", DataType::Bool());
  expect_binary<LENode>("n <= 1", DataType::Bool());
  expect_binary<GTNode>("x > y", DataType::Bool());
  expect_binary<GENode>("x >= 0.5", DataType::Bool());
  // A chain is a conjunction.
  Expr c = parse_expr("0 <= n < 10").value;
  ASSERT_TRUE(c.is<AndNode>());
  EXPECT_TRUE(c.as<AndNode>()->a.is<LENode>());
  EXPECT_TRUE(c.as<AndNode>()->b.is<LTNode>());
  check_roundtrip("0 <= n < 10");
  check_roundtrip("(n < 1) == b");
}

TEST(ParseExpr, Logic) {
  expect_binary<AndNode>("b and n < 3", DataType::Bool());
  expect_binary<OrNode>("b or n < 3", DataType::Bool());
  Expr v = parse_expr("not b").value;
  ASSERT_TRUE(v.is<NotNode>());
  Expr w = parse_expr("not n == 1").value;
  ASSERT_TRUE(w.is<NotNode>());
  EXPECT_TRUE(w.as<NotNode>()->a.is<EQNode>());
  Expr o = parse_expr("b or b and b").value;
  ASSERT_TRUE(o.is<OrNode>());
  EXPECT_TRUE(o.as<OrNode>()->b.is<AndNode>());
  EXPECT_EQ(printed_expr("(b or b) and b"), "(b or b) and b");
  for (const char* e : {"not b", "not n == 1", "b or b and b", "(b or b) and b", "b and (b and b)", "(not b) == b"}) {
    check_roundtrip(e);
  }
}

TEST(ParseExpr, SelectCastAndIfThenElse) {
  Expr s = parse_expr("T.Select(b, x, 1)").value;
  ASSERT_TRUE(s.is<SelectNode>());
  EXPECT_EQ(s.dtype(), DataType::Float(32));
  Expr c = parse_expr("T.Cast(\"float16\", x)").value;
  ASSERT_TRUE(c.is<CastNode>());
  EXPECT_EQ(c.dtype(), DataType::Float(16));
  // A cast of a constant stays a cast node (no folding).
  EXPECT_TRUE(parse_expr("T.Cast(\"float32\", 1)").value.is<CastNode>());
  Expr i = parse_expr("T.if_then_else(n < 16, A[n, 0], 0)").value;
  ASSERT_TRUE(i.is<CallNode>());
  EXPECT_EQ(i.as<CallNode>()->op, Intrinsic::if_then_else);
  for (const char* e : {"T.Select(b, x, 1)", "T.Cast(\"float16\", x)", "T.Cast(\"float32\", 1)",
                        "T.if_then_else(n < 16, A[n, 0], 0)"}) {
    check_roundtrip(e);
  }
}

TEST(ParseExpr, Intrinsics) {
  for (const char* name : {"exp", "exp2", "log", "log2", "log10", "log1p", "sqrt",  "rsqrt", "sigmoid", "tanh",
                           "sin", "cos",  "tan", "atan", "erf",   "abs",   "floor", "ceil",  "round",   "trunc"}) {
    std::string text = std::string("T.") + name + "(x)";
    SCOPED_TRACE(text);
    Expr v = parse_expr(text).value;
    ASSERT_TRUE(v.is<CallNode>());
    EXPECT_EQ(std::string(intrinsic_name(v.as<CallNode>()->op)), name);
    EXPECT_EQ(v.dtype(), DataType::Float(32));
    check_roundtrip(text);
  }
  Expr p = parse_expr("T.pow(x, 2)").value;
  ASSERT_TRUE(p.is<CallNode>());
  EXPECT_EQ(p.as<CallNode>()->args[1].dtype(), DataType::Float(32));
  EXPECT_EQ(parse_expr("T.abs(n)").value.dtype(), DataType::Int(32));
  // An integer argument of a float-only function is converted.
  EXPECT_EQ(parse_expr("T.exp(n)").value.dtype(), DataType::Float(32));
  check_roundtrip("T.pow(x, 2)");
  check_roundtrip("T.fmod(x, y)");
  check_roundtrip("T.exp(n)");
}

TEST(ParseExpr, RampAndBroadcast) {
  Expr r = parse_expr("T.Ramp(n, 1, 4)").value;
  ASSERT_TRUE(r.is<RampNode>());
  EXPECT_EQ(r.dtype(), DataType::Int(32, 4));
  EXPECT_EQ(r.as<RampNode>()->lanes, 4);
  Expr b = parse_expr("T.Broadcast(x, 8)").value;
  ASSERT_TRUE(b.is<BroadcastNode>());
  EXPECT_EQ(b.dtype(), DataType::Float(32, 8));
  Expr load = parse_expr("F[T.Ramp(0, 1, 4)]").value;
  EXPECT_EQ(load.dtype(), DataType::Float(32, 4));
  check_roundtrip("T.Ramp(n, 1, 4)");
  check_roundtrip("T.Broadcast(x, 8)");
  check_roundtrip("F[T.Ramp(0, 1, 4)] + T.Broadcast(x, 4)");
}

TEST(ParseExpr, MinMaxValue) {
  Expr v = parse_expr("T.min_value(\"float32\")").value;
  ASSERT_TRUE(v.is<FloatImmNode>());
  EXPECT_EQ(v.as<FloatImmNode>()->value, -static_cast<double>(std::numeric_limits<float>::max()));
  EXPECT_EQ(as_const_int(parse_expr("T.max_value(\"int8\")").value), 127);
  check_roundtrip("T.min_value(\"float32\")");
}

}  // namespace
}  // namespace loom::script
