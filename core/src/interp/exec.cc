// Statement execution of the reference interpreter: loops, blocks (predicate, iteration
// bindings, allocation, match_buffer views, init), stores, control flow and allocation.
#include <optional>

#include "loom/interp/error.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/printer.h"
#include "machine.h"

namespace loom::interp {

using ir::DataType;
using ir::Expr;
using ir::NodeKind;

/// Bindings made in one scope; the destructor puts back whatever they shadowed, in reverse
/// order, so that nested scopes and exceptions leave the environment as it was.
class Machine::Scope {
 public:
  explicit Scope(Machine* machine) : machine_(machine) {}
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  ~Scope() {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->saved) {
        it->slot->value = std::move(*it->saved);
      } else {
        it->slot->bound = false;
      }
    }
    for (auto it = buffers_.rbegin(); it != buffers_.rend(); ++it) {
      if (it->second) {
        machine_->buffers_[it->first] = std::move(*it->second);
      } else {
        machine_->buffers_.erase(it->first);
      }
    }
  }

  /// Room for `n` bindings, so a block binding its iteration variables allocates once.
  void reserve(size_t n) { vars_.reserve(n); }

  /// Binds `var` and returns its value slot, which stays valid (and may be overwritten) for
  /// the scope's lifetime.
  Value& bind_var(const ir::VarNode* var, Value value) {
    VarSlot& slot = machine_->vars_[var];
    std::optional<Value> saved;
    if (slot.bound) saved = std::move(slot.value);
    vars_.push_back({&slot, std::move(saved)});
    slot.value = std::move(value);
    slot.bound = true;
    return slot.value;
  }

  void bind_buffer(const ir::BufferNode* buffer, BufferView view) {
    auto it = machine_->buffers_.find(buffer);
    if (it == machine_->buffers_.end()) {
      buffers_.emplace_back(buffer, std::nullopt);
      machine_->buffers_.emplace(buffer, std::move(view));
      return;
    }
    buffers_.emplace_back(buffer, std::move(it->second));
    it->second = std::move(view);
  }

 private:
  Machine* machine_;
  struct SavedVar {
    VarSlot* slot;
    std::optional<Value> saved;  // the shadowed value, or none when the variable was unbound
  };
  std::vector<SavedVar> vars_;
  std::vector<std::pair<const ir::BufferNode*, std::optional<BufferView>>> buffers_;
};

namespace {

/// Pops the innermost block name when a block instance ends.
class BlockNameGuard {
 public:
  BlockNameGuard(std::vector<const std::string*>* names, const std::string& name) : names_(names) {
    names_->push_back(&name);
  }
  ~BlockNameGuard() { names_->pop_back(); }
  BlockNameGuard(const BlockNameGuard&) = delete;
  BlockNameGuard& operator=(const BlockNameGuard&) = delete;

 private:
  std::vector<const std::string*>* names_;
};

std::string region_to_string(const std::string& name, const std::vector<int64_t>& mins,
                             const std::vector<int64_t>& extents) {
  std::string out = name + "[";
  for (size_t d = 0; d < mins.size(); ++d) {
    out += (d ? ", " : "") + std::to_string(mins[d]) + ":" + std::to_string(mins[d] + extents[d]);
  }
  return out + "]";
}

}  // namespace

BufferView Machine::allocate(const ir::Buffer& buffer, std::vector<uint8_t>* storage) {
  BufferView view;
  view.name = buffer->name;
  view.dtype = buffer->dtype;
  if (!buffer->dtype.is_scalar() || buffer->dtype.is_handle() || buffer->dtype.is_void()) {
    throw RuntimeError("buffer \"" + buffer->name + "\" has dtype " + buffer->dtype.to_string() +
                       ", which the interpreter cannot allocate" + where());
  }
  for (const Expr& dim : buffer->shape) {
    const int64_t extent = eval_int(dim, "a buffer dimension");
    if (extent < 0) {
      throw RuntimeError("buffer \"" + buffer->name + "\" has negative dimension " + std::to_string(extent) + where());
    }
    view.shape.push_back(extent);
  }
  const size_t ndim = view.shape.size();
  view.strides.assign(ndim, 1);
  if (buffer->strides.empty()) {
    for (size_t d = ndim; d-- > 1;) view.strides[d - 1] = view.strides[d] * view.shape[d];
  } else {
    for (size_t d = 0; d < ndim; ++d) view.strides[d] = eval_int(buffer->strides[d], "a buffer stride");
  }
  view.elem_offset = buffer->elem_offset.defined() ? eval_int(buffer->elem_offset, "a buffer elem_offset") : 0;
  // The storage spans every element the view can address: offsets from the smallest to
  // the largest reachable one. Empty buffers get no storage.
  int64_t lo = view.elem_offset;
  int64_t hi = view.elem_offset;
  bool empty = false;
  for (size_t d = 0; d < ndim; ++d) {
    if (view.shape[d] == 0) empty = true;
    const int64_t span = (view.shape[d] - 1) * view.strides[d];
    (span < 0 ? lo : hi) += span;
  }
  if (!empty && lo < 0) {
    throw RuntimeError("buffer \"" + buffer->name + "\" would address element offset " + std::to_string(lo) +
                       " (before its storage): check its strides and elem_offset" + where());
  }
  view.storage_elems = empty ? 0 : hi + 1;
  storage->assign(static_cast<size_t>(view.storage_elems * buffer->dtype.bytes()), 0);
  view.data = storage->data();
  return view;
}

void Machine::bind_match_buffer(const ir::MatchBufferRegion& match, Scope* scope) {
  const ir::Buffer& buffer = match.buffer;
  const BufferView source = view_of(match.source.buffer);
  const std::string what = "match_buffer \"" + buffer->name + "\"";
  const size_t rank = match.source.region.size();
  if (rank != source.shape.size()) {
    throw RuntimeError(what + ": its source region has " + std::to_string(rank) + " dimensions but buffer \"" +
                       source.name + "\" has " + std::to_string(source.shape.size()) + where());
  }
  std::vector<int64_t> mins(rank);
  std::vector<int64_t> extents(rank);
  for (size_t d = 0; d < rank; ++d) {
    mins[d] = eval_int(match.source.region[d].min, "a match_buffer region bound");
    extents[d] = eval_int(match.source.region[d].extent, "a match_buffer region extent");
  }
  for (size_t d = 0; d < rank; ++d) {
    if (mins[d] < 0 || extents[d] < 0 || mins[d] + extents[d] > source.shape[d]) {
      throw RuntimeError(what + ": region " + region_to_string(source.name, mins, extents) + " is outside the shape " +
                         shape_to_string(source.shape) + " of \"" + source.name + "\"" + where());
    }
  }
  if (buffer->dtype != source.dtype) {
    throw RuntimeError(what + " has dtype " + buffer->dtype.to_string() + " but its source \"" + source.name +
                       "\" has " + source.dtype.to_string() + where());
  }
  // The view keeps the trailing `ndim` dimensions of the region; leading ones must be 1.
  const size_t ndim = buffer->shape.size();
  if (ndim > rank) {
    throw RuntimeError(what + " has " + std::to_string(ndim) + " dimensions, more than its source region " +
                       region_to_string(source.name, mins, extents) + where());
  }
  const size_t skip = rank - ndim;
  for (size_t d = 0; d < skip; ++d) {
    if (extents[d] != 1) {
      throw RuntimeError(what + " of shape rank " + std::to_string(ndim) + " cannot view region " +
                         region_to_string(source.name, mins, extents) +
                         ": the dropped leading dimensions must have extent 1" + where());
    }
  }
  // Binds `expr` to `actual` when it is a not-yet-bound variable, else checks it.
  auto bind_or_check = [&](const Expr& expr, int64_t actual, const std::string& field) {
    if (const auto* var = expr.as<ir::VarNode>(); var && !lookup_var(var)) {
      scope->bind_var(var, Value::from_int(var->dtype, actual));
      return;
    }
    const int64_t declared = eval_int(expr, "a match_buffer field");
    if (declared != actual) {
      throw RuntimeError(what + ": " + field + " is " + std::to_string(declared) + " but the region " +
                         region_to_string(source.name, mins, extents) + " gives " + std::to_string(actual) + where());
    }
  };
  BufferView view;
  view.name = buffer->name;
  view.dtype = buffer->dtype;
  view.data = source.data;
  view.shadow = source.shadow;
  view.storage_elems = source.storage_elems;
  int64_t offset = source.elem_offset;
  for (size_t d = 0; d < rank; ++d) offset += mins[d] * source.strides[d];
  for (size_t i = 0; i < ndim; ++i) {
    bind_or_check(buffer->shape[i], extents[skip + i], "dimension " + std::to_string(i));
    view.shape.push_back(extents[skip + i]);
    view.strides.push_back(source.strides[skip + i]);
  }
  if (!buffer->strides.empty()) {
    for (size_t i = 0; i < ndim; ++i) {
      bind_or_check(buffer->strides[i], source.strides[skip + i], "stride " + std::to_string(i));
    }
  }
  if (buffer->elem_offset.defined()) bind_or_check(buffer->elem_offset, offset, "elem_offset");
  view.elem_offset = offset;
  scope->bind_buffer(buffer.get(), std::move(view));
}

void Machine::exec_for(const ir::ForNode* op) {
  const int64_t min = eval_int(op->min, "a loop min");
  const int64_t extent = eval_int(op->extent, "a loop extent");
  const DataType dtype = op->loop_var.dtype();
  Scope scope(this);
  Value& slot = scope.bind_var(op->loop_var.get(), Value::from_int(dtype, min));
  if (hooks_ && op->for_kind == ir::ForKind::ThreadBinding) {
    // One logical thread runs the body once, with its own index, or skips it when its
    // index is outside the loop.
    const int64_t t = hooks_->thread_index(op->thread_tag);
    if (t >= extent) return;
    slot = Value::from_int(dtype, min + t);
    exec(op->body);
    return;
  }
  // Every loop kind runs serially: kinds change how targets execute a loop, not its result.
  for (int64_t i = 0; i < extent; ++i) {
    slot = Value::from_int(dtype, min + i);
    exec(op->body);
  }
}

void Machine::exec_block_realize(const ir::BlockRealizeNode* op) {
  if (op->predicate.defined()) {
    const Value pred = eval(op->predicate);
    if (pred.lanes() != 1) {
      throw RuntimeError("the predicate of block \"" + op->block->name + "\" must be a scalar bool" + where());
    }
    if (pred.lane(0).i == 0) return;
  }
  const auto& iter_vars = op->block->iter_vars;
  if (op->iter_values.size() != iter_vars.size()) {
    throw RuntimeError("block \"" + op->block->name + "\" has " + std::to_string(iter_vars.size()) +
                       " iter_vars but its realize binds " + std::to_string(op->iter_values.size()) + where());
  }
  std::vector<Value> values;
  values.reserve(op->iter_values.size());
  for (const Expr& value : op->iter_values) values.push_back(eval(value));
  exec_block(op->block.get(), values);
}

void Machine::exec_block(const ir::BlockNode* block, const std::vector<Value>& iter_values) {
  // 1. Check each binding against its iter_var's domain (evaluated outside the block).
  const size_t n = block->iter_vars.size();
  std::vector<int64_t> dom_mins(n);
  for (size_t i = 0; i < n; ++i) {
    const ir::IterVar& iv = block->iter_vars[i];
    const int64_t min = eval_int(iv.dom.min, "an iter_var domain min");
    const int64_t extent = eval_int(iv.dom.extent, "an iter_var domain extent");
    const int64_t value = iter_values[i].lane(0).i;
    if (iter_values[i].lanes() != 1 || value < min || value >= min + extent) {
      throw RuntimeError("block \"" + block->name + "\": iter_var " + iv.var.name() + " = " + std::to_string(value) +
                         " is outside its domain [" + std::to_string(min) + ", " + std::to_string(min + extent) + ")" +
                         where());
    }
    dom_mins[i] = min;
  }
  BlockNameGuard name_guard(&blocks_, block->name);
  Scope scope(this);
  scope.reserve(n);
  // 2. Bind the iteration variables.
  for (size_t i = 0; i < n; ++i) scope.bind_var(block->iter_vars[i].var.get(), iter_values[i]);
  // 3. Allocate this instance's buffers, zeroed; the storage lives until the block ends.
  std::vector<std::vector<uint8_t>> storage(block->alloc_buffers.size());
  for (size_t i = 0; i < block->alloc_buffers.size(); ++i) {
    const ir::Buffer& buffer = block->alloc_buffers[i];
    scope.bind_buffer(buffer.get(), allocate(buffer, &storage[i]));
  }
  // 4. Bind match_buffer views.
  for (const ir::MatchBufferRegion& match : block->match_buffers) bind_match_buffer(match, &scope);
  // 5. Init runs when every reduction iter_var is at its domain's min.
  if (block->init.defined()) {
    bool first = true;
    for (size_t i = 0; i < n; ++i) {
      if (block->iter_vars[i].type == ir::IterType::CommReduce && iter_values[i].lane(0).i != dom_mins[i])
        first = false;
    }
    if (first) exec(block->init);
  }
  // 6. The body.
  exec(block->body);
}

void Machine::exec_store(const ir::BufferStoreNode* op) {
  const BufferView& view = view_of(op->buffer);
  const Value value = eval(op->value);
  std::vector<Value> indices;
  indices.reserve(op->indices.size());
  int lanes = value.lanes();
  for (const Expr& index : op->indices) {
    indices.push_back(eval(index));
    if (indices.back().lanes() > lanes) lanes = indices.back().lanes();
  }
  if (indices.size() != view.shape.size()) {
    throw RuntimeError("store to " + view.name + " has " + std::to_string(indices.size()) +
                       " indices but the buffer has " + std::to_string(view.shape.size()) + " dimensions" + where());
  }
  const DataType elem = view.dtype.element_of();
  const int64_t bytes = elem.bytes();
  for (int l = 0; l < lanes; ++l) {
    const int64_t offset = element_offset(view, indices, l, /*is_store=*/true);
    if (view.shadow) hooks_->on_access(view, offset, /*is_store=*/true);
    store_scalar(view.data + offset * bytes, elem, value.lane(l));
  }
}

void Machine::exec_allocate(const ir::AllocateNode* op) {
  std::vector<uint8_t> storage;
  Scope scope(this);
  BufferView shared;
  if (hooks_ && hooks_->on_allocate(op->buffer, &shared)) {
    scope.bind_buffer(op->buffer.get(), std::move(shared));
    exec(op->body);
    return;
  }
  scope.bind_buffer(op->buffer.get(), allocate(op->buffer, &storage));
  exec(op->body);
}

void Machine::exec(const ir::Stmt& stmt) {
  if (!stmt.defined()) return;
  switch (stmt->kind()) {
    case NodeKind::For:
      return exec_for(stmt.as<ir::ForNode>());
    case NodeKind::BlockRealize:
      return exec_block_realize(stmt.as<ir::BlockRealizeNode>());
    case NodeKind::Block: {
      const auto* block = stmt.as<ir::BlockNode>();
      if (!block->iter_vars.empty()) {
        throw RuntimeError("block \"" + block->name + "\" has iter_vars but no BlockRealize binding them" + where());
      }
      return exec_block(block, {});
    }
    case NodeKind::BufferStore:
      return exec_store(stmt.as<ir::BufferStoreNode>());
    case NodeKind::IfThenElse: {
      const auto* op = stmt.as<ir::IfThenElseNode>();
      const Value cond = eval(op->condition);
      if (cond.lanes() != 1) {
        throw RuntimeError("the condition of an if statement must be a scalar bool, got " + cond.dtype().to_string() +
                           " `" + ir::to_string(op->condition) + "`" + where());
      }
      return exec(cond.lane(0).i != 0 ? op->then_case : op->else_case);
    }
    case NodeKind::SeqStmt:
      for (const ir::Stmt& s : stmt.as<ir::SeqStmtNode>()->seq) exec(s);
      return;
    case NodeKind::Evaluate:
      eval(stmt.as<ir::EvaluateNode>()->value);
      return;
    case NodeKind::LetStmt: {
      const auto* op = stmt.as<ir::LetStmtNode>();
      Value value = eval(op->value);
      Scope scope(this);
      scope.bind_var(op->var.get(), std::move(value));
      return exec(op->body);
    }
    case NodeKind::Allocate:
      return exec_allocate(stmt.as<ir::AllocateNode>());
    default:
      break;
  }
  LOOM_ICHECK(false, std::string("not a statement kind: ") + ir::node_kind_name(stmt->kind()));
}

}  // namespace loom::interp
