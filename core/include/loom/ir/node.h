// The base of every IR node: an intrusive reference count, a kind tag, and the single
// list of node kinds from which the kind enum, the visitors and the dispatch are generated.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

namespace loom::ir {

// The node list, written once. Adding a node is one line here plus its struct and its
// semantics (printer, parser, equality, interpreter).
#define LOOM_FOR_EACH_BINARY_EXPR(X) \
  X(Add) X(Sub) X(Mul) X(Div) X(Mod) X(FloorDiv) X(FloorMod) X(Min) X(Max)
#define LOOM_FOR_EACH_COMPARE_EXPR(X) X(EQ) X(NE) X(LT) X(LE) X(GT) X(GE)
#define LOOM_FOR_EACH_LOGICAL_EXPR(X) X(And) X(Or)
#define LOOM_FOR_EACH_OTHER_EXPR(X) \
  X(IntImm) X(FloatImm) X(Var) X(BufferLoad) X(Not) X(Select) X(Cast) X(Ramp) X(Broadcast) X(Call)
#define LOOM_FOR_EACH_EXPR(X)   \
  LOOM_FOR_EACH_OTHER_EXPR(X)   \
  LOOM_FOR_EACH_BINARY_EXPR(X)  \
  LOOM_FOR_EACH_COMPARE_EXPR(X) \
  LOOM_FOR_EACH_LOGICAL_EXPR(X)
#define LOOM_FOR_EACH_STMT(X) \
  X(For) X(BlockRealize) X(Block) X(BufferStore) X(IfThenElse) X(SeqStmt) X(Evaluate) X(LetStmt) X(Allocate)

/// The kind tag of every node. Expressions first, then statements, then the non-IR
/// objects (buffers, functions).
enum class NodeKind : uint8_t {
#define LOOM_X(T) T,
  LOOM_FOR_EACH_EXPR(LOOM_X) LOOM_FOR_EACH_STMT(LOOM_X)
#undef LOOM_X
  Buffer,
  PrimFunc,
};

/// The name of a kind, e.g. "BlockRealize".
const char* node_kind_name(NodeKind kind);
bool is_expr_kind(NodeKind kind);
bool is_stmt_kind(NodeKind kind);

/// Base of all reference-counted IR objects. Nodes are immutable once built: every field is
/// set by the node's `make` and never changed afterwards (a change builds a new node).
class Object {
 public:
  explicit Object(NodeKind kind) : kind_(kind) {}
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  virtual ~Object() = default;

  NodeKind kind() const { return kind_; }

  void inc_ref() const { ref_count_.fetch_add(1, std::memory_order_relaxed); }
  /// Returns true when this was the last reference.
  bool dec_ref() const { return ref_count_.fetch_sub(1, std::memory_order_acq_rel) == 1; }
  int use_count() const { return ref_count_.load(std::memory_order_relaxed); }

 private:
  mutable std::atomic<int32_t> ref_count_{0};
  NodeKind kind_;
};

/// An intrusive shared pointer to an immutable node of type T (T derives from Object).
/// Null is a valid value (an absent optional child).
template <typename T>
class Ref {
 public:
  using element_type = T;

  Ref() = default;
  Ref(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  explicit Ref(const T* ptr) : ptr_(ptr) {
    if (ptr_) ptr_->inc_ref();
  }
  Ref(const Ref& other) : Ref(other.ptr_) {}
  Ref(Ref&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  template <typename U>
    requires std::is_convertible_v<const U*, const T*>
  Ref(const Ref<U>& other) : Ref(static_cast<const T*>(other.get())) {}  // NOLINT
  ~Ref() { reset(); }

  Ref& operator=(Ref other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }

  void reset() {
    if (ptr_ && ptr_->dec_ref()) delete ptr_;
    ptr_ = nullptr;
  }

  const T* get() const { return ptr_; }
  const T* operator->() const { return ptr_; }
  const T& operator*() const { return *ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }
  bool defined() const { return ptr_ != nullptr; }

  /// Identity comparison (the same node object).
  bool same_as(const Ref& other) const { return ptr_ == other.ptr_; }
  template <typename U>
  bool same_as(const Ref<U>& other) const {
    return static_cast<const Object*>(ptr_) == static_cast<const Object*>(other.get());
  }

  /// Downcast by kind tag: returns the node as `const U*` when it is a U, else nullptr.
  template <typename U>
  const U* as() const {
    if (ptr_ && ptr_->kind() == U::kKind) return static_cast<const U*>(ptr_);
    return nullptr;
  }
  template <typename U>
  bool is() const {
    return ptr_ && ptr_->kind() == U::kKind;
  }

 private:
  const T* ptr_ = nullptr;
};

/// Hash and equality of references by identity, for unordered containers keyed by node.
struct RefHash {
  template <typename T>
  size_t operator()(const Ref<T>& ref) const {
    return std::hash<const void*>()(ref.get());
  }
};
struct RefEqual {
  template <typename T>
  bool operator()(const Ref<T>& a, const Ref<T>& b) const {
    return a.same_as(b);
  }
};
/// Strict weak order by identity, for std::map keyed by node.
struct RefLess {
  template <typename T>
  bool operator()(const Ref<T>& a, const Ref<T>& b) const {
    return std::less<const void*>()(a.get(), b.get());
  }
};

}  // namespace loom::ir
