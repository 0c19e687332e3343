// The emitter of the CPU code generator: one lowered function, read through the plugin IR
// views (loom/plugin_ir.hpp), written as LLVM IR into a module (the semantics and the
// calling convention are loom/cpu/codegen.h's). Its members are defined by idea:
//   emit_stmt.cc      the entry points and statements (serial / unrolled loops, if, let,
//                     Allocate);
//   emit_parallel.cc  parallel loops outlined into functions run by loom_parallel_for;
//   emit_memory.cc    dtypes as LLVM types, register <-> storage values, buffer addressing,
//                     loads and stores;
//   emit_expr.cc      expressions: constants, casts, arithmetic, comparisons, intrinsics.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "loom/cpu/codegen.h"
#include "loom/plugin_ir.hpp"

namespace loom::cpu {

namespace pir = loom::plugin::ir;

inline bool is_f16(pir::DataType t) { return t.code == LOOM_DTYPE_FLOAT && t.bits == 16; }
inline bool is_bf16(pir::DataType t) { return t.code == LOOM_DTYPE_BFLOAT; }
inline bool is_narrow_float(pir::DataType t) { return is_f16(t) || is_bf16(t); }

/// Writes lowered functions into one LLVM module. Throws CodegenError for what it cannot
/// compile (loom/cpu/codegen.h lists it) and plugin::Error when an IR view cannot be read.
class Emitter {
 public:
  Emitter(llvm::LLVMContext& ctx, llvm::Module& mod, const CodegenOptions& options);

  /// Emits `func` as NAME (the packed entry) and NAME.body (the typed function, internal and
  /// always inlined), or, with options.typed_entry, NAME (typed, external) and NAME_packed.
  void emit_function(const pir::PrimFunc& func, const std::string& name);

 private:
  // Types and storage (emit_memory.cc) ---------------------------------------------------
  llvm::Type* ptr_type() { return llvm::PointerType::get(ctx_, 0); }
  /// The scalar type an element is stored as.
  llvm::Type* storage_scalar(pir::DataType t);
  llvm::Type* storage_type(pir::DataType t) { return vec(storage_scalar(t), t.lanes); }
  /// The scalar type a value lives in while computed: bool is i1, 16-bit floats are float.
  llvm::Type* reg_scalar(pir::DataType t);
  llvm::Type* reg_type(pir::DataType t) { return vec(reg_scalar(t), t.lanes); }
  llvm::Type* vec(llvm::Type* scalar, int lanes) {
    return lanes <= 1 ? scalar : llvm::FixedVectorType::get(scalar, static_cast<unsigned>(lanes));
  }
  static int lanes_of(llvm::Value* v) {
    if (auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(v->getType())) return static_cast<int>(vt->getNumElements());
    return 1;
  }
  /// A register value -> storage, and back.
  llvm::Value* to_storage(llvm::Value* v, pir::DataType t);
  llvm::Value* from_storage(llvm::Value* v, pir::DataType t);
  /// float -> bfloat16 bits, rounding to nearest even (NaN stays a quiet NaN).
  llvm::Value* float_to_bf16_bits(llvm::Value* f);
  /// A float register value of a 16-bit float dtype rounded to it (and back to float).
  llvm::Value* round_narrow(llvm::Value* v, pir::DataType t);
  llvm::Value* splat(llvm::Value* v, int lanes);
  /// Both operands with the same number of lanes.
  void unify(llvm::Value*& a, llvm::Value*& b);
  /// An integer value converted to i64 (sign- or zero-extended by its dtype).
  llvm::Value* to_i64(llvm::Value* v, pir::DataType t);

  // Statements (emit_stmt.cc, emit_parallel.cc) ------------------------------------------
  void emit_stmt(const pir::Stmt& s);
  void bind(const pir::Var& v, llvm::Value* value);
  void emit_for(const pir::For& loop);
  void emit_parallel_loop(const pir::For& loop);
  /// Emits `for (v = lo; v < hi; ++v) body` at the insert point (lo and hi of v's register
  /// type) and leaves the insert point after the loop; returns the back-edge branch, where
  /// loop metadata goes.
  llvm::BranchInst* emit_counted_loop(const pir::Var& v, llvm::Value* lo, llvm::Value* hi, const pir::Stmt& body);
  void emit_if(const pir::IfThenElse& s);
  void emit_allocate(const pir::Allocate& s);

  // Addressing, loads and stores (emit_memory.cc) ----------------------------------------
  llvm::Value* buffer_ptr(const pir::Buffer& buf);
  /// The i64 element strides of a buffer (emitted).
  std::vector<llvm::Value*> strides_of(const pir::Buffer& buf);
  /// The flattened i64 index (scalar or vector) of an access.
  llvm::Value* flat_index(const pir::Buffer& buf, const std::vector<llvm::Value*>& idx,
                          const std::vector<pir::Expr>& indices);
  /// Where an access goes: `lanes` contiguous elements from `base`, or the lanes of `index`.
  struct Access {
    llvm::Value* ptr = nullptr;    // the buffer
    llvm::Type* elem = nullptr;    // storage scalar type
    llvm::Value* base = nullptr;   // contiguous: the first element's index
    llvm::Value* index = nullptr;  // otherwise: a scalar or vector index
    int lanes = 1;
  };
  Access access(const pir::Buffer& buf, const pir::List<pir::Expr>& index_list);
  llvm::Align elem_align(llvm::Type* elem) { return llvm::Align(mod_.getDataLayout().getABITypeAlign(elem)); }
  llvm::Value* emit_load(const pir::BufferLoad& load);
  void emit_store(const pir::BufferStore& s);

  // Expressions (emit_expr.cc) -----------------------------------------------------------
  llvm::Value* emit_expr(const pir::Expr& e);
  llvm::Value* emit_cast(llvm::Value* v, pir::DataType from, pir::DataType to);
  llvm::Value* emit_binary(const pir::Binary& e);
  /// Integer division and modulo without undefined behaviour: by zero gives 0, MIN / -1 wraps.
  llvm::Value* int_division(loom_node_kind op, llvm::Value* a, llvm::Value* b, bool is_unsigned);
  llvm::Value* unary_intrinsic(llvm::Intrinsic::ID id, llvm::Value* x) {
    return b_.CreateIntrinsic(id, {x->getType()}, {x});
  }
  /// A libm function (by its double name; "f" appended for float) applied lane by lane.
  llvm::Value* libm(const std::string& name, std::vector<llvm::Value*> args);
  llvm::Value* emit_call(const pir::Call& call);

  llvm::LLVMContext& ctx_;
  llvm::Module& mod_;
  llvm::IRBuilder<> b_;
  CodegenOptions options_;
  llvm::Function* fn_ = nullptr;
  llvm::BasicBlock* entry_ = nullptr;
  std::unordered_map<const void*, llvm::Value*> vars_;
  std::unordered_map<const void*, llvm::Value*> buffers_;
  // Outlined parallel loop bodies: NAME.par.0, NAME.par.1, ...
  std::string parent_name_;
  int num_outlined_ = 0;
};

}  // namespace loom::cpu
