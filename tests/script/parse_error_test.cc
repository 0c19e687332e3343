// Malformed input: every error path reports file:line:column, the offending line with a
// caret, and what was expected; deep nesting is rejected instead of overflowing the stack.
#include <gtest/gtest.h>

#include "../common/expect_error.h"
#include "script_test_util.h"

using loom::testing::throws_with;

namespace loom::script {
namespace {

using testing::func_with_body;

struct ErrorInfo {
  int line = 0;
  int column = 0;
  std::string message;
  std::string what;
};

ErrorInfo parse_error(const std::string& text) {
  try {
    parse_module(text, "kernel.py");
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), "kernel.py");
    return {e.line(), e.column(), e.message(), e.what()};
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a ParseError: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return {};
}

// Body statements start on line 3 of func_with_body (the decorator is line 1).
void expect_error(const std::string& text, int line, int column, const std::string& message) {
  ErrorInfo e = parse_error(text);
  EXPECT_EQ(e.line, line) << e.what;
  EXPECT_EQ(e.column, column) << e.what;
  EXPECT_NE(e.message.find(message), std::string::npos) << "message: " << e.message << "\nwanted: " << message;
}

TEST(ParseError, ReportFormat) {
  ErrorInfo e = parse_error(func_with_body("    for i, j in T.grid(128, 128:\n        C[i] = 0.0\n"));
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 32);
  EXPECT_EQ(e.what,
            "kernel.py:3:32: expected ')' after arguments of T.grid, got ':'\n"
            "        for i, j in T.grid(128, 128:\n"
            "                                   ^");
}

TEST(ParseError, UnknownBuffer) { expect_error(func_with_body("    Q[0] = 1.0\n"), 3, 5, "unknown buffer 'Q'"); }

TEST(ParseError, UndefinedVariable) {
  expect_error(func_with_body("    C[x] = 1.0\n"), 3, 7, "undefined variable 'x'");
}

TEST(ParseError, UnknownDtype) {
  expect_error("@T.prim_func\ndef f(A: T.Buffer((4,), \"float33\")):\n    A[0] = 1.0\n", 2, 25,
               "unknown dtype 'float33'");
}

TEST(ParseError, RemapKindCountMismatch) {
  expect_error(func_with_body("    for i, j in T.grid(4, 4):\n        with T.block(\"B\"):\n"
                              "            vi, vj, vk = T.axis.remap(\"SSR\", [i, j])\n            C[vi] = 0.0\n"),
               5, 26, "T.axis.remap: 3 kinds but 2 loops");
}

TEST(ParseError, RemapNotALoopVariable) {
  expect_error(func_with_body("    for i in range(4):\n        with T.block(\"B\"):\n"
                              "            vi = T.axis.remap(\"S\", [n])\n            C[vi] = 0.0\n"),
               5, 37, "T.axis.remap: 'n' is not a loop variable");
}

TEST(ParseError, RemapUnknownKind) {
  expect_error(func_with_body("    for i in range(4):\n        with T.block(\"B\"):\n"
                              "            vi = T.axis.remap(\"X\", [i])\n            C[vi] = 0.0\n"),
               5, 31, "unknown kind 'X'");
}

TEST(ParseError, AxisOutsideBlock) {
  expect_error(func_with_body("    for i in range(4):\n        vi = T.axis.spatial(4, i)\n"), 4, 9,
               "T.axis.spatial is only allowed directly inside a block");
}

TEST(ParseError, ReadsGivenTwice) {
  expect_error(
      func_with_body("    with T.block(\"B\"):\n        T.reads(C[0])\n        T.reads(C[1])\n        C[0] = 1.0\n"), 5,
      9, "T.reads given twice in block 'B'");
}

TEST(ParseError, WhereNotBool) {
  expect_error(func_with_body("    with T.block(\"B\"):\n        T.where(n + 1)\n        C[0] = 1.0\n"), 4, 17,
               "T.where condition must be bool, got int32");
}

TEST(ParseError, InitOutsideBlock) {
  expect_error(func_with_body("    with T.init():\n        C[0] = 1.0\n"), 3, 5,
               "T.init() is only allowed directly inside a block");
}

TEST(ParseError, WrongNumberOfIndices) {
  expect_error(func_with_body("    C[0, 1] = 1.0\n"), 3, 5, "buffer 'C' has 1 dimensions but 2 indices were given");
  expect_error(func_with_body("    C[0] = A[1]\n"), 3, 12, "buffer 'A' has 2 dimensions but 1 indices were given");
}

TEST(ParseError, IRConstructionErrorsCarryTheLocation) {
  // SelectNode::make rejects a non-bool condition; the parser reports it where it is.
  ErrorInfo e = parse_error(func_with_body("    C[0] = T.Select(n, 1.0, 2.0)\n"));
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 12);
  EXPECT_FALSE(e.message.empty());
  EXPECT_NE(e.what.find("kernel.py:3:12: "), std::string::npos) << e.what;
}

TEST(ParseError, IfConditionNotBool) {
  expect_error(func_with_body("    if n:\n        C[0] = 1.0\n"), 3, 8, "if condition must be bool, got int32");
}

TEST(ParseError, UnexpectedIndent) {
  expect_error(func_with_body("    C[0] = 1.0\n        C[1] = 1.0\n"), 4, 9, "unexpected indent");
}

TEST(ParseError, InconsistentDedent) {
  expect_error(func_with_body("    for i in range(4):\n        C[i] = 1.0\n      C[0] = 1.0\n"), 5, 7,
               "unindent does not match any outer indentation level");
}

TEST(ParseError, UnterminatedString) {
  expect_error(func_with_body("    with T.block(\"B):\n        C[0] = 1.0\n"), 3, 18, "unterminated string literal");
}

TEST(ParseError, UnexpectedCharacter) {
  expect_error(func_with_body("    C[0] = $\n"), 3, 12, "unexpected character '$'");
  expect_error(func_with_body("    C[0] = \x01\n"), 3, 12, "unexpected character '\\x01'");
}

TEST(ParseError, MissingColonAfterFor) {
  expect_error(func_with_body("    for i in range(4)\n        C[i] = 1.0\n"), 3, 22,
               "expected ':' after for statement");
}

TEST(ParseError, MissingIndentedBlock) {
  expect_error(func_with_body("    for i in range(4):\n    C[0] = 1.0\n"), 4, 5,
               "expected an indented block after for statement");
}

TEST(ParseError, UnclosedParenthesis) {
  expect_error(func_with_body("    C[0] = (1.0 + 2.0\n"), 4, 1, "expected ')' to close '(' at line 3");
}

TEST(ParseError, MissingDecorator) {
  expect_error("def f(A: T.Buffer((4,), \"float32\")):\n    A[0] = 1.0\n", 1, 1, "needs the @T.prim_func decorator");
  expect_error("@T.primfunc\ndef f():\n    T.evaluate(0)\n", 1, 2, "unknown decorator 'T.primfunc'");
}

TEST(ParseError, ParameterWithoutType) {
  expect_error("@T.prim_func\ndef f(A):\n    T.evaluate(0)\n", 2, 7, "parameter 'A' needs a type");
  expect_error("@T.prim_func\ndef f(A: T.int33):\n    T.evaluate(0)\n", 2, 10,
               "unknown dtype 'int33' for parameter 'A'");
}

TEST(ParseError, UnknownLoopKind) {
  expect_error(func_with_body("    for i in T.sequential(4):\n        C[i] = 1.0\n"), 3, 14,
               "unknown loop kind 'T.sequential'");
}

TEST(ParseError, GridTargetMismatch) {
  expect_error(func_with_body("    for i, j in T.grid(4):\n        C[i] = 1.0\n"), 3, 5,
               "T.grid has 1 extents but 2 loop variables");
}

TEST(ParseError, ThreadBindingNeedsATag) {
  expect_error(func_with_body("    for i in T.thread_binding(4):\n        C[i] = 1.0\n"), 3, 14,
               "T.thread_binding needs thread=");
}

TEST(ParseError, UnknownFunction) {
  expect_error(func_with_body("    C[0] = T.expo(1.0)\n"), 3, 12, "unknown function 'T.expo'");
  expect_error(func_with_body("    C[0] = T.exp(1.0, 2.0)\n"), 3, 12, "T.exp takes 1 argument but 2 were given");
}

TEST(ParseError, SliceInALoad) {
  expect_error(func_with_body("    C[0] = A[0, 0:4]\n"), 3, 17, "a slice is only allowed in a region");
}

TEST(ParseError, ConstantOutOfRange) {
  expect_error(func_with_body("    T.evaluate(T.int8(300))\n"), 3, 23, "integer constant 300 does not fit in int8");
  expect_error(func_with_body("    T.evaluate(99999999999999999999)\n"), 3, 16,
               "integer literal 99999999999999999999 is too large");
  expect_error(func_with_body("    T.evaluate(T.int32(1.5))\n"), 3, 24, "T.int32 expects an integer, got 1.5");
}

TEST(ParseError, InvalidNumber) { expect_error(func_with_body("    C[0] = 1x\n"), 3, 12, "invalid number literal"); }

TEST(ParseError, DuplicateFunction) {
  expect_error("@T.prim_func\ndef f():\n    T.evaluate(0)\n@T.prim_func\ndef f():\n    T.evaluate(0)\n", 5, 1,
               "function 'f' defined twice");
}

TEST(ParseError, ParseFuncNeedsExactlyOneFunction) {
  try {
    parse_func("@T.prim_func\ndef f():\n    T.evaluate(0)\n@T.prim_func\ndef g():\n    T.evaluate(0)\n");
    FAIL() << "no error";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("expected exactly one function, found 2"), std::string::npos);
  }
  EXPECT_TRUE(
      throws_with<ParseError>([] { parse_func("# nothing here\n"); }, "expected exactly one function, found 0"));
}

TEST(ParseError, ReturnIsNotSupported) {
  expect_error(func_with_body("    return\n"), 3, 5, "'return' is not supported");
}

TEST(ParseError, RepeatedKeyword) {
  expect_error(func_with_body("    X = T.alloc_buffer((4,), dtype=\"float32\", dtype=\"int8\")\n"), 3, 47,
               "keyword argument 'dtype' repeated");
}

TEST(ParseError, AnnotationKeysMustBeStrings) {
  expect_error(func_with_body("    with T.block(\"B\"):\n        T.block_attr({1: 2})\n        C[0] = 1.0\n"), 4, 23,
               "annotation keys must be strings");
}

TEST(ParseError, MatchBufferOfANonHandle) {
  expect_error("@T.prim_func\ndef f(n: T.int32):\n    A = T.match_buffer(n, (4,))\n    A[0] = 1.0\n", 3, 24,
               "'n' is not a T.handle parameter");
}

TEST(ParseError, BufferUsedAsValue) {
  expect_error(func_with_body("    C[0] = C\n"), 3, 12, "buffer 'C' used as a value");
}

TEST(ParseError, UnsupportedSyntax) {
  expect_error(func_with_body("    C[0] = 1.0 if n else 2.0\n"), 3, 16, "conditional expressions");
  expect_error(func_with_body("    while n:\n        C[0] = 1.0\n"), 3, 5, "'while' statements are not supported");
  expect_error(func_with_body("    C[0] = n in C\n"), 3, 14, "operator 'in' is not supported");
  expect_error(func_with_body("    C[0] = 2.0 ** 2.0\n"), 3, 12, "operator '**' is not supported");
}

TEST(ParseError, TopLevelStatement) {
  expect_error("x = 1\n", 1, 1, "expected a @T.prim_func function or an @I.ir_module class at top level");
}

TEST(ParseError, DeepParenthesesAreRejected) {
  std::string deep(5000, '(');
  ErrorInfo e = parse_error(func_with_body("    C[0] = " + deep + "1.0" + std::string(5000, ')') + "\n"));
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("nested too deeply"), std::string::npos) << e.message;
}

TEST(ParseError, LongOperatorChainsAreRejected) {
  std::string chain = "n";
  for (int i = 0; i < 5000; ++i) chain += " + n";
  ErrorInfo e = parse_error(func_with_body("    T.evaluate(" + chain + ")\n"));
  EXPECT_NE(e.message.find("expression nested too deeply"), std::string::npos) << e.message;
  std::string negs(5000, '-');
  e = parse_error(func_with_body("    T.evaluate(" + negs + "n)\n"));
  EXPECT_NE(e.message.find("nested too deeply"), std::string::npos) << e.message;
}

TEST(ParseError, DeepStatementNestingIsRejected) {
  std::string vars, extents;
  for (int i = 0; i < 1000; ++i) {
    vars += (i ? ", i" : "i") + std::to_string(i);
    extents += (i ? ", 2" : "2");
  }
  ErrorInfo e = parse_error(func_with_body("    for " + vars + " in T.grid(" + extents + "):\n        C[0] = 1.0\n"));
  EXPECT_NE(e.message.find("statements nested too deeply"), std::string::npos) << e.message;
  std::string lets;
  for (int i = 0; i < 2000; ++i) lets += "    x" + std::to_string(i) + " = 1\n";
  e = parse_error(func_with_body(lets));
  EXPECT_NE(e.message.find("statements nested too deeply"), std::string::npos) << e.message;
  std::string indented;
  for (int i = 0; i < 300; ++i) indented += std::string(4 * (i + 1), ' ') + "if n < 1:\n";
  indented += std::string(4 * 301, ' ') + "C[0] = 1.0\n";
  e = parse_error(func_with_body(indented));
  EXPECT_NE(e.message.find("nested too deeply"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace loom::script
