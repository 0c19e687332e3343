// Internal: splits TVMScript (a subset of Python) into tokens, including the NEWLINE,
// INDENT and DEDENT tokens of Python's indentation rule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "source.h"

namespace loom::script::detail {

enum class TokKind : uint8_t { Name, Int, Float, String, Op, Newline, Indent, Dedent, End };

struct Token {
  TokKind kind = TokKind::End;
  /// The identifier, operator or decoded string value; the literal text of numbers.
  std::string text;
  /// The value of an Int token (literals above int64 are kept as uint64).
  uint64_t int_value = 0;
  double float_value = 0.0;
  Loc loc;
};

/// A human-readable name of a token for "expected X, got Y" messages.
std::string describe(const Token& tok);

/// Tokenizes the whole source. Throws ParseError on an unknown character, an unterminated
/// string, an inconsistent dedent or an out-of-range number.
std::vector<Token> tokenize(const Source& source);

}  // namespace loom::script::detail
