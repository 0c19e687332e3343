// The pad_einsum primitive (TVM's PadEinsum): pads the iteration domain of an einsum-like
// block up to multiples of given factors, through zero-padded copies of its inputs and a
// padded output copied back.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "families.h"
#include "fmt/format.h"
#include "loom/ir/builder.h"
#include "loom/ir/printer.h"
#include "loom/ir/visitor.h"
#include "loom/sched/analysis.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(PaddingLengthError, "PaddingLengthMismatch");
LOOM_SCHEDULE_ERROR(NonPositivePaddingError, "NonPositivePadding");
LOOM_SCHEDULE_ERROR(NotEinsumError, "NotEinsum");
LOOM_SCHEDULE_ERROR(EinsumLoopNestError, "NotEinsumLoopNest");
LOOM_SCHEDULE_ERROR(PaddedReductionError, "UnsafePaddedReduction");

const char* kPrimitive = "pad_einsum";

/// The accesses of a block body: per buffer, the iteration variable indexing each dimension.
struct Access {
  ir::Buffer buffer;
  std::vector<const ir::VarNode*> dims;
};

/// Collects the loads and stores of an einsum body, checking that every index is one of the
/// block's iteration variables and that a buffer is always indexed the same way.
class EinsumAccesses : public ir::IRVisitor {
 public:
  EinsumAccesses(const ir::BlockNode* block, std::map<const ir::VarNode*, size_t> iters)
      : block_(block), iters_(std::move(iters)) {}
  std::vector<Access> accesses;  // in order of first access
  std::string error;

 protected:
  void visit(const ir::BufferLoadNode* op) override {
    note(op->buffer, op->indices);
    ir::IRVisitor::visit(op);
  }
  void visit(const ir::BufferStoreNode* op) override {
    note(op->buffer, op->indices);
    ir::IRVisitor::visit(op);
  }

 private:
  void note(const ir::Buffer& buffer, const std::vector<ir::Expr>& indices) {
    if (!error.empty()) return;
    std::vector<const ir::VarNode*> dims;
    for (const ir::Expr& e : indices) {
      const auto* v = e.as<ir::VarNode>();
      if (!v || !iters_.count(v)) {
        error = fmt::format("block {} indexes buffer {} with {}, not with one of its iteration variables", block_->name,
                            buffer->name, ir::to_string(e));
        return;
      }
      dims.push_back(v);
    }
    for (const Access& a : accesses) {
      if (!a.buffer.same_as(buffer)) continue;
      if (a.dims != dims)
        error = fmt::format("block {} indexes buffer {} in two different ways", block_->name, buffer->name);
      return;
    }
    accesses.push_back({buffer, dims});
  }

  const ir::BlockNode* block_;
  std::map<const ir::VarNode*, size_t> iters_;
};

/// The multiplicative factors of an expression (through Mul and Cast).
void factors(const ir::Expr& e, std::vector<ir::Expr>* out) {
  if (const auto* m = e.as<ir::MulNode>()) {
    factors(m->a, out);
    factors(m->b, out);
  } else if (const auto* c = e.as<ir::CastNode>()) {
    factors(c->value, out);
  } else {
    out->push_back(e);
  }
}

/// A loop nest over `extents` (new loop variables ax0, ax1, ...) around a block `name` with
/// spatial iteration variables v0, v1, ... bound to them; `body` builds the block from them.
ir::Stmt copy_nest(
    const std::string& name, const std::vector<int64_t>& extents, ir::DataType t,
    const std::function<ir::Block(const std::string&, std::vector<ir::IterVar>, const std::vector<ir::Expr>&)>& body) {
  std::vector<ir::IterVar> iters;
  std::vector<ir::Expr> vs, values;
  std::vector<ir::Var> loops;
  for (size_t d = 0; d < extents.size(); ++d) {
    ir::Var v("v" + std::to_string(d), t), ax("ax" + std::to_string(d), t);
    iters.push_back(
        {v, ir::Range{ir::make_const(t, int64_t{0}), ir::make_const(t, extents[d])}, ir::IterType::DataPar});
    vs.push_back(v);
    values.push_back(ax);
    loops.push_back(ax);
  }
  ir::Stmt s = ir::BlockRealizeNode::make(values, ir::make_bool(true), body(name, iters, vs));
  for (size_t d = extents.size(); d-- > 0;)
    s = ir::ForNode::make(loops[d], ir::make_const(t, int64_t{0}), ir::make_const(t, extents[d]), ir::ForKind::Serial,
                          s);
  return s;
}

std::vector<ir::Range> points(const std::vector<ir::Expr>& vs) {
  std::vector<ir::Range> out;
  for (const ir::Expr& v : vs) out.push_back(ir::Range{v, ir::make_const(v.dtype(), int64_t{1})});
  return out;
}

}  // namespace

void Schedule::pad_einsum(const BlockRV& block_rv, const std::vector<int64_t>& padding) {
  const char* p = kPrimitive;
  ir::Block block = get(block_rv);
  const std::string func_name = func_of(block_rv);
  const ir::PrimFunc func = mod().at(func_name);
  const ir::BlockNode* b = block.get();
  detail::StmtPath path = *detail::find_block(func, b->name);
  const ir::BlockRealizeNode* scope = detail::scope_realize(path);
  check_not_root_block(p, func, b);
  const auto* realize = path.nodes[path.nodes.size() - 2].as<ir::BlockRealizeNode>();

  // 1. The padding: one positive factor per iteration variable.
  if (padding.size() != b->iter_vars.size())
    throw PaddingLengthError(p, "block {} has {} iteration variables but padding has {} entries", b->name,
                             b->iter_vars.size(), padding.size());
  for (size_t i = 0; i < padding.size(); ++i) {
    if (padding[i] <= 0)
      throw NonPositivePaddingError(p,
                                    "padding[{}] = {} for iteration variable {} of block {} is not "
                                    "positive",
                                    i, padding[i], b->iter_vars[i].var->name, b->name);
  }

  // 2. Trivial bindings (the loops from the scope down are the iteration variables in order),
  //    each loop over [0, extent) with a constant extent, each the only child of the previous.
  check_trivial_binding(p, func, b);
  std::vector<const ir::ForNode*> loops = detail::loops_above(path);
  bool trivial =
      loops.size() == b->iter_vars.size() && (!realize->predicate.defined() || ir::is_const_true(realize->predicate));
  std::vector<int64_t> extents, padded;
  for (size_t i = 0; trivial && i < loops.size(); ++i) {
    const ir::IterVar& iv = b->iter_vars[i];
    auto extent = ir::as_const_int(iv.dom.extent);
    auto loop_extent = ir::as_const_int(loops[i]->extent);
    const ir::Stmt& child = i + 1 < loops.size() ? ir::Stmt(loops[i + 1]) : ir::Stmt(realize);
    trivial = realize->iter_values[i].same_as(loops[i]->loop_var) && ir::is_zero(iv.dom.min) &&
              ir::is_zero(loops[i]->min) && extent && loop_extent && *extent == *loop_extent &&
              loops[i]->body.get() == child.get();
    if (trivial) {
      extents.push_back(*extent);
      padded.push_back((*extent + padding[i] - 1) / padding[i] * padding[i]);
    }
  }
  if (!trivial)
    throw EinsumLoopNestError(p,
                              "block {} is not alone under one loop per iteration variable, each "
                              "bound to it over [0, constant extent) without predicate",
                              b->name);

  // 3. The einsum pattern: one store of the block's only output, every index an iteration
  //    variable; an output it reads needs an init.
  const auto* store = b->body.as<ir::BufferStoreNode>();
  if (!store || b->writes.size() != 1 || !store->buffer.same_as(b->writes[0].buffer))
    throw NotEinsumError(p, "block {} is not einsum-like: its body must be one store of its only output", b->name);
  const ir::Buffer output = store->buffer;
  std::map<const ir::VarNode*, size_t> iters;
  for (size_t i = 0; i < b->iter_vars.size(); ++i) iters[b->iter_vars[i].var.get()] = i;
  EinsumAccesses collector(b, iters);
  collector.visit_stmt(b->body);
  if (b->init.defined()) collector.visit_stmt(b->init);
  if (!collector.error.empty()) throw NotEinsumError(p, collector.error + ", it is not einsum-like");
  bool reads_output = false;
  ir::post_order_visit(store->value, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::BufferLoad)
      reads_output = reads_output || static_cast<const ir::BufferLoadNode*>(n)->buffer.same_as(output);
  });
  if (reads_output && !b->init.defined())
    throw NotEinsumError(p, "block {} reads its output {} without an init", b->name, output->name);
  if (b->init.defined() && !b->init.is<ir::BufferStoreNode>())
    throw NotEinsumError(p, "block {}'s init is not one store of its output", b->name);

  // Every access stays inside its buffer over the whole domain (a guarded access, as in a
  // block that pad_einsum itself made, would make the unguarded copies read out of bounds).
  for (const Access& a : collector.accesses) {
    for (size_t d = 0; d < a.dims.size(); ++d) {
      auto dim = ir::as_const_int(a.buffer->shape[d]);
      int64_t extent = extents[iters.at(a.dims[d])];
      if (!dim || *dim < extent)
        throw NotEinsumError(p,
                             "block {} indexes dimension {} of buffer {} (extent {}) with {}, which "
                             "ranges over {} values: the access is not always inside the buffer",
                             b->name, d, a.buffer->name, ir::to_string(a.buffer->shape[d]), a.dims[d]->name, extent);
    }
  }

  // 4. A padded reduction adds terms computed from zero-padded inputs: safe only for an
  //    update out = out + product where, for each padded reduction variable, a factor of the
  //    product loads an input indexed by it (so the extra terms are zero).
  auto dims_of = [&](const ir::Buffer& buf) -> const std::vector<const ir::VarNode*>& {
    for (const Access& a : collector.accesses) {
      if (a.buffer.same_as(buf)) return a.dims;
    }
    LOOM_ICHECK(false, "an accessed buffer without a record");
    return collector.accesses[0].dims;
  };
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    if (b->iter_vars[i].type == ir::IterType::DataPar || padded[i] == extents[i]) continue;
    const ir::VarNode* r = b->iter_vars[i].var.get();
    bool safe = false;
    const auto* add = store->value.as<ir::AddNode>();
    if (add) {
      for (const auto& [acc, rest] : {std::pair{add->a, add->b}, std::pair{add->b, add->a}}) {
        const auto* load = acc.as<ir::BufferLoadNode>();
        if (!load || !load->buffer.same_as(output)) continue;
        std::vector<ir::Expr> fs;
        factors(rest, &fs);
        for (const ir::Expr& f : fs) {
          const auto* in = f.as<ir::BufferLoadNode>();
          if (!in || in->buffer.same_as(output)) continue;
          const auto& dims = dims_of(in->buffer);
          safe = safe || std::find(dims.begin(), dims.end(), r) != dims.end();
        }
      }
    }
    if (!safe)
      throw PaddedReductionError(p,
                                 "block {}: padding reduction variable {} from {} to {} is only "
                                 "supported for an update {}[...] = {}[...] + a product with a factor "
                                 "loaded at {}",
                                 b->name, r->name, extents[i], padded[i], output->name, output->name, r->name);
  }

  // 5. Padded copies of the inputs with a padded dimension, and a padded output.
  auto needs_pad = [&](const std::vector<const ir::VarNode*>& dims) {
    return std::any_of(dims.begin(), dims.end(), [&](const ir::VarNode* v) {
      size_t i = iters.at(v);
      return padded[i] != extents[i];
    });
  };
  const ir::DataType t = b->iter_vars[0].var.dtype();
  std::vector<ir::Stmt> before_nest, after_nest;
  std::vector<ir::Buffer> new_buffers;
  std::vector<std::pair<ir::Buffer, ir::Buffer>> replaced;
  std::set<std::string> taken;
  auto unique = [&](const std::string& base) {
    std::string name = detail::unique_block_name(func, base);
    for (int k = 1; taken.count(name); ++k) name = detail::unique_block_name(func, base + "_" + std::to_string(k));
    taken.insert(name);
    return name;
  };
  for (const Access& a : collector.accesses) {
    if (!needs_pad(a.dims)) continue;
    std::vector<int64_t> orig, shape;
    for (const ir::VarNode* v : a.dims) {
      orig.push_back(extents[iters.at(v)]);
      shape.push_back(padded[iters.at(v)]);
    }
    std::vector<ir::Expr> shape_exprs;
    for (int64_t s : shape) shape_exprs.push_back(ir::make_const(t, s));
    const std::string name = unique(a.buffer->name + "_pad");
    ir::Buffer pad = ir::Buffer::make(name, a.buffer->dtype, shape_exprs, {}, {}, a.buffer->scope);
    new_buffers.push_back(pad);
    replaced.emplace_back(a.buffer, pad);
    const ir::Buffer src = a.buffer;
    if (src.same_as(output)) {
      after_nest.push_back(copy_nest(
          name, orig, t, [&](const std::string& n, std::vector<ir::IterVar> ivs, const std::vector<ir::Expr>& vs) {
            return ir::Block::make(n, std::move(ivs), {ir::BufferRegion{pad, points(vs)}},
                                   {ir::BufferRegion{src, points(vs)}},
                                   ir::BufferStoreNode::make(src, ir::BufferLoadNode::make(pad, vs), vs));
          }));
    } else {
      before_nest.push_back(copy_nest(
          name, shape, t, [&](const std::string& n, std::vector<ir::IterVar> ivs, const std::vector<ir::Expr>& vs) {
            ir::Expr inside;
            for (size_t d = 0; d < vs.size(); ++d) {
              if (orig[d] == shape[d]) continue;
              ir::Expr c = vs[d] < ir::make_const(t, orig[d]);
              inside = inside.defined() ? ir::logical_and(inside, c) : c;
            }
            ir::Expr zero =
                src->dtype.is_float() ? ir::make_const(src->dtype, 0.0) : ir::make_const(src->dtype, int64_t{0});
            ir::Expr value = ir::if_then_else(inside, ir::BufferLoadNode::make(src, vs), zero);
            return ir::Block::make(n, std::move(ivs), {ir::BufferRegion{src, points(vs)}},
                                   {ir::BufferRegion{pad, points(vs)}}, ir::BufferStoreNode::make(pad, value, vs));
          }));
    }
  }

  // 6. The einsum over the padded domain (loop variables kept, so loop RVs stay valid),
  //    reading and writing the padded buffers.
  std::vector<ir::IterVar> new_iters = b->iter_vars;
  for (size_t i = 0; i < new_iters.size(); ++i)
    new_iters[i].dom = ir::Range{new_iters[i].dom.min, ir::make_const(t, padded[i])};
  ir::Stmt nest = ir::Block::make(b->name, new_iters, b->reads, b->writes, b->body, b->init, b->alloc_buffers,
                                  b->match_buffers, b->annotations);
  for (const auto& [from, to] : replaced) nest = detail::replace_buffer(nest, from, to, false);
  nest = ir::BlockRealizeNode::make(realize->iter_values, realize->predicate, ir::Block(nest.as<ir::BlockNode>()));
  for (size_t i = loops.size(); i-- > 0;) {
    const ir::ForNode* l = loops[i];
    nest = ir::ForNode::make(l->loop_var, l->min, ir::make_const(t, padded[i]), l->for_kind, nest, l->thread_tag,
                             l->annotations);
  }

  // 7. The scope: copies before the nest, the copy-back after, the new buffers allocated.
  const ir::BlockNode* scope_block = scope->block.get();
  std::vector<ir::Stmt> seq;
  if (const auto* s = scope_block->body.as<ir::SeqStmtNode>()) {
    seq = s->seq;
  } else {
    seq.push_back(scope_block->body);
  }
  auto top = std::find_if(seq.begin(), seq.end(), [&](const ir::Stmt& s) { return s.get() == loops[0]; });
  if (top == seq.end())
    throw EinsumLoopNestError(p, "the loops of block {} are not directly in the body of block {}", b->name,
                              scope_block->name);
  std::vector<ir::Stmt> new_seq(seq.begin(), top);
  new_seq.insert(new_seq.end(), before_nest.begin(), before_nest.end());
  new_seq.push_back(nest);
  new_seq.insert(new_seq.end(), after_nest.begin(), after_nest.end());
  new_seq.insert(new_seq.end(), top + 1, seq.end());
  std::vector<ir::Buffer> allocs = scope_block->alloc_buffers;
  allocs.insert(allocs.end(), new_buffers.begin(), new_buffers.end());
  ir::Block new_scope =
      ir::Block::make(scope_block->name, scope_block->iter_vars, scope_block->reads, scope_block->writes,
                      ir::SeqStmtNode::make(std::move(new_seq)), scope_block->init, allocs, scope_block->match_buffers,
                      scope_block->annotations);
  update_func(func_name, detail::replace_in_func(func, scope_block, new_scope), p);
  record("PadEinsum", {block_rv}, {detail::int_list(padding)}, {});
}

namespace detail {

void register_pad_einsum_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add(InstructionKind{
      "PadEinsum",
      "pad_einsum",
      {{"block", Role::Input, std::nullopt, ParamKind::Block}, {"padding", Role::Attr, std::nullopt}},
      /*pure=*/false,
      /*sampling=*/false,
      /*list_output=*/false,
      [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
        sch.pad_einsum(as_block(inputs.at(0), "block"), as_int_list(attrs.at(0), "padding"));
        return std::vector<Value>{};
      },
      {},
      {}});
}

}  // namespace detail
}  // namespace loom::sched
