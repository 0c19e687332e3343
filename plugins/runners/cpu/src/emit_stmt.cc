// The emitter's entry points and statements (emitter.h): the typed and the packed function,
// SeqStmt, serial, unrolled and vectorized loops (a vectorized loop that reaches the code
// generator is a serial loop: lowering's vectorize_loops is the one vectorizer), BufferStore,
// IfThenElse, LetStmt, Evaluate and Allocate; parallel loops are emit_parallel.cc's.
#include <llvm/IR/Constants.h>
#include <llvm/IR/MDBuilder.h>

#include <algorithm>
#include <string>
#include <vector>

#include "emitter.h"
#include "errors.h"

namespace loom::cpu {

Emitter::Emitter(llvm::LLVMContext& ctx, llvm::Module& mod, const CodegenOptions& options)
    : ctx_(ctx), mod_(mod), b_(ctx), options_(options) {
  if (options.fp_contract) {
    llvm::FastMathFlags fmf;
    fmf.setAllowContract(true);
    b_.setFastMathFlags(fmf);
  }
}

void Emitter::emit_function(const pir::PrimFunc& func, const std::string& name) {
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
  fn_ = options_.typed_entry ? llvm::Function::Create(body_type, llvm::Function::ExternalLinkage, name, mod_)
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
      pir::DataType t = params[i].dtype();
      llvm::Value* raw = b_.CreateLoad(storage_type(t), p);
      call_args.push_back(from_storage(raw, t));
    }
  }
  b_.CreateCall(fn_, call_args);
  b_.CreateRetVoid();
}

void Emitter::emit_stmt(const pir::Stmt& s) {
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

void Emitter::bind(const pir::Var& v, llvm::Value* value) {
  value->setName(std::string(v.name()));
  vars_[v.ptr()] = value;
}

void Emitter::emit_for(const pir::For& loop) {
  std::string_view kind = loop.for_kind();
  if (kind == "thread_binding") fail("a thread_binding loop cannot run on the CPU");
  if (kind == "parallel") {
    emit_parallel_loop(loop);
    return;
  }
  // Serial, unrolled and vectorized loops are loops. Lowering's vectorize_loops turns every
  // vectorized loop it can into vector statements and the others into serial loops, so a
  // vectorized loop here comes from a function not lowered that way: its iterations run in
  // order, which computes what it computes.
  pir::Var v = loop.loop_var();
  llvm::Type* vt = reg_type(v.dtype());
  llvm::Value* min = b_.CreateSExtOrTrunc(emit_expr(loop.min()), vt);
  llvm::Value* end =
      b_.CreateAdd(min, b_.CreateSExtOrTrunc(emit_expr(loop.extent()), vt), std::string(v.name()) + ".end");
  llvm::BranchInst* back = emit_counted_loop(v, min, end, loop.body());
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
}

llvm::BranchInst* Emitter::emit_counted_loop(const pir::Var& v, llvm::Value* lo, llvm::Value* hi,
                                             const pir::Stmt& body_stmt) {
  llvm::Type* vt = lo->getType();
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
  emit_stmt(body_stmt);
  llvm::Value* next = b_.CreateAdd(phi, llvm::ConstantInt::get(vt, 1), "", /*HasNUW=*/false, /*HasNSW=*/true);
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  llvm::BranchInst* back = b_.CreateBr(header);
  phi->addIncoming(next, latch);
  b_.SetInsertPoint(exit);
  return back;
}

void Emitter::emit_if(const pir::IfThenElse& s) {
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

void Emitter::emit_allocate(const pir::Allocate& s) {
  pir::Buffer buf = s.buffer();
  int64_t count = 1;
  for (pir::Expr e : buf.shape()) {
    auto k = e.as<pir::IntImm>();
    if (!k) fail("Allocate of " + std::string(buf.name()) + " with a symbolic shape");
    count *= k->value();
  }
  pir::DataType t = buf.dtype().element_of();
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

}  // namespace loom::cpu
