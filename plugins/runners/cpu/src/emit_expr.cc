// The emitter's expressions (emitter.h): constants, variables, loads, Select, casts, the
// arithmetic, comparison and logical operators (integer division without undefined
// behaviour), Ramp / Broadcast, and the math intrinsics (LLVM intrinsics or libm, lane by
// lane), with the interpreter's semantics (loom/cpu/codegen.h).
#include <llvm/ADT/APFloat.h>
#include <llvm/IR/Constants.h>

#include <algorithm>
#include <string>
#include <vector>

#include "emitter.h"
#include "errors.h"

namespace loom::cpu {

llvm::Value* Emitter::emit_expr(const pir::Expr& e) {
  pir::DataType t = e.dtype();
  switch (e.kind()) {
    case LOOM_NODE_INT_IMM: {
      int64_t value = pir::IntImm(e).value();
      if (t.is_bool()) return splat(b_.getInt1(value != 0), t.lanes);
      return splat(llvm::ConstantInt::get(reg_scalar(t.element_of()), static_cast<uint64_t>(value), true), t.lanes);
    }
    case LOOM_NODE_FLOAT_IMM: {
      double value = pir::FloatImm(e).value();
      pir::DataType elem = t.element_of();
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

llvm::Value* Emitter::emit_cast(llvm::Value* v, pir::DataType from, pir::DataType to) {
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

llvm::Value* Emitter::emit_binary(const pir::Binary& e) {
  llvm::Value* a = emit_expr(e.a());
  llvm::Value* b = emit_expr(e.b());
  unify(a, b);
  pir::DataType operand = e.a().dtype().element_of();
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
llvm::Value* Emitter::int_division(loom_node_kind op, llvm::Value* a, llvm::Value* b, bool is_unsigned) {
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

// A libm function (by its double name; "f" appended for float) applied lane by lane.
llvm::Value* Emitter::libm(const std::string& name, std::vector<llvm::Value*> args) {
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

llvm::Value* Emitter::emit_call(const pir::Call& call) {
  std::string op(call.op());
  auto args = call.args().to_vector();
  pir::DataType t = call.dtype().element_of();
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

}  // namespace loom::cpu
