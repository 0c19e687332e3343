// The emitter's memory side (emitter.h): dtypes as LLVM types (storage and register forms),
// conversions between them, buffer addressing (strides, element offsets, flattened indices),
// and loads and stores, contiguous vectors for a unit-stride Ramp index, per-lane otherwise.
#include <llvm/IR/Constants.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "emitter.h"
#include "errors.h"

namespace loom::cpu {

// Types and storage ----------------------------------------------------------------------

// The scalar type an element is stored as.
llvm::Type* Emitter::storage_scalar(pir::DataType t) {
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
// The scalar type a value lives in while computed: bool is i1, 16-bit floats are float.
llvm::Type* Emitter::reg_scalar(pir::DataType t) {
  if (t.is_bool()) return b_.getInt1Ty();
  if (is_narrow_float(t)) return b_.getFloatTy();
  if (t.is_handle()) return ptr_type();
  return storage_scalar(t);
}
// A register value -> storage, and back.
llvm::Value* Emitter::to_storage(llvm::Value* v, pir::DataType t) {
  const int lanes = lanes_of(v);
  if (t.is_bool()) return b_.CreateZExt(v, vec(b_.getInt8Ty(), lanes));
  if (is_f16(t)) return b_.CreateFPTrunc(v, vec(b_.getHalfTy(), lanes));
  if (is_bf16(t)) return float_to_bf16_bits(v);
  return v;
}
llvm::Value* Emitter::from_storage(llvm::Value* v, pir::DataType t) {
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
llvm::Value* Emitter::float_to_bf16_bits(llvm::Value* f) {
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
llvm::Value* Emitter::round_narrow(llvm::Value* v, pir::DataType t) {
  if (!is_narrow_float(t)) return v;
  return from_storage(to_storage(v, t), t);
}

llvm::Value* Emitter::splat(llvm::Value* v, int lanes) {
  if (lanes <= 1 || lanes_of(v) == lanes) return v;
  if (lanes_of(v) != 1) fail("mismatched vector lanes");
  return b_.CreateVectorSplat(static_cast<unsigned>(lanes), v);
}
// Both operands with the same number of lanes.
void Emitter::unify(llvm::Value*& a, llvm::Value*& b) {
  const int n = std::max(lanes_of(a), lanes_of(b));
  a = splat(a, n);
  b = splat(b, n);
}

// An integer value converted to i64 (sign- or zero-extended by its dtype).
llvm::Value* Emitter::to_i64(llvm::Value* v, pir::DataType t) {
  llvm::Type* target = vec(b_.getInt64Ty(), lanes_of(v));
  if (t.is_uint() || t.is_bool()) return b_.CreateZExtOrTrunc(v, target);
  return b_.CreateSExtOrTrunc(v, target);
}

// Addressing, loads and stores ------------------------------------------------------------

llvm::Value* Emitter::buffer_ptr(const pir::Buffer& buf) {
  auto it = buffers_.find(buf.ptr());
  if (it == buffers_.end()) fail("buffer " + std::string(buf.name()) + " is neither a parameter nor allocated");
  return it->second;
}

// The i64 element strides of a buffer (emitted).
std::vector<llvm::Value*> Emitter::strides_of(const pir::Buffer& buf) {
  std::vector<llvm::Value*> out;
  auto strides = buf.strides();
  if (!strides.empty()) {
    for (pir::Expr s : strides) out.push_back(to_i64(emit_expr(s), s.dtype()));
    return out;
  }
  auto shape = buf.shape().to_vector();
  out.assign(shape.size(), nullptr);
  llvm::Value* acc = b_.getInt64(1);
  for (size_t i = shape.size(); i-- > 0;) {
    out[i] = acc;
    if (i > 0) acc = b_.CreateMul(acc, to_i64(emit_expr(shape[i]), shape[i].dtype()));
  }
  return out;
}

// The flattened i64 index (scalar or vector) of an access.
llvm::Value* Emitter::flat_index(const pir::Buffer& buf, const std::vector<llvm::Value*>& idx,
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
    llvm::Value* off = to_i64(emit_expr(offset), offset.dtype());
    unify(total, off);
    total = b_.CreateAdd(total, off);
  }
  return total;
}

Emitter::Access Emitter::access(const pir::Buffer& buf, const pir::List<pir::Expr>& index_list) {
  Access a;
  a.ptr = buffer_ptr(buf);
  a.elem = storage_scalar(buf.dtype().element_of());
  auto indices = index_list.to_vector();
  // An explicit unit-stride Ramp as the last index, the others scalar.
  if (!indices.empty()) {
    auto ramp = indices.back().as<pir::Ramp>();
    bool others_scalar = true;
    for (size_t i = 0; i + 1 < indices.size(); ++i) others_scalar = others_scalar && indices[i].dtype().lanes == 1;
    auto stride = ramp ? ramp->stride().as<pir::IntImm>() : std::nullopt;
    if (ramp && others_scalar && stride && stride->value() == 1) {
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

llvm::Value* Emitter::emit_load(const pir::BufferLoad& load) {
  pir::Buffer buf = load.buffer();
  pir::DataType t = buf.dtype().element_of();
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
      raw = b_.CreateInsertElement(raw, b_.CreateAlignedLoad(a.elem, p, elem_align(a.elem)), static_cast<uint64_t>(l));
    }
  }
  return from_storage(raw, t);
}

void Emitter::emit_store(const pir::BufferStore& s) {
  pir::Buffer buf = s.buffer();
  pir::DataType t = buf.dtype().element_of();
  Access a = access(buf, s.indices());
  llvm::Value* value = to_storage(splat(emit_expr(s.value()), a.lanes), t);
  if (lanes_of(value) != a.lanes)
    fail("store of a " + std::to_string(lanes_of(value)) + "-lane value to " + std::to_string(a.lanes) + " lanes of " +
         std::string(buf.name()));
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

}  // namespace loom::cpu
