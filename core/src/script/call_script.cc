// Reading call scripts: the Python parser's syntax tree reduced to assignments of calls on
// one receiver, literals and names (see loom/script/call_script.h).
#include "loom/script/call_script.h"

#include <cmath>
#include <limits>

#include "ast.h"
#include "py_parser.h"
#include "source.h"

namespace loom::script {

namespace {

using detail::ExprKind;
using detail::Loc;
using detail::PyExpr;
using detail::PyStmt;
using detail::Source;
using detail::StmtKind;

ScriptLoc to_loc(Loc loc) { return {loc.line, loc.col}; }

/// Converts the statements of one script body, checking every call's receiver.
class Reader {
 public:
  Reader(const Source& src, std::string receiver) : src_(src), receiver_(std::move(receiver)) {}

  std::vector<ScriptStmt> body(const std::vector<detail::PyStmtPtr>& stmts) {
    std::vector<ScriptStmt> out;
    for (const auto& s : stmts) {
      switch (s->kind) {
        case StmtKind::Import:
        case StmtKind::Pass:
          break;
        case StmtKind::Return:
          if (s->value) src_.fail(s->loc, "a call script's 'return' must not return a value");
          break;
        case StmtKind::ExprStmt:
          if (s->value->kind == ExprKind::Str) break;  // a docstring or a string comment
          out.push_back(ScriptStmt{to_loc(s->loc), {}, false, expr(*s->value)});
          break;
        case StmtKind::Assign:
          out.push_back(assign(*s));
          break;
        case StmtKind::AnnAssign:
          src_.fail(s->loc, "annotated assignments are not supported in a call script; write 'name = value'");
        case StmtKind::FunctionDef:
          src_.fail(s->loc, "a call script may hold one 'def' wrapper at top level only, not nested definitions");
        case StmtKind::ClassDef:
          src_.fail(s->loc, "class definitions are not supported in a call script");
        case StmtKind::For:
        case StmtKind::With:
        case StmtKind::If:
          src_.fail(s->loc,
                    "control flow ('for', 'with', 'if') is not supported in a call script; write one call "
                    "per line");
      }
    }
    return out;
  }

 private:
  ScriptStmt assign(const PyStmt& s) {
    ScriptStmt out;
    out.loc = to_loc(s.loc);
    const PyExpr& lhs = *s.targets.at(0);
    if (lhs.kind == ExprKind::Name) {
      out.targets.push_back(lhs.str);
    } else if (lhs.kind == ExprKind::Tuple || lhs.kind == ExprKind::List) {
      out.unpack = true;
      for (const auto& t : lhs.children) {
        if (t->kind != ExprKind::Name)
          src_.fail(t->loc, "expected a variable name in the assignment target (nested targets are not supported)");
        out.targets.push_back(t->str);
      }
      if (out.targets.empty()) src_.fail(lhs.loc, "expected at least one variable name to assign");
    } else {
      src_.fail(lhs.loc, "expected a variable name or a tuple of names on the left of '='");
    }
    for (const std::string& name : out.targets) {
      if (name == receiver_) src_.fail(lhs.loc, "cannot assign to the receiver '" + receiver_ + "'");
    }
    out.value = expr(*s.value);
    return out;
  }

  ScriptExpr leaf(ScriptExpr::Kind kind, const PyExpr& e) {
    ScriptExpr out;
    out.kind = kind;
    out.loc = to_loc(e.loc);
    return out;
  }

  int64_t to_int64(const PyExpr& e, bool negate) {
    constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (e.int_value > kMax + (negate ? 1 : 0)) src_.fail(e.loc, "integer " + e.str + " does not fit in int64");
    if (negate)
      return e.int_value == kMax + 1 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(e.int_value);
    return static_cast<int64_t>(e.int_value);
  }

  ScriptExpr expr(const PyExpr& e) {
    switch (e.kind) {
      case ExprKind::None:
        return leaf(ScriptExpr::Kind::None, e);
      case ExprKind::Bool: {
        ScriptExpr out = leaf(ScriptExpr::Kind::Bool, e);
        out.bool_value = e.bool_value;
        return out;
      }
      case ExprKind::Int: {
        ScriptExpr out = leaf(ScriptExpr::Kind::Int, e);
        out.int_value = to_int64(e, false);
        return out;
      }
      case ExprKind::Float: {
        ScriptExpr out = leaf(ScriptExpr::Kind::Float, e);
        out.float_value = e.float_value;
        return out;
      }
      case ExprKind::Str: {
        ScriptExpr out = leaf(ScriptExpr::Kind::String, e);
        out.str = e.str;
        return out;
      }
      case ExprKind::Name: {
        if (e.str == receiver_)
          src_.fail(e.loc, "the receiver '" + receiver_ + "' can only be called, as in " + receiver_ + ".method(...)");
        ScriptExpr out = leaf(ScriptExpr::Kind::Name, e);
        out.str = e.str;
        return out;
      }
      case ExprKind::UnaryOp: {
        const PyExpr& operand = *e.children.at(0);
        if ((e.str == "-" || e.str == "+") && (operand.kind == ExprKind::Int || operand.kind == ExprKind::Float)) {
          bool negate = e.str == "-";
          ScriptExpr out = leaf(operand.kind == ExprKind::Int ? ScriptExpr::Kind::Int : ScriptExpr::Kind::Float, e);
          if (operand.kind == ExprKind::Int) {
            out.int_value = to_int64(operand, negate);
          } else {
            out.float_value = negate ? -operand.float_value : operand.float_value;
          }
          return out;
        }
        src_.fail(e.loc, "operator '" + e.str + "' is only supported on a number literal in a call script");
      }
      case ExprKind::List:
      case ExprKind::Tuple: {
        ScriptExpr out = leaf(e.kind == ExprKind::List ? ScriptExpr::Kind::List : ScriptExpr::Kind::Tuple, e);
        for (const auto& c : e.children) out.items.push_back(expr(*c));
        return out;
      }
      case ExprKind::Subscript: {
        if (e.children.size() != 2) src_.fail(e.loc, "expected one integer index in '[...]'");
        const PyExpr& index = *e.children[1];
        ScriptExpr idx = expr(index);
        if (idx.kind != ScriptExpr::Kind::Int)
          src_.fail(index.loc,
                    "expected an integer literal as the index (slices and computed indices are not "
                    "supported)");
        ScriptExpr out = leaf(ScriptExpr::Kind::Index, e);
        out.int_value = idx.int_value;
        out.items.push_back(expr(*e.children[0]));
        return out;
      }
      case ExprKind::Call:
        return call(e);
      case ExprKind::Lambda: {
        ScriptExpr out = leaf(ScriptExpr::Kind::Lambda, e);
        out.str = e.str;
        return out;
      }
      case ExprKind::Attr:
        src_.fail(e.loc, "attribute access is only supported as a call " + receiver_ + ".method(...)");
      case ExprKind::Dict:
        src_.fail(e.loc, "dictionaries are not supported in a call script");
      case ExprKind::BinOp:
      case ExprKind::Compare:
      case ExprKind::BoolOp:
        src_.fail(e.loc, "arithmetic and comparisons are not supported in a call script; write the value");
      case ExprKind::Slice:
        src_.fail(e.loc, "slices are not supported in a call script");
    }
    src_.fail(e.loc, "unsupported expression in a call script");
  }

  ScriptExpr call(const PyExpr& e) {
    const PyExpr& callee = *e.children.at(0);
    // float("inf") / float("nan"): how non-finite attributes are written.
    if (callee.kind == ExprKind::Name && callee.str == "float") {
      if (e.children.size() != 2 || !e.keywords.empty() || e.children[1]->kind != ExprKind::Str)
        src_.fail(e.loc, "expected float(\"inf\"), float(\"-inf\") or float(\"nan\")");
      const std::string& s = e.children[1]->str;
      ScriptExpr out = leaf(ScriptExpr::Kind::Float, e);
      if (s == "inf" || s == "+inf") {
        out.float_value = std::numeric_limits<double>::infinity();
      } else if (s == "-inf") {
        out.float_value = -std::numeric_limits<double>::infinity();
      } else if (s == "nan") {
        out.float_value = std::numeric_limits<double>::quiet_NaN();
      } else {
        src_.fail(e.children[1]->loc, "float(\"" + s + "\") is not supported; expected \"inf\", \"-inf\" or \"nan\"");
      }
      return out;
    }
    if (callee.kind != ExprKind::Attr || callee.children.at(0)->kind != ExprKind::Name ||
        callee.children[0]->str != receiver_) {
      src_.fail(callee.loc, "expected a call of a method on '" + receiver_ + "', as in " + receiver_ + ".method(...)");
    }
    auto c = std::make_shared<ScriptCall>();
    c->method = callee.str;
    c->loc = to_loc(e.loc);
    for (size_t i = 1; i < e.children.size(); ++i) {
      c->args.push_back(ScriptArg{"", to_loc(e.children[i]->loc), expr(*e.children[i])});
    }
    for (const detail::Keyword& kw : e.keywords) c->args.push_back(ScriptArg{kw.name, to_loc(kw.loc), expr(*kw.value)});
    ScriptExpr out = leaf(ScriptExpr::Kind::Call, e);
    out.call = std::move(c);
    return out;
  }

  const Source& src_;
  std::string receiver_;
};

}  // namespace

std::string CallScript::line_text(int line) const {
  if (line < 1 || static_cast<size_t>(line) > lines_.size()) return "";
  return lines_[static_cast<size_t>(line - 1)];
}

ParseError CallScript::error(ScriptLoc loc, const std::string& message) const {
  return ParseError(filename_, loc.line, loc.column, message, line_text(loc.line));
}

CallScript parse_call_script(std::string_view text, std::string_view filename, std::string_view receiver) {
  Source src(text, filename);
  std::vector<detail::PyStmtPtr> stmts = detail::parse_python(src);
  CallScript out;
  out.filename_ = std::string(filename);
  out.receiver_ = std::string(receiver);
  // A `def` wrapper: the only statement besides imports, comments and docstrings.
  const PyStmt* wrapper = nullptr;
  for (const auto& s : stmts) {
    if (s->kind != StmtKind::FunctionDef) continue;
    if (wrapper)
      src.fail(s->loc, "a call script may hold only one 'def' wrapper (another one is at line " +
                           std::to_string(wrapper->loc.line) + ")");
    wrapper = s.get();
  }
  if (wrapper) {
    for (const auto& s : stmts) {
      bool ignorable = s->kind == StmtKind::Import || s->kind == StmtKind::Pass ||
                       (s->kind == StmtKind::ExprStmt && s->value->kind == ExprKind::Str);
      if (s.get() != wrapper && !ignorable)
        src.fail(s->loc, "statements outside the 'def " + wrapper->name + "' wrapper are not supported");
    }
    if (!wrapper->decorators.empty()) src.fail(wrapper->decorators[0]->loc, "the 'def' wrapper takes no decorator");
    if (wrapper->params.size() != 1)
      src.fail(wrapper->loc, "the 'def " + wrapper->name +
                                 "' wrapper must take exactly one parameter (the schedule), "
                                 "it takes " +
                                 std::to_string(wrapper->params.size()));
    out.receiver_ = wrapper->params[0].name;
  }
  Reader reader(src, out.receiver_);
  out.stmts_ = reader.body(wrapper ? wrapper->body : stmts);
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(begin, end - begin));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.lines_.push_back(std::move(line));
    begin = end + 1;
  }
  return out;
}

}  // namespace loom::script
