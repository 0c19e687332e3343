// The reindex primitive (TVM's ReIndex): makes a block access one of its buffers through a
// new buffer indexed by the block's iteration variables, with a copy block between the two.
#include <algorithm>
#include <unordered_map>

#include "families.h"
#include "fmt/format.h"
#include "loom/arith/analyzer.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/visitor.h"
#include "loom/sched/analysis.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(NotLeafBlockError, "NotLeafBlock");
LOOM_SCHEDULE_ERROR(InconsistentAccessError, "InconsistentAccess");
LOOM_SCHEDULE_ERROR(LoopDomainMismatchError, "LoopDomainMismatch");
LOOM_SCHEDULE_ERROR(SharedAccessError, "SharedAccess");

const char* kPrimitive = "reindex";

/// The index tuples of every load and store of one buffer.
class AccessCollector : public ir::IRVisitor {
 public:
  explicit AccessCollector(ir::Buffer buffer) : buffer_(std::move(buffer)) {}
  std::vector<std::vector<ir::Expr>> indices;
  /// Whether a store of the buffer sits under an if-then-else statement.
  bool conditional_store = false;

 protected:
  void visit(const ir::IfThenElseNode* op) override {
    ++depth_;
    ir::IRVisitor::visit(op);
    --depth_;
  }
  void visit(const ir::BufferLoadNode* op) override {
    if (op->buffer.same_as(buffer_)) indices.push_back(op->indices);
    ir::IRVisitor::visit(op);
  }
  void visit(const ir::BufferStoreNode* op) override {
    if (op->buffer.same_as(buffer_)) {
      indices.push_back(op->indices);
      conditional_store = conditional_store || depth_ > 0;
    }
    ir::IRVisitor::visit(op);
  }

 private:
  ir::Buffer buffer_;
  int depth_ = 0;
};

/// Redirects every load and store of `from` to `to` at fixed indices.
class AccessRewriter : public ir::IRMutator {
 public:
  AccessRewriter(ir::Buffer from, ir::Buffer to, std::vector<ir::Expr> indices)
      : from_(std::move(from)), to_(std::move(to)), indices_(std::move(indices)) {}
  using ir::IRMutator::mutate;

 protected:
  ir::Expr visit(const ir::BufferLoadNode* op) override {
    ir::Expr e = ir::IRMutator::visit(op);
    const auto* load = e.as<ir::BufferLoadNode>();
    if (!load->buffer.same_as(from_)) return e;
    return ir::BufferLoadNode::make(to_, indices_);
  }
  ir::Stmt visit(const ir::BufferStoreNode* op) override {
    ir::Stmt s = ir::IRMutator::visit(op);
    const auto* store = s.as<ir::BufferStoreNode>();
    if (!store->buffer.same_as(from_)) return s;
    return ir::BufferStoreNode::make(to_, store->value, indices_);
  }

 private:
  ir::Buffer from_;
  ir::Buffer to_;
  std::vector<ir::Expr> indices_;
};

std::vector<ir::Range> point_region(const std::vector<ir::Expr>& indices) {
  std::vector<ir::Range> out;
  for (const ir::Expr& e : indices) out.push_back(ir::Range{e, ir::make_int(1, e.dtype())});
  return out;
}

/// The regions with the entry of `from` replaced by a point access of `to`.
std::vector<ir::BufferRegion> redirect(const std::vector<ir::BufferRegion>& regions, const ir::Buffer& from,
                                       const ir::Buffer& to, const std::vector<ir::Expr>& indices) {
  std::vector<ir::BufferRegion> out;
  for (const ir::BufferRegion& r : regions) {
    out.push_back(r.buffer.same_as(from) ? ir::BufferRegion{to, point_region(indices)} : r);
  }
  return out;
}

bool same_expr(const ir::Expr& a, const ir::Expr& b) {
  ir::StructuralEqualOptions options;
  options.map_free_vars = false;
  return !ir::structural_diff(a, b, options).has_value();
}

bool accesses(const std::vector<ir::BufferRegion>& regions, const ir::Buffer& buffer) {
  return std::any_of(regions.begin(), regions.end(),
                     [&](const ir::BufferRegion& r) { return r.buffer.same_as(buffer); });
}

/// Checks that the block has a trivial binding (is_trivial_binding) and, beyond it, what
/// reindex needs to copy through the same loops: each loop runs over its iteration variable's
/// domain and the block has no predicate.
void check_loops_over_domains(const ir::PrimFunc& func, const detail::StmtPath& path,
                              const ir::BlockRealizeNode* realize) {
  const ir::BlockNode* block = realize->block.get();
  check_trivial_binding(kPrimitive, func, block);
  if (realize->predicate.defined() && !ir::is_const_true(realize->predicate))
    throw LoopDomainMismatchError(kPrimitive,
                                  "block {} has a predicate; reindex needs its loops to run "
                                  "over the whole iteration domain",
                                  block->name);
  std::vector<const ir::ForNode*> loops = detail::loops_above(path);
  for (size_t i = 0; i < loops.size(); ++i) {
    const ir::IterVar& iv = block->iter_vars[i];
    if (!same_expr(loops[i]->min, iv.dom.min) || !same_expr(loops[i]->extent, iv.dom.extent))
      throw LoopDomainMismatchError(kPrimitive,
                                    "block {}: loop {} does not run over the domain of iteration variable "
                                    "{}; reindex needs each loop to run over its variable's domain",
                                    block->name, loops[i]->loop_var->name, iv.var->name);
  }
}

/// Inserts `stage` into `body` at position `pos` of its statement sequence.
ir::Stmt insert_at(const ir::Stmt& body, size_t pos, const ir::Stmt& stage) {
  std::vector<ir::Stmt> seq;
  if (const auto* s = body.as<ir::SeqStmtNode>()) {
    seq = s->seq;
  } else {
    seq.push_back(body);
  }
  seq.insert(seq.begin() + static_cast<std::ptrdiff_t>(std::min(pos, seq.size())), stage);
  return ir::SeqStmtNode::make(std::move(seq));
}

}  // namespace

BlockRV Schedule::reindex(const BlockRV& block_rv, BufferIndexType buffer_index_type, int buffer_index) {
  const char* p = kPrimitive;
  const bool is_read = buffer_index_type == BufferIndexType::Read;
  ir::Block block = get(block_rv);
  const std::string func_name = func_of(block_rv);
  const ir::PrimFunc func = mod().at(func_name);
  const ir::BlockNode* b = block.get();
  const std::vector<ir::BufferRegion>& regions = is_read ? b->reads : b->writes;
  const char* which = is_read ? "read" : "write";
  detail::StmtPath path = *detail::find_block(func, b->name);
  const ir::BlockRealizeNode* scope = detail::scope_realize(path);
  check_not_root_block(p, func, b);
  if (buffer_index < 0 || buffer_index >= static_cast<int>(regions.size()))
    throw BufferIndexOutOfRangeError(p, "block {} has {} {} buffers, buffer index {} is out of range", b->name,
                                     regions.size(), which, buffer_index);
  const ir::Buffer buffer = regions[buffer_index].buffer;
  const auto* realize = path.nodes[path.nodes.size() - 2].as<ir::BlockRealizeNode>();
  if (!detail::child_block_realizes(b->body).empty())
    throw NotLeafBlockError(p, "block {} has child blocks, reindex needs a leaf block", b->name);
  check_loops_over_domains(func, path, realize);
  if (is_read && accesses(b->writes, buffer))
    throw SharedAccessError(p, "block {} both reads and writes buffer {}, cannot reindex its read", b->name,
                            buffer->name);
  // The block reads the buffer when it declares it or when its body loads it (an update
  // whose init was decomposed may not declare the output it accumulates into).
  bool body_loads = false;
  ir::post_order_visit(b->body, [&](const ir::Object* n) {
    body_loads = body_loads || (n->kind() == ir::NodeKind::BufferLoad &&
                                static_cast<const ir::BufferLoadNode*>(n)->buffer.get() == buffer.get());
  });
  if (!is_read && (accesses(b->reads, buffer) || body_loads) && !b->init.defined())
    throw SharedAccessError(p,
                            "block {} reads buffer {} before writing it and has no init, cannot reindex "
                            "its write",
                            b->name, buffer->name);

  // 1. The one index tuple of the buffer, simplified under the iteration domains.
  AccessCollector collector(buffer);
  collector.visit_stmt(b->body);
  if (b->init.defined()) collector.visit_stmt(b->init);
  if (collector.indices.empty())
    throw InconsistentAccessError(p, "block {} does not load or store buffer {}, only accesses it opaquely", b->name,
                                  buffer->name);
  arith::Analyzer analyzer;
  for (const ir::IterVar& iv : b->iter_vars) analyzer.bind(iv.var, iv.dom);
  auto simplified = [&](const std::vector<ir::Expr>& idx) {
    std::vector<ir::Expr> out;
    for (const ir::Expr& e : idx) out.push_back(analyzer.simplify(e));
    return out;
  };
  const std::vector<ir::Expr> original = simplified(collector.indices[0]);
  for (size_t k = 1; k < collector.indices.size(); ++k) {
    std::vector<ir::Expr> other = simplified(collector.indices[k]);
    bool same = other.size() == original.size();
    for (size_t d = 0; same && d < other.size(); ++d) same = same_expr(other[d], original[d]);
    if (!same)
      throw InconsistentAccessError(p,
                                    "block {} accesses buffer {} with more than one index pattern, "
                                    "cannot reindex it",
                                    b->name, buffer->name);
  }

  // The copy runs over the whole iteration domain, unguarded: the indices must stay in the
  // buffer there, and a written buffer must be stored at every iteration.
  for (size_t d = 0; d < original.size(); ++d) {
    if (!analyzer.can_prove(original[d] >= ir::make_int(0, original[d].dtype())) ||
        !analyzer.can_prove(original[d] < buffer->shape[d]))
      throw InconsistentAccessError(p,
                                    "block {} accesses buffer {} at index {} outside its shape over the "
                                    "iteration domain (a guarded access), cannot reindex it",
                                    b->name, buffer->name, d);
  }
  if (!is_read && collector.conditional_store)
    throw InconsistentAccessError(p, "block {} stores buffer {} under a condition, cannot reindex its write", b->name,
                                  buffer->name);

  // 2. No other block of the block's subtree of the scope accesses the buffer.
  const ir::BlockNode* scope_block = scope->block.get();
  size_t s = 0;
  while (path.nodes[s].get() != scope_block) ++s;
  const ir::Stmt& scope_body = path.nodes[s + 1];
  const auto* seq = scope_body.as<ir::SeqStmtNode>();
  const ir::Stmt& top = seq ? path.nodes[s + 2] : scope_body;
  size_t pos = 0;
  if (seq) {
    while (seq->seq[pos].get() != top.get()) ++pos;
  }
  for (const ir::BlockRealizeNode* r : detail::child_block_realizes(top)) {
    const ir::BlockNode* other = r->block.get();
    if (other != b && (accesses(other->reads, buffer) || accesses(other->writes, buffer)))
      throw SharedAccessError(p,
                              "block {} also accesses buffer {} under the same loops as block {}, "
                              "cannot reindex it",
                              other->name, buffer->name, b->name);
  }

  // 3. The new buffer over the iteration variables the indices use, in the block's order.
  detail::VarSet used;
  for (const ir::Expr& e : original) {
    detail::VarSet vs = detail::vars_in(e);
    used.insert(vs.begin(), vs.end());
  }
  std::vector<ir::Expr> shape, block_indices, stage_indices, loop_values;
  std::vector<ir::IterVar> stage_iters;
  std::vector<ir::Var> loop_vars;
  std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual> to_stage;
  for (const ir::IterVar& iv : b->iter_vars) {
    if (!used.count(iv.var.get())) continue;
    shape.push_back(analyzer.simplify(iv.dom.min + iv.dom.extent));
    block_indices.push_back(iv.var);
    ir::Var v("v" + std::to_string(stage_iters.size()), iv.var.dtype());
    ir::Var ax("ax" + std::to_string(loop_vars.size()), iv.var.dtype());
    stage_iters.push_back({v, iv.dom, ir::IterType::DataPar});
    stage_indices.push_back(v);
    loop_vars.push_back(ax);
    to_stage[iv.var] = v;
  }
  std::vector<ir::Expr> target_indices;
  for (const ir::Expr& e : original) target_indices.push_back(ir::substitute(e, to_stage));
  const std::string name = detail::unique_block_name(func, buffer->name + "_reindex");
  ir::Buffer reindexed = buffer.with_name(name).with_shape(shape);

  // 4. The copy stage.
  const ir::Buffer& src = is_read ? buffer : reindexed;
  const ir::Buffer& dst = is_read ? reindexed : buffer;
  const std::vector<ir::Expr>& src_idx = is_read ? target_indices : stage_indices;
  const std::vector<ir::Expr>& dst_idx = is_read ? stage_indices : target_indices;
  ir::Stmt copy_body = ir::BufferStoreNode::make(dst, ir::BufferLoadNode::make(src, src_idx), dst_idx);
  ir::Block copy = ir::Block::make(name, stage_iters, {ir::BufferRegion{src, point_region(src_idx)}},
                                   {ir::BufferRegion{dst, point_region(dst_idx)}}, copy_body);
  for (const ir::Var& ax : loop_vars) loop_values.push_back(ax);
  ir::Stmt stage = ir::BlockRealizeNode::make(loop_values, ir::make_bool(true), copy);
  for (size_t d = stage_iters.size(); d-- > 0;) {
    stage =
        ir::ForNode::make(loop_vars[d], stage_iters[d].dom.min, stage_iters[d].dom.extent, ir::ForKind::Serial, stage);
  }

  // 5. The rewritten block and scope.
  AccessRewriter rewriter(buffer, reindexed, block_indices);
  ir::Stmt new_body = rewriter.mutate(b->body);
  ir::Stmt new_init = b->init.defined() ? rewriter.mutate(b->init) : ir::Stmt();
  ir::Block new_block = ir::Block::make(b->name, b->iter_vars, redirect(b->reads, buffer, reindexed, block_indices),
                                        redirect(b->writes, buffer, reindexed, block_indices), new_body, new_init,
                                        b->alloc_buffers, b->match_buffers, b->annotations);
  ir::Stmt body = insert_at(scope_block->body, is_read ? pos : pos + 1, stage);
  body = detail::replace_stmt(body, b, new_block);
  std::vector<ir::Buffer> allocs = scope_block->alloc_buffers;
  allocs.push_back(reindexed);
  ir::Block new_scope =
      ir::Block::make(scope_block->name, scope_block->iter_vars, scope_block->reads, scope_block->writes, body,
                      scope_block->init, allocs, scope_block->match_buffers, scope_block->annotations);
  update_func(func_name, detail::replace_in_func(func, scope_block, new_scope), p);
  BlockRV out = new_block_rv(func_name, name);
  record("ReIndex", {block_rv}, {Value(int64_t{buffer_index}), Value(int64_t{is_read ? 0 : 1})}, {out});
  return out;
}

namespace detail {

void register_reindex_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  InstructionKind kind{
      "ReIndex",
      "reindex",
      {{"block", Role::Input, std::nullopt, ParamKind::Block}, {"buffer", Role::Attr, std::nullopt}},
      /*pure=*/false,
      /*sampling=*/false,
      /*list_output=*/false,
      [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
        int64_t type = as_int(attrs.at(1), "buffer_index_type");
        if (type != 0 && type != 1)
          throw UserError(fmt::format("reindex: buffer_index_type must be 0 (read) or 1 (write), got {}", type));
        return std::vector<Value>{sch.reindex(as_block(inputs.at(0), "block"),
                                              type == 0 ? BufferIndexType::Read : BufferIndexType::Write,
                                              static_cast<int>(as_int(attrs.at(0), "buffer_index")))};
      },
      {},
      {}};
  // Python writes the two attrs as one tuple: buffer=("write", 0).
  kind.python_attrs = [](const std::vector<Value>& attrs) {
    int64_t type = as_int(attrs.at(1), "buffer_index_type");
    return std::vector<std::string>{
        fmt::format("(\"{}\", {})", type == 0 ? "read" : "write", as_int(attrs.at(0), "buffer_index"))};
  };
  kind.attrs_from_python = [](const std::vector<Value>& values) {
    const Value& v = values.at(0);
    const char* rule = "reindex: buffer must be a tuple (\"read\" or \"write\", index), got ";
    if (!v.is<std::vector<Value>>()) throw UserError(rule + python_literal(v));
    const auto& t = v.as<std::vector<Value>>();
    if (t.size() != 2 || !t[0].is<std::string>() || !t[1].is<int64_t>()) throw UserError(rule + python_literal(v));
    const std::string& type = t[0].as<std::string>();
    if (type != "read" && type != "write") throw UserError(rule + python_literal(v));
    return std::vector<Value>{t[1], Value(int64_t{type == "read" ? 0 : 1})};
  };
  r.add(std::move(kind));
}

}  // namespace detail
}  // namespace loom::sched
