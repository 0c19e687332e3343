// Analysis of blocks and loops (loom/sched/analysis.h).
#include "loom/sched/analysis.h"

#include "fmt/format.h"
#include "loom/arith/iter_map.h"
#include "loom/ir/builder.h"
#include "loom/ir/printer.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/visitor.h"
#include "tree.h"

namespace loom::sched {

namespace {

using detail::buffers_of;
using detail::BufferSet;
using detail::intersects;

bool uses_var(const ir::Expr& e, const ir::VarNode* v) {
  bool found = false;
  ir::post_order_visit(e, [&](const ir::Object* n) { found = found || n == v; });
  return found;
}

/// The block with its path in `func`.
struct Located {
  detail::StmtPath path;
  const ir::BlockRealizeNode* realize = nullptr;  // null for the root block
  const ir::BlockRealizeNode* scope = nullptr;    // null for the root block
};

Located locate(const ir::PrimFunc& func, const ir::BlockNode* block) {
  std::optional<detail::StmtPath> path = detail::find_block(func, block->name);
  LOOM_ICHECK(path.has_value() && path->target().get() == block,
              "block analysis: block " + block->name + " is not in function " + func->name);
  Located l;
  l.path = std::move(*path);
  l.scope = detail::scope_realize(l.path);
  if (l.scope) l.realize = l.path.nodes[l.path.nodes.size() - 2].as<ir::BlockRealizeNode>();
  return l;
}

/// Another block of the scope that writes a buffer `block` writes, or nullptr.
const ir::BlockNode* other_writer(const Located& l, const ir::BlockNode* block) {
  if (!l.scope) return nullptr;
  BufferSet writes = buffers_of(block->writes);
  for (const ir::BlockRealizeNode* r : detail::child_block_realizes(l.scope->block->body)) {
    if (r->block.get() != block && intersects(buffers_of(r->block->writes), writes)) return r->block.get();
  }
  return nullptr;
}

std::string why_not_complete(const Located& l, const ir::BlockNode* b) {
  if (!l.scope) return "it is the root block";
  for (const ir::IterVar& iv : b->iter_vars) {
    if (iv.type != ir::IterType::DataPar)
      return fmt::format("its iteration variable {} is not data parallel", iv.var.name());
  }
  if (const ir::BlockNode* other = other_writer(l, b))
    return fmt::format("block {} also writes a buffer it writes", other->name);
  if (intersects(buffers_of(b->reads), buffers_of(b->writes))) return "it reads a buffer it writes";
  return {};
}

std::string why_not_affine(const Located& l, const ir::BlockNode* b) {
  if (!l.realize || l.realize->iter_values.empty()) return {};
  std::vector<std::pair<ir::Var, ir::Range>> iters;
  for (const ir::ForNode* f : detail::loops_above(l.path)) {
    if (!ir::as_const_int(f->min) || !ir::as_const_int(f->extent))
      return fmt::format("loop {} above it has a range that is not constant", f->loop_var.name());
    iters.emplace_back(f->loop_var, ir::Range::from_min_extent(f->min, f->extent));
  }
  // Without the predicate first; then under it, as TVM's IsAffineBinding (a fused loop split
  // by a factor that does not divide it is affine under its `fused < extent` predicate).
  if (!arith::detect_iter_map(l.realize->iter_values, iters, ir::Expr(), arith::IterMapLevel::SurjectiveOverlapping)
           .ok() &&
      (!l.realize->predicate.defined() || ir::is_const_true(l.realize->predicate) ||
       !arith::detect_iter_map(l.realize->iter_values, iters, l.realize->predicate,
                               arith::IterMapLevel::SurjectiveOverlapping)
            .ok()))
    return "its bindings are not an affine map of the loops above it";
  return {};
}

std::string why_not_reduction(const Located& l, const ir::BlockNode* b) {
  if (!l.scope) return "it is the root block";
  if (!b->init.defined()) return "it has no init";
  if (std::string why = why_not_affine(l, b); !why.empty()) return why;
  for (const ir::IterVar& iv : b->iter_vars) {
    if (iv.type != ir::IterType::DataPar && iv.type != ir::IterType::CommReduce)
      return fmt::format("iteration variable {} is neither spatial nor a reduction", iv.var.name());
  }
  if (const ir::BlockNode* other = other_writer(l, b))
    return fmt::format("block {} also writes a buffer it writes", other->name);
  for (const ir::IterVar& iv : b->iter_vars) {
    if (iv.type != ir::IterType::CommReduce) continue;
    for (const ir::BufferRegion& w : b->writes) {
      for (const ir::Range& r : w.region) {
        if (uses_var(r.min, iv.var.get()) || uses_var(r.extent, iv.var.get()))
          return fmt::format("its write of {} depends on the reduction variable {}", w.buffer->name, iv.var.name());
      }
    }
    BufferSet writes = buffers_of(b->writes);
    std::string store_why;
    ir::post_order_visit(b->body, [&](const ir::Object* n) {
      if (!store_why.empty() || n->kind() != ir::NodeKind::BufferStore) return;
      const auto* store = static_cast<const ir::BufferStoreNode*>(n);
      if (!writes.count(store->buffer.get())) return;
      for (const ir::Expr& idx : store->indices) {
        if (uses_var(idx, iv.var.get()))
          store_why = fmt::format("its store to {} is indexed by the reduction variable {}", store->buffer->name,
                                  iv.var.name());
      }
    });
    if (!store_why.empty()) return store_why;
  }
  return {};
}

std::string why_not_trivial(const Located& l, const ir::BlockNode* b) {
  if (!l.realize) return {};
  std::vector<const ir::ForNode*> loops = detail::loops_above(l.path);
  if (loops.size() != l.realize->iter_values.size())
    return fmt::format("it has {} iteration variables under {} loops", l.realize->iter_values.size(), loops.size());
  for (size_t i = 0; i < loops.size(); ++i) {
    if (l.realize->iter_values[i].get() != loops[i]->loop_var.get())
      return fmt::format("its iteration variable {} is not bound to loop {}", b->iter_vars[i].var.name(),
                         loops[i]->loop_var.name());
  }
  return {};
}

const ir::IterVar* first_other_iter(const ir::BlockNode* b) {
  for (const ir::IterVar& iv : b->iter_vars) {
    if (iv.type != ir::IterType::DataPar && iv.type != ir::IterType::CommReduce) return &iv;
  }
  return nullptr;
}

}  // namespace

bool is_root_block(const ir::PrimFunc& func, const ir::BlockNode* block) { return !locate(func, block).scope; }

void check_not_root_block(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block) {
  if (is_root_block(func, block))
    throw RootBlockError(primitive,
                         "block {} is the root block of function {}; sch.{} needs a block "
                         "inside a scope",
                         block->name, func->name, primitive);
}

bool is_single_writer(const ir::PrimFunc& func, const ir::BlockNode* block) {
  Located l = locate(func, block);
  return other_writer(l, block) == nullptr;
}

void check_single_writer(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block) {
  Located l = locate(func, block);
  if (const ir::BlockNode* other = other_writer(l, block))
    throw NotSingleWriterError(primitive,
                               "block {} is not the only writer of its buffers: block {} also "
                               "writes one",
                               block->name, other->name);
}

bool is_complete_block(const ir::PrimFunc& func, const ir::BlockNode* block) {
  return why_not_complete(locate(func, block), block).empty();
}

void check_complete_block(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block) {
  std::string why = why_not_complete(locate(func, block), block);
  if (!why.empty()) throw NotCompleteBlockError(primitive, "block {} is not a complete block: {}", block->name, why);
}

bool is_reduction_block(const ir::PrimFunc& func, const ir::BlockNode* block) {
  return why_not_reduction(locate(func, block), block).empty();
}

void check_reduction_block(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block) {
  std::string why = why_not_reduction(locate(func, block), block);
  if (!why.empty()) throw NotReductionBlockError(primitive, "block {} is not a reduction block: {}", block->name, why);
}

void check_complete_or_reduction_block(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block) {
  Located l = locate(func, block);
  std::string complete = why_not_complete(l, block);
  if (complete.empty()) return;
  std::string reduction = why_not_reduction(l, block);
  if (reduction.empty()) return;
  throw NotCompleteOrReductionBlockError(primitive,
                                         "block {} is neither a complete block ({}) nor a reduction block ({})",
                                         block->name, complete, reduction);
}

bool is_output_block(const ir::PrimFunc& func, const ir::BlockNode* block) {
  for (const ir::BufferRegion& w : block->writes) {
    for (const ir::Buffer& param : func->param_buffers()) {
      if (param.get() == w.buffer.get()) return true;
    }
  }
  return false;
}

void check_not_output_block(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block) {
  for (const ir::BufferRegion& w : block->writes) {
    for (const ir::Buffer& param : func->param_buffers()) {
      if (param.get() == w.buffer.get())
        throw OutputBlockError(primitive,
                               "block {} is an output block: it writes the parameter buffer {} "
                               "of {}",
                               block->name, param->name, func->name);
    }
  }
}

bool is_trivial_binding(const ir::PrimFunc& func, const ir::BlockNode* block) {
  return why_not_trivial(locate(func, block), block).empty();
}

void check_trivial_binding(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block) {
  std::string why = why_not_trivial(locate(func, block), block);
  if (!why.empty())
    throw NonTrivialBindingError(primitive, "the bindings of block {} are not trivial: {}", block->name, why);
}

bool is_affine_binding(const ir::PrimFunc& func, const ir::BlockNode* block) {
  return why_not_affine(locate(func, block), block).empty();
}

void check_affine_binding(const char* primitive, const ir::PrimFunc& func, const ir::BlockNode* block) {
  std::string why = why_not_affine(locate(func, block), block);
  if (!why.empty())
    throw NotAffineBindingError(primitive, "block {} does not have an affine binding: {}", block->name, why);
}

bool has_spatial_or_reduction_iters(const ir::BlockNode* block) { return first_other_iter(block) == nullptr; }

void check_spatial_or_reduction_iters(const char* primitive, const ir::BlockNode* block) {
  if (const ir::IterVar* iv = first_other_iter(block))
    throw WrongBlockIterTypeError(primitive,
                                  "block {} has the {} iterator {}; sch.{} handles only "
                                  "spatial and reduction iterators",
                                  block->name, ir::iter_type_name(iv->type), iv->var.name(), primitive);
}

namespace {

/// The first block directly under `loop` that is neither complete nor a reduction block, with
/// both reasons, or {nullptr, ""}.
std::pair<const ir::BlockNode*, std::string> not_compact(const ir::PrimFunc& func, const ir::ForNode* loop) {
  for (const ir::BlockRealizeNode* r : detail::child_block_realizes(ir::Stmt(ir::Ref<ir::StmtNode>(loop)))) {
    const ir::BlockNode* b = r->block.get();
    Located l = locate(func, b);
    std::string complete = why_not_complete(l, b);
    if (complete.empty()) continue;
    std::string reduction = why_not_reduction(l, b);
    if (reduction.empty()) continue;
    return {b, fmt::format("it is neither a complete block ({}) nor a reduction block ({})", complete, reduction)};
  }
  return {nullptr, {}};
}

}  // namespace

bool is_compact_data_flow(const ir::PrimFunc& func, const ir::ForNode* loop) {
  return not_compact(func, loop).first == nullptr;
}

void check_compact_data_flow(const char* primitive, const ir::PrimFunc& func, const ir::ForNode* loop) {
  auto [block, why] = not_compact(func, loop);
  if (block)
    throw NotCompactDataFlowError(primitive,
                                  "the loop nest under loop {} has no compact data flow: block "
                                  "{} is under it and {}",
                                  loop->loop_var.name(), block->name, why);
}

BlockInfo analyze_block(const ir::PrimFunc& func, const ir::BlockNode* block) {
  BlockInfo info;
  info.n_iter_vars = static_cast<int>(block->iter_vars.size());
  info.n_reads = static_cast<int>(block->reads.size());
  info.n_writes = static_cast<int>(block->writes.size());
  info.is_root = is_root_block(func, block);
  info.has_init = block->init.defined();
  info.is_spatial = true;
  for (const ir::IterVar& iv : block->iter_vars) info.is_spatial = info.is_spatial && iv.type == ir::IterType::DataPar;
  info.is_reduction = is_reduction_block(func, block);
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
  info.is_output = is_output_block(func, block);
  if (!info.is_root) {
    info.has_trivial_binding = is_trivial_binding(func, block);
    info.can_compute_inline = can_compute_inline(func, block);
    info.can_reverse_compute_inline = can_reverse_compute_inline(func, block);
    info.n_producers = static_cast<int>(producer_blocks(func, block).size());
    info.n_consumers = static_cast<int>(consumer_blocks(func, block).size());
  }
  return info;
}

BlockInfo analyze_block(const Schedule& sch, const BlockRV& rv) {
  ir::Block block = sch.get(rv);
  return analyze_block(sch.mod().at(sch.func_of(rv)), block.get());
}

LoopInfo analyze_loop(const Schedule& sch, const LoopRV& rv) {
  return analyze_loop(sch.mod().at(sch.func_of(rv)), sch.get(rv));
}

LoopInfo analyze_loop(const ir::PrimFunc& func, const ir::ForNode* loop) {
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

// ----- Region cover ----------------------------------------------------------------------------

bool is_read_region_covered(const ir::BlockNode* consumer, const arith::VarIntervalMap& domains,
                            const ProvidedRegions& provided, arith::Analyzer* analyzer, const ir::BufferNode** buffer,
                            int* dim) {
  for (const ir::BufferRegion& br : consumer->reads) {
    auto it = provided.find(br.buffer.get());
    if (it == provided.end()) continue;
    for (size_t d = 0; d < br.region.size(); ++d) {
      const ir::Range& r = br.region[d];
      arith::Interval lo = arith::eval_interval(r.min, domains, analyzer);
      arith::Interval hi = arith::eval_interval(analyzer->simplify(r.min + r.extent - 1), domains, analyzer);
      const arith::Interval& want = it->second[d];
      bool ok = lo.has_lower_bound() && hi.has_upper_bound() && want.is_bounded() &&
                analyzer->can_prove(lo.min >= want.min) && analyzer->can_prove(hi.max <= want.max);
      if (!ok) {
        if (buffer) *buffer = br.buffer.get();
        if (dim) *dim = static_cast<int>(d);
        return false;
      }
    }
  }
  return true;
}

void check_read_region_covered(const char* primitive, const ir::BlockNode* consumer,
                               const arith::VarIntervalMap& domains, const ProvidedRegions& provided,
                               const ir::Var& loop, arith::Analyzer* analyzer) {
  const ir::BufferNode* buffer = nullptr;
  int dim = 0;
  if (is_read_region_covered(consumer, domains, provided, analyzer, &buffer, &dim)) return;
  throw RegionCoverError(primitive,
                         "cannot prove that block {} reads only the part of buffer {} (dimension {}) that its "
                         "producers write in one iteration of loop {}",
                         consumer->name, buffer->name, dim, loop.name());
}

bool is_iteration_domain_covered(const ir::BlockNode* block, const std::vector<arith::Interval>& ranges,
                                 const arith::VarIntervalMap& loops, arith::Analyzer* analyzer, int* var) {
  for (size_t i = 0; i < ranges.size() && i < block->iter_vars.size(); ++i) {
    const ir::IterVar& iv = block->iter_vars[i];
    arith::Interval lo = arith::eval_interval(ranges[i].min, loops, analyzer);
    arith::Interval hi = arith::eval_interval(ranges[i].max, loops, analyzer);
    ir::Expr dmax = analyzer->simplify(iv.dom.min + iv.dom.extent - 1);
    bool covered = lo.has_lower_bound() && hi.has_upper_bound() && analyzer->can_prove(lo.min <= iv.dom.min) &&
                   analyzer->can_prove(hi.max >= dmax);
    if (!covered) {
      if (var) *var = static_cast<int>(i);
      return false;
    }
  }
  return true;
}

void check_iteration_domain_covered(const char* primitive, const ir::BlockNode* block,
                                    const std::vector<arith::Interval>& ranges, const arith::VarIntervalMap& loops,
                                    const ir::Var& loop, arith::Analyzer* analyzer) {
  int var = 0;
  if (is_iteration_domain_covered(block, ranges, loops, analyzer, &var)) return;
  const ir::IterVar& iv = block->iter_vars[static_cast<size_t>(var)];
  throw RegionCoverError(primitive,
                         "block {} would no longer compute all of its iteration variable {} (domain [{}, {}]): "
                         "its producers under loop {} provide only part of it",
                         block->name, iv.var.name(), ir::to_string(iv.dom.min),
                         ir::to_string(analyzer->simplify(iv.dom.min + iv.dom.extent - 1)), loop.name());
}

}  // namespace loom::sched
