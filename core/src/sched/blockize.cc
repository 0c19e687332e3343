// The block family: blockize (TVM's Blockize) makes the subtree under a loop one outer block
// whose iteration variables are the outer parts of the inner block's bindings; tensorize
// (TVM's Tensorize) then replaces such a block's body by a tensor intrinsic's
// implementation.
#include <algorithm>
#include <unordered_map>

#include "families.h"
#include "fmt/format.h"
#include "loom/arith/analyzer.h"
#include "loom/arith/interval.h"
#include "loom/arith/iter_map.h"
#include "loom/arith/region.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/ir/printer.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/visitor.h"
#include "loom/sched/schedule.h"
#include "loom/sched/tensor_intrin.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(NotSingleBlockError, "NotSingleBlock");
LOOM_SCHEDULE_ERROR(SubspaceNotDivisibleError, "SubspaceNotDivisible");
LOOM_SCHEDULE_ERROR(TensorizeMismatchError, "TensorizeMismatch");
LOOM_SCHEDULE_ERROR(UnknownTensorIntrinError, "UnknownTensorIntrin");

using VarMap = std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual>;

bool uses_any(const ir::Expr& e, const detail::VarSet& vars) {
  for (const ir::VarNode* v : detail::vars_in(e))
    if (vars.count(v)) return true;
  return false;
}

/// e + c, or e itself when c is 0.
ir::Expr plus(const ir::Expr& e, int64_t c) { return c == 0 ? e : e + ir::make_const(e.dtype(), c); }

void conjuncts(const ir::Expr& e, std::vector<ir::Expr>* out) {
  if (const auto* a = e.as<ir::AndNode>()) {
    conjuncts(a->a, out);
    conjuncts(a->b, out);
  } else if (!ir::is_const_true(e)) {
    out->push_back(e);
  }
}

ir::Expr conjunction(const std::vector<ir::Expr>& cs) {
  ir::Expr acc;
  for (const ir::Expr& c : cs) acc = acc.defined() ? ir::logical_and(acc, c) : c;
  return acc.defined() ? acc : ir::make_bool(true);
}

/// The regions relaxed over the inner iteration variables, clamped to the buffer shapes.
std::vector<ir::BufferRegion> relax_regions(const std::vector<ir::BufferRegion>& regions,
                                            const arith::VarIntervalMap& dom, arith::Analyzer* analyzer) {
  std::vector<ir::BufferRegion> out;
  for (const ir::BufferRegion& r : regions) {
    std::vector<ir::Range> ranges;
    for (size_t d = 0; d < r.region.size(); ++d) {
      const ir::Range& rg = r.region[d];
      ir::DataType t = rg.min.dtype();
      arith::Interval lo = arith::eval_interval(rg.min, dom, analyzer);
      arith::Interval hi = arith::eval_interval(rg.min + rg.extent - ir::make_const(t, int64_t{1}), dom, analyzer);
      ir::Expr shape = d < r.buffer->shape.size() ? r.buffer->shape[d] : ir::Expr();
      ir::Expr mn = lo.min, mx = hi.max;
      if (!mn.defined() || !analyzer->can_prove(mn >= ir::make_const(t, int64_t{0})))
        mn = mn.defined() ? ir::max(mn, ir::make_const(t, int64_t{0})) : ir::make_const(t, int64_t{0});
      if (shape.defined()) {
        ir::Expr last = ir::cast(t, shape) - ir::make_const(t, int64_t{1});
        if (!mx.defined() || !analyzer->can_prove(mx <= last)) mx = mx.defined() ? ir::min(mx, last) : last;
      }
      mn = analyzer->simplify(mn);
      ranges.push_back(ir::Range{mn, analyzer->simplify(mx - mn + ir::make_const(t, int64_t{1}))});
    }
    out.push_back(ir::BufferRegion{r.buffer, ranges});
  }
  return out;
}

ir::BufferRegion substitute_region(const ir::BufferRegion& r, const VarMap& map) {
  std::vector<ir::Range> ranges;
  for (const ir::Range& rg : r.region) ranges.push_back({ir::substitute(rg.min, map), ir::substitute(rg.extent, map)});
  return ir::BufferRegion{r.buffer, ranges};
}

std::vector<ir::BufferRegion> substitute_regions(const std::vector<ir::BufferRegion>& rs, const VarMap& map) {
  std::vector<ir::BufferRegion> out;
  for (const ir::BufferRegion& r : rs) out.push_back(substitute_region(r, map));
  return out;
}

/// The result of blockizing a loop, before the schedule is updated.
struct BlockizeResult {
  ir::PrimFunc func;
  std::string outer_name;
  /// The new outer block realize (in `func`).
  ir::Stmt outer_realize;
};

/// Blockizes the loop `loop_var` of `func` (TVM's BlockizeImpl); `p` names the primitive for
/// errors. Changes nothing; throws a ScheduleError when the loop cannot be blockized.
BlockizeResult blockize_loop(const ir::PrimFunc& func, const ir::Var& loop_var, bool preserve_unit_iters,
                             const char* p) {
  detail::StmtPath loop_path = *detail::find_loop(func, loop_var);
  const auto* target = loop_path.target().as<ir::ForNode>();
  const std::string lname = loop_var.name();

  // 1. The loops from `target` down to a single block realize.
  std::vector<const ir::ForNode*> inner_loops{target};
  ir::Stmt s = target->body;
  while (const auto* f = s.as<ir::ForNode>()) {
    inner_loops.push_back(f);
    s = f->body;
  }
  const auto* realize = s.as<ir::BlockRealizeNode>();
  if (!realize) {
    size_t n = detail::child_block_realizes(target->body).size();
    if (n != 1) throw NotSingleBlockError(p, "loop {} contains {} blocks, blockize needs exactly one", lname, n);
    throw NotSingleBlockError(p, "the statements between loop {} and its block are not only loops, cannot blockize",
                              lname);
  }
  const ir::BlockNode* block = realize->block.get();
  detail::StmtPath block_path = *detail::find_block(func, block->name);
  std::vector<const ir::ForNode*> all_loops = detail::loops_above(block_path);
  detail::VarSet inner_set, outer_set;
  for (const ir::ForNode* f : inner_loops) inner_set.insert(f->loop_var.get());
  std::vector<std::pair<ir::Var, ir::Range>> iters;
  for (const ir::ForNode* f : all_loops) {
    if (!inner_set.count(f->loop_var.get())) outer_set.insert(f->loop_var.get());
    if (!ir::as_const_int(f->min) || !ir::as_const_int(f->extent))
      throw SubspaceNotDivisibleError(
          p, "loop {} above block {} has a non-constant range, cannot divide the bindings of the block",
          f->loop_var->name, block->name);
    iters.push_back({f->loop_var, ir::Range{f->min, f->extent}});
  }

  // 2. Subspace division of the bindings: binding = base + outer * inner_extent + inner.
  arith::IterMapResult map = arith::detect_iter_map(realize->iter_values, iters, {}, arith::IterMapLevel::Surjective);
  if (!map.ok())
    throw SubspaceNotDivisibleError(
        p,
        "the bindings of block {} are not an affine map of the loops above it ({}), cannot blockize "
        "loop {}",
        block->name, map.error, lname);
  if (arith::has_fused_split(map))
    throw SubspaceNotDivisibleError(p,
                                    "the bindings of block {} split a fused loop at a point inside one of its loops, "
                                    "cannot blockize loop {}",
                                    block->name, lname);
  std::vector<ir::IterVar> outer_ivs, inner_ivs;
  std::vector<ir::Expr> outer_values, inner_values;
  VarMap subst;
  VarMap outer_loop_value;  // outer loop var -> an expression of the outer block's variables
  for (const ir::ForNode* f : all_loops) {
    if (outer_set.count(f->loop_var.get()) && ir::is_one(f->extent)) outer_loop_value[f->loop_var] = f->min;
  }
  for (size_t i = 0; i < block->iter_vars.size(); ++i) {
    const ir::IterVar& iv = block->iter_vars[i];
    const ir::Expr& binding = realize->iter_values[i];
    const arith::IterSum& sum = map.indices[i];
    ir::DataType t = iv.var.dtype();
    arith::IterSum outer, inner;
    bool seen_inner = false;
    for (const arith::IterSplit& sp : sum.splits) {
      bool is_inner = inner_set.count(sp.source.get()) != 0;
      if (!is_inner && seen_inner)
        throw SubspaceNotDivisibleError(
            p,
            "the binding {} of block {} ({}) is not divisible by loop {}: loop {} outside it is a lower "
            "digit than a loop inside it",
            iv.var->name, block->name, ir::to_string(binding), lname, sp.source->name);
      seen_inner = seen_inner || is_inner;
      (is_inner ? inner : outer).splits.push_back(sp);
    }
    for (const arith::IterSplit& sp : inner.splits) inner.extent *= sp.extent;
    for (arith::IterSplit& sp : outer.splits) {
      sp.scale /= inner.extent;
      outer.extent *= sp.extent;
    }
    // The first unit outer loop the binding uses (kept in the binding when preserving unit iters).
    ir::Expr unit_loop;
    if (preserve_unit_iters) {
      for (const ir::ForNode* f : all_loops) {
        if (outer_set.count(f->loop_var.get()) && ir::is_one(f->extent) &&
            detail::vars_in(binding).count(f->loop_var.get())) {
          unit_loop = ir::is_zero(f->min) ? ir::Expr(f->loop_var) : ir::Expr(f->loop_var - f->min);
          break;
        }
      }
    }
    if (inner.extent == 1) {
      // Entirely outer: the iteration variable moves to the outer block as it is.
      outer.base = sum.base;
      ir::Expr value = arith::iter_sum_to_expr(outer, t);
      if (preserve_unit_iters && !uses_any(binding, inner_set)) value = binding;
      outer_ivs.push_back(iv);
      outer_values.push_back(value);
      if (outer.splits.size() == 1 && outer.splits[0].scale == 1 && outer.splits[0].lower_factor == 1 &&
          outer.splits[0].extent == outer.splits[0].source_extent) {
        const arith::IterSplit& sp = outer.splits[0];
        outer_loop_value[sp.source] = plus(iv.var, sp.source_min - sum.base);
      }
      continue;
    }
    ir::Var vo(iv.var->name + "_o", t), vi(iv.var->name + "_i", t);
    ir::Expr ov = arith::iter_sum_to_expr(outer, t);
    if (outer.splits.empty() && unit_loop.defined()) ov = unit_loop;
    outer_ivs.push_back({vo, ir::Range{ir::make_const(t, int64_t{0}), ir::make_const(t, outer.extent)}, iv.type});
    outer_values.push_back(ov);
    inner_ivs.push_back({vi, ir::Range{ir::make_const(t, int64_t{0}), ir::make_const(t, inner.extent)}, iv.type});
    inner_values.push_back(arith::iter_sum_to_expr(inner, t));
    ir::Expr value = outer.extent == 1 ? ir::Expr(vi) : vo * ir::make_const(t, inner.extent) + vi;
    value = plus(value, sum.base);
    subst[iv.var] = value;
    if (outer.splits.size() == 1 && outer.splits[0].lower_factor == 1 &&
        outer.splits[0].extent == outer.splits[0].source_extent) {
      const arith::IterSplit& sp = outer.splits[0];
      outer_loop_value[sp.source] = plus(vo, sp.source_min);
    }
  }

  // 3. The predicate: conjuncts of outer loops only guard the outer block, the others the
  // inner block, with the outer loops expressed through the outer block's variables.
  std::vector<ir::Expr> cs, outer_cs, inner_cs;
  if (realize->predicate.defined()) conjuncts(realize->predicate, &cs);
  for (const ir::Expr& c : cs) {
    if (!uses_any(c, inner_set)) {
      outer_cs.push_back(c);
      continue;
    }
    for (const ir::VarNode* v : detail::vars_in(c)) {
      if (outer_set.count(v) && !outer_loop_value.count(ir::Var(v)))
        throw SubspaceNotDivisibleError(
            p,
            "the predicate {} of block {} uses loop {} outside loop {}, which no iteration variable of "
            "the outer block recovers, cannot blockize",
            ir::to_string(c), block->name, v->name, lname);
    }
    inner_cs.push_back(ir::substitute(c, outer_loop_value));
  }
  const ir::Expr inner_pred = conjunction(inner_cs);

  // 4. The outer block's init (TVM's GenerateBlockizedInit): the init of the inner
  // data-parallel variables it uses, under copies of the inner loops they are bound to.
  ir::Stmt outer_init;
  if (block->init.defined()) {
    const ir::Stmt init = ir::substitute(block->init, subst);
    detail::VarSet init_uses;
    ir::post_order_visit(init, [&](const ir::Object* o) {
      if (o->kind() == ir::NodeKind::Var) init_uses.insert(static_cast<const ir::VarNode*>(o));
    });
    std::vector<ir::IterVar> init_ivs;
    std::vector<ir::Expr> init_values;
    VarMap init_subst;
    for (size_t i = 0; i < inner_ivs.size(); ++i) {
      if (inner_ivs[i].type != ir::IterType::DataPar || !init_uses.count(inner_ivs[i].var.get())) continue;
      ir::Var v(inner_ivs[i].var->name + "_init", inner_ivs[i].var.dtype());
      init_subst[inner_ivs[i].var] = v;
      init_ivs.push_back({v, inner_ivs[i].dom, ir::IterType::DataPar});
      init_values.push_back(inner_values[i]);
    }
    std::vector<const ir::ForNode*> init_loops;
    for (const ir::ForNode* f : inner_loops) {
      for (const ir::Expr& e : init_values) {
        if (detail::vars_in(e).count(f->loop_var.get())) {
          init_loops.push_back(f);
          break;
        }
      }
    }
    // The init runs where every reduction variable is at its minimum: the predicate is taken
    // there, with the inner loops that only drive reduction variables (from their minimum),
    // and the unit loops, at their minimum.
    detail::VarSet init_loop_set;
    for (const ir::ForNode* f : init_loops) init_loop_set.insert(f->loop_var.get());
    VarMap at_min;
    for (const ir::VarNode* v : detail::vars_in(inner_pred)) {
      if (!inner_set.count(v) || init_loop_set.count(v)) continue;
      const ir::ForNode* loop = nullptr;
      for (const ir::ForNode* f : inner_loops)
        if (f->loop_var.get() == v) loop = f;
      bool only_reduction = true;
      for (size_t i = 0; i < block->iter_vars.size(); ++i) {
        if (!detail::vars_in(realize->iter_values[i]).count(v)) continue;
        const ir::IterVar& iv = block->iter_vars[i];
        auto dom_min = ir::as_const_int(iv.dom.min);
        only_reduction =
            only_reduction && iv.type == ir::IterType::CommReduce && dom_min && *dom_min == map.indices[i].base;
      }
      if (!only_reduction && !ir::is_one(loop->extent))
        throw SubspaceNotDivisibleError(
            p,
            "the predicate of block {} depends on loop {} inside loop {} that its init does not run "
            "over, cannot split the init",
            block->name, v->name, lname);
      at_min[loop->loop_var] = loop->min;
    }
    ir::Stmt init_body = ir::substitute(init, init_subst);
    // The block's writes, as TVM, unless they depend on inner reduction variables.
    std::vector<ir::BufferRegion> init_writes =
        substitute_regions(substitute_regions(block->writes, subst), init_subst);
    detail::VarSet inner_vars;
    for (const ir::IterVar& iv : inner_ivs) inner_vars.insert(iv.var.get());
    for (const ir::BufferRegion& w : init_writes) {
      for (const ir::Range& rg : w.region) {
        if (uses_any(rg.min, inner_vars) || uses_any(rg.extent, inner_vars)) {
          ir::Block probe = ir::Block::make(block->name + "_init", init_ivs, {}, {}, init_body);
          init_writes = arith::infer_block_access_regions(*probe.get()).writes;
          break;
        }
      }
    }
    ir::Block init_block = ir::Block::make(block->name + "_init", init_ivs, {}, init_writes, init_body);
    ir::Stmt nest = ir::BlockRealizeNode::make(init_values, ir::substitute(inner_pred, at_min), init_block);
    VarMap loop_subst;
    for (size_t k = init_loops.size(); k-- > 0;) {
      const ir::ForNode* f = init_loops[k];
      ir::Var nv(f->loop_var->name, f->loop_var.dtype());
      loop_subst[f->loop_var] = nv;
      nest = ir::ForNode::make(nv, f->min, f->extent, f->for_kind, nest, f->thread_tag, f->annotations);
    }
    outer_init = ir::substitute(nest, loop_subst);
  }

  // 5. The inner block: the original block over the inner variables, without its init; a
  // reduction (with an init, or an update whose init was decomposed: its body loads what it
  // stores) also reads what it writes, and so does the outer block.
  std::vector<ir::BufferRegion> reads = substitute_regions(block->reads, subst);
  std::vector<ir::BufferRegion> writes = substitute_regions(block->writes, subst);
  std::vector<ir::BufferRegion> inner_reads = reads;
  {
    std::vector<ir::BufferRegion> extra;
    for (const ir::BufferRegion& w : writes) {
      bool present = std::any_of(reads.begin(), reads.end(),
                                 [&](const ir::BufferRegion& r) { return r.buffer.same_as(w.buffer); });
      bool loaded = false;
      ir::post_order_visit(block->body, [&](const ir::Object* n) {
        loaded = loaded || (n->kind() == ir::NodeKind::BufferLoad &&
                            static_cast<const ir::BufferLoadNode*>(n)->buffer.same_as(w.buffer));
      });
      if (!present && (block->init.defined() || loaded)) extra.push_back(w);
    }
    inner_reads.insert(inner_reads.begin(), extra.begin(), extra.end());
  }
  std::vector<ir::MatchBufferRegion> matches;
  for (const ir::MatchBufferRegion& m : block->match_buffers)
    matches.push_back({m.buffer, substitute_region(m.source, subst)});
  ir::Block inner_block =
      ir::Block::make(block->name, inner_ivs, inner_reads, writes, ir::substitute(block->body, subst), {},
                      block->alloc_buffers, matches, block->annotations);
  ir::Stmt body = ir::BlockRealizeNode::make(inner_values, inner_pred, inner_block);
  for (size_t k = inner_loops.size(); k-- > 0;) {
    const ir::ForNode* f = inner_loops[k];
    body = ir::ForNode::make(f->loop_var, f->min, f->extent, f->for_kind, body, f->thread_tag, f->annotations);
  }

  // 6. The outer block: the regions relaxed over the inner variables.
  arith::Analyzer analyzer;
  for (const ir::IterVar& iv : outer_ivs) analyzer.bind(iv.var, iv.dom);
  arith::VarIntervalMap dom;
  for (const ir::IterVar& iv : inner_ivs) dom[iv.var] = arith::Interval::from_range(iv.dom, &analyzer);
  const std::string outer_name = detail::unique_block_name(func, block->name + "_o");
  ir::Block outer_block = ir::Block::make(outer_name, outer_ivs, relax_regions(inner_reads, dom, &analyzer),
                                          relax_regions(writes, dom, &analyzer), body, outer_init);
  ir::Stmt outer_realize = ir::BlockRealizeNode::make(outer_values, conjunction(outer_cs), outer_block);
  return {detail::replace_in_func(func, target, outer_realize), outer_name, outer_realize};
}

/// Matches a block (the scope) against an intrinsic's desc root block, TVM's
/// TensorizeComparator: the scope's regions give each desc buffer a block buffer and the
/// base indices of its region; inside, loops, blocks, stores and expressions must agree,
/// with desc variables mapped to the block's and desc indices offset by the bases.
class TensorizeMatcher {
 public:
  TensorizeMatcher(std::string block_name, std::string intrin)
      : block_(std::move(block_name)), intrin_(std::move(intrin)) {}

  void match_scope(const ir::BlockNode* lhs, const ir::BlockNode* rhs) {
    path_.push_back("block " + lhs->name);
    match_init_presence(lhs->init, rhs->init);
    match_regions(lhs->writes, rhs->writes, "writes", true);
    match_regions(lhs->reads, rhs->reads, "reads", true);
    match_init(lhs->init, rhs->init);
    match_stmt(lhs->body, rhs->body);
    path_.pop_back();
  }

  /// desc buffer -> block buffer.
  std::unordered_map<const ir::BufferNode*, ir::Buffer> buffers;
  /// block buffer -> base indices.
  std::unordered_map<const ir::BufferNode*, std::vector<ir::Expr>> bases;

 private:
  [[noreturn]] void fail(const std::string& what) {
    std::string where;
    for (const std::string& seg : path_) where += (where.empty() ? "" : " / ") + seg;
    throw TensorizeMismatchError("tensorize", "block {} does not match intrinsic {}: {}: {}", block_, intrin_, where,
                                 what);
  }

  ir::Expr mapped(const ir::Expr& e) {
    return ir::substitute(e, [&](const ir::Var& v) -> std::optional<ir::Expr> {
      auto it = vars_.find(v.get());
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    });
  }

  void equal_int(const ir::Expr& lhs, const ir::Expr& rhs_mapped, const std::string& what) {
    if (lhs.dtype() != rhs_mapped.dtype() && lhs.dtype().is_integer() && rhs_mapped.dtype().is_integer()) {
      if (analyzer_.can_prove_equal(lhs, ir::cast(lhs.dtype(), rhs_mapped))) return;
    } else if (analyzer_.can_prove_equal(lhs, rhs_mapped)) {
      return;
    }
    fail(fmt::format("{} {} vs {}", what, ir::to_string(lhs), ir::to_string(rhs_mapped)));
  }

  void match_buffer(const ir::Buffer& lhs, const ir::Buffer& rhs) {
    auto it = buffers.find(rhs.get());
    if (it != buffers.end()) {
      if (!it->second.same_as(lhs))
        fail(fmt::format("buffer {} stands for intrinsic buffer {}, already matched to buffer {}", lhs->name, rhs->name,
                         it->second->name));
      return;
    }
    if (lhs->dtype != rhs->dtype)
      fail(fmt::format("buffer {} has dtype {} but intrinsic buffer {} has {}", lhs->name, lhs->dtype.to_string(),
                       rhs->name, rhs->dtype.to_string()));
    if (lhs->scope != rhs->scope)
      fail(fmt::format("buffer {} has scope {} but intrinsic buffer {} has {}", lhs->name, lhs->scope, rhs->name,
                       rhs->scope));
    if (lhs->ndim() < rhs->ndim())
      fail(fmt::format("buffer {} has {} dimensions, fewer than intrinsic buffer {} ({})", lhs->name, lhs->ndim(),
                       rhs->name, rhs->ndim()));
    buffers[rhs.get()] = lhs;
  }

  void match_regions(const std::vector<ir::BufferRegion>& lhs, const std::vector<ir::BufferRegion>& rhs,
                     const char* what, bool establish) {
    if (lhs.size() != rhs.size()) fail(fmt::format("{} {} regions vs {}", lhs.size(), what, rhs.size()));
    for (size_t i = 0; i < lhs.size(); ++i) {
      path_.push_back(fmt::format("{} {} ({})", what, i, lhs[i].buffer->name));
      match_buffer(lhs[i].buffer, rhs[i].buffer);
      size_t offset = lhs[i].region.size() - rhs[i].region.size();
      std::vector<ir::Expr> base;
      for (size_t d = 0; d < lhs[i].region.size(); ++d) {
        const ir::Range& l = lhs[i].region[d];
        if (d < offset) {
          equal_int(l.extent, ir::make_const(l.extent.dtype(), int64_t{1}), fmt::format("dimension {} extent", d));
          base.push_back(l.min);
          continue;
        }
        const ir::Range& r = rhs[i].region[d - offset];
        equal_int(l.extent, mapped(r.extent), fmt::format("dimension {} extent", d));
        base.push_back(analyzer_.simplify(l.min - ir::cast(l.min.dtype(), mapped(r.min))));
      }
      auto it = bases.find(lhs[i].buffer.get());
      if (!establish || it != bases.end()) {
        if (it == bases.end()) fail("buffer " + lhs[i].buffer->name + " is not in the regions of the block");
        for (size_t d = 0; d < base.size(); ++d)
          equal_int(base[d], it->second[d], fmt::format("dimension {} offset", d));
      } else {
        bases[lhs[i].buffer.get()] = base;
      }
      path_.pop_back();
    }
  }

  void match_access(const ir::Buffer& lb, const std::vector<ir::Expr>& li, const ir::Buffer& rb,
                    const std::vector<ir::Expr>& ri) {
    match_buffer(lb, rb);
    auto it = bases.find(lb.get());
    if (it == bases.end()) fail("buffer " + lb->name + " is not in the regions of the block");
    const std::vector<ir::Expr>& base = it->second;
    if (li.size() != base.size()) fail(fmt::format("buffer {} indexed with {} indices", lb->name, li.size()));
    size_t offset = li.size() - ri.size();
    for (size_t d = 0; d < li.size(); ++d) {
      ir::Expr want = d < offset ? base[d] : base[d] + ir::cast(base[d].dtype(), mapped(ri[d - offset]));
      equal_int(li[d], want, fmt::format("index {}", d));
    }
  }

  void match_expr(const ir::Expr& lhs, const ir::Expr& rhs) {
    if (lhs->kind() != rhs->kind()) fail(fmt::format("{} vs {}", ir::to_string(lhs), ir::to_string(rhs)));
    if (lhs.dtype() != rhs.dtype())
      fail(fmt::format("{} ({}) vs {} ({})", ir::to_string(lhs), lhs.dtype().to_string(), ir::to_string(rhs),
                       rhs.dtype().to_string()));
    auto sub = [&](const char* seg, const ir::Expr& a, const ir::Expr& b) {
      path_.push_back(seg);
      match_expr(a, b);
      path_.pop_back();
    };
    switch (lhs->kind()) {
      case ir::NodeKind::IntImm:
      case ir::NodeKind::FloatImm:
      case ir::NodeKind::Var:
        if (!ir::structural_equal(lhs, mapped(rhs)))
          fail(fmt::format("{} vs {}", ir::to_string(lhs), ir::to_string(rhs)));
        return;
      case ir::NodeKind::BufferLoad: {
        const auto* l = lhs.as<ir::BufferLoadNode>();
        const auto* r = rhs.as<ir::BufferLoadNode>();
        path_.push_back("load " + l->buffer->name);
        match_access(l->buffer, l->indices, r->buffer, r->indices);
        path_.pop_back();
        return;
      }
#define LOOM_X(T)                          \
  case ir::NodeKind::T: {                  \
    const auto* l = lhs.as<ir::T##Node>(); \
    const auto* r = rhs.as<ir::T##Node>(); \
    sub(#T ".a", l->a, r->a);              \
    sub(#T ".b", l->b, r->b);              \
    return;                                \
  }
        LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
        LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
        LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
      case ir::NodeKind::Not:
        sub("Not.a", lhs.as<ir::NotNode>()->a, rhs.as<ir::NotNode>()->a);
        return;
      case ir::NodeKind::Cast:
        sub("Cast.value", lhs.as<ir::CastNode>()->value, rhs.as<ir::CastNode>()->value);
        return;
      case ir::NodeKind::Select: {
        const auto* l = lhs.as<ir::SelectNode>();
        const auto* r = rhs.as<ir::SelectNode>();
        sub("Select.condition", l->condition, r->condition);
        sub("Select.true_value", l->true_value, r->true_value);
        sub("Select.false_value", l->false_value, r->false_value);
        return;
      }
      case ir::NodeKind::Call: {
        const auto* l = lhs.as<ir::CallNode>();
        const auto* r = rhs.as<ir::CallNode>();
        if (l->op != r->op || l->args.size() != r->args.size())
          fail(fmt::format("{} vs {}", ir::to_string(lhs), ir::to_string(rhs)));
        for (size_t i = 0; i < l->args.size(); ++i) sub("Call.arg", l->args[i], r->args[i]);
        return;
      }
      default:
        if (!ir::structural_equal(lhs, mapped(rhs)))
          fail(fmt::format("{} vs {}", ir::to_string(lhs), ir::to_string(rhs)));
    }
  }

  void match_init_presence(const ir::Stmt& lhs, const ir::Stmt& rhs) {
    if (lhs.defined() != rhs.defined())
      fail(lhs.defined() ? "the block has an init, the intrinsic has none (decompose the reduction first)"
                         : "the intrinsic has an init, the block has none");
  }

  void match_init(const ir::Stmt& lhs, const ir::Stmt& rhs) {
    if (lhs.defined() != rhs.defined())
      fail(lhs.defined() ? "the block has an init, the intrinsic has none (decompose the reduction first)"
                         : "the intrinsic has an init, the block has none");
    if (!lhs.defined()) return;
    path_.push_back("init");
    match_stmt(lhs, rhs);
    path_.pop_back();
  }

  void match_stmt(const ir::Stmt& lhs, const ir::Stmt& rhs) {
    if (lhs->kind() != rhs->kind())
      fail(fmt::format("a {} vs a {}", ir::node_kind_name(lhs->kind()), ir::node_kind_name(rhs->kind())));
    switch (lhs->kind()) {
      case ir::NodeKind::For: {
        const auto* l = lhs.as<ir::ForNode>();
        const auto* r = rhs.as<ir::ForNode>();
        path_.push_back("loop " + l->loop_var->name);
        equal_int(l->min, mapped(r->min), "min");
        equal_int(l->extent, mapped(r->extent), "extent");
        if (l->for_kind != r->for_kind)
          fail(fmt::format("kind {} vs {}", ir::for_kind_name(l->for_kind), ir::for_kind_name(r->for_kind)));
        vars_[r->loop_var.get()] = l->loop_var;
        analyzer_.bind(l->loop_var, ir::Range{l->min, l->extent});
        match_stmt(l->body, r->body);
        path_.pop_back();
        return;
      }
      case ir::NodeKind::BlockRealize: {
        const auto* l = lhs.as<ir::BlockRealizeNode>();
        const auto* r = rhs.as<ir::BlockRealizeNode>();
        const ir::BlockNode* lb = l->block.get();
        const ir::BlockNode* rb = r->block.get();
        path_.push_back("block " + lb->name);
        if (lb->iter_vars.size() != rb->iter_vars.size())
          fail(fmt::format("{} iteration variables vs {}", lb->iter_vars.size(), rb->iter_vars.size()));
        for (size_t i = 0; i < l->iter_values.size(); ++i)
          equal_int(l->iter_values[i], mapped(r->iter_values[i]), fmt::format("binding {}", i));
        ir::Expr lp = l->predicate.defined() ? l->predicate : ir::make_bool(true);
        ir::Expr rp = r->predicate.defined() ? r->predicate : ir::make_bool(true);
        if (!analyzer_.can_prove(eq(lp, mapped(rp))))
          fail(fmt::format("predicate {} vs {}", ir::to_string(lp), ir::to_string(rp)));
        for (size_t i = 0; i < lb->iter_vars.size(); ++i) {
          const ir::IterVar& a = lb->iter_vars[i];
          const ir::IterVar& b = rb->iter_vars[i];
          if (a.type != b.type)
            fail(fmt::format("iteration variable {} is {} vs {}", a.var->name, ir::iter_type_name(a.type),
                             ir::iter_type_name(b.type)));
          equal_int(a.dom.min, mapped(b.dom.min), "iteration variable " + a.var->name + " min");
          equal_int(a.dom.extent, mapped(b.dom.extent), "iteration variable " + a.var->name + " extent");
          vars_[b.var.get()] = a.var;
          analyzer_.bind(a.var, a.dom);
        }
        if (!lb->alloc_buffers.empty() || !rb->alloc_buffers.empty() || !lb->match_buffers.empty() ||
            !rb->match_buffers.empty())
          fail("blocks with alloc_buffers or match_buffers are not matched");
        match_regions(lb->writes, rb->writes, "writes", false);
        match_regions(lb->reads, rb->reads, "reads", false);
        match_init(lb->init, rb->init);
        match_stmt(lb->body, rb->body);
        path_.pop_back();
        return;
      }
      case ir::NodeKind::BufferStore: {
        const auto* l = lhs.as<ir::BufferStoreNode>();
        const auto* r = rhs.as<ir::BufferStoreNode>();
        path_.push_back("store " + l->buffer->name);
        match_access(l->buffer, l->indices, r->buffer, r->indices);
        path_.push_back("value");
        match_expr(l->value, r->value);
        path_.pop_back();
        path_.pop_back();
        return;
      }
      case ir::NodeKind::SeqStmt: {
        const auto* l = lhs.as<ir::SeqStmtNode>();
        const auto* r = rhs.as<ir::SeqStmtNode>();
        if (l->seq.size() != r->seq.size()) fail(fmt::format("{} statements vs {}", l->seq.size(), r->seq.size()));
        for (size_t i = 0; i < l->seq.size(); ++i) match_stmt(l->seq[i], r->seq[i]);
        return;
      }
      case ir::NodeKind::IfThenElse: {
        const auto* l = lhs.as<ir::IfThenElseNode>();
        const auto* r = rhs.as<ir::IfThenElseNode>();
        path_.push_back("if");
        match_expr(l->condition, r->condition);
        match_stmt(l->then_case, r->then_case);
        if (l->else_case.defined() != r->else_case.defined()) fail("else branch present on one side only");
        if (l->else_case.defined()) match_stmt(l->else_case, r->else_case);
        path_.pop_back();
        return;
      }
      case ir::NodeKind::Evaluate:
        match_expr(lhs.as<ir::EvaluateNode>()->value, rhs.as<ir::EvaluateNode>()->value);
        return;
      default:
        fail(fmt::format("a {} is not matched", ir::node_kind_name(lhs->kind())));
    }
  }

  std::string block_;
  std::string intrin_;
  std::vector<std::string> path_;
  std::unordered_map<const ir::VarNode*, ir::Expr> vars_;
  arith::Analyzer analyzer_;
};

/// A copy of a statement with fresh loop, block and let variables (TVM's DeepCopy of impl),
/// so that one intrinsic can be used by several blocks of a function.
class FreshCopier : public ir::IRMutator {
 public:
  using ir::IRMutator::mutate;

 protected:
  ir::Expr visit(const ir::VarNode* op) override {
    auto it = map_.find(op);
    return it == map_.end() ? ir::Expr(ir::Var(op)) : it->second;
  }
  ir::Stmt visit(const ir::ForNode* op) override {
    ir::Var v(op->loop_var->name, op->loop_var.dtype());
    map_[op->loop_var.get()] = v;
    return ir::ForNode::make(v, mutate(op->min), mutate(op->extent), op->for_kind, mutate(op->body), op->thread_tag,
                             op->annotations);
  }
  ir::Stmt visit(const ir::LetStmtNode* op) override {
    ir::Var v(op->var->name, op->var.dtype());
    ir::Expr value = mutate(op->value);
    map_[op->var.get()] = v;
    return ir::LetStmtNode::make(v, value, mutate(op->body));
  }
  ir::Stmt visit(const ir::BlockNode* op) override {
    std::vector<ir::IterVar> ivs;
    for (const ir::IterVar& iv : op->iter_vars) {
      ir::Var v(iv.var->name, iv.var.dtype());
      map_[iv.var.get()] = v;
      ivs.push_back({v, ir::Range{mutate(iv.dom.min), mutate(iv.dom.extent)}, iv.type});
    }
    std::vector<ir::BufferRegion> reads, writes;
    for (const ir::BufferRegion& r : op->reads) reads.push_back(mutate_region(r));
    for (const ir::BufferRegion& r : op->writes) writes.push_back(mutate_region(r));
    std::vector<ir::MatchBufferRegion> matches;
    for (const ir::MatchBufferRegion& m : op->match_buffers) matches.push_back({m.buffer, mutate_region(m.source)});
    return ir::Block::make(op->name, ivs, reads, writes, mutate(op->body),
                           op->init.defined() ? mutate(op->init) : ir::Stmt(), op->alloc_buffers, matches,
                           op->annotations);
  }

 private:
  std::unordered_map<const ir::VarNode*, ir::Expr> map_;
};

/// The block `realize->block` of `func` with its body replaced by the intrinsic's impl.
ir::Block tensorize_block(const ir::BlockRealizeNode* realize, const TensorIntrin& intrin) {
  const ir::BlockNode* block = realize->block.get();
  const ir::BlockNode* desc_root = intrin.desc->body.as<ir::BlockRealizeNode>()->block.get();
  const ir::BlockNode* impl_root = intrin.impl->body.as<ir::BlockRealizeNode>()->block.get();
  TensorizeMatcher matcher(block->name, intrin.name);
  matcher.match_scope(block, desc_root);

  // The impl's buffers become views of the block's buffers: fresh copies, bound by
  // match_buffer to the impl region offset by the matched base indices.
  ir::Stmt body = FreshCopier().mutate(impl_root->body);
  std::vector<ir::MatchBufferRegion> matches = block->match_buffers;
  for (size_t i = 0; i < intrin.impl->params.size(); ++i) {
    ir::Buffer impl_buf = intrin.impl->buffer_of(intrin.impl->params[i]);
    ir::Buffer desc_buf = intrin.desc->buffer_of(intrin.desc->params[i]);
    auto it = matcher.buffers.find(desc_buf.get());
    if (it == matcher.buffers.end())
      throw TensorizeMismatchError("tensorize",
                                   "block {} does not match intrinsic {}: intrinsic buffer {} "
                                   "is not accessed by the block",
                                   block->name, intrin.name, desc_buf->name);
    const ir::Buffer& source = it->second;
    const std::vector<ir::Expr>& base = matcher.bases.at(source.get());
    const ir::BufferRegion* impl_region = nullptr;
    for (const auto* regions : {&impl_root->reads, &impl_root->writes})
      for (const ir::BufferRegion& r : *regions)
        if (!impl_region && r.buffer.same_as(impl_buf)) impl_region = &r;
    size_t offset = base.size() - impl_region->region.size();
    std::vector<ir::Range> region;
    for (size_t d = 0; d < base.size(); ++d) {
      ir::DataType t = base[d].dtype();
      if (d < offset) {
        region.push_back({base[d], ir::make_const(t, int64_t{1})});
      } else {
        const ir::Range& r = impl_region->region[d - offset];
        arith::Analyzer analyzer;
        region.push_back({analyzer.simplify(base[d] + ir::cast(t, r.min)), ir::cast(t, r.extent)});
      }
    }
    ir::Buffer view = ir::Buffer::make(impl_buf->name, impl_buf->dtype, impl_buf->shape, impl_buf->strides,
                                       impl_buf->elem_offset, impl_buf->scope);
    body = detail::replace_buffer(body, impl_buf, view, true);
    matches.push_back({view, ir::BufferRegion{source, region}});
  }
  std::vector<ir::Buffer> allocs = block->alloc_buffers;
  allocs.insert(allocs.end(), impl_root->alloc_buffers.begin(), impl_root->alloc_buffers.end());
  return ir::Block::make(block->name, block->iter_vars, block->reads, block->writes, body, block->init, allocs, matches,
                         block->annotations);
}

/// The blocks and loops under `stmt` (for the removed-RV bookkeeping).
void collect_removed(const ir::Stmt& stmt, std::vector<std::string>* blocks, std::vector<ir::Var>* loops) {
  ir::post_order_visit(stmt, [&](const ir::Object* o) {
    if (o->kind() == ir::NodeKind::Block) blocks->push_back(static_cast<const ir::BlockNode*>(o)->name);
    if (o->kind() == ir::NodeKind::For) loops->push_back(static_cast<const ir::ForNode*>(o)->loop_var);
  });
}

TensorIntrin lookup_intrin(const std::string& name) {
  if (!has_tensor_intrin(name)) {
    try {
      get_tensor_intrin(name);
    } catch (const UserError& e) {
      throw UnknownTensorIntrinError("tensorize", e.what());
    }
  }
  return get_tensor_intrin(name);
}

}  // namespace

BlockRV Schedule::blockize(const LoopRV& target, bool preserve_unit_iters) {
  const char* p = "blockize";
  const ir::Var var = loop_var(target);
  const std::string func_name = func_of(target);
  BlockizeResult r = blockize_loop(mod().at(func_name), var, preserve_unit_iters, p);
  update_func(func_name, r.func, p);
  BlockRV out = new_block_rv(func_name, r.outer_name);
  record("Blockize", {target}, {Value(preserve_unit_iters)}, {out});
  return out;
}

void Schedule::tensorize(const BlockRV& block_or_loop, const std::string& tensor_intrin, bool preserve_unit_iters) {
  const char* p = "tensorize";
  TensorIntrin intrin = lookup_intrin(tensor_intrin);
  ir::Block block = get(block_or_loop);
  const std::string func_name = func_of(block_or_loop);
  const ir::PrimFunc func = mod().at(func_name);
  detail::StmtPath path = *detail::find_block(func, block->name);
  if (!detail::scope_realize(path)) throw TensorizeMismatchError(p, "cannot tensorize the root block");
  const auto* realize = path.nodes[path.nodes.size() - 2].as<ir::BlockRealizeNode>();
  ir::Block tensorized = tensorize_block(realize, intrin);
  std::vector<std::string> blocks;
  std::vector<ir::Var> loops;
  collect_removed(block->body, &blocks, &loops);
  update_func(func_name, detail::replace_in_func(func, block.get(), tensorized), p);
  for (const std::string& b : blocks) mark_removed_block(func_name, b, p);
  for (const ir::Var& v : loops) mark_removed_loop(v, p);
  record("Tensorize", {block_or_loop}, {Value(tensor_intrin), Value(preserve_unit_iters)}, {});
}

void Schedule::tensorize(const LoopRV& block_or_loop, const std::string& tensor_intrin, bool preserve_unit_iters) {
  const char* p = "tensorize";
  TensorIntrin intrin = lookup_intrin(tensor_intrin);
  const ir::Var var = loop_var(block_or_loop);
  const std::string func_name = func_of(block_or_loop);
  // As TVM: blockize the loop, then tensorize the new block; one Tensorize instruction.
  BlockizeResult r = blockize_loop(mod().at(func_name), var, preserve_unit_iters, p);
  const auto* realize = r.outer_realize.as<ir::BlockRealizeNode>();
  ir::Block tensorized = tensorize_block(realize, intrin);
  std::vector<std::string> blocks;
  std::vector<ir::Var> loops;
  collect_removed(realize->block->body, &blocks, &loops);
  update_func(func_name, detail::replace_in_func(r.func, realize->block.get(), tensorized), p);
  for (const std::string& b : blocks) mark_removed_block(func_name, b, p);
  for (const ir::Var& v : loops) mark_removed_loop(v, p);
  record("Tensorize", {block_or_loop}, {Value(tensor_intrin), Value(preserve_unit_iters)}, {});
}

namespace detail {

void register_block_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add({"Blockize",
         "blockize",
         {{"target", Role::Input, std::nullopt, ParamKind::Loop}, {"preserve_unit_iters", Role::Attr, Value(true)}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           return std::vector<Value>{
               sch.blockize(as_loop(inputs.at(0), "target"), as_bool(attrs.at(0), "preserve_unit_iters"))};
         }});
  r.add({"Tensorize",
         "tensorize",
         {{"block_or_loop", Role::Input, std::nullopt, ParamKind::BlockOrLoop},
          {"tensor_intrin", Role::Attr, std::nullopt},
          {"preserve_unit_iters", Role::Attr, Value(true)}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           const Value& v = inputs.at(0);
           const std::string& intrin = as_string(attrs.at(0), "tensor_intrin");
           bool preserve = as_bool(attrs.at(1), "preserve_unit_iters");
           if (v.is<LoopRV>()) {
             sch.tensorize(v.as<LoopRV>(), intrin, preserve);
           } else {
             sch.tensorize(as_block(v, "block_or_loop"), intrin, preserve);
           }
           return std::vector<Value>{};
         }});
}

}  // namespace detail
}  // namespace loom::sched
