// Source: line bookkeeping for error reports.
#include "source.h"

namespace loom::script::detail {

Source::Source(std::string_view text, std::string_view filename) : text_(text), filename_(filename) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::string Source::line_text(int line) const {
  if (line < 1 || static_cast<size_t>(line) > line_starts_.size()) return "";
  size_t begin = line_starts_[static_cast<size_t>(line - 1)];
  size_t end = text_.find('\n', begin);
  if (end == std::string_view::npos) end = text_.size();
  std::string out(text_.substr(begin, end - begin));
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return out;
}

size_t Source::offset(Loc loc) const {
  if (loc.line < 1) return 0;
  if (static_cast<size_t>(loc.line) > line_starts_.size()) return text_.size();
  size_t at = line_starts_[static_cast<size_t>(loc.line - 1)] + static_cast<size_t>(loc.col > 0 ? loc.col - 1 : 0);
  return at < text_.size() ? at : text_.size();
}

void Source::fail(Loc loc, const std::string& message) const {
  throw ParseError(filename_, loc.line, loc.col, message, line_text(loc.line));
}

}  // namespace loom::script::detail
