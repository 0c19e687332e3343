// The CUDA emitter's expressions (emitter.h): literals, variables, loads (aligned vector
// loads hoisted before the statement), casts, the operators and intrinsics with the
// interpreter's semantics (loom/cuda/codegen.h), warp shuffles and their masks; and what they
// rest on: dtypes' C spellings, identifiers, the prelude's helper functions and the small
// analyses of integer expressions (known multiple, sign, thread dependence).
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "emitter.h"

namespace loom::cuda {

namespace {

bool is_half(pir::DataType t) { return t.code == LOOM_DTYPE_FLOAT && t.bits == 16; }
bool is_bf16(pir::DataType t) { return t.code == LOOM_DTYPE_BFLOAT; }
bool is_f64(pir::DataType t) { return t.code == LOOM_DTYPE_FLOAT && t.bits == 64; }
bool is_narrow_int(pir::DataType t) { return (t.is_int() || t.is_uint()) && t.bits < 32; }

// `value` rounded to nearest even in a binary format of `precision` significand bits,
// normal exponents from `emin` to `emax` (subnormals below), overflowing to infinity.
double round_binary(double value, int precision, int emin, int emax) {
  if (!std::isfinite(value) || value == 0.0) return value;
  int exp = 0;
  std::frexp(value, &exp);  // |value| in [2^(exp-1), 2^exp)
  const int lead = std::max(exp - 1, emin);
  const double quantum = std::ldexp(1.0, lead - (precision - 1));
  const double rounded = std::nearbyint(value / quantum) * quantum;
  const double max = std::ldexp(2.0 - std::ldexp(1.0, 1 - precision), emax);
  if (std::fabs(rounded) > max) return std::copysign(std::numeric_limits<double>::infinity(), value);
  return rounded;
}

template <typename F>
std::string shortest(F value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

const char* const kReserved[] = {
    "auto",      "bool",      "break",  "case",      "char",     "const",    "continue",  "default",     "do",
    "double",    "else",      "enum",   "extern",    "false",    "float",    "for",       "goto",        "if",
    "inline",    "int",       "long",   "register",  "return",   "short",    "signed",    "sizeof",      "static",
    "struct",    "switch",    "true",   "typedef",   "union",    "unsigned", "void",      "volatile",    "while",
    "asm",       "catch",     "class",  "constexpr", "decltype", "delete",   "explicit",  "export",      "friend",
    "mutable",   "namespace", "new",    "noexcept",  "nullptr",  "operator", "private",   "protected",   "public",
    "template",  "this",      "throw",  "try",       "typeid",   "typename", "using",     "virtual",     "and",
    "or",        "not",       "xor",    "bitand",    "bitor",    "compl",    "threadIdx", "blockIdx",    "blockDim",
    "gridDim",   "warpSize",  "min",    "max",       "abs",      "exp",      "exp2",      "exp10",       "log",
    "log2",      "log10",     "log1p",  "sqrt",      "rsqrt",    "tanh",     "sin",       "cos",         "tan",
    "atan",      "erf",       "fabs",   "floor",     "ceil",     "rint",     "trunc",     "pow",         "fmod",
    "expf",      "exp2f",     "exp10f", "logf",      "log2f",    "log10f",   "log1pf",    "sqrtf",       "tanhf",
    "sinf",      "cosf",      "tanf",   "atanf",     "erff",     "fabsf",    "floorf",    "ceilf",       "rintf",
    "truncf",    "powf",      "fmodf",  "float2",    "float4",   "int2",     "int4",      "make_float2", "make_float4",
    "make_int2", "make_int4"};

}  // namespace

const char* helper_text(Helper helper) {
  switch (helper) {
    case Helper::kRoundHalf:
      return "__device__ __forceinline__ float loom_round_f16(float x) { return __half2float(__float2half_rn(x)); }\n";
    case Helper::kRoundBfloat16:
      return "__device__ __forceinline__ float loom_round_bf16(float x) {\n"
             "  return __bfloat162float(__float2bfloat16_rn(x));\n"
             "}\n";
    case Helper::kIntDivision:
      return "// Integer division and modulo: by zero gives 0, MIN / -1 wraps, floor rounds down.\n"
             "template <typename T> __device__ __forceinline__ T loom_neg(T a) {\n"
             "  return (T)(0ull - (unsigned long long)a);\n"
             "}\n"
             "template <typename T> __device__ __forceinline__ T loom_div(T a, T b) {\n"
             "  if (b == T(0)) return T(0);\n"
             "  if constexpr (T(-1) < T(0)) { if (b == T(-1)) return loom_neg(a); }\n"
             "  return (T)(a / b);\n"
             "}\n"
             "template <typename T> __device__ __forceinline__ T loom_mod(T a, T b) {\n"
             "  if (b == T(0)) return T(0);\n"
             "  if constexpr (T(-1) < T(0)) { if (b == T(-1)) return T(0); }\n"
             "  return (T)(a % b);\n"
             "}\n"
             "template <typename T> __device__ __forceinline__ T loom_floordiv(T a, T b) {\n"
             "  if (b == T(0)) return T(0);\n"
             "  if constexpr (T(-1) < T(0)) {\n"
             "    if (b == T(-1)) return loom_neg(a);\n"
             "    const T q = (T)(a / b), r = (T)(a % b);\n"
             "    return (r != T(0) && ((r < T(0)) != (b < T(0)))) ? (T)(q - T(1)) : q;\n"
             "  }\n"
             "  return (T)(a / b);\n"
             "}\n"
             "template <typename T> __device__ __forceinline__ T loom_floormod(T a, T b) {\n"
             "  if (b == T(0)) return T(0);\n"
             "  if constexpr (T(-1) < T(0)) {\n"
             "    if (b == T(-1)) return T(0);\n"
             "    const T r = (T)(a % b);\n"
             "    return (r != T(0) && ((r < T(0)) != (b < T(0)))) ? (T)(r + b) : r;\n"
             "  }\n"
             "  return (T)(a % b);\n"
             "}\n";
    case Helper::kMinMax:
      return "template <typename T> __device__ __forceinline__ T loom_min(T a, T b) { return a < b ? a : b; }\n"
             "template <typename T> __device__ __forceinline__ T loom_max(T a, T b) { return a > b ? a : b; }\n";
    case Helper::kAbs:
      return "template <typename T> __device__ __forceinline__ T loom_abs(T a) {\n"
             "  return a < T(0) ? (T)(0ull - (unsigned long long)a) : a;\n"
             "}\n";
    case Helper::kFloatToInt:
      return "// A float truncated toward zero and saturated to a signed / unsigned integer of `bits`\n"
             "// bits; NaN gives 0.\n"
             "__device__ __forceinline__ long long loom_f2s(double f, int bits) {\n"
             "  if (f != f) return 0;\n"
             "  const double t = trunc(f), limit = ldexp(1.0, bits - 1);\n"
             "  if (t <= -limit) return bits == 64 ? (-9223372036854775807LL - 1) : -(long long)limit;\n"
             "  if (t >= limit) return bits == 64 ? 9223372036854775807LL : (long long)limit - 1;\n"
             "  return (long long)t;\n"
             "}\n"
             "__device__ __forceinline__ unsigned long long loom_f2u(double f, int bits) {\n"
             "  if (f != f || f <= 0.0) return 0;\n"
             "  const double t = trunc(f), limit = ldexp(1.0, bits);\n"
             "  if (t >= limit) return bits == 64 ? ~0ull : (unsigned long long)limit - 1;\n"
             "  return (unsigned long long)t;\n"
             "}\n";
    case Helper::kWarpMask:
      return "// The lanes of this thread's warp whose thread index (in a block of bx x by x bz) lies\n"
             "// below (ex, ey, ez): the threads that reach a shuffle under guarded thread loops.\n"
             "__device__ __forceinline__ unsigned loom_warp_mask(int bx, int by, int bz, int ex, int ey, int ez) {\n"
             "  const int first = (int)(threadIdx.x + threadIdx.y * bx + threadIdx.z * bx * by) & ~31;\n"
             "  unsigned mask = 0u;\n"
             "  for (int lane = 0; lane < 32; ++lane) {\n"
             "    const int t = first + lane;\n"
             "    if (t < bx * by * bz && t % bx < ex && t / bx % by < ey && t / (bx * by) < ez) mask |= 1u << lane;\n"
             "  }\n"
             "  return mask;\n"
             "}\n";
  }
  return "";
}

std::string reg_type(pir::DataType t) {
  if (t.is_bool()) return "bool";
  if (t.is_float()) {
    if (t.bits == 16 || (t.bits == 32 && t.code == LOOM_DTYPE_FLOAT)) return "float";
    if (t.bits == 64 && t.code == LOOM_DTYPE_FLOAT) return "double";
  }
  if (t.is_int() || t.is_uint()) {
    const std::string u = t.is_uint() ? "unsigned " : "";
    switch (t.bits) {
      case 8:
        return t.is_uint() ? "unsigned char" : "signed char";
      case 16:
        return u + "short";
      case 32:
        return u + "int";
      case 64:
        return u + "long long";
      default:
        break;
    }
  }
  fail("dtype " + t.to_string() + " has no CUDA type");
}

std::string storage_type(pir::DataType t) {
  if (is_half(t)) return "__half";
  if (is_bf16(t)) return "__nv_bfloat16";
  return reg_type(t);
}

int64_t element_bytes(pir::DataType t) { return t.is_bool() ? 1 : (t.bits + 7) / 8; }

std::string sanitize(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "v" + out;
  return out;
}

std::string Names::fresh(std::string_view base) {
  std::string name = sanitize(base);
  bool reserved = name.rfind("loom_", 0) == 0 || name.rfind("__", 0) == 0;
  for (const char* r : kReserved) reserved |= name == r;
  if (reserved) name += "_";
  std::string candidate = name;
  for (int i = 1; used_.count(candidate) != 0; ++i) candidate = name + "_" + std::to_string(i);
  used_.insert(candidate);
  return candidate;
}

std::string Names::define(const pir::Node& node, std::string_view base) {
  std::string name = fresh(base);
  bound_[node.ptr()] = name;
  return name;
}

const std::string* Names::find(const pir::Node& node) const {
  auto it = bound_.find(node.ptr());
  return it == bound_.end() ? nullptr : &it->second;
}

std::string KernelEmitter::int_literal(int64_t value, pir::DataType t) {
  t = t.element_of();
  if (t.is_bool()) return value != 0 ? "true" : "false";
  if (t.is_float()) return float_literal(static_cast<double>(value), t);
  if (t.is_uint()) {
    if (t.bits == 64) return std::to_string(static_cast<uint64_t>(value)) + "ull";
    if (t.bits == 32) return std::to_string(static_cast<uint32_t>(value)) + "u";
  } else if (t.bits == 64) {
    if (value == std::numeric_limits<int64_t>::min()) return "(-9223372036854775807LL - 1)";
    return std::to_string(value) + "LL";
  } else if (t.bits == 32) {
    if (value == std::numeric_limits<int32_t>::min()) return "(-2147483647 - 1)";
    return std::to_string(value);
  }
  return "(" + reg_type(t) + ")" + std::to_string(value);
}

std::string KernelEmitter::float_literal(double value, pir::DataType t) {
  t = t.element_of();
  if (!t.is_float()) return int_literal(static_cast<int64_t>(value), t);
  if (is_f64(t)) {
    if (std::isnan(value)) return "__longlong_as_double(0x7ff8000000000000LL)";
    if (std::isinf(value))
      return value > 0 ? "__longlong_as_double(0x7ff0000000000000LL)"
                       : "__longlong_as_double((long long)0xfff0000000000000ull)";
    return shortest(value);
  }
  double rounded = static_cast<float>(value);
  if (is_half(t)) rounded = round_binary(value, 11, -14, 15);
  if (is_bf16(t)) rounded = round_binary(value, 8, -126, 127);
  if (std::isnan(rounded)) return "__int_as_float(0x7fc00000)";
  if (std::isinf(rounded)) return rounded > 0 ? "__int_as_float(0x7f800000)" : "__int_as_float((int)0xff800000u)";
  return shortest(static_cast<float>(rounded)) + "f";
}

std::string KernelEmitter::round_narrow(const std::string& value, pir::DataType t) {
  if (is_half(t)) {
    unit_.uses_half = true;
    unit_.helpers.insert(Helper::kRoundHalf);
    return "loom_round_f16(" + value + ")";
  }
  if (is_bf16(t)) {
    unit_.uses_bfloat16 = true;
    unit_.helpers.insert(Helper::kRoundBfloat16);
    return "loom_round_bf16(" + value + ")";
  }
  return value;
}

std::string KernelEmitter::cast(const std::string& v, pir::DataType from, pir::DataType to) {
  if (from == to) return v;
  if (to.is_bool()) return "(" + v + " != 0)";
  if (to.is_float()) {
    if (is_f64(to)) return "(double)(" + v + ")";
    if (!is_half(to) && !is_bf16(to)) return from.is_float() && !is_f64(from) ? v : "(float)(" + v + ")";
    // To a 16-bit float: one rounding, from the value as a double when it is not a float.
    const std::string wide = from.is_float() ? v : "(double)(" + v + ")";
    if (is_half(to)) {
      unit_.uses_half = true;
      if (from.is_float() && !is_f64(from)) return round_narrow(v, to);
      return "__half2float(__double2half(" + wide + "))";
    }
    unit_.uses_bfloat16 = true;
    if (from.is_float() && !is_f64(from)) return round_narrow(v, to);
    return "__bfloat162float(__double2bfloat16(" + wide + "))";
  }
  if (from.is_float()) {
    unit_.helpers.insert(Helper::kFloatToInt);
    return "(" + reg_type(to) + ")" + (to.is_uint() ? "loom_f2u" : "loom_f2s") + "((double)(" + v + "), " +
           std::to_string(to.bits) + ")";
  }
  return "(" + reg_type(to) + ")(" + v + ")";
}

const std::string& KernelEmitter::buffer_name(const pir::Buffer& buffer) const {
  const std::string* name = names_.find(buffer);
  if (name == nullptr) {
    fail("kernel " + kernel_name_ + ": buffer " + std::string(buffer.name()) + " is used outside its allocation");
  }
  return *name;
}

std::string KernelEmitter::var_name(const pir::Var& v, int lane) const {
  if (auto it = lane_names_.find(v.ptr()); it != lane_names_.end()) return it->second.at(static_cast<size_t>(lane));
  const std::string* name = names_.find(v);
  if (name == nullptr) {
    fail("kernel " + kernel_name_ + ": variable " + std::string(v.name()) + " is used outside its definition");
  }
  return *name;
}

pir::Expr KernelEmitter::flat_index(const pir::Buffer& buffer, const pir::List<pir::Expr>& indices) {
  if (indices.size() != 1) {
    fail("kernel " + kernel_name_ + ": buffer " + std::string(buffer.name()) + " is accessed with " +
         std::to_string(indices.size()) + " indices (the function is not flattened)");
  }
  return indices[0];
}

std::string KernelEmitter::index_text(const pir::Buffer& buffer, const pir::List<pir::Expr>& indices, int lane) {
  pir::Expr index = flat_index(buffer, indices);
  std::string text = expr(index, index.dtype().lanes > 1 ? lane : 0);
  pir::Expr offset = buffer.elem_offset();
  if (!offset.is_null() && pir::const_int(offset) != 0) text = "(" + text + " + " + expr(offset) + ")";
  return text;
}

std::string KernelEmitter::vector_type(const pir::Buffer& buffer, const pir::Expr& index,
                                       pir::DataType value_type) const {
  const int lanes = value_type.lanes;
  if (lazy_ > 0 || (lanes != 2 && lanes != 4)) return "";
  const pir::DataType elem = buffer.dtype().element_of();
  const bool f32 = elem.code == LOOM_DTYPE_FLOAT && elem.bits == 32;
  const bool i32 = elem.code == LOOM_DTYPE_INT && elem.bits == 32;
  if (!f32 && !i32) return "";
  auto ramp = index.as<pir::Ramp>();
  if (!ramp || ramp->lanes() != lanes || pir::const_int(ramp->stride()) != 1) return "";
  pir::Expr offset = buffer.elem_offset();
  if (!offset.is_null() && pir::const_int(offset) != 0) return "";
  const int64_t multiple = known_multiple(ramp->base());
  if (multiple % lanes != 0) return "";
  return std::string(f32 ? "float" : "int") + std::to_string(lanes);
}

std::string KernelEmitter::load(const pir::BufferLoad& e, int lane) {
  pir::Buffer buffer = e.buffer();
  const std::string& name = buffer_name(buffer);
  const pir::DataType t = e.dtype();
  if (t.lanes > 1) {
    pir::Expr index = flat_index(buffer, e.indices());
    const std::string vtype = vector_type(buffer, index, t);
    if (!vtype.empty()) {
      // One load per element address in the statement (its loads all read before it writes).
      const std::string address = "&" + name + "[" + expr(pir::Ramp(index).base()) + "]";
      auto it = hoisted_.find(address);
      if (it == hoisted_.end()) {
        const std::string temp = names_.fresh(name + "_vec");
        pending_.push_back("const " + vtype + " " + temp + " = *reinterpret_cast<const " + vtype + "*>(" + address +
                           ");");
        it = hoisted_.emplace(address, temp).first;
      }
      return it->second + "." + "xyzw"[lane];
    }
  }
  const std::string element = name + "[" + index_text(buffer, e.indices(), lane) + "]";
  const pir::DataType elem = buffer.dtype().element_of();
  if (is_half(elem)) return "__half2float(" + element + ")";
  if (is_bf16(elem)) return "__bfloat162float(" + element + ")";
  return element;
}

std::string KernelEmitter::expr(const pir::Expr& e, int lane) {
  const pir::DataType t = e.dtype();
  if (t.lanes == 1) lane = 0;
  switch (e.kind()) {
    case LOOM_NODE_INT_IMM:
      return int_literal(pir::IntImm(e).value(), t);
    case LOOM_NODE_FLOAT_IMM:
      return float_literal(pir::FloatImm(e).value(), t);
    case LOOM_NODE_VAR:
      return var_name(pir::Var(e), lane);
    case LOOM_NODE_BUFFER_LOAD:
      return load(pir::BufferLoad(e), lane);
    case LOOM_NODE_NOT:
      return "(!" + expr(pir::Not(e).a(), lane) + ")";
    case LOOM_NODE_SELECT: {
      pir::Select s(e);
      return "(" + expr(s.condition(), lane) + " ? " + expr(s.true_value(), lane) + " : " +
             expr(s.false_value(), lane) + ")";
    }
    case LOOM_NODE_CAST: {
      pir::Cast c(e);
      return cast(expr(c.value(), lane), c.value().dtype().element_of(), t.element_of());
    }
    case LOOM_NODE_RAMP: {
      pir::Ramp r(e);
      const std::string base = expr(r.base());
      if (lane == 0) return base;
      const pir::DataType st = r.base().dtype();
      if (auto k = pir::const_int(r.stride())) return "(" + base + " + " + int_literal(lane * *k, st) + ")";
      return "(" + base + " + " + int_literal(lane, st) + " * " + expr(r.stride()) + ")";
    }
    case LOOM_NODE_BROADCAST:
      return expr(pir::Broadcast(e).value());
    case LOOM_NODE_CALL:
      return call(pir::Call(e), lane);
    default:
      break;
  }
  if (auto b = e.as<pir::Binary>()) return binary(*b, lane);
  fail("kernel " + kernel_name_ + ": unsupported expression " + std::string(e.kind_name()));
}

std::string KernelEmitter::binary(const pir::Binary& e, int lane) {
  const pir::DataType operand = e.a().dtype().element_of();
  const std::string a = expr(e.a(), lane);
  const std::string b = expr(e.b(), lane);
  const loom_node_kind op = e.op();
  auto infix = [&](const char* sym) { return "(" + a + " " + sym + " " + b + ")"; };
  switch (op) {
    case LOOM_NODE_EQ:
      return infix("==");
    case LOOM_NODE_NE:
      return infix("!=");
    case LOOM_NODE_LT:
      return infix("<");
    case LOOM_NODE_LE:
      return infix("<=");
    case LOOM_NODE_GT:
      return infix(">");
    case LOOM_NODE_GE:
      return infix(">=");
    case LOOM_NODE_AND:
      return infix("&&");
    case LOOM_NODE_OR:
      return infix("||");
    case LOOM_NODE_MIN:
      unit_.helpers.insert(Helper::kMinMax);
      return "loom_min(" + a + ", " + b + ")";
    case LOOM_NODE_MAX:
      unit_.helpers.insert(Helper::kMinMax);
      return "loom_max(" + a + ", " + b + ")";
    default:
      break;
  }
  if (operand.is_float()) {
    const std::string f = is_f64(operand) ? "" : "f";
    std::string r;
    switch (op) {
      case LOOM_NODE_ADD:
        r = infix("+");
        break;
      case LOOM_NODE_SUB:
        r = infix("-");
        break;
      case LOOM_NODE_MUL:
        r = infix("*");
        break;
      case LOOM_NODE_DIV:
        r = infix("/");
        break;
      case LOOM_NODE_MOD:
        r = "fmod" + f + "(" + a + ", " + b + ")";
        break;
      case LOOM_NODE_FLOOR_DIV:
        r = "floor" + f + "(" + a + " / " + b + ")";
        break;
      case LOOM_NODE_FLOOR_MOD:
        r = "(" + a + " - " + b + " * floor" + f + "(" + a + " / " + b + "))";
        break;
      default:
        fail("kernel " + kernel_name_ + ": unsupported float operation " + std::string(e.op_name()));
    }
    return round_narrow(r, operand);
  }
  if (operand.is_bool()) {
    fail("kernel " + kernel_name_ + ": arithmetic " + std::string(e.op_name()) + " on bool operands");
  }
  const std::string type = reg_type(operand);
  const bool narrow = is_narrow_int(operand);
  if (op == LOOM_NODE_ADD || op == LOOM_NODE_SUB || op == LOOM_NODE_MUL) {
    const char* sym = op == LOOM_NODE_ADD ? "+" : op == LOOM_NODE_SUB ? "-" : "*";
    if (narrow) return "((" + type + ")((unsigned int)" + a + " " + sym + " (unsigned int)" + b + "))";
    return infix(sym);
  }
  // Division and modulo: plain C when the divisor is a positive constant and the rounding
  // agrees (truncation, or floor of a non-negative dividend), else the helpers.
  auto divisor = pir::const_int(e.b());
  const bool positive = divisor && *divisor > 0;
  const bool floor_op = op == LOOM_NODE_FLOOR_DIV || op == LOOM_NODE_FLOOR_MOD;
  const bool is_div = op == LOOM_NODE_DIV || op == LOOM_NODE_FLOOR_DIV;
  if (positive && (!floor_op || operand.is_uint() || nonneg(e.a()))) {
    const std::string r = infix(is_div ? "/" : "%");
    return narrow ? "((" + type + ")" + r + ")" : r;
  }
  unit_.helpers.insert(Helper::kIntDivision);
  const char* fn = op == LOOM_NODE_DIV   ? "loom_div"
                   : op == LOOM_NODE_MOD ? "loom_mod"
                   : is_div              ? "loom_floordiv"
                                         : "loom_floormod";
  return std::string(fn) + "(" + a + ", " + b + ")";
}

std::string KernelEmitter::call(const pir::Call& e, int lane) {
  const std::string op(e.op());
  auto args = e.args().to_vector();
  if (op == "if_then_else") {
    if (args[0].dtype().lanes != 1) fail("kernel " + kernel_name_ + ": if_then_else with a vector condition");
    const std::string cond = expr(args[0]);
    ++lazy_;
    const std::string x = expr(args[1], lane);
    const std::string y = expr(args[2], lane);
    --lazy_;
    return "(" + cond + " ? " + x + " : " + y + ")";
  }
  if (op == "storage_sync") {
    fail("kernel " + kernel_name_ + ": T.storage_sync() used as a value (it is a statement: T.evaluate(...))");
  }
  if (op == "warp_shuffle" || op == "warp_shuffle_down") return shuffle(e, lane);
  const pir::DataType t = e.dtype().element_of();
  std::vector<std::string> x;
  for (const pir::Expr& a : args) x.push_back(expr(a, lane));
  if (x.empty()) fail("kernel " + kernel_name_ + ": intrinsic T." + op + " without arguments");
  if (!t.is_float()) {
    if (op == "abs") {
      if (t.is_uint() || t.is_bool()) return x[0];
      unit_.helpers.insert(Helper::kAbs);
      return "loom_abs(" + x[0] + ")";
    }
    if (op == "floor" || op == "ceil" || op == "round" || op == "trunc") return x[0];
    fail("kernel " + kernel_name_ + ": intrinsic T." + op + " is not defined on integer dtype " + t.to_string());
  }
  const bool dbl = is_f64(t);
  const std::string f = dbl ? "" : "f";
  const std::string one = dbl ? "1.0" : "1.0f";
  static const char* const kDirect[] = {"exp", "exp2", "exp10", "log",  "log2", "log10", "log1p", "sqrt", "tanh",
                                        "sin", "cos",  "tan",   "atan", "erf",  "floor", "ceil",  "trunc"};
  std::string r;
  for (const char* name : kDirect) {
    if (op == name) r = op + f + "(" + x[0] + ")";
  }
  if (!r.empty()) {
  } else if (op == "rsqrt") {
    r = "(" + one + " / sqrt" + f + "(" + x[0] + "))";
  } else if (op == "sigmoid") {
    r = "(" + one + " / (" + one + " + exp" + f + "(-(" + x[0] + "))))";
  } else if (op == "abs") {
    r = "fabs" + f + "(" + x[0] + ")";
  } else if (op == "round") {
    r = "rint" + f + "(" + x[0] + ")";
  } else if ((op == "pow" || op == "fmod") && x.size() == 2) {
    r = op + f + "(" + x[0] + ", " + x[1] + ")";
  } else {
    fail("kernel " + kernel_name_ + ": unsupported intrinsic T." + op);
  }
  return round_narrow(r, t);
}

std::string KernelEmitter::shuffle(const pir::Call& e, int lane) {
  const std::string op(e.op());
  if (lazy_ > 0) fail("kernel " + kernel_name_ + ": T." + op + " inside an if_then_else branch");
  if (divergent_ > 0) {
    fail("kernel " + kernel_name_ + ": T." + op +
         " under a branch or in a loop that depends on the thread or on loaded data (the lanes that reach it are not "
         "known)");
  }
  auto args = e.args().to_vector();
  const pir::DataType t = e.dtype().element_of();
  std::string mask = "0xffffffffu";
  if (thread_guarded() || threads_per_block() % 32 != 0) {
    unit_.helpers.insert(Helper::kWarpMask);
    mask = "loom_warp_mask(" + std::to_string(launch_[3]) + ", " + std::to_string(launch_[4]) + ", " +
           std::to_string(launch_[5]) + ", " + std::to_string(guard_[3]) + ", " + std::to_string(guard_[4]) + ", " +
           std::to_string(guard_[5]) + ")";
  }
  const std::string fn = op == "warp_shuffle" ? "__shfl_sync" : "__shfl_down_sync";
  std::string value = expr(args[0], lane);
  const bool widen = t.is_bool() || is_narrow_int(t);
  if (widen) value = "(int)" + value;
  const std::string r = fn + "(" + mask + ", " + value + ", " + expr(args[1]) + ", " + expr(args[2]) + ")";
  return widen ? "(" + reg_type(t) + ")" + r : r;
}

// ---------------------------------------------------------------------------------------
// Analyses.

int64_t KernelEmitter::known_multiple(const pir::Expr& e) const {
  if (auto k = pir::const_int(e)) return *k < 0 ? -*k : *k;
  switch (e.kind()) {
    case LOOM_NODE_VAR: {
      auto it = facts_.find(e.ptr());
      return it == facts_.end() ? 1 : it->second.multiple;
    }
    case LOOM_NODE_ADD:
    case LOOM_NODE_SUB: {
      pir::Binary b(e);
      return std::gcd(known_multiple(b.a()), known_multiple(b.b()));
    }
    case LOOM_NODE_MUL: {
      pir::Binary b(e);
      const int64_t x = known_multiple(b.a()), y = known_multiple(b.b());
      if (x == 0 || y == 0) return 0;
      if (x > (int64_t{1} << 30) || y > (int64_t{1} << 30)) return 1;
      return x * y;
    }
    case LOOM_NODE_CAST: {
      pir::Cast c(e);
      pir::DataType from = c.value().dtype(), to = e.dtype();
      if ((from.is_int() || from.is_uint()) && (to.is_int() || to.is_uint()) && to.bits >= from.bits) {
        return known_multiple(c.value());
      }
      return 1;
    }
    default:
      return 1;
  }
}

bool KernelEmitter::nonneg(const pir::Expr& e) const {
  if (e.dtype().is_uint() || e.dtype().is_bool()) return true;
  if (auto k = pir::const_int(e)) return *k >= 0;
  switch (e.kind()) {
    case LOOM_NODE_VAR: {
      auto it = facts_.find(e.ptr());
      return it != facts_.end() && it->second.nonneg;
    }
    case LOOM_NODE_ADD:
    case LOOM_NODE_MUL:
    case LOOM_NODE_DIV:
    case LOOM_NODE_FLOOR_DIV:
    case LOOM_NODE_MOD:
    case LOOM_NODE_MIN: {
      pir::Binary b(e);
      return e.dtype().is_int() && nonneg(b.a()) && nonneg(b.b());
    }
    case LOOM_NODE_MAX: {
      pir::Binary b(e);
      return e.dtype().is_int() && (nonneg(b.a()) || nonneg(b.b()));
    }
    case LOOM_NODE_FLOOR_MOD: {
      auto k = pir::const_int(pir::Binary(e).b());
      return e.dtype().is_int() && k && *k > 0;
    }
    case LOOM_NODE_CAST: {
      pir::Cast c(e);
      pir::DataType from = c.value().dtype();
      return e.dtype().is_int() && from.is_int() && e.dtype().bits >= from.bits && nonneg(c.value());
    }
    default:
      return false;
  }
}

bool KernelEmitter::thread_dependent(const pir::Expr& e) const {
  bool varies = false;
  pir::walk(e, [&](const pir::Node& n) {
    if (varies) return false;
    if (n.is<pir::BufferLoad>()) {
      varies = true;
    } else if (n.is<pir::Var>()) {
      auto it = facts_.find(n.ptr());
      varies = it == facts_.end() || it->second.thread_dependent;
    } else if (auto c = n.as<pir::Call>(); c && (c->op() == "warp_shuffle" || c->op() == "warp_shuffle_down")) {
      varies = true;
    }
    return !n.is<pir::Buffer>();
  });
  return varies;
}

VarFacts KernelEmitter::facts_of(const pir::Expr& value) const {
  VarFacts f;
  const pir::DataType t = value.dtype();
  f.multiple = (t.is_int() || t.is_uint()) && t.lanes == 1 ? known_multiple(value) : 1;
  f.nonneg = t.lanes == 1 && nonneg(value);
  f.thread_dependent = thread_dependent(value);
  return f;
}

}  // namespace loom::cuda
