// Tokenizer for the Python subset TVMScript uses: names, numbers, strings, operators and
// indentation (INDENT/DEDENT), with implicit line joining inside brackets.
#include "lexer.h"

#include <cctype>
#include <charconv>
#include <cstdio>

namespace loom::script::detail {

std::string describe(const Token& tok) {
  switch (tok.kind) {
    case TokKind::Name:
      return "'" + tok.text + "'";
    case TokKind::Int:
    case TokKind::Float:
      return "number " + tok.text;
    case TokKind::String:
      return "a string";
    case TokKind::Op:
      return "'" + tok.text + "'";
    case TokKind::Newline:
      return "end of line";
    case TokKind::Indent:
      return "an indented block";
    case TokKind::Dedent:
      return "end of the indented block";
    case TokKind::End:
      return "end of input";
  }
  return "a token";
}

namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

class Lexer {
 public:
  explicit Lexer(const Source& source) : src_(source), text_(source.text()) {}

  std::vector<Token> run() {
    indents_.push_back(0);
    bool at_line_start = true;
    while (pos_ < text_.size()) {
      if (at_line_start && depth_ == 0) {
        if (!handle_indentation()) continue;  // blank or comment-only line consumed
        at_line_start = false;
      }
      char c = text_[pos_];
      if (c == '\n') {
        if (depth_ == 0) push(TokKind::Newline, "\n", here());
        advance_newline();
        at_line_start = depth_ == 0;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        advance();
        continue;
      }
      if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') advance();
        continue;
      }
      if (c == '\\') {
        Loc loc = here();
        advance();
        if (pos_ < text_.size() && text_[pos_] == '\r') advance();
        if (pos_ >= text_.size() || text_[pos_] != '\n')
          src_.fail(loc, "expected a newline after line-continuation '\\'");
        advance_newline();
        continue;
      }
      if (is_name_start(c)) {
        lex_name();
      } else if (is_digit(c) || (c == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]))) {
        lex_number();
      } else if (c == '"' || c == '\'') {
        lex_string();
      } else {
        lex_op();
      }
    }
    Loc end = here();
    if (!tokens_.empty() && tokens_.back().kind != TokKind::Newline && tokens_.back().kind != TokKind::Dedent &&
        tokens_.back().kind != TokKind::Indent) {
      push(TokKind::Newline, "\n", end);
    }
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(TokKind::Dedent, "", end);
    }
    push(TokKind::End, "", end);
    return std::move(tokens_);
  }

 private:
  Loc here() const { return {line_, col_}; }
  void advance() {
    ++pos_;
    ++col_;
  }
  void advance_newline() {
    ++pos_;
    ++line_;
    col_ = 1;
  }
  void push(TokKind kind, std::string text, Loc loc) {
    Token tok;
    tok.kind = kind;
    tok.text = std::move(text);
    tok.loc = loc;
    tokens_.push_back(std::move(tok));
  }

  // Measures the indentation of a line and emits INDENT/DEDENT. Returns false when the
  // line is blank or holds only a comment (then it has been consumed entirely).
  bool handle_indentation() {
    int width = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ') {
        ++width;
      } else if (c == '\t') {
        width = (width / 8 + 1) * 8;
      } else if (c == '\r' || c == '\f') {
      } else {
        break;
      }
      advance();
    }
    if (pos_ >= text_.size()) return false;
    char c = text_[pos_];
    if (c == '\n') {
      advance_newline();
      return false;
    }
    if (c == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n') advance();
      if (pos_ < text_.size()) advance_newline();
      return false;
    }
    Loc loc = here();
    if (width > indents_.back()) {
      indents_.push_back(width);
      if (static_cast<int>(indents_.size()) > kMaxNestingDepth) src_.fail(loc, "blocks nested too deeply");
      push(TokKind::Indent, "", loc);
    } else {
      while (width < indents_.back()) {
        indents_.pop_back();
        push(TokKind::Dedent, "", loc);
      }
      if (width != indents_.back()) src_.fail(loc, "unindent does not match any outer indentation level");
    }
    return true;
  }

  void lex_name() {
    Loc loc = here();
    size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) advance();
    push(TokKind::Name, std::string(text_.substr(start, pos_ - start)), loc);
  }

  void lex_number() {
    Loc loc = here();
    size_t start = pos_;
    bool is_float = false;
    if (text_[pos_] == '0' && pos_ + 1 < text_.size() && (text_[pos_ + 1] == 'x' || text_[pos_ + 1] == 'X')) {
      advance();
      advance();
      size_t digits = pos_;
      while (pos_ < text_.size() && std::isxdigit(static_cast<unsigned char>(text_[pos_]))) advance();
      std::string_view hex = text_.substr(digits, pos_ - digits);
      Token tok;
      tok.kind = TokKind::Int;
      tok.text = std::string(text_.substr(start, pos_ - start));
      tok.loc = loc;
      auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), tok.int_value, 16);
      if (hex.empty() || ec != std::errc() || ptr != hex.data() + hex.size())
        src_.fail(loc, "invalid hexadecimal literal " + tok.text);
      check_number_end(loc);
      tokens_.push_back(std::move(tok));
      return;
    }
    while (pos_ < text_.size() && is_digit(text_[pos_])) advance();
    if (pos_ < text_.size() && text_[pos_] == '.') {
      is_float = true;
      advance();
      while (pos_ < text_.size() && is_digit(text_[pos_])) advance();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t save = pos_;
      int save_col = col_;
      advance();
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) advance();
      if (pos_ < text_.size() && is_digit(text_[pos_])) {
        is_float = true;
        while (pos_ < text_.size() && is_digit(text_[pos_])) advance();
      } else {
        pos_ = save;
        col_ = save_col;
      }
    }
    check_number_end(loc);
    Token tok;
    tok.text = std::string(text_.substr(start, pos_ - start));
    tok.loc = loc;
    const char* first = tok.text.data();
    const char* last = first + tok.text.size();
    if (is_float) {
      tok.kind = TokKind::Float;
      auto [ptr, ec] = std::from_chars(first, last, tok.float_value);
      if (ec == std::errc::result_out_of_range) src_.fail(loc, "float literal " + tok.text + " is out of range");
      if (ec != std::errc() || ptr != last) src_.fail(loc, "invalid float literal " + tok.text);
    } else {
      tok.kind = TokKind::Int;
      auto [ptr, ec] = std::from_chars(first, last, tok.int_value);
      if (ec != std::errc() || ptr != last) src_.fail(loc, "integer literal " + tok.text + " is too large");
    }
    tokens_.push_back(std::move(tok));
  }

  void check_number_end(Loc loc) {
    if (pos_ < text_.size() && (is_name_char(text_[pos_]) || text_[pos_] == '.')) {
      src_.fail(loc, "invalid number literal");
    }
  }

  void lex_string() {
    Loc loc = here();
    char quote = text_[pos_];
    bool triple = pos_ + 2 < text_.size() && text_[pos_ + 1] == quote && text_[pos_ + 2] == quote;
    int nquotes = triple ? 3 : 1;
    for (int i = 0; i < nquotes; ++i) advance();
    std::string value;
    while (true) {
      if (pos_ >= text_.size()) src_.fail(loc, "unterminated string literal");
      char c = text_[pos_];
      if (c == '\n') {
        if (!triple) src_.fail(loc, "unterminated string literal");
        value += c;
        advance_newline();
        continue;
      }
      if (c == quote) {
        if (!triple) {
          advance();
          break;
        }
        if (pos_ + 2 < text_.size() && text_[pos_ + 1] == quote && text_[pos_ + 2] == quote) {
          for (int i = 0; i < 3; ++i) advance();
          break;
        }
      }
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) src_.fail(loc, "unterminated string literal");
        char e = text_[pos_ + 1];
        advance();
        switch (e) {
          case 'n':
            value += '\n';
            break;
          case 't':
            value += '\t';
            break;
          case 'r':
            value += '\r';
            break;
          case '0':
            value += '\0';
            break;
          case '\\':
            value += '\\';
            break;
          case '\'':
            value += '\'';
            break;
          case '"':
            value += '"';
            break;
          case '\n':
            advance_newline();
            continue;
          default:
            src_.fail(here(), std::string("unknown escape sequence '\\") + e + "' in string");
        }
        advance();
        continue;
      }
      value += c;
      advance();
    }
    push(TokKind::String, std::move(value), loc);
  }

  void lex_op() {
    Loc loc = here();
    static constexpr std::string_view kTwo[] = {"**", "//", "<=", ">=", "==", "!=", "->"};
    for (std::string_view op : kTwo) {
      if (text_.substr(pos_, 2) == op) {
        advance();
        advance();
        push(TokKind::Op, std::string(op), loc);
        return;
      }
    }
    char c = text_[pos_];
    static constexpr std::string_view kOne = "()[]{},:.=+-*/%<>@;";
    if (kOne.find(c) == std::string_view::npos) {
      char buf[8];
      if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) {
        std::snprintf(buf, sizeof(buf), "%c", c);
      } else {
        std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
      }
      src_.fail(loc, std::string("unexpected character '") + buf + "'");
    }
    if (c == '(' || c == '[' || c == '{') {
      ++depth_;
      if (depth_ > kMaxNestingDepth) src_.fail(loc, "brackets nested too deeply");
    } else if ((c == ')' || c == ']' || c == '}') && depth_ > 0) {
      --depth_;
    }
    advance();
    push(TokKind::Op, std::string(1, c), loc);
  }

  const Source& src_;
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
  int depth_ = 0;
  std::vector<int> indents_;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(const Source& source) { return Lexer(source).run(); }

}  // namespace loom::script::detail
