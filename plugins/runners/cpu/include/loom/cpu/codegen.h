// loom/cpu/codegen.h: the LLVM code generator of the CPU runner. It turns a lowered
// function (no blocks: loops, Allocate, BufferStore / BufferLoad, IfThenElse, LetStmt,
// SeqStmt, Evaluate and every expression kind) into LLVM IR with the LLVM 16 C++ API,
// optimizes it at O3 for the host CPU and JIT-compiles it with ORC (LLJIT).
//
// It reads the IR only through the plugin views (loom/plugin_ir.hpp), so the host table
// must be set (a plugin has it; a test calls loom::plugin::set_host(loom::host::host_api())).
//
// Calling convention. The compiled function is
//
//     extern "C" void NAME(void** args);
//
// with one entry per function parameter, in parameter order:
//   - a buffer parameter: a pointer to the first element of its storage (compact row-major
//     unless the buffer declares strides; its elem_offset, if any, is added in elements).
//     Element storage is the NDArray layout: integers in their width, bool one byte (0 or 1),
//     float16 / bfloat16 as 16-bit patterns. The pointers must be aligned to the element
//     size (to 64 bytes when CodegenOptions::assume_aligned is set), and buffers must not
//     overlap: every buffer parameter is `noalias`.
//   - a scalar parameter: a pointer to its value in its dtype's storage (int32_t for int32,
//     double for float64, one byte for bool, ...).
// Internally NAME unpacks args and calls NAME.body(ptr noalias A, ptr noalias B, ..., i32 n)
// (one typed parameter per function parameter), which is inlined into it.
//
// Semantics follow the reference interpreter (loom/interp/interpreter.h): integers wrap,
// integer division / modulo by zero gives 0 (the interpreter throws instead; the kernel
// cannot), float -> integer casts truncate and saturate (NaN -> 0), float16 / bfloat16
// arithmetic and math run in float32 and round back after every operation, min / max on
// floats are select(a < b, a, b), T.round rounds ties to even, if_then_else is lazy.
// Allocate buffers start zeroed (on the stack up to 64 KiB, else calloc / free).
// A float64 -> bfloat16 cast rounds through float32 (the interpreter rounds once).
//
// Loops: serial loops are plain loops; unrolled loops carry llvm.loop.unroll.full;
// a parallel loop's body is outlined into NAME.par.K(i64 lo, i64 hi, ptr closure) (a
// closure struct on the caller's stack holds the variables and buffers the body uses) and
// run through loom_parallel_for (loom/cpu/runtime.h, oneTBB; nested parallel loops nest);
// thread_binding loops are rejected.
//
// Vectors: the code generator has no vectorizer of its own; lowering's vectorize_loops
// (loom/lower/vectorize_loops.h) is the one. Ramp / Broadcast expressions are vectors of
// their lanes; a load or store whose last index is a unit-stride Ramp (the others scalar) is
// one vector access, other vector indices are per-lane gathers / scatters. A `vectorized`
// loop left in the function (lowering leaves none) is emitted as a serial loop: never a
// wrong result, and the O3 pipeline's loop vectorizer may still vectorize it.
//
// The sources, one idea each: codegen.cc (these entry points: verify, optimise, object
// file, JIT), target.cc (the target CPU), emitter.h with emit_stmt.cc, emit_parallel.cc,
// emit_memory.cc and emit_expr.cc (the IR -> LLVM IR emitter).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "loom/plugin_ir.hpp"

namespace loom::cpu {

/// A function the code generator cannot compile (a block, a thread binding, an unknown
/// intrinsic, a vector if_then_else, a symbolic Allocate size, ...).
class CodegenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CodegenOptions {
  /// The target CPU and its features ("+avx2,-avx512f,..."); empty means the host's
  /// (llvm::sys::getHostCPUName / getHostCPUFeatures).
  std::string cpu;
  std::string features;
  /// 0..3 (O3 by default).
  int opt_level = 3;
  /// Whether a float multiply and add may be fused into one FMA (rounding once instead of
  /// twice, as C compilers' -ffp-contract=fast and TVM do). Results then differ from the
  /// interpreter's by rounding; off gives the interpreter's roundings exactly.
  bool fp_contract = true;
  /// Whether buffer parameters may be assumed 64-byte aligned (`align 64` on them).
  bool assume_aligned = false;
  /// The symbol names: by default NAME is the packed entry (void NAME(void** args)) and
  /// the typed function is internal. With typed_entry, NAME is the typed function (one
  /// pointer per buffer parameter, scalars by value: `void NAME(float* A, float* B, int32_t n)`),
  /// external, and the packed entry is NAME_packed. `loom export` uses it.
  bool typed_entry = false;
  /// The entry's symbol instead of the function's name (NAME above); empty: the name.
  std::string symbol;
  /// Also produce the assembly text (ObjectCode::assembly).
  bool emit_assembly = false;
};

/// A compiled kernel as a relocatable object file (ELF for the host), and what it needs.
/// The object calls loom_parallel_for (loom/cpu/runtime.h) when the function has parallel
/// loops, and libm / libc functions for some math intrinsics and large allocations.
struct ObjectCode {
  std::string name;          ///< the symbol of the entry point (see CodegenOptions::typed_entry)
  std::string packed_name;   ///< the symbol of the packed entry (void(void**))
  std::string object;        ///< the object file's bytes
  std::string cpu;           ///< the CPU it was compiled for
  std::string features;      ///< and its features
  std::string ir;            ///< LLVM IR as generated
  std::string optimized_ir;  ///< LLVM IR after the optimization pipeline
  std::string assembly;      ///< when CodegenOptions::emit_assembly
  bool uses_parallel_runtime = false;
};

/// The packed entry point: void NAME(void** args).
using PackedFunc = void (*)(void** args);

/// LLVM IR text of `func` as generated (verified, before optimization).
/// Throws CodegenError when the function cannot be compiled.
std::string emit_llvm_ir(const plugin::ir::PrimFunc& func, const CodegenOptions& options = {});

/// A JIT-compiled function; owns its JIT session.
class Kernel {
 public:
  Kernel(Kernel&&) noexcept;
  Kernel& operator=(Kernel&&) noexcept;
  ~Kernel();

  /// The entry point (valid as long as the Kernel).
  PackedFunc entry() const;
  /// Runs it on args (see the calling convention above).
  void operator()(void** args) const { entry()(args); }
  /// The symbol name of the entry point.
  const std::string& name() const;
  /// The IR as generated, and after the O3 pipeline.
  const std::string& ir() const;
  const std::string& optimized_ir() const;
  /// The target CPU and features it was compiled for.
  const std::string& cpu() const;

  struct Impl;
  explicit Kernel(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

/// Generates and optimizes `func` and emits it as an object file. Throws CodegenError as
/// compile does. Thread-safe (each call has its own LLVM context).
ObjectCode compile_object(const plugin::ir::PrimFunc& func, const CodegenOptions& options = {});

/// Loads an object made by compile_object into a fresh JIT session (loom_parallel_for and
/// the process's symbols resolve its calls). Throws CodegenError when the object cannot be
/// linked (e.g. made for another CPU's format).
Kernel load_object(const ObjectCode& code);

/// Generates, optimizes and JIT-compiles `func`. Throws CodegenError when it cannot be
/// compiled (or when LLVM fails, with LLVM's message).
Kernel compile(const plugin::ir::PrimFunc& func, const CodegenOptions& options = {});

}  // namespace loom::cpu
