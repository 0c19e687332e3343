// Inlining primitives: compute_inline (a producer into its consumers) and
// reverse_compute_inline (a consumer into its producer). Both remove a block and the
// intermediate buffer it wrote or read.
#include "compute_inline.h"

#include <set>
#include <unordered_set>

#include "families.h"
#include "fmt/format.h"
#include "loom/arith/analyzer.h"
#include "loom/arith/region.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/ir/printer.h"
#include "loom/ir/visitor.h"
#include "loom/sched/analysis.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(BodyAnalysisError, "BodyAnalysis");
LOOM_SCHEDULE_ERROR(OnlyLeafError, "OnlyLeaf");
LOOM_SCHEDULE_ERROR(NotSingleProducerError, "NotSingleProducer");
LOOM_SCHEDULE_ERROR(InlineConflictError, "InlineConflict");

using VarMap = std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual>;
using detail::buffers_of;
using detail::BufferSet;
using detail::intersects;
using detail::vars_in;

/// A block located in its function: realize, path and the blocks of its scope in order.
struct Located {
  const ir::BlockRealizeNode* realize = nullptr;
  const ir::BlockNode* block = nullptr;
  detail::StmtPath path;
  std::vector<const ir::BlockRealizeNode*> scope_blocks;
  int pos = -1;
};

Located locate(const ir::PrimFunc& func, const std::string& name, const char* prim) {
  Located l;
  l.path = *detail::find_block(func, name);
  l.block = l.path.target().as<ir::BlockNode>();
  check_not_root_block(prim, func, l.block);
  const ir::BlockRealizeNode* scope = detail::scope_realize(l.path);
  l.realize = l.path.nodes[l.path.nodes.size() - 2].as<ir::BlockRealizeNode>();
  l.scope_blocks = detail::child_block_realizes(scope->block->body);
  for (size_t i = 0; i < l.scope_blocks.size(); ++i) {
    if (l.scope_blocks[i]->block.get() == l.block) l.pos = static_cast<int>(i);
  }
  return l;
}

/// The block's body as a single store whose indices are distinct iteration variables
/// (`B[v0, v1] = ...`), or throws BodyAnalysisError.
const ir::BufferStoreNode* single_store(const ir::BlockNode* b, const char* prim, bool require_var_indices) {
  const auto* store = b->body.as<ir::BufferStoreNode>();
  if (!store) throw BodyAnalysisError(prim, "the body of block {} is not a single buffer store", b->name);
  if (!require_var_indices) return store;
  std::unordered_set<const ir::VarNode*> iter_vars, seen;
  for (const ir::IterVar& iv : b->iter_vars) iter_vars.insert(iv.var.get());
  for (const ir::Expr& idx : store->indices) {
    const auto* v = idx.as<ir::VarNode>();
    if (!v || !iter_vars.count(v) || !seen.insert(v).second)
      throw BodyAnalysisError(prim,
                              "block {} stores to {} at indices that are not distinct iteration "
                              "variables; expected the form {}[v0, v1, ...] = f(v0, v1, ...)",
                              b->name, store->buffer->name, store->buffer->name);
  }
  for (const ir::VarNode* v : vars_in(store->value)) {
    if (iter_vars.count(v) && !seen.count(v))
      throw BodyAnalysisError(prim,
                              "the value stored by block {} uses iteration variable {}, which does "
                              "not index {}",
                              b->name, v->name, store->buffer->name);
  }
  return store;
}

/// Loops left empty when the realize at the end of `path` goes.
std::vector<ir::Var> emptied_loops(const detail::StmtPath& path) {
  std::vector<ir::Var> out;
  for (size_t k = path.nodes.size() - 2; k-- > 0;) {
    const auto* loop = path.nodes[k].as<ir::ForNode>();
    if (!loop || !loop->body.same_as(path.nodes[k + 1])) break;
    out.push_back(loop->loop_var);
  }
  return out;
}

/// Replaces loads of `buffer` by the stored value (indices substituted), drops the
/// buffer's allocation and re-infers the reads of the blocks that read it.
class LoadInliner : public ir::IRMutator {
 public:
  LoadInliner(ir::Buffer buffer, std::vector<ir::Var> index_vars, ir::Expr value)
      : buffer_(std::move(buffer)), index_vars_(std::move(index_vars)), value_(std::move(value)) {}

 protected:
  ir::Expr visit(const ir::BufferLoadNode* op) override {
    ir::Expr e = ir::IRMutator::visit(op);
    const auto* load = e.as<ir::BufferLoadNode>();
    if (!load || !load->buffer.same_as(buffer_)) return e;
    VarMap map;
    for (size_t i = 0; i < index_vars_.size(); ++i) map[index_vars_[i]] = load->indices[i];
    return ir::substitute(value_, map);
  }
  ir::Stmt visit(const ir::BlockNode* op) override {
    ir::Stmt s = ir::IRMutator::visit(op);
    const auto* b = s.as<ir::BlockNode>();
    bool reads_it = false;
    for (const ir::BufferRegion& r : b->reads) reads_it = reads_it || r.buffer.same_as(buffer_);
    std::vector<ir::Buffer> allocs;
    for (const ir::Buffer& a : b->alloc_buffers) {
      if (!a.same_as(buffer_)) allocs.push_back(a);
    }
    if (!reads_it && allocs.size() == b->alloc_buffers.size()) return s;
    std::vector<ir::BufferRegion> reads = b->reads;
    if (reads_it) reads = arith::infer_block_access_regions(*b).reads;
    return ir::Block::make(b->name, b->iter_vars, reads, b->writes, b->body, b->init, allocs, b->match_buffers,
                           b->annotations);
  }

 private:
  ir::Buffer buffer_;
  std::vector<ir::Var> index_vars_;
  ir::Expr value_;
};

/// Drops `buffer` from every alloc_buffers list.
class AllocDropper : public ir::IRMutator {
 public:
  explicit AllocDropper(ir::Buffer buffer) : buffer_(std::move(buffer)) {}
  ir::Expr mutate(const ir::Expr& e) override { return e; }
  using ir::IRMutator::mutate;

 protected:
  ir::Stmt visit(const ir::BlockNode* op) override {
    ir::Stmt s = ir::IRMutator::visit(op);
    const auto* b = s.as<ir::BlockNode>();
    std::vector<ir::Buffer> allocs;
    for (const ir::Buffer& a : b->alloc_buffers) {
      if (!a.same_as(buffer_)) allocs.push_back(a);
    }
    if (allocs.size() == b->alloc_buffers.size()) return s;
    return ir::Block::make(b->name, b->iter_vars, b->reads, b->writes, b->body, b->init, allocs, b->match_buffers,
                           b->annotations);
  }

 private:
  ir::Buffer buffer_;
};

/// Every block of the function (any depth) that loads `buffer`, except `except`.
std::vector<const ir::BlockNode*> readers_of(const ir::PrimFunc& func, const ir::Buffer& buffer,
                                             const ir::BlockNode* except) {
  std::vector<const ir::BlockNode*> out;
  ir::post_order_visit(func->body, [&](const ir::Object* n) {
    if (n->kind() != ir::NodeKind::Block) return;
    const auto* b = static_cast<const ir::BlockNode*>(n);
    if (b == except) return;
    for (const ir::BufferRegion& r : b->reads) {
      if (r.buffer.same_as(buffer)) {
        out.push_back(b);
        return;
      }
    }
  });
  return out;
}

/// Blocks sharing a loop (within the scope) with the block at the end of `path`.
std::set<const ir::BlockNode*> loop_mates(const detail::StmtPath& path) {
  std::set<const ir::BlockNode*> out;
  for (const ir::ForNode* f : detail::loops_above(path)) {
    for (const ir::BlockRealizeNode* r : detail::child_block_realizes(ir::Stmt(ir::Ref<ir::StmtNode>(f))))
      out.insert(r->block.get());
  }
  return out;
}

}  // namespace

namespace {

/// What the check phase of compute_inline established.
struct InlineCheck {
  Located l;
  const ir::BufferStoreNode* store = nullptr;
};

InlineCheck check_inline(const char* prim, const ir::PrimFunc& func, const ir::BlockNode* block) {
  // 1) A complete block, not an output block, with a single store at distinct iteration
  // variables.
  InlineCheck c;
  c.l = locate(func, block->name, prim);
  const Located& l = c.l;
  check_complete_block(prim, func, l.block);
  c.store = single_store(l.block, prim, true);
  const ir::BufferStoreNode* store = c.store;
  check_not_output_block(prim, func, l.block);
  if (l.scope_blocks.size() == 1)
    throw OnlyLeafError(prim, "block {} is the only block of its scope and cannot be removed", block->name);
  // 2) Readers must be leaf blocks; what the block reads must not be overwritten later.
  for (const ir::BlockNode* r : readers_of(func, store->buffer, l.block)) {
    if (!detail::child_block_realizes(r->body).empty())
      throw BodyAnalysisError(prim,
                              "block {} reads {} but holds other blocks; only leaf consumers can "
                              "take an inlined value",
                              r->name, store->buffer->name);
  }
  BufferSet reads = buffers_of(l.block->reads);
  for (size_t i = l.pos + 1; i < l.scope_blocks.size(); ++i) {
    const ir::BlockNode* x = l.scope_blocks[i]->block.get();
    if (intersects(buffers_of(x->writes), reads))
      throw InlineConflictError(prim,
                                "block {} writes a buffer that block {} reads after it; inlining "
                                "would read the new values",
                                x->name, block->name);
  }
  for (const ir::BlockNode* x : loop_mates(l.path)) {
    if (x != l.block && intersects(buffers_of(x->writes), reads))
      throw InlineConflictError(prim, "block {} shares a loop with block {} and writes a buffer it reads", x->name,
                                block->name);
  }
  return c;
}

}  // namespace

namespace detail {

void check_compute_inline(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block) {
  check_inline(primitive, func, block);
}

InlineResult compute_inline_func(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block) {
  InlineCheck c = check_inline(primitive, func, block);
  // 3) Remove the block, then substitute the stored value into every load.
  std::vector<ir::Var> index_vars;
  for (const ir::Expr& idx : c.store->indices) index_vars.push_back(ir::Var(idx.as<ir::VarNode>()));
  InlineResult out;
  out.emptied_loops = emptied_loops(c.l.path);
  ir::PrimFunc removed = detail::replace_in_func(func, c.l.realize, ir::Stmt());
  LoadInliner inliner(c.store->buffer, index_vars, c.store->value);
  out.func = removed.with_body(inliner.mutate(removed->body));
  return out;
}

}  // namespace detail

void Schedule::compute_inline(const BlockRV& block) {
  const char* prim = "compute_inline";
  ir::Block b = get(block);
  const std::string func_name = func_of(block);
  detail::InlineResult result = detail::compute_inline_func(prim, mod_.at(func_name), b.get());
  update_func(func_name, result.func, prim);
  mark_removed_block(func_name, b->name, prim);
  for (const ir::Var& v : result.emptied_loops) mark_removed_loop(v, prim);
  record("ComputeInline", {block}, {}, {});
}

bool can_compute_inline(const ir::PrimFunc& func, const ir::BlockNode* block) {
  try {
    detail::check_compute_inline("compute_inline", func, block);
    return true;
  } catch (const ScheduleError&) {
    return false;
  }
}

bool can_compute_inline(const Schedule& sch, const BlockRV& block) {
  ir::Block b = sch.get(block);
  return can_compute_inline(sch.mod().at(sch.func_of(block)), b.get());
}

namespace {

/// What the check phase of reverse_compute_inline established.
struct ReverseInlineCheck {
  Located lc, lp;  // the consumer and its producer
  const ir::BufferStoreNode* cstore = nullptr;
  const ir::BufferStoreNode* pstore = nullptr;
  ir::Buffer buf;
  VarMap map;  // consumer iteration variable -> producer store index
};

ReverseInlineCheck check_reverse_inline(const char* prim, const ir::PrimFunc& func, const ir::BlockNode* block) {
  ReverseInlineCheck rc;
  const ir::BlockNode* c = block;
  // 1) The consumer: a complete block with a single store and no predicate.
  rc.lc = locate(func, c->name, prim);
  const Located& lc = rc.lc;
  check_complete_block(prim, func, lc.block);
  rc.cstore = single_store(lc.block, prim, false);
  const ir::BufferStoreNode* cstore = rc.cstore;
  if (!ir::is_const_true(lc.realize->predicate))
    throw BodyAnalysisError(prim, "block {} has a predicate; only an unconditional consumer can be inlined", c->name);
  // 2) Its single producer: a complete block with a single store.
  BufferSet creads = buffers_of(lc.block->reads);
  std::vector<const ir::BlockRealizeNode*> producers;
  for (int i = 0; i < lc.pos; ++i) {
    if (intersects(buffers_of(lc.scope_blocks[i]->block->writes), creads)) producers.push_back(lc.scope_blocks[i]);
  }
  if (producers.size() != 1)
    throw NotSingleProducerError(prim, "block {} has {} producer blocks; it must have exactly one", c->name,
                                 producers.size());
  rc.lp = locate(func, producers[0]->block->name, prim);
  const Located& lp = rc.lp;
  check_complete_block(prim, func, lp.block);
  rc.pstore = single_store(lp.block, prim, false);
  const ir::BufferStoreNode* pstore = rc.pstore;
  rc.buf = pstore->buffer;
  const ir::Buffer& buf = rc.buf;
  if (lp.block->writes.size() != 1)
    throw BodyAnalysisError(prim, "producer {} writes more than one buffer", lp.block->name);
  check_not_output_block(prim, func, lp.block);
  for (const ir::BlockNode* r : readers_of(func, buf, lp.block)) {
    if (r != lc.block)
      throw NotSingleProducerError(prim,
                                   "buffer {} written by {} is also read by block {}; it can only be "
                                   "removed when {} is its only reader",
                                   buf->name, lp.block->name, r->name, c->name);
  }
  // 3) The consumer reads the buffer at one index tuple of distinct iteration variables
  // covering all of its own: a bijection onto the producer's store indices.
  std::vector<const ir::BufferLoadNode*> loads;
  ir::post_order_visit(cstore->value, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::BufferLoad && static_cast<const ir::BufferLoadNode*>(n)->buffer.same_as(buf))
      loads.push_back(static_cast<const ir::BufferLoadNode*>(n));
  });
  for (const ir::Expr& idx : cstore->indices) {
    ir::post_order_visit(idx, [&](const ir::Object* n) {
      if (n->kind() == ir::NodeKind::BufferLoad && static_cast<const ir::BufferLoadNode*>(n)->buffer.same_as(buf))
        loads.push_back(static_cast<const ir::BufferLoadNode*>(n));
    });
  }
  auto non_injective = [&] {
    return BodyAnalysisError(prim,
                             "block {} must read {} at one index tuple of distinct iteration "
                             "variables that covers all of its iteration variables",
                             c->name, buf->name);
  };
  if (loads.empty()) throw non_injective();
  VarMap& map = rc.map;
  for (size_t k = 0; k < loads[0]->indices.size(); ++k) {
    const auto* v = loads[0]->indices[k].as<ir::VarNode>();
    bool is_iter = false;
    for (const ir::IterVar& iv : lc.block->iter_vars) is_iter = is_iter || iv.var.get() == v;
    if (!v || !is_iter || map.count(ir::Var(v))) throw non_injective();
    map[ir::Var(v)] = pstore->indices[k];
  }
  if (map.size() != lc.block->iter_vars.size()) throw non_injective();
  for (const ir::BufferLoadNode* ld : loads) {
    for (size_t k = 0; k < ld->indices.size(); ++k) {
      if (!ld->indices[k].same_as(loads[0]->indices[k])) throw non_injective();
    }
  }
  // 3b) ... within the buffer's extent: a consumer iterating beyond it (a padded copy
  // guarding its loads) would lose those points once moved into the producer's iterations
  // (a consumer covering less of it gets a predicate instead).
  arith::Analyzer domain_an;
  for (size_t k = 0; k < loads[0]->indices.size(); ++k) {
    const auto* v = loads[0]->indices[k].as<ir::VarNode>();
    for (const ir::IterVar& iv : lc.block->iter_vars) {
      if (iv.var.get() != v) continue;
      if (!domain_an.can_prove(iv.dom.min >= ir::make_const(iv.dom.min.dtype(), int64_t{0})) ||
          !domain_an.can_prove(iv.dom.min + iv.dom.extent <= ir::cast(iv.dom.extent.dtype(), buf->shape[k])))
        throw BodyAnalysisError(prim,
                                "block {} iterates {} over [{}, {} + {}) but reads {} at it, whose dimension {} has "
                                "extent {}; inlined into {} it would not compute the points beyond it",
                                c->name, iv.var.name(), ir::to_string(iv.dom.min), ir::to_string(iv.dom.min),
                                ir::to_string(iv.dom.extent), buf->name, k, ir::to_string(buf->shape[k]),
                                lp.block->name);
    }
  }
  // 4) Blocks whose order relative to the consumer's computation changes must not touch it.
  BufferSet cwrites = buffers_of(lc.block->writes);
  std::set<const ir::BlockNode*> moved_past = loop_mates(lp.path);
  for (int i = lp.pos + 1; i < lc.pos; ++i) moved_past.insert(lc.scope_blocks[i]->block.get());
  moved_past.erase(lp.block);
  moved_past.erase(lc.block);
  for (const ir::BlockNode* x : moved_past) {
    if (intersects(buffers_of(x->writes), creads) || intersects(buffers_of(x->writes), cwrites) ||
        intersects(buffers_of(x->reads), cwrites))
      throw InlineConflictError(prim,
                                "block {} runs between producer {} and consumer {} and touches "
                                "what {} reads or writes",
                                x->name, lp.block->name, c->name, c->name);
  }
  return rc;
}

}  // namespace

bool can_reverse_compute_inline(const ir::PrimFunc& func, const ir::BlockNode* block) {
  try {
    check_reverse_inline("reverse_compute_inline", func, block);
    return true;
  } catch (const ScheduleError&) {
    return false;
  }
}

bool can_reverse_compute_inline(const Schedule& sch, const BlockRV& block) {
  ir::Block b = sch.get(block);
  return can_reverse_compute_inline(sch.mod().at(sch.func_of(block)), b.get());
}

void Schedule::reverse_compute_inline(const BlockRV& block) {
  const char* prim = "reverse_compute_inline";
  ir::Block consumer = get(block);
  const std::string func_name = func_of(block);
  const ir::PrimFunc& func = mod_.at(func_name);
  const ReverseInlineCheck rc = check_reverse_inline(prim, func, consumer.get());
  const Located& lc = rc.lc;
  const Located& lp = rc.lp;
  const ir::BufferStoreNode* cstore = rc.cstore;
  const ir::BufferStoreNode* pstore = rc.pstore;
  const ir::Buffer& buf = rc.buf;
  const VarMap& map = rc.map;
  const ir::BlockNode* c = consumer.get();
  // 5) The new producer body: the consumer's store in terms of the producer's variables,
  // restricted to the consumer's domain.
  ir::Expr value =
      ir::mutate_exprs_with(ir::substitute(cstore->value, map), [&](const ir::Expr& e) -> std::optional<ir::Expr> {
        if (const auto* ld = e.as<ir::BufferLoadNode>(); ld && ld->buffer.same_as(buf)) return pstore->value;
        return std::nullopt;
      });
  std::vector<ir::Expr> indices;
  for (const ir::Expr& idx : cstore->indices) indices.push_back(ir::substitute(idx, map));
  ir::Stmt body = ir::BufferStoreNode::make(cstore->buffer, value, indices);
  arith::Analyzer an;
  for (const ir::IterVar& iv : lp.block->iter_vars) an.bind(iv.var, iv.dom);
  ir::Expr cond = ir::make_bool(true);
  for (const ir::IterVar& iv : lc.block->iter_vars) {
    ir::Expr e = map.at(iv.var);
    if (!an.can_prove(e >= iv.dom.min)) cond = ir::logical_and(cond, e >= iv.dom.min);
    if (!an.can_prove(e < iv.dom.min + iv.dom.extent)) cond = ir::logical_and(cond, e < iv.dom.min + iv.dom.extent);
  }
  VarMap pbinding;
  for (size_t i = 0; i < lp.block->iter_vars.size(); ++i)
    pbinding[lp.block->iter_vars[i].var] = lp.realize->iter_values[i];
  ir::Expr predicate = lp.realize->predicate;
  if (!ir::is_const_true(cond)) {
    predicate = ir::is_const_true(predicate) ? ir::substitute(an.simplify(cond), pbinding)
                                             : ir::logical_and(predicate, ir::substitute(an.simplify(cond), pbinding));
  }
  ir::Block draft = ir::Block::make(lp.block->name, lp.block->iter_vars, {}, {}, body, {}, lp.block->alloc_buffers,
                                    lp.block->match_buffers, lp.block->annotations);
  arith::AccessRegions regions = arith::infer_block_access_regions(*draft.get());
  ir::Block merged = ir::Block::make(lp.block->name, lp.block->iter_vars, regions.reads, regions.writes, body, {},
                                     lp.block->alloc_buffers, lp.block->match_buffers, lp.block->annotations);
  ir::Stmt new_realize = ir::BlockRealizeNode::make(lp.realize->iter_values, predicate, merged);
  // 6) Replace the producer, remove the consumer and the buffer.
  std::vector<ir::Var> emptied = emptied_loops(lc.path);
  ir::PrimFunc f1 = detail::replace_in_func(func, lp.realize, new_realize);
  ir::PrimFunc f2 = detail::replace_in_func(f1, lc.realize, ir::Stmt());
  AllocDropper dropper(buf);
  ir::PrimFunc out = f2.with_body(dropper.mutate(f2->body));
  update_func(func_name, out, prim);
  mark_removed_block(func_name, c->name, prim);
  for (const ir::Var& v : emptied) mark_removed_loop(v, prim);
  record("ReverseComputeInline", {block}, {}, {});
}

namespace detail {

void register_compute_inline_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add({"ComputeInline",
         "compute_inline",
         {{"block", Role::Input, std::nullopt, ParamKind::Block}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value&) {
           sch.compute_inline(as_block(inputs.at(0), "block"));
           return std::vector<Value>{};
         }});
  r.add({"ReverseComputeInline",
         "reverse_compute_inline",
         {{"block", Role::Input, std::nullopt, ParamKind::Block}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value&) {
           sch.reverse_compute_inline(as_block(inputs.at(0), "block"));
           return std::vector<Value>{};
         }});
}

}  // namespace detail
}  // namespace loom::sched
