// Parallel loops of the emitter (emitter.h): a `parallel` loop's body is outlined into a
// function of its own, run over chunks of the iteration space by the oneTBB runtime
// (loom_parallel_for, loom/cpu/runtime.h) with a closure of what the body uses.
#include <llvm/IR/Constants.h>

#include <string>
#include <utility>
#include <vector>

#include "emitter.h"
#include "errors.h"

namespace loom::cpu {

// A parallel loop: the body outlined into NAME.par.K(lo, hi, closure), which runs
// iterations [lo, hi) serially, called through loom_parallel_for with a closure holding
// the variables and buffers the body uses. NAME.par.K unpacks the closure and calls
// NAME.par.K.body(lo, hi, ptr noalias A, ..., values) (inlined into it).
void Emitter::emit_parallel_loop(const pir::For& loop) {
  pir::Var v = loop.loop_var();
  std::vector<const void*> keys;
  std::vector<llvm::Value*> values;
  std::vector<bool> is_buffer;
  for (const pir::Node& n : pir::free_vars_and_buffers(loop.body())) {
    if (n.same(v)) continue;
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
    emit_counted_loop(v, lo, hi, loop.body());
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

}  // namespace loom::cpu
