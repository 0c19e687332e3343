// Recursive-descent parser of the Python subset TVMScript uses. Expression precedence
// follows Python: or < and < not < comparisons < + - < * / // % < unary - + < ** < calls,
// subscripts and attributes.
#include "py_parser.h"

#include <algorithm>

#include "lexer.h"

namespace loom::script::detail {

namespace {

/// The dotted name of a Name / Attr chain ("T.axis.remap"), or "" for anything else.
std::string dotted_name(const PyExpr& e) {
  if (e.kind == ExprKind::Name) return e.str;
  if (e.kind == ExprKind::Attr) {
    std::string base = dotted_name(*e.children[0]);
    return base.empty() ? "" : base + "." + e.str;
  }
  return "";
}

class Parser {
 public:
  Parser(const Source& source, std::vector<Token> tokens) : src_(source), toks_(std::move(tokens)) {}

  std::vector<PyStmtPtr> parse_file() {
    std::vector<PyStmtPtr> stmts;
    while (peek().kind != TokKind::End) {
      if (peek().kind == TokKind::Newline) {
        next();
        continue;
      }
      if (peek().kind == TokKind::Indent) src_.fail(peek().loc, "unexpected indent");
      stmts.push_back(parse_statement());
    }
    return stmts;
  }

 private:
  // RAII guard on the recursion depth of the parse functions.
  class DepthGuard {
   public:
    DepthGuard(Parser& p, Loc loc) : p_(p) {
      if (++p_.depth_ > kMaxNestingDepth * 4) p_.src_.fail(loc, "input nested too deeply");
    }
    ~DepthGuard() { --p_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    Parser& p_;
  };

  const Token& peek(size_t ahead = 0) const { return toks_[std::min(pos_ + ahead, toks_.size() - 1)]; }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool is_op(std::string_view op, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == TokKind::Op && t.text == op;
  }
  bool is_name(std::string_view name) const { return peek().kind == TokKind::Name && peek().text == name; }
  bool accept_op(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail_expected(const std::string& what) {
    src_.fail(peek().loc, "expected " + what + ", got " + describe(peek()));
  }
  void expect_op(std::string_view op, const std::string& context) {
    if (!accept_op(op)) fail_expected("'" + std::string(op) + "' " + context);
  }
  std::string expect_name(const std::string& what) {
    if (peek().kind != TokKind::Name || is_keyword(peek().text)) fail_expected(what);
    return next().text;
  }
  static bool is_keyword(const std::string& s) {
    static const char* const kKeywords[] = {"and",  "or",     "not",   "in",   "is",    "if",     "else", "elif",
                                            "for",  "with",   "as",    "def",  "class", "return", "pass", "import",
                                            "from", "lambda", "while", "True", "False", "None"};
    return std::any_of(std::begin(kKeywords), std::end(kKeywords), [&](const char* k) { return s == k; });
  }
  void expect_newline(const std::string& context) {
    if (peek().kind == TokKind::Newline) {
      next();
      return;
    }
    if (peek().kind == TokKind::End || peek().kind == TokKind::Dedent) return;
    fail_expected("end of line " + context);
  }

  PyExprPtr make_expr(ExprKind kind, Loc loc) {
    auto e = std::make_unique<PyExpr>();
    e->kind = kind;
    e->loc = loc;
    return e;
  }
  // Appends a child and keeps the depth bound.
  void add_child(PyExpr& parent, PyExprPtr child) {
    if (child) {
      parent.depth = std::max(parent.depth, child->depth + 1);
      if (parent.depth > kMaxNestingDepth) src_.fail(parent.loc, "expression nested too deeply");
    }
    parent.children.push_back(std::move(child));
  }

  // ---- statements --------------------------------------------------------------------

  PyStmtPtr make_stmt(StmtKind kind, Loc loc) {
    auto s = std::make_unique<PyStmt>();
    s->kind = kind;
    s->loc = loc;
    return s;
  }

  PyStmtPtr parse_statement() {
    DepthGuard guard(*this, peek().loc);
    const Token& t = peek();
    if (t.kind == TokKind::Op && t.text == "@") return parse_decorated();
    if (t.kind == TokKind::Name) {
      if (t.text == "def" || t.text == "class") return parse_def_or_class({});
      if (t.text == "for") return parse_for();
      if (t.text == "with") return parse_with();
      if (t.text == "if") return parse_if();
      if (t.text == "from" || t.text == "import") return parse_import();
      if (t.text == "elif" || t.text == "else") src_.fail(t.loc, "'" + t.text + "' without a matching 'if'");
      if (t.text == "while" || t.text == "return" || t.text == "def") {
        if (t.text == "return") {
          auto s = make_stmt(StmtKind::Return, next().loc);
          if (peek().kind != TokKind::Newline && peek().kind != TokKind::End) s->value = parse_expr_list();
          expect_newline("after return");
          return s;
        }
        src_.fail(t.loc, "'" + t.text + "' statements are not supported in TVMScript");
      }
    }
    return parse_simple_statement();
  }

  PyStmtPtr parse_decorated() {
    std::vector<PyExprPtr> decorators;
    while (is_op("@")) {
      next();
      decorators.push_back(parse_test());
      expect_newline("after decorator");
    }
    if (!is_name("def") && !is_name("class")) fail_expected("'def' or 'class' after decorator");
    return parse_def_or_class(std::move(decorators));
  }

  PyStmtPtr parse_def_or_class(std::vector<PyExprPtr> decorators) {
    bool is_def = is_name("def");
    auto s = make_stmt(is_def ? StmtKind::FunctionDef : StmtKind::ClassDef, next().loc);
    s->decorators = std::move(decorators);
    s->name = expect_name(is_def ? "function name after 'def'" : "class name after 'class'");
    if (is_def) {
      expect_op("(", "after function name");
      while (!is_op(")")) {
        Param p;
        p.loc = peek().loc;
        p.name = expect_name("parameter name");
        if (accept_op(":")) p.annotation = parse_test();
        if (is_op("=")) src_.fail(peek().loc, "default parameter values are not supported");
        s->params.push_back(std::move(p));
        if (!accept_op(",")) break;
      }
      expect_op(")", "after function parameters");
      if (accept_op("->")) s->annotation = parse_test();
    } else if (accept_op("(")) {
      expect_op(")", "after class name (base classes are not supported)");
    }
    s->body = parse_suite(is_def ? "after function signature" : "after class name");
    return s;
  }

  PyStmtPtr parse_for() {
    auto s = make_stmt(StmtKind::For, next().loc);
    bool paren = accept_op("(");
    while (true) {
      auto target = make_expr(ExprKind::Name, peek().loc);
      target->str = expect_name("loop variable name after 'for'");
      s->targets.push_back(std::move(target));
      if (!accept_op(",")) break;
      if (is_name("in") || is_op(")")) break;
    }
    if (paren) expect_op(")", "after loop variables");
    if (!is_name("in")) fail_expected("'in' after loop variables");
    next();
    s->value = parse_test();
    s->body = parse_suite("after for statement");
    return s;
  }

  PyStmtPtr parse_with() {
    auto s = make_stmt(StmtKind::With, next().loc);
    s->value = parse_test();
    if (is_name("as")) {
      next();
      auto target = make_expr(ExprKind::Name, peek().loc);
      target->str = expect_name("name after 'as'");
      s->targets.push_back(std::move(target));
    }
    if (is_op(",")) src_.fail(peek().loc, "several context managers in one 'with' are not supported");
    s->body = parse_suite("after with statement");
    return s;
  }

  PyStmtPtr parse_if() {
    auto s = make_stmt(StmtKind::If, next().loc);
    s->value = parse_test();
    s->body = parse_suite("after if condition");
    if (is_name("elif")) {
      s->orelse.push_back(parse_if());
    } else if (is_name("else")) {
      next();
      s->orelse = parse_suite("after 'else'");
    }
    return s;
  }

  PyStmtPtr parse_import() {
    auto s = make_stmt(StmtKind::Import, peek().loc);
    // Accepted forms: `from a.b import c [as d], ...` and `import a.b [as c]`; ignored.
    if (is_name("from")) {
      next();
      expect_name("module name after 'from'");
      while (accept_op(".")) expect_name("module name after '.'");
      if (!is_name("import")) fail_expected("'import' after module name");
      next();
    } else {
      next();
    }
    while (true) {
      expect_name("name to import");
      while (accept_op(".")) expect_name("module name after '.'");
      if (is_name("as")) {
        next();
        expect_name("name after 'as'");
      }
      if (!accept_op(",")) break;
    }
    expect_newline("after import");
    return s;
  }

  PyStmtPtr parse_simple_statement() {
    Loc loc = peek().loc;
    if (is_name("pass")) {
      next();
      expect_newline("after 'pass'");
      return make_stmt(StmtKind::Pass, loc);
    }
    PyExprPtr first = parse_expr_list();
    if (accept_op("=")) {
      auto s = make_stmt(StmtKind::Assign, loc);
      s->targets.push_back(std::move(first));
      s->value = parse_expr_list();
      if (is_op("=")) src_.fail(peek().loc, "chained assignment is not supported");
      expect_newline("after assignment");
      return s;
    }
    if (is_op(":")) {
      next();
      auto s = make_stmt(StmtKind::AnnAssign, loc);
      s->targets.push_back(std::move(first));
      s->annotation = parse_test();
      if (accept_op("=")) s->value = parse_expr_list();
      expect_newline("after annotated assignment");
      return s;
    }
    auto s = make_stmt(StmtKind::ExprStmt, loc);
    s->value = std::move(first);
    if (is_op(";")) src_.fail(peek().loc, "';' statement separators are not supported");
    expect_newline("after expression");
    return s;
  }

  // ':' followed by an indented block, or by simple statements on the same line.
  std::vector<PyStmtPtr> parse_suite(const std::string& context) {
    expect_op(":", context);
    std::vector<PyStmtPtr> body;
    if (peek().kind != TokKind::Newline) {
      if (peek().kind == TokKind::End) fail_expected("a statement " + context);
      body.push_back(parse_simple_statement());
      return body;
    }
    next();
    if (peek().kind != TokKind::Indent) fail_expected("an indented block " + context);
    next();
    while (peek().kind != TokKind::Dedent && peek().kind != TokKind::End) {
      if (peek().kind == TokKind::Newline) {
        next();
        continue;
      }
      if (peek().kind == TokKind::Indent) src_.fail(peek().loc, "unexpected indent");
      body.push_back(parse_statement());
    }
    if (peek().kind == TokKind::Dedent) next();
    return body;
  }

  // ---- expressions -------------------------------------------------------------------

  // A comma-separated list; a single element without a trailing comma is itself.
  PyExprPtr parse_expr_list() {
    Loc loc = peek().loc;
    PyExprPtr first = parse_test();
    if (!is_op(",")) return first;
    auto tuple = make_expr(ExprKind::Tuple, loc);
    add_child(*tuple, std::move(first));
    while (accept_op(",")) {
      if (!starts_expr()) break;
      add_child(*tuple, parse_test());
    }
    return tuple;
  }

  bool starts_expr() const {
    const Token& t = peek();
    switch (t.kind) {
      case TokKind::Name:
        return !is_keyword(t.text) || t.text == "not" || t.text == "True" || t.text == "False" || t.text == "None" ||
               t.text == "lambda";
      case TokKind::Int:
      case TokKind::Float:
      case TokKind::String:
        return true;
      case TokKind::Op:
        return t.text == "(" || t.text == "[" || t.text == "{" || t.text == "-" || t.text == "+";
      default:
        return false;
    }
  }

  PyExprPtr parse_test() {
    DepthGuard guard(*this, peek().loc);
    if (is_name("lambda")) return parse_lambda();
    PyExprPtr e = parse_or();
    if (is_name("if"))
      src_.fail(peek().loc,
                "conditional expressions 'a if c else b' are not supported; use T.Select or T.if_then_else");
    if (is_name("lambda")) src_.fail(peek().loc, "lambda is not supported here; write it as an argument");
    return e;
  }

  // `lambda a, b: body` (positional parameters only); keeps the lambda's source text, which
  // ends with the body's last token.
  PyExprPtr parse_lambda() {
    const Token& kw = next();
    auto lambda = make_expr(ExprKind::Lambda, kw.loc);
    while (!is_op(":")) {
      if (peek().kind != TokKind::Name || is_keyword(peek().text)) fail_expected("a parameter name or ':' in lambda");
      auto param = make_expr(ExprKind::Name, peek().loc);
      param->str = next().text;
      add_child(*lambda, std::move(param));
      if (!accept_op(",")) break;
    }
    expect_op(":", "after the lambda's parameters");
    add_child(*lambda, parse_test());
    const Token& last = toks_[pos_ - 1];
    if (last.kind == TokKind::String) src_.fail(last.loc, "string literals are not supported in a lambda");
    size_t begin = src_.offset(kw.loc);
    size_t end = src_.offset(last.loc) + last.text.size();
    lambda->str = std::string(src_.text().substr(begin, end > begin ? end - begin : 0));
    return lambda;
  }

  PyExprPtr parse_or() {
    PyExprPtr e = parse_and();
    while (is_name("or")) {
      auto op = make_expr(ExprKind::BoolOp, e->loc);
      next();
      op->str = "or";
      add_child(*op, std::move(e));
      add_child(*op, parse_and());
      e = std::move(op);
    }
    return e;
  }

  PyExprPtr parse_and() {
    PyExprPtr e = parse_not();
    while (is_name("and")) {
      auto op = make_expr(ExprKind::BoolOp, e->loc);
      next();
      op->str = "and";
      add_child(*op, std::move(e));
      add_child(*op, parse_not());
      e = std::move(op);
    }
    return e;
  }

  PyExprPtr parse_not() {
    DepthGuard guard(*this, peek().loc);
    if (is_name("not")) {
      auto op = make_expr(ExprKind::UnaryOp, next().loc);
      op->str = "not";
      add_child(*op, parse_not());
      return op;
    }
    return parse_comparison();
  }

  std::string compare_op() {
    const Token& t = peek();
    if (t.kind == TokKind::Op &&
        (t.text == "<" || t.text == ">" || t.text == "<=" || t.text == ">=" || t.text == "==" || t.text == "!=")) {
      return t.text;
    }
    if (t.kind == TokKind::Name && (t.text == "in" || t.text == "is")) {
      src_.fail(t.loc, "operator '" + t.text + "' is not supported");
    }
    if (t.kind == TokKind::Name && t.text == "not" && peek(1).kind == TokKind::Name && peek(1).text == "in") {
      src_.fail(t.loc, "operator 'not in' is not supported");
    }
    return "";
  }

  PyExprPtr parse_comparison() {
    Loc loc = peek().loc;
    PyExprPtr first = parse_arith();
    std::string op = compare_op();
    if (op.empty()) return first;
    auto cmp = make_expr(ExprKind::Compare, loc);
    add_child(*cmp, std::move(first));
    while (!op.empty()) {
      next();
      cmp->ops.push_back(op);
      add_child(*cmp, parse_arith());
      if (cmp->ops.size() > 16) src_.fail(loc, "comparison chain too long");
      op = compare_op();
    }
    return cmp;
  }

  PyExprPtr parse_arith() {
    PyExprPtr e = parse_term();
    while (is_op("+") || is_op("-")) {
      auto op = make_expr(ExprKind::BinOp, e->loc);
      op->str = next().text;
      add_child(*op, std::move(e));
      add_child(*op, parse_term());
      e = std::move(op);
    }
    return e;
  }

  PyExprPtr parse_term() {
    PyExprPtr e = parse_factor();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%") || is_op("@")) {
      if (is_op("@")) src_.fail(peek().loc, "operator '@' is not supported");
      auto op = make_expr(ExprKind::BinOp, e->loc);
      op->str = next().text;
      add_child(*op, std::move(e));
      add_child(*op, parse_factor());
      e = std::move(op);
    }
    return e;
  }

  PyExprPtr parse_factor() {
    DepthGuard guard(*this, peek().loc);
    if (is_op("-") || is_op("+")) {
      auto op = make_expr(ExprKind::UnaryOp, peek().loc);
      op->str = next().text;
      add_child(*op, parse_factor());
      return op;
    }
    PyExprPtr base = parse_primary();
    if (is_op("**")) {
      auto op = make_expr(ExprKind::BinOp, base->loc);
      op->str = next().text;
      add_child(*op, std::move(base));
      add_child(*op, parse_factor());
      return op;
    }
    return base;
  }

  PyExprPtr parse_primary() {
    PyExprPtr e = parse_atom();
    while (true) {
      if (is_op(".")) {
        next();
        auto attr = make_expr(ExprKind::Attr, e->loc);
        attr->str = expect_name("attribute name after '.'");
        add_child(*attr, std::move(e));
        e = std::move(attr);
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else if (is_op("[")) {
        e = parse_subscript(std::move(e));
      } else {
        return e;
      }
    }
  }

  PyExprPtr parse_call(PyExprPtr func) {
    Loc open = next().loc;
    std::string name = dotted_name(*func);
    std::string context = name.empty() ? "after call arguments" : "after arguments of " + name;
    auto call = make_expr(ExprKind::Call, func->loc);
    add_child(*call, std::move(func));
    while (!is_op(")")) {
      if (peek().kind == TokKind::Name && is_op("=", 1)) {
        Keyword kw;
        kw.loc = peek().loc;
        kw.name = next().text;
        next();
        kw.value = parse_test();
        call->depth = std::max(call->depth, kw.value->depth + 1);
        if (call->depth > kMaxNestingDepth) src_.fail(call->loc, "expression nested too deeply");
        for (const Keyword& other : call->keywords) {
          if (other.name == kw.name) src_.fail(kw.loc, "keyword argument '" + kw.name + "' repeated");
        }
        call->keywords.push_back(std::move(kw));
      } else {
        if (is_op("*") || is_op("**")) src_.fail(peek().loc, "starred arguments are not supported");
        if (!call->keywords.empty()) src_.fail(peek().loc, "positional argument follows keyword argument");
        if (!starts_expr()) fail_expected("an argument or ')' " + context);
        add_child(*call, parse_test());
      }
      if (!accept_op(",")) break;
    }
    if (!is_op(")")) {
      (void)open;
      fail_expected("')' " + context);
    }
    next();
    return call;
  }

  PyExprPtr parse_subscript(PyExprPtr value) {
    next();
    auto sub = make_expr(ExprKind::Subscript, value->loc);
    add_child(*sub, std::move(value));
    while (!is_op("]")) {
      add_child(*sub, parse_slice_or_test());
      if (!accept_op(",")) break;
    }
    if (sub->children.size() == 1) fail_expected("an index");
    if (!accept_op("]")) fail_expected("']' after subscript");
    return sub;
  }

  PyExprPtr parse_slice_or_test() {
    Loc loc = peek().loc;
    PyExprPtr lower;
    if (!is_op(":")) {
      lower = parse_test();
      if (!is_op(":")) return lower;
    }
    next();
    auto slice = make_expr(ExprKind::Slice, loc);
    add_child(*slice, std::move(lower));
    add_child(*slice, (is_op(",") || is_op("]") || is_op(":")) ? nullptr : parse_test());
    if (accept_op(":")) {
      add_child(*slice, (is_op(",") || is_op("]")) ? nullptr : parse_test());
    } else {
      slice->children.push_back(nullptr);
    }
    return slice;
  }

  PyExprPtr parse_atom() {
    DepthGuard guard(*this, peek().loc);
    const Token& t = peek();
    switch (t.kind) {
      case TokKind::Name: {
        if (t.text == "True" || t.text == "False") {
          auto e = make_expr(ExprKind::Bool, t.loc);
          e->bool_value = t.text == "True";
          next();
          return e;
        }
        if (t.text == "None") {
          auto e = make_expr(ExprKind::None, t.loc);
          next();
          return e;
        }
        if (is_keyword(t.text)) fail_expected("an expression");
        auto e = make_expr(ExprKind::Name, t.loc);
        e->str = next().text;
        return e;
      }
      case TokKind::Int: {
        auto e = make_expr(ExprKind::Int, t.loc);
        e->int_value = t.int_value;
        e->str = next().text;
        return e;
      }
      case TokKind::Float: {
        auto e = make_expr(ExprKind::Float, t.loc);
        e->float_value = t.float_value;
        e->str = next().text;
        return e;
      }
      case TokKind::String: {
        auto e = make_expr(ExprKind::Str, t.loc);
        while (peek().kind == TokKind::String) e->str += next().text;
        return e;
      }
      case TokKind::Op: {
        if (t.text == "(") {
          Loc loc = next().loc;
          if (accept_op(")")) {
            auto e = make_expr(ExprKind::Tuple, loc);
            e->parenthesized = true;
            return e;
          }
          PyExprPtr first = parse_test();
          if (accept_op(")")) return first;
          if (!is_op(",")) fail_expected("')' to close '(' at line " + std::to_string(loc.line));
          auto tuple = make_expr(ExprKind::Tuple, loc);
          tuple->parenthesized = true;
          add_child(*tuple, std::move(first));
          while (accept_op(",")) {
            if (is_op(")")) break;
            add_child(*tuple, parse_test());
          }
          if (!accept_op(")")) fail_expected("')' to close '(' at line " + std::to_string(loc.line));
          return tuple;
        }
        if (t.text == "[") {
          auto list = make_expr(ExprKind::List, next().loc);
          while (!is_op("]")) {
            add_child(*list, parse_test());
            if (!accept_op(",")) break;
          }
          if (!accept_op("]")) fail_expected("']' to close the list");
          return list;
        }
        if (t.text == "{") {
          auto dict = make_expr(ExprKind::Dict, next().loc);
          while (!is_op("}")) {
            add_child(*dict, parse_test());
            expect_op(":", "after dictionary key");
            add_child(*dict, parse_test());
            if (!accept_op(",")) break;
          }
          if (!accept_op("}")) fail_expected("'}' to close the dictionary");
          return dict;
        }
        break;
      }
      default:
        break;
    }
    fail_expected("an expression");
  }

  const Source& src_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::vector<PyStmtPtr> parse_python(const Source& source) { return Parser(source, tokenize(source)).parse_file(); }

}  // namespace loom::script::detail
