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
    if (n != 1)
      throw NotSingleBlockError(p, fmt::format("loop {} contains {} blocks, blockize needs exactly one", lname, n));
    throw NotSingleBlockError(
        p, fmt::format("the statements between loop {} and its block are not only loops, cannot blockize", lname));
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
          p, fmt::format("loop {} above block {} has a non-constant range, cannot divide the bindings of the block",
                         f->loop_var->name, block->name));
    iters.push_back({f->loop_var, ir::Range{f->min, f->extent}});
  }

  // 2. Subspace division of the bindings: binding = base + outer * inner_extent + inner.
  arith::IterMapResult map = arith::detect_iter_map(realize->iter_values, iters, {}, arith::IterMapLevel::Surjective);
  if (!map.ok())
    throw SubspaceNotDivisibleError(
        p, fmt::format("the bindings of block {} are not an affine map of the loops above it ({}), cannot blockize "
                       "loop {}",
                       block->name, map.error, lname));
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
            p, fmt::format("the binding {} of block {} ({}) is not divisible by loop {}: loop {} outside it is a lower "
                           "digit than a loop inside it",
                           iv.var->name, block->name, ir::to_string(binding), lname, sp.source->name));
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
            p, fmt::format("the predicate {} of block {} uses loop {} outside loop {}, which no iteration variable of "
                           "the outer block recovers, cannot blockize",
                           ir::to_string(c), block->name, v->name, lname));
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
            p, fmt::format("the predicate of block {} depends on loop {} inside loop {} that its init does not run "
                           "over, cannot split the init",
                           block->name, v->name, lname));
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
  // reduction also reads what it writes.
  std::vector<ir::BufferRegion> reads = substitute_regions(block->reads, subst);
  std::vector<ir::BufferRegion> writes = substitute_regions(block->writes, subst);
  std::vector<ir::BufferRegion> inner_reads = reads;
  if (block->init.defined()) {
    std::vector<ir::BufferRegion> extra;
    for (const ir::BufferRegion& w : writes) {
      bool present = std::any_of(reads.begin(), reads.end(),
                                 [&](const ir::BufferRegion& r) { return r.buffer.same_as(w.buffer); });
      if (!present) extra.push_back(w);
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
  ir::Block outer_block = ir::Block::make(outer_name, outer_ivs, relax_regions(reads, dom, &analyzer),
                                          relax_regions(writes, dom, &analyzer), body, outer_init);
  ir::Stmt outer_realize = ir::BlockRealizeNode::make(outer_values, conjunction(outer_cs), outer_block);
  return {detail::replace_in_func(func, target, outer_realize), outer_name, outer_realize};
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

namespace detail {

void register_block_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add({"Blockize",
         "blockize",
         {{"target", Role::Input, std::nullopt}, {"preserve_unit_iters", Role::Attr, Value(true)}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           return std::vector<Value>{
               sch.blockize(as_loop(inputs.at(0), "target"), as_bool(attrs.at(0), "preserve_unit_iters"))};
         }});
}

}  // namespace detail
}  // namespace loom::sched
