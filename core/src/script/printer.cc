// The TVMScript printer: functions and modules in the style TVM prints TensorIR, written
// so that the parser reads every construct back to a structurally equal tree.
#include "loom/script/printer.h"

#include <charconv>
#include <cmath>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "loom/ir/ir.h"
#include "range.h"

namespace loom::script {

namespace {

using namespace loom::ir;

// Precedences, as in Python: larger binds tighter.
constexpr int kPrecOr = 1, kPrecAnd = 2, kPrecNot = 3, kPrecCmp = 4, kPrecAdd = 6, kPrecMul = 7, kPrecUnary = 8,
              kPrecAtom = 10;

bool is_python_keyword(const std::string& s) {
  static const std::set<std::string> kKeywords = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
  return kKeywords.count(s) != 0;
}

std::string sanitize(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty()) out = "v";
  if (out[0] >= '0' && out[0] <= '9') out = "v_" + out;
  if (is_python_keyword(out)) out += "_";
  return out;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

// The shortest text that parses back to exactly `v` (a float32 constant holds a double
// too, so its double spelling is what round-trips).
std::string float_text(double v) {
  char buf[64];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

bool uses_any_var(const Expr& e, const std::unordered_set<const VarNode*>& vars) {
  bool found = false;
  post_order_visit(e, [&](const Object* node) {
    if (node->kind() == NodeKind::Var && vars.count(static_cast<const VarNode*>(node))) found = true;
  });
  return found;
}

bool contains_block(const Stmt& s) {
  bool found = false;
  post_order_visit(s, [&](const Object* node) { found = found || node->kind() == NodeKind::BlockRealize; });
  return found;
}

bool same_expr(const Expr& a, const Expr& b) {
  StructuralEqualOptions exact;
  exact.map_free_vars = false;
  return a.same_as(b) || structural_equal(a, b, exact);
}

class ScriptPrinter {
 public:
  explicit ScriptPrinter(int indent) : indent_(indent) {}

  std::string print_func(const PrimFunc& f, const std::string& name) {
    scopes_.emplace_back();
    std::vector<std::string> params;
    std::vector<std::string> match_lines;
    // 1) Names of parameters and their buffers, before any shape is printed.
    for (const Var& p : f->params) {
      Buffer b = f->buffer_of(p);
      if (b.defined() && p.name() == b->name) {
        names_[p.get()] = define(b.get(), b->name);
      } else {
        define(p.get(), p.name());
        if (b.defined()) define(b.get(), b->name);
      }
    }
    // 2) The signature and the T.match_buffer lines of handle-style parameters.
    for (const Var& p : f->params) {
      Buffer b = f->buffer_of(p);
      if (b.defined() && p.name() == b->name) {
        params.push_back(name_of(b) + ": T.Buffer(" + buffer_args(b) + ")");
      } else if (b.defined()) {
        params.push_back(var_name(p) + ": T.handle");
        match_lines.push_back(name_of(b) + " = T.match_buffer(" + var_name(p) + ", " + buffer_args(b) + ")");
      } else {
        params.push_back(var_name(p) + ": T." + p.dtype().to_string());
      }
    }
    line("@T.prim_func");
    std::string sig = "def " + sanitize(name) + "(";
    for (size_t i = 0; i < params.size(); ++i) sig += (i ? ", " : "") + params[i];
    line(sig + "):");
    ++indent_;
    if (!f->attrs.empty()) line("T.func_attr(" + annotations(f->attrs) + ")");
    for (const std::string& m : match_lines) line(m);
    // 3) The body, with the root block elided when the parser would recreate it.
    const auto* realize = f->body.as<BlockRealizeNode>();
    if (realize && elide_root(*realize)) {
      const BlockNode* root = realize->block.get();
      for (const Buffer& b : root->alloc_buffers) {
        std::string decl = buffer_args(b);
        line(define(b.get(), b->name) + " = T.alloc_buffer(" + decl + ")");
      }
      print_stmt(root->body, true);
    } else {
      print_stmt(f->body, true);
    }
    --indent_;
    scopes_.pop_back();
    return os_.str();
  }

 private:
  // ---- names -------------------------------------------------------------------------

  // Gives `obj` a name unique among the names visible now, and makes it visible.
  std::string define(const Object* obj, const std::string& base) {
    std::string clean = sanitize(base);
    std::string name = clean;
    for (int k = 1; visible_[name] > 0; ++k) name = clean + "_" + std::to_string(k);
    names_[obj] = name;
    ++visible_[name];
    scopes_.back().push_back(name);
    return name;
  }
  void push_scope() { scopes_.emplace_back(); }
  void pop_scope() {
    for (const std::string& n : scopes_.back()) --visible_[n];
    scopes_.pop_back();
  }
  std::string var_name(const Var& v) {
    auto it = names_.find(v.get());
    return it != names_.end() ? it->second : sanitize(v.name());
  }
  std::string name_of(const Buffer& b) {
    auto it = names_.find(b.get());
    return it != names_.end() ? it->second : sanitize(b->name);
  }
  std::string block_name(const std::string& base) {
    std::string name = base;
    for (int k = 1; block_names_.count(name); ++k) name = base + "_" + std::to_string(k);
    block_names_.insert(name);
    return name;
  }

  // ---- expressions -------------------------------------------------------------------

  int prec(const Expr& e) {
    switch (e->kind()) {
      case NodeKind::IntImm: {
        const auto* imm = e.as<IntImmNode>();
        return e.dtype() == DataType::Int(32) && imm->value < 0 ? kPrecUnary : kPrecAtom;
      }
      case NodeKind::FloatImm: {
        double v = e.as<FloatImmNode>()->value;
        return e.dtype() == DataType::Float(32) && std::isfinite(v) && std::signbit(v) ? kPrecUnary : kPrecAtom;
      }
      case NodeKind::Add:
      case NodeKind::Sub:
        return kPrecAdd;
      case NodeKind::Mul:
      case NodeKind::FloorDiv:
      case NodeKind::FloorMod:
        return kPrecMul;
      case NodeKind::Div:
        return e.dtype().is_float() ? kPrecMul : kPrecAtom;
      case NodeKind::EQ:
      case NodeKind::NE:
      case NodeKind::LT:
      case NodeKind::LE:
      case NodeKind::GT:
      case NodeKind::GE:
        return kPrecCmp;
      case NodeKind::And:
        return kPrecAnd;
      case NodeKind::Or:
        return kPrecOr;
      case NodeKind::Not:
        return kPrecNot;
      default:
        return kPrecAtom;
    }
  }

  std::string wrap(const Expr& e, int min_prec) {
    std::string s = expr(e);
    return prec(e) < min_prec ? "(" + s + ")" : s;
  }

  template <NodeKind K>
  std::string infix(const Expr& e, const char* op, int p, bool chain_safe = true) {
    const auto* n = static_cast<const BinaryNode<K>*>(e.get());
    return wrap(n->a, chain_safe ? p : p + 1) + " " + op + " " + wrap(n->b, p + 1);
  }
  template <NodeKind K>
  std::string fcall(const Expr& e, const char* fn) {
    const auto* n = static_cast<const BinaryNode<K>*>(e.get());
    return std::string("T.") + fn + "(" + expr(n->a) + ", " + expr(n->b) + ")";
  }

  std::string int_const(const Expr& e) {
    int64_t v = e.as<IntImmNode>()->value;
    DataType t = e.dtype();
    if (t.is_bool()) return v ? "True" : "False";
    if (t == DataType::Int(32)) return std::to_string(v);
    return "T." + t.to_string() + "(" + std::to_string(v) + ")";
  }

  std::string float_const(const Expr& e) {
    double v = e.as<FloatImmNode>()->value;
    DataType t = e.dtype();
    std::string text;
    if (std::isnan(v)) {
      text = "\"nan\"";
    } else if (std::isinf(v)) {
      text = v > 0 ? "\"inf\"" : "\"-inf\"";
    } else {
      text = float_text(v);
      if (t == DataType::Float(32)) return text;
    }
    return "T." + t.to_string() + "(" + text + ")";
  }

  std::string expr(const Expr& e) {
    if (!e.defined()) return "None";
    switch (e->kind()) {
      case NodeKind::IntImm:
        return int_const(e);
      case NodeKind::FloatImm:
        return float_const(e);
      case NodeKind::Var:
        return var_name(Var(e.as<VarNode>()));
      case NodeKind::BufferLoad: {
        const auto* op = e.as<BufferLoadNode>();
        return name_of(op->buffer) + "[" + index_list(op->indices) + "]";
      }
      case NodeKind::Add:
        return infix<NodeKind::Add>(e, "+", kPrecAdd);
      case NodeKind::Sub:
        return infix<NodeKind::Sub>(e, "-", kPrecAdd);
      case NodeKind::Mul:
        return infix<NodeKind::Mul>(e, "*", kPrecMul);
      case NodeKind::Div:
        return e.dtype().is_float() ? infix<NodeKind::Div>(e, "/", kPrecMul) : fcall<NodeKind::Div>(e, "truncdiv");
      case NodeKind::Mod:
        return fcall<NodeKind::Mod>(e, "truncmod");
      case NodeKind::FloorDiv:
        return infix<NodeKind::FloorDiv>(e, "//", kPrecMul);
      case NodeKind::FloorMod:
        return infix<NodeKind::FloorMod>(e, "%", kPrecMul);
      case NodeKind::Min:
        return fcall<NodeKind::Min>(e, "min");
      case NodeKind::Max:
        return fcall<NodeKind::Max>(e, "max");
      case NodeKind::EQ:
        return infix<NodeKind::EQ>(e, "==", kPrecCmp, false);
      case NodeKind::NE:
        return infix<NodeKind::NE>(e, "!=", kPrecCmp, false);
      case NodeKind::LT:
        return infix<NodeKind::LT>(e, "<", kPrecCmp, false);
      case NodeKind::LE:
        return infix<NodeKind::LE>(e, "<=", kPrecCmp, false);
      case NodeKind::GT:
        return infix<NodeKind::GT>(e, ">", kPrecCmp, false);
      case NodeKind::GE:
        return infix<NodeKind::GE>(e, ">=", kPrecCmp, false);
      case NodeKind::And:
        return infix<NodeKind::And>(e, "and", kPrecAnd);
      case NodeKind::Or:
        return infix<NodeKind::Or>(e, "or", kPrecOr);
      case NodeKind::Not:
        return "not " + wrap(e.as<NotNode>()->a, kPrecNot);
      case NodeKind::Select: {
        const auto* op = e.as<SelectNode>();
        return "T.Select(" + expr(op->condition) + ", " + expr(op->true_value) + ", " + expr(op->false_value) + ")";
      }
      case NodeKind::Cast: {
        const auto* op = e.as<CastNode>();
        return "T.Cast(" + quote(e.dtype().to_string()) + ", " + expr(op->value) + ")";
      }
      case NodeKind::Ramp: {
        const auto* op = e.as<RampNode>();
        return "T.Ramp(" + expr(op->base) + ", " + expr(op->stride) + ", " + std::to_string(op->lanes) + ")";
      }
      case NodeKind::Broadcast: {
        const auto* op = e.as<BroadcastNode>();
        return "T.Broadcast(" + expr(op->value) + ", " + std::to_string(op->lanes) + ")";
      }
      case NodeKind::Call: {
        const auto* op = e.as<CallNode>();
        std::string s = std::string("T.") + intrinsic_name(op->op) + "(";
        for (size_t i = 0; i < op->args.size(); ++i) s += (i ? ", " : "") + expr(op->args[i]);
        return s + ")";
      }
      default:
        return "<?>";
    }
  }

  std::string index_list(const std::vector<Expr>& indices) {
    if (indices.empty()) return "()";
    std::string s;
    for (size_t i = 0; i < indices.size(); ++i) s += (i ? ", " : "") + expr(indices[i]);
    return s;
  }

  std::string tuple(const std::vector<Expr>& items) {
    std::string s = "(";
    for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + expr(items[i]);
    return s + (items.size() == 1 ? ",)" : ")");
  }

  // The end of [min, min + extent), spelled so that the parser recovers the extent.
  std::string range_end(const Range& r) {
    try {
      return expr(detail::range_end_for_print(r));
    } catch (const UserError&) {
      return expr(r.min) + " + " + wrap(r.extent, kPrecAdd + 1);
    }
  }

  std::string region(const BufferRegion& r) {
    if (r.region.empty()) return name_of(r.buffer) + "[()]";
    std::string s = name_of(r.buffer) + "[";
    for (size_t i = 0; i < r.region.size(); ++i) {
      const Range& rg = r.region[i];
      if (i) s += ", ";
      if (is_one(rg.extent)) {
        s += expr(rg.min);
      } else {
        s += expr(rg.min) + ":" + range_end(rg);
      }
    }
    return s + "]";
  }

  std::string ann_value(const AnnValue& v) {
    if (const auto* i = v.as_int()) return std::to_string(*i);
    if (const auto* f = v.as_float()) return float_text(*f);
    if (const auto* s = v.as_string()) return quote(*s);
    if (const auto* e = v.as_expr()) {
      // Bare int32 / float32 constants would read back as plain numbers; keep their dtype.
      if (e->is<IntImmNode>() && e->dtype() == DataType::Int(32)) return "T.int32(" + expr(*e) + ")";
      if (e->is<FloatImmNode>() && e->dtype() == DataType::Float(32) && std::isfinite(e->as<FloatImmNode>()->value)) {
        return "T.float32(" + expr(*e) + ")";
      }
      return expr(*e);
    }
    const auto* list = v.as_list();
    std::string s = "[";
    for (size_t i = 0; i < list->size(); ++i) s += (i ? ", " : "") + ann_value((*list)[i]);
    return s + "]";
  }

  std::string annotations(const Annotations& anns) {
    std::string s = "{";
    bool first = true;
    for (const auto& [k, v] : anns) {
      s += (first ? "" : ", ") + quote(k) + ": " + ann_value(v);
      first = false;
    }
    return s + "}";
  }

  std::string buffer_args(const Buffer& b) {
    std::string s = tuple(b->shape) + ", " + quote(b->dtype.to_string());
    if (!b->strides.empty()) s += ", strides=" + tuple(b->strides);
    if (b->elem_offset.defined()) s += ", elem_offset=" + expr(b->elem_offset);
    if (b->scope != "global") s += ", scope=" + quote(b->scope);
    return s;
  }

  // ---- statements --------------------------------------------------------------------

  void line(const std::string& text) {
    for (int i = 0; i < indent_; ++i) os_ << "    ";
    os_ << text << "\n";
  }

  bool elide_root(const BlockRealizeNode& realize) {
    const BlockNode* b = realize.block.get();
    if (!realize.iter_values.empty() || !is_const_true(realize.predicate) || b->name != "root" ||
        !b->iter_vars.empty() || !b->reads.empty() || !b->writes.empty() || b->init.defined() ||
        !b->match_buffers.empty() || !b->annotations.empty()) {
      return false;
    }
    // The parser makes a root block only when the body holds a block or the function
    // allocates, and takes a lone top-level block without iteration variables as the root.
    if (!contains_block(b->body) && b->alloc_buffers.empty()) return false;
    if (const auto* inner = b->body.as<BlockRealizeNode>(); inner && inner->iter_values.empty()) return false;
    return true;
  }

  void print_body(const Stmt& s) {
    ++indent_;
    push_scope();
    print_stmt(s, true);
    pop_scope();
    --indent_;
  }

  void print_stmt(const Stmt& s, bool tail) {
    switch (s->kind()) {
      case NodeKind::SeqStmt: {
        const auto& seq = s.as<SeqStmtNode>()->seq;
        for (size_t i = 0; i < seq.size(); ++i) print_stmt(seq[i], tail && i + 1 == seq.size());
        return;
      }
      case NodeKind::For:
        print_for(s.as<ForNode>());
        return;
      case NodeKind::BlockRealize:
        print_block(s.as<BlockRealizeNode>());
        return;
      case NodeKind::BufferStore: {
        const auto* op = s.as<BufferStoreNode>();
        line(name_of(op->buffer) + "[" + index_list(op->indices) + "] = " + expr(op->value));
        return;
      }
      case NodeKind::IfThenElse: {
        const auto* op = s.as<IfThenElseNode>();
        line("if " + expr(op->condition) + ":");
        print_body(op->then_case);
        Stmt rest = op->else_case;
        while (rest.defined()) {
          const auto* elif = rest.as<IfThenElseNode>();
          if (!elif) {
            line("else:");
            print_body(rest);
            break;
          }
          line("elif " + expr(elif->condition) + ":");
          print_body(elif->then_case);
          rest = elif->else_case;
        }
        return;
      }
      case NodeKind::Evaluate:
        line("T.evaluate(" + expr(s.as<EvaluateNode>()->value) + ")");
        return;
      case NodeKind::LetStmt: {
        const auto* op = s.as<LetStmtNode>();
        std::string value = expr(op->value);
        if (tail && op->var.dtype() == op->value.dtype()) {
          // `x = value` binds x for the rest of the enclosing statement list.
          line(define(op->var.get(), op->var.name()) + " = " + value);
          print_stmt(op->body, true);
          return;
        }
        push_scope();
        line("with T.LetStmt(" + value + ") as " + define(op->var.get(), op->var.name()) + ":");
        ++indent_;
        print_stmt(op->body, true);
        --indent_;
        pop_scope();
        return;
      }
      case NodeKind::Allocate: {
        const auto* op = s.as<AllocateNode>();
        std::string args = buffer_args(op->buffer);
        if (tail) {
          line(define(op->buffer.get(), op->buffer->name) + " = T.decl_buffer(" + args + ")");
          print_stmt(op->body, true);
          return;
        }
        push_scope();
        line("with T.decl_buffer(" + args + ") as " + define(op->buffer.get(), op->buffer->name) + ":");
        ++indent_;
        print_stmt(op->body, true);
        --indent_;
        pop_scope();
        return;
      }
      case NodeKind::Block:
        line("# a Block outside a BlockRealize cannot be printed");
        return;
      default:
        line("# unknown statement");
        return;
    }
  }

  static bool grid_loop(const ForNode* f) {
    return f->for_kind == ForKind::Serial && is_zero(f->min) && f->annotations.empty();
  }

  void print_for(const ForNode* f) {
    // Perfectly nested serial loops from 0 without annotations print as one T.grid,
    // as long as no extent uses a variable of the nest.
    std::vector<const ForNode*> chain{f};
    if (grid_loop(f)) {
      std::unordered_set<const VarNode*> vars{f->loop_var.get()};
      while (const auto* inner = chain.back()->body.as<ForNode>()) {
        if (!grid_loop(inner) || uses_any_var(inner->extent, vars)) break;
        chain.push_back(inner);
        vars.insert(inner->loop_var.get());
      }
    }
    push_scope();
    std::string header;
    if (chain.size() > 1) {
      std::string extents;
      for (size_t i = 0; i < chain.size(); ++i) extents += (i ? ", " : "") + expr(chain[i]->extent);
      std::string names;
      for (size_t i = 0; i < chain.size(); ++i) {
        names += (i ? ", " : "") + define(chain[i]->loop_var.get(), chain[i]->loop_var.name());
      }
      header = "for " + names + " in T.grid(" + extents + "):";
    } else {
      std::string args = is_zero(f->min) ? expr(f->extent) : expr(f->min) + ", " + range_end({f->min, f->extent});
      std::string fn;
      switch (f->for_kind) {
        case ForKind::Serial:
          fn = f->annotations.empty() && is_zero(f->min) ? "range" : "T.serial";
          break;
        case ForKind::Parallel:
          fn = "T.parallel";
          break;
        case ForKind::Vectorized:
          fn = "T.vectorized";
          break;
        case ForKind::Unrolled:
          fn = "T.unroll";
          break;
        case ForKind::ThreadBinding:
          fn = "T.thread_binding";
          break;
      }
      if (f->for_kind == ForKind::ThreadBinding) args += ", thread=" + quote(f->thread_tag);
      if (!f->annotations.empty()) args += ", annotations=" + annotations(f->annotations);
      header = "for " + define(f->loop_var.get(), f->loop_var.name()) + " in " + fn + "(" + args + "):";
    }
    line(header);
    for (const ForNode* l : chain) loops_.push_back(l);
    ++indent_;
    print_stmt(chain.back()->body, true);
    --indent_;
    loops_.resize(loops_.size() - chain.size());
    pop_scope();
  }

  // The loop whose variable is `v`, among the enclosing loops.
  const ForNode* enclosing_loop(const Expr& v) {
    for (const ForNode* l : loops_) {
      if (l->loop_var.same_as(v)) return l;
    }
    return nullptr;
  }

  bool can_remap(const BlockRealizeNode* r) {
    const BlockNode* b = r->block.get();
    if (b->iter_vars.empty()) return false;
    std::unordered_set<const Object*> seen;
    for (size_t i = 0; i < b->iter_vars.size(); ++i) {
      const IterVar& iv = b->iter_vars[i];
      if (iv.type != IterType::DataPar && iv.type != IterType::CommReduce) return false;
      const ForNode* loop = enclosing_loop(r->iter_values[i]);
      if (!loop || !seen.insert(loop).second) return false;
      if (!same_expr(loop->min, iv.dom.min) || !same_expr(loop->extent, iv.dom.extent)) return false;
      if (iv.var.dtype() != loop->loop_var.dtype()) return false;
    }
    return true;
  }

  void print_block(const BlockRealizeNode* r) {
    const BlockNode* b = r->block.get();
    line("with T.block(" + quote(block_name(b->name)) + "):");
    ++indent_;
    push_scope();
    if (can_remap(r)) {
      std::string kinds, loops;
      for (size_t i = 0; i < b->iter_vars.size(); ++i) {
        kinds += b->iter_vars[i].type == IterType::DataPar ? 'S' : 'R';
        loops += (i ? ", " : "") + expr(r->iter_values[i]);
      }
      std::string names;
      for (size_t i = 0; i < b->iter_vars.size(); ++i) {
        names += (i ? ", " : "") + define(b->iter_vars[i].var.get(), b->iter_vars[i].var.name());
      }
      line(names + " = T.axis.remap(" + quote(kinds) + ", [" + loops + "])");
    } else {
      for (size_t i = 0; i < b->iter_vars.size(); ++i) {
        const IterVar& iv = b->iter_vars[i];
        const char* fn = iv.type == IterType::DataPar      ? "spatial"
                         : iv.type == IterType::CommReduce ? "reduce"
                         : iv.type == IterType::Ordered    ? "scan"
                                                           : "opaque";
        std::string dom =
            is_zero(iv.dom.min) ? expr(iv.dom.extent) : "(" + expr(iv.dom.min) + ", " + range_end(iv.dom) + ")";
        std::string binding = expr(r->iter_values[i]);
        line(define(iv.var.get(), iv.var.name()) + " = T.axis." + fn + "(" + dom + ", " + binding + ")");
      }
    }
    if (!is_const_true(r->predicate)) line("T.where(" + expr(r->predicate) + ")");
    // Buffers the block allocates or matches are in scope in its regions.
    std::vector<std::string> alloc_lines;
    for (const Buffer& a : b->alloc_buffers) {
      std::string args = buffer_args(a);
      alloc_lines.push_back(define(a.get(), a->name) + " = T.alloc_buffer(" + args + ")");
    }
    std::vector<std::string> match_lines;
    for (const MatchBufferRegion& m : b->match_buffers) {
      std::string src = region(m.source);
      std::string args = buffer_args(m.buffer);
      match_lines.push_back(define(m.buffer.get(), m.buffer->name) + " = T.match_buffer(" + src + ", " + args + ")");
    }
    std::string reads, writes;
    for (size_t i = 0; i < b->reads.size(); ++i) reads += (i ? ", " : "") + region(b->reads[i]);
    for (size_t i = 0; i < b->writes.size(); ++i) writes += (i ? ", " : "") + region(b->writes[i]);
    line("T.reads(" + reads + ")");
    line("T.writes(" + writes + ")");
    if (!b->annotations.empty()) line("T.block_attr(" + annotations(b->annotations) + ")");
    for (const std::string& l : alloc_lines) line(l);
    for (const std::string& l : match_lines) line(l);
    if (b->init.defined()) {
      line("with T.init():");
      print_body(b->init);
    }
    print_stmt(b->body, true);
    pop_scope();
    --indent_;
  }

  std::ostringstream os_;
  int indent_;
  std::unordered_map<const Object*, std::string> names_;
  std::vector<std::vector<std::string>> scopes_;
  std::unordered_map<std::string, int> visible_;
  std::set<std::string> block_names_;
  std::vector<const ForNode*> loops_;
};

}  // namespace

std::string print(const ir::PrimFunc& func) {
  return "# from tvm.script import tir as T\n\n" + ScriptPrinter(0).print_func(func, func->name);
}

std::string print(const ir::IRModule& mod) {
  std::string out =
      "# from tvm.script import ir as I\n# from tvm.script import tir as T\n\n@I.ir_module\nclass Module:\n";
  bool first = true;
  for (const auto& [name, func] : mod.functions()) {
    if (!first) out += "\n";
    first = false;
    out += ScriptPrinter(1).print_func(func, name);
  }
  if (mod.size() == 0) out += "    pass\n";
  return out;
}

}  // namespace loom::script
