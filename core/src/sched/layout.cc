// The transform_layout primitive (TVM's TransformLayout): gives a buffer a new shape through
// an index map and rewrites every access to it, in the function that owns it.
#include <algorithm>
#include <unordered_map>

#include "families.h"
#include "fmt/format.h"
#include "loom/arith/analyzer.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/ir/printer.h"
#include "loom/ir/visitor.h"
#include "loom/sched/index_map.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(LayoutBufferNotFoundError, "BufferNotFound");
LOOM_SCHEDULE_ERROR(InvalidIndexMapError, "InvalidIndexMap");
LOOM_SCHEDULE_ERROR(IndexMapArityError, "IndexMapArity");
LOOM_SCHEDULE_ERROR(BufferNotOwnedError, "BufferNotOwned");
LOOM_SCHEDULE_ERROR(UnsupportedAccessError, "UnsupportedAccess");
LOOM_SCHEDULE_ERROR(NotBijectiveError, "TransformationNotBijective");
LOOM_SCHEDULE_ERROR(TransformationPaddingError, "TransformationPadding");

const char* kPrimitive = "transform_layout";

std::string shape_text(const std::vector<ir::Expr>& shape) {
  std::vector<std::string> parts;
  for (const ir::Expr& e : shape) parts.push_back(ir::to_string(e));
  return "(" + fmt::format("{}", fmt::join(parts, ", ")) + (parts.size() == 1 ? ",)" : ")");
}

/// Finds what rules out rewriting the accesses of a buffer: a vector (Ramp) index, or a
/// match_buffer view of it. Returns the reason, or "" when every access can be mapped.
std::string unsupported_access(const ir::Stmt& body, const ir::Buffer& buffer) {
  std::string why;
  auto check_indices = [&](const std::vector<ir::Expr>& indices) {
    for (const ir::Expr& e : indices) {
      if (why.empty() && e.dtype().lanes() != 1)
        why = fmt::format("buffer {} is accessed with the vector index {}", buffer->name, ir::to_string(e));
    }
  };
  ir::post_order_visit(body, [&](const ir::Object* n) {
    if (n->kind() == ir::NodeKind::BufferLoad) {
      const auto* op = static_cast<const ir::BufferLoadNode*>(n);
      if (op->buffer.same_as(buffer)) check_indices(op->indices);
    } else if (n->kind() == ir::NodeKind::BufferStore) {
      const auto* op = static_cast<const ir::BufferStoreNode*>(n);
      if (op->buffer.same_as(buffer)) check_indices(op->indices);
    } else if (n->kind() == ir::NodeKind::Block) {
      const auto* op = static_cast<const ir::BlockNode*>(n);
      for (const ir::MatchBufferRegion& m : op->match_buffers) {
        if (why.empty() && m.source.buffer.same_as(buffer))
          why = fmt::format("block {} views buffer {} through match_buffer {}", op->name, buffer->name, m.buffer->name);
      }
    }
  });
  return why;
}

/// Replaces buffer `from` by `to` everywhere, mapping every index tuple and region through
/// the index map (simplified under the ranges of the enclosing loops and block variables).
class LayoutRewriter : public ir::IRMutator {
 public:
  /// `fill` (may be null) runs first in the body of the block that allocates the buffer.
  LayoutRewriter(ir::Buffer from, ir::Buffer to, IndexMap map, ir::Stmt fill)
      : from_(std::move(from)), to_(std::move(to)), map_(std::move(map)), fill_(std::move(fill)) {}
  using ir::IRMutator::mutate;

  ir::BufferRegion mutate_region(const ir::BufferRegion& region) override {
    if (!region.buffer.same_as(from_)) return ir::IRMutator::mutate_region(region);
    return ir::BufferRegion{to_, map_.map_ranges(region.region, &analyzer_, to_->shape)};
  }

 protected:
  ir::Stmt visit(const ir::ForNode* op) override {
    analyzer_.bind(op->loop_var, ir::Range{op->min, op->extent});
    return ir::IRMutator::visit(op);
  }
  ir::Stmt visit(const ir::BlockNode* op) override {
    for (const ir::IterVar& iv : op->iter_vars) analyzer_.bind(iv.var, iv.dom);
    ir::Stmt s = ir::IRMutator::visit(op);
    const auto* b = s.as<ir::BlockNode>();
    if (std::none_of(b->alloc_buffers.begin(), b->alloc_buffers.end(),
                     [&](const ir::Buffer& x) { return x.same_as(from_); }))
      return s;
    std::vector<ir::Buffer> allocs;
    for (const ir::Buffer& x : b->alloc_buffers) allocs.push_back(x.same_as(from_) ? to_ : x);
    ir::Stmt body = fill_.defined() ? ir::SeqStmtNode::make({fill_, b->body}) : b->body;
    return ir::Block::make(b->name, b->iter_vars, b->reads, b->writes, body, b->init, allocs, b->match_buffers,
                           b->annotations);
  }
  ir::Expr visit(const ir::BufferLoadNode* op) override {
    ir::Expr e = ir::IRMutator::visit(op);
    const auto* load = e.as<ir::BufferLoadNode>();
    if (!load->buffer.same_as(from_)) return e;
    return ir::BufferLoadNode::make(to_, map_.map_indices(load->indices, &analyzer_));
  }
  ir::Stmt visit(const ir::BufferStoreNode* op) override {
    ir::Stmt s = ir::IRMutator::visit(op);
    const auto* store = s.as<ir::BufferStoreNode>();
    if (!store->buffer.same_as(from_)) return s;
    return ir::BufferStoreNode::make(to_, store->value, map_.map_indices(store->indices, &analyzer_));
  }

 private:
  ir::Buffer from_;
  ir::Buffer to_;
  IndexMap map_;
  ir::Stmt fill_;
  arith::Analyzer analyzer_;
};

/// Which indices of the padded shape have no preimage, when the map is injective: the map is
/// made bijective by growing each input extent to the product of the new extents of the
/// results that use only that input (split-style maps), and the padding is where its
/// inverse lands outside the old shape. nullopt (with *why) when that does not work.
struct Padding {
  std::vector<ir::Var> vars;  // one per new dimension
  ir::Expr pred;              // true at the padding
};
std::optional<Padding> padding_predicate(const IndexMap& map, const std::vector<ir::Expr>& shape,
                                         const std::vector<ir::Expr>& new_shape, std::string* why) {
  std::vector<int64_t> grown(shape.size(), 1);
  for (size_t k = 0; k < map.output_ndim(); ++k) {
    detail::VarSet vs = detail::vars_in(map.final_indices()[k]);
    if (vs.size() != 1) {
      *why = fmt::format("result {} does not use exactly one index", ir::to_string(map.final_indices()[k]));
      return std::nullopt;
    }
    for (size_t d = 0; d < map.input_ndim(); ++d) {
      if (vs.count(map.initial_indices()[d].get())) grown[d] *= *ir::as_const_int(new_shape[k]);
    }
  }
  std::vector<ir::Expr> padded_shape;
  for (size_t d = 0; d < shape.size(); ++d) padded_shape.push_back(ir::make_const(shape[d].dtype(), grown[d]));
  std::optional<IndexMap> inverse = map.inverse(padded_shape, why);
  if (!inverse) return std::nullopt;
  std::vector<ir::Expr> padded_new = map.map_shape(padded_shape);
  for (size_t k = 0; k < padded_new.size(); ++k) {
    if (ir::as_const_int(padded_new[k]) != ir::as_const_int(new_shape[k])) {
      *why = "padding the inputs changes the new shape";
      return std::nullopt;
    }
  }
  arith::Analyzer analyzer;
  for (size_t k = 0; k < new_shape.size(); ++k)
    analyzer.bind(inverse->initial_indices()[k],
                  ir::Range{ir::make_const(new_shape[k].dtype(), int64_t{0}), new_shape[k]});
  ir::Expr pred;
  for (size_t d = 0; d < shape.size(); ++d) {
    ir::Expr x = inverse->final_indices()[d];
    ir::Expr bound = ir::cast(x.dtype(), shape[d]);
    if (analyzer.can_prove(x < bound)) continue;  // this index never leaves the old shape
    ir::Expr outside = x >= bound;
    pred = pred.defined() ? ir::logical_or(pred, outside) : outside;
  }
  if (!pred.defined()) {
    *why = "no new index lies outside the old shape";
    return std::nullopt;
  }
  return Padding{inverse->initial_indices(), pred};
}

/// A loop nest over the new shape whose block "<name>_pad" stores pad_value at the padding.
ir::Stmt pad_fill(const ir::PrimFunc& func, const ir::Buffer& buffer, const Padding& padding, const Value& pad_value) {
  ir::DataType t = padding.vars[0].dtype();
  ir::Expr value = pad_value.is<double>()
                       ? ir::make_const(buffer->dtype, pad_value.as<double>())
                       : ir::make_const(buffer->dtype,
                                        pad_value.is<bool>() ? int64_t{pad_value.as<bool>()} : pad_value.as<int64_t>());
  std::vector<ir::IterVar> iters;
  std::vector<ir::Expr> vs, values;
  std::vector<ir::Var> loops;
  std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual> sub;
  for (size_t d = 0; d < buffer->ndim(); ++d) {
    ir::Var v("v" + std::to_string(d), t), ax("ax" + std::to_string(d), t);
    iters.push_back({v, ir::Range{ir::make_const(t, int64_t{0}), buffer->shape[d]}, ir::IterType::DataPar});
    vs.push_back(v);
    values.push_back(ax);
    loops.push_back(ax);
    sub[padding.vars[d]] = v;
  }
  std::vector<ir::Range> point;
  for (const ir::Expr& v : vs) point.push_back(ir::Range{v, ir::make_const(t, int64_t{1})});
  ir::Stmt body =
      ir::IfThenElseNode::make(ir::substitute(padding.pred, sub), ir::BufferStoreNode::make(buffer, value, vs));
  ir::Block block = ir::Block::make(detail::unique_block_name(func, buffer->name + "_pad"), iters, {},
                                    {ir::BufferRegion{buffer, point}}, body);
  ir::Stmt s = ir::BlockRealizeNode::make(values, ir::make_bool(true), block);
  for (size_t d = buffer->ndim(); d-- > 0;)
    s = ir::ForNode::make(loops[d], ir::make_const(t, int64_t{0}), buffer->shape[d], ir::ForKind::Serial, s);
  return s;
}

/// Whether some block of `body` allocates `buffer`.
bool allocated_in(const ir::Stmt& body, const ir::Buffer& buffer) {
  bool found = false;
  ir::post_order_visit(body, [&](const ir::Object* n) {
    if (n->kind() != ir::NodeKind::Block) return;
    for (const ir::Buffer& b : static_cast<const ir::BlockNode*>(n)->alloc_buffers) found = found || b.same_as(buffer);
  });
  return found;
}

}  // namespace

void Schedule::transform_layout(const BlockRV& block_rv, BufferIndexType buffer_index_type, int buffer_index,
                                const IndexMap& index_map, const Value& pad_value, bool assume_injective_transform) {
  const char* p = kPrimitive;
  const bool is_read = buffer_index_type == BufferIndexType::Read;
  ir::Block block = get(block_rv);
  const std::string func_name = func_of(block_rv);
  const ir::PrimFunc func = mod().at(func_name);
  const ir::BlockNode* b = block.get();
  const std::vector<ir::BufferRegion>& regions = is_read ? b->reads : b->writes;
  if (buffer_index < 0 || buffer_index >= static_cast<int>(regions.size()))
    throw BufferIndexOutOfRangeError(p, "block {} has {} {} buffers, buffer index {} is out of range", b->name,
                                     regions.size(), is_read ? "read" : "write", buffer_index);
  const ir::Buffer buffer = regions[buffer_index].buffer;
  if (!pad_value.is_none() && !pad_value.is<int64_t>() && !pad_value.is<double>() && !pad_value.is<bool>())
    throw InvalidIndexMapError(p, "pad_value must be None or a number, got {}", detail::python_literal(pad_value));

  // 1. The map, normalized to its canonical text and the buffer's index dtype (so that a
  //    replay of the recorded text rebuilds exactly this rewrite).
  const std::string text = index_map.to_python();
  const ir::DataType index_dtype = buffer->shape.empty() ? ir::DataType::Int(32) : buffer->shape[0].dtype();
  IndexMap map;
  try {
    map = IndexMap::parse(text, index_dtype);
  } catch (const UserError& e) {
    throw InvalidIndexMapError(p, e.what());
  }
  if (map.input_ndim() != buffer->ndim())
    throw IndexMapArityError(p, "index map '{}' takes {} indices but buffer {} has {} dimensions", text,
                             map.input_ndim(), buffer->name, buffer->ndim());

  // 2. The buffer's owner: a block that allocates it, or the function's buffer_map.
  bool is_param = false;
  for (const auto& [var, buf] : func->buffer_map) is_param = is_param || buf.same_as(buffer);
  if (!is_param && !allocated_in(func->body, buffer))
    throw BufferNotOwnedError(p,
                              "buffer {} of block {} is neither a function parameter nor allocated by a "
                              "block, cannot transform its layout",
                              buffer->name, b->name);
  if (std::string why = unsupported_access(func->body, buffer); !why.empty())
    throw UnsupportedAccessError(p, why + ", cannot transform its layout");

  // 3. The new shape; the map must be a bijection onto it, or pad an allocated buffer with a pad_value.
  std::vector<ir::Expr> new_shape;
  try {
    new_shape = map.map_shape(buffer->shape);
  } catch (const UserError& e) {
    throw InvalidIndexMapError(p, "{} (buffer {} of shape {})", e.what(), buffer->name, shape_text(buffer->shape));
  }
  std::string why;
  std::optional<Padding> padding_pred;  // set when the map pads: which new indices have no preimage
  if (!map.is_bijective(buffer->shape, &why)) {
    auto count = [](const std::vector<ir::Expr>& s) -> std::optional<int64_t> {
      int64_t n = 1;
      for (const ir::Expr& e : s) {
        auto c = ir::as_const_int(e);
        if (!c) return std::nullopt;
        n *= *c;
      }
      return n;
    };
    auto before = count(buffer->shape), after = count(new_shape);
    bool padding = before && after && *after > *before;
    if (padding) {
      const std::string base = fmt::format(
          "index map '{}' maps buffer {} of shape {} into the larger shape {}: it "
          "introduces padding",
          text, buffer->name, shape_text(buffer->shape), shape_text(new_shape));
      if (pad_value.is_none())
        throw TransformationPaddingError(p, base + ", which needs a pad_value (None: no padding allowed)");
      if (is_param) throw TransformationPaddingError(p, base + "; padding a function parameter is not supported");
      if (pad_value.is<double>() && !buffer->dtype.is_float())
        throw TransformationPaddingError(p, "{}; pad_value {} does not fit buffer {} of dtype {}", base,
                                         detail::python_literal(pad_value), buffer->name, buffer->dtype.to_string());
      std::optional<Padding> pred = padding_predicate(map, buffer->shape, new_shape, &why);
      if (!pred)
        throw TransformationPaddingError(p, "{}, and it is not injective with a padded inverse: {}", base, why);
      padding_pred = *pred;
    } else if (!assume_injective_transform || !before || !after || *before != *after) {
      throw NotBijectiveError(p,
                              "index map '{}' is not a bijection from buffer {} of shape {} onto shape "
                              "{}: {}",
                              text, buffer->name, shape_text(buffer->shape), shape_text(new_shape), why);
    }
  }

  // 4. The new buffer, and every access rewritten.
  ir::Buffer new_buffer =
      ir::Buffer::make(buffer->name, buffer->dtype, new_shape, {}, buffer->elem_offset, buffer->scope);
  ir::Stmt fill;
  if (padding_pred) fill = pad_fill(func, new_buffer, *padding_pred, pad_value);
  LayoutRewriter rewriter(buffer, new_buffer, map, fill);
  ir::Stmt body = rewriter.mutate(func->body);
  std::vector<std::pair<ir::Var, ir::Buffer>> buffer_map;
  for (const auto& [var, buf] : func->buffer_map) buffer_map.emplace_back(var, buf.same_as(buffer) ? new_buffer : buf);
  update_func(func_name, ir::PrimFunc::make(func->name, func->params, std::move(buffer_map), body, func->attrs), p);
  record("TransformLayout", {block_rv},
         {Value(int64_t{buffer_index}), Value(int64_t{is_read ? 0 : 1}), Value(text), pad_value,
          Value(assume_injective_transform)},
         {});
}

void Schedule::transform_layout(const BlockRV& block_rv, const std::string& buffer_name, const IndexMap& index_map,
                                const Value& pad_value, bool assume_injective_transform) {
  ir::Block block = get(block_rv);
  std::optional<std::pair<BufferIndexType, int>> found;
  const ir::BufferNode* match = nullptr;
  auto scan = [&](const std::vector<ir::BufferRegion>& regions, BufferIndexType type) {
    for (size_t i = 0; i < regions.size(); ++i) {
      if (regions[i].buffer->name != buffer_name) continue;
      if (match && match != regions[i].buffer.get())
        throw LayoutBufferNotFoundError(kPrimitive,
                                        "block {} accesses two buffers named {}, give the "
                                        "buffer as (\"read\" or \"write\", index)",
                                        block->name, buffer_name);
      match = regions[i].buffer.get();
      found = std::make_pair(type, static_cast<int>(i));
    }
  };
  scan(block->reads, BufferIndexType::Read);
  scan(block->writes, BufferIndexType::Write);
  if (!found)
    throw LayoutBufferNotFoundError(kPrimitive, "block {} neither reads nor writes a buffer named {}", block->name,
                                    buffer_name);
  transform_layout(block_rv, found->first, found->second, index_map, pad_value, assume_injective_transform);
}

namespace detail {

void register_layout_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  InstructionKind kind{
      "TransformLayout",
      "transform_layout",
      {{"block", Role::Input, std::nullopt, ParamKind::Block},
       {"buffer", Role::Attr, std::nullopt},
       {"index_map", Role::Attr, std::nullopt},
       {"pad_value", Role::Attr, Value()},
       {"assume_injective_transform", Role::Attr, Value(false)}},
      /*pure=*/false,
      /*sampling=*/false,
      /*list_output=*/false,
      [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
        BlockRV block = as_block(inputs.at(0), "block");
        IndexMap map = IndexMap::parse(as_string(attrs.at(2), "index_map"));
        bool injective = as_bool(attrs.at(4), "assume_injective_transform");
        if (attrs.at(0).is<std::string>()) {  // a buffer name, from a schedule script
          sch.transform_layout(block, attrs[0].as<std::string>(), map, attrs.at(3), injective);
          return std::vector<Value>{};
        }
        int64_t type = as_int(attrs.at(1), "buffer_index_type");
        if (type != 0 && type != 1)
          throw UserError(
              fmt::format("transform_layout: buffer_index_type must be 0 (read) or 1 (write), got {}", type));
        sch.transform_layout(block, type == 0 ? BufferIndexType::Read : BufferIndexType::Write,
                             static_cast<int>(as_int(attrs.at(0), "buffer_index")), map, attrs.at(3), injective);
        return std::vector<Value>{};
      },
      {},
      {}};
  // Python writes buffer=("write", 0) for two attrs and the index map as a bare lambda.
  kind.python_attrs = [](const std::vector<Value>& attrs) {
    int64_t type = as_int(attrs.at(1), "buffer_index_type");
    return std::vector<std::string>{
        fmt::format("(\"{}\", {})", type == 0 ? "read" : "write", as_int(attrs.at(0), "buffer_index")),
        as_string(attrs.at(2), "index_map"), python_literal(attrs.at(3)), python_literal(attrs.at(4))};
  };
  kind.attrs_from_python = [](const std::vector<Value>& values) {
    const Value& v = values.at(0);
    const char* rule = "transform_layout: buffer must be a tuple (\"read\" or \"write\", index) or a buffer name, got ";
    Value index, type;
    if (v.is<std::string>()) {
      index = v;
    } else {
      if (!v.is<std::vector<Value>>()) throw UserError(rule + python_literal(v));
      const auto& t = v.as<std::vector<Value>>();
      if (t.size() != 2 || !t[0].is<std::string>() || !t[1].is<int64_t>()) throw UserError(rule + python_literal(v));
      const std::string& kind_name = t[0].as<std::string>();
      if (kind_name != "read" && kind_name != "write") throw UserError(rule + python_literal(v));
      index = t[1];
      type = Value(int64_t{kind_name == "read" ? 0 : 1});
    }
    // The lambda's text (a schedule script's lambda evaluates to it) in canonical form.
    const std::string& text = as_string(values.at(1), "index_map");
    return std::vector<Value>{index, type, Value(IndexMap::parse(text).to_python()), values.at(2),
                              Value(as_bool(values.at(3), "assume_injective_transform"))};
  };
  r.add(std::move(kind));
}

}  // namespace detail
}  // namespace loom::sched
