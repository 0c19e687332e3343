// Inference of a block's read and write regions from its body (TVM's
// GetBlockReadWriteRegion): collect accesses, relax inner loops, union per buffer.
#include "loom/arith/region.h"

#include <algorithm>

#include "loom/arith/analyzer.h"
#include "loom/arith/interval.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/ir/visitor.h"

namespace loom::arith {

namespace {

using namespace loom::ir;

/// The accesses to one buffer, unioned dimension by dimension.
struct BufferAccess {
  Buffer buffer;
  std::vector<Interval> hull;
};

class AccessCollector : public IRVisitor {
 public:
  explicit AccessCollector(const BlockNode& block) {
    for (const IterVar& iv : block.iter_vars) analyzer_.bind(iv.var, iv.dom);
    for (const Buffer& b : block.alloc_buffers) excluded_.push_back(b);
    for (const MatchBufferRegion& m : block.match_buffers) matched_.push_back(m);
  }

  void run(const BlockNode& block) {
    // Match-buffer sources are read and written through their views; the views' own
    // accesses are mapped back to the source regions below.
    if (block.init.defined()) visit_stmt(block.init);
    visit_stmt(block.body);
  }

  AccessRegions result() {
    AccessRegions out;
    for (const BufferAccess& a : reads_) out.reads.push_back(to_region(a));
    for (const BufferAccess& a : writes_) out.writes.push_back(to_region(a));
    return out;
  }

 protected:
  void visit(const BufferLoadNode* op) override {
    record(&reads_, op->buffer, op->indices);
    IRVisitor::visit(op);
  }

  void visit(const BufferStoreNode* op) override {
    record(&writes_, op->buffer, op->indices);
    IRVisitor::visit(op);
  }

  void visit(const ForNode* op) override {
    visit_expr(op->min);
    visit_expr(op->extent);
    // The loop variable ranges over [min, min + extent), itself relaxed over outer loops.
    Interval lo = eval_interval(op->min, relaxed_, &analyzer_);
    Interval hi =
        eval_interval(op->min + op->extent - make_const(op->extent.dtype(), int64_t{1}), relaxed_, &analyzer_);
    relaxed_[op->loop_var] = Interval{lo.min, hi.max};
    if (lo.min.defined() && hi.max.defined() && !mentions_relaxed(op->min) && !mentions_relaxed(op->extent))
      analyzer_.bind(op->loop_var, Range::from_min_extent(op->min, op->extent));
    visit_stmt(op->body);
    relaxed_.erase(op->loop_var);
    analyzer_.unbind(op->loop_var);
  }

  void visit(const LetStmtNode* op) override {
    visit_expr(op->value);
    relaxed_[op->var] = eval_interval(op->value, relaxed_, &analyzer_);
    visit_stmt(op->body);
    relaxed_.erase(op->var);
  }

  void visit(const BlockRealizeNode* op) override {
    for (const Expr& v : op->iter_values) visit_expr(v);
    visit_expr(op->predicate);
    const BlockNode& inner = *op->block.get();
    // The inner block's regions, in terms of its iteration variables, with the bindings
    // substituted: then relaxed like any access.
    AccessRegions inner_regions;
    if (inner.reads.empty() && inner.writes.empty()) {
      inner_regions = infer_block_access_regions(inner);
    } else {
      inner_regions.reads = inner.reads;
      inner_regions.writes = inner.writes;
    }
    std::unordered_map<Var, Expr, RefHash, RefEqual> binding;
    for (size_t i = 0; i < inner.iter_vars.size() && i < op->iter_values.size(); ++i)
      binding[inner.iter_vars[i].var] = op->iter_values[i];
    auto lift = [&](std::vector<BufferAccess>* into, const BufferRegion& region) {
      std::vector<Interval> hull;
      for (const Range& r : region.region) {
        Expr lo = substitute(r.min, binding);
        Expr hi = substitute(r.min + r.extent - make_const(r.extent.dtype(), int64_t{1}), binding);
        hull.push_back(
            Interval{eval_interval(lo, relaxed_, &analyzer_).min, eval_interval(hi, relaxed_, &analyzer_).max});
      }
      merge(into, region.buffer, std::move(hull));
    };
    for (const BufferRegion& r : inner_regions.reads) lift(&reads_, r);
    for (const BufferRegion& r : inner_regions.writes) lift(&writes_, r);
  }

 private:
  bool mentions_relaxed(const Expr& e) const {
    bool found = false;
    post_order_visit(e, [&](const Object* node) {
      if (node->kind() == NodeKind::Var && relaxed_.count(Var(static_cast<const VarNode*>(node)))) found = true;
    });
    return found;
  }

  void record(std::vector<BufferAccess>* into, const Buffer& buffer, const std::vector<Expr>& indices) {
    for (const MatchBufferRegion& m : matched_) {
      if (m.buffer.same_as(buffer)) {
        // An access through a matched view touches (at most) the view's source region.
        std::vector<Interval> hull;
        for (const Range& r : m.source.region) hull.push_back(Interval::from_range(r, &analyzer_));
        merge(into, m.source.buffer, std::move(hull));
        return;
      }
    }
    std::vector<Interval> hull;
    hull.reserve(indices.size());
    for (const Expr& index : indices) {
      if (const auto* ramp = index.as<RampNode>()) {
        // A vector index touches base .. base + (lanes - 1) * stride.
        Expr last = ramp->base + ramp->stride * make_const(ramp->stride.dtype(), int64_t{ramp->lanes - 1});
        hull.push_back(interval_union(eval_interval(ramp->base, relaxed_, &analyzer_),
                                      eval_interval(last, relaxed_, &analyzer_), &analyzer_));
      } else {
        hull.push_back(eval_interval(index, relaxed_, &analyzer_));
      }
    }
    merge(into, buffer, std::move(hull));
  }

  void merge(std::vector<BufferAccess>* into, const Buffer& buffer, std::vector<Interval> hull) {
    if (std::any_of(excluded_.begin(), excluded_.end(), [&](const Buffer& b) { return b.same_as(buffer); })) return;
    for (BufferAccess& a : *into) {
      if (!a.buffer.same_as(buffer)) continue;
      for (size_t d = 0; d < a.hull.size() && d < hull.size(); ++d)
        a.hull[d] = interval_union(a.hull[d], hull[d], &analyzer_);
      return;
    }
    into->push_back(BufferAccess{buffer, std::move(hull)});
  }

  BufferRegion to_region(const BufferAccess& access) {
    BufferRegion region{access.buffer, {}};
    for (size_t d = 0; d < access.hull.size(); ++d) {
      const Interval& iv = access.hull[d];
      DataType t = iv.min.defined() ? iv.min.dtype() : (iv.max.defined() ? iv.max.dtype() : DataType::Int(32));
      Expr dim = d < access.buffer->shape.size() ? access.buffer->shape[d] : Expr();
      if (iv.is_bounded() || !dim.defined()) {
        region.region.push_back(interval_to_range(iv, nullptr, &analyzer_));
      } else {
        Range whole = Range::from_min_extent(make_const(t, int64_t{0}), cast(t, dim));
        region.region.push_back(interval_to_range(iv, &whole, &analyzer_));
      }
    }
    return region;
  }

  Analyzer analyzer_;
  VarIntervalMap relaxed_;
  std::vector<Buffer> excluded_;
  std::vector<MatchBufferRegion> matched_;
  std::vector<BufferAccess> reads_;
  std::vector<BufferAccess> writes_;
};

}  // namespace

AccessRegions infer_block_access_regions(const BlockNode& block) {
  AccessCollector collector(block);
  collector.run(block);
  return collector.result();
}

}  // namespace loom::arith
