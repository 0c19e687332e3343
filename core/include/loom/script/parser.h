// Parsing the TVMScript text form of loom IR: `@T.prim_func` functions and
// `@I.ir_module` classes (the TensorIR subset described in DESIGN.md "The IR").
#pragma once

#include <string_view>

#include "loom/ir/function.h"
#include "loom/script/parse_error.h"

namespace loom::script {

/// Parses a module: either one `@I.ir_module` class, or one or more top-level
/// `@T.prim_func` definitions (each becomes a function of the module, keyed by its name).
/// `from tvm.script import ...` lines and comments are accepted and ignored.
/// Blocks that omit T.reads / T.writes get them inferred with
/// loom::arith::infer_block_access_regions.
/// Throws ParseError (file:line:column, the line with a caret, what was expected) on any
/// malformed or ill-typed input; never crashes and never recurses without bound.
ir::IRModule parse_module(std::string_view text, std::string_view filename = "<string>");

/// Parses text holding exactly one function (a bare `@T.prim_func`, or an `@I.ir_module`
/// with one function). Throws ParseError when there are zero or several functions, or on
/// any error parse_module reports.
ir::PrimFunc parse_func(std::string_view text, std::string_view filename = "<string>");

}  // namespace loom::script
