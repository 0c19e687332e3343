// Tests of ExprPrinter: the TVMScript spelling of each expression kind, constants of each
// dtype, float literals, and parenthesization by precedence.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <string>

#include "loom/ir/ir.h"

namespace loom::ir {
namespace {

const DataType i32 = DataType::Int(32);
const DataType f32 = DataType::Float(32);
const DataType boolean = DataType::Bool();

Expr c(int64_t v) { return IntImmNode::make(i32, v); }

struct Vars {
  Var a{"a"}, b{"b"}, d{"d"}, e{"e"};
  Var x{"x", f32}, y{"y", f32};
  Var p{"p", boolean}, q{"q", boolean}, r{"r", boolean};
};

// ---------------------------------------------------------------------------------------
// Leaves.

TEST(ExprPrinter, IntegerAndBoolConstants) {
  EXPECT_EQ(to_string(c(5)), "5");
  EXPECT_EQ(to_string(c(-3)), "-3");
  EXPECT_EQ(to_string(c(0)), "0");
  EXPECT_EQ(to_string(IntImmNode::make(DataType::Int(64), 4)), "T.int64(4)");
  EXPECT_EQ(to_string(IntImmNode::make(DataType::Int(64), -4)), "T.int64(-4)");
  EXPECT_EQ(to_string(IntImmNode::make(DataType::Int(8), 7)), "T.int8(7)");
  EXPECT_EQ(to_string(IntImmNode::make(DataType::UInt(8), 200)), "T.uint8(200)");
  EXPECT_EQ(to_string(make_bool(true)), "True");
  // uint64 constants hold their bit pattern in an int64; they print unsigned.
  EXPECT_EQ(to_string(max_value(DataType::UInt(64))), "T.uint64(18446744073709551615)");
  EXPECT_EQ(to_string(make_const(DataType::UInt(64), int64_t{1} << 63)), "T.uint64(9223372036854775808)");
  EXPECT_EQ(to_string(make_const(DataType::UInt(64), int64_t{5})), "T.uint64(5)");
  EXPECT_EQ(to_string(make_bool(false)), "False");
}

TEST(ExprPrinter, FloatConstants) {
  EXPECT_EQ(to_string(make_float(1.5)), "1.5");
  EXPECT_EQ(to_string(make_float(1.0)), "1.0");
  EXPECT_EQ(to_string(make_float(0.0)), "0.0");
  EXPECT_EQ(to_string(make_float(-2.0)), "-2.0");
  EXPECT_EQ(to_string(make_float(0.1)), "0.1");
  EXPECT_EQ(to_string(make_float(1e30)), "1e+30");
  EXPECT_EQ(to_string(make_float(1.0, DataType::Float(16))), "T.float16(1.0)");
  EXPECT_EQ(to_string(make_float(0.5, DataType::Float(64))), "T.float64(0.5)");
  EXPECT_EQ(to_string(make_float(2.0, DataType::BFloat16())), "T.bfloat16(2.0)");
  // Non-finite float32 values are spelled with their constructor and a string.
  EXPECT_EQ(to_string(make_float(std::numeric_limits<double>::infinity())), "T.float32(\"inf\")");
  EXPECT_EQ(to_string(make_float(-std::numeric_limits<double>::infinity())), "T.float32(\"-inf\")");
  EXPECT_EQ(to_string(make_float(std::nan(""))), "T.float32(\"nan\")");
}

TEST(FloatLiteral, ShortestRoundTripForm) {
  EXPECT_EQ(float_literal(1.0), "1.0");
  EXPECT_EQ(float_literal(-3.0), "-3.0");
  EXPECT_EQ(float_literal(0.1), "0.1");
  EXPECT_EQ(float_literal(0.25), "0.25");
  EXPECT_EQ(float_literal(123456789.0), "123456789.0");
  EXPECT_EQ(float_literal(1e-7), "1e-07");
  EXPECT_EQ(float_literal(1e30), "1e+30");
  EXPECT_EQ(float_literal(std::numeric_limits<double>::infinity()), "\"inf\"");
  EXPECT_EQ(float_literal(-std::numeric_limits<double>::infinity()), "\"-inf\"");
  EXPECT_EQ(float_literal(std::nan("")), "\"nan\"");
}

TEST(FloatLiteral, ParsesBackToTheSameDouble) {
  const uint32_t seed = 7731;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-40, 40);
  for (int n = 0; n < 2000; ++n) {
    double v = std::ldexp(mantissa(rng), exponent(rng));
    std::string text = float_literal(v);
    ASSERT_NE(text.find_first_of(".e"), std::string::npos) << "seed " << seed << ": " << text;
    ASSERT_EQ(std::stod(text), v) << "seed " << seed << ": " << text;
  }
}

TEST(ExprPrinter, VariablesAndLoads) {
  Vars v;
  EXPECT_EQ(to_string(v.a), "a");
  Buffer A = Buffer::make("A", f32, {c(4), c(4)});
  EXPECT_EQ(to_string(BufferLoadNode::make(A, {v.a, v.b + 1})), "A[a, b + 1]");
  Buffer S = Buffer::make("S", f32, {});
  EXPECT_EQ(to_string(BufferLoadNode::make(S, {})), "S[()]");
  Buffer V = Buffer::make("V", f32, {c(16)});
  EXPECT_EQ(to_string(BufferLoadNode::make(V, {RampNode::make(v.a, c(1), 4)})), "V[T.Ramp(a, 1, 4)]");
  EXPECT_EQ(to_string(Expr()), "<undefined>");
}

// ---------------------------------------------------------------------------------------
// Each operator kind.

TEST(ExprPrinter, ArithmeticOperators) {
  Vars v;
  EXPECT_EQ(to_string(AddNode::make(v.a, v.b)), "a + b");
  EXPECT_EQ(to_string(SubNode::make(v.a, v.b)), "a - b");
  EXPECT_EQ(to_string(MulNode::make(v.a, v.b)), "a * b");
  EXPECT_EQ(to_string(FloorDivNode::make(v.a, v.b)), "a // b");
  EXPECT_EQ(to_string(FloorModNode::make(v.a, v.b)), "a % b");
  EXPECT_EQ(to_string(DivNode::make(v.x, v.y)), "x / y");             // float division is infix
  EXPECT_EQ(to_string(DivNode::make(v.a, v.b)), "T.truncdiv(a, b)");  // integer division truncates
  EXPECT_EQ(to_string(ModNode::make(v.a, v.b)), "T.truncmod(a, b)");
  EXPECT_EQ(to_string(MinNode::make(v.a, v.b)), "T.min(a, b)");
  EXPECT_EQ(to_string(MaxNode::make(v.x, v.y)), "T.max(x, y)");
}

TEST(ExprPrinter, ComparisonAndLogicalOperators) {
  Vars v;
  EXPECT_EQ(to_string(EQNode::make(v.a, v.b)), "a == b");
  EXPECT_EQ(to_string(NENode::make(v.a, v.b)), "a != b");
  EXPECT_EQ(to_string(LTNode::make(v.a, v.b)), "a < b");
  EXPECT_EQ(to_string(LENode::make(v.a, v.b)), "a <= b");
  EXPECT_EQ(to_string(GTNode::make(v.a, v.b)), "a > b");
  EXPECT_EQ(to_string(GENode::make(v.a, v.b)), "a >= b");
  EXPECT_EQ(to_string(AndNode::make(v.p, v.q)), "p and q");
  EXPECT_EQ(to_string(OrNode::make(v.p, v.q)), "p or q");
  EXPECT_EQ(to_string(NotNode::make(v.p)), "not p");
}

TEST(ExprPrinter, OtherKinds) {
  Vars v;
  EXPECT_EQ(to_string(SelectNode::make(v.p, v.a, v.b)), "T.Select(p, a, b)");
  EXPECT_EQ(to_string(CastNode::make(f32, v.a)), "T.Cast(\"float32\", a)");
  EXPECT_EQ(to_string(CastNode::make(DataType::Int(64), v.a + 1)), "T.Cast(\"int64\", a + 1)");
  EXPECT_EQ(to_string(RampNode::make(v.a, c(2), 8)), "T.Ramp(a, 2, 8)");
  EXPECT_EQ(to_string(BroadcastNode::make(v.x, 4)), "T.Broadcast(x, 4)");
  EXPECT_EQ(to_string(CallNode::make(Intrinsic::exp, {v.x})), "T.exp(x)");
  EXPECT_EQ(to_string(CallNode::make(Intrinsic::pow, {v.x, make_float(2.0)})), "T.pow(x, 2.0)");
  EXPECT_EQ(to_string(CallNode::make(Intrinsic::if_then_else, {v.p, v.a, c(0)})), "T.if_then_else(p, a, 0)");
  Buffer A = Buffer::make("A", f32, {c(4), c(4)});
  EXPECT_EQ(to_string(max(BufferLoadNode::make(A, {v.a, v.b}), make_float(0.0))), "T.max(A[a, b], 0.0)");
}

// ---------------------------------------------------------------------------------------
// Precedence and parenthesization.

TEST(ExprPrinter, ArithmeticPrecedence) {
  Vars v;
  Var &a = v.a, &b = v.b, &d = v.d;
  EXPECT_EQ(to_string(MulNode::make(AddNode::make(a, b), d)), "(a + b) * d");
  EXPECT_EQ(to_string(MulNode::make(d, AddNode::make(a, b))), "d * (a + b)");
  EXPECT_EQ(to_string(AddNode::make(a, MulNode::make(b, d))), "a + b * d");
  EXPECT_EQ(to_string(AddNode::make(MulNode::make(a, b), d)), "a * b + d");
  // Left-associative: the right operand at equal precedence needs parentheses.
  EXPECT_EQ(to_string(SubNode::make(a, SubNode::make(b, d))), "a - (b - d)");
  EXPECT_EQ(to_string(SubNode::make(SubNode::make(a, b), d)), "a - b - d");
  EXPECT_EQ(to_string(AddNode::make(a, AddNode::make(b, d))), "a + (b + d)");
  EXPECT_EQ(to_string(SubNode::make(a, AddNode::make(b, d))), "a - (b + d)");
  EXPECT_EQ(to_string(AddNode::make(SubNode::make(a, b), d)), "a - b + d");
  EXPECT_EQ(to_string(FloorDivNode::make(a, MulNode::make(b, d))), "a // (b * d)");
  EXPECT_EQ(to_string(FloorDivNode::make(MulNode::make(a, b), d)), "a * b // d");
  EXPECT_EQ(to_string(MulNode::make(FloorDivNode::make(a, b), d)), "a // b * d");
  EXPECT_EQ(to_string(FloorModNode::make(AddNode::make(a, b), d)), "(a + b) % d");
  EXPECT_EQ(to_string(FloorModNode::make(a, FloorModNode::make(b, d))), "a % (b % d)");
  EXPECT_EQ(to_string(DivNode::make(v.x, MulNode::make(v.y, v.x))), "x / (y * x)");
  EXPECT_EQ(to_string(MulNode::make(DivNode::make(v.x, v.y), v.x)), "x / y * x");
  // Function-call forms never need parentheses around them or inside their arguments.
  EXPECT_EQ(to_string(MulNode::make(MinNode::make(a, b), d)), "T.min(a, b) * d");
  EXPECT_EQ(to_string(MinNode::make(AddNode::make(a, b), d)), "T.min(a + b, d)");
  EXPECT_EQ(to_string(MulNode::make(DivNode::make(a, b), d)), "T.truncdiv(a, b) * d");
  // Negative constants as operands.
  EXPECT_EQ(to_string(AddNode::make(a, c(-1))), "a + -1");
  EXPECT_EQ(to_string(MulNode::make(c(-2), a)), "-2 * a");
}

TEST(ExprPrinter, ComparisonPrecedence) {
  Vars v;
  Var &a = v.a, &b = v.b, &d = v.d, &e = v.e;
  EXPECT_EQ(to_string(LTNode::make(AddNode::make(a, c(1)), MulNode::make(b, c(2)))), "a + 1 < b * 2");
  // Python chains comparisons, so a comparison operand of a comparison is parenthesized.
  EXPECT_EQ(to_string(EQNode::make(LTNode::make(a, b), LTNode::make(d, e))), "(a < b) == (d < e)");
  EXPECT_EQ(to_string(NENode::make(LTNode::make(a, b), v.p)), "(a < b) != p");
  EXPECT_EQ(to_string(AndNode::make(LTNode::make(a, b), GENode::make(d, e))), "a < b and d >= e");
}

TEST(ExprPrinter, LogicalPrecedence) {
  Vars v;
  Var &p = v.p, &q = v.q, &r = v.r;
  EXPECT_EQ(to_string(NotNode::make(LTNode::make(v.a, v.b))), "not a < b");  // not binds looser than <
  EXPECT_EQ(to_string(NotNode::make(AndNode::make(p, q))), "not (p and q)");
  EXPECT_EQ(to_string(NotNode::make(OrNode::make(p, q))), "not (p or q)");
  EXPECT_EQ(to_string(AndNode::make(NotNode::make(p), q)), "not p and q");
  EXPECT_EQ(to_string(NotNode::make(NotNode::make(p))), "not not p");
  EXPECT_EQ(to_string(OrNode::make(AndNode::make(p, q), r)), "p and q or r");
  EXPECT_EQ(to_string(OrNode::make(p, AndNode::make(q, r))), "p or q and r");
  EXPECT_EQ(to_string(AndNode::make(OrNode::make(p, q), r)), "(p or q) and r");
  EXPECT_EQ(to_string(AndNode::make(p, OrNode::make(q, r))), "p and (q or r)");
  EXPECT_EQ(to_string(AndNode::make(AndNode::make(p, q), r)), "p and q and r");
  EXPECT_EQ(to_string(AndNode::make(p, AndNode::make(q, r))), "p and (q and r)");
  EXPECT_EQ(to_string(EQNode::make(NotNode::make(p), q)), "(not p) == q");
  EXPECT_EQ(to_string(SelectNode::make(AndNode::make(p, q), v.a, v.b)), "T.Select(p and q, a, b)");
}

TEST(ExprPrinter, BuilderOutputPrintsAsWritten) {
  Vars v;
  Buffer A = Buffer::make("A", f32, {c(64), c(64)});
  Expr idx = floordiv(v.a * 4 + v.b, 4);
  EXPECT_EQ(to_string(idx), "(a * 4 + b) // 4");
  EXPECT_EQ(to_string(floormod(v.a, 8) * 8 + floordiv(v.b, 2)), "a % 8 * 8 + b // 2");
  EXPECT_EQ(to_string(BufferLoadNode::make(A, {v.a, v.b}) * make_float(2.0) + v.x), "A[a, b] * 2.0 + x");
  EXPECT_EQ(to_string(logical_and(v.a < 4, logical_not(eq(v.b, 0)))), "a < 4 and not b == 0");
  EXPECT_EQ(to_string(v.a + v.x), "T.Cast(\"float32\", a) + x");
  EXPECT_EQ(to_string(v.a + make_int(1, DataType::Int(64))), "a + 1");
  EXPECT_EQ(to_string(Var("w", DataType::Int(64)) + 1), "w + T.int64(1)");
}

// ---------------------------------------------------------------------------------------
// Streams and customization.

TEST(ExprPrinter, StreamOperators) {
  Vars v;
  std::ostringstream os;
  os << AddNode::make(v.a, v.b) << " : " << DataType::Float(16, 4);
  EXPECT_EQ(os.str(), "a + b : float16x4");
  ExprPrinter printer;
  std::ostringstream os2;
  printer.print(MulNode::make(v.a, v.b), os2);
  EXPECT_EQ(os2.str(), "a * b");
  EXPECT_EQ(printer.print(c(3)), "3");
}

class RenamingPrinter : public ExprPrinter {
 protected:
  std::string var_name(const Var& var) override { return "v_" + var.name(); }
  std::string buffer_name(const Buffer& buffer) override { return buffer->name + "_buf"; }
};

TEST(ExprPrinter, SubclassesChooseNames) {
  Vars v;
  Buffer A = Buffer::make("A", f32, {c(4)});
  RenamingPrinter printer;
  EXPECT_EQ(printer.print(BufferLoadNode::make(A, {v.a + v.b})), "A_buf[v_a + v_b]");
  EXPECT_EQ(to_string(BufferLoadNode::make(A, {v.a + v.b})), "A[a + b]");  // the default is unaffected
}

}  // namespace
}  // namespace loom::ir
