// The error raised for malformed kernel text: where it is (file:line:column), the line
// itself with a caret under the offending column, and what was expected.
#pragma once

#include <string>

#include "loom/ir/error.h"

namespace loom::script {

/// A syntax or semantic error in TVMScript text. `what()` is the full report:
///
///     kernel.py:3:17: expected ')' after arguments of T.grid
///         for i, j in T.grid(128, 128:
///                                    ^
///
/// Lines and columns are 1-based; the column counts bytes of the line.
class ParseError : public loom::UserError {
 public:
  /// `source_line` is the text of line `line` (without its newline), used for the caret.
  ParseError(std::string file, int line, int column, std::string message, std::string source_line);

  /// The file name given to the parser ("<string>" by default).
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  /// What went wrong, without location or source excerpt.
  const std::string& message() const { return message_; }
  /// The offending line of source text.
  const std::string& source_line() const { return source_line_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string message_;
  std::string source_line_;
};

}  // namespace loom::script
