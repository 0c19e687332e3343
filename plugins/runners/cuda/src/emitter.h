// The CUDA generator's emitter (loom/cuda/codegen.h): one KernelEmitter per kernel writes its
// `__global__` function. codegen.cc has the entry point, the kernel's parameters and the
// statements; emit_expr.cc the expressions, dtypes, literals, names and the prelude's helpers.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "loom/cuda/codegen.h"

namespace loom::cuda {

namespace pir = loom::plugin::ir;

/// Throws CudaCodegenError(message).
[[noreturn]] inline void fail(const std::string& message) { throw CudaCodegenError(message); }

/// The device functions a translation unit may need, written before its kernels (in this
/// order) when some kernel uses them.
enum class Helper { kRoundHalf, kRoundBfloat16, kIntDivision, kMinMax, kAbs, kFloatToInt, kWarpMask };
const char* helper_text(Helper helper);

/// How a value of element dtype `t` is held in a variable: float for the 16-bit floats
/// (rounded back after every operation), the C type of its width otherwise.
std::string reg_type(pir::DataType t);
/// An array element of dtype `t`: __half and __nv_bfloat16 for the 16-bit floats.
std::string storage_type(pir::DataType t);
/// Bytes of one element of dtype `t` (bool: 1).
int64_t element_bytes(pir::DataType t);

/// `name` as a C identifier (other characters become '_', a leading digit gets a '_').
std::string sanitize(std::string_view name);

/// Unique C identifiers for the variables and buffers of one kernel.
class Names {
 public:
  /// A new name from `base` (sanitized; made unique; a C/CUDA keyword, a built-in or a
  /// name of the generator's own gets a suffix).
  std::string fresh(std::string_view base);
  /// fresh(base), bound to `node` (a Var or a Buffer).
  std::string define(const pir::Node& node, std::string_view base);
  /// The name bound to `node`, or null.
  const std::string* find(const pir::Node& node) const;

 private:
  std::unordered_set<std::string> used_;
  std::unordered_map<const void*, std::string> bound_;
};

/// Facts about a variable's value the emitter uses.
struct VarFacts {
  /// The value is a multiple of this (0: it is 0).
  int64_t multiple = 1;
  bool nonneg = false;
  /// The value may differ between the threads of a block (a threadIdx variable, a value
  /// loaded from memory, or one computed from those).
  bool thread_dependent = true;
};

/// What every kernel of the translation unit shares.
struct UnitState {
  std::set<Helper> helpers;
  bool uses_half = false;
  bool uses_bfloat16 = false;
};

class KernelEmitter {
 public:
  KernelEmitter(const pir::PrimFunc& func, const std::vector<pir::Buffer>& globals, UnitState& unit)
      : func_(func), globals_(globals), unit_(unit) {}

  /// The text of `kernel` as the __global__ function `name`; fills `info`.
  std::string emit(const pir::Stmt& kernel, const std::string& name, CudaKernelInfo& info);

 private:
  // Statements (codegen.cc).
  void collect_launch(const pir::Stmt& kernel);
  void declare_params(const pir::Stmt& kernel, CudaKernelInfo& info);
  void stmt(const pir::Stmt& s);
  void emit_for(const pir::For& loop);
  void emit_thread_loop(const pir::For& loop);
  void emit_store(const pir::BufferStore& s);
  void emit_if(const pir::IfThenElse& s);
  void emit_let(const pir::LetStmt& s);
  void emit_allocate(const pir::Allocate& s);
  void emit_evaluate(const pir::Evaluate& s);
  void line(const std::string& text);
  /// Writes the hoisted vector loads of the statement being emitted.
  void flush_pending();
  std::string linear_thread_index() const;
  int64_t threads_per_block() const { return launch_[3] * launch_[4] * launch_[5]; }
  /// Whether some enclosing threadIdx loop is guarded (its extent below the launch's).
  bool thread_guarded() const;

  // Expressions (emit_expr.cc). `lane` selects one lane of a vector expression (ignored by
  // scalar ones).
  std::string expr(const pir::Expr& e, int lane = 0);
  std::string binary(const pir::Binary& e, int lane);
  std::string call(const pir::Call& e, int lane);
  std::string shuffle(const pir::Call& e, int lane);
  std::string cast(const std::string& value, pir::DataType from, pir::DataType to);
  std::string int_literal(int64_t value, pir::DataType t);
  std::string float_literal(double value, pir::DataType t);
  /// A float result of dtype `t` rounded to it (the identity for float32 / float64).
  std::string round_narrow(const std::string& value, pir::DataType t);
  std::string load(const pir::BufferLoad& e, int lane);
  /// The element index text of `buffer[indices]` at `lane`.
  std::string index_text(const pir::Buffer& buffer, const pir::List<pir::Expr>& indices, int lane);
  /// The (flat) index of a one-index access; throws for an unflattened buffer.
  pir::Expr flat_index(const pir::Buffer& buffer, const pir::List<pir::Expr>& indices);
  /// "float4" / "float2" / "int4" / "int2" when buffer[index] can be one aligned vector
  /// access (see codegen.h), else "".
  std::string vector_type(const pir::Buffer& buffer, const pir::Expr& index, pir::DataType value_type) const;
  const std::string& buffer_name(const pir::Buffer& buffer) const;
  std::string var_name(const pir::Var& v, int lane) const;

  // Analyses of integer expressions.
  int64_t known_multiple(const pir::Expr& e) const;
  bool nonneg(const pir::Expr& e) const;
  bool thread_dependent(const pir::Expr& e) const;
  VarFacts facts_of(const pir::Expr& value) const;

  const pir::PrimFunc& func_;
  const std::vector<pir::Buffer>& globals_;
  UnitState& unit_;

  Names names_;
  std::unordered_map<const void*, VarFacts> facts_;
  /// The per-lane names of a vector let variable.
  std::unordered_map<const void*, std::vector<std::string>> lane_names_;
  std::unordered_set<const void*> written_;
  /// The hoisted vector loads of the statement being emitted, by address text.
  std::unordered_map<std::string, std::string> hoisted_;
  std::vector<std::string> pending_;
  std::string body_;
  int indent_ = 1;
  std::string kernel_name_;

  /// Launch extents: blockIdx.x/y/z, threadIdx.x/y/z.
  std::array<int64_t, 6> launch_{1, 1, 1, 1, 1, 1};
  /// The extents of the enclosing ThreadBinding loops per tag (the launch's when none).
  std::array<int64_t, 6> guard_{1, 1, 1, 1, 1, 1};
  /// Enclosing branches or loops whose condition or bounds depend on the thread.
  int divergent_ = 0;
  /// Enclosing threadIdx loops.
  int thread_depth_ = 0;
  /// Enclosing serial loops.
  int loop_depth_ = 0;
  /// Enclosing if_then_else branches (no vector load is hoisted out of them).
  int lazy_ = 0;
  int64_t shared_bytes_ = 0;
};

/// Whether the first statement of `body` (below any further Allocates) that uses `buffer`
/// only stores to it, in loops of known bounds at indices it can evaluate, writing each of its
/// `elements` elements (shared_cover.cc): then nothing reads the buffer's initial zeros.
bool written_before_read(const pir::Buffer& buffer, int64_t elements, const pir::Stmt& body);

/// The launch-dimension slot of a thread tag ("blockIdx.x" -> 0, ..., "threadIdx.z" -> 5);
/// -1 for another tag.
int tag_slot(std::string_view tag);

}  // namespace loom::cuda
