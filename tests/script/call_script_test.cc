// Reading call scripts: every statement and argument form, the def wrapper, and every
// error path with its line:column and message.
#include "loom/script/call_script.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace loom::script {
namespace {

using Kind = ScriptExpr::Kind;

const ScriptCall& call_of(const ScriptExpr& e) {
  EXPECT_EQ(e.kind, Kind::Call);
  return *e.call;
}

TEST(CallScript, AssignmentTargets) {
  CallScript s = parse_call_script(
      "b0 = sch.get_block(\"C\")\n"
      "i, j = sch.get_loops(b0)\n"
      "(l1,) = sch.get_loops(b0)\n"
      "[x, y] = sch.get_loops(b0)\n"
      "z, = sch.get_loops(b0)\n"
      "sch.reorder(j, i)\n",
      "s.py");
  const auto& st = s.statements();
  ASSERT_EQ(st.size(), 6u);
  EXPECT_EQ(st[0].targets, std::vector<std::string>{"b0"});
  EXPECT_FALSE(st[0].unpack);
  EXPECT_EQ(st[1].targets, (std::vector<std::string>{"i", "j"}));
  EXPECT_TRUE(st[1].unpack);
  EXPECT_EQ(st[2].targets, std::vector<std::string>{"l1"});
  EXPECT_TRUE(st[2].unpack);
  EXPECT_EQ(st[3].targets, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(st[3].unpack);
  EXPECT_EQ(st[4].targets, std::vector<std::string>{"z"});
  EXPECT_TRUE(st[4].unpack);
  EXPECT_TRUE(st[5].targets.empty());
  EXPECT_FALSE(st[5].unpack);
  EXPECT_EQ(call_of(st[5].value).method, "reorder");
  EXPECT_EQ(st[5].loc.line, 6);
  EXPECT_EQ(st[1].loc.line, 2);
  EXPECT_EQ(s.receiver(), "sch");
  EXPECT_EQ(s.filename(), "s.py");
}

TEST(CallScript, EveryArgumentForm) {
  CallScript s = parse_call_script(
      "sch.f(1, -2, +3, 2.5, -0.25, 1e-3, \"s\", 'q', True, False, None, [1, None], (2, 3), (), b0, loops[-1], "
      "float(\"inf\"), float(\"-inf\"), float(\"nan\"), -9223372036854775808, k=sch.g(x=1), m=[sch.h()])\n");
  ASSERT_EQ(s.statements().size(), 1u);
  const ScriptCall& c = call_of(s.statements()[0].value);
  EXPECT_EQ(c.method, "f");
  ASSERT_EQ(c.args.size(), 22u);
  auto arg = [&](size_t i) -> const ScriptExpr& { return c.args[i].value; };
  EXPECT_EQ(arg(0).kind, Kind::Int);
  EXPECT_EQ(arg(0).int_value, 1);
  EXPECT_EQ(arg(1).int_value, -2);
  EXPECT_EQ(arg(2).int_value, 3);
  EXPECT_EQ(arg(3).kind, Kind::Float);
  EXPECT_DOUBLE_EQ(arg(3).float_value, 2.5);
  EXPECT_DOUBLE_EQ(arg(4).float_value, -0.25);
  EXPECT_DOUBLE_EQ(arg(5).float_value, 1e-3);
  EXPECT_EQ(arg(6).kind, Kind::String);
  EXPECT_EQ(arg(6).str, "s");
  EXPECT_EQ(arg(7).str, "q");
  EXPECT_EQ(arg(8).kind, Kind::Bool);
  EXPECT_TRUE(arg(8).bool_value);
  EXPECT_FALSE(arg(9).bool_value);
  EXPECT_EQ(arg(10).kind, Kind::None);
  EXPECT_EQ(arg(11).kind, Kind::List);
  ASSERT_EQ(arg(11).items.size(), 2u);
  EXPECT_EQ(arg(11).items[0].int_value, 1);
  EXPECT_EQ(arg(11).items[1].kind, Kind::None);
  EXPECT_EQ(arg(12).kind, Kind::Tuple);
  EXPECT_EQ(arg(12).items.size(), 2u);
  EXPECT_EQ(arg(13).kind, Kind::Tuple);
  EXPECT_TRUE(arg(13).items.empty());
  EXPECT_EQ(arg(14).kind, Kind::Name);
  EXPECT_EQ(arg(14).str, "b0");
  EXPECT_EQ(arg(15).kind, Kind::Index);
  EXPECT_EQ(arg(15).int_value, -1);
  ASSERT_EQ(arg(15).items.size(), 1u);
  EXPECT_EQ(arg(15).items[0].str, "loops");
  EXPECT_TRUE(std::isinf(arg(16).float_value) && arg(16).float_value > 0);
  EXPECT_TRUE(std::isinf(arg(17).float_value) && arg(17).float_value < 0);
  EXPECT_TRUE(std::isnan(arg(18).float_value));
  EXPECT_EQ(arg(19).int_value, std::numeric_limits<int64_t>::min());
  for (size_t i = 0; i < 20; ++i) EXPECT_TRUE(c.args[i].keyword.empty()) << i;
  EXPECT_EQ(c.args[20].keyword, "k");
  const ScriptCall& nested = call_of(arg(20));
  EXPECT_EQ(nested.method, "g");
  ASSERT_EQ(nested.args.size(), 1u);
  EXPECT_EQ(nested.args[0].keyword, "x");
  EXPECT_EQ(c.args[21].keyword, "m");
  EXPECT_EQ(arg(21).items.at(0).call->method, "h");
  // Locations of arguments: 1-based columns.
  EXPECT_EQ(c.args[0].loc.column, 7);
  EXPECT_EQ(c.loc.line, 1);
}

TEST(CallScript, LiteralAssignmentAndBareValues) {
  CallScript s = parse_call_script("factor = 16\nnames = [\"a\", \"b\"]\nb0\n");
  ASSERT_EQ(s.statements().size(), 3u);
  EXPECT_EQ(s.statements()[0].value.kind, Kind::Int);
  EXPECT_EQ(s.statements()[1].value.kind, Kind::List);
  EXPECT_EQ(s.statements()[2].value.kind, Kind::Name);
  EXPECT_TRUE(s.statements()[2].targets.empty());
}

TEST(CallScript, CommentsBlankLinesImportsDocstringsAndPass) {
  CallScript s = parse_call_script(
      "# a schedule\n"
      "from tvm import tir\n"
      "import tvm.tir as T\n"
      "\n"
      "\"\"\"A docstring.\"\"\"\n"
      "b0 = sch.get_block(\"C\")  # trailing comment\n"
      "pass\n"
      "\n"
      "sch.get_loops(b0)\n");
  ASSERT_EQ(s.statements().size(), 2u);
  EXPECT_EQ(s.statements()[0].loc.line, 6);
  EXPECT_EQ(s.statements()[1].loc.line, 9);
}

TEST(CallScript, DefWrapperNamesTheReceiver) {
  CallScript s = parse_call_script(
      "# from tvm import tir\n"
      "def apply_trace(s: tir.Schedule) -> None:\n"
      "    \"\"\"Doc.\"\"\"\n"
      "    b0 = s.get_block(name=\"C\", func_name=\"main\")\n"
      "    l1, l2 = s.get_loops(block=b0)\n"
      "    return\n");
  EXPECT_EQ(s.receiver(), "s");
  ASSERT_EQ(s.statements().size(), 2u);
  EXPECT_EQ(call_of(s.statements()[1].value).method, "get_loops");
  EXPECT_EQ(s.statements()[1].loc.line, 5);
  EXPECT_EQ(s.statements()[1].loc.column, 5);
}

TEST(CallScript, EmptyScript) {
  EXPECT_TRUE(parse_call_script("").statements().empty());
  EXPECT_TRUE(parse_call_script("# nothing\n\n").statements().empty());
}

TEST(CallScript, ErrorReportQuotesTheLine) {
  CallScript s = parse_call_script("b0 = sch.get_block(\"C\")\nsch.fuse(b0)\n", "sched.py");
  ParseError e = s.error(ScriptLoc{2, 1}, "bad thing");
  EXPECT_EQ(e.file(), "sched.py");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(std::string(e.what()), "sched.py:2:1: bad thing\n    sch.fuse(b0)\n    ^");
  EXPECT_EQ(s.line_text(1), "b0 = sch.get_block(\"C\")");
  EXPECT_EQ(s.line_text(9), "");
}

struct ErrorCase {
  const char* text;
  int line;
  int column;
  const char* message;
};

class CallScriptError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CallScriptError, ReportsLineColumnAndMessage) {
  const ErrorCase& c = GetParam();
  try {
    parse_call_script(c.text, "sched.py");
    ADD_FAILURE() << "no error for:\n" << c.text;
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), "sched.py");
    EXPECT_EQ(e.line(), c.line) << e.what();
    EXPECT_EQ(e.column(), c.column) << e.what();
    EXPECT_NE(e.message().find(c.message), std::string::npos)
        << "message: " << e.message() << "\nwanted: " << c.message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CallScriptError,
    ::testing::Values(ErrorCase{"b0 = sch.get_block(\"C\"\n", 2, 1, "expected ')' after arguments of sch.get_block"},
                      ErrorCase{"b0 = foo.get_block(\"C\")\n", 1, 6, "expected a call of a method on 'sch'"},
                      ErrorCase{"b0 = get_block(\"C\")\n", 1, 6, "expected a call of a method on 'sch'"},
                      ErrorCase{"b0 = sch.a.b(\"C\")\n", 1, 6, "expected a call of a method on 'sch'"},
                      ErrorCase{"x = sch\n", 1, 5, "the receiver 'sch' can only be called"},
                      ErrorCase{"sch = 3\n", 1, 1, "cannot assign to the receiver 'sch'"},
                      ErrorCase{"x = sch.f(a + 1)\n", 1, 11, "arithmetic and comparisons are not supported"},
                      ErrorCase{"x = sch.f({1: 2})\n", 1, 11, "dictionaries are not supported"},
                      ErrorCase{"x = sch.f(-a)\n", 1, 11, "operator '-' is only supported on a number literal"},
                      ErrorCase{"x = sch.f(not True)\n", 1, 11, "operator 'not' is only supported on a number literal"},
                      ErrorCase{"x = sch.f(a.b)\n", 1, 11, "attribute access is only supported as a call"},
                      ErrorCase{"x = sch.f(a[1:2])\n", 1, 13, "slices are not supported"},
                      ErrorCase{"x = sch.f(a[i])\n", 1, 13, "expected an integer literal as the index"},
                      ErrorCase{"x = sch.f(99999999999999999999)\n", 1, 11, "is too large"},
                      ErrorCase{"x = sch.f(9223372036854775808)\n", 1, 11, "does not fit in int64"},
                      ErrorCase{"x = sch.f(float(\"1.5\"))\n", 1, 17, "float(\"1.5\") is not supported"},
                      ErrorCase{"x = sch.f(float(1))\n", 1, 11, "expected float(\"inf\")"},
                      ErrorCase{"x = sch.f(1, k=2, 3)\n", 1, 19, "positional argument follows keyword argument"},
                      ErrorCase{"x = sch.f(k=1, k=2)\n", 1, 16, "keyword argument 'k' repeated"},
                      ErrorCase{"a.b = sch.f()\n", 1, 1, "expected a variable name or a tuple of names"},
                      ErrorCase{"(a, b), c = sch.f()\n", 1, 1, "expected a variable name in the assignment target"},
                      ErrorCase{"x: int = 3\n", 1, 1, "annotated assignments are not supported"},
                      ErrorCase{"for i in x:\n    sch.f(i)\n", 1, 1, "control flow"},
                      ErrorCase{"if True:\n    sch.f()\n", 1, 1, "control flow"},
                      ErrorCase{"class A:\n    pass\n", 1, 1, "class definitions are not supported"},
                      ErrorCase{"def a(sch):\n    pass\ndef b(sch):\n    pass\n", 3, 1, "only one 'def' wrapper"},
                      ErrorCase{"def a(sch):\n    pass\nsch.f()\n", 3, 1, "statements outside the 'def a' wrapper"},
                      ErrorCase{"def a(sch, x):\n    pass\n", 1, 1, "must take exactly one parameter"},
                      ErrorCase{"def a(s):\n    sch.f()\n", 2, 5, "expected a call of a method on 's'"},
                      ErrorCase{"def a(s):\n    def b(t):\n        pass\n", 2, 5, "nested definitions"},
                      ErrorCase{"def a(s):\n    return 3\n", 2, 5, "must not return a value"},
                      ErrorCase{"@dec\ndef a(s):\n    pass\n", 1, 2, "takes no decorator"},
                      ErrorCase{"x = sch.f(1\ny = 2\n", 2, 1, "expected ')'"},
                      ErrorCase{"x = sch.f(\"abc)\n", 1, 11, "unterminated string"},
                      ErrorCase{"  x = sch.f()\n", 1, 3, "unexpected indent"}));

}  // namespace
}  // namespace loom::script
