// Helpers for the interpreter tests: building small functions with the IR builder and
// running one expression on scalar arguments.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/ir.h"

namespace loom::interp::test {

using ir::Buffer;
using ir::DataType;
using ir::Expr;
using ir::PrimFunc;
using ir::Stmt;
using ir::Var;

/// A parameter: a scalar variable or a buffer (bound to a fresh handle variable).
using Param = std::variant<Var, Buffer>;

/// A function with the given parameters and body.
inline PrimFunc make_func(const std::string& name, const std::vector<Param>& params, Stmt body) {
  std::vector<Var> vars;
  std::vector<std::pair<Var, Buffer>> buffer_map;
  for (const Param& p : params) {
    if (const Var* v = std::get_if<Var>(&p)) {
      vars.push_back(*v);
    } else {
      const Buffer& b = std::get<Buffer>(p);
      Var handle(b->name, DataType::Handle());
      vars.push_back(handle);
      buffer_map.emplace_back(handle, b);
    }
  }
  return PrimFunc::make(name, std::move(vars), std::move(buffer_map), std::move(body));
}

inline Buffer make_buffer(const std::string& name, DataType dtype, std::vector<Expr> shape) {
  return Buffer::make(name, dtype, std::move(shape));
}

inline Expr load(const Buffer& b, std::vector<Expr> indices) { return ir::BufferLoadNode::make(b, std::move(indices)); }
inline Stmt store(const Buffer& b, Expr value, std::vector<Expr> indices) {
  return ir::BufferStoreNode::make(b, std::move(value), std::move(indices));
}
inline Stmt loop(const Var& v, Expr extent, Stmt body, ir::ForKind kind = ir::ForKind::Serial) {
  std::string tag = kind == ir::ForKind::ThreadBinding ? "threadIdx.x" : "";
  return ir::ForNode::make(v, ir::make_const(v.dtype(), int64_t{0}), std::move(extent), kind, std::move(body), tag);
}
inline Stmt seq(std::vector<Stmt> stmts) { return ir::SeqStmtNode::make(std::move(stmts)); }

/// A block iteration variable with domain [min, min + extent).
inline ir::IterVar iter(const Var& v, int64_t min, int64_t extent, ir::IterType type = ir::IterType::DataPar) {
  return ir::IterVar{v, ir::Range::from_min_extent(ir::make_int(min, v.dtype()), ir::make_int(extent, v.dtype())),
                     type};
}

/// A block (reads/writes left empty: the interpreter does not use them).
inline ir::Block make_block(const std::string& name, std::vector<ir::IterVar> iter_vars, Stmt body, Stmt init = {},
                            std::vector<Buffer> alloc = {}, std::vector<ir::MatchBufferRegion> match = {}) {
  return ir::Block::make(name, std::move(iter_vars), {}, {}, std::move(body), std::move(init), std::move(alloc),
                         std::move(match));
}

/// A realize of `block` with bindings `values` and an optional predicate.
inline Stmt realize(std::vector<Expr> values, const ir::Block& block, Expr predicate = {}) {
  return ir::BlockRealizeNode::make(std::move(values), std::move(predicate), block);
}

/// A root block (no iteration variables) around `body`, allocating `alloc`.
inline Stmt root(Stmt body, std::vector<Buffer> alloc = {}) {
  return realize({}, make_block("root", {}, std::move(body), {}, std::move(alloc)));
}

/// Evaluates `fn(a, b)` for scalar parameters a and b of dtype `in` by storing it into a
/// one-element buffer; returns that buffer.
inline NDArray eval_binary(DataType in, const std::function<Expr(Expr, Expr)>& fn, Arg a, Arg b) {
  Var va("a", in);
  Var vb("b", in);
  Expr e = fn(va, vb);
  Buffer out = make_buffer("out", e.dtype(), {1});
  PrimFunc f = make_func("binary", {va, vb, out}, store(out, e, {0}));
  NDArray result(e.dtype(), {1});
  run(f, {a, b, result});
  return result;
}

/// Evaluates a closed expression (no parameters) into a one-element buffer.
inline NDArray eval_expr(const Expr& e) {
  Buffer out = make_buffer("out", e.dtype(), {1});
  PrimFunc f = make_func("expr", {out}, store(out, e, {0}));
  NDArray result(e.dtype(), {1});
  run(f, {result});
  return result;
}

/// Evaluates `fn(a)` for a scalar parameter of dtype `in`.
inline NDArray eval_unary(DataType in, const std::function<Expr(Expr)>& fn, Arg a) {
  Var va("a", in);
  Expr e = fn(va);
  Buffer out = make_buffer("out", e.dtype(), {1});
  PrimFunc f = make_func("unary", {va, out}, store(out, e, {0}));
  NDArray result(e.dtype(), {1});
  run(f, {a, result});
  return result;
}

/// The message of the error of type E that `fn` throws ("" when it throws nothing; any
/// other exception propagates and fails the test).
template <typename E = UserError, typename F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace loom::interp::test
