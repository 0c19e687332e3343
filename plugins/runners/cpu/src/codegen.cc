// The LLVM code generator of the CPU runner (loom/cpu/codegen.h): IR views -> LLVM IR ->
// O3 -> ORC LLJIT. One translation unit (LLVM headers are slow to compile).
#include "loom/cpu/codegen.h"

#include <llvm/ADT/APFloat.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loom/cpu/cpu_target.h"
#include "loom/cpu/runtime.h"

namespace loom::cpu {

namespace pir = loom::plugin::ir;

namespace {

using pir::DataType;

[[noreturn]] void fail(const std::string& message) { throw CodegenError(message); }

std::string llvm_error_text(llvm::Error error) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << error;
  return os.str();
}

// The symbol name of a function: its name with non-identifier characters replaced.
std::string symbol_name(std::string_view name) {
  std::string out = name.empty() ? std::string("loom_kernel") : std::string(name);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

bool is_f16(DataType t) { return t.code == LOOM_DTYPE_FLOAT && t.bits == 16; }
bool is_bf16(DataType t) { return t.code == LOOM_DTYPE_BFLOAT; }
bool is_narrow_float(DataType t) { return is_f16(t) || is_bf16(t); }

// Whether `n` (an expression or statement) mentions variable `v`; buffers are not entered.
bool mentions(const pir::Node& n, const pir::Node& v) {
  if (n.is_null()) return false;
  if (n.kind() == LOOM_NODE_VAR) return n.same(v);
  if (n.kind() == LOOM_NODE_BUFFER) return false;
  for (size_t i = 0, count = n.num_fields(); i < count; ++i) {
    pir::Field f = n.field(n.field_name(i));
    if (f.is_node()) {
      if (mentions(f.node(), v)) return true;
    } else if (f.is_list()) {
      for (size_t k = 0; k < f.size(); ++k) {
        pir::Field item = f.item(k);
        if (item.is_node() && mentions(item.node(), v)) return true;
      }
    }
  }
  return false;
}

// The coefficient of `v` in an integer expression linear in it (0 when it does not mention
// v); nullopt when not linear with a constant coefficient.
std::optional<int64_t> linear_coeff(const pir::Expr& e, const pir::Node& v) {
  if (!mentions(e, v)) return 0;
  if (e.is<pir::Var>()) return 1;  // mentions v and is a Var: it is v
  if (auto bin = e.as<pir::Binary>()) {
    if (bin->op() == LOOM_NODE_ADD || bin->op() == LOOM_NODE_SUB) {
      auto a = linear_coeff(bin->a(), v);
      auto b = linear_coeff(bin->b(), v);
      if (!a || !b) return std::nullopt;
      return bin->op() == LOOM_NODE_ADD ? *a + *b : *a - *b;
    }
    if (bin->op() == LOOM_NODE_MUL) {
      if (auto k = bin->b().as<pir::IntImm>()) {
        auto a = linear_coeff(bin->a(), v);
        if (a) return *a * k->value();
      }
      if (auto k = bin->a().as<pir::IntImm>()) {
        auto b = linear_coeff(bin->b(), v);
        if (b) return *b * k->value();
      }
    }
    return std::nullopt;
  }
  if (auto cast = e.as<pir::Cast>()) {
    DataType from = cast->value().dtype();
    DataType to = cast->dtype();
    if ((from.is_int() || from.is_uint()) && (to.is_int() || to.is_uint()) && to.bits >= from.bits) {
      return linear_coeff(cast->value(), v);
    }
  }
  return std::nullopt;
}

// The element strides of a buffer as constants, INT64_MIN for a symbolic one (nullopt when a
// declared stride is symbolic).
std::optional<std::vector<int64_t>> const_strides(const pir::Buffer& buf) {
  auto strides = buf.strides();
  std::vector<int64_t> out;
  if (!strides.empty()) {
    for (pir::Expr s : strides) {
      auto k = s.as<pir::IntImm>();
      if (!k) return std::nullopt;
      out.push_back(k->value());
    }
    return out;
  }
  auto shape = buf.shape().to_vector();
  out.assign(shape.size(), INT64_MIN);
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    out[i] = acc;
    auto k = shape[i].as<pir::IntImm>();
    if (!k) break;  // the strides left of a symbolic dimension are symbolic
    acc *= k->value();
  }
  return out;
}

// The coefficient of v in the flattened index of an access (nullopt when unknown).
std::optional<int64_t> access_coeff(const pir::Buffer& buf, const std::vector<pir::Expr>& indices, const pir::Node& v) {
  auto strides = const_strides(buf);
  if (!strides || strides->size() != indices.size()) return std::nullopt;
  int64_t total = 0;
  for (size_t i = 0; i < indices.size(); ++i) {
    auto c = linear_coeff(indices[i], v);
    if (!c) return std::nullopt;
    if (*c == 0) continue;
    if ((*strides)[i] == INT64_MIN) return std::nullopt;
    total += *c * (*strides)[i];
  }
  return total;
}

// Structural equality of two IR nodes, variables and buffers by identity.
bool same_structure(const pir::Node& a, const pir::Node& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (a.kind() != b.kind()) return false;
  if (a.kind() == LOOM_NODE_VAR || a.kind() == LOOM_NODE_BUFFER) return a.same(b);
  for (size_t i = 0, n = a.num_fields(); i < n; ++i) {
    std::string_view name = a.field_name(i);
    pir::Field x = a.field(name), y = b.field(name);
    if (x.kind() != y.kind()) return false;
    switch (x.kind()) {
      case LOOM_FIELD_NODE:
        if (!same_structure(x.node(), y.node())) return false;
        break;
      case LOOM_FIELD_LIST:
        if (x.size() != y.size()) return false;
        for (size_t k = 0; k < x.size(); ++k) {
          pir::Field p = x.item(k), q = y.item(k);
          if (p.is_node() != q.is_node()) return false;
          if (p.is_node() && !same_structure(p.node(), q.node())) return false;
        }
        break;
      case LOOM_FIELD_INT:
        if (x.int_() != y.int_()) return false;
        break;
      case LOOM_FIELD_FLOAT:
        if (!(x.float_() == y.float_())) return false;
        break;
      case LOOM_FIELD_STR:
        if (x.str() != y.str()) return false;
        break;
      case LOOM_FIELD_DTYPE:
        if (x.dtype() != y.dtype()) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

bool same_indices(const std::vector<pir::Expr>& a, const std::vector<pir::Expr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!same_structure(a[i], b[i])) return false;
  }
  return true;
}

// Whether the body of a vectorized loop over v can be emitted as vector code.
class VectorCheck {
 public:
  explicit VectorCheck(pir::Var v) : v_(v) {}

  bool ok(const pir::Stmt& body) {
    if (!stmt(body)) return false;
    // Loop-carried dependences: every access to a stored buffer at one index.
    for (auto& [buf, index] : stored_) {
      for (auto& [b, i] : accesses_) {
        if (b == buf && !same_indices(i, index)) return false;
      }
    }
    return true;
  }

 private:
  bool stmt(const pir::Stmt& s) {
    if (auto seq = s.as<pir::SeqStmt>()) {
      for (pir::Stmt x : seq->seq()) {
        if (!stmt(x)) return false;
      }
      return true;
    }
    if (auto ev = s.as<pir::Evaluate>()) return expr(ev->value());
    // A branch all lanes take alike (a condition without the loop variable), a let of a
    // value without it.
    if (auto ite = s.as<pir::IfThenElse>()) {
      if (mentions(ite->condition(), v_) || !expr(ite->condition())) return false;
      return stmt(ite->then_case()) && (ite->else_case().is_null() || stmt(ite->else_case()));
    }
    if (auto let = s.as<pir::LetStmt>()) {
      if (mentions(let->value(), v_) || !expr(let->value())) return false;
      return stmt(let->body());
    }
    if (auto st = s.as<pir::BufferStore>()) {
      pir::Buffer buf = st->buffer();
      auto indices = st->indices().to_vector();
      if (st->value().dtype().lanes != 1) return false;
      for (auto& i : indices) {
        if (!expr(i)) return false;
      }
      auto c = access_coeff(buf, indices, v_);
      if (!c || *c != 1) return false;
      for (auto& [b, i] : stored_) {
        if (b == buf.ptr() && !same_indices(i, indices)) return false;
      }
      stored_.emplace_back(buf.ptr(), indices);
      accesses_.emplace_back(buf.ptr(), indices);
      return expr(st->value());
    }
    return false;
  }

  bool expr(const pir::Expr& e) {
    if (e.dtype().lanes != 1) return false;
    if (e.is<pir::Ramp>() || e.is<pir::Broadcast>()) return false;
    if (auto call = e.as<pir::Call>()) {
      if (call->op() == "if_then_else") return false;
      for (pir::Expr a : call->args()) {
        if (!expr(a)) return false;
      }
      return true;
    }
    if (auto load = e.as<pir::BufferLoad>()) {
      auto indices = load->indices().to_vector();
      accesses_.emplace_back(load->buffer().ptr(), indices);
      for (auto& i : indices) {
        if (!expr(i)) return false;
      }
      return true;
    }
    for (size_t i = 0, n = e.num_fields(); i < n; ++i) {
      pir::Field f = e.field(e.field_name(i));
      if (f.is_node() && f.node().kind() <= LOOM_NODE_OR) {
        if (!expr(pir::Expr(f.node()))) return false;
      }
    }
    return true;
  }

  pir::Var v_;
  std::vector<std::pair<const void*, std::vector<pir::Expr>>> stored_;
  std::vector<std::pair<const void*, std::vector<pir::Expr>>> accesses_;
};

// The variables and buffers a statement uses (`used`, in first-use order) and those it
// defines itself (loop variables, let variables, Allocate buffers).
struct Uses {
  std::vector<pir::Node> used;
  std::vector<const void*> defined;

  void visit(const pir::Node& n) {
    if (n.is_null()) return;
    if (n.kind() == LOOM_NODE_VAR || n.kind() == LOOM_NODE_BUFFER) {
      for (const pir::Node& u : used) {
        if (u.same(n)) return;
      }
      used.push_back(n);
      if (n.kind() == LOOM_NODE_VAR) return;
    }
    if (n.kind() == LOOM_NODE_FOR) defined.push_back(pir::For(n).loop_var().ptr());
    if (n.kind() == LOOM_NODE_LET_STMT) defined.push_back(pir::LetStmt(n).var().ptr());
    if (n.kind() == LOOM_NODE_ALLOCATE) defined.push_back(pir::Allocate(n).buffer().ptr());
    for (size_t i = 0, count = n.num_fields(); i < count; ++i) {
      pir::Field f = n.field(n.field_name(i));
      if (f.is_node()) {
        visit(f.node());
      } else if (f.is_list()) {
        for (size_t k = 0; k < f.size(); ++k) {
          pir::Field item = f.item(k);
          if (item.is_node()) visit(item.node());
        }
      }
    }
  }
  bool is_defined(const void* p) const { return std::find(defined.begin(), defined.end(), p) != defined.end(); }
};

// ---------------------------------------------------------------------------------------

class Emitter {
 public:
  Emitter(llvm::LLVMContext& ctx, llvm::Module& mod, const CodegenOptions& options)
      : ctx_(ctx), mod_(mod), b_(ctx), options_(options) {
    if (options.fp_contract) {
      llvm::FastMathFlags fmf;
      fmf.setAllowContract(true);
      b_.setFastMathFlags(fmf);
    }
  }

  void emit_function(const pir::PrimFunc& func, const std::string& name) {
    parent_name_ = name;
    auto params = func.params().to_vector();
    std::vector<llvm::Type*> param_types;
    std::vector<pir::Buffer> param_buffers;
    for (const pir::Var& p : params) {
      pir::Buffer buf = func.buffer_of(p);
      param_buffers.push_back(buf);
      if (!buf.is_null()) {
        param_types.push_back(ptr_type());
      } else {
        param_types.push_back(reg_type(p.dtype()));
      }
    }
    // The typed body function.
    auto* body_type = llvm::FunctionType::get(b_.getVoidTy(), param_types, false);
    fn_ = options_.typed_entry
              ? llvm::Function::Create(body_type, llvm::Function::ExternalLinkage, name, mod_)
              : llvm::Function::Create(body_type, llvm::Function::InternalLinkage, name + ".body", mod_);
    fn_->addFnAttr(llvm::Attribute::AlwaysInline);
    fn_->addFnAttr(llvm::Attribute::NoUnwind);
    for (size_t i = 0; i < params.size(); ++i) {
      llvm::Argument* arg = fn_->getArg(static_cast<unsigned>(i));
      arg->setName(std::string(params[i].name()));
      if (!param_buffers[i].is_null()) {
        arg->addAttr(llvm::Attribute::NoAlias);
        if (options_.assume_aligned) arg->addAttr(llvm::Attribute::getWithAlignment(ctx_, llvm::Align(64)));
        buffers_[param_buffers[i].ptr()] = arg;
      } else {
        vars_[params[i].ptr()] = arg;
      }
    }
    entry_ = llvm::BasicBlock::Create(ctx_, "entry", fn_);
    auto* start = llvm::BasicBlock::Create(ctx_, "start", fn_);
    b_.SetInsertPoint(start);
    emit_stmt(func.body());
    b_.CreateRetVoid();
    b_.SetInsertPoint(entry_);
    b_.CreateBr(start);

    // The packed entry point.
    auto* packed_type = llvm::FunctionType::get(b_.getVoidTy(), {ptr_type()}, false);
    auto* packed = llvm::Function::Create(packed_type, llvm::Function::ExternalLinkage,
                                          options_.typed_entry ? name + "_packed" : name, mod_);
    packed->addFnAttr(llvm::Attribute::NoUnwind);
    packed->getArg(0)->setName("args");
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", packed));
    std::vector<llvm::Value*> call_args;
    for (size_t i = 0; i < params.size(); ++i) {
      llvm::Value* slot = b_.CreateInBoundsGEP(ptr_type(), packed->getArg(0), b_.getInt64(i));
      llvm::Value* p = b_.CreateLoad(ptr_type(), slot, std::string(params[i].name()) + ".ptr");
      if (!param_buffers[i].is_null()) {
        call_args.push_back(p);
      } else {
        DataType t = params[i].dtype();
        llvm::Value* raw = b_.CreateLoad(storage_type(t), p);
        call_args.push_back(from_storage(raw, t));
      }
    }
    b_.CreateCall(fn_, call_args);
    b_.CreateRetVoid();
  }

 private:
  // Types ------------------------------------------------------------------------------
  llvm::Type* ptr_type() { return llvm::PointerType::get(ctx_, 0); }

  // The scalar type an element is stored as.
  llvm::Type* storage_scalar(DataType t) {
    switch (t.code) {
      case LOOM_DTYPE_INT:
      case LOOM_DTYPE_UINT:
        return llvm::IntegerType::get(ctx_, t.bits);
      case LOOM_DTYPE_BOOL:
        return b_.getInt8Ty();
      case LOOM_DTYPE_BFLOAT:
        return b_.getInt16Ty();
      case LOOM_DTYPE_FLOAT:
        if (t.bits == 16) return b_.getHalfTy();
        if (t.bits == 32) return b_.getFloatTy();
        if (t.bits == 64) return b_.getDoubleTy();
        break;
      default:
        break;
    }
    fail("unsupported element dtype " + t.to_string());
  }
  llvm::Type* storage_type(DataType t) { return vec(storage_scalar(t), t.lanes); }

  // The scalar type a value lives in while computed: bool is i1, 16-bit floats are float.
  llvm::Type* reg_scalar(DataType t) {
    if (t.is_bool()) return b_.getInt1Ty();
    if (is_narrow_float(t)) return b_.getFloatTy();
    if (t.is_handle()) return ptr_type();
    return storage_scalar(t);
  }
  llvm::Type* reg_type(DataType t) { return vec(reg_scalar(t), t.lanes); }

  llvm::Type* vec(llvm::Type* scalar, int lanes) {
    return lanes <= 1 ? scalar : llvm::FixedVectorType::get(scalar, static_cast<unsigned>(lanes));
  }
  static int lanes_of(llvm::Value* v) {
    if (auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(v->getType())) return static_cast<int>(vt->getNumElements());
    return 1;
  }

  // A register value -> storage, and back.
  llvm::Value* to_storage(llvm::Value* v, DataType t) {
    const int lanes = lanes_of(v);
    if (t.is_bool()) return b_.CreateZExt(v, vec(b_.getInt8Ty(), lanes));
    if (is_f16(t)) return b_.CreateFPTrunc(v, vec(b_.getHalfTy(), lanes));
    if (is_bf16(t)) return float_to_bf16_bits(v);
    return v;
  }
  llvm::Value* from_storage(llvm::Value* v, DataType t) {
    const int lanes = lanes_of(v);
    if (t.is_bool()) return b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
    if (is_f16(t)) return b_.CreateFPExt(v, vec(b_.getFloatTy(), lanes));
    if (is_bf16(t)) {
      llvm::Value* wide = b_.CreateShl(b_.CreateZExt(v, vec(b_.getInt32Ty(), lanes)), 16);
      return b_.CreateBitCast(wide, vec(b_.getFloatTy(), lanes));
    }
    return v;
  }
  // float -> bfloat16 bits, rounding to nearest even (NaN stays a quiet NaN).
  llvm::Value* float_to_bf16_bits(llvm::Value* f) {
    const int lanes = lanes_of(f);
    llvm::Type* i32 = vec(b_.getInt32Ty(), lanes);
    llvm::Value* bits = b_.CreateBitCast(f, i32);
    llvm::Value* lsb = b_.CreateAnd(b_.CreateLShr(bits, 16), llvm::ConstantInt::get(i32, 1));
    llvm::Value* rounded = b_.CreateAdd(b_.CreateAdd(bits, llvm::ConstantInt::get(i32, 0x7FFF)), lsb);
    llvm::Value* is_nan = b_.CreateFCmpUNO(f, f);
    llvm::Value* nan = b_.CreateOr(bits, llvm::ConstantInt::get(i32, 0x00400000));
    llvm::Value* chosen = b_.CreateSelect(is_nan, nan, rounded);
    return b_.CreateTrunc(b_.CreateLShr(chosen, 16), vec(b_.getInt16Ty(), lanes));
  }
  // A float register value of a 16-bit float dtype rounded to it (and back to float).
  llvm::Value* round_narrow(llvm::Value* v, DataType t) {
    if (!is_narrow_float(t)) return v;
    return from_storage(to_storage(v, t), t);
  }

  llvm::Value* splat(llvm::Value* v, int lanes) {
    if (lanes <= 1 || lanes_of(v) == lanes) return v;
    if (lanes_of(v) != 1) fail("mismatched vector lanes");
    return b_.CreateVectorSplat(static_cast<unsigned>(lanes), v);
  }
  // Both operands with the same number of lanes.
  void unify(llvm::Value*& a, llvm::Value*& b) {
    const int n = std::max(lanes_of(a), lanes_of(b));
    a = splat(a, n);
    b = splat(b, n);
  }

  // An integer value converted to i64 (sign- or zero-extended by its dtype).
  llvm::Value* to_i64(llvm::Value* v, DataType t) {
    llvm::Type* target = vec(b_.getInt64Ty(), lanes_of(v));
    if (t.is_uint() || t.is_bool()) return b_.CreateZExtOrTrunc(v, target);
    return b_.CreateSExtOrTrunc(v, target);
  }

  // Statements -------------------------------------------------------------------------
  void emit_stmt(const pir::Stmt& s) {
    if (s.is_null()) return;
    switch (s.kind()) {
      case LOOM_NODE_SEQ_STMT:
        for (pir::Stmt x : pir::SeqStmt(s).seq()) emit_stmt(x);
        return;
      case LOOM_NODE_FOR:
        emit_for(pir::For(s));
        return;
      case LOOM_NODE_BUFFER_STORE:
        emit_store(pir::BufferStore(s));
        return;
      case LOOM_NODE_IF_THEN_ELSE:
        emit_if(pir::IfThenElse(s));
        return;
      case LOOM_NODE_LET_STMT: {
        pir::LetStmt let(s);
        llvm::Value* value = emit_expr(let.value());
        bind(let.var(), value);
        emit_stmt(let.body());
        return;
      }
      case LOOM_NODE_EVALUATE:
        emit_expr(pir::Evaluate(s).value());
        return;
      case LOOM_NODE_ALLOCATE:
        emit_allocate(pir::Allocate(s));
        return;
      case LOOM_NODE_BLOCK:
      case LOOM_NODE_BLOCK_REALIZE:
        fail("the function is not lowered: it has a block (lower it first)");
      default:
        fail("unsupported statement " + std::string(s.kind_name()));
    }
  }

  void bind(const pir::Var& v, llvm::Value* value) {
    value->setName(std::string(v.name()));
    vars_[v.ptr()] = value;
  }

  void emit_for(const pir::For& loop) {
    std::string_view kind = loop.for_kind();
    if (kind == "thread_binding") fail("a thread_binding loop cannot run on the CPU");
    pir::Var v = loop.loop_var();
    if (kind == "vectorized" && vector_mode_var_ == nullptr) {
      auto extent = loop.extent().as<pir::IntImm>();
      if (extent && extent->value() > 1 && extent->value() <= 256 && VectorCheck(v).ok(loop.body())) {
        emit_vector_loop(loop, static_cast<int>(extent->value()));
        return;
      }
    }
    if (kind == "parallel" && vector_mode_var_ == nullptr) {
      emit_parallel_loop(loop);
      return;
    }
    DataType t = v.dtype();
    llvm::Value* min = emit_expr(loop.min());
    llvm::Value* extent = emit_expr(loop.extent());
    llvm::Type* vt = reg_type(t);
    min = b_.CreateSExtOrTrunc(min, vt);
    llvm::Value* end = b_.CreateAdd(min, b_.CreateSExtOrTrunc(extent, vt), std::string(v.name()) + ".end");
    llvm::BasicBlock* pre = b_.GetInsertBlock();
    auto* header = llvm::BasicBlock::Create(ctx_, std::string(v.name()) + ".header", fn_);
    auto* body = llvm::BasicBlock::Create(ctx_, std::string(v.name()) + ".body", fn_);
    auto* exit = llvm::BasicBlock::Create(ctx_, std::string(v.name()) + ".exit", fn_);
    b_.CreateBr(header);
    b_.SetInsertPoint(header);
    llvm::PHINode* phi = b_.CreatePHI(vt, 2, std::string(v.name()));
    phi->addIncoming(min, pre);
    b_.CreateCondBr(b_.CreateICmpSLT(phi, end), body, exit);
    b_.SetInsertPoint(body);
    vars_[v.ptr()] = phi;
    emit_stmt(loop.body());
    llvm::Value* next = b_.CreateAdd(phi, llvm::ConstantInt::get(vt, 1), "", /*HasNUW=*/false, /*HasNSW=*/true);
    llvm::BasicBlock* latch = b_.GetInsertBlock();
    llvm::BranchInst* back = b_.CreateBr(header);
    phi->addIncoming(next, latch);
    // Loop metadata.
    std::vector<llvm::Metadata*> md{nullptr};
    if (kind == "unroll") {
      md.push_back(llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.unroll.full")}));
    }
    if (md.size() > 1) {
      llvm::MDNode* loop_id = llvm::MDNode::getDistinct(ctx_, md);
      loop_id->replaceOperandWith(0, loop_id);
      back->setMetadata(llvm::LLVMContext::MD_loop, loop_id);
    }
    b_.SetInsertPoint(exit);
  }

  // A parallel loop: the body outlined into NAME.par.K(lo, hi, closure), which runs
  // iterations [lo, hi) serially, called through loom_parallel_for with a closure holding
  // the variables and buffers the body uses. NAME.par.K unpacks the closure and calls
  // NAME.par.K.body(lo, hi, ptr noalias A, ..., values) (inlined into it).
  void emit_parallel_loop(const pir::For& loop) {
    pir::Var v = loop.loop_var();
    Uses uses;
    uses.visit(loop.body());
    std::vector<const void*> keys;
    std::vector<llvm::Value*> values;
    std::vector<bool> is_buffer;
    for (const pir::Node& n : uses.used) {
      if (n.same(v) || uses.is_defined(n.ptr())) continue;
      if (n.kind() == LOOM_NODE_BUFFER) {
        auto it = buffers_.find(n.ptr());
        if (it == buffers_.end()) continue;  // an error reported when the body uses it
        keys.push_back(n.ptr());
        values.push_back(it->second);
        is_buffer.push_back(true);
      } else {
        auto it = vars_.find(n.ptr());
        if (it == vars_.end()) continue;
        keys.push_back(n.ptr());
        values.push_back(it->second);
        is_buffer.push_back(false);
      }
    }
    llvm::Type* i64 = b_.getInt64Ty();
    llvm::Value* min = b_.CreateSExtOrTrunc(emit_expr(loop.min()), i64);
    llvm::Value* end = b_.CreateAdd(min, b_.CreateSExtOrTrunc(emit_expr(loop.extent()), i64));

    // The closure: a struct of the captured values, on the caller's stack.
    std::vector<llvm::Type*> field_types;
    for (llvm::Value* x : values) field_types.push_back(x->getType());
    llvm::StructType* closure_type = llvm::StructType::get(ctx_, field_types);
    llvm::Value* closure = nullptr;
    {
      llvm::IRBuilder<> entry_b(entry_, entry_->begin());
      closure = entry_b.CreateAlloca(closure_type, nullptr, std::string(v.name()) + ".closure");
    }
    for (size_t i = 0; i < values.size(); ++i) {
      b_.CreateStore(values[i], b_.CreateStructGEP(closure_type, closure, static_cast<unsigned>(i)));
    }

    const std::string base = std::string(parent_name_) + ".par." + std::to_string(num_outlined_++);
    // The body function: (lo, hi, captured values...).
    std::vector<llvm::Type*> body_params{i64, i64};
    for (llvm::Value* x : values) body_params.push_back(x->getType());
    auto* body_fn = llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), body_params, false),
                                           llvm::Function::InternalLinkage, base + ".body", mod_);
    body_fn->addFnAttr(llvm::Attribute::AlwaysInline);
    body_fn->addFnAttr(llvm::Attribute::NoUnwind);
    for (size_t i = 0; i < values.size(); ++i) {
      llvm::Argument* arg = body_fn->getArg(static_cast<unsigned>(i + 2));
      arg->setName(values[i]->getName());
      if (is_buffer[i]) arg->addAttr(llvm::Attribute::NoAlias);
    }
    // The chunk function: (lo, hi, closure).
    auto* chunk_fn = llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), {i64, i64, ptr_type()}, false),
                                            llvm::Function::InternalLinkage, base, mod_);
    chunk_fn->addFnAttr(llvm::Attribute::NoUnwind);
    {
      llvm::IRBuilder<> cb(llvm::BasicBlock::Create(ctx_, "entry", chunk_fn));
      std::vector<llvm::Value*> args{chunk_fn->getArg(0), chunk_fn->getArg(1)};
      for (size_t i = 0; i < values.size(); ++i) {
        llvm::Value* slot = cb.CreateStructGEP(closure_type, chunk_fn->getArg(2), static_cast<unsigned>(i));
        args.push_back(cb.CreateLoad(field_types[i], slot));
      }
      cb.CreateCall(body_fn, args);
      cb.CreateRetVoid();
    }

    // Emit the body function with its own state.
    llvm::IRBuilderBase::InsertPoint saved_ip = b_.saveIP();
    llvm::Function* saved_fn = fn_;
    llvm::BasicBlock* saved_entry = entry_;
    auto saved_vars = vars_;
    auto saved_buffers = buffers_;
    vars_.clear();
    buffers_.clear();
    for (size_t i = 0; i < keys.size(); ++i) {
      (is_buffer[i] ? buffers_ : vars_)[keys[i]] = body_fn->getArg(static_cast<unsigned>(i + 2));
    }
    fn_ = body_fn;
    entry_ = llvm::BasicBlock::Create(ctx_, "entry", body_fn);
    auto* start = llvm::BasicBlock::Create(ctx_, "start", body_fn);
    b_.SetInsertPoint(start);
    {
      llvm::Type* vt = reg_type(v.dtype());
      llvm::Value* lo = b_.CreateSExtOrTrunc(body_fn->getArg(0), vt);
      llvm::Value* hi = b_.CreateSExtOrTrunc(body_fn->getArg(1), vt);
      llvm::BasicBlock* pre = b_.GetInsertBlock();
      auto* header = llvm::BasicBlock::Create(ctx_, std::string(v.name()) + ".header", fn_);
      auto* body = llvm::BasicBlock::Create(ctx_, std::string(v.name()) + ".body", fn_);
      auto* exit = llvm::BasicBlock::Create(ctx_, std::string(v.name()) + ".exit", fn_);
      b_.CreateBr(header);
      b_.SetInsertPoint(header);
      llvm::PHINode* phi = b_.CreatePHI(vt, 2, std::string(v.name()));
      phi->addIncoming(lo, pre);
      b_.CreateCondBr(b_.CreateICmpSLT(phi, hi), body, exit);
      b_.SetInsertPoint(body);
      vars_[v.ptr()] = phi;
      emit_stmt(loop.body());
      llvm::Value* next = b_.CreateAdd(phi, llvm::ConstantInt::get(vt, 1), "", false, true);
      phi->addIncoming(next, b_.GetInsertBlock());
      b_.CreateBr(header);
      b_.SetInsertPoint(exit);
      b_.CreateRetVoid();
    }
    b_.SetInsertPoint(entry_);
    b_.CreateBr(start);
    fn_ = saved_fn;
    entry_ = saved_entry;
    vars_ = std::move(saved_vars);
    buffers_ = std::move(saved_buffers);
    b_.restoreIP(saved_ip);

    llvm::FunctionCallee runtime =
        mod_.getOrInsertFunction("loom_parallel_for", b_.getVoidTy(), i64, i64, ptr_type(), ptr_type());
    b_.CreateCall(runtime, {min, end, chunk_fn, closure});
  }

  // The body once, with the loop variable an N-lane vector min + <0, 1, ..., N-1>.
  void emit_vector_loop(const pir::For& loop, int lanes) {
    pir::Var v = loop.loop_var();
    llvm::Type* vt = reg_scalar(v.dtype());
    llvm::Value* min = b_.CreateSExtOrTrunc(emit_expr(loop.min()), vt);
    std::vector<llvm::Constant*> iota;
    for (int i = 0; i < lanes; ++i) iota.push_back(llvm::ConstantInt::get(vt, i));
    llvm::Value* ramp = b_.CreateAdd(splat(min, lanes), llvm::ConstantVector::get(iota), std::string(v.name()));
    vector_mode_var_ = v.ptr();
    vector_lanes_ = lanes;
    vector_base_ = min;
    vars_[v.ptr()] = ramp;
    emit_stmt(loop.body());
    vector_mode_var_ = nullptr;
    vector_lanes_ = 0;
    vector_base_ = nullptr;
  }

  void emit_if(const pir::IfThenElse& s) {
    llvm::Value* cond = emit_expr(s.condition());
    if (lanes_of(cond) != 1) fail("IfThenElse with a vector condition");
    auto* then_bb = llvm::BasicBlock::Create(ctx_, "then", fn_);
    auto* merge = llvm::BasicBlock::Create(ctx_, "endif", fn_);
    llvm::BasicBlock* else_bb = s.else_case().is_null() ? merge : llvm::BasicBlock::Create(ctx_, "else", fn_);
    b_.CreateCondBr(cond, then_bb, else_bb);
    b_.SetInsertPoint(then_bb);
    emit_stmt(s.then_case());
    b_.CreateBr(merge);
    if (else_bb != merge) {
      b_.SetInsertPoint(else_bb);
      emit_stmt(s.else_case());
      b_.CreateBr(merge);
    }
    b_.SetInsertPoint(merge);
  }

  void emit_allocate(const pir::Allocate& s) {
    pir::Buffer buf = s.buffer();
    int64_t count = 1;
    for (pir::Expr e : buf.shape()) {
      auto k = e.as<pir::IntImm>();
      if (!k) fail("Allocate of " + std::string(buf.name()) + " with a symbolic shape");
      count *= k->value();
    }
    DataType t = buf.dtype().element_of();
    const int64_t elem_bytes = t.is_bool() ? 1 : (t.bits + 7) / 8;
    const int64_t bytes = std::max<int64_t>(count * elem_bytes, 1);
    llvm::Value* ptr = nullptr;
    if (bytes <= 64 * 1024) {
      llvm::IRBuilder<> entry_b(entry_, entry_->begin());
      auto* alloca = entry_b.CreateAlloca(b_.getInt8Ty(), entry_b.getInt64(bytes), std::string(buf.name()));
      alloca->setAlignment(llvm::Align(64));
      ptr = alloca;
      b_.CreateMemSet(ptr, b_.getInt8(0), b_.getInt64(bytes), llvm::MaybeAlign(64));
      buffers_[buf.ptr()] = ptr;
      emit_stmt(s.body());
    } else {
      llvm::FunctionCallee calloc_fn = mod_.getOrInsertFunction("calloc", ptr_type(), b_.getInt64Ty(), b_.getInt64Ty());
      llvm::FunctionCallee free_fn = mod_.getOrInsertFunction("free", b_.getVoidTy(), ptr_type());
      ptr = b_.CreateCall(calloc_fn, {b_.getInt64(bytes), b_.getInt64(1)}, std::string(buf.name()));
      buffers_[buf.ptr()] = ptr;
      emit_stmt(s.body());
      b_.CreateCall(free_fn, {ptr});
    }
  }

  // Addressing ---------------------------------------------------------------------------
  llvm::Value* buffer_ptr(const pir::Buffer& buf) {
    auto it = buffers_.find(buf.ptr());
    if (it == buffers_.end()) fail("buffer " + std::string(buf.name()) + " is neither a parameter nor allocated");
    return it->second;
  }

  // The i64 element strides of a buffer (emitted).
  std::vector<llvm::Value*> strides_of(const pir::Buffer& buf) {
    std::vector<llvm::Value*> out;
    auto strides = buf.strides();
    if (!strides.empty()) {
      for (pir::Expr s : strides) out.push_back(to_i64(emit_scalar(s), s.dtype()));
      return out;
    }
    auto shape = buf.shape().to_vector();
    out.assign(shape.size(), nullptr);
    llvm::Value* acc = b_.getInt64(1);
    for (size_t i = shape.size(); i-- > 0;) {
      out[i] = acc;
      if (i > 0) acc = b_.CreateMul(acc, to_i64(emit_scalar(shape[i]), shape[i].dtype()));
    }
    return out;
  }

  // An expression evaluated with every vectorized loop variable at its first lane.
  llvm::Value* emit_scalar(const pir::Expr& e) {
    if (vector_mode_var_ == nullptr) return emit_expr(e);
    auto it = vars_.find(vector_mode_var_);
    llvm::Value* saved = it->second;
    it->second = vector_base_;
    const void* saved_var = vector_mode_var_;
    vector_mode_var_ = nullptr;
    llvm::Value* out = emit_expr(e);
    vector_mode_var_ = saved_var;
    vars_[saved_var] = saved;
    return out;
  }

  // The flattened i64 index (scalar or vector) of an access.
  llvm::Value* flat_index(const pir::Buffer& buf, const std::vector<llvm::Value*>& idx,
                          const std::vector<pir::Expr>& indices) {
    auto strides = strides_of(buf);
    if (strides.size() != idx.size()) {
      fail("access to " + std::string(buf.name()) + " with " + std::to_string(idx.size()) + " indices, rank " +
           std::to_string(strides.size()));
    }
    llvm::Value* total = nullptr;
    for (size_t i = 0; i < idx.size(); ++i) {
      llvm::Value* term = to_i64(idx[i], indices[i].dtype());
      llvm::Value* s = strides[i];
      if (auto* k = llvm::dyn_cast<llvm::ConstantInt>(s); !(k && k->isOne())) {
        llvm::Value* a = term;
        unify(a, s);
        term = b_.CreateMul(a, s);
      }
      if (total == nullptr) {
        total = term;
      } else {
        unify(total, term);
        total = b_.CreateAdd(total, term);
      }
    }
    if (total == nullptr) total = b_.getInt64(0);
    pir::Expr offset = buf.elem_offset();
    if (!offset.is_null()) {
      llvm::Value* off = to_i64(emit_scalar(offset), offset.dtype());
      unify(total, off);
      total = b_.CreateAdd(total, off);
    }
    return total;
  }

  // Where an access goes: `lanes` contiguous elements from `base`, or the lanes of `index`.
  struct Access {
    llvm::Value* ptr = nullptr;    // the buffer
    llvm::Type* elem = nullptr;    // storage scalar type
    llvm::Value* base = nullptr;   // contiguous: the first element's index
    llvm::Value* index = nullptr;  // otherwise: a scalar or vector index
    int lanes = 1;
  };

  Access access(const pir::Buffer& buf, const pir::List<pir::Expr>& index_list) {
    Access a;
    a.ptr = buffer_ptr(buf);
    a.elem = storage_scalar(buf.dtype().element_of());
    auto indices = index_list.to_vector();
    // Inside a vectorized loop: unit stride in the loop variable -> one vector access.
    if (vector_mode_var_ != nullptr) {
      pir::Node v(pir::Node(loom_node{const_cast<void*>(vector_mode_var_), LOOM_NODE_VAR}));
      bool depends = false;
      for (auto& i : indices) depends = depends || mentions(i, v);
      if (depends) {
        auto c = access_coeff(buf, indices, v);
        if (c && *c == 1) {
          std::vector<llvm::Value*> idx;
          for (auto& i : indices) idx.push_back(emit_scalar(i));
          a.base = flat_index(buf, idx, indices);
          a.lanes = vector_lanes_;
          return a;
        }
      }
    }
    // An explicit unit-stride Ramp as the last index, the others scalar.
    if (!indices.empty()) {
      auto ramp = indices.back().as<pir::Ramp>();
      bool others_scalar = true;
      for (size_t i = 0; i + 1 < indices.size(); ++i) others_scalar = others_scalar && indices[i].dtype().lanes == 1;
      auto stride = ramp ? ramp->stride().as<pir::IntImm>() : std::nullopt;
      if (ramp && others_scalar && stride && stride->value() == 1 && vector_mode_var_ == nullptr) {
        std::vector<llvm::Value*> idx;
        std::vector<pir::Expr> exprs = indices;
        for (size_t i = 0; i + 1 < indices.size(); ++i) idx.push_back(emit_expr(indices[i]));
        idx.push_back(emit_expr(ramp->base()));
        exprs.back() = ramp->base();
        a.base = flat_index(buf, idx, exprs);
        a.lanes = static_cast<int>(ramp->lanes());
        return a;
      }
    }
    std::vector<llvm::Value*> idx;
    for (auto& i : indices) idx.push_back(emit_expr(i));
    a.index = flat_index(buf, idx, indices);
    a.lanes = lanes_of(a.index);
    return a;
  }

  llvm::Align elem_align(llvm::Type* elem) { return llvm::Align(mod_.getDataLayout().getABITypeAlign(elem)); }

  llvm::Value* emit_load(const pir::BufferLoad& load) {
    pir::Buffer buf = load.buffer();
    DataType t = buf.dtype().element_of();
    Access a = access(buf, load.indices());
    llvm::Value* raw = nullptr;
    if (a.base != nullptr) {
      llvm::Value* p = b_.CreateInBoundsGEP(a.elem, a.ptr, a.base);
      raw = b_.CreateAlignedLoad(vec(a.elem, a.lanes), p, elem_align(a.elem));
    } else if (a.lanes == 1) {
      llvm::Value* p = b_.CreateInBoundsGEP(a.elem, a.ptr, a.index);
      raw = b_.CreateAlignedLoad(a.elem, p, elem_align(a.elem));
    } else {
      raw = llvm::PoisonValue::get(vec(a.elem, a.lanes));
      for (int l = 0; l < a.lanes; ++l) {
        llvm::Value* i = b_.CreateExtractElement(a.index, static_cast<uint64_t>(l));
        llvm::Value* p = b_.CreateInBoundsGEP(a.elem, a.ptr, i);
        raw =
            b_.CreateInsertElement(raw, b_.CreateAlignedLoad(a.elem, p, elem_align(a.elem)), static_cast<uint64_t>(l));
      }
    }
    return from_storage(raw, t);
  }

  void emit_store(const pir::BufferStore& s) {
    pir::Buffer buf = s.buffer();
    DataType t = buf.dtype().element_of();
    Access a = access(buf, s.indices());
    llvm::Value* value = to_storage(splat(emit_expr(s.value()), a.lanes), t);
    if (lanes_of(value) != a.lanes)
      fail("store of a " + std::to_string(lanes_of(value)) + "-lane value to " + std::to_string(a.lanes) +
           " lanes of " + std::string(buf.name()));
    if (a.base != nullptr) {
      llvm::Value* p = b_.CreateInBoundsGEP(a.elem, a.ptr, a.base);
      b_.CreateAlignedStore(value, p, elem_align(a.elem));
    } else if (a.lanes == 1) {
      llvm::Value* p = b_.CreateInBoundsGEP(a.elem, a.ptr, a.index);
      b_.CreateAlignedStore(value, p, elem_align(a.elem));
    } else {
      for (int l = 0; l < a.lanes; ++l) {
        llvm::Value* i = b_.CreateExtractElement(a.index, static_cast<uint64_t>(l));
        llvm::Value* p = b_.CreateInBoundsGEP(a.elem, a.ptr, i);
        b_.CreateAlignedStore(b_.CreateExtractElement(value, static_cast<uint64_t>(l)), p, elem_align(a.elem));
      }
    }
  }

  // Expressions ------------------------------------------------------------------------
  llvm::Value* emit_expr(const pir::Expr& e) {
    DataType t = e.dtype();
    switch (e.kind()) {
      case LOOM_NODE_INT_IMM: {
        int64_t value = pir::IntImm(e).value();
        if (t.is_bool()) return splat(b_.getInt1(value != 0), t.lanes);
        return splat(llvm::ConstantInt::get(reg_scalar(t.element_of()), static_cast<uint64_t>(value), true), t.lanes);
      }
      case LOOM_NODE_FLOAT_IMM: {
        double value = pir::FloatImm(e).value();
        DataType elem = t.element_of();
        llvm::Value* c = nullptr;
        if (elem.bits == 64) {
          c = llvm::ConstantFP::get(b_.getDoubleTy(), value);
        } else {
          llvm::APFloat f(value);
          bool lost = false;
          const llvm::fltSemantics& sem = is_f16(elem)    ? llvm::APFloat::IEEEhalf()
                                          : is_bf16(elem) ? llvm::APFloat::BFloat()
                                                          : llvm::APFloat::IEEEsingle();
          f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
          f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
          c = llvm::ConstantFP::get(ctx_, f);
        }
        return splat(c, t.lanes);
      }
      case LOOM_NODE_VAR: {
        auto it = vars_.find(e.ptr());
        if (it == vars_.end()) fail("unbound variable " + std::string(pir::Var(e).name()));
        return it->second;
      }
      case LOOM_NODE_BUFFER_LOAD:
        return emit_load(pir::BufferLoad(e));
      case LOOM_NODE_NOT:
        return b_.CreateNot(emit_expr(pir::Not(e).a()));
      case LOOM_NODE_SELECT: {
        pir::Select s(e);
        llvm::Value* c = emit_expr(s.condition());
        llvm::Value* x = emit_expr(s.true_value());
        llvm::Value* y = emit_expr(s.false_value());
        unify(x, y);
        if (lanes_of(c) != 1) {
          c = splat(c, lanes_of(x));
          x = splat(x, lanes_of(c));
          y = splat(y, lanes_of(c));
        }
        return b_.CreateSelect(c, x, y);
      }
      case LOOM_NODE_CAST: {
        pir::Cast c(e);
        return emit_cast(emit_expr(c.value()), c.value().dtype().element_of(), t.element_of());
      }
      case LOOM_NODE_RAMP: {
        pir::Ramp r(e);
        llvm::Value* base = emit_expr(r.base());
        llvm::Value* stride = emit_expr(r.stride());
        const int lanes = static_cast<int>(r.lanes());
        llvm::Type* st = base->getType();
        std::vector<llvm::Constant*> iota;
        for (int i = 0; i < lanes; ++i) iota.push_back(llvm::ConstantInt::get(st, i));
        return b_.CreateAdd(splat(base, lanes), b_.CreateMul(splat(stride, lanes), llvm::ConstantVector::get(iota)));
      }
      case LOOM_NODE_BROADCAST: {
        pir::Broadcast br(e);
        return splat(emit_expr(br.value()), static_cast<int>(br.lanes()));
      }
      case LOOM_NODE_CALL:
        return emit_call(pir::Call(e));
      default:
        break;
    }
    if (auto bin = e.as<pir::Binary>()) return emit_binary(*bin);
    fail("unsupported expression " + std::string(e.kind_name()));
  }

  llvm::Value* emit_cast(llvm::Value* v, DataType from, DataType to) {
    const int lanes = lanes_of(v);
    if (from == to) return v;
    if (to.is_bool()) {
      if (from.is_float()) return b_.CreateFCmpUNE(v, llvm::Constant::getNullValue(v->getType()));
      return b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
    }
    if (to.is_float()) {
      llvm::Value* out = nullptr;
      if (from.is_float()) {
        if (to.bits == 64) return b_.CreateFPExt(v, vec(b_.getDoubleTy(), lanes));
        if (from.bits == 64 && is_f16(to)) {
          // One rounding, straight to half.
          return b_.CreateFPExt(b_.CreateFPTrunc(v, vec(b_.getHalfTy(), lanes)), vec(b_.getFloatTy(), lanes));
        }
        out = from.bits == 64 ? b_.CreateFPTrunc(v, vec(b_.getFloatTy(), lanes)) : v;
        return round_narrow(out, to);
      }
      llvm::Type* target = to.bits == 64 ? vec(b_.getDoubleTy(), lanes) : vec(b_.getFloatTy(), lanes);
      if (from.is_uint() || from.is_bool()) {
        out = b_.CreateUIToFP(v, target);
      } else {
        out = b_.CreateSIToFP(v, target);
      }
      return round_narrow(out, to);
    }
    // To an integer.
    llvm::Type* target = vec(reg_scalar(to), lanes);
    if (from.is_float()) {
      llvm::Intrinsic::ID id = to.is_uint() ? llvm::Intrinsic::fptoui_sat : llvm::Intrinsic::fptosi_sat;
      return b_.CreateIntrinsic(id, {target, v->getType()}, {v});
    }
    if (from.is_uint() || from.is_bool()) return b_.CreateZExtOrTrunc(v, target);
    return b_.CreateSExtOrTrunc(v, target);
  }

  llvm::Value* emit_binary(const pir::Binary& e) {
    llvm::Value* a = emit_expr(e.a());
    llvm::Value* b = emit_expr(e.b());
    unify(a, b);
    DataType operand = e.a().dtype().element_of();
    const bool is_float = operand.is_float();
    const bool is_unsigned = operand.is_uint() || operand.is_bool();
    const loom_node_kind op = e.op();
    if (e.is_compare()) {
      if (is_float) {
        switch (op) {
          case LOOM_NODE_EQ:
            return b_.CreateFCmpOEQ(a, b);
          case LOOM_NODE_NE:
            return b_.CreateFCmpUNE(a, b);
          case LOOM_NODE_LT:
            return b_.CreateFCmpOLT(a, b);
          case LOOM_NODE_LE:
            return b_.CreateFCmpOLE(a, b);
          case LOOM_NODE_GT:
            return b_.CreateFCmpOGT(a, b);
          default:
            return b_.CreateFCmpOGE(a, b);
        }
      }
      switch (op) {
        case LOOM_NODE_EQ:
          return b_.CreateICmpEQ(a, b);
        case LOOM_NODE_NE:
          return b_.CreateICmpNE(a, b);
        case LOOM_NODE_LT:
          return is_unsigned ? b_.CreateICmpULT(a, b) : b_.CreateICmpSLT(a, b);
        case LOOM_NODE_LE:
          return is_unsigned ? b_.CreateICmpULE(a, b) : b_.CreateICmpSLE(a, b);
        case LOOM_NODE_GT:
          return is_unsigned ? b_.CreateICmpUGT(a, b) : b_.CreateICmpSGT(a, b);
        default:
          return is_unsigned ? b_.CreateICmpUGE(a, b) : b_.CreateICmpSGE(a, b);
      }
    }
    if (op == LOOM_NODE_AND) return b_.CreateAnd(a, b);
    if (op == LOOM_NODE_OR) return b_.CreateOr(a, b);
    if (is_float) {
      // float64 in double; the others in float (16-bit ones rounded back).
      llvm::Value* r = nullptr;
      switch (op) {
        case LOOM_NODE_ADD:
          r = b_.CreateFAdd(a, b);
          break;
        case LOOM_NODE_SUB:
          r = b_.CreateFSub(a, b);
          break;
        case LOOM_NODE_MUL:
          r = b_.CreateFMul(a, b);
          break;
        case LOOM_NODE_DIV:
          r = b_.CreateFDiv(a, b);
          break;
        case LOOM_NODE_MOD:
          r = b_.CreateFRem(a, b);
          break;
        case LOOM_NODE_FLOOR_DIV:
          r = unary_intrinsic(llvm::Intrinsic::floor, b_.CreateFDiv(a, b));
          break;
        case LOOM_NODE_FLOOR_MOD:
          r = b_.CreateFSub(a, b_.CreateFMul(b, unary_intrinsic(llvm::Intrinsic::floor, b_.CreateFDiv(a, b))));
          break;
        case LOOM_NODE_MIN:
          return b_.CreateSelect(b_.CreateFCmpOLT(a, b), a, b);
        case LOOM_NODE_MAX:
          return b_.CreateSelect(b_.CreateFCmpOGT(a, b), a, b);
        default:
          fail("unsupported float operation " + std::string(e.op_name()));
      }
      return round_narrow(r, operand);
    }
    switch (op) {
      case LOOM_NODE_ADD:
        return b_.CreateAdd(a, b);
      case LOOM_NODE_SUB:
        return b_.CreateSub(a, b);
      case LOOM_NODE_MUL:
        return b_.CreateMul(a, b);
      case LOOM_NODE_MIN:
        return b_.CreateSelect(is_unsigned ? b_.CreateICmpULT(a, b) : b_.CreateICmpSLT(a, b), a, b);
      case LOOM_NODE_MAX:
        return b_.CreateSelect(is_unsigned ? b_.CreateICmpUGT(a, b) : b_.CreateICmpSGT(a, b), a, b);
      case LOOM_NODE_DIV:
      case LOOM_NODE_MOD:
      case LOOM_NODE_FLOOR_DIV:
      case LOOM_NODE_FLOOR_MOD:
        return int_division(op, a, b, is_unsigned);
      default:
        fail("unsupported integer operation " + std::string(e.op_name()));
    }
  }

  // Integer division and modulo without undefined behaviour: by zero gives 0, MIN / -1 wraps.
  llvm::Value* int_division(loom_node_kind op, llvm::Value* a, llvm::Value* b, bool is_unsigned) {
    llvm::Type* t = a->getType();
    llvm::Value* zero = llvm::Constant::getNullValue(t);
    llvm::Value* one = llvm::ConstantInt::get(t, 1);
    llvm::Value* minus_one = llvm::Constant::getAllOnesValue(t);
    llvm::Value* b_zero = b_.CreateICmpEQ(b, zero);
    const bool is_div = op == LOOM_NODE_DIV || op == LOOM_NODE_FLOOR_DIV;
    if (is_unsigned) {
      llvm::Value* safe = b_.CreateSelect(b_zero, one, b);
      llvm::Value* r = is_div ? b_.CreateUDiv(a, safe) : b_.CreateURem(a, safe);
      return b_.CreateSelect(b_zero, zero, r);
    }
    // b == 0 or b == -1 take the divisor 1 (no trap); fixed up after.
    llvm::Value* b_minus_one = b_.CreateICmpEQ(b, minus_one);
    llvm::Value* special = b_.CreateOr(b_zero, b_minus_one);
    llvm::Value* safe = b_.CreateSelect(special, one, b);
    llvm::Value* q = b_.CreateSDiv(a, safe);
    llvm::Value* r = b_.CreateSRem(a, safe);
    llvm::Value* out = nullptr;
    if (op == LOOM_NODE_DIV) {
      out = q;
    } else if (op == LOOM_NODE_MOD) {
      out = r;
    } else {
      // Floor: adjust when the remainder is nonzero and its sign differs from b's.
      llvm::Value* adjust =
          b_.CreateAnd(b_.CreateICmpNE(r, zero), b_.CreateICmpNE(b_.CreateICmpSLT(r, zero), b_.CreateICmpSLT(b, zero)));
      out = op == LOOM_NODE_FLOOR_DIV ? b_.CreateSelect(adjust, b_.CreateSub(q, one), q)
                                      : b_.CreateSelect(adjust, b_.CreateAdd(r, b), r);
    }
    // b == -1: the quotient is -a (wrapping), the remainder 0.
    out = b_.CreateSelect(b_minus_one, is_div ? b_.CreateSub(zero, a) : zero, out);
    return b_.CreateSelect(b_zero, zero, out);
  }

  llvm::Value* unary_intrinsic(llvm::Intrinsic::ID id, llvm::Value* x) {
    return b_.CreateIntrinsic(id, {x->getType()}, {x});
  }

  // A libm function (by its double name; "f" appended for float) applied lane by lane.
  llvm::Value* libm(const std::string& name, std::vector<llvm::Value*> args) {
    llvm::Type* type = args[0]->getType();
    llvm::Type* scalar = type->getScalarType();
    const std::string symbol = scalar->isDoubleTy() ? name : name + "f";
    std::vector<llvm::Type*> arg_types(args.size(), scalar);
    llvm::FunctionCallee fn = mod_.getOrInsertFunction(symbol, llvm::FunctionType::get(scalar, arg_types, false));
    const int lanes = lanes_of(args[0]);
    if (lanes == 1) return b_.CreateCall(fn, args);
    llvm::Value* out = llvm::PoisonValue::get(type);
    for (int l = 0; l < lanes; ++l) {
      std::vector<llvm::Value*> lane_args;
      for (llvm::Value* a : args) lane_args.push_back(b_.CreateExtractElement(a, static_cast<uint64_t>(l)));
      out = b_.CreateInsertElement(out, b_.CreateCall(fn, lane_args), static_cast<uint64_t>(l));
    }
    return out;
  }

  llvm::Value* emit_call(const pir::Call& call) {
    std::string op(call.op());
    auto args = call.args().to_vector();
    DataType t = call.dtype().element_of();
    if (op == "if_then_else") {
      if (args.size() != 3) fail("if_then_else takes 3 arguments");
      llvm::Value* cond = emit_expr(args[0]);
      if (lanes_of(cond) != 1) fail("if_then_else with a vector condition");
      auto* then_bb = llvm::BasicBlock::Create(ctx_, "ite.then", fn_);
      auto* else_bb = llvm::BasicBlock::Create(ctx_, "ite.else", fn_);
      auto* merge = llvm::BasicBlock::Create(ctx_, "ite.end", fn_);
      b_.CreateCondBr(cond, then_bb, else_bb);
      b_.SetInsertPoint(then_bb);
      llvm::Value* x = splat(emit_expr(args[1]), call.dtype().lanes);
      llvm::BasicBlock* then_end = b_.GetInsertBlock();
      b_.CreateBr(merge);
      b_.SetInsertPoint(else_bb);
      llvm::Value* y = splat(emit_expr(args[2]), call.dtype().lanes);
      llvm::BasicBlock* else_end = b_.GetInsertBlock();
      b_.CreateBr(merge);
      b_.SetInsertPoint(merge);
      if (x->getType() != y->getType()) fail("if_then_else branches of different types");
      llvm::PHINode* phi = b_.CreatePHI(x->getType(), 2);
      phi->addIncoming(x, then_end);
      phi->addIncoming(y, else_end);
      return phi;
    }
    std::vector<llvm::Value*> values;
    for (auto& a : args) values.push_back(emit_expr(a));
    if (values.empty()) fail("intrinsic " + op + " without arguments");
    if (values.size() == 2) unify(values[0], values[1]);
    llvm::Value* x = values[0];
    if (!t.is_float()) {
      // Integers: abs wraps, the rounding functions are the identity.
      if (op == "abs") {
        if (t.is_uint() || t.is_bool()) return x;
        llvm::Value* zero = llvm::Constant::getNullValue(x->getType());
        return b_.CreateSelect(b_.CreateICmpSLT(x, zero), b_.CreateSub(zero, x), x);
      }
      if (op == "floor" || op == "ceil" || op == "round" || op == "trunc") return x;
      fail("intrinsic T." + op + " is not defined on integer dtype " + t.to_string());
    }
    llvm::Value* r = nullptr;
    llvm::Value* one = llvm::ConstantFP::get(x->getType(), 1.0);
    if (op == "exp") {
      r = unary_intrinsic(llvm::Intrinsic::exp, x);
    } else if (op == "exp2") {
      r = unary_intrinsic(llvm::Intrinsic::exp2, x);
    } else if (op == "exp10") {
      r = b_.CreateIntrinsic(llvm::Intrinsic::pow, {x->getType()}, {llvm::ConstantFP::get(x->getType(), 10.0), x});
    } else if (op == "log") {
      r = unary_intrinsic(llvm::Intrinsic::log, x);
    } else if (op == "log2") {
      r = unary_intrinsic(llvm::Intrinsic::log2, x);
    } else if (op == "log10") {
      r = unary_intrinsic(llvm::Intrinsic::log10, x);
    } else if (op == "log1p") {
      r = libm("log1p", {x});
    } else if (op == "sqrt") {
      r = unary_intrinsic(llvm::Intrinsic::sqrt, x);
    } else if (op == "rsqrt") {
      r = b_.CreateFDiv(one, unary_intrinsic(llvm::Intrinsic::sqrt, x));
    } else if (op == "sigmoid") {
      r = b_.CreateFDiv(one, b_.CreateFAdd(one, unary_intrinsic(llvm::Intrinsic::exp, b_.CreateFNeg(x))));
    } else if (op == "tanh") {
      r = libm("tanh", {x});
    } else if (op == "sin") {
      r = unary_intrinsic(llvm::Intrinsic::sin, x);
    } else if (op == "cos") {
      r = unary_intrinsic(llvm::Intrinsic::cos, x);
    } else if (op == "tan") {
      r = libm("tan", {x});
    } else if (op == "atan") {
      r = libm("atan", {x});
    } else if (op == "erf") {
      r = libm("erf", {x});
    } else if (op == "abs") {
      r = unary_intrinsic(llvm::Intrinsic::fabs, x);
    } else if (op == "floor") {
      r = unary_intrinsic(llvm::Intrinsic::floor, x);
    } else if (op == "ceil") {
      r = unary_intrinsic(llvm::Intrinsic::ceil, x);
    } else if (op == "round") {
      r = unary_intrinsic(llvm::Intrinsic::nearbyint, x);
    } else if (op == "trunc") {
      r = unary_intrinsic(llvm::Intrinsic::trunc, x);
    } else if (op == "pow") {
      r = b_.CreateIntrinsic(llvm::Intrinsic::pow, {x->getType()}, {x, values.at(1)});
    } else if (op == "fmod") {
      r = b_.CreateFRem(x, values.at(1));
    } else {
      fail("unsupported intrinsic T." + op);
    }
    return round_narrow(r, t);
  }

  llvm::LLVMContext& ctx_;
  llvm::Module& mod_;
  llvm::IRBuilder<> b_;
  CodegenOptions options_;
  llvm::Function* fn_ = nullptr;
  llvm::BasicBlock* entry_ = nullptr;
  std::unordered_map<const void*, llvm::Value*> vars_;
  std::unordered_map<const void*, llvm::Value*> buffers_;
  // The vectorized loop being emitted as vector code (its variable, lanes, first value).
  const void* vector_mode_var_ = nullptr;
  int vector_lanes_ = 0;
  // Outlined parallel loop bodies: NAME.par.0, NAME.par.1, ...
  std::string parent_name_;
  int num_outlined_ = 0;
  llvm::Value* vector_base_ = nullptr;
};

void init_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

// The host's JIT target machine builder, with the options' CPU / features.
llvm::orc::JITTargetMachineBuilder target_builder(const CodegenOptions& options, std::string* cpu_out) {
  auto detected = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!detected) fail("cannot detect the host target: " + llvm_error_text(detected.takeError()));
  llvm::orc::JITTargetMachineBuilder jtmb = std::move(*detected);
  std::string cpu = options.cpu.empty() ? host_cpu_name() : options.cpu;
  jtmb.setCPU(cpu);
  llvm::SubtargetFeatures features;
  if (options.features.empty()) {
    llvm::StringMap<bool> host;
    if (llvm::sys::getHostCPUFeatures(host)) {
      for (auto& f : host) features.AddFeature(f.first(), f.second);
    }
  } else {
    features.addFeaturesVector({});
    for (llvm::StringRef f : llvm::split(options.features, ',')) {
      if (!f.empty()) features.AddFeature(f);
    }
  }
  jtmb.getFeatures() = features;
  jtmb.setCodeGenOptLevel(options.opt_level >= 3   ? llvm::CodeGenOpt::Aggressive
                          : options.opt_level == 0 ? llvm::CodeGenOpt::None
                                                   : llvm::CodeGenOpt::Default);
  // Position-independent, so that an exported object links into PIE executables (the
  // default of Debian's cc) without text relocations.
  jtmb.setRelocationModel(llvm::Reloc::PIC_);
  if (cpu_out != nullptr) *cpu_out = cpu;
  return jtmb;
}

std::unique_ptr<llvm::Module> generate(llvm::LLVMContext& ctx, const pir::PrimFunc& func, const std::string& name,
                                       const CodegenOptions& options, const llvm::DataLayout* layout,
                                       const std::string& triple) {
  auto mod = std::make_unique<llvm::Module>(name, ctx);
  if (layout != nullptr) mod->setDataLayout(*layout);
  if (!triple.empty()) mod->setTargetTriple(triple);
  Emitter emitter(ctx, *mod, options);
  try {
    emitter.emit_function(func, name);
  } catch (const plugin::Error& e) {
    throw CodegenError(std::string("reading the IR: ") + e.what());
  }
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*mod, &os)) fail("internal error: invalid LLVM IR: " + os.str());
  return mod;
}

std::string module_text(const llvm::Module& mod) {
  std::string text;
  llvm::raw_string_ostream os(text);
  mod.print(os, nullptr);
  return os.str();
}

void optimize(llvm::Module& mod, llvm::TargetMachine* tm, int level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = level >= 2;
  tuning.SLPVectorization = level >= 2;
  llvm::PassBuilder pb(tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel opt = level >= 3   ? llvm::OptimizationLevel::O3
                                : level == 2 ? llvm::OptimizationLevel::O2
                                : level == 1 ? llvm::OptimizationLevel::O1
                                             : llvm::OptimizationLevel::O0;
  llvm::ModulePassManager mpm = level == 0 ? pb.buildO0DefaultPipeline(opt) : pb.buildPerModuleDefaultPipeline(opt);
  mpm.run(mod, mam);
}

}  // namespace

struct Kernel::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  PackedFunc entry = nullptr;
  std::string name;
  std::string ir;
  std::string optimized_ir;
  std::string cpu;
};

Kernel::Kernel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Kernel::Kernel(Kernel&&) noexcept = default;
Kernel& Kernel::operator=(Kernel&&) noexcept = default;
Kernel::~Kernel() = default;
PackedFunc Kernel::entry() const { return impl_->entry; }
const std::string& Kernel::name() const { return impl_->name; }
const std::string& Kernel::ir() const { return impl_->ir; }
const std::string& Kernel::optimized_ir() const { return impl_->optimized_ir; }
const std::string& Kernel::cpu() const { return impl_->cpu; }

std::string emit_llvm_ir(const pir::PrimFunc& func, const CodegenOptions& options) {
  init_llvm();
  llvm::LLVMContext ctx;
  std::string cpu;
  auto jtmb = target_builder(options, &cpu);
  auto layout = jtmb.getDefaultDataLayoutForTarget();
  if (!layout) fail("no data layout for the host: " + llvm_error_text(layout.takeError()));
  auto mod = generate(ctx, func, symbol_name(func.name()), options, &*layout, jtmb.getTargetTriple().str());
  return module_text(*mod);
}

namespace {

// The object file (or assembly) of an optimized module.
std::string emit_file(llvm::Module& mod, llvm::TargetMachine& tm, llvm::CodeGenFileType type) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr, type)) fail("the target cannot emit this file type");
  pm.run(mod);
  return std::string(buffer.begin(), buffer.end());
}

bool calls_parallel_runtime(const llvm::Module& mod) {
  const llvm::Function* f = mod.getFunction("loom_parallel_for");
  return f != nullptr && !f->use_empty();
}

}  // namespace

ObjectCode compile_object(const pir::PrimFunc& func, const CodegenOptions& options) {
  init_llvm();
  ObjectCode code;
  code.name = symbol_name(options.symbol.empty() ? func.name() : std::string_view(options.symbol));
  code.packed_name = options.typed_entry ? code.name + "_packed" : code.name;
  auto jtmb = target_builder(options, &code.cpu);
  code.features = jtmb.getFeatures().getString();
  auto tm = jtmb.createTargetMachine();
  if (!tm) fail("cannot create the target machine: " + llvm_error_text(tm.takeError()));
  llvm::LLVMContext ctx;
  // Optimization remarks and warnings ("loop not unrolled") are not for the user's terminal.
  ctx.setDiagnosticHandlerCallBack([](const llvm::DiagnosticInfo&, void*) {}, nullptr);
  llvm::DataLayout layout = (*tm)->createDataLayout();
  auto mod = generate(ctx, func, code.name, options, &layout, (*tm)->getTargetTriple().str());
  code.ir = module_text(*mod);
  optimize(*mod, tm->get(), options.opt_level);
  code.optimized_ir = module_text(*mod);
  code.uses_parallel_runtime = calls_parallel_runtime(*mod);
  if (options.emit_assembly) code.assembly = emit_file(*mod, **tm, llvm::CGFT_AssemblyFile);
  code.object = emit_file(*mod, **tm, llvm::CGFT_ObjectFile);
  return code;
}

Kernel load_object(const ObjectCode& code) {
  init_llvm();
  auto impl = std::make_unique<Kernel::Impl>();
  impl->name = code.packed_name;
  impl->cpu = code.cpu;
  impl->ir = code.ir;
  impl->optimized_ir = code.optimized_ir;
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit) fail("cannot create the JIT: " + llvm_error_text(jit.takeError()));
  impl->jit = std::move(*jit);
  auto generator =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(impl->jit->getDataLayout().getGlobalPrefix());
  if (!generator) fail("cannot search the process's symbols: " + llvm_error_text(generator.takeError()));
  impl->jit->getMainJITDylib().addGenerator(std::move(*generator));
  // The runtime, by address (the executable need not export it).
  llvm::orc::SymbolMap runtime;
  runtime[impl->jit->mangleAndIntern("loom_parallel_for")] =
      llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(&loom_parallel_for), llvm::JITSymbolFlags::Exported);
  if (auto err = impl->jit->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(runtime)))) {
    fail("cannot define the runtime symbols: " + llvm_error_text(std::move(err)));
  }
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(code.object, code.name + ".o");
  if (auto err = impl->jit->addObjectFile(std::move(buffer))) {
    fail("cannot add the object file to the JIT: " + llvm_error_text(std::move(err)));
  }
  auto sym = impl->jit->lookup(impl->name);
  if (!sym) fail("cannot link " + impl->name + ": " + llvm_error_text(sym.takeError()));
  impl->entry = sym->toPtr<PackedFunc>();
  return Kernel(std::move(impl));
}

Kernel compile(const pir::PrimFunc& func, const CodegenOptions& options) {
  return load_object(compile_object(func, options));
}

}  // namespace loom::cpu
