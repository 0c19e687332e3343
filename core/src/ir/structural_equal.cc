// Structural equality (with the path of the first difference) and structural hashing,
// modulo names. Both walk the trees in the same order; a variable or buffer is matched at
// its definition site (function parameter, loop, block iter var, let, allocation) and must
// then be used consistently.
#include "loom/ir/structural_equal.h"

#include <functional>
#include <sstream>
#include <unordered_map>

#include "fmt/format.h"
#include "loom/ir/printer.h"

namespace loom::ir {

std::string StructuralDiff::to_string() const { return fmt::format("{}: {} vs {}", path, lhs, rhs); }

namespace {

std::string ann_to_string(const AnnValue& v) {
  if (const auto* i = v.as_int()) return std::to_string(*i);
  if (const auto* f = v.as_float()) return float_literal(*f);
  if (const auto* s = v.as_string()) return "\"" + *s + "\"";
  if (const auto* e = v.as_expr()) return ir::to_string(*e);
  std::string out = "[";
  for (const AnnValue& x : *v.as_list()) out += (out.size() > 1 ? ", " : "") + ann_to_string(x);
  return out + "]";
}

class Comparer {
 public:
  explicit Comparer(const StructuralEqualOptions& options) : options_(options) {}

  std::optional<StructuralDiff> diff;

  bool func(const PrimFunc& a, const PrimFunc& b) {
    Scope s(this, "func " + a->name);
    if (options_.strict_names && a->name != b->name) return fail("name", a->name, b->name);
    if (a->params.size() != b->params.size())
      return fail("param count", std::to_string(a->params.size()), std::to_string(b->params.size()));
    for (size_t i = 0; i < a->params.size(); ++i) {
      Scope p(this, fmt::format("param {}", i));
      if (!define_var(a->params[i], b->params[i])) return false;
      Buffer ba = a->buffer_of(a->params[i]), bb = b->buffer_of(b->params[i]);
      if (ba.defined() != bb.defined())
        return fail("buffer", ba.defined() ? ba->name : "scalar", bb.defined() ? bb->name : "scalar");
      if (ba.defined() && !define_buffer(ba, bb)) return false;
    }
    if (!annotations("attrs", a->attrs, b->attrs)) return false;
    return stmt(a->body, b->body);
  }

  bool module(const IRModule& a, const IRModule& b) {
    auto ia = a.functions().begin(), ib = b.functions().begin();
    for (; ia != a.functions().end() && ib != b.functions().end(); ++ia, ++ib) {
      if (ia->first != ib->first) return fail("module", "function " + ia->first, "function " + ib->first);
      if (!func(ia->second, ib->second)) return false;
    }
    if (a.size() != b.size())
      return fail("module", std::to_string(a.size()) + " functions", std::to_string(b.size()) + " functions");
    return true;
  }

  bool expr(const Expr& a, const Expr& b) {
    if (a.defined() != b.defined())
      return fail("", a.defined() ? ir::to_string(a) : "(none)", b.defined() ? ir::to_string(b) : "(none)");
    if (!a.defined()) return true;
    if (a->kind() != b->kind()) return fail("", ir::to_string(a), ir::to_string(b));
    if (a.dtype() != b.dtype()) return fail("dtype", a.dtype().to_string(), b.dtype().to_string());
    switch (a->kind()) {
      case NodeKind::IntImm:
        if (a.as<IntImmNode>()->value != b.as<IntImmNode>()->value) return fail("", ir::to_string(a), ir::to_string(b));
        return true;
      case NodeKind::FloatImm: {
        double x = a.as<FloatImmNode>()->value, y = b.as<FloatImmNode>()->value;
        if (!(x == y || (x != x && y != y))) return fail("", ir::to_string(a), ir::to_string(b));
        return true;
      }
      case NodeKind::Var:
        return use_var(Var(a.as<VarNode>()), Var(b.as<VarNode>()));
      case NodeKind::BufferLoad: {
        const auto *x = a.as<BufferLoadNode>(), *y = b.as<BufferLoadNode>();
        if (!use_buffer(x->buffer, y->buffer)) return false;
        return exprs("index", x->indices, y->indices);
      }
#define LOOM_X(T)                                                              \
  case NodeKind::T: {                                                          \
    const auto *x = a.as<T##Node>(), *y = b.as<T##Node>();                     \
    return sub_expr(#T ".lhs", x->a, y->a) && sub_expr(#T ".rhs", x->b, y->b); \
  }
        LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
        LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
        LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
      case NodeKind::Not:
        return sub_expr("Not.operand", a.as<NotNode>()->a, b.as<NotNode>()->a);
      case NodeKind::Select: {
        const auto *x = a.as<SelectNode>(), *y = b.as<SelectNode>();
        return sub_expr("condition", x->condition, y->condition) &&
               sub_expr("true_value", x->true_value, y->true_value) &&
               sub_expr("false_value", x->false_value, y->false_value);
      }
      case NodeKind::Cast:
        return sub_expr("value", a.as<CastNode>()->value, b.as<CastNode>()->value);
      case NodeKind::Ramp: {
        const auto *x = a.as<RampNode>(), *y = b.as<RampNode>();
        return sub_expr("base", x->base, y->base) && sub_expr("stride", x->stride, y->stride);
      }
      case NodeKind::Broadcast:
        return sub_expr("value", a.as<BroadcastNode>()->value, b.as<BroadcastNode>()->value);
      case NodeKind::Call: {
        const auto *x = a.as<CallNode>(), *y = b.as<CallNode>();
        if (x->op != y->op) return fail("op", intrinsic_name(x->op), intrinsic_name(y->op));
        return exprs("arg", x->args, y->args);
      }
      default:
        return fail("", node_kind_name(a->kind()), node_kind_name(b->kind()));
    }
  }

  bool stmt(const Stmt& a, const Stmt& b) {
    if (a.defined() != b.defined())
      return fail("", a.defined() ? node_kind_name(a->kind()) : "(none)",
                  b.defined() ? node_kind_name(b->kind()) : "(none)");
    if (!a.defined()) return true;
    if (a->kind() != b->kind()) return fail("", node_kind_name(a->kind()), node_kind_name(b->kind()));
    switch (a->kind()) {
      case NodeKind::For: {
        const auto *x = a.as<ForNode>(), *y = b.as<ForNode>();
        Scope s(this, "for " + x->loop_var.name());
        if (x->for_kind != y->for_kind) return fail("kind", for_kind_name(x->for_kind), for_kind_name(y->for_kind));
        if (x->thread_tag != y->thread_tag) return fail("thread", x->thread_tag, y->thread_tag);
        if (!sub_expr("min", x->min, y->min) || !sub_expr("extent", x->extent, y->extent)) return false;
        if (!define_var(x->loop_var, y->loop_var)) return false;
        if (!annotations("annotations", x->annotations, y->annotations)) return false;
        return stmt(x->body, y->body);
      }
      case NodeKind::BlockRealize: {
        const auto *x = a.as<BlockRealizeNode>(), *y = b.as<BlockRealizeNode>();
        Scope s(this, "block " + x->block->name);
        if (!exprs("iter_value", x->iter_values, y->iter_values)) return false;
        if (!sub_expr("predicate", x->predicate, y->predicate)) return false;
        return block(x->block.get(), y->block.get());
      }
      case NodeKind::Block: {
        Scope s(this, "block " + a.as<BlockNode>()->name);
        return block(a.as<BlockNode>(), b.as<BlockNode>());
      }
      case NodeKind::BufferStore: {
        const auto *x = a.as<BufferStoreNode>(), *y = b.as<BufferStoreNode>();
        Scope s(this, "store " + x->buffer->name);
        if (!use_buffer(x->buffer, y->buffer)) return false;
        return exprs("index", x->indices, y->indices) && sub_expr("value", x->value, y->value);
      }
      case NodeKind::IfThenElse: {
        const auto *x = a.as<IfThenElseNode>(), *y = b.as<IfThenElseNode>();
        Scope s(this, "if");
        return sub_expr("condition", x->condition, y->condition) && sub_stmt("then", x->then_case, y->then_case) &&
               sub_stmt("else", x->else_case, y->else_case);
      }
      case NodeKind::SeqStmt: {
        const auto *x = a.as<SeqStmtNode>(), *y = b.as<SeqStmtNode>();
        size_t n = std::min(x->seq.size(), y->seq.size());
        for (size_t i = 0; i < n; ++i) {
          if (!sub_stmt(fmt::format("seq[{}]", i), x->seq[i], y->seq[i])) return false;
        }
        if (x->seq.size() != y->seq.size())
          return fail("seq", fmt::format("{} statements", x->seq.size()), fmt::format("{} statements", y->seq.size()));
        return true;
      }
      case NodeKind::Evaluate:
        return sub_expr("evaluate", a.as<EvaluateNode>()->value, b.as<EvaluateNode>()->value);
      case NodeKind::LetStmt: {
        const auto *x = a.as<LetStmtNode>(), *y = b.as<LetStmtNode>();
        Scope s(this, "let " + x->var.name());
        if (!sub_expr("value", x->value, y->value)) return false;
        if (!define_var(x->var, y->var)) return false;
        return stmt(x->body, y->body);
      }
      case NodeKind::Allocate: {
        const auto *x = a.as<AllocateNode>(), *y = b.as<AllocateNode>();
        Scope s(this, "allocate " + x->buffer->name);
        if (!define_buffer(x->buffer, y->buffer)) return false;
        return stmt(x->body, y->body);
      }
      default:
        return fail("", node_kind_name(a->kind()), node_kind_name(b->kind()));
    }
  }

 private:
  struct Scope {
    Scope(Comparer* c, std::string segment) : c(c) { c->path_.push_back(std::move(segment)); }
    ~Scope() { c->path_.pop_back(); }
    Comparer* c;
  };

  bool fail(const std::string& field, const std::string& lhs, const std::string& rhs) {
    if (diff) return false;
    std::string path;
    for (const std::string& seg : path_) path += (path.empty() ? "" : " / ") + seg;
    if (!field.empty()) path += (path.empty() ? "" : " / ") + field;
    if (path.empty()) path = "(root)";
    diff = StructuralDiff{path, lhs, rhs};
    return false;
  }

  bool sub_expr(const std::string& field, const Expr& a, const Expr& b) {
    Scope s(this, field);
    return expr(a, b);
  }
  bool sub_stmt(const std::string& field, const Stmt& a, const Stmt& b) {
    Scope s(this, field);
    return stmt(a, b);
  }
  bool exprs(const std::string& what, const std::vector<Expr>& a, const std::vector<Expr>& b) {
    if (a.size() != b.size()) return fail(what + " count", std::to_string(a.size()), std::to_string(b.size()));
    for (size_t i = 0; i < a.size(); ++i) {
      if (!sub_expr(fmt::format("{} {}", what, i), a[i], b[i])) return false;
    }
    return true;
  }

  bool names(const std::string& what, const std::string& a, const std::string& b) {
    if (options_.strict_names && a != b) return fail(what, a, b);
    return true;
  }

  bool define_var(const Var& a, const Var& b) {
    if (a.dtype() != b.dtype()) return fail("var " + a.name() + " dtype", a.dtype().to_string(), b.dtype().to_string());
    if (!names("var name", a.name(), b.name())) return false;
    var_map_[a.get()] = b.get();
    var_rmap_[b.get()] = a.get();
    return true;
  }

  bool use_var(const Var& a, const Var& b) {
    auto it = var_map_.find(a.get());
    if (it != var_map_.end()) {
      if (it->second != b.get()) return fail("", a.name(), b.name());
      return true;
    }
    if (var_rmap_.count(b.get())) return fail("", a.name(), b.name());
    if (a.same_as(b)) return define_var(a, b);
    if (!options_.map_free_vars) return fail("free var", a.name(), b.name());
    return define_var(a, b);
  }

  bool define_buffer(const Buffer& a, const Buffer& b) {
    Scope s(this, "buffer " + a->name);
    if (!names("name", a->name, b->name)) return false;
    if (a->dtype != b->dtype) return fail("dtype", a->dtype.to_string(), b->dtype.to_string());
    if (a->scope != b->scope) return fail("scope", a->scope, b->scope);
    if (!exprs("shape", a->shape, b->shape) || !exprs("stride", a->strides, b->strides)) return false;
    if (!sub_expr("elem_offset", a->elem_offset, b->elem_offset)) return false;
    buf_map_[a.get()] = b.get();
    buf_rmap_[b.get()] = a.get();
    return true;
  }

  bool use_buffer(const Buffer& a, const Buffer& b) {
    auto it = buf_map_.find(a.get());
    if (it != buf_map_.end()) {
      if (it->second != b.get()) return fail("buffer", a->name, b->name);
      return true;
    }
    if (buf_rmap_.count(b.get())) return fail("buffer", a->name, b->name);
    if (a.same_as(b)) return define_buffer(a, b);
    if (!options_.map_free_vars) return fail("free buffer", a->name, b->name);
    return define_buffer(a, b);
  }

  bool region(const std::string& what, const BufferRegion& a, const BufferRegion& b) {
    Scope s(this, what);
    if (!use_buffer(a.buffer, b.buffer)) return false;
    if (a.region.size() != b.region.size())
      return fail("rank", std::to_string(a.region.size()), std::to_string(b.region.size()));
    for (size_t i = 0; i < a.region.size(); ++i) {
      if (!sub_expr(fmt::format("range {} min", i), a.region[i].min, b.region[i].min) ||
          !sub_expr(fmt::format("range {} extent", i), a.region[i].extent, b.region[i].extent))
        return false;
    }
    return true;
  }

  bool regions(const std::string& what, const std::vector<BufferRegion>& a, const std::vector<BufferRegion>& b) {
    if (a.size() != b.size()) return fail(what + " count", std::to_string(a.size()), std::to_string(b.size()));
    for (size_t i = 0; i < a.size(); ++i) {
      if (!region(fmt::format("{} {} ({})", what, i, a[i].buffer->name), a[i], b[i])) return false;
    }
    return true;
  }

  bool annotations(const std::string& what, const Annotations& a, const Annotations& b) {
    auto ia = a.begin(), ib = b.begin();
    for (; ia != a.end() && ib != b.end(); ++ia, ++ib) {
      if (ia->first != ib->first) return fail(what, "key " + ia->first, "key " + ib->first);
      if (!ann_value(what + "." + ia->first, ia->second, ib->second)) return false;
    }
    if (ia != a.end()) return fail(what, "key " + ia->first, "(none)");
    if (ib != b.end()) return fail(what, "(none)", "key " + ib->first);
    return true;
  }

  bool ann_value(const std::string& what, const AnnValue& a, const AnnValue& b) {
    if (a.value.index() != b.value.index()) return fail(what, ann_to_string(a), ann_to_string(b));
    if (const auto* e = a.as_expr()) return sub_expr(what, *e, *b.as_expr());
    if (const auto* l = a.as_list()) {
      const auto* r = b.as_list();
      if (l->size() != r->size()) return fail(what, ann_to_string(a), ann_to_string(b));
      for (size_t i = 0; i < l->size(); ++i) {
        if (!ann_value(fmt::format("{}[{}]", what, i), (*l)[i], (*r)[i])) return false;
      }
      return true;
    }
    if (ann_to_string(a) != ann_to_string(b)) return fail(what, ann_to_string(a), ann_to_string(b));
    return true;
  }

  bool block(const BlockNode* a, const BlockNode* b) {
    if (!names("name", a->name, b->name)) return false;
    if (a->iter_vars.size() != b->iter_vars.size())
      return fail("iter_var count", std::to_string(a->iter_vars.size()), std::to_string(b->iter_vars.size()));
    for (size_t i = 0; i < a->iter_vars.size(); ++i) {
      Scope s(this, fmt::format("iter_var {}", i));
      const IterVar &x = a->iter_vars[i], &y = b->iter_vars[i];
      if (x.type != y.type) return fail("type", iter_type_name(x.type), iter_type_name(y.type));
      if (!sub_expr("dom.min", x.dom.min, y.dom.min) || !sub_expr("dom.extent", x.dom.extent, y.dom.extent))
        return false;
      if (!define_var(x.var, y.var)) return false;
    }
    if (a->alloc_buffers.size() != b->alloc_buffers.size())
      return fail("alloc_buffer count", std::to_string(a->alloc_buffers.size()),
                  std::to_string(b->alloc_buffers.size()));
    for (size_t i = 0; i < a->alloc_buffers.size(); ++i) {
      if (!define_buffer(a->alloc_buffers[i], b->alloc_buffers[i])) return false;
    }
    if (a->match_buffers.size() != b->match_buffers.size())
      return fail("match_buffer count", std::to_string(a->match_buffers.size()),
                  std::to_string(b->match_buffers.size()));
    for (size_t i = 0; i < a->match_buffers.size(); ++i) {
      if (!region(fmt::format("match_buffer {} source", i), a->match_buffers[i].source, b->match_buffers[i].source))
        return false;
      if (!define_buffer(a->match_buffers[i].buffer, b->match_buffers[i].buffer)) return false;
    }
    if (!regions("read", a->reads, b->reads) || !regions("write", a->writes, b->writes)) return false;
    if (!annotations("annotations", a->annotations, b->annotations)) return false;
    if (!sub_stmt("init", a->init, b->init)) return false;
    return sub_stmt("body", a->body, b->body);
  }

  const StructuralEqualOptions& options_;
  std::vector<std::string> path_;
  std::unordered_map<const Object*, const Object*> var_map_, var_rmap_, buf_map_, buf_rmap_;
};

// ---------------------------------------------------------------------------------------
// Hashing: the same walk, numbering variables and buffers by definition order.

class Hasher {
 public:
  explicit Hasher(bool strict) : strict_(strict) {}
  uint64_t h = 0x9e3779b97f4a7c15ULL;

  void mix(uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); }
  void mix_str(const std::string& s) { mix(std::hash<std::string>()(s)); }
  void mix_dtype(DataType t) {
    mix(static_cast<uint64_t>(t.code()) << 32 | static_cast<uint64_t>(t.bits()) << 16 | t.lanes());
  }

  void func(const PrimFunc& f) {
    if (strict_) mix_str(f->name);
    mix(f->params.size());
    for (const Var& p : f->params) {
      define_var(p);
      Buffer b = f->buffer_of(p);
      mix(b.defined());
      if (b.defined()) define_buffer(b);
    }
    annotations(f->attrs);
    stmt(f->body);
  }

  void expr(const Expr& e) {
    if (!e.defined()) {
      mix(0xdead);
      return;
    }
    mix(static_cast<uint64_t>(e->kind()) + 1);
    mix_dtype(e.dtype());
    switch (e->kind()) {
      case NodeKind::IntImm:
        mix(static_cast<uint64_t>(e.as<IntImmNode>()->value));
        return;
      case NodeKind::FloatImm: {  // every NaN compares equal, so every NaN hashes alike
        double v = e.as<FloatImmNode>()->value;
        mix(v != v ? uint64_t{0x7ff8} : std::hash<double>()(v));
        return;
      }
      case NodeKind::Var:
        use_var(Var(e.as<VarNode>()));
        return;
      case NodeKind::BufferLoad:
        use_buffer(e.as<BufferLoadNode>()->buffer);
        for (const Expr& i : e.as<BufferLoadNode>()->indices) expr(i);
        return;
#define LOOM_X(T)             \
  case NodeKind::T:           \
    expr(e.as<T##Node>()->a); \
    expr(e.as<T##Node>()->b); \
    return;
        LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
        LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
        LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
      case NodeKind::Not:
        expr(e.as<NotNode>()->a);
        return;
      case NodeKind::Select:
        expr(e.as<SelectNode>()->condition);
        expr(e.as<SelectNode>()->true_value);
        expr(e.as<SelectNode>()->false_value);
        return;
      case NodeKind::Cast:
        expr(e.as<CastNode>()->value);
        return;
      case NodeKind::Ramp:
        expr(e.as<RampNode>()->base);
        expr(e.as<RampNode>()->stride);
        return;
      case NodeKind::Broadcast:
        expr(e.as<BroadcastNode>()->value);
        return;
      case NodeKind::Call:
        mix(static_cast<uint64_t>(e.as<CallNode>()->op));
        for (const Expr& a : e.as<CallNode>()->args) expr(a);
        return;
      default:
        return;
    }
  }

  void stmt(const Stmt& s) {
    if (!s.defined()) {
      mix(0xbeef);
      return;
    }
    mix(static_cast<uint64_t>(s->kind()) + 100);
    switch (s->kind()) {
      case NodeKind::For: {
        const auto* op = s.as<ForNode>();
        mix(static_cast<uint64_t>(op->for_kind));
        mix_str(op->thread_tag);
        expr(op->min);
        expr(op->extent);
        define_var(op->loop_var);
        annotations(op->annotations);
        stmt(op->body);
        return;
      }
      case NodeKind::BlockRealize: {
        const auto* op = s.as<BlockRealizeNode>();
        for (const Expr& v : op->iter_values) expr(v);
        expr(op->predicate);
        stmt(op->block);
        return;
      }
      case NodeKind::Block: {
        const auto* op = s.as<BlockNode>();
        if (strict_) mix_str(op->name);
        for (const IterVar& iv : op->iter_vars) {
          mix(static_cast<uint64_t>(iv.type));
          expr(iv.dom.min);
          expr(iv.dom.extent);
          define_var(iv.var);
        }
        for (const Buffer& b : op->alloc_buffers) define_buffer(b);
        for (const MatchBufferRegion& m : op->match_buffers) {
          region(m.source);
          define_buffer(m.buffer);
        }
        mix(op->reads.size());
        for (const BufferRegion& r : op->reads) region(r);
        mix(op->writes.size());
        for (const BufferRegion& r : op->writes) region(r);
        annotations(op->annotations);
        stmt(op->init);
        stmt(op->body);
        return;
      }
      case NodeKind::BufferStore: {
        const auto* op = s.as<BufferStoreNode>();
        use_buffer(op->buffer);
        for (const Expr& i : op->indices) expr(i);
        expr(op->value);
        return;
      }
      case NodeKind::IfThenElse:
        expr(s.as<IfThenElseNode>()->condition);
        stmt(s.as<IfThenElseNode>()->then_case);
        stmt(s.as<IfThenElseNode>()->else_case);
        return;
      case NodeKind::SeqStmt:
        mix(s.as<SeqStmtNode>()->seq.size());
        for (const Stmt& x : s.as<SeqStmtNode>()->seq) stmt(x);
        return;
      case NodeKind::Evaluate:
        expr(s.as<EvaluateNode>()->value);
        return;
      case NodeKind::LetStmt:
        expr(s.as<LetStmtNode>()->value);
        define_var(s.as<LetStmtNode>()->var);
        stmt(s.as<LetStmtNode>()->body);
        return;
      case NodeKind::Allocate:
        define_buffer(s.as<AllocateNode>()->buffer);
        stmt(s.as<AllocateNode>()->body);
        return;
      default:
        return;
    }
  }

 private:
  void define_var(const Var& v) {
    mix_dtype(v.dtype());
    if (strict_) mix_str(v.name());
    vars_[v.get()] = vars_.size() + 1;
  }
  void use_var(const Var& v) {
    auto it = vars_.find(v.get());
    // A free variable hashes by dtype only (and name when strict), like its first definition.
    if (it == vars_.end()) {
      mix(0xf7ee);
      if (strict_) mix_str(v.name());
      return;
    }
    mix(it->second);
  }
  void define_buffer(const Buffer& b) {
    if (strict_) mix_str(b->name);
    mix_dtype(b->dtype);
    mix_str(b->scope);
    mix(b->shape.size());
    for (const Expr& e : b->shape) expr(e);
    mix(b->strides.size());
    for (const Expr& e : b->strides) expr(e);
    expr(b->elem_offset);
    buffers_[b.get()] = buffers_.size() + 1;
  }
  void use_buffer(const Buffer& b) {
    auto it = buffers_.find(b.get());
    if (it == buffers_.end()) {
      define_buffer(b);
      return;
    }
    mix(it->second);
  }
  void region(const BufferRegion& r) {
    use_buffer(r.buffer);
    for (const Range& x : r.region) {
      expr(x.min);
      expr(x.extent);
    }
  }
  void annotations(const Annotations& a) {
    mix(a.size());
    for (const auto& [k, v] : a) {
      mix_str(k);
      ann(v);
    }
  }
  void ann(const AnnValue& v) {
    mix(v.value.index());
    if (const auto* e = v.as_expr()) {
      expr(*e);
    } else if (const auto* l = v.as_list()) {
      mix(l->size());
      for (const AnnValue& x : *l) ann(x);
    } else {
      mix_str(ann_to_string(v));
    }
  }

  bool strict_;
  std::unordered_map<const Object*, uint64_t> vars_, buffers_;
};

}  // namespace

std::optional<StructuralDiff> structural_diff(const PrimFunc& a, const PrimFunc& b,
                                              const StructuralEqualOptions& options) {
  Comparer c(options);
  c.func(a, b);
  return c.diff;
}
std::optional<StructuralDiff> structural_diff(const IRModule& a, const IRModule& b,
                                              const StructuralEqualOptions& options) {
  Comparer c(options);
  c.module(a, b);
  return c.diff;
}
std::optional<StructuralDiff> structural_diff(const Stmt& a, const Stmt& b, const StructuralEqualOptions& options) {
  Comparer c(options);
  c.stmt(a, b);
  return c.diff;
}
std::optional<StructuralDiff> structural_diff(const Expr& a, const Expr& b, const StructuralEqualOptions& options) {
  Comparer c(options);
  c.expr(a, b);
  return c.diff;
}

uint64_t structural_hash(const PrimFunc& func, bool strict_names) {
  Hasher h(strict_names);
  h.func(func);
  return h.h;
}
uint64_t structural_hash(const Stmt& stmt, bool strict_names) {
  Hasher h(strict_names);
  h.stmt(stmt);
  return h.h;
}
uint64_t structural_hash(const Expr& expr, bool strict_names) {
  Hasher h(strict_names);
  h.expr(expr);
  return h.h;
}

}  // namespace loom::ir
