// Analysis of blocks and loops (loom/sched/analysis.h).
#include "loom/sched/analysis.h"

#include "fmt/format.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/visitor.h"
#include "tree.h"

namespace loom::sched {

namespace {

bool uses_var(const ir::Expr& e, const ir::VarNode* v) {
  bool found = false;
  ir::post_order_visit(e, [&](const ir::Object* n) { found = found || n == v; });
  return found;
}

/// Whether applying `primitive` to a copy of the schedule succeeds (the copy is dropped).
template <typename F>
bool would_succeed(const Schedule& sch, F&& primitive) {
  Schedule copy = sch;
  try {
    primitive(copy);
    return true;
  } catch (const ScheduleError&) {
    return false;
  }
}

}  // namespace

std::string why_not_reduction_block(const ir::BlockNode& b) {
  if (!b.init.defined()) return fmt::format("block {} is not a reduction block: it has no init", b.name);
  for (const ir::IterVar& iv : b.iter_vars) {
    if (iv.type != ir::IterType::DataPar && iv.type != ir::IterType::CommReduce)
      return fmt::format("block {} is not a reduction block: iteration variable {} is neither spatial nor a reduction",
                         b.name, iv.var.name());
  }
  for (const ir::BufferRegion& w : b.writes) {
    for (const ir::Range& r : w.region) {
      for (const ir::IterVar& iv : b.iter_vars) {
        if (iv.type == ir::IterType::CommReduce && (uses_var(r.min, iv.var.get()) || uses_var(r.extent, iv.var.get())))
          return fmt::format("block {} is not a reduction block: its write of {} depends on the reduction variable {}",
                             b.name, w.buffer->name, iv.var.name());
      }
    }
  }
  return {};
}

BlockInfo analyze_block(const Schedule& sch, const BlockRV& rv) {
  ir::Block block = sch.get(rv);
  const ir::PrimFunc& func = sch.mod().at(sch.func_of(rv));
  detail::StmtPath path = *detail::find_block(func, block->name);
  BlockInfo info;
  info.n_iter_vars = static_cast<int>(block->iter_vars.size());
  info.n_reads = static_cast<int>(block->reads.size());
  info.n_writes = static_cast<int>(block->writes.size());
  info.is_root = detail::scope_realize(path) == nullptr;
  info.has_init = block->init.defined();
  info.is_spatial = true;
  for (const ir::IterVar& iv : block->iter_vars) info.is_spatial = info.is_spatial && iv.type == ir::IterType::DataPar;
  info.is_reduction = why_not_reduction_block(*block.get()).empty();
  info.is_elementwise = info.is_spatial && !info.has_init && block->writes.size() == 1 && !block->reads.empty();
  ir::StructuralEqualOptions same_vars;
  same_vars.map_free_vars = false;
  for (const ir::BufferRegion& r : block->reads) {
    const ir::BufferRegion& w = block->writes.empty() ? r : block->writes[0];
    bool same = r.region.size() == w.region.size();
    for (size_t d = 0; same && d < r.region.size(); ++d)
      same = ir::structural_equal(r.region[d].min, w.region[d].min, same_vars) &&
             ir::structural_equal(r.region[d].extent, w.region[d].extent, same_vars);
    info.is_elementwise = info.is_elementwise && same;
  }
  for (const ir::BufferRegion& w : block->writes) {
    for (const ir::Buffer& param : func->param_buffers())
      info.is_output = info.is_output || param.get() == w.buffer.get();
  }
  if (!info.is_root) {
    const auto* realize = path.nodes[path.nodes.size() - 2].as<ir::BlockRealizeNode>();
    std::vector<const ir::ForNode*> loops = detail::loops_above(path);
    bool trivial = realize->predicate.as<ir::IntImmNode>() != nullptr;
    std::set<const ir::VarNode*> used;
    for (const ir::Expr& value : realize->iter_values) {
      const auto* var = value.as<ir::VarNode>();
      bool is_loop_var = false;
      for (const ir::ForNode* loop : loops) is_loop_var = is_loop_var || loop->loop_var.get() == var;
      trivial = trivial && var != nullptr && is_loop_var && used.insert(var).second;
    }
    info.has_trivial_binding = trivial;
    info.can_compute_inline = would_succeed(sch, [&](Schedule& s) { s.compute_inline(rv); });
    info.can_reverse_compute_inline = would_succeed(sch, [&](Schedule& s) { s.reverse_compute_inline(rv); });
    Schedule copy = sch;  // the queries are recorded in the copy's trace only
    info.n_producers = static_cast<int>(copy.get_producers(rv).size());
    info.n_consumers = static_cast<int>(copy.get_consumers(rv).size());
  }
  return info;
}

LoopInfo analyze_loop(const Schedule& sch, const LoopRV& rv) {
  const ir::ForNode* loop = sch.get(rv);
  const ir::PrimFunc& func = sch.mod().at(sch.func_of(rv));
  LoopInfo info;
  if (const auto* e = loop->extent.as<ir::IntImmNode>()) info.extent = e->value;
  if (const auto* m = loop->min.as<ir::IntImmNode>()) info.min = m->value;
  info.for_kind = loop->for_kind;
  info.thread_tag = loop->thread_tag;
  std::vector<const ir::BlockRealizeNode*> children = detail::child_block_realizes(loop->body);
  info.n_child_blocks = static_cast<int>(children.size());
  bool spatial = false, reduce = false, scan = false, opaque = false;
  // Every block under the loop (not only direct children) whose binding uses the loop var.
  ir::post_order_visit(loop->body, [&](const ir::Object* n) {
    if (n->kind() != ir::NodeKind::BlockRealize) return;
    const auto* realize = static_cast<const ir::BlockRealizeNode*>(n);
    for (size_t i = 0; i < realize->iter_values.size(); ++i) {
      if (!uses_var(realize->iter_values[i], loop->loop_var.get())) continue;
      switch (realize->block->iter_vars[i].type) {
        case ir::IterType::DataPar:
          spatial = true;
          break;
        case ir::IterType::CommReduce:
          reduce = true;
          break;
        case ir::IterType::Ordered:
          scan = true;
          break;
        case ir::IterType::Opaque:
          opaque = true;
          break;
      }
    }
  });
  int kinds = int{spatial} + int{reduce} + int{scan} + int{opaque};
  info.iter_kind = kinds > 1 ? LoopIterKind::Mixed
                   : reduce  ? LoopIterKind::Reduce
                   : scan    ? LoopIterKind::Scan
                   : opaque  ? LoopIterKind::Opaque
                             : LoopIterKind::Spatial;
  std::optional<detail::StmtPath> path = detail::find_loop(func, loop->loop_var);
  if (path && path->nodes.size() >= 2) {
    const auto* parent = path->nodes[path->nodes.size() - 2].as<ir::ForNode>();
    info.is_only_child = parent != nullptr && parent->body.get() == loop;
  }
  return info;
}

}  // namespace loom::sched
