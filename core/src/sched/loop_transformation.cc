// Loop transformations: split, fuse, reorder, add_unit_loop (TVM's
// src/tir/schedule/primitive/loop_transformation.cc semantics). Loops are rebuilt around
// their children; the bindings of the blocks below are rewritten in terms of the new loop
// variables and simplified with the arithmetic analyzer.
#include <algorithm>
#include <set>
#include <unordered_map>

#include "families.h"
#include "fmt/format.h"
#include "loom/arith/analyzer.h"
#include "loom/arith/iter_map.h"
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

LOOM_SCHEDULE_ERROR(NotSingleInferFactorError, "NotSingleInferFactor");
LOOM_SCHEDULE_ERROR(WrongFactorError, "WrongFactor");
LOOM_SCHEDULE_ERROR(HasAnnotationOrThreadBindingError, "HasAnnotationOrThreadBinding");
LOOM_SCHEDULE_ERROR(LoopNotStartWithZeroError, "LoopNotStartWithZero");
LOOM_SCHEDULE_ERROR(NotOnlyChildError, "NotOnlyChild");
LOOM_SCHEDULE_ERROR(OuterNotInnerParentError, "OuterNotInnerParent");
LOOM_SCHEDULE_ERROR(DependentLoopError, "DependentLoop");
LOOM_SCHEDULE_ERROR(LoopMultiAppearanceError, "LoopMultiAppearance");
LOOM_SCHEDULE_ERROR(LoopsNotAChainError, "LoopsNotAChain");
LOOM_SCHEDULE_ERROR(DifferentFunctionError, "DifferentFunction");

using VarMap = std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual>;

/// A loop looked up through its random variable, with its function and path.
struct LoopSite {
  std::string func_name;
  ir::PrimFunc func;
  detail::StmtPath path;
  const ir::ForNode* loop = nullptr;
  const std::string& name() const { return loop->loop_var.name(); }
};

LoopSite locate(const Schedule& sch, const LoopRV& rv) {
  const ir::ForNode* loop = sch.get(rv);  // throws InvalidRVError
  LoopSite site;
  site.func_name = sch.func_of(rv);
  site.func = sch.mod().at(site.func_name);
  site.path = *detail::find_loop(site.func, loop->loop_var);
  site.loop = loop;
  return site;
}

bool uses_any_var(const ir::Expr& e, const std::set<const ir::VarNode*>& vars, std::string* which) {
  bool found = false;
  ir::post_order_visit(e, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::Var && vars.count(static_cast<const ir::VarNode*>(n))) {
      found = true;
      *which = static_cast<const ir::VarNode*>(n)->name;
    }
  });
  return found;
}

/// Loops of split and fuse must be plain serial loops over [0, extent) (TVM's rule).
void check_plain_loop(const ir::ForNode* loop, const char* primitive) {
  if (!loop->annotations.empty() || loop->for_kind == ir::ForKind::ThreadBinding)
    throw HasAnnotationOrThreadBindingError(primitive, "loop {} has annotations or a thread binding, cannot {} it",
                                            loop->loop_var.name(), primitive);
  arith::Analyzer analyzer;
  if (!analyzer.can_prove(ir::eq(loop->min, ir::make_const(loop->min.dtype(), int64_t{0}))))
    throw LoopNotStartWithZeroError(primitive,
                                    "loop {} starts at {}, not 0; only loops starting at 0 "
                                    "can be {}",
                                    loop->loop_var.name(), ir::to_string(loop->min),
                                    std::string(primitive) == "split" ? "split" : "fused");
}

using IterList = std::vector<std::pair<ir::Var, ir::Range>>;

std::set<const ir::VarNode*> vars_of(const ir::Expr& e) {
  std::set<const ir::VarNode*> out;
  ir::post_order_visit(e, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::Var) out.insert(static_cast<const ir::VarNode*>(n));
  });
  return out;
}

/// Rewrites the blocks directly under a statement (not those nested in other blocks):
/// simplifies their bindings as TVM's IterMapSimplify does, given `iters`, the loops outside
/// the statement (and the loops inside it as they are entered), and conjoins
/// `extra_predicate` when given. With preserve_unit_iters, a binding keeps the variables of
/// unit loops it uses.
class BindingRewriter : public ir::IRMutator {
 public:
  BindingRewriter(IterList iters, ir::Expr extra_predicate, bool preserve_unit_iters)
      : iters_(std::move(iters)),
        extra_predicate_(std::move(extra_predicate)),
        preserve_unit_iters_(preserve_unit_iters) {
    for (const auto& [var, range] : iters_) bind(var, range);
  }

  using ir::IRMutator::mutate;
  ir::Expr mutate(const ir::Expr& e) override { return e; }

 protected:
  ir::Stmt visit(const ir::ForNode* op) override {
    bind(op->loop_var, ir::Range::from_min_extent(op->min, op->extent));
    iters_.emplace_back(op->loop_var, ir::Range::from_min_extent(op->min, op->extent));
    ir::Stmt out = ir::IRMutator::visit(op);
    iters_.pop_back();
    analyzer_.unbind(op->loop_var);
    return out;
  }
  ir::Stmt visit(const ir::BlockRealizeNode* op) override {
    std::vector<ir::Expr> values;
    for (const ir::Expr& v : op->iter_values) values.push_back(analyzer_.simplify(v));
    simplify_as_iter_map(&values);
    ir::Expr pred = op->predicate;
    if (extra_predicate_.defined())
      pred = !pred.defined() || ir::is_const_true(pred) ? extra_predicate_ : ir::logical_and(pred, extra_predicate_);
    return ir::BlockRealizeNode::make(std::move(values), pred, op->block);
  }

 private:
  /// The analyzer learns a loop's range, except a unit loop's under preserve_unit_iters (it
  /// would fold the variable to its only value).
  void bind(const ir::Var& var, const ir::Range& range) {
    if (!(preserve_unit_iters_ && ir::is_one(range.extent))) analyzer_.bind(var, range);
  }
  void simplify_as_iter_map(std::vector<ir::Expr>* values) {
    std::set<const ir::VarNode*> unit_vars;
    for (const auto& [var, range] : iters_) {
      if (!ir::as_const_int(range.min) || !ir::as_const_int(range.extent)) return;
      if (ir::is_one(range.extent)) unit_vars.insert(var.get());
    }
    arith::IterMapResult map = arith::detect_iter_map(*values, iters_, ir::Expr(), arith::IterMapLevel::NoCheck);
    // A fused iterator split again is kept as written (its expression would not be simpler).
    if (!map.ok() || arith::has_fused_split(map)) return;
    for (size_t i = 0; i < values->size(); ++i) {
      ir::Expr simple = arith::iter_sum_to_expr(map.indices[i], (*values)[i].dtype());
      if (preserve_unit_iters_) {
        std::set<const ir::VarNode*> before = vars_of((*values)[i]), after = vars_of(simple);
        bool lost = std::any_of(before.begin(), before.end(),
                                [&](const ir::VarNode* v) { return unit_vars.count(v) && !after.count(v); });
        if (lost) continue;
      }
      (*values)[i] = simple;
    }
  }

  IterList iters_;
  arith::Analyzer analyzer_;
  ir::Expr extra_predicate_;
  bool preserve_unit_iters_;
};

/// The loops above the path's target in its scope, as (var, range) pairs.
IterList outer_loops(const detail::StmtPath& path) {
  IterList out;
  for (const ir::ForNode* f : detail::loops_above(path))
    out.emplace_back(f->loop_var, ir::Range::from_min_extent(f->min, f->extent));
  return out;
}

void bind_outer_loops(const detail::StmtPath& path, arith::Analyzer* analyzer) {
  for (const auto& [var, range] : outer_loops(path)) analyzer->bind(var, range);
}

/// Substitutes `map` in `body` and rewrites the bindings of the blocks below (see
/// BindingRewriter); `iters` are the loops above `body`.
ir::Stmt substitute_and_simplify(const ir::Stmt& body, const VarMap& map, IterList iters,
                                 const ir::Expr& extra_predicate, bool preserve_unit_iters) {
  ir::Stmt out = ir::substitute(body, map);
  BindingRewriter rewriter(std::move(iters), extra_predicate, preserve_unit_iters);
  return rewriter.mutate(out);
}

/// The nearest loop or block strictly above the path's target (TVM's parent sref).
const ir::StmtNode* parent_of(const detail::StmtPath& path) {
  for (size_t i = path.nodes.size() - 1; i-- > 0;) {
    const ir::Stmt& s = path.nodes[i];
    if (s.is<ir::ForNode>() || s.is<ir::BlockNode>()) return s.get();
  }
  return nullptr;
}

/// Split with factors given as None, ExprRV or literal integers.
std::vector<LoopRV> split_impl(Schedule& sch, const LoopRV& loop_rv, const std::vector<Value>& factor_values,
                               bool preserve_unit_iters, bool disable_predication) {
  const char* p = "split";
  LoopSite site = locate(sch, loop_rv);
  const ir::ForNode* loop = site.loop;
  const ir::DataType dtype = loop->loop_var.dtype();
  if (factor_values.empty()) throw WrongFactorError(p, "no factors given to split loop {}", site.name());
  // 1. Resolve the factors; at most one None, inferred as ceildiv(extent, product of the rest).
  arith::Analyzer analyzer;
  bind_outer_loops(site.path, &analyzer);
  std::vector<ir::Expr> factors;
  int infer_index = -1;
  ir::Expr known = ir::make_const(dtype, int64_t{1});
  for (size_t i = 0; i < factor_values.size(); ++i) {
    const Value& v = factor_values[i];
    if (v.is_none()) {
      if (infer_index != -1)
        throw NotSingleInferFactorError(p, "at most one factor may be None when splitting loop {}", site.name());
      infer_index = static_cast<int>(i);
      factors.emplace_back();
      continue;
    }
    int64_t f = v.is<ExprRV>() ? sch.get(v.as<ExprRV>()) : detail::as_int(v, "factor");
    if (f <= 0) throw WrongFactorError(p, "factor {} of loop {} is not positive", f, site.name());
    factors.push_back(ir::make_const(dtype, f));
    known = analyzer.simplify(known * factors.back());
  }
  check_plain_loop(loop, p);
  if (infer_index != -1) {
    factors[infer_index] =
        analyzer.simplify(ir::floordiv(loop->extent + known - ir::make_const(dtype, int64_t{1}), known));
  } else if (!analyzer.can_prove(known >= loop->extent)) {
    throw WrongFactorError(p, "the product of the factors ({}) is less than the extent {} of loop {}",
                           ir::to_string(known), ir::to_string(loop->extent), site.name());
  }
  ir::Expr total =
      analyzer.simplify(known * (infer_index != -1 ? factors[infer_index] : ir::make_const(dtype, int64_t{1})));
  // 2. New loop variables i_0, i_1, ... and the value that replaces i.
  std::vector<ir::Var> vars;
  ir::Expr value;
  for (size_t i = 0; i < factors.size(); ++i) {
    vars.emplace_back(fmt::format("{}_{}", site.name(), i), dtype);
    bool drop = !preserve_unit_iters && ir::is_one(factors[i]);
    if (!value.defined()) {
      value = drop ? ir::make_const(dtype, int64_t{0}) : ir::Expr(vars[i]);
    } else {
      value = value * factors[i];
      if (!drop) value = value + vars[i];
    }
  }
  for (size_t i = 0; i < vars.size(); ++i) {
    // A unit loop's variable is bound only when it is dropped anyway, so that simplification
    // keeps it in bindings under preserve_unit_iters.
    if (!ir::is_one(factors[i]) || !preserve_unit_iters)
      analyzer.bind(vars[i], ir::Range::from_min_extent(ir::make_const(dtype, int64_t{0}), factors[i]));
  }
  value = analyzer.simplify(value);
  // 3. A predicate when the factors overshoot the extent.
  ir::Expr predicate;
  if (!disable_predication && !analyzer.can_prove(ir::eq(total, loop->extent))) predicate = value < loop->extent;
  IterList iters = outer_loops(site.path);
  for (size_t i = 0; i < vars.size(); ++i)
    iters.emplace_back(vars[i], ir::Range::from_min_extent(ir::make_const(dtype, int64_t{0}), factors[i]));
  ir::Stmt body =
      substitute_and_simplify(loop->body, {{loop->loop_var, value}}, std::move(iters), predicate, preserve_unit_iters);
  for (size_t i = vars.size(); i-- > 0;)
    body = ir::ForNode::make(vars[i], ir::make_const(dtype, int64_t{0}), factors[i], ir::ForKind::Serial, body);
  // 4. Replace, update RVs, record.
  sch.update_func(site.func_name, detail::replace_in_func(site.func, loop, body), p);
  sch.mark_removed_loop(loop->loop_var, p);
  std::vector<LoopRV> out;
  std::vector<Value> outputs;
  for (const ir::Var& v : vars) {
    out.push_back(sch.new_loop_rv(site.func_name, v));
    outputs.emplace_back(out.back());
  }
  std::vector<Value> inputs{loop_rv};
  inputs.insert(inputs.end(), factor_values.begin(), factor_values.end());
  sch.record("Split", std::move(inputs), {Value(preserve_unit_iters), Value(disable_predication)}, std::move(outputs));
  return out;
}

std::vector<Value> loop_values(const std::vector<LoopRV>& rvs) { return {rvs.begin(), rvs.end()}; }

/// The add_unit_loop implementation for a statement (a loop or a block realize).
LoopRV add_unit_loop_at(Schedule& sch, const std::string& func_name, const ir::StmtNode* target, const Value& input) {
  ir::Var u("u", ir::DataType::Int(32));
  ir::Stmt loop = ir::ForNode::make(u, 0, 1, ir::ForKind::Serial, ir::Stmt(ir::Ref<ir::StmtNode>(target)));
  sch.update_func(func_name, detail::replace_in_func(sch.mod().at(func_name), target, loop), "add_unit_loop");
  LoopRV out = sch.new_loop_rv(func_name, u);
  sch.record("AddUnitLoop", {input}, {}, {out});
  return out;
}

}  // namespace

std::vector<LoopRV> Schedule::split(const LoopRV& loop, const std::vector<std::optional<ExprRV>>& factors,
                                    bool preserve_unit_iters, bool disable_predication) {
  std::vector<Value> values;
  for (const auto& f : factors) values.push_back(f ? Value(*f) : Value());
  return split_impl(*this, loop, values, preserve_unit_iters, disable_predication);
}

std::vector<LoopRV> Schedule::split(const LoopRV& loop, const std::vector<std::optional<int64_t>>& factors,
                                    bool preserve_unit_iters, bool disable_predication) {
  std::vector<Value> values;
  for (const auto& f : factors) values.push_back(f ? Value(*f) : Value());
  return split_impl(*this, loop, values, preserve_unit_iters, disable_predication);
}

LoopRV Schedule::fuse(const std::vector<LoopRV>& loops, bool preserve_unit_iters) {
  const char* p = "fuse";
  if (loops.empty()) throw ScheduleError(p, "fuse requires at least one loop");
  // 1. Check: each loop is the only child of the previous one, plain, from 0, and its extent
  //    does not depend on the outer loops being fused.
  std::vector<LoopSite> sites;
  std::set<const ir::VarNode*> outer_vars;
  for (const LoopRV& rv : loops) {
    LoopSite site = locate(*this, rv);
    if (!sites.empty()) {
      const LoopSite& outer = sites.back();
      if (site.func_name != outer.func_name)
        throw DifferentFunctionError(p, "loops {} and {} are in different functions ({} and {})", outer.name(),
                                     site.name(), outer.func_name, site.func_name);
      if (parent_of(site.path) != outer.loop)
        throw OuterNotInnerParentError(p,
                                       "loop {} is not the parent of loop {}, cannot fuse: the loops must "
                                       "be directly nested, outermost first",
                                       outer.name(), site.name());
      if (outer.loop->body.get() != site.loop)
        throw NotOnlyChildError(p, "loop {} is not the only child of loop {}, cannot fuse", site.name(), outer.name());
    }
    check_plain_loop(site.loop, p);
    std::string used;
    if (uses_any_var(site.loop->extent, outer_vars, &used))
      throw DependentLoopError(p, "the extent of loop {} depends on loop {}, cannot fuse", site.name(), used);
    outer_vars.insert(site.loop->loop_var.get());
    sites.push_back(std::move(site));
  }
  // 2. The fused variable i_j_fused, of the widest dtype, and the value of each old variable.
  ir::DataType dtype = sites[0].loop->loop_var.dtype();
  for (const LoopSite& s : sites) {
    if (s.loop->loop_var.dtype().bits() > dtype.bits()) dtype = s.loop->loop_var.dtype();
  }
  std::string name;
  for (const LoopSite& s : sites) name += s.name() + "_";
  ir::Var fused(name + "fused", dtype);
  const int n = static_cast<int>(sites.size());
  VarMap map;
  ir::Expr lower = ir::make_const(dtype, int64_t{1});
  for (int i = n - 1; i >= 0; --i) {
    const ir::ForNode* f = sites[i].loop;
    ir::Expr extent = ir::cast(dtype, f->extent);
    ir::Expr v;
    if (ir::is_one(f->extent) && !preserve_unit_iters) {
      v = ir::make_const(dtype, int64_t{0});
    } else if (i == 0) {
      v = ir::floordiv(fused, lower);
    } else {
      v = ir::floordiv(ir::floormod(fused, lower * extent), lower);
    }
    map[f->loop_var] = ir::cast(f->loop_var.dtype(), v);
    lower = lower * extent;
  }
  arith::Analyzer analyzer;
  bind_outer_loops(sites[0].path, &analyzer);
  ir::Expr extent = analyzer.simplify(lower);
  analyzer.bind(fused, ir::Range::from_min_extent(ir::make_const(dtype, int64_t{0}), extent));
  // 3. One loop over the product of the extents replaces the nest.
  IterList iters = outer_loops(sites[0].path);
  iters.emplace_back(fused, ir::Range::from_min_extent(ir::make_const(dtype, int64_t{0}), extent));
  ir::Stmt body =
      substitute_and_simplify(sites.back().loop->body, map, std::move(iters), ir::Expr(), preserve_unit_iters);
  body = ir::ForNode::make(fused, ir::make_const(dtype, int64_t{0}), extent, ir::ForKind::Serial, body);
  const std::string& func_name = sites[0].func_name;
  update_func(func_name, detail::replace_in_func(sites[0].func, sites[0].loop, body), p);
  for (const LoopSite& s : sites) mark_removed_loop(s.loop->loop_var, p);
  LoopRV out = new_loop_rv(func_name, fused);
  record("Fuse", loop_values(loops), {Value(preserve_unit_iters)}, {out});
  return out;
}

void Schedule::reorder(const std::vector<LoopRV>& ordered_loops) {
  const char* p = "reorder";
  // 1. Look up the loops; no loop twice, all in one function.
  std::vector<LoopSite> sites;
  std::set<const ir::ForNode*> in_set;
  for (const LoopRV& rv : ordered_loops) {
    LoopSite site = locate(*this, rv);
    if (!sites.empty() && site.func_name != sites[0].func_name)
      throw DifferentFunctionError(p, "loops {} and {} are in different functions ({} and {})", sites[0].name(),
                                   site.name(), sites[0].func_name, site.func_name);
    if (!in_set.insert(site.loop).second)
      throw LoopMultiAppearanceError(p, "loop {} appears more than once", site.name());
    sites.push_back(std::move(site));
  }
  if (sites.size() > 1) {
    // 2. The loops lie on one chain: sorted by depth, each is an ancestor of the next.
    std::vector<const LoopSite*> by_depth;
    for (const LoopSite& s : sites) by_depth.push_back(&s);
    std::sort(by_depth.begin(), by_depth.end(),
              [](const LoopSite* a, const LoopSite* b) { return a->path.nodes.size() < b->path.nodes.size(); });
    for (size_t i = 1; i < by_depth.size(); ++i) {
      const auto& nodes = by_depth[i]->path.nodes;
      bool ancestor =
          std::any_of(nodes.begin(), nodes.end(), [&](const ir::Stmt& s) { return s.get() == by_depth[i - 1]->loop; });
      if (!ancestor)
        throw LoopsNotAChainError(p, "loops {} and {} are not nested one in the other, cannot reorder them",
                                  by_depth[i - 1]->name(), by_depth[i]->name());
    }
    // 3. The chain from the outermost to the innermost given loop: each loop's body is the next.
    const LoopSite& bottom = *by_depth.back();
    std::vector<const ir::ForNode*> chain;
    const auto& nodes = bottom.path.nodes;
    size_t k = 0;
    while (nodes[k].get() != by_depth.front()->loop) ++k;
    for (; k < nodes.size(); ++k) {
      const auto* f = nodes[k].as<ir::ForNode>();
      chain.push_back(f);
      if (f == bottom.loop) break;
      if (f->body.get() == nodes[k + 1].get() && nodes[k + 1].is<ir::ForNode>()) continue;
      if (f->body.is<ir::SeqStmtNode>())
        throw LoopsNotAChainError(p,
                                  "loop {} has more than one child, cannot reorder loops {} to {} "
                                  "across it",
                                  f->loop_var.name(), by_depth.front()->name(), bottom.name());
      throw LoopsNotAChainError(p,
                                "loops {} and {} are separated by a statement that is not a loop (a "
                                "block, a branch or a let), cannot reorder them",
                                by_depth.front()->name(), bottom.name());
    }
    // 4. The given loops take the chain's slots in the given order; no loop's range may use
    //    the variable of a loop that ends up inside it.
    std::vector<const ir::ForNode*> placed;
    size_t next = 0;
    for (const ir::ForNode* f : chain) placed.push_back(in_set.count(f) ? sites[next++].loop : f);
    std::set<const ir::VarNode*> inner;
    for (size_t i = placed.size(); i-- > 0;) {
      const ir::ForNode* f = placed[i];
      std::string used;
      if (uses_any_var(f->min, inner, &used) || uses_any_var(f->extent, inner, &used))
        throw DependentLoopError(p,
                                 "the range of loop {} depends on loop {}, which would be inside it "
                                 "after reordering",
                                 f->loop_var.name(), used);
      inner.insert(f->loop_var.get());
    }
    // 5. The blocks below have spatial / reduction iterators and affine bindings.
    for (const ir::BlockRealizeNode* r : detail::child_block_realizes(bottom.loop->body)) {
      check_spatial_or_reduction_iters(p, r->block.get());
      check_affine_binding(p, bottom.func, r->block.get());
    }
    // 6. Rebuild the chain.
    ir::Stmt body = chain.back()->body;
    for (size_t i = placed.size(); i-- > 0;) {
      const ir::ForNode* f = placed[i];
      body = ir::ForNode::make(f->loop_var, f->min, f->extent, f->for_kind, body, f->thread_tag, f->annotations);
    }
    update_func(bottom.func_name, detail::replace_in_func(bottom.func, chain.front(), body), p);
  }
  record("Reorder", loop_values(ordered_loops), {}, {});
}

LoopRV Schedule::add_unit_loop(const BlockRV& block) {
  ir::Block b = get(block);
  const std::string func_name = func_of(block);
  check_not_root_block("add_unit_loop", mod_.at(func_name), b.get());
  auto path = detail::find_block(mod_.at(func_name), b->name);
  const ir::StmtNode* realize = path->nodes[path->nodes.size() - 2].get();
  return add_unit_loop_at(*this, func_name, realize, block);
}

LoopRV Schedule::add_unit_loop(const LoopRV& loop) {
  const ir::ForNode* f = get(loop);
  return add_unit_loop_at(*this, func_of(loop), f, loop);
}

namespace detail {

void register_loop_transformation_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add({"Split",
         "split",
         {{"loop", Role::Input, std::nullopt, ParamKind::Loop},
          {"factors", Role::VariadicInput, std::nullopt},
          {"preserve_unit_iters", Role::Attr, Value(true)},
          {"disable_predication", Role::Attr, Value(false)}},
         false,
         false,
         true,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           std::vector<Value> factors(inputs.begin() + 1, inputs.end());
           return loop_values(split_impl(sch, as_loop(inputs.at(0), "loop"), factors,
                                         as_bool(attrs.at(0), "preserve_unit_iters"),
                                         as_bool(attrs.at(1), "disable_predication")));
         }});
  r.add({"Fuse",
         "fuse",
         {{"*loops", Role::VariadicInput, std::nullopt, ParamKind::Loop},
          {"preserve_unit_iters", Role::Attr, Value(true)}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           std::vector<LoopRV> loops;
           for (const Value& v : inputs) loops.push_back(as_loop(v, "loops"));
           return std::vector<Value>{sch.fuse(loops, as_bool(attrs.at(0), "preserve_unit_iters"))};
         }});
  r.add({"Reorder",
         "reorder",
         {{"*ordered_loops", Role::VariadicInput, std::nullopt, ParamKind::Loop}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value&) {
           std::vector<LoopRV> loops;
           for (const Value& v : inputs) loops.push_back(as_loop(v, "ordered_loops"));
           sch.reorder(loops);
           return std::vector<Value>{};
         }});
  r.add({"AddUnitLoop",
         "add_unit_loop",
         {{"block_or_loop", Role::Input, std::nullopt, ParamKind::BlockOrLoop}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value&) {
           const Value& v = inputs.at(0);
           if (v.is<LoopRV>()) return std::vector<Value>{sch.add_unit_loop(v.as<LoopRV>())};
           return std::vector<Value>{sch.add_unit_loop(as_block(v, "block_or_loop"))};
         }});
}

}  // namespace detail
}  // namespace loom::sched
