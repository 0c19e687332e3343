// Compute-at primitives: compute_at, reverse_compute_at and sample_compute_location.
//
// compute_at moves a producer block under a loop of its consumers; reverse_compute_at moves
// a consumer under a loop of its producers. Both regenerate the loops above the moved block
// from a region analysis (TVM's ComputeAt): the region the blocks on the other side of the
// dependence touch in one iteration of the loop decides which instances of the moved block
// run there. sample_compute_location draws one of the legal locations.
#include <algorithm>
#include <set>
#include <unordered_set>

#include "compute_inline.h"
#include "families.h"
#include "fmt/format.h"
#include "loom/arith/analyzer.h"
#include "loom/arith/interval.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/ir/printer.h"
#include "loom/ir/storage_scope.h"
#include "loom/ir/visitor.h"
#include "loom/sched/analysis.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(NotInSameScopeError, "NotInSameScope");
LOOM_SCHEDULE_ERROR(NotAllRequiredBlocksVisitedError, "NotAllRequiredBlocksAreVisited");
LOOM_SCHEDULE_ERROR(ProducerConsumerSplitError, "ProducerConsumerSplit");
LOOM_SCHEDULE_ERROR(InsertionIndexError, "InsertionIndex");
LOOM_SCHEDULE_ERROR(DependenceConflictError, "DependenceConflict");
LOOM_SCHEDULE_ERROR(PartialReductionError, "PartialReduction");

using detail::buffers_of;
using detail::BufferSet;
using detail::intersects;
using detail::vars_in;
using detail::VarSet;

/// The "compute root" / "compute inline" locations: two variables no loop ever binds.
const ir::Var& compute_root_var() {
  static const ir::Var v("compute_root");
  return v;
}
const ir::Var& compute_inline_var() {
  static const ir::Var v("compute_inline");
  return v;
}

/// The blocks of one scope in program (depth-first) order, with where each one sits.
struct Scope {
  const ir::BlockRealizeNode* realize = nullptr;
  std::vector<const ir::BlockRealizeNode*> blocks;
  int index_of(const ir::BlockNode* b) const {
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (blocks[i]->block.get() == b) return static_cast<int>(i);
    }
    return -1;
  }
};

/// Producers (earlier blocks writing what `b` reads) and consumers (later blocks reading
/// what `b` writes) of the block at position `pos`.
void producers_consumers(const Scope& scope, int pos, std::set<const ir::BlockNode*>* producers,
                         std::set<const ir::BlockNode*>* consumers) {
  const ir::BlockNode* b = scope.blocks[pos]->block.get();
  BufferSet reads = buffers_of(b->reads), writes = buffers_of(b->writes);
  for (int i = 0; i < static_cast<int>(scope.blocks.size()); ++i) {
    const ir::BlockNode* x = scope.blocks[i]->block.get();
    if (i < pos && intersects(buffers_of(x->writes), reads)) producers->insert(x);
    if (i > pos && intersects(buffers_of(x->reads), writes)) consumers->insert(x);
  }
}

/// The children of a loop body as TVM's AsArray sees them.
std::vector<ir::Stmt> as_array(const ir::Stmt& body) {
  if (const auto* seq = body.as<ir::SeqStmtNode>()) return seq->seq;
  return {body};
}

/// Loops removed when the realize at the end of `path` is removed: the chain of loops
/// directly above it whose only child leads to it.
std::vector<ir::Var> loops_emptied_by_removal(const detail::StmtPath& path) {
  std::vector<ir::Var> out;
  // nodes: ..., realize, block.
  for (size_t k = path.nodes.size() - 2; k-- > 0;) {
    const auto* loop = path.nodes[k].as<ir::ForNode>();
    if (!loop || !loop->body.same_as(path.nodes[k + 1])) break;
    out.push_back(loop->loop_var);
  }
  return out;
}

/// [lo, hi] of a range whose variables in `dom` are relaxed.
arith::Interval relax_range(const ir::Range& r, const arith::VarIntervalMap& dom, arith::Analyzer* an) {
  arith::Interval lo = arith::eval_interval(r.min, dom, an);
  arith::Interval hi = arith::eval_interval(an->simplify(r.min + r.extent - 1), dom, an);
  return {lo.min, hi.max};
}

/// What compute_at / reverse_compute_at would produce.
struct MovePlan {
  ir::PrimFunc func;
  std::vector<ir::Var> removed_loops;
};

/// The domain found for one iteration variable of the moved block.
struct VarDomain {
  bool full = false;  // no usable constraint: the whole domain
  bool has = false;
  arith::Interval dom;
};

/// What the check phase of compute_at / reverse_compute_at established: where the block
/// and the loop are, the block's producers and consumers, and the insertion point.
struct MoveCheck {
  std::optional<detail::StmtPath> bpath, lpath;
  const ir::BlockRealizeNode* realize = nullptr;
  const ir::BlockNode* block = nullptr;
  const ir::ForNode* loop = nullptr;
  std::set<const ir::BlockNode*> producers, consumers;
  std::vector<ir::Stmt> subtrees;
  int insert_at = 0;
};

/// The check phase of moving block `block_name` under the loop `loop_var` (TVM's
/// ComputeAtOrReverseComputeAtImpl, steps 1-3), throwing the primitive's ScheduleError when
/// illegal. For compute_at these are all the checks (can_compute_at runs only them);
/// reverse_compute_at adds region checks in plan_move. The steps follow TVM's numbering.
MoveCheck check_move(const ir::PrimFunc& func, const std::string& block_name, const ir::Var& loop_var,
                     bool is_compute_at, int index) {
  const char* prim = is_compute_at ? "compute_at" : "reverse_compute_at";
  MoveCheck c;
  // Step 1. Find both and check the conditions.
  c.bpath = detail::find_block(func, block_name);
  LOOM_ICHECK(c.bpath.has_value(), "block vanished: " + block_name);
  const detail::StmtPath& bpath = *c.bpath;
  c.block = bpath.target().as<ir::BlockNode>();
  const ir::BlockNode* block = c.block;
  check_not_root_block(prim, func, block);
  c.realize = bpath.nodes[bpath.nodes.size() - 2].as<ir::BlockRealizeNode>();
  c.lpath = detail::find_loop(func, loop_var);
  LOOM_ICHECK(c.lpath.has_value(), "loop vanished: " + loop_var.name());
  const detail::StmtPath& lpath = *c.lpath;
  const auto* loop = c.loop = lpath.target().as<ir::ForNode>();
  Scope scope;
  scope.realize = detail::scope_realize(bpath);
  if (detail::scope_realize(lpath) != scope.realize)
    throw NotInSameScopeError(prim, "loop {} is not in the scope of block {} (the block {})", loop_var.name(),
                              block_name, scope.realize->block->name);
  for (const ir::Stmt& s : bpath.nodes) {
    if (s.get() == loop)
      throw NotInSameScopeError(prim, "loop {} is an ancestor of block {}; the block is already under it",
                                loop_var.name(), block_name);
  }
  scope.blocks = detail::child_block_realizes(scope.realize->block->body);
  int pos = scope.index_of(block);
  check_complete_or_reduction_block(prim, func, block);
  if (is_compute_at) check_not_output_block(prim, func, block);
  std::set<const ir::BlockNode*>& producers = c.producers;
  std::set<const ir::BlockNode*>& consumers = c.consumers;
  producers_consumers(scope, pos, &producers, &consumers);

  // Step 3. Find the insertion point among the loop's children.
  std::vector<ir::Stmt>& subtrees = c.subtrees;
  subtrees = as_array(loop->body);
  const int n = static_cast<int>(subtrees.size());
  int last_producer = -1, first_consumer = n;
  size_t producers_seen = 0, consumers_seen = 0;
  std::set<const ir::BlockNode*> in_loop;
  std::map<const ir::BlockNode*, int> subtree_of;
  for (int i = 0; i < n; ++i) {
    for (const ir::BlockRealizeNode* r : detail::child_block_realizes(subtrees[i])) {
      const ir::BlockNode* x = r->block.get();
      in_loop.insert(x);
      subtree_of[x] = i;
      if (producers.count(x)) {
        last_producer = i;
        ++producers_seen;
      }
      if (consumers.count(x)) {
        first_consumer = std::min(first_consumer, i);
        ++consumers_seen;
      }
    }
  }
  if (is_compute_at && consumers_seen < consumers.size())
    throw NotAllRequiredBlocksVisitedError(prim, "not every consumer of block {} is under loop {}", block_name,
                                           loop_var.name());
  if (!is_compute_at && producers_seen < producers.size())
    throw NotAllRequiredBlocksVisitedError(prim, "not every producer of block {} is under loop {}", block_name,
                                           loop_var.name());
  if (last_producer >= first_consumer)
    throw ProducerConsumerSplitError(prim, "under loop {} a consumer of block {} comes before one of its producers",
                                     loop_var.name(), block_name);
  int& insert_at = c.insert_at;
  if (index == -1) {
    insert_at = first_consumer;
  } else if (index == -2) {
    insert_at = last_producer + 1;
  } else if (index >= last_producer + 1 && index <= first_consumer) {
    insert_at = index;
  } else {
    throw InsertionIndexError(prim,
                              "index {} is not a valid position under loop {}: valid are -1, -2 and "
                              "[{}, {}]",
                              index, loop_var.name(), last_producer + 1, first_consumer);
  }

  // Step 3b. Blocks whose order relative to the moved block changes must not touch its data.
  BufferSet reads = buffers_of(block->reads), writes = buffers_of(block->writes);
  int loop_first = static_cast<int>(scope.blocks.size()), loop_last = -1;
  for (int i = 0; i < static_cast<int>(scope.blocks.size()); ++i) {
    if (in_loop.count(scope.blocks[i]->block.get())) {
      loop_first = std::min(loop_first, i);
      loop_last = std::max(loop_last, i);
    }
  }
  std::set<const ir::BlockNode*> old_loop_mates;
  for (const ir::ForNode* f : detail::loops_above(bpath)) {
    for (const ir::BlockRealizeNode* r : detail::child_block_realizes(ir::Stmt(ir::Ref<ir::StmtNode>(f)))) {
      if (r->block.get() != block) old_loop_mates.insert(r->block.get());
    }
  }
  for (int i = 0; i < static_cast<int>(scope.blocks.size()); ++i) {
    const ir::BlockNode* x = scope.blocks[i]->block.get();
    if (x == block) continue;
    bool between = loop_last >= 0 && ((i > pos && i < loop_first) || (i < pos && i > loop_last));
    bool moved_past = between || in_loop.count(x);
    BufferSet xr = buffers_of(x->reads), xw = buffers_of(x->writes);
    bool allowed_writer = in_loop.count(x) && ((!is_compute_at && producers.count(x)));
    std::string why;
    if (moved_past && intersects(xw, reads) && !allowed_writer)
      why = "writes a buffer that block " + block_name + " reads";
    if (moved_past && intersects(xw, writes)) why = "writes a buffer that block " + block_name + " writes";
    if (moved_past && intersects(xr, writes) && !(in_loop.count(x) && consumers.count(x)))
      why = "reads a buffer that block " + block_name + " writes";
    if (old_loop_mates.count(x) && !moved_past) {
      if (intersects(xw, writes) || intersects(xr, writes))
        why = "shares a loop with block " + block_name + " and uses its output";
      if (intersects(xw, reads) && !(is_compute_at && producers.count(x)))
        why = "shares a loop with block " + block_name + " and writes its input";
    }
    if (!why.empty())
      throw DependenceConflictError(prim, "cannot move block {} under loop {}: block {} {}", block_name,
                                    loop_var.name(), x->name, why);
  }
  return c;
}

/// Plans moving block `block_name` under the loop `loop_var`: check_move, then the region
/// analysis and the new loops (steps 4-7), throwing the primitive's ScheduleError when illegal.
MovePlan plan_move(const ir::PrimFunc& func, const std::string& block_name, const ir::Var& loop_var, bool is_compute_at,
                   bool preserve_unit_loops, int index) {
  const char* prim = is_compute_at ? "compute_at" : "reverse_compute_at";
  MoveCheck c = check_move(func, block_name, loop_var, is_compute_at, index);
  const std::optional<detail::StmtPath>& bpath = c.bpath;
  const std::optional<detail::StmtPath>& lpath = c.lpath;
  const ir::BlockRealizeNode* realize = c.realize;
  const ir::BlockNode* block = c.block;
  const ir::ForNode* loop = c.loop;
  const std::set<const ir::BlockNode*>& producers = c.producers;
  const std::set<const ir::BlockNode*>& consumers = c.consumers;
  std::vector<ir::Stmt>& subtrees = c.subtrees;
  const int insert_at = c.insert_at;

  // Bind the loop and the loops above it (within the scope): they stay symbolic.
  arith::Analyzer an;
  for (const ir::ForNode* f : detail::loops_above(*lpath)) an.bind(f->loop_var, ir::Range{f->min, f->extent});
  an.bind(loop->loop_var, ir::Range{loop->min, loop->extent});

  // Step 4. The region required by the blocks on the other side under the loop, per buffer:
  // the loops inside the loop relaxed, and for compute_at the thread loops the buffer's
  // storage scope shares it across.
  const std::vector<ir::BufferRegion>& provided = is_compute_at ? block->writes : block->reads;
  BufferSet provided_buffers = buffers_of(provided);
  std::map<const ir::BufferNode*, std::vector<arith::Interval>> required;
  const std::set<const ir::BlockNode*>& others = is_compute_at ? consumers : producers;
  // The loops to relax for a buffer of storage scope `scope`, outermost first (TVM's
  // LoopDomainOfSRefTreePath): compute_at also relaxes the thread-bound loops from `loop`
  // up to the function body whose threads share the buffer (a "shared" cache under
  // threadIdx covers every thread of its block, the cooperative fetch). As in TVM, a
  // "global" buffer (whose every thread computes what it reads itself) and
  // reverse_compute_at relax only the loops inside `loop`.
  auto relaxed_loops = [&](const std::vector<ir::Stmt>& opath_nodes, const std::string& scope) {
    std::vector<const ir::ForNode*> out;
    if (is_compute_at && ir::storage_rank(scope) != ir::StorageRank::Global) {
      for (const ir::Stmt& s : lpath->nodes) {
        const auto* f = s.as<ir::ForNode>();
        if (f && f->for_kind == ir::ForKind::ThreadBinding && ir::thread_tag_relaxed_by_scope(scope, f->thread_tag))
          out.push_back(f);
      }
    }
    bool inside = false;
    for (const ir::Stmt& s : opath_nodes) {
      const auto* f = s.as<ir::ForNode>();
      if (!f) continue;
      if (inside) out.push_back(f);
      if (f == loop) inside = true;
    }
    return out;
  };
  for (const ir::BlockNode* other : others) {
    std::optional<detail::StmtPath> opath = detail::find_block(func, other->name);
    const auto* orealize = opath->nodes[opath->nodes.size() - 2].as<ir::BlockRealizeNode>();
    std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual> binding;
    for (size_t i = 0; i < other->iter_vars.size(); ++i) binding[other->iter_vars[i].var] = orealize->iter_values[i];
    for (const ir::BufferRegion& br : is_compute_at ? other->reads : other->writes) {
      if (!provided_buffers.count(br.buffer.get())) continue;
      // Relax the loops, outermost first.
      arith::VarIntervalMap dom;
      for (const ir::ForNode* f : relaxed_loops(opath->nodes, br.buffer->scope)) {
        arith::Interval lo = arith::eval_interval(f->min, dom, &an);
        arith::Interval hi = arith::eval_interval(an.simplify(f->min + f->extent - 1), dom, &an);
        dom[f->loop_var] = arith::Interval{lo.min, hi.max};
      }
      std::vector<arith::Interval> region;
      for (const ir::Range& r : br.region) {
        ir::Range sub{ir::substitute(r.min, binding), ir::substitute(r.extent, binding)};
        region.push_back(relax_range(sub, dom, &an));
      }
      auto [it, fresh] = required.emplace(br.buffer.get(), region);
      if (!fresh) {
        for (size_t d = 0; d < region.size(); ++d) it->second[d] = arith::interval_union(it->second[d], region[d], &an);
      }
    }
  }

  // Step 4b. A producer under the loop must finish its reductions within one iteration
  // before a consumer reads its output there.
  if (!is_compute_at) {
    VarSet outer;
    for (const ir::ForNode* f : detail::loops_above(*lpath)) outer.insert(f->loop_var.get());
    outer.insert(loop->loop_var.get());
    for (const ir::BlockNode* p : producers) {
      auto ppath = detail::find_block(func, p->name);
      const auto* prealize = ppath->nodes[ppath->nodes.size() - 2].as<ir::BlockRealizeNode>();
      for (size_t i = 0; i < p->iter_vars.size(); ++i) {
        if (p->iter_vars[i].type == ir::IterType::DataPar) continue;
        for (const ir::VarNode* v : vars_in(prealize->iter_values[i])) {
          if (outer.count(v))
            throw PartialReductionError(
                prim,
                "producer {} reduces over loop {}, which is not inside loop {}: block {} would read "
                "partial results",
                p->name, v->name, loop_var.name(), block_name);
        }
      }
    }
  }

  // Step 5. The domain of each iteration variable of the moved block.
  std::unordered_map<const ir::VarNode*, VarDomain> doms;
  for (const ir::IterVar& iv : block->iter_vars) doms[iv.var.get()];
  for (const ir::BufferRegion& br : provided) {
    auto it = required.find(br.buffer.get());
    if (it == required.end()) continue;
    for (size_t d = 0; d < br.region.size(); ++d) {
      std::vector<const ir::VarNode*> used;
      for (const ir::VarNode* v : vars_in(br.region[d].min)) {
        if (doms.count(v)) used.push_back(v);
      }
      if (used.empty()) continue;
      const arith::Interval& req = it->second[d];
      bool simple = used.size() == 1 && ir::is_one(an.simplify(br.region[d].extent)) && req.is_bounded();
      ir::Expr offset;
      if (simple) {
        offset = an.simplify(br.region[d].min - ir::Var(used[0]));
        for (const ir::VarNode* v : vars_in(offset)) simple = simple && !doms.count(v);
      }
      if (!simple) {
        for (const ir::VarNode* v : used) doms[v].full = true;
        continue;
      }
      VarDomain& vd = doms[used[0]];
      arith::Interval need{an.simplify(req.min - offset), an.simplify(req.max - offset)};
      vd.dom = vd.has ? arith::interval_union(vd.dom, need, &an) : need;
      vd.has = true;
    }
  }

  // Step 6. The new loops, bindings and predicate.
  // New loop variables get names unused in the function ("ax0", "ax1", ...): the
  // simplifier orders terms by name, so distinct names keep replays deterministic.
  std::set<std::string> used_names;
  ir::post_order_visit(func->body, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::Var) used_names.insert(static_cast<const ir::VarNode*>(n)->name);
  });
  int name_counter = 0;
  auto fresh_name = [&] {
    std::string name;
    do {
      name = "ax" + std::to_string(name_counter++);
    } while (used_names.count(name));
    return name;
  };
  std::vector<ir::Var> new_vars;
  std::vector<ir::Expr> extents, values;
  ir::Expr predicate = ir::make_bool(true);
  std::vector<std::pair<ir::Var, arith::Interval>> final_doms;  // for the reverse cover check
  for (const ir::IterVar& iv : block->iter_vars) {
    const VarDomain& vd = doms[iv.var.get()];
    ir::DataType dt = iv.var.dtype();
    ir::Expr dmin = iv.dom.min, dmax = an.simplify(iv.dom.min + iv.dom.extent - 1);
    ir::Expr lo = dmin, hi = dmax;
    bool check_lo = false, check_hi = false;
    if (vd.has && !vd.full) {
      bool covers = an.can_prove(vd.dom.min <= dmin) && an.can_prove(vd.dom.max >= dmax);
      if (!covers) {
        lo = vd.dom.min;
        hi = vd.dom.max;
        check_lo = !an.can_prove(lo >= dmin);
        check_hi = !an.can_prove(hi <= dmax);
      }
    }
    ir::Expr extent = an.simplify(hi - lo + 1);
    ir::Expr value;
    if (preserve_unit_loops || !ir::is_one(extent)) {
      ir::Var v(fresh_name(), dt);
      new_vars.push_back(v);
      extents.push_back(ir::cast(dt, extent));
      an.bind(v, ir::Range{ir::make_const(dt, int64_t{0}), ir::cast(dt, extent)});
      value = an.simplify(ir::cast(dt, lo) + v);
    } else {
      value = an.simplify(ir::cast(dt, lo));
    }
    values.push_back(value);
    if (check_lo && !an.can_prove(value >= dmin)) predicate = ir::logical_and(predicate, value >= dmin);
    if (check_hi && !an.can_prove(value <= dmax)) predicate = ir::logical_and(predicate, value < dmax + 1);
    arith::Interval fd{an.simplify(ir::max(lo, dmin)), an.simplify(ir::min(hi, dmax))};
    final_doms.emplace_back(iv.var, fd);
  }
  predicate = an.simplify(predicate);

  // Step 6b (reverse_compute_at). The consumer must read only what the producers write in
  // one iteration of the loop (analysis.h's read cover).
  if (!is_compute_at) {
    arith::VarIntervalMap dom;
    for (const auto& [v, fd] : final_doms) dom[v] = fd;
    check_read_region_covered(prim, block, dom, required, loop_var, &an);
  }

  // Step 6c (reverse_compute_at). Over all iterations of the loop (and the loops above it),
  // the consumer must still cover its whole iteration domain: it writes what later blocks
  // read, and a part its producers do not provide (e.g. the padding of a padded copy)
  // would be left unwritten (analysis.h's domain cover).
  if (!is_compute_at) {
    arith::VarIntervalMap loops_dom;
    for (const ir::ForNode* f : detail::loops_above(*lpath))
      loops_dom[f->loop_var] = arith::Interval::from_range(ir::Range{f->min, f->extent}, &an);
    loops_dom[loop->loop_var] = arith::Interval::from_range(ir::Range{loop->min, loop->extent}, &an);
    std::vector<arith::Interval> ranges;
    for (const auto& fd : final_doms) ranges.push_back(fd.second);
    check_iteration_domain_covered(prim, block, ranges, loops_dom, loop_var, &an);
  }

  ir::Stmt moved = ir::BlockRealizeNode::make(values, predicate, realize->block);
  for (size_t i = new_vars.size(); i-- > 0;)
    moved = ir::ForNode::make(new_vars[i], ir::make_const(new_vars[i].dtype(), int64_t{0}), extents[i],
                              ir::ForKind::Serial, moved);
  subtrees.insert(subtrees.begin() + insert_at, moved);
  ir::Stmt new_loop = ir::ForNode::make(loop->loop_var, loop->min, loop->extent, loop->for_kind,
                                        ir::SeqStmtNode::make(subtrees), loop->thread_tag, loop->annotations);

  // Step 7. Replace the loop, then remove the block from where it was.
  MovePlan plan;
  plan.removed_loops = loops_emptied_by_removal(*bpath);
  ir::PrimFunc f1 = detail::replace_in_func(func, loop, new_loop);
  plan.func = detail::replace_in_func(f1, realize, ir::Stmt());
  return plan;
}

/// TVM's GetLoopIterType, simplified: a loop is data parallel unless some block under it
/// binds it into a non-data-parallel iteration variable.
bool is_data_parallel_loop(const ir::ForNode* loop) {
  for (const ir::BlockRealizeNode* r : detail::child_block_realizes(loop->body)) {
    for (size_t i = 0; i < r->block->iter_vars.size(); ++i) {
      if (r->block->iter_vars[i].type == ir::IterType::DataPar) continue;
      if (vars_in(r->iter_values[i]).count(loop->loop_var.get())) return false;
    }
  }
  return true;
}

void apply_move(Schedule& sch, const BlockRV& block, const LoopRV& loop, bool is_compute_at, bool preserve_unit_loops,
                int index) {
  const char* prim = is_compute_at ? "compute_at" : "reverse_compute_at";
  ir::Block b = sch.get(block);
  const ir::ForNode* l = sch.get(loop);
  const std::string func = sch.func_of(block);
  if (sch.func_of(loop) != func)
    throw NotInSameScopeError(prim, "loop {} and block {} are in different functions", l->loop_var.name(), b->name);
  MovePlan plan = plan_move(sch.mod().at(func), b->name, l->loop_var, is_compute_at, preserve_unit_loops, index);
  sch.update_func(func, plan.func, prim);
  for (const ir::Var& v : plan.removed_loops) sch.mark_removed_loop(v, prim);
}

}  // namespace

bool Schedule::is_compute_root(const LoopRV& loop) const { return loop_var(loop).same_as(compute_root_var()); }
bool Schedule::is_compute_inline(const LoopRV& loop) const { return loop_var(loop).same_as(compute_inline_var()); }

void Schedule::compute_at(const BlockRV& block, const LoopRV& loop, bool preserve_unit_loops, int index) {
  if (is_compute_root(loop)) {
    get(block);
  } else if (is_compute_inline(loop)) {
    // compute_inline's rewrite; the trace records ComputeAt only, as TVM's does.
    ir::Block b = get(block);
    const std::string func = func_of(block);
    detail::InlineResult result = detail::compute_inline_func("compute_at", mod_.at(func), b.get());
    update_func(func, result.func, "compute_at");
    mark_removed_block(func, b->name, "compute_at");
    for (const ir::Var& v : result.emptied_loops) mark_removed_loop(v, "compute_at");
  } else {
    apply_move(*this, block, loop, true, preserve_unit_loops, index);
  }
  record("ComputeAt", {block, loop}, {Value(preserve_unit_loops), Value(int64_t{index})}, {});
}

bool can_compute_at(const Schedule& sch, const BlockRV& block, const LoopRV& loop, int index) {
  ir::Block b = sch.get(block);
  const std::string func = sch.func_of(block);
  try {
    if (sch.is_compute_root(loop)) return true;
    if (sch.is_compute_inline(loop)) {
      detail::check_compute_inline("compute_at", sch.mod().at(func), b.get());
      return true;
    }
    const ir::ForNode* l = sch.get(loop);
    if (sch.func_of(loop) != func) return false;
    check_move(sch.mod().at(func), b->name, l->loop_var, true, index);
    return true;
  } catch (const ScheduleError&) {
    return false;
  }
}

void Schedule::reverse_compute_at(const BlockRV& block, const LoopRV& loop, bool preserve_unit_loops, int index) {
  apply_move(*this, block, loop, false, preserve_unit_loops, index);
  record("ReverseComputeAt", {block, loop}, {Value(preserve_unit_loops), Value(int64_t{index})}, {});
}

LoopRV Schedule::sample_compute_location(const BlockRV& block, std::optional<int64_t> decision) {
  ir::Block b = get(block);
  const std::string func_name = func_of(block);
  const ir::PrimFunc& func = mod_.at(func_name);
  // Step 1. Compute-inline and compute-root.
  std::vector<int64_t> indices;
  std::vector<ir::Var> locations;
  if (can_compute_inline(*this, block)) {
    indices.push_back(-2);
    locations.push_back(compute_inline_var());
  }
  indices.push_back(-1);
  locations.push_back(compute_root_var());
  // Step 2. The loops above the first consumer that hold every consumer.
  auto path = detail::find_block(func, b->name);
  Scope scope;
  scope.realize = detail::scope_realize(*path);
  if (scope.realize) {
    scope.blocks = detail::child_block_realizes(scope.realize->block->body);
    std::set<const ir::BlockNode*> producers, consumers;
    producers_consumers(scope, scope.index_of(b.get()), &producers, &consumers);
    const ir::BlockNode* first = nullptr;
    for (const ir::BlockRealizeNode* r : scope.blocks) {
      if (consumers.count(r->block.get())) {
        first = r->block.get();
        break;
      }
    }
    if (first) {
      auto cpath = detail::find_block(func, first->name);
      std::vector<const ir::ForNode*> loops = detail::loops_above(*cpath);
      size_t n_candidate = 0;
      for (const ir::ForNode* l : loops) {
        size_t held = 0;
        for (const ir::BlockRealizeNode* r : detail::child_block_realizes(l->body))
          held += consumers.count(r->block.get());
        if (held < consumers.size()) break;
        ++n_candidate;
      }
      // Step 3. TVM's rules: skip unit loops, stop at a data-parallel loop after a reduction
      // loop and at trailing reduction loops.
      int last_datapar = -1;
      std::vector<bool> datapar(n_candidate);
      for (size_t i = 0; i < n_candidate; ++i) {
        datapar[i] = is_data_parallel_loop(loops[i]);
        if (datapar[i]) last_datapar = static_cast<int>(i);
      }
      bool visited_reduce = false;
      for (size_t i = 0; i < n_candidate; ++i) {
        if (ir::is_one(loops[i]->extent)) continue;
        if (datapar[i]) {
          if (visited_reduce) break;
        } else {
          visited_reduce = true;
          if (static_cast<int>(i) > last_datapar) break;
        }
        try {
          check_move(func, b->name, loops[i]->loop_var, true, -1);  // all of compute_at's checks
          indices.push_back(static_cast<int64_t>(i));
          locations.push_back(loops[i]->loop_var);
        } catch (const ScheduleError&) {
        }
      }
    }
  }
  // Step 4. Keep a valid decision, fall back to the nearest smaller candidate, or sample.
  size_t chosen;
  if (decision) {
    auto it = std::lower_bound(indices.begin(), indices.end(), *decision);
    if (it != indices.end() && *it == *decision) {
      chosen = it - indices.begin();
    } else if (it != indices.begin()) {
      chosen = (it - indices.begin()) - 1;
    } else {
      chosen = std::find(indices.begin(), indices.end(), int64_t{-1}) - indices.begin();
    }
  } else {
    chosen = static_cast<size_t>(rng_.uniform_int(0, static_cast<int64_t>(indices.size())));
  }
  LoopRV out = new_loop_rv(func_name, locations[chosen]);
  record("SampleComputeLocation", {block}, {}, {out}, Value(indices[chosen]));
  return out;
}

namespace detail {

void register_compute_at_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  auto move_kind = [](const char* name, const char* python, bool compute_at) {
    return InstructionKind{
        name,
        python,
        {{"block", Role::Input, std::nullopt, ParamKind::Block},
         {"loop", Role::Input, std::nullopt, ParamKind::Loop},
         {"preserve_unit_loops", Role::Attr, Value(false)},
         {"index", Role::Attr, Value(int64_t{-1})}},
        false,
        false,
        false,
        [compute_at](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
          BlockRV b = as_block(inputs.at(0), "block");
          LoopRV l = as_loop(inputs.at(1), "loop");
          bool preserve = as_bool(attrs.at(0), "preserve_unit_loops");
          int index = static_cast<int>(as_int(attrs.at(1), "index"));
          if (compute_at) {
            sch.compute_at(b, l, preserve, index);
          } else {
            sch.reverse_compute_at(b, l, preserve, index);
          }
          return std::vector<Value>{};
        }};
  };
  r.add(move_kind("ComputeAt", "compute_at", true));
  r.add(move_kind("ReverseComputeAt", "reverse_compute_at", false));
  r.add({"SampleComputeLocation",
         "sample_compute_location",
         {{"block", Role::Input, std::nullopt, ParamKind::Block}},
         true,
         true,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value& decision) {
           std::optional<int64_t> d;
           if (!decision.is_none()) d = as_int(decision, "decision");
           return std::vector<Value>{sch.sample_compute_location(as_block(inputs.at(0), "block"), d)};
         }});
}

}  // namespace detail
}  // namespace loom::sched
