// loom/plugin_ir.hpp: read-only views of loom IR for plugins (included by loom/plugin.hpp),
// over the "IR views" of loom/plugin.h. Enough to walk any function and write a code
// generator from it:
//
//     ir::Func f = ...;                                  // owns a loom_func*
//     ir::PrimFunc func = f.node();
//     for (ir::Var p : func.params()) ...
//     if (auto loop = stmt.as<ir::For>()) {
//       loop->loop_var(); loop->extent(); loop->for_kind();  // "serial", "parallel", ...
//     }
//
// Node is the generic view: its kind, its fields by name (node(), list(), int_(), float_(),
// str(), dtype()). The typed views (For, Block, BufferLoad, Binary, ...) are Nodes with named
// accessors mirroring the core's IR (loom/ir/expr.h, stmt.h, function.h); `as<T>()` gives
// one when the kind matches, `is<T>()` tests. A view is a value (a pointer and a kind), valid
// as long as the handle it came from (a Func, or a schedule until its next change); two
// views denote the same object iff same() holds (variable identity).
//
// Errors (a missing field, a field read as the wrong type, an index out of range) throw
// loom::plugin::Error.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loom/plugin.h"
#include "loom/plugin_base.hpp"

namespace loom::plugin::ir {

/// The data type of an expression or a buffer element: a code, a bit width and a lane count.
struct DataType {
  uint8_t code = LOOM_DTYPE_VOID;  // loom_dtype_code
  uint8_t bits = 0;
  uint16_t lanes = 1;

  static DataType from(loom_dtype d) { return DataType{d.code, d.bits, d.lanes}; }

  bool is_int() const { return code == LOOM_DTYPE_INT; }
  bool is_uint() const { return code == LOOM_DTYPE_UINT; }
  /// float or bfloat.
  bool is_float() const { return code == LOOM_DTYPE_FLOAT || code == LOOM_DTYPE_BFLOAT; }
  bool is_bool() const { return code == LOOM_DTYPE_BOOL; }
  bool is_handle() const { return code == LOOM_DTYPE_HANDLE; }
  bool is_void() const { return code == LOOM_DTYPE_VOID; }
  bool is_scalar() const { return lanes == 1; }
  DataType element_of() const { return DataType{code, bits, 1}; }

  /// The TVMScript spelling, as loom's own: "float32", "int8", "bool", "handle", "int32x4".
  std::string to_string() const {
    std::string base;
    switch (code) {
      case LOOM_DTYPE_INT:
        base = "int" + std::to_string(bits);
        break;
      case LOOM_DTYPE_UINT:
        base = "uint" + std::to_string(bits);
        break;
      case LOOM_DTYPE_FLOAT:
        base = "float" + std::to_string(bits);
        break;
      case LOOM_DTYPE_BFLOAT:
        base = "bfloat" + std::to_string(bits);
        break;
      case LOOM_DTYPE_BOOL:
        base = "bool";
        break;
      case LOOM_DTYPE_HANDLE:
        return "handle";
      default:
        return "void";
    }
    if (lanes > 1) base += "x" + std::to_string(lanes);
    return base;
  }

  friend bool operator==(const DataType& a, const DataType& b) {
    return a.code == b.code && a.bits == b.bits && a.lanes == b.lanes;
  }
  friend bool operator!=(const DataType& a, const DataType& b) { return !(a == b); }
};

class Field;
template <typename T>
class List;

namespace detail {

// Reads a field, without allocating an error object unless the read fails (then again with
// one, for the message).
inline loom_field read_field(loom_node node, std::string_view name) {
  loom_field out{};
  loom_str n = to_str(name);
  if (host().node_field(node, n, &out, nullptr) != LOOM_OK) call_host(host().node_field, node, n, &out);
  return out;
}
inline loom_field read_item(loom_node node, std::string_view name, size_t index) {
  loom_field out{};
  loom_str n = to_str(name);
  if (host().node_field_item(node, n, index, &out, nullptr) != LOOM_OK) {
    call_host(host().node_field_item, node, n, index, &out);
  }
  return out;
}
inline const char* field_kind_name(uint32_t kind) {
  switch (kind) {
    case LOOM_FIELD_NULL:
      return "null";
    case LOOM_FIELD_NODE:
      return "a node";
    case LOOM_FIELD_LIST:
      return "a list";
    case LOOM_FIELD_INT:
      return "an integer";
    case LOOM_FIELD_FLOAT:
      return "a float";
    case LOOM_FIELD_STR:
      return "a string";
    case LOOM_FIELD_DTYPE:
      return "a dtype";
    default:
      return "unknown";
  }
}

}  // namespace detail

/// A view of any IR node or record (null when absent).
class Node {
 public:
  Node() = default;
  explicit Node(loom_node raw) : raw_(raw) {}

  const loom_node& raw() const { return raw_; }
  const void* ptr() const { return raw_.ptr; }
  bool is_null() const { return raw_.ptr == nullptr; }
  explicit operator bool() const { return raw_.ptr != nullptr; }
  /// The kind (meaningless for a null node).
  loom_node_kind kind() const { return static_cast<loom_node_kind>(raw_.kind); }
  /// "For", "BufferLoad", "IterVar", ...; "null" for a null node.
  std::string_view kind_name() const { return is_null() ? "null" : view(host().node_kind_name(raw_.kind)); }
  /// Identity: the same object (not merely an equal one).
  bool same(const Node& other) const { return raw_.ptr == other.raw_.ptr; }

  /// The field names of the node's kind, in plugin.h's order.
  size_t num_fields() const { return host().node_num_fields(raw_); }
  std::string_view field_name(size_t index) const { return view(host().node_field_name(raw_, index)); }
  std::vector<std::string_view> field_names() const {
    std::vector<std::string_view> names;
    for (size_t i = 0, n = num_fields(); i < n; ++i) names.push_back(field_name(i));
    return names;
  }

  /// Field `name`, whatever its kind. Throws Error when the kind has no such field.
  Field field(std::string_view name) const;
  /// A node field (a null Node when absent). Throws when the field is not a node.
  Node node(std::string_view name) const;
  /// A list field's items. Throws when the field is not a list.
  List<Node> list(std::string_view name) const;
  /// Scalar fields. Each throws when the field has another kind.
  int64_t int_(std::string_view name) const;
  double float_(std::string_view name) const;
  /// Valid as long as the view.
  std::string_view str(std::string_view name) const;
  DataType dtype(std::string_view name = "dtype") const;

  /// Whether the node is a T (false for a null node).
  template <typename T>
  bool is() const {
    return !is_null() && T::matches(raw_.kind);
  }
  /// The node as a T when it is one.
  template <typename T>
  std::optional<T> as() const {
    if (!is<T>()) return std::nullopt;
    return T(*this);
  }

  /// The node printed by loom: an expression, a statement (a TVMScript fragment), a buffer
  /// or a whole function.
  std::string script() const {
    std::string text(256, '\0');
    size_t size = 0;
    call_host(host().node_script, raw_, text.data(), text.size(), &size);
    if (size > text.size()) {
      text.resize(size);
      call_host(host().node_script, raw_, text.data(), text.size(), &size);
    }
    text.resize(size);
    return text;
  }

 protected:
  // A typed list field.
  template <typename T>
  List<T> list_of(std::string_view name) const;

  // The node checked to be a T (or null), for the typed views' constructors.
  template <typename T>
  static Node checked(Node n) {
    if (!n.is_null() && !T::matches(n.raw_.kind)) {
      throw Error("expected a " + std::string(T::kName) + " node, got a " + std::string(n.kind_name()),
                  LOOM_ERROR_ARGUMENT);
    }
    return n;
  }

 private:
  loom_node raw_{nullptr, 0};
};

/// The value of one field of a node: a node, a list, an integer, a float, a string or a dtype.
class Field {
 public:
  Field() = default;
  Field(Node owner, std::string_view name, loom_field raw) : owner_(owner), name_(name), raw_(raw) {}

  const loom_field& raw() const { return raw_; }
  loom_field_kind kind() const { return static_cast<loom_field_kind>(raw_.kind); }
  bool is_null() const { return raw_.kind == LOOM_FIELD_NULL; }
  bool is_node() const { return raw_.kind == LOOM_FIELD_NODE; }
  bool is_list() const { return raw_.kind == LOOM_FIELD_LIST; }
  bool is_int() const { return raw_.kind == LOOM_FIELD_INT; }
  bool is_float() const { return raw_.kind == LOOM_FIELD_FLOAT; }
  bool is_str() const { return raw_.kind == LOOM_FIELD_STR; }
  bool is_dtype() const { return raw_.kind == LOOM_FIELD_DTYPE; }

  /// The node (null for an absent one).
  Node node() const {
    if (is_null()) return Node();
    expect(LOOM_FIELD_NODE);
    return Node(raw_.node);
  }
  /// The number of items of a list.
  size_t size() const {
    expect(LOOM_FIELD_LIST);
    return raw_.n_items;
  }
  /// Item `index` of a list.
  Field item(size_t index) const {
    expect(LOOM_FIELD_LIST);
    return Field(Node(), {}, detail::read_item(owner_.raw(), name_, index));
  }
  int64_t int_() const {
    expect(LOOM_FIELD_INT);
    return raw_.i;
  }
  double float_() const {
    expect(LOOM_FIELD_FLOAT);
    return raw_.f;
  }
  std::string_view str() const {
    expect(LOOM_FIELD_STR);
    return view(raw_.s);
  }
  DataType dtype() const {
    expect(LOOM_FIELD_DTYPE);
    return DataType::from(raw_.dtype);
  }

 private:
  void expect(loom_field_kind kind) const {
    if (raw_.kind == static_cast<uint32_t>(kind)) return;
    std::string where = name_.empty() ? "the field" : std::string(owner_.kind_name()) + "." + name_;
    throw Error(where + " is " + detail::field_kind_name(raw_.kind) + ", not " + detail::field_kind_name(kind),
                LOOM_ERROR_ARGUMENT);
  }

  Node owner_;
  std::string name_;
  loom_field raw_{};
};

/// The items of a list field, as views of type T (Node, or a typed view).
template <typename T>
class List {
 public:
  List() = default;
  List(Node owner, std::string_view name, size_t size) : owner_(owner), name_(name), size_(size) {}

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  /// Item `index` (throws when out of range).
  T operator[](size_t index) const {
    return T(Field(Node(), {}, detail::read_item(owner_.raw(), name_, index)).node());
  }
  std::vector<T> to_vector() const {
    std::vector<T> items;
    items.reserve(size_);
    for (size_t i = 0; i < size_; ++i) items.push_back((*this)[i]);
    return items;
  }

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = T;
    iterator() = default;
    iterator(const List* list, size_t index) : list_(list), index_(index) {}
    T operator*() const { return (*list_)[index_]; }
    iterator& operator++() {
      ++index_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++index_;
      return old;
    }
    friend bool operator==(const iterator& a, const iterator& b) { return a.index_ == b.index_; }
    friend bool operator!=(const iterator& a, const iterator& b) { return a.index_ != b.index_; }

   private:
    const List* list_ = nullptr;
    size_t index_ = 0;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size_); }

 private:
  Node owner_;
  std::string name_;
  size_t size_ = 0;
};

inline Field Node::field(std::string_view name) const { return Field(*this, name, detail::read_field(raw_, name)); }
inline Node Node::node(std::string_view name) const { return field(name).node(); }
inline List<Node> Node::list(std::string_view name) const { return list_of<Node>(name); }
template <typename T>
List<T> Node::list_of(std::string_view name) const {
  return List<T>(*this, name, field(name).size());
}
inline int64_t Node::int_(std::string_view name) const { return field(name).int_(); }
inline double Node::float_(std::string_view name) const { return field(name).float_(); }
inline std::string_view Node::str(std::string_view name) const { return field(name).str(); }
inline DataType Node::dtype(std::string_view name) const { return field(name).dtype(); }

// ---------------------------------------------------------------------------------------
// Typed views. Each has the kinds it matches (`matches`), a checked constructor from a Node
// (throws Error for a node of another kind; null stays null) and named accessors.

#define LOOM_IR_VIEW(Name, Base, match)                \
 public:                                               \
  static constexpr std::string_view kName = #Name;     \
  static bool matches(uint32_t kind) { return match; } \
  Name() = default;                                    \
  explicit Name(Node n) : Base(Node::checked<Name>(n)) {}

/// Any expression: every expression has a dtype.
class Expr : public Node {
  LOOM_IR_VIEW(Expr, Node, kind <= LOOM_NODE_OR)
  DataType dtype() const { return Node::dtype("dtype"); }
};

/// Any statement.
class Stmt : public Node {
  LOOM_IR_VIEW(Stmt, Node, kind >= LOOM_NODE_FOR && kind <= LOOM_NODE_ALLOCATE)
};

class Buffer;
class Block;

class IntImm : public Expr {
  LOOM_IR_VIEW(IntImm, Expr, kind == LOOM_NODE_INT_IMM)
  int64_t value() const { return int_("value"); }
};

/// The value of an integer constant; nullopt for any other expression.
inline std::optional<int64_t> const_int(const Expr& e) {
  if (auto imm = e.as<IntImm>()) return imm->value();
  return std::nullopt;
}

class FloatImm : public Expr {
  LOOM_IR_VIEW(FloatImm, Expr, kind == LOOM_NODE_FLOAT_IMM)
  double value() const { return float_("value"); }
};

/// A variable; identified by its object (same()), not its name.
class Var : public Expr {
  LOOM_IR_VIEW(Var, Expr, kind == LOOM_NODE_VAR)
  std::string_view name() const { return str("name"); }
};

class BufferLoad : public Expr {
  LOOM_IR_VIEW(BufferLoad, Expr, kind == LOOM_NODE_BUFFER_LOAD)
  Buffer buffer() const;
  List<Expr> indices() const { return list_of<Expr>("indices"); }
};

/// The two-operand expressions: arithmetic (Add .. Max), comparisons (EQ .. GE) and And / Or.
class Binary : public Expr {
  LOOM_IR_VIEW(Binary, Expr, kind >= LOOM_NODE_ADD && kind <= LOOM_NODE_OR)
  /// Which operation: LOOM_NODE_ADD .. LOOM_NODE_OR.
  loom_node_kind op() const { return kind(); }
  /// "Add", "FloorDiv", "LT", "And", ...
  std::string_view op_name() const { return kind_name(); }
  bool is_compare() const { return kind() >= LOOM_NODE_EQ && kind() <= LOOM_NODE_GE; }
  bool is_logical() const { return kind() == LOOM_NODE_AND || kind() == LOOM_NODE_OR; }
  Expr a() const { return Expr(node("a")); }
  Expr b() const { return Expr(node("b")); }
};

class Not : public Expr {
  LOOM_IR_VIEW(Not, Expr, kind == LOOM_NODE_NOT)
  Expr a() const { return Expr(node("a")); }
};

/// condition ? true_value : false_value, evaluating all three.
class Select : public Expr {
  LOOM_IR_VIEW(Select, Expr, kind == LOOM_NODE_SELECT)
  Expr condition() const { return Expr(node("condition")); }
  Expr true_value() const { return Expr(node("true_value")); }
  Expr false_value() const { return Expr(node("false_value")); }
};

/// value converted to dtype().
class Cast : public Expr {
  LOOM_IR_VIEW(Cast, Expr, kind == LOOM_NODE_CAST)
  Expr value() const { return Expr(node("value")); }
};

class Ramp : public Expr {
  LOOM_IR_VIEW(Ramp, Expr, kind == LOOM_NODE_RAMP)
  Expr base() const { return Expr(node("base")); }
  Expr stride() const { return Expr(node("stride")); }
  int64_t lanes() const { return int_("lanes"); }
};

class Broadcast : public Expr {
  LOOM_IR_VIEW(Broadcast, Expr, kind == LOOM_NODE_BROADCAST)
  Expr value() const { return Expr(node("value")); }
  int64_t lanes() const { return int_("lanes"); }
};

/// An intrinsic call: op() is "exp", "sqrt", "if_then_else", ... (loom/ir/expr.h's list).
class Call : public Expr {
  LOOM_IR_VIEW(Call, Expr, kind == LOOM_NODE_CALL)
  std::string_view op() const { return str("op"); }
  List<Expr> args() const { return list_of<Expr>("args"); }
};

/// [min, min + extent).
class Range : public Node {
  LOOM_IR_VIEW(Range, Node, kind == LOOM_NODE_RANGE)
  Expr min() const { return Expr(node("min")); }
  Expr extent() const { return Expr(node("extent")); }
};

/// A block iteration variable, its domain and its type.
class IterVar : public Node {
  LOOM_IR_VIEW(IterVar, Node, kind == LOOM_NODE_ITER_VAR)
  Var var() const { return Var(node("var")); }
  Range dom() const { return Range(node("dom")); }
  /// "spatial", "reduce", "scan" or "opaque".
  std::string_view iter_type() const { return str("iter_type"); }
};

/// One value of an annotation's list.
class AnnValue : public Node {
  LOOM_IR_VIEW(AnnValue, Node, kind == LOOM_NODE_ANN_VALUE)
  /// An integer, a float, a string, an expression (a node) or a list of AnnValues.
  Field value() const { return field("value"); }
};

/// A key and its value on a loop, a block or a function.
class Annotation : public Node {
  LOOM_IR_VIEW(Annotation, Node, kind == LOOM_NODE_ANNOTATION)
  std::string_view key() const { return str("key"); }
  /// An integer, a float, a string, an expression (a node) or a list of AnnValues.
  Field value() const { return field("value"); }
};

class Buffer : public Node {
  LOOM_IR_VIEW(Buffer, Node, kind == LOOM_NODE_BUFFER)
  std::string_view name() const { return str("name"); }
  DataType dtype() const { return Node::dtype("dtype"); }
  List<Expr> shape() const { return list_of<Expr>("shape"); }
  /// Empty for a compact row-major buffer.
  List<Expr> strides() const { return list_of<Expr>("strides"); }
  /// Null means 0.
  Expr elem_offset() const { return Expr(node("elem_offset")); }
  /// "global", "shared", "local", ...
  std::string_view scope() const { return str("scope"); }
};

inline Buffer BufferLoad::buffer() const { return Buffer(node("buffer")); }

/// A rectangular region of a buffer, one Range per dimension.
class BufferRegion : public Node {
  LOOM_IR_VIEW(BufferRegion, Node, kind == LOOM_NODE_BUFFER_REGION)
  Buffer buffer() const { return Buffer(node("buffer")); }
  List<Range> region() const { return list_of<Range>("region"); }
};

/// A buffer bound as a view of a region of another (T.match_buffer in a block).
class MatchBufferRegion : public Node {
  LOOM_IR_VIEW(MatchBufferRegion, Node, kind == LOOM_NODE_MATCH_BUFFER_REGION)
  Buffer buffer() const { return Buffer(node("buffer")); }
  BufferRegion source() const { return BufferRegion(node("source")); }
};

class For : public Stmt {
  LOOM_IR_VIEW(For, Stmt, kind == LOOM_NODE_FOR)
  Var loop_var() const { return Var(node("loop_var")); }
  Expr min() const { return Expr(node("min")); }
  Expr extent() const { return Expr(node("extent")); }
  /// "serial", "parallel", "vectorized", "unroll" or "thread_binding".
  std::string_view for_kind() const { return str("kind"); }
  /// "threadIdx.x", ... for a thread_binding loop, else empty.
  std::string_view thread_tag() const { return str("thread_tag"); }
  List<Annotation> annotations() const { return list_of<Annotation>("annotations"); }
  Stmt body() const { return Stmt(node("body")); }
};

class Block : public Stmt {
  LOOM_IR_VIEW(Block, Stmt, kind == LOOM_NODE_BLOCK)
  std::string_view name() const { return str("name"); }
  List<IterVar> iter_vars() const { return list_of<IterVar>("iter_vars"); }
  List<BufferRegion> reads() const { return list_of<BufferRegion>("reads"); }
  List<BufferRegion> writes() const { return list_of<BufferRegion>("writes"); }
  /// Null when the block has no init.
  Stmt init() const { return Stmt(node("init")); }
  List<Buffer> alloc_buffers() const { return list_of<Buffer>("alloc_buffers"); }
  List<MatchBufferRegion> match_buffers() const { return list_of<MatchBufferRegion>("match_buffers"); }
  List<Annotation> annotations() const { return list_of<Annotation>("annotations"); }
  Stmt body() const { return Stmt(node("body")); }
};

class BlockRealize : public Stmt {
  LOOM_IR_VIEW(BlockRealize, Stmt, kind == LOOM_NODE_BLOCK_REALIZE)
  /// One binding per iteration variable of the block.
  List<Expr> iter_values() const { return list_of<Expr>("iter_values"); }
  /// A bool expression (the constant true when the block always runs).
  Expr predicate() const { return Expr(node("predicate")); }
  Block block() const { return Block(node("block")); }
};

class BufferStore : public Stmt {
  LOOM_IR_VIEW(BufferStore, Stmt, kind == LOOM_NODE_BUFFER_STORE)
  Buffer buffer() const { return Buffer(node("buffer")); }
  Expr value() const { return Expr(node("value")); }
  List<Expr> indices() const { return list_of<Expr>("indices"); }
};

class IfThenElse : public Stmt {
  LOOM_IR_VIEW(IfThenElse, Stmt, kind == LOOM_NODE_IF_THEN_ELSE)
  Expr condition() const { return Expr(node("condition")); }
  Stmt then_case() const { return Stmt(node("then_case")); }
  /// Null when there is no else.
  Stmt else_case() const { return Stmt(node("else_case")); }
};

class SeqStmt : public Stmt {
  LOOM_IR_VIEW(SeqStmt, Stmt, kind == LOOM_NODE_SEQ_STMT)
  List<Stmt> seq() const { return list_of<Stmt>("seq"); }
};

class Evaluate : public Stmt {
  LOOM_IR_VIEW(Evaluate, Stmt, kind == LOOM_NODE_EVALUATE)
  Expr value() const { return Expr(node("value")); }
};

class LetStmt : public Stmt {
  LOOM_IR_VIEW(LetStmt, Stmt, kind == LOOM_NODE_LET_STMT)
  Var var() const { return Var(node("var")); }
  Expr value() const { return Expr(node("value")); }
  Stmt body() const { return Stmt(node("body")); }
};

class Allocate : public Stmt {
  LOOM_IR_VIEW(Allocate, Stmt, kind == LOOM_NODE_ALLOCATE)
  Buffer buffer() const { return Buffer(node("buffer")); }
  Stmt body() const { return Stmt(node("body")); }
};

/// A handle parameter of a function and the buffer bound to it.
class BufferMapEntry : public Node {
  LOOM_IR_VIEW(BufferMapEntry, Node, kind == LOOM_NODE_BUFFER_MAP_ENTRY)
  Var param() const { return Var(node("param")); }
  Buffer buffer() const { return Buffer(node("buffer")); }
};

class PrimFunc : public Node {
  LOOM_IR_VIEW(PrimFunc, Node, kind == LOOM_NODE_PRIM_FUNC)
  std::string_view name() const { return str("name"); }
  List<Var> params() const { return list_of<Var>("params"); }
  /// In parameter order; only the handle parameters have an entry.
  List<BufferMapEntry> buffer_map() const { return list_of<BufferMapEntry>("buffer_map"); }
  /// The buffer bound to a parameter, or a null Buffer for a scalar parameter.
  Buffer buffer_of(const Var& param) const {
    for (BufferMapEntry e : buffer_map()) {
      if (e.param().same(param)) return e.buffer();
    }
    return Buffer();
  }
  Stmt body() const { return Stmt(node("body")); }
  List<Annotation> attrs() const { return list_of<Annotation>("attrs"); }
  /// The root block (the body's block); throws Error for a function without one (a lowered
  /// function).
  Block root_block() const {
    Stmt b = body();
    if (auto realize = b.as<BlockRealize>()) return realize->block();
    if (auto block = b.as<Block>()) return *block;
    throw Error("function " + std::string(name()) + " has no root block", LOOM_ERROR_ARGUMENT);
  }
};

/// Visits `node` and everything under it in pre-order (every node field and list item, so
/// expressions too); `visit` returns whether to descend into the node's children.
inline void walk(const Node& node, const std::function<bool(const Node&)>& visit) {
  if (node.is_null() || !visit(node)) return;
  for (size_t i = 0, n = node.num_fields(); i < n; ++i) {
    Field field = node.field(node.field_name(i));
    if (field.is_node()) {
      walk(field.node(), visit);
    } else if (field.is_list()) {
      for (size_t k = 0, m = field.size(); k < m; ++k) {
        Field item = field.item(k);
        if (item.is_node()) walk(item.node(), visit);
      }
    }
  }
}

#undef LOOM_IR_VIEW

/// An owned function snapshot (loom_func*), released on destruction; copying copies the handle.
class Func {
 public:
  Func() = default;
  /// Takes ownership of `owned` (from sch_func, or another *_copy).
  explicit Func(loom_func* owned) : func_(owned) {}
  /// An owned copy of a borrowed handle.
  static Func copy_of(const loom_func* borrowed) {
    return Func(borrowed == nullptr ? nullptr : host().func_copy(borrowed));
  }
  Func(const Func& other) : func_(other.func_ == nullptr ? nullptr : host().func_copy(other.func_)) {}
  Func(Func&& other) noexcept : func_(std::exchange(other.func_, nullptr)) {}
  Func& operator=(Func other) noexcept {
    std::swap(func_, other.func_);
    return *this;
  }
  ~Func() {
    if (func_ != nullptr) host().func_free(func_);
  }

  loom_func* get() const { return func_; }
  /// Gives up ownership.
  loom_func* release() { return std::exchange(func_, nullptr); }
  explicit operator bool() const { return func_ != nullptr; }

  /// The function's view, valid as long as this handle.
  PrimFunc node() const { return func_ == nullptr ? PrimFunc() : PrimFunc(Node(host().func_node(func_))); }

 private:
  loom_func* func_ = nullptr;
};

// ---------------------------------------------------------------------------------------
// Analyses over views that more than one plugin needs, written once here.

/// The exact value of a float16 (IEEE binary16: 1 sign, 5 exponent, 10 mantissa bits)
/// storage pattern, as a runner reads a float16 buffer (infinities stay infinite, a NaN
/// pattern gives a quiet NaN).
inline float float16_bits_to_float(uint16_t bits) {
  const uint32_t sign = (bits >> 15) & 1, exp = (bits >> 10) & 0x1f, mant = bits & 0x3ff;
  float value;
  if (exp == 0) {
    value = std::ldexp(static_cast<float>(mant), -24);
  } else if (exp == 31) {
    value = mant == 0 ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
  } else {
    value = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  }
  return sign ? -value : value;
}

/// The variables and buffers that `n` (a statement or an expression) refers to without
/// defining them itself, each once, in the order of their first use: what a body outlined
/// into a function of its own must be passed (a parallel loop's closure). The fields of a
/// buffer it uses are entered (a symbolic shape, strides or offset uses their variables).
/// Defined inside `n`, and so left out: loop variables (For), let variables (LetStmt),
/// allocated buffers (Allocate, and a Block's alloc_buffers and match_buffers) and block
/// iteration variables. A variable used before it is defined counts as defined (well-formed
/// IR has none).
inline std::vector<Node> free_vars_and_buffers(const Node& n) {
  std::vector<Node> used;
  std::vector<const void*> defined;
  auto define = [&](const Node& x) {
    if (!x.is_null()) defined.push_back(x.ptr());
  };
  auto visit = [&](auto& self, const Node& x) -> void {
    if (x.is_null()) return;
    const loom_node_kind kind = x.kind();
    if (kind == LOOM_NODE_VAR || kind == LOOM_NODE_BUFFER) {
      for (const Node& u : used) {
        if (u.same(x)) return;
      }
      used.push_back(x);
      if (kind == LOOM_NODE_VAR) return;
    }
    if (kind == LOOM_NODE_FOR) define(x.node("loop_var"));
    if (kind == LOOM_NODE_LET_STMT) define(x.node("var"));
    if (kind == LOOM_NODE_ALLOCATE) define(x.node("buffer"));
    if (kind == LOOM_NODE_ITER_VAR) define(x.node("var"));
    if (kind == LOOM_NODE_BLOCK) {
      for (Node b : x.list("alloc_buffers")) define(b);
    }
    if (kind == LOOM_NODE_MATCH_BUFFER_REGION) define(x.node("buffer"));
    for (size_t i = 0, count = x.num_fields(); i < count; ++i) {
      Field f = x.field(x.field_name(i));
      if (f.is_node()) {
        self(self, f.node());
      } else if (f.is_list()) {
        for (size_t k = 0; k < f.size(); ++k) {
          Field item = f.item(k);
          if (item.is_node()) self(self, item.node());
        }
      }
    }
  };
  visit(visit, n);
  std::vector<Node> out;
  for (const Node& u : used) {
    if (std::find(defined.begin(), defined.end(), u.ptr()) == defined.end()) out.push_back(u);
  }
  return out;
}

}  // namespace loom::plugin::ir
