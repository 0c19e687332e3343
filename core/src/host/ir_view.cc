// The read-only IR views of the plugin C ABI: a static table of fields per node kind, each
// an accessor reading one member of the node (or record) a loom_node points at.
#include "ir_view.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "handles.h"
#include "loom/ir/builder.h"
#include "loom/ir/printer.h"
#include "loom/script/printer.h"

namespace loom::host::detail {

namespace {

using namespace loom::ir;

// ---- kinds ---------------------------------------------------------------------------

// ir::NodeKind and loom_node_kind number the IR object kinds identically, so a view's kind
// is the node's kind tag; these checks keep the two lists in step.
#define LOOM_CHECK_KIND(T, C) \
  static_assert(static_cast<uint32_t>(NodeKind::T) == LOOM_NODE_##C, "loom_node_kind out of step with NodeKind::" #T);
LOOM_CHECK_KIND(IntImm, INT_IMM)
LOOM_CHECK_KIND(FloatImm, FLOAT_IMM)
LOOM_CHECK_KIND(Var, VAR)
LOOM_CHECK_KIND(BufferLoad, BUFFER_LOAD)
LOOM_CHECK_KIND(Not, NOT)
LOOM_CHECK_KIND(Select, SELECT)
LOOM_CHECK_KIND(Cast, CAST)
LOOM_CHECK_KIND(Ramp, RAMP)
LOOM_CHECK_KIND(Broadcast, BROADCAST)
LOOM_CHECK_KIND(Call, CALL)
LOOM_CHECK_KIND(Add, ADD)
LOOM_CHECK_KIND(Sub, SUB)
LOOM_CHECK_KIND(Mul, MUL)
LOOM_CHECK_KIND(Div, DIV)
LOOM_CHECK_KIND(Mod, MOD)
LOOM_CHECK_KIND(FloorDiv, FLOOR_DIV)
LOOM_CHECK_KIND(FloorMod, FLOOR_MOD)
LOOM_CHECK_KIND(Min, MIN)
LOOM_CHECK_KIND(Max, MAX)
LOOM_CHECK_KIND(EQ, EQ)
LOOM_CHECK_KIND(NE, NE)
LOOM_CHECK_KIND(LT, LT)
LOOM_CHECK_KIND(LE, LE)
LOOM_CHECK_KIND(GT, GT)
LOOM_CHECK_KIND(GE, GE)
LOOM_CHECK_KIND(And, AND)
LOOM_CHECK_KIND(Or, OR)
LOOM_CHECK_KIND(For, FOR)
LOOM_CHECK_KIND(BlockRealize, BLOCK_REALIZE)
LOOM_CHECK_KIND(Block, BLOCK)
LOOM_CHECK_KIND(BufferStore, BUFFER_STORE)
LOOM_CHECK_KIND(IfThenElse, IF_THEN_ELSE)
LOOM_CHECK_KIND(SeqStmt, SEQ_STMT)
LOOM_CHECK_KIND(Evaluate, EVALUATE)
LOOM_CHECK_KIND(LetStmt, LET_STMT)
LOOM_CHECK_KIND(Allocate, ALLOCATE)
LOOM_CHECK_KIND(Buffer, BUFFER)
LOOM_CHECK_KIND(PrimFunc, PRIM_FUNC)
#undef LOOM_CHECK_KIND
static_assert(static_cast<uint32_t>(NodeKind::PrimFunc) < LOOM_NODE_ITER_VAR, "object kinds overlap record kinds");

using BufferMapEntry = std::pair<Var, Buffer>;
using Annotation = Annotations::value_type;

bool is_object_kind(uint32_t kind) { return kind <= static_cast<uint32_t>(NodeKind::PrimFunc); }

// ---- field values --------------------------------------------------------------------

// The node (or record) a view points at, as T.
template <typename T>
const T& deref(const void* ptr) {
  if constexpr (std::is_base_of_v<Object, T>) {
    return *static_cast<const T*>(static_cast<const Object*>(ptr));
  } else {
    return *static_cast<const T*>(ptr);
  }
}

loom_field make_field(loom_field_kind kind) {
  loom_field f{};
  f.kind = kind;
  return f;
}

loom_field record(const void* ptr, loom_node_kind kind) {
  loom_field f = make_field(LOOM_FIELD_NODE);
  f.node = loom_node{ptr, static_cast<uint32_t>(kind)};
  return f;
}

template <typename T>
loom_field to_field(const Ref<T>& ref) {
  if (!ref.defined()) return make_field(LOOM_FIELD_NULL);
  loom_field f = make_field(LOOM_FIELD_NODE);
  f.node = node_view(ref.get());
  return f;
}
loom_field to_field(const std::string& s) {
  loom_field f = make_field(LOOM_FIELD_STR);
  f.s = make_str(s);
  return f;
}
loom_field to_field(const char* s) {
  loom_field f = make_field(LOOM_FIELD_STR);
  f.s = make_str(s);
  return f;
}
loom_field to_field(int64_t i) {
  loom_field f = make_field(LOOM_FIELD_INT);
  f.i = i;
  return f;
}
loom_field to_field(int i) { return to_field(static_cast<int64_t>(i)); }
loom_field to_field(double d) {
  loom_field f = make_field(LOOM_FIELD_FLOAT);
  f.f = d;
  return f;
}
loom_field to_field(DataType t) {
  loom_field f = make_field(LOOM_FIELD_DTYPE);
  f.dtype =
      loom_dtype{static_cast<uint8_t>(t.code()), static_cast<uint8_t>(t.bits()), static_cast<uint16_t>(t.lanes())};
  return f;
}
loom_field to_field(const Range& r) { return record(&r, LOOM_NODE_RANGE); }
loom_field to_field(const IterVar& v) { return record(&v, LOOM_NODE_ITER_VAR); }
loom_field to_field(const BufferRegion& r) { return record(&r, LOOM_NODE_BUFFER_REGION); }
loom_field to_field(const MatchBufferRegion& m) { return record(&m, LOOM_NODE_MATCH_BUFFER_REGION); }
loom_field to_field(const BufferMapEntry& e) { return record(&e, LOOM_NODE_BUFFER_MAP_ENTRY); }
loom_field to_field(const Annotation& a) { return record(&a, LOOM_NODE_ANNOTATION); }
loom_field list_field(size_t n) {
  loom_field f = make_field(LOOM_FIELD_LIST);
  f.n_items = n;
  return f;
}

// An annotation's value: a scalar, an expression, or a list of AnnValue records.
loom_field ann_value_field(const AnnValue& v) {
  if (const auto* i = v.as_int()) return to_field(*i);
  if (const auto* d = v.as_float()) return to_field(*d);
  if (const auto* s = v.as_string()) return to_field(*s);
  if (const auto* e = v.as_expr()) return to_field(*e);
  return list_field(v.as_list()->size());
}
loom_field ann_value_item(const AnnValue& v, size_t index) {
  return record(&(*v.as_list())[index], LOOM_NODE_ANN_VALUE);
}

// ---- the field tables ----------------------------------------------------------------

struct FieldDef {
  std::string_view name;
  loom_field (*get)(const void* ptr);
  /// For a list field: item `index`, already checked against get()'s n_items.
  loom_field (*item)(const void* ptr, size_t index);
};

template <typename T, auto M>
loom_field member(const void* ptr) {
  return to_field(deref<T>(ptr).*M);
}
template <typename T, auto M>
loom_field list_size(const void* ptr) {
  return list_field((deref<T>(ptr).*M).size());
}
template <typename T, auto M>
loom_field list_item(const void* ptr, size_t index) {
  const auto& items = deref<T>(ptr).*M;
  if constexpr (std::is_same_v<std::decay_t<decltype(items)>, Annotations>) {
    return to_field(*std::next(items.begin(), static_cast<std::ptrdiff_t>(index)));
  } else {
    return to_field(items[index]);
  }
}

// A field named after the member, a field with another name, a list field.
// clang-format off
#define LOOM_FIELD(T, m) FieldDef{#m, &member<T, &T::m>, nullptr}
#define LOOM_NAMED(T, name, m) FieldDef{name, &member<T, &T::m>, nullptr}
#define LOOM_LIST(T, m) FieldDef{#m, &list_size<T, &T::m>, &list_item<T, &T::m>}
#define LOOM_DTYPE(T) FieldDef{"dtype", &member<T, &ExprNode::dtype>, nullptr}
// clang-format on

template <NodeKind K>
constexpr auto kBinaryFields =
    std::array{LOOM_FIELD(BinaryNode<K>, a), LOOM_FIELD(BinaryNode<K>, b), LOOM_DTYPE(BinaryNode<K>)};

constexpr auto kIntImmFields = std::array{LOOM_FIELD(IntImmNode, value), LOOM_DTYPE(IntImmNode)};
constexpr auto kFloatImmFields = std::array{LOOM_FIELD(FloatImmNode, value), LOOM_DTYPE(FloatImmNode)};
constexpr auto kVarFields = std::array{LOOM_FIELD(VarNode, name), LOOM_DTYPE(VarNode)};
constexpr auto kBufferLoadFields =
    std::array{LOOM_FIELD(BufferLoadNode, buffer), LOOM_LIST(BufferLoadNode, indices), LOOM_DTYPE(BufferLoadNode)};
constexpr auto kNotFields = std::array{LOOM_FIELD(NotNode, a), LOOM_DTYPE(NotNode)};
constexpr auto kSelectFields = std::array{LOOM_FIELD(SelectNode, condition), LOOM_FIELD(SelectNode, true_value),
                                          LOOM_FIELD(SelectNode, false_value), LOOM_DTYPE(SelectNode)};
constexpr auto kCastFields = std::array{LOOM_FIELD(CastNode, value), LOOM_DTYPE(CastNode)};
constexpr auto kRampFields = std::array{LOOM_FIELD(RampNode, base), LOOM_FIELD(RampNode, stride),
                                        LOOM_FIELD(RampNode, lanes), LOOM_DTYPE(RampNode)};
constexpr auto kBroadcastFields =
    std::array{LOOM_FIELD(BroadcastNode, value), LOOM_FIELD(BroadcastNode, lanes), LOOM_DTYPE(BroadcastNode)};
constexpr auto kCallFields =
    std::array{FieldDef{"op", [](const void* p) { return to_field(intrinsic_name(deref<CallNode>(p).op)); }, nullptr},
               LOOM_LIST(CallNode, args), LOOM_DTYPE(CallNode)};

constexpr auto kForFields = std::array{
    LOOM_FIELD(ForNode, loop_var),
    LOOM_FIELD(ForNode, min),
    LOOM_FIELD(ForNode, extent),
    FieldDef{"kind", [](const void* p) { return to_field(for_kind_name(deref<ForNode>(p).for_kind)); }, nullptr},
    LOOM_FIELD(ForNode, thread_tag),
    LOOM_LIST(ForNode, annotations),
    LOOM_FIELD(ForNode, body)};
constexpr auto kBlockRealizeFields =
    std::array{LOOM_LIST(BlockRealizeNode, iter_values), LOOM_FIELD(BlockRealizeNode, predicate),
               LOOM_FIELD(BlockRealizeNode, block)};
constexpr auto kBlockFields = std::array{
    LOOM_FIELD(BlockNode, name),         LOOM_LIST(BlockNode, iter_vars),   LOOM_LIST(BlockNode, reads),
    LOOM_LIST(BlockNode, writes),        LOOM_FIELD(BlockNode, init),       LOOM_LIST(BlockNode, alloc_buffers),
    LOOM_LIST(BlockNode, match_buffers), LOOM_LIST(BlockNode, annotations), LOOM_FIELD(BlockNode, body)};
constexpr auto kBufferStoreFields = std::array{LOOM_FIELD(BufferStoreNode, buffer), LOOM_FIELD(BufferStoreNode, value),
                                               LOOM_LIST(BufferStoreNode, indices)};
constexpr auto kIfThenElseFields =
    std::array{LOOM_FIELD(IfThenElseNode, condition), LOOM_FIELD(IfThenElseNode, then_case),
               LOOM_FIELD(IfThenElseNode, else_case)};
constexpr auto kSeqStmtFields = std::array{LOOM_LIST(SeqStmtNode, seq)};
constexpr auto kEvaluateFields = std::array{LOOM_FIELD(EvaluateNode, value)};
constexpr auto kLetStmtFields =
    std::array{LOOM_FIELD(LetStmtNode, var), LOOM_FIELD(LetStmtNode, value), LOOM_FIELD(LetStmtNode, body)};
constexpr auto kAllocateFields = std::array{LOOM_FIELD(AllocateNode, buffer), LOOM_FIELD(AllocateNode, body)};

constexpr auto kBufferFields =
    std::array{LOOM_FIELD(BufferNode, name),   LOOM_FIELD(BufferNode, dtype),       LOOM_LIST(BufferNode, shape),
               LOOM_LIST(BufferNode, strides), LOOM_FIELD(BufferNode, elem_offset), LOOM_FIELD(BufferNode, scope)};
constexpr auto kPrimFuncFields =
    std::array{LOOM_FIELD(PrimFuncNode, name), LOOM_LIST(PrimFuncNode, params), LOOM_LIST(PrimFuncNode, buffer_map),
               LOOM_FIELD(PrimFuncNode, body), LOOM_LIST(PrimFuncNode, attrs)};

constexpr auto kIterVarFields = std::array{
    LOOM_FIELD(IterVar, var), LOOM_FIELD(IterVar, dom),
    FieldDef{"iter_type", [](const void* p) { return to_field(iter_type_name(deref<IterVar>(p).type)); }, nullptr}};
constexpr auto kRangeFields = std::array{LOOM_FIELD(Range, min), LOOM_FIELD(Range, extent)};
constexpr auto kBufferRegionFields = std::array{LOOM_FIELD(BufferRegion, buffer), LOOM_LIST(BufferRegion, region)};
constexpr auto kMatchBufferRegionFields =
    std::array{LOOM_FIELD(MatchBufferRegion, buffer), LOOM_FIELD(MatchBufferRegion, source)};
constexpr auto kBufferMapEntryFields =
    std::array{LOOM_NAMED(BufferMapEntry, "param", first), LOOM_NAMED(BufferMapEntry, "buffer", second)};
constexpr auto kAnnotationFields =
    std::array{LOOM_NAMED(Annotation, "key", first),
               FieldDef{"value", [](const void* p) { return ann_value_field(deref<Annotation>(p).second); },
                        [](const void* p, size_t i) { return ann_value_item(deref<Annotation>(p).second, i); }}};
constexpr auto kAnnValueFields =
    std::array{FieldDef{"value", [](const void* p) { return ann_value_field(deref<AnnValue>(p)); },
                        [](const void* p, size_t i) { return ann_value_item(deref<AnnValue>(p), i); }}};

#undef LOOM_FIELD
#undef LOOM_NAMED
#undef LOOM_LIST
#undef LOOM_DTYPE

/// The fields of a kind; empty for an unknown kind.
std::span<const FieldDef> fields_of(uint32_t kind) {
  switch (kind) {
    case LOOM_NODE_INT_IMM:
      return kIntImmFields;
    case LOOM_NODE_FLOAT_IMM:
      return kFloatImmFields;
    case LOOM_NODE_VAR:
      return kVarFields;
    case LOOM_NODE_BUFFER_LOAD:
      return kBufferLoadFields;
    case LOOM_NODE_NOT:
      return kNotFields;
    case LOOM_NODE_SELECT:
      return kSelectFields;
    case LOOM_NODE_CAST:
      return kCastFields;
    case LOOM_NODE_RAMP:
      return kRampFields;
    case LOOM_NODE_BROADCAST:
      return kBroadcastFields;
    case LOOM_NODE_CALL:
      return kCallFields;
      // clang-format off
#define LOOM_X(T) case static_cast<uint32_t>(NodeKind::T): return kBinaryFields<NodeKind::T>;
      LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
      LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
      LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
      // clang-format on
    case LOOM_NODE_FOR:
      return kForFields;
    case LOOM_NODE_BLOCK_REALIZE:
      return kBlockRealizeFields;
    case LOOM_NODE_BLOCK:
      return kBlockFields;
    case LOOM_NODE_BUFFER_STORE:
      return kBufferStoreFields;
    case LOOM_NODE_IF_THEN_ELSE:
      return kIfThenElseFields;
    case LOOM_NODE_SEQ_STMT:
      return kSeqStmtFields;
    case LOOM_NODE_EVALUATE:
      return kEvaluateFields;
    case LOOM_NODE_LET_STMT:
      return kLetStmtFields;
    case LOOM_NODE_ALLOCATE:
      return kAllocateFields;
    case LOOM_NODE_BUFFER:
      return kBufferFields;
    case LOOM_NODE_PRIM_FUNC:
      return kPrimFuncFields;
    case LOOM_NODE_ITER_VAR:
      return kIterVarFields;
    case LOOM_NODE_RANGE:
      return kRangeFields;
    case LOOM_NODE_BUFFER_REGION:
      return kBufferRegionFields;
    case LOOM_NODE_MATCH_BUFFER_REGION:
      return kMatchBufferRegionFields;
    case LOOM_NODE_BUFFER_MAP_ENTRY:
      return kBufferMapEntryFields;
    case LOOM_NODE_ANNOTATION:
      return kAnnotationFields;
    case LOOM_NODE_ANN_VALUE:
      return kAnnValueFields;
    default:
      return {};
  }
}

std::string_view kind_name(uint32_t kind) {
  if (is_object_kind(kind)) return node_kind_name(static_cast<NodeKind>(kind));
  switch (kind) {
    case LOOM_NODE_ITER_VAR:
      return "IterVar";
    case LOOM_NODE_RANGE:
      return "Range";
    case LOOM_NODE_BUFFER_REGION:
      return "BufferRegion";
    case LOOM_NODE_MATCH_BUFFER_REGION:
      return "MatchBufferRegion";
    case LOOM_NODE_BUFFER_MAP_ENTRY:
      return "BufferMapEntry";
    case LOOM_NODE_ANNOTATION:
      return "Annotation";
    case LOOM_NODE_ANN_VALUE:
      return "AnnValue";
    default:
      return {};
  }
}

// ---- lookup --------------------------------------------------------------------------

// Checks the node and finds the field `name` of its kind; fills the error otherwise.
loom_status find_field(loom_node node, std::string_view name, const FieldDef** out, loom_error* error) {
  if (node.ptr == nullptr) {
    return fail(error, LOOM_ERROR_ARGUMENT, "cannot read field \"" + std::string(name) + "\" of a null node");
  }
  std::span<const FieldDef> fields = fields_of(node.kind);
  if (fields.empty()) {
    return fail(error, LOOM_ERROR_ARGUMENT, "unknown node kind " + std::to_string(node.kind));
  }
  if (is_object_kind(node.kind) && static_cast<uint32_t>(static_cast<const Object*>(node.ptr)->kind()) != node.kind) {
    return fail(error, LOOM_ERROR_ARGUMENT,
                "the node's kind says " + std::string(kind_name(node.kind)) + " but it points at a " +
                    node_kind_name(static_cast<const Object*>(node.ptr)->kind()));
  }
  for (const FieldDef& f : fields) {
    if (f.name == name) {
      *out = &f;
      return LOOM_OK;
    }
  }
  std::string message =
      std::string(kind_name(node.kind)) + " has no field \"" + std::string(name) + "\"; its fields are: ";
  for (size_t i = 0; i < fields.size(); ++i) message += (i ? ", " : "") + std::string(fields[i].name);
  return fail(error, LOOM_ERROR_NOT_FOUND, std::move(message));
}

// A statement as the body of a function: loom's printer then gives its TVMScript lines.
std::string stmt_script(Stmt stmt) {
  if (const auto* block = stmt.as<BlockNode>()) {
    // A bare block prints as realized with its own iteration variables as bindings.
    std::vector<Expr> bindings;
    for (const IterVar& iv : block->iter_vars) bindings.push_back(iv.var);
    stmt = BlockRealizeNode::make(std::move(bindings), Expr(), Block(block));
  }
  std::string text = script::print(PrimFunc::make("fragment", {}, {}, std::move(stmt)));
  // Drop everything up to the `def` line, then one level of indentation.
  size_t def = text.find("\ndef ");
  size_t start = def == std::string::npos ? 0 : text.find('\n', def + 1) + 1;
  std::string out;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (line.starts_with("    ")) line.remove_prefix(4);
    out.append(line);
    out += '\n';
    start = end + 1;
  }
  return out;
}

std::string buffer_script(const BufferNode& b) {
  auto tuple = [](const std::vector<Expr>& items) {
    std::string s = "(";
    for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + to_string(items[i]);
    return s + (items.size() == 1 ? ",)" : ")");
  };
  std::string s = b.name + ": T.Buffer(" + tuple(b.shape) + ", \"" + b.dtype.to_string() + "\"";
  if (!b.strides.empty()) s += ", strides=" + tuple(b.strides);
  if (b.elem_offset.defined()) s += ", elem_offset=" + to_string(b.elem_offset);
  if (b.scope != "global") s += ", scope=\"" + b.scope + "\"";
  return s + ")";
}

}  // namespace

loom_node node_view(const Object* object) {
  if (object == nullptr) return loom_node{nullptr, 0};
  return loom_node{object, static_cast<uint32_t>(object->kind())};
}

loom_func* ir_func_new(PrimFunc func) { return new loom_func{std::move(func)}; }

loom_func* ir_func_copy(const loom_func* func) {
  if (func == nullptr) return nullptr;
  try {
    return new loom_func{func->func};
  } catch (...) {
    return nullptr;
  }
}

void ir_func_free(loom_func* func) { delete func; }

loom_node ir_func_node(const loom_func* func) {
  return func == nullptr ? loom_node{nullptr, 0} : node_view(func->func.get());
}

loom_str ir_node_kind_name(uint32_t kind) { return make_str(kind_name(kind)); }

size_t ir_node_num_fields(loom_node node) { return node.ptr == nullptr ? 0 : fields_of(node.kind).size(); }

loom_str ir_node_field_name(loom_node node, size_t index) {
  if (node.ptr == nullptr) return loom_str{"", 0};
  std::span<const FieldDef> fields = fields_of(node.kind);
  return index < fields.size() ? make_str(fields[index].name) : loom_str{"", 0};
}

loom_status ir_node_field(loom_node node, loom_str name, loom_field* out, loom_error* error) {
  return guarded(error, [&] {
    if (out == nullptr) return fail(error, LOOM_ERROR_ARGUMENT, "node_field: the output is null");
    const FieldDef* field = nullptr;
    if (loom_status s = find_field(node, view(name), &field, error); s != LOOM_OK) return s;
    *out = field->get(node.ptr);
    return LOOM_OK;
  });
}

loom_status ir_node_field_item(loom_node node, loom_str name, size_t index, loom_field* out, loom_error* error) {
  return guarded(error, [&] {
    if (out == nullptr) return fail(error, LOOM_ERROR_ARGUMENT, "node_field_item: the output is null");
    const FieldDef* field = nullptr;
    if (loom_status s = find_field(node, view(name), &field, error); s != LOOM_OK) return s;
    loom_field list = field->get(node.ptr);
    std::string what = std::string(kind_name(node.kind)) + "." + std::string(view(name));
    if (list.kind != LOOM_FIELD_LIST) return fail(error, LOOM_ERROR_ARGUMENT, what + " is not a list");
    if (index >= list.n_items) {
      return fail(error, LOOM_ERROR_ARGUMENT,
                  "index " + std::to_string(index) + " out of range: " + what + " has " + std::to_string(list.n_items) +
                      " items");
    }
    *out = field->item(node.ptr, index);
    return LOOM_OK;
  });
}

loom_status ir_node_script(loom_node node, char* buffer, size_t cap, size_t* size, loom_error* error) {
  return guarded(error, [&] {
    if (node.ptr == nullptr) return fail(error, LOOM_ERROR_ARGUMENT, "node_script: the node is null");
    std::string text;
    if (!is_object_kind(node.kind)) {
      std::string_view name = kind_name(node.kind);
      if (name.empty()) return fail(error, LOOM_ERROR_ARGUMENT, "unknown node kind " + std::to_string(node.kind));
      return fail(error, LOOM_ERROR_ARGUMENT,
                  "node_script prints expressions, statements, buffers and functions, not a " + std::string(name));
    }
    const auto* object = static_cast<const Object*>(node.ptr);
    NodeKind kind = object->kind();
    if (is_expr_kind(kind)) {
      text = to_string(Expr(static_cast<const ExprNode*>(object)));
    } else if (is_stmt_kind(kind)) {
      text = stmt_script(Stmt(static_cast<const StmtNode*>(object)));
    } else if (kind == NodeKind::Buffer) {
      text = buffer_script(*static_cast<const BufferNode*>(object));
    } else {
      text = script::print(PrimFunc(static_cast<const PrimFuncNode*>(object)));
    }
    if (size != nullptr) *size = text.size();
    if (buffer != nullptr) std::copy_n(text.data(), std::min(cap, text.size()), buffer);
    return LOOM_OK;
  });
}

}  // namespace loom::host::detail
