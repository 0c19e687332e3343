// Internal: the recursive-descent parser from tokens to the syntax tree of ast.h.
#pragma once

#include <vector>

#include "ast.h"
#include "source.h"

namespace loom::script::detail {

/// Parses a whole file into its top-level statements. Throws ParseError on a syntax error
/// (saying what was expected) or on nesting deeper than kMaxNestingDepth.
std::vector<PyStmtPtr> parse_python(const Source& source);

}  // namespace loom::script::detail
