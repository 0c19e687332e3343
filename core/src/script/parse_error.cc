// ParseError: formats the location, the message and the source line with a caret.
#include "loom/script/parse_error.h"

#include <algorithm>

namespace loom::script {

namespace {

std::string format_report(const std::string& file, int line, int column, const std::string& message,
                          const std::string& source_line) {
  std::string out = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
  if (!source_line.empty()) {
    out += "\n    " + source_line + "\n    ";
    // Keep tabs so the caret lines up under the same column in a terminal.
    int n = std::max(0, std::min<int>(column - 1, static_cast<int>(source_line.size())));
    for (int i = 0; i < n; ++i) out += source_line[static_cast<size_t>(i)] == '\t' ? '\t' : ' ';
    out += "^";
  }
  return out;
}

}  // namespace

ParseError::ParseError(std::string file, int line, int column, std::string message, std::string source_line)
    : UserError(format_report(file, line, column, message, source_line)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)),
      source_line_(std::move(source_line)) {}

}  // namespace loom::script
