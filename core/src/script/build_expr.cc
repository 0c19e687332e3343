// IRBuilder, expressions: literals, names, operators with TVMScript's promotion (but no
// constant folding, so printed IR parses back to the same tree), T.* calls, buffer
// regions and annotation values.
#include <cmath>
#include <limits>

#include "ir_builder.h"
#include "range.h"

namespace loom::script::detail {

using namespace loom::ir;

std::string dotted(const PyExpr& e) {
  if (e.kind == ExprKind::Name) return e.str;
  if (e.kind == ExprKind::Attr) {
    std::string base = dotted(*e.children[0]);
    return base.empty() ? "" : base + "." + e.str;
  }
  return "";
}

std::string callee(const PyExpr& e) { return e.kind == ExprKind::Call ? dotted(*e.children[0]) : ""; }

namespace {

const char* kind_noun(ExprKind kind) {
  switch (kind) {
    case ExprKind::Str:
      return "a string";
    case ExprKind::Tuple:
      return "a tuple";
    case ExprKind::List:
      return "a list";
    case ExprKind::Dict:
      return "a dictionary";
    case ExprKind::None:
      return "None";
    case ExprKind::Slice:
      return "a slice";
    case ExprKind::Lambda:
      return "a lambda";
    default:
      return "this";
  }
}

// A numeric literal, possibly negated: -3, 2.5, -inf is not a literal.
struct Literal {
  bool is_float = false;
  int64_t i = 0;
  double f = 0.0;
};

std::optional<Literal> as_literal(const PyExpr& e) {
  if (e.kind == ExprKind::Int && e.int_value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Literal{false, static_cast<int64_t>(e.int_value), 0.0};
  }
  if (e.kind == ExprKind::Float) return Literal{true, 0, e.float_value};
  if (e.kind == ExprKind::UnaryOp && (e.str == "-" || e.str == "+")) {
    const PyExpr& c = *e.children[0];
    bool neg = e.str == "-";
    if (c.kind == ExprKind::Int && neg && c.int_value == uint64_t{1} << 63) {
      return Literal{false, std::numeric_limits<int64_t>::min(), 0.0};
    }
    auto inner = as_literal(c);
    if (!inner) return std::nullopt;
    if (neg) {
      if (inner->is_float) {
        inner->f = -inner->f;
      } else {
        if (inner->i == std::numeric_limits<int64_t>::min()) return std::nullopt;
        inner->i = -inner->i;
      }
    }
    return inner;
  }
  return std::nullopt;
}

bool fits_int(DataType t, int64_t v) {
  if (t.is_bool()) return v == 0 || v == 1;
  if (t.bits() >= 64) return !t.is_uint() || v >= 0;
  if (t.is_uint()) return v >= 0 && v < (int64_t{1} << t.bits());
  int64_t lim = int64_t{1} << (t.bits() - 1);
  return v >= -lim && v < lim;
}

}  // namespace

const IRBuilder::Symbol* IRBuilder::lookup(const std::string& name) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto found = it->find(name);
    if (found != it->end()) return &found->second;
  }
  return nullptr;
}

Expr IRBuilder::build_expr(const PyExpr& e) {
  switch (e.kind) {
    case ExprKind::Int: {
      if (e.int_value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail(e.loc, "integer literal " + e.str + " does not fit in int64");
      }
      auto v = static_cast<int64_t>(e.int_value);
      return make_const(fits_int(DataType::Int(32), v) ? DataType::Int(32) : DataType::Int(64), v);
    }
    case ExprKind::Float:
      return guarded(e.loc, [&] { return make_const(DataType::Float(32), e.float_value); });
    case ExprKind::Bool:
      return make_bool(e.bool_value);
    case ExprKind::Name: {
      const Symbol* sym = lookup(e.str);
      if (!sym) fail(e.loc, "undefined variable '" + e.str + "'");
      if (sym->buffer.defined())
        fail(e.loc, "buffer '" + e.str + "' used as a value; index it, e.g. " + e.str + "[...]");
      return sym->var;
    }
    case ExprKind::Attr: {
      std::string name = dotted(e);
      if (name.rfind("T.", 0) == 0 && DataType::parse(name.substr(2))) {
        fail(e.loc, name + " is a dtype; call it to make a constant, e.g. " + name + "(0)");
      }
      fail(e.loc, "unknown name '" + (name.empty() ? e.str : name) + "'");
    }
    case ExprKind::Call:
      return build_call(e);
    case ExprKind::Subscript: {
      Buffer buffer = lookup_buffer(*e.children[0]);
      std::vector<Expr> indices;
      for (size_t i = 1; i < e.children.size(); ++i) {
        const PyExpr& idx = *e.children[i];
        if (idx.kind == ExprKind::Slice) {
          fail(idx.loc, "a slice is only allowed in a region (T.reads, T.writes, T.match_buffer), not in a load of '" +
                            buffer->name + "'");
        }
        if (idx.kind == ExprKind::Tuple && idx.children.empty() && e.children.size() == 2) break;  // A[()]
        indices.push_back(build_expr(idx));
      }
      if (indices.size() != buffer->ndim()) {
        fail(e.loc, "buffer '" + buffer->name + "' has " + std::to_string(buffer->ndim()) + " dimensions but " +
                        std::to_string(indices.size()) + " indices were given");
      }
      return guarded(e.loc, [&] { return BufferLoadNode::make(buffer, std::move(indices)); });
    }
    case ExprKind::BinOp:
      return build_binary(e.loc, e.str, build_expr(*e.children[0]), build_expr(*e.children[1]));
    case ExprKind::UnaryOp: {
      if (auto lit = as_literal(e)) {
        if (lit->is_float) return guarded(e.loc, [&] { return make_const(DataType::Float(32), lit->f); });
        return make_const(fits_int(DataType::Int(32), lit->i) ? DataType::Int(32) : DataType::Int(64), lit->i);
      }
      Expr a = build_expr(*e.children[0]);
      if (e.str == "+") return a;
      if (e.str == "not") return guarded(e.loc, [&] { return NotNode::make(a); });
      return guarded(e.loc, [&] {
        if (!a.dtype().is_integer() && !a.dtype().is_float()) {
          throw UserError("unary '-' needs a number, got " + a.dtype().to_string());
        }
        return SubNode::make(make_const(a.dtype(), int64_t{0}), a);
      });
    }
    case ExprKind::Compare:
      return build_compare(e);
    case ExprKind::BoolOp: {
      Expr a = build_expr(*e.children[0]);
      Expr b = build_expr(*e.children[1]);
      return guarded(e.loc, [&] {
        if (!a.dtype().is_bool() || !b.dtype().is_bool()) {
          throw UserError("operands of '" + e.str + "' must be bool, got " + a.dtype().to_string() + " and " +
                          b.dtype().to_string());
        }
        return e.str == "and" ? AndNode::make(a, b) : OrNode::make(a, b);
      });
    }
    default:
      break;
  }
  fail(e.loc, std::string("expected an expression, got ") + kind_noun(e.kind));
}

Expr IRBuilder::build_binary(Loc loc, const std::string& op, Expr a, Expr b) {
  return guarded(loc, [&]() -> Expr {
    match_types(&a, &b);
    if (op == "+") return AddNode::make(a, b);
    if (op == "-") return SubNode::make(a, b);
    if (op == "*") return MulNode::make(a, b);
    if (op == "/") return DivNode::make(a, b);
    if (op == "//") return FloorDivNode::make(a, b);
    if (op == "%") return FloorModNode::make(a, b);
    if (op == "min") return MinNode::make(a, b);
    if (op == "max") return MaxNode::make(a, b);
    if (op == "truncdiv") return DivNode::make(a, b);
    if (op == "truncmod") return ModNode::make(a, b);
    if (op == "==") return EQNode::make(a, b);
    if (op == "!=") return NENode::make(a, b);
    if (op == "<") return LTNode::make(a, b);
    if (op == "<=") return LENode::make(a, b);
    if (op == ">") return GTNode::make(a, b);
    if (op == ">=") return GENode::make(a, b);
    throw UserError("operator '" + op + "' is not supported");
  });
}

Expr IRBuilder::build_compare(const PyExpr& e) {
  // a < b < c means (a < b) and (b < c).
  Expr result;
  Expr left = build_expr(*e.children[0]);
  for (size_t i = 0; i < e.ops.size(); ++i) {
    Expr right = build_expr(*e.children[i + 1]);
    Expr cmp = build_binary(e.loc, e.ops[i], left, right);
    result = result.defined() ? guarded(e.loc, [&] { return AndNode::make(result, cmp); }) : cmp;
    left = right;
  }
  return result;
}

Expr IRBuilder::build_dtype_ctor(const PyExpr& e, DataType dtype, const std::string& fname) {
  if (e.children.size() != 2 || !e.keywords.empty()) {
    fail(e.loc, fname + " takes exactly one argument (a value), got " + std::to_string(e.children.size() - 1));
  }
  const PyExpr& arg = *e.children[1];
  if (arg.kind == ExprKind::Str) {
    if (!dtype.is_float()) fail(arg.loc, fname + ": a string value is only allowed for float dtypes");
    double v;
    if (arg.str == "inf") {
      v = std::numeric_limits<double>::infinity();
    } else if (arg.str == "-inf") {
      v = -std::numeric_limits<double>::infinity();
    } else if (arg.str == "nan") {
      v = std::numeric_limits<double>::quiet_NaN();
    } else {
      fail(arg.loc, fname + ": expected \"inf\", \"-inf\" or \"nan\", got \"" + arg.str + "\"");
    }
    return guarded(e.loc, [&] { return FloatImmNode::make(dtype, v); });
  }
  if (arg.kind == ExprKind::Bool) return guarded(e.loc, [&] { return make_const(dtype, int64_t{arg.bool_value}); });
  if (auto lit = as_literal(arg)) {
    if (lit->is_float) {
      if (!dtype.is_float()) fail(arg.loc, fname + " expects an integer, got " + arg.str);
      return guarded(e.loc, [&] { return FloatImmNode::make(dtype, lit->f); });
    }
    if (dtype.is_float()) return guarded(e.loc, [&] { return FloatImmNode::make(dtype, static_cast<double>(lit->i)); });
    if (!fits_int(dtype, lit->i))
      fail(arg.loc, "integer constant " + std::to_string(lit->i) + " does not fit in " + dtype.to_string());
    return guarded(e.loc, [&] { return IntImmNode::make(dtype, lit->i); });
  }
  Expr value = build_expr(arg);
  return guarded(e.loc, [&] { return cast(dtype, value); });
}

Expr IRBuilder::build_call(const PyExpr& e) {
  std::string name = callee(e);
  if (name.empty()) fail(e.loc, "only T.* functions can be called");
  if (name.rfind("T.", 0) != 0) fail(e.loc, "unknown function '" + name + "'");
  std::string fn = name.substr(2);
  size_t nargs = e.children.size() - 1;
  auto arg = [&](size_t i) -> const PyExpr& { return *e.children[i + 1]; };
  auto expect_args = [&](size_t n) {
    if (!e.keywords.empty()) fail(e.keywords[0].loc, name + " does not take keyword arguments");
    if (nargs != n) {
      fail(e.loc, name + " takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + " but " +
                      std::to_string(nargs) + (nargs == 1 ? " was" : " were") + " given");
    }
  };
  if (auto dtype = DataType::parse(fn); dtype && !dtype->is_handle() && !dtype->is_void()) {
    return build_dtype_ctor(e, *dtype, name);
  }
  if (fn == "Cast") {
    expect_args(2);
    DataType dtype = parse_dtype(arg(0));
    Expr value = build_expr(arg(1));
    return guarded(e.loc, [&] { return CastNode::make(dtype, value); });
  }
  if (fn == "Select" || fn == "if_then_else") {
    expect_args(3);
    Expr c = build_expr(arg(0));
    Expr a = build_expr(arg(1));
    Expr b = build_expr(arg(2));
    return guarded(e.loc, [&] {
      match_types(&a, &b);
      if (fn == "Select") return SelectNode::make(c, a, b);
      return CallNode::make(Intrinsic::if_then_else, {c, a, b});
    });
  }
  if (fn == "max" || fn == "min" || fn == "floordiv" || fn == "floormod" || fn == "truncdiv" || fn == "truncmod") {
    expect_args(2);
    std::string op = fn == "floordiv" ? "//" : fn == "floormod" ? "%" : fn;
    return build_binary(e.loc, op, build_expr(arg(0)), build_expr(arg(1)));
  }
  if (fn == "Ramp" || fn == "Broadcast") {
    bool ramp = fn == "Ramp";
    expect_args(ramp ? 3 : 2);
    Expr base = build_expr(arg(0));
    Expr stride = ramp ? build_expr(arg(1)) : Expr();
    int64_t lanes = expect_int_literal(arg(ramp ? 2 : 1), name + " lanes");
    if (lanes < 2 || lanes > 1024)
      fail(arg(ramp ? 2 : 1).loc, name + ": lanes must be in [2, 1024], got " + std::to_string(lanes));
    return guarded(e.loc, [&] {
      if (ramp) {
        match_types(&base, &stride);
        return RampNode::make(base, stride, static_cast<int>(lanes));
      }
      return BroadcastNode::make(base, static_cast<int>(lanes));
    });
  }
  if (fn == "max_value" || fn == "min_value") {
    expect_args(1);
    DataType dtype = parse_dtype(arg(0));
    return guarded(e.loc, [&] { return fn == "max_value" ? max_value(dtype) : min_value(dtype); });
  }
  if (auto op = intrinsic_from_name(fn)) {
    expect_args(static_cast<size_t>(intrinsic_arity(*op)));
    std::vector<Expr> args;
    for (size_t i = 0; i < nargs; ++i) args.push_back(build_expr(arg(i)));
    if (is_gpu_intrinsic(*op)) return guarded(e.loc, [&] { return CallNode::make(*op, std::move(args)); });
    return guarded(e.loc, [&] {
      bool all_float = true;
      for (const Expr& a : args) all_float = all_float && a.dtype().is_float();
      if (all_float && (args.size() == 1 || args[0].dtype() == args[1].dtype()))
        return CallNode::make(*op, std::move(args));
      return call(*op, std::move(args));
    });
  }
  static const char* const kStatements[] = {
      "reads", "writes", "where",  "block_attr", "func_attr",  "evaluate", "alloc_buffer",   "match_buffer", "block",
      "init",  "grid",   "serial", "parallel",   "vectorized", "unroll",   "thread_binding", "decl_buffer"};
  for (const char* s : kStatements) {
    if (fn == s) fail(e.loc, name + " cannot be used inside an expression");
  }
  if (fn.rfind("axis.", 0) == 0)
    fail(e.loc, name + " must be assigned to block iteration variables directly in a block");
  fail(e.loc, "unknown function '" + name + "'");
}

DataType IRBuilder::parse_dtype(const PyExpr& e) {
  std::string text;
  if (e.kind == ExprKind::Str) {
    text = e.str;
  } else if (std::string d = dotted(e); d.rfind("T.", 0) == 0) {
    text = d.substr(2);
  } else {
    fail(e.loc, "expected a dtype such as \"float32\"");
  }
  auto dtype = DataType::parse(text);
  if (!dtype || dtype->is_void()) fail(e.loc, "unknown dtype '" + text + "'");
  return *dtype;
}

int64_t IRBuilder::expect_int_literal(const PyExpr& e, const std::string& what) {
  auto lit = as_literal(e);
  if (!lit || lit->is_float) fail(e.loc, "expected an integer literal for " + what);
  return lit->i;
}

std::string IRBuilder::expect_string(const PyExpr& e, const std::string& what) {
  if (e.kind != ExprKind::Str) fail(e.loc, "expected a string for " + what);
  return e.str;
}

Buffer IRBuilder::lookup_buffer(const PyExpr& e) {
  if (e.kind != ExprKind::Name) fail(e.loc, "expected a buffer name before '['");
  const Symbol* sym = lookup(e.str);
  if (!sym) fail(e.loc, "unknown buffer '" + e.str + "'");
  if (!sym->buffer.defined()) fail(e.loc, "'" + e.str + "' is a variable, not a buffer");
  return sym->buffer;
}

std::vector<Expr> IRBuilder::build_shape(const PyExpr& e) {
  std::vector<Expr> shape;
  auto add = [&](const PyExpr& d) {
    Expr v = build_expr(d);
    if (!v.dtype().is_integer() || !v.dtype().is_scalar()) {
      fail(d.loc, "buffer dimensions must be integers, got " + v.dtype().to_string());
    }
    shape.push_back(v);
  };
  if (e.kind == ExprKind::Tuple || e.kind == ExprKind::List) {
    for (const auto& d : e.children) add(*d);
  } else {
    add(e);
  }
  return shape;
}

Range IRBuilder::build_range(Loc loc, Expr begin, Expr end) {
  return guarded(loc, [&] { return range_from_begin_end(begin, end); });
}

BufferRegion IRBuilder::build_region(const PyExpr& e) {
  if (e.kind == ExprKind::Name) return BufferRegion::full(lookup_buffer(e));
  if (e.kind != ExprKind::Subscript) fail(e.loc, "expected a buffer region such as A[i, 0:128]");
  Buffer buffer = lookup_buffer(*e.children[0]);
  std::vector<Range> region;
  for (size_t i = 1; i < e.children.size(); ++i) {
    const PyExpr& idx = *e.children[i];
    size_t dim = i - 1;
    if (idx.kind == ExprKind::Tuple && idx.children.empty() && e.children.size() == 2) break;  // A[()]
    if (idx.kind == ExprKind::Slice) {
      if (idx.children[2]) fail(idx.children[2]->loc, "a region slice cannot have a step");
      if (dim >= buffer->ndim()) break;  // reported below
      Expr begin = idx.children[0] ? build_expr(*idx.children[0]) : make_const(buffer->shape[dim].dtype(), int64_t{0});
      Expr end = idx.children[1] ? build_expr(*idx.children[1]) : buffer->shape[dim];
      region.push_back(build_range(idx.loc, begin, end));
    } else {
      Expr point = build_expr(idx);
      if (!point.dtype().is_integer())
        fail(idx.loc, "region index must be an integer, got " + point.dtype().to_string());
      region.push_back(Range::from_min_extent(point, make_const(point.dtype(), int64_t{1})));
    }
  }
  if (e.children.size() - 1 != buffer->ndim() &&
      !(buffer->ndim() == 0 && e.children.size() == 2 && e.children[1]->kind == ExprKind::Tuple)) {
    fail(e.loc, "region of buffer '" + buffer->name + "' has " + std::to_string(e.children.size() - 1) +
                    " dimensions but the buffer has " + std::to_string(buffer->ndim()));
  }
  return BufferRegion{buffer, std::move(region)};
}

std::vector<BufferRegion> IRBuilder::build_regions(const PyExpr& call) {
  if (!call.keywords.empty()) fail(call.keywords[0].loc, callee(call) + " does not take keyword arguments");
  std::vector<BufferRegion> regions;
  for (size_t i = 1; i < call.children.size(); ++i) {
    const PyExpr& a = *call.children[i];
    if (a.kind == ExprKind::List || a.kind == ExprKind::Tuple) {
      for (const auto& r : a.children) regions.push_back(build_region(*r));
    } else {
      regions.push_back(build_region(a));
    }
  }
  return regions;
}

AnnValue IRBuilder::build_ann_value(const PyExpr& e) {
  if (e.kind == ExprKind::Str) return AnnValue(e.str);
  if (e.kind == ExprKind::Bool) return AnnValue(make_bool(e.bool_value));
  if (auto lit = as_literal(e)) return lit->is_float ? AnnValue(lit->f) : AnnValue(lit->i);
  if (e.kind == ExprKind::List || e.kind == ExprKind::Tuple) {
    std::vector<AnnValue> items;
    for (const auto& c : e.children) items.push_back(build_ann_value(*c));
    return AnnValue(std::move(items));
  }
  if (e.kind == ExprKind::Dict) fail(e.loc, "nested dictionaries are not supported in annotations");
  return AnnValue(build_expr(e));
}

Annotations IRBuilder::build_annotations(const PyExpr& dict) {
  if (dict.kind != ExprKind::Dict) fail(dict.loc, "expected a dictionary {\"key\": value, ...}");
  Annotations out;
  for (size_t i = 0; i + 1 < dict.children.size(); i += 2) {
    const PyExpr& key = *dict.children[i];
    if (key.kind != ExprKind::Str) fail(key.loc, "annotation keys must be strings");
    if (out.count(key.str)) fail(key.loc, "annotation key \"" + key.str + "\" repeated");
    out[key.str] = build_ann_value(*dict.children[i + 1]);
  }
  return out;
}

}  // namespace loom::script::detail
