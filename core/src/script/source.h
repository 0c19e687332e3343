// Internal: the text being parsed, its lines, and raising a ParseError at a location.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "loom/script/parse_error.h"

namespace loom::script::detail {

/// A 1-based line and column in the source.
struct Loc {
  int line = 1;
  int col = 1;
};

/// The parsed text split into lines, to quote the offending line in errors.
class Source {
 public:
  Source(std::string_view text, std::string_view filename);

  std::string_view text() const { return text_; }
  const std::string& filename() const { return filename_; }
  /// The text of a 1-based line without its newline ("" when out of range).
  std::string line_text(int line) const;

  /// The byte offset of a location in text() (clamped to its size).
  size_t offset(Loc loc) const;

  /// Throws ParseError at `loc` with `message`.
  [[noreturn]] void fail(Loc loc, const std::string& message) const;

 private:
  std::string_view text_;
  std::string filename_;
  std::vector<size_t> line_starts_;
};

/// The deepest nesting of brackets, expressions and statements the parser accepts; deeper
/// input is rejected with a ParseError instead of risking the stack.
inline constexpr int kMaxNestingDepth = 128;

}  // namespace loom::script::detail
