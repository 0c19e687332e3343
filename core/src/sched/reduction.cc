// Reduction primitives: decompose_reduction (split a reduction block's init into its own
// block before a loop) and rfactor (factor a reduction loop into a partial-result buffer and
// a write-back block), as TVM's DecomposeReduction / RFactor.
#include <algorithm>
#include <unordered_map>

#include "families.h"
#include "fmt/format.h"
#include "loom/arith/analyzer.h"
#include "loom/arith/region.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/ir/printer.h"
#include "loom/ir/reducer.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/visitor.h"
#include "loom/sched/analysis.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(LoopPositionError, "LoopPosition");
LOOM_SCHEDULE_ERROR(LoopHeightError, "LoopHeight");
LOOM_SCHEDULE_ERROR(NotSingleChildBlockError, "NotSingleChildBlock");
LOOM_SCHEDULE_ERROR(NotReductionLoopError, "NotReductionLoop");
LOOM_SCHEDULE_ERROR(ReducerPatternError, "ReducerPattern");
LOOM_SCHEDULE_ERROR(FactorAxisOutOfRangeError, "FactorAxisOutOfRange");

using VarMap = std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual>;

bool uses_var(const ir::Expr& e, const ir::Var& v) {
  bool found = false;
  ir::post_order_visit(e, [&](const ir::Object* n) { found = found || n == v.get(); });
  return found;
}

/// A block found through the schedule, with its realize and the loops above it.
struct BlockSite {
  std::string func_name;
  ir::PrimFunc func;
  detail::StmtPath path;
  ir::Block block;
  const ir::BlockRealizeNode* realize = nullptr;
  std::vector<const ir::ForNode*> loops;
};

BlockSite site_of(const Schedule& sch, const std::string& func_name, const std::string& block_name) {
  BlockSite s;
  s.func_name = func_name;
  s.func = sch.mod().at(func_name);
  s.path = *detail::find_block(s.func, block_name);
  s.block = ir::Block(s.path.target().as<ir::BlockNode>());
  s.realize = s.path.nodes[s.path.nodes.size() - 2].as<ir::BlockRealizeNode>();
  s.loops = detail::loops_above(s.path);
  return s;
}

/// Keeps the conjuncts of `pred` that mention none of `dropped`.
ir::Expr remake_predicate(const ir::Expr& pred, const std::vector<ir::Var>& dropped) {
  std::vector<ir::Expr> terms;
  std::function<void(const ir::Expr&)> split = [&](const ir::Expr& e) {
    if (const auto* a = e.as<ir::AndNode>()) {
      split(a->a);
      split(a->b);
    } else {
      terms.push_back(e);
    }
  };
  split(pred);
  ir::Expr out = ir::make_bool(true);
  for (const ir::Expr& t : terms) {
    if (ir::is_const_true(t)) continue;
    if (std::any_of(dropped.begin(), dropped.end(), [&](const ir::Var& v) { return uses_var(t, v); })) continue;
    out = ir::is_const_true(out) ? t : ir::logical_and(out, t);
  }
  return out;
}

ir::Block with_body_and_init(const ir::BlockNode* b, const ir::Stmt& body, const ir::Stmt& init) {
  return ir::Block::make(b->name, b->iter_vars, b->reads, b->writes, body, init, b->alloc_buffers, b->match_buffers,
                         b->annotations);
}

/// A block whose reads and writes are inferred from its body (as the parser does).
ir::Block with_inferred_regions(const ir::Block& b) {
  arith::AccessRegions regions = arith::infer_block_access_regions(*b.get());
  return ir::Block::make(b->name, b->iter_vars, regions.reads, regions.writes, b->body, b->init, b->alloc_buffers,
                         b->match_buffers, b->annotations);
}

}  // namespace

BlockRV Schedule::decompose_reduction(const BlockRV& block, const LoopRV& loop) {
  const char* p = "decompose_reduction";
  ir::Block b = get(block);
  const ir::ForNode* target = get(loop);
  BlockSite s = site_of(*this, func_of(block), b->name);
  auto pos = std::find(s.loops.begin(), s.loops.end(), target);
  if (func_of(loop) != s.func_name || pos == s.loops.end())
    throw LoopPositionError(p, "loop {} is not an ancestor of block {}", target->loop_var.name(), b->name);
  check_reduction_block(p, s.func, b.get());
  const size_t index = static_cast<size_t>(pos - s.loops.begin());
  // 1. Every loop that drives a reduction variable must be at or below `loop`: the init
  //    runs once, before `loop`.
  for (size_t i = 0; i < index; ++i) {
    for (size_t k = 0; k < b->iter_vars.size(); ++k) {
      if (b->iter_vars[k].type == ir::IterType::CommReduce && uses_var(s.realize->iter_values[k], s.loops[i]->loop_var))
        throw LoopHeightError(p,
                              "loop {} drives the reduction variable {} of block {} and is above loop {}; "
                              "the init block must go above every reduction loop",
                              s.loops[i]->loop_var.name(), b->iter_vars[k].var.name(), b->name,
                              target->loop_var.name());
    }
  }
  // 2. The init block: the spatial iteration variables with their bindings.
  std::vector<ir::IterVar> iters;
  std::vector<ir::Expr> values;
  VarMap var_map;
  for (size_t k = 0; k < b->iter_vars.size(); ++k) {
    const ir::IterVar& iv = b->iter_vars[k];
    if (iv.type != ir::IterType::DataPar) continue;
    ir::Var v(iv.var.name(), iv.var.dtype());
    iters.push_back({v, iv.dom, ir::IterType::DataPar});
    values.push_back(s.realize->iter_values[k]);
    var_map[iv.var] = v;
  }
  std::vector<ir::BufferRegion> writes;
  for (const ir::BufferRegion& w : b->writes) {
    ir::BufferRegion r{w.buffer, {}};
    for (const ir::Range& rg : w.region)
      r.region.push_back({ir::substitute(rg.min, var_map), ir::substitute(rg.extent, var_map)});
    writes.push_back(r);
  }
  const std::string init_name = detail::unique_block_name(s.func, b->name + "_init");
  ir::Block init_block = ir::Block::make(init_name, iters, {}, writes, ir::substitute(b->init, var_map));
  // 3. The loops from `loop` down that the init bindings use are copied; the others dropped.
  std::vector<const ir::ForNode*> chosen;
  std::vector<ir::Var> dropped;
  for (size_t i = index; i < s.loops.size(); ++i) {
    const ir::Var& lv = s.loops[i]->loop_var;
    bool used = std::any_of(values.begin(), values.end(), [&](const ir::Expr& e) { return uses_var(e, lv); });
    (used ? chosen.push_back(s.loops[i]) : dropped.push_back(lv));
  }
  ir::Stmt init = ir::BlockRealizeNode::make(values, remake_predicate(s.realize->predicate, dropped), init_block);
  VarMap loop_map;
  for (size_t i = chosen.size(); i-- > 0;) {
    const ir::ForNode* l = chosen[i];
    ir::Var v(l->loop_var.name() + "_init", l->loop_var.dtype());
    loop_map[l->loop_var] = v;
    init = ir::ForNode::make(v, l->min, l->extent, l->for_kind, init, l->thread_tag, l->annotations);
  }
  init = ir::substitute(init, loop_map);
  // 4. The reduction block loses its init; the init nest goes right before `loop`.
  ir::Block update = with_body_and_init(b.get(), b->body, ir::Stmt());
  ir::Stmt new_loop = detail::replace_stmt(ir::Stmt(ir::Ref<ir::StmtNode>(target)), b.get(), update);
  ir::PrimFunc func = detail::replace_in_func(s.func, target, ir::SeqStmtNode::make({init, new_loop}));
  update_func(s.func_name, func, p);
  BlockRV out = new_block_rv(s.func_name, init_name);
  record("DecomposeReduction", {block, loop}, {}, {out});
  return out;
}

namespace {

using ir::Reducer;

Reducer match_reducer(const ir::Block& b, const char* primitive) {
  auto fail = [&](const std::string& why) {
    return ReducerPatternError(primitive, "block {} is not a sum, product, max or min reduction: {}", b->name, why);
  };
  const auto* init = b->init.as<ir::BufferStoreNode>();
  const auto* body = b->body.as<ir::BufferStoreNode>();
  if (!init || !body) throw fail("its init and body must each be a single buffer store");
  if (b->writes.size() != 1) throw fail("it must write exactly one buffer");
  if (!init->buffer.same_as(body->buffer) || !body->buffer.same_as(b->writes[0].buffer))
    throw fail("its init and body must store to the buffer it writes");
  for (size_t i = 0; i < init->indices.size(); ++i) {
    if (!ir::structural_equal(init->indices[i], body->indices[i], {false, false}))
      throw fail("its init and body store to different elements");
  }
  std::string why;
  std::optional<Reducer> r = ir::match_reduction_update(body, &why);
  if (!r) throw fail(why);
  return *r;
}

}  // namespace

BlockRV Schedule::rfactor(const LoopRV& loop, int factor_axis) {
  const char* p = "rfactor";
  const ir::ForNode* rf_loop = get(loop);
  const std::string func_name = func_of(loop);
  const std::string loop_name = rf_loop->loop_var.name();
  // 1. The loop holds exactly one block: a reduction block with a recognized reducer.
  std::vector<const ir::BlockRealizeNode*> children = detail::child_block_realizes(rf_loop->body);
  if (children.size() != 1)
    throw NotSingleChildBlockError(p,
                                   "loop {} holds {} blocks; rfactor needs exactly one reduction block "
                                   "under the loop",
                                   loop_name, children.size());
  BlockSite s = site_of(*this, func_name, children[0]->block->name);
  const ir::Block& b = s.block;
  check_reduction_block(p, s.func, b.get());
  if (!ir::is_const_true(s.realize->predicate))
    throw NotReductionLoopError(p, "block {} has a predicate ({}); rfactor supports only unpredicated blocks", b->name,
                                ir::to_string(s.realize->predicate));
  Reducer red = match_reducer(b, p);

  // 2. Every loop drives spatial or reduction variables, not both; the loop is a reduction loop.
  std::vector<bool> is_spatial(s.loops.size()), is_reduce(s.loops.size());
  for (size_t i = 0; i < s.loops.size(); ++i) {
    for (size_t k = 0; k < b->iter_vars.size(); ++k) {
      if (!uses_var(s.realize->iter_values[k], s.loops[i]->loop_var)) continue;
      (b->iter_vars[k].type == ir::IterType::DataPar ? is_spatial : is_reduce)[i] = true;
    }
    if (is_spatial[i] && is_reduce[i])
      throw NotReductionLoopError(p, "loop {} drives both spatial and reduction variables of block {}",
                                  s.loops[i]->loop_var.name(), b->name);
  }
  const size_t rf_index = static_cast<size_t>(std::find(s.loops.begin(), s.loops.end(), rf_loop) - s.loops.begin());
  if (!is_reduce[rf_index])
    throw NotReductionLoopError(p, "loop {} does not drive a reduction variable of block {}", loop_name, b->name);
  const int ndim = static_cast<int>(red.buffer->ndim());
  if (factor_axis < -(ndim + 1) || factor_axis > ndim)
    throw FactorAxisOutOfRangeError(p, "factor_axis {} is not in [{}, {}] for buffer {} with {} dimensions",
                                    factor_axis, -(ndim + 1), ndim, red.buffer->name, ndim);
  const size_t axis = static_cast<size_t>(factor_axis < 0 ? factor_axis + ndim + 1 : factor_axis);
  // No other block under the outermost loop may touch the output: the write-back goes after it.
  for (const ir::BlockRealizeNode* r : detail::child_block_realizes(ir::Stmt(ir::Ref<ir::StmtNode>(s.loops[0])))) {
    if (r->block.same_as(b)) continue;
    auto touches = [&](const std::vector<ir::BufferRegion>& rs) {
      return std::any_of(rs.begin(), rs.end(), [&](const ir::BufferRegion& x) { return x.buffer.same_as(red.buffer); });
    };
    if (touches(r->block->reads) || touches(r->block->writes))
      throw NotSingleChildBlockError(p,
                                     "block {} also accesses buffer {} under loop {}, the write-back of "
                                     "block {} cannot go after that loop",
                                     r->block->name, red.buffer->name, s.loops[0]->loop_var.name(), b->name);
  }

  // 3. The rfactor block: the loop becomes a spatial variable indexing the new buffer; every
  //    other reduction loop gets its own reduction variable.
  std::vector<ir::IterVar> rf_iters;
  std::vector<ir::Expr> rf_values;
  ir::Var rf_var("v" + loop_name, rf_loop->loop_var.dtype());
  rf_iters.push_back({rf_var, ir::Range{rf_loop->min, rf_loop->extent}, ir::IterType::DataPar});
  rf_values.push_back(rf_loop->loop_var);
  VarMap loop_to_iter{{rf_loop->loop_var, rf_var}};
  for (size_t k = 0; k < b->iter_vars.size(); ++k) {
    if (b->iter_vars[k].type != ir::IterType::DataPar) continue;
    rf_iters.push_back(b->iter_vars[k]);
    rf_values.push_back(s.realize->iter_values[k]);
  }
  for (size_t i = 0; i < s.loops.size(); ++i) {
    if (!is_reduce[i] || i == rf_index) continue;
    const ir::ForNode* l = s.loops[i];
    ir::Var v("v" + l->loop_var.name(), l->loop_var.dtype());
    rf_iters.push_back({v, ir::Range{l->min, l->extent}, ir::IterType::CommReduce});
    rf_values.push_back(l->loop_var);
    loop_to_iter[l->loop_var] = v;
  }
  VarMap reduce_sub;
  for (size_t k = 0; k < b->iter_vars.size(); ++k) {
    if (b->iter_vars[k].type == ir::IterType::CommReduce)
      reduce_sub[b->iter_vars[k].var] = ir::substitute(s.realize->iter_values[k], loop_to_iter);
  }
  std::vector<ir::Expr> rf_shape = red.buffer->shape;
  rf_shape.insert(rf_shape.begin() + static_cast<std::ptrdiff_t>(axis), rf_loop->extent);
  ir::Buffer rf_buffer =
      ir::Buffer::make(red.buffer->name + "_rf", red.buffer->dtype, rf_shape, {}, {}, red.buffer->scope);
  auto rf_indices = [&](const ir::Expr& rf_index_var, const VarMap& sub) {
    std::vector<ir::Expr> idx;
    for (const ir::Expr& e : red.indices) idx.push_back(ir::substitute(e, sub));
    ir::Expr i = ir::is_zero(rf_loop->min) ? rf_index_var : rf_index_var - rf_loop->min;
    idx.insert(idx.begin() + static_cast<std::ptrdiff_t>(axis), i);
    return idx;
  };
  std::vector<ir::Expr> rf_idx = rf_indices(rf_var, {});
  // With the loop as the only reduction loop, every element of the new buffer is one value
  // of the reduction: the rfactor block is then a plain spatial block without init.
  const bool rf_reduces = std::any_of(rf_iters.begin(), rf_iters.end(),
                                      [](const ir::IterVar& iv) { return iv.type == ir::IterType::CommReduce; });
  ir::Expr rf_value = ir::substitute(red.rhs, reduce_sub);
  ir::Stmt rf_init = rf_reduces ? ir::BufferStoreNode::make(rf_buffer, red.identity, rf_idx) : ir::Stmt();
  ir::Stmt rf_body = ir::BufferStoreNode::make(
      rf_buffer, rf_reduces ? red.combine(ir::BufferLoadNode::make(rf_buffer, rf_idx), rf_value) : rf_value, rf_idx);
  const std::string rf_name = detail::unique_block_name(s.func, b->name + "_rf");
  ir::Block rf_block = with_inferred_regions(
      ir::Block::make(rf_name, rf_iters, {}, {}, rf_body, rf_init, b->alloc_buffers, b->match_buffers, b->annotations));
  ir::Stmt rf_realize = ir::BlockRealizeNode::make(rf_values, ir::make_bool(true), rf_block);

  // 4. The write-back block keeps the original name: it reduces the new buffer over the
  //    loop's range into the output, under copies of the spatial loops and the loop.
  ir::Var wb_rf_var("v" + loop_name, rf_loop->loop_var.dtype());
  std::vector<ir::IterVar> wb_iters{{wb_rf_var, ir::Range{rf_loop->min, rf_loop->extent}, ir::IterType::CommReduce}};
  std::vector<ir::Expr> wb_values{ir::Expr()};
  VarMap wb_sub;
  for (size_t k = 0; k < b->iter_vars.size(); ++k) {
    const ir::IterVar& iv = b->iter_vars[k];
    if (iv.type != ir::IterType::DataPar) continue;
    ir::Var v(iv.var.name(), iv.var.dtype());
    wb_iters.push_back({v, iv.dom, ir::IterType::DataPar});
    wb_values.push_back(s.realize->iter_values[k]);
    wb_sub[iv.var] = v;
  }
  std::vector<ir::Expr> out_idx;
  for (const ir::Expr& e : red.indices) out_idx.push_back(ir::substitute(e, wb_sub));
  ir::Stmt wb_body =
      ir::BufferStoreNode::make(red.buffer,
                                red.combine(ir::BufferLoadNode::make(red.buffer, out_idx),
                                            ir::BufferLoadNode::make(rf_buffer, rf_indices(wb_rf_var, wb_sub))),
                                out_idx);
  ir::Block wb_block =
      with_inferred_regions(ir::Block::make(b->name, wb_iters, {}, {}, wb_body, ir::substitute(b->init, wb_sub)));
  VarMap wb_loop_map;
  std::vector<const ir::ForNode*> wb_loops;
  std::vector<ir::Var> wb_loop_vars;
  for (size_t i = 0; i < s.loops.size(); ++i) {
    if (!is_spatial[i] && i != rf_index) continue;
    wb_loops.push_back(s.loops[i]);
    wb_loop_vars.emplace_back(s.loops[i]->loop_var.name(), s.loops[i]->loop_var.dtype());
    wb_loop_map[s.loops[i]->loop_var] = wb_loop_vars.back();
  }
  wb_values[0] = wb_loop_map.at(rf_loop->loop_var);
  for (size_t i = 1; i < wb_values.size(); ++i) wb_values[i] = ir::substitute(wb_values[i], wb_loop_map);
  ir::Stmt wb = ir::BlockRealizeNode::make(wb_values, ir::make_bool(true), wb_block);
  for (size_t i = wb_loops.size(); i-- > 0;) {
    const ir::ForNode* l = wb_loops[i];
    const ir::Var& v = wb_loop_vars[i];
    if (l == rf_loop) {
      wb = ir::ForNode::make(v, l->min, l->extent, ir::ForKind::Serial, wb);
    } else {
      wb = ir::ForNode::make(v, l->min, l->extent, l->for_kind, wb, l->thread_tag, l->annotations);
    }
  }

  // 5. Replace: the rfactor block in the original nest, then the write-back nest, and the
  //    new buffer allocated in the scope block.
  const ir::ForNode* top = s.loops[0];
  ir::Stmt rf_nest = detail::replace_stmt(ir::Stmt(ir::Ref<ir::StmtNode>(top)), s.realize, rf_realize);
  const ir::BlockRealizeNode* scope = detail::scope_realize(s.path);
  const ir::BlockNode* sb = scope->block.get();
  ir::Stmt scope_body = detail::replace_stmt(sb->body, top, ir::SeqStmtNode::make({rf_nest, wb}));
  std::vector<ir::Buffer> allocs = sb->alloc_buffers;
  allocs.push_back(rf_buffer);
  ir::Block new_scope = ir::Block::make(sb->name, sb->iter_vars, sb->reads, sb->writes, scope_body, sb->init, allocs,
                                        sb->match_buffers, sb->annotations);
  update_func(func_name, detail::replace_in_func(s.func, sb, new_scope), p);
  BlockRV out = new_block_rv(func_name, rf_name);
  record("RFactor", {loop}, {Value(int64_t{factor_axis})}, {out});
  return out;
}

namespace detail {

void register_reduction_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add({"DecomposeReduction",
         "decompose_reduction",
         {{"block", Role::Input, std::nullopt, ParamKind::Block}, {"loop", Role::Input, std::nullopt, ParamKind::Loop}},
         /*pure=*/false,
         /*sampling=*/false,
         /*list_output=*/false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value&) {
           return std::vector<Value>{
               sch.decompose_reduction(as_block(inputs.at(0), "block"), as_loop(inputs.at(1), "loop"))};
         }});
  r.add({"RFactor",
         "rfactor",
         {{"loop", Role::Input, std::nullopt, ParamKind::Loop}, {"factor_axis", Role::Attr, Value(int64_t{0})}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           return std::vector<Value>{
               sch.rfactor(as_loop(inputs.at(0), "loop"), static_cast<int>(as_int(attrs.at(0), "factor_axis")))};
         }});
}

}  // namespace detail
}  // namespace loom::sched
