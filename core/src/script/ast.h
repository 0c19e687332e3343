// Internal: the syntax tree of the Python subset TVMScript is written in. The parser in
// py_parser.h builds it; ir_builder.h turns it into loom IR.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "source.h"

namespace loom::script::detail {

enum class ExprKind : uint8_t {
  Name,   // str = identifier
  Int,    // int_value
  Float,  // float_value
  Str,    // str = decoded value
  Bool,   // bool_value
  None,
  Attr,       // children[0].str
  Call,       // children[0](children[1..], keywords)
  Subscript,  // children[0][children[1..]]
  Tuple,      // (children...)
  List,       // [children...]
  Dict,       // {children[0]: children[1], ...}
  BinOp,      // children[0] str children[1]; str in + - * / // % **
  UnaryOp,    // str children[0]; str in - + not
  Compare,    // children[0] ops[0] children[1] ops[1] ...
  BoolOp,     // children[0] str children[1]; str in and / or
  Slice,      // children[0]:children[1]:children[2], each may be null
  Lambda,     // lambda children[0..n-2]: children[n-1]; params are Names; str = the source text
};

struct PyExpr;
using PyExprPtr = std::unique_ptr<PyExpr>;

struct Keyword {
  std::string name;
  Loc loc;
  PyExprPtr value;
};

struct PyExpr {
  ExprKind kind = ExprKind::None;
  Loc loc;
  std::string str;
  uint64_t int_value = 0;
  double float_value = 0.0;
  bool bool_value = false;
  std::vector<PyExprPtr> children;
  std::vector<Keyword> keywords;
  std::vector<std::string> ops;
  /// Height of the tree below (a leaf is 1), bounded by kMaxNestingDepth.
  int depth = 1;
  /// True for a Tuple written with parentheses.
  bool parenthesized = false;
};

enum class StmtKind : uint8_t {
  Import,
  FunctionDef,
  ClassDef,
  For,
  With,
  If,
  Assign,
  AnnAssign,
  ExprStmt,
  Pass,
  Return
};

struct PyStmt;
using PyStmtPtr = std::unique_ptr<PyStmt>;

struct Param {
  std::string name;
  Loc loc;
  PyExprPtr annotation;  // may be null
};

struct PyStmt {
  StmtKind kind = StmtKind::Pass;
  Loc loc;
  /// FunctionDef / ClassDef.
  std::vector<PyExprPtr> decorators;
  std::string name;
  std::vector<Param> params;
  /// For: the loop targets (Name each). Assign / AnnAssign: the left-hand side (one
  /// expression, a Tuple for `a, b = ...`). With: the `as` target (may be absent).
  std::vector<PyExprPtr> targets;
  /// For: the iterable. With: the context expression. If: the condition. Assign /
  /// AnnAssign / ExprStmt / Return: the value (AnnAssign / Return: may be null).
  PyExprPtr value;
  /// AnnAssign: the annotation.
  PyExprPtr annotation;
  std::vector<PyStmtPtr> body;
  std::vector<PyStmtPtr> orelse;
};

}  // namespace loom::script::detail
