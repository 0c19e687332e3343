// Storage primitives: set_scope (the storage scope of an allocated buffer) and
// storage_align (a "buffer_dim_align" block annotation that lowering turns into padded
// strides), as TVM's SetScope / StorageAlign.
#include <set>

#include "families.h"
#include "fmt/format.h"
#include "loom/ir/mutator.h"
#include "loom/ir/visitor.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(NonAllocatedBufferError, "NonAllocatedBuffer");
LOOM_SCHEDULE_ERROR(StorageAlignError, "InvalidStorageAlign");

/// The `index`-th write buffer of `block`, checked.
ir::Buffer write_buffer(const ir::Block& block, int index, const char* primitive) {
  if (index < 0 || index >= static_cast<int>(block->writes.size()))
    throw BufferIndexOutOfRangeError(primitive, "block {} has {} write buffers, buffer_index {} is out of range",
                                     block->name, block->writes.size(), index);
  return block->writes[index].buffer;
}

/// The block that allocates `buffer` in `func`, or nullptr (a parameter buffer).
const ir::BlockNode* alloc_site(const ir::PrimFunc& func, const ir::Buffer& buffer) {
  const ir::BlockNode* site = nullptr;
  ir::post_order_visit(func->body, [&](const ir::Object* n) {
    if (n->kind() != ir::NodeKind::Block) return;
    const auto* b = static_cast<const ir::BlockNode*>(n);
    for (const ir::Buffer& a : b->alloc_buffers) {
      if (a.same_as(buffer)) site = b;
    }
  });
  return site;
}

void check_allocated(const ir::PrimFunc& func, const ir::Buffer& buffer, const ir::Block& block,
                     const char* primitive) {
  if (!alloc_site(func, buffer))
    throw NonAllocatedBufferError(primitive,
                                  "buffer {} written by block {} is not allocated by a block (it is "
                                  "a function parameter), its storage cannot be changed",
                                  buffer->name, block->name);
}

}  // namespace

void Schedule::set_scope(const BlockRV& block, int buffer_index, const std::string& storage_scope) {
  const char* p = "set_scope";
  ir::Block b = get(block);
  const std::string func_name = func_of(block);
  const ir::PrimFunc& func = mod_.at(func_name);
  ir::Buffer buffer = write_buffer(b, buffer_index, p);
  if (!detail::is_known_storage_scope(storage_scope))
    throw InvalidStorageScopeError(p,
                                   "storage scope \"{}\" is not one of global, shared, shared.dyn, local, warp, "
                                   "wmma.matrix_a, wmma.matrix_b, wmma.accumulator",
                                   storage_scope);
  check_allocated(func, buffer, b, p);
  ir::Stmt body = detail::replace_buffer(func->body, buffer, buffer.with_scope(storage_scope), /*allocations=*/true);
  update_func(func_name, func.with_body(body), p);
  record("SetScope", {block}, {Value(int64_t{buffer_index}), Value(storage_scope)}, {});
}

void Schedule::storage_align(const BlockRV& block, int buffer_index, int axis, int factor, int offset) {
  const char* p = "storage_align";
  ir::Block b = get(block);
  const std::string func_name = func_of(block);
  const ir::PrimFunc& func = mod_.at(func_name);
  ir::Buffer buffer = write_buffer(b, buffer_index, p);
  check_allocated(func, buffer, b, p);
  const int ndim = static_cast<int>(buffer->ndim());
  if (axis < -ndim || axis >= ndim)
    throw StorageAlignError(p, "axis {} is out of range for buffer {} with {} dimensions", axis, buffer->name, ndim);
  const int norm_axis = axis < 0 ? axis + ndim : axis;
  if (factor <= 0) throw StorageAlignError(p, "factor must be positive, got {} for buffer {}", factor, buffer->name);
  if (offset < 0 || offset >= factor)
    throw StorageAlignError(p, "offset {} is not in [0, factor {}) for buffer {}", offset, factor, buffer->name);

  // One [buffer_index, axis, factor, offset] entry per (buffer, axis); a new call for the
  // same pair replaces the old entry.
  std::vector<ir::AnnValue> entries;
  auto it = b->annotations.find("buffer_dim_align");
  if (it != b->annotations.end() && it->second.as_list()) entries = *it->second.as_list();
  std::vector<ir::AnnValue> entry{int64_t{buffer_index}, int64_t{norm_axis}, int64_t{factor}, int64_t{offset}};
  bool replaced = false;
  for (ir::AnnValue& e : entries) {
    const auto* list = e.as_list();
    if (list && list->size() == 4 && (*list)[0].as_int() && (*list)[1].as_int() &&
        *(*list)[0].as_int() == buffer_index && *(*list)[1].as_int() == norm_axis) {
      e = ir::AnnValue(entry);
      replaced = true;
    }
  }
  if (!replaced) entries.emplace_back(entry);
  ir::Annotations annotations = b->annotations;
  annotations["buffer_dim_align"] = ir::AnnValue(entries);
  ir::Block new_block = ir::Block::make(b->name, b->iter_vars, b->reads, b->writes, b->body, b->init, b->alloc_buffers,
                                        b->match_buffers, annotations);
  update_func(func_name, detail::replace_in_func(func, b.get(), new_block), p);
  record("StorageAlign", {block},
         {Value(int64_t{buffer_index}), Value(int64_t{axis}), Value(int64_t{factor}), Value(int64_t{offset})}, {});
}

namespace detail {

void register_storage_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add({"SetScope",
         "set_scope",
         {{"block", Role::Input, std::nullopt, ParamKind::Block},
          {"buffer_index", Role::Attr, std::nullopt},
          {"storage_scope", Role::Attr, std::nullopt}},
         /*pure=*/false,
         /*sampling=*/false,
         /*list_output=*/false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           sch.set_scope(as_block(inputs.at(0), "block"), static_cast<int>(as_int(attrs.at(0), "buffer_index")),
                         as_string(attrs.at(1), "storage_scope"));
           return std::vector<Value>{};
         }});
  r.add({"StorageAlign",
         "storage_align",
         {{"block", Role::Input, std::nullopt, ParamKind::Block},
          {"buffer_index", Role::Attr, std::nullopt},
          {"axis", Role::Attr, std::nullopt},
          {"factor", Role::Attr, std::nullopt},
          {"offset", Role::Attr, std::nullopt}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           sch.storage_align(as_block(inputs.at(0), "block"), static_cast<int>(as_int(attrs.at(0), "buffer_index")),
                             static_cast<int>(as_int(attrs.at(1), "axis")),
                             static_cast<int>(as_int(attrs.at(2), "factor")),
                             static_cast<int>(as_int(attrs.at(3), "offset")));
           return std::vector<Value>{};
         }});
}

}  // namespace detail
}  // namespace loom::sched
