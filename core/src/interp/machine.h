// The state of one interpreter run (private to the module): variable and buffer
// environments, expression evaluation and statement execution.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loom/interp/interpreter.h"
#include "loom/ir/stmt.h"
#include "value.h"

namespace loom::interp {

/// A buffer as the running program sees it: where its elements live and how an index maps
/// to an element. Element (i0, ..., in) is at elem_offset + sum(i_d * strides[d]) elements
/// from `data`, which must lie in [0, storage_elems).
struct BufferView {
  std::string name;
  ir::DataType dtype;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  int64_t elem_offset = 0;
  uint8_t* data = nullptr;
  int64_t storage_elems = 0;
  /// The SIMT race-detection shadow of the storage (one entry per storage element), or null
  /// for storage private to one thread.
  void* shadow = nullptr;
};

/// What a SIMT run adds to one logical thread's Machine: its thread indices, the race
/// checks on shared storage, block-shared allocations, collectives and error locations.
class ThreadHooks {
 public:
  virtual ~ThreadHooks() = default;
  /// The thread's index for a ThreadBinding tag ("blockIdx.x", "threadIdx.y", ...).
  virtual int64_t thread_index(const std::string& tag) = 0;
  /// Records an access to element `offset` of `view` (which has a shadow).
  virtual void on_access(const BufferView& view, int64_t offset, bool is_store) = 0;
  /// Provides the storage of an allocation that is not private to the thread ("shared"
  /// scope): returns true and fills `view` when it did.
  virtual bool on_allocate(const ir::Buffer& buffer, BufferView* view) = 0;
  /// Runs a collective intrinsic (storage_sync, warp_shuffle, warp_shuffle_down).
  virtual Value collective(const ir::CallNode* op, const std::vector<Value>& args) = 0;
  /// The suffix naming the thread in error messages.
  virtual std::string thread_name() const = 0;
};

/// Walks the IR with an environment of variable values and buffer views. Bindings are
/// scoped: a loop, block, let or allocation restores what it shadowed when it ends.
class Machine {
 public:
  explicit Machine(std::string func_name) : func_name_(std::move(func_name)) {}

  /// The value of an expression in the current environment. Throws RuntimeError.
  Value eval(const ir::Expr& expr);
  /// Runs a statement. Throws RuntimeError.
  void exec(const ir::Stmt& stmt);

  /// Binds a variable / buffer for the rest of the run (parameters).
  void define_var(const ir::VarNode* var, Value value) { vars_[var] = VarSlot{std::move(value), true}; }
  void define_buffer(const ir::BufferNode* buffer, BufferView view) { buffers_[buffer] = std::move(view); }
  /// Makes this Machine one logical thread of a SIMT run (null: the sequential interpreter).
  void set_hooks(ThreadHooks* hooks) { hooks_ = hooks; }
  /// Calls `attach` on every bound buffer view (SIMT mode gives them race shadows).
  template <typename F>
  void attach_shadows(F attach) {
    for (auto& entry : buffers_) attach(&entry.second);
  }
  /// The value of a bound variable, or null.
  const Value* lookup_var(const ir::VarNode* var) const;

  /// A scalar integer expression's value (throws RuntimeError naming `what` otherwise).
  int64_t eval_int(const ir::Expr& expr, const char* what);
  /// Fresh zeroed storage and a compact-or-strided view for `buffer` (alloc_buffer,
  /// Allocate); the storage is owned by `storage`.
  BufferView allocate(const ir::Buffer& buffer, std::vector<uint8_t>* storage);

  /// The suffix that locates an error: ", in block \"C\" of function \"f\"" (or ", in
  /// function \"f\"" outside blocks).
  std::string where() const;

 private:
  /// Restores shadowed variable and buffer bindings when a scope ends.
  class Scope;

  Value eval_load(const ir::BufferLoadNode* op);
  Value eval_call(const ir::CallNode* op);
  Value eval_binary(const ir::ExprNode* op, const ir::Expr& a, const ir::Expr& b);
  Value eval_if_then_else(const ir::CallNode* op);

  void exec_for(const ir::ForNode* op);
  void exec_block_realize(const ir::BlockRealizeNode* op);
  void exec_block(const ir::BlockNode* block, const std::vector<Value>& iter_values);
  void exec_store(const ir::BufferStoreNode* op);
  void exec_allocate(const ir::AllocateNode* op);
  void bind_match_buffer(const ir::MatchBufferRegion& match, Scope* scope);

  const BufferView& view_of(const ir::Buffer& buffer);
  /// The element offset of a lane's index tuple, after the bounds and storage checks.
  int64_t element_offset(const BufferView& view, const std::vector<Value>& indices, int lane, bool is_store);
  /// Whether lane `lane` of a `lanes`-wide value is active under the current mask.
  bool lane_active(int lane, int lanes) const;

  /// A variable's current value. Slots are never erased, only unbound, so a scope can keep
  /// a pointer to its slot and re-binding in a loop allocates nothing.
  struct VarSlot {
    Value value;
    bool bound = false;
  };

  std::string func_name_;
  ThreadHooks* hooks_ = nullptr;
  std::unordered_map<const ir::VarNode*, VarSlot> vars_;
  std::unordered_map<const ir::BufferNode*, BufferView> buffers_;
  /// Lanes that a lazy vector if_then_else selected; empty means all lanes are active.
  std::vector<char> mask_;
  /// Names of the blocks being executed, innermost last (for error messages).
  std::vector<const std::string*> blocks_;
};

/// Binds every parameter of `func` to `args` in `machine` (the checks of run()). Scalars
/// first, then the variables that appear bare as buffer dimensions, strides or offsets, so
/// that any dimension expression can then be checked. Throws ArgumentError.
void bind_args(Machine* machine, const ir::PrimFunc& func, const std::vector<Arg>& args);

}  // namespace loom::interp
