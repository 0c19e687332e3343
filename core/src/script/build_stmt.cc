// IRBuilder, statements: loops, blocks and their header statements (T.axis.*, T.reads,
// T.writes, T.where, T.block_attr, T.init, T.alloc_buffer, T.match_buffer), stores,
// lets, ifs and T.evaluate.
#include "ir_builder.h"
#include "loom/arith/region.h"

namespace loom::script::detail {

using namespace loom::ir;

IRBuilder::NestGuard::NestGuard(IRBuilder& b, Loc loc) : b_(b) {
  if (++b_.nest_ > kMaxNestingDepth * 2) b_.fail(loc, "statements nested too deeply");
}

Stmt IRBuilder::build_body(const std::vector<PyStmtPtr>& stmts, Loc loc) {
  std::vector<Stmt> seq = build_stmts(stmts, 0);
  if (seq.empty()) return EvaluateNode::make(make_int(0));
  return guarded(loc, [&] { return SeqStmtNode::make(std::move(seq)); });
}

std::vector<Stmt> IRBuilder::build_stmts(const std::vector<PyStmtPtr>& stmts, size_t begin) {
  std::vector<Stmt> out;
  for (size_t i = begin; i < stmts.size(); ++i) {
    if (build_stmt(stmts, i, &out)) break;
  }
  return out;
}

IRBuilder::BlockFrame& IRBuilder::block_frame(Loc loc, const std::string& what) {
  if (frames_.empty() || frames_.back()->function_level || body_level_ != 0) {
    fail(loc, what + " is only allowed directly inside a block (with T.block(...):)");
  }
  return *frames_.back();
}

bool IRBuilder::build_stmt(const std::vector<PyStmtPtr>& stmts, size_t index, std::vector<Stmt>* out) {
  const PyStmt& s = *stmts[index];
  switch (s.kind) {
    case StmtKind::Pass:
    case StmtKind::Import:
      return false;
    case StmtKind::ExprStmt:
      build_expr_stmt(s, out);
      return false;
    case StmtKind::Assign:
    case StmtKind::AnnAssign:
      return build_assign(stmts, index, out);
    case StmtKind::For:
      out->push_back(build_for(s));
      return false;
    case StmtKind::With: {
      Stmt st = build_with(s);
      if (st.defined()) out->push_back(st);
      return false;
    }
    case StmtKind::If:
      out->push_back(build_if(s));
      return false;
    case StmtKind::Return:
      fail(s.loc, "'return' is not supported in a T.prim_func");
    case StmtKind::FunctionDef:
    case StmtKind::ClassDef:
      fail(s.loc, "nested function or class definitions are not supported");
  }
  return false;
}

void IRBuilder::build_expr_stmt(const PyStmt& s, std::vector<Stmt>* out) {
  const PyExpr& v = *s.value;
  if (v.kind == ExprKind::Str) return;  // a docstring
  std::string name = callee(v);
  if (name == "T.reads" || name == "T.writes") {
    BlockFrame& frame = block_frame(s.loc, name);
    auto& slot = name == "T.reads" ? frame.reads : frame.writes;
    if (slot) fail(s.loc, name + " given twice in block '" + frame.name + "'");
    slot = build_regions(v);
    return;
  }
  if (name == "T.where") {
    BlockFrame& frame = block_frame(s.loc, name);
    if (frame.predicate.defined()) fail(s.loc, "T.where given twice in block '" + frame.name + "'");
    if (v.children.size() != 2 || !v.keywords.empty()) fail(v.loc, "T.where takes one argument (a bool condition)");
    Expr cond = build_expr(*v.children[1]);
    if (!cond.dtype().is_bool() || !cond.dtype().is_scalar()) {
      fail(v.children[1]->loc, "T.where condition must be bool, got " + cond.dtype().to_string());
    }
    frame.predicate = cond;
    return;
  }
  if (name == "T.block_attr") {
    BlockFrame& frame = block_frame(s.loc, name);
    if (frame.annotations) fail(s.loc, "T.block_attr given twice in block '" + frame.name + "'");
    if (v.children.size() != 2 || !v.keywords.empty()) fail(v.loc, "T.block_attr takes one argument (a dictionary)");
    frame.annotations = build_annotations(*v.children[1]);
    return;
  }
  if (name == "T.func_attr") {
    if (frames_.size() != 1 || body_level_ != 0 || !func_) fail(s.loc, "T.func_attr is only allowed at function level");
    if (func_->has_attrs) fail(s.loc, "T.func_attr given twice");
    if (v.children.size() != 2 || !v.keywords.empty()) fail(v.loc, "T.func_attr takes one argument (a dictionary)");
    func_->attrs = build_annotations(*v.children[1]);
    func_->has_attrs = true;
    return;
  }
  if (name == "T.evaluate") {
    if (v.children.size() != 2 || !v.keywords.empty()) fail(v.loc, "T.evaluate takes one argument");
    Expr value = build_expr(*v.children[1]);
    out->push_back(guarded(s.loc, [&] { return EvaluateNode::make(value); }));
    return;
  }
  if (name == "T.alloc_buffer" || name == "T.match_buffer" || name == "T.decl_buffer") {
    fail(s.loc, "the result of " + name + " must be assigned to a name, e.g. X = " + name + "(...)");
  }
  if (name.rfind("T.axis.", 0) == 0) fail(s.loc, "the result of " + name + " must be assigned to a name");
  Expr value = build_expr(v);
  out->push_back(guarded(s.loc, [&] { return EvaluateNode::make(value); }));
}

Stmt IRBuilder::build_let(const Var& var, const Expr& value, const std::vector<PyStmtPtr>& stmts, size_t rest,
                          Loc loc) {
  NestGuard nest(*this, loc);
  push_scope();
  define(var.name(), Symbol{var, {}});
  std::vector<Stmt> body = build_stmts(stmts, rest);
  pop_scope();
  Stmt body_stmt =
      body.empty() ? EvaluateNode::make(make_int(0)) : guarded(loc, [&] { return SeqStmtNode::make(std::move(body)); });
  return guarded(loc, [&] { return LetStmtNode::make(var, value, body_stmt); });
}

bool IRBuilder::build_assign(const std::vector<PyStmtPtr>& stmts, size_t index, std::vector<Stmt>* out) {
  const PyStmt& s = *stmts[index];
  const PyExpr& target = *s.targets[0];
  if (s.kind == StmtKind::AnnAssign) {
    if (target.kind != ExprKind::Name) fail(target.loc, "an annotated assignment needs a plain name on the left");
    if (!s.value) fail(s.loc, "a declaration without a value ('" + target.str + ": ...') is not supported here");
    DataType dtype = parse_dtype(*s.annotation);
    Expr value = build_expr(*s.value);
    if (value.dtype() != dtype) value = guarded(s.value->loc, [&] { return cast(dtype, value); });
    out->push_back(build_let(Var(target.str, dtype), value, stmts, index + 1, s.loc));
    return true;
  }
  const PyExpr& value = *s.value;
  std::string name = callee(value);
  if (name == "T.axis.remap") {
    build_remap(s, value);
    return false;
  }
  if (name.rfind("T.axis.", 0) == 0) {
    if (target.kind != ExprKind::Name) fail(target.loc, name + " must be assigned to one name");
    build_axis(s, value, name);
    return false;
  }
  if (name == "T.alloc_buffer" || name == "T.match_buffer" || name == "T.decl_buffer") {
    if (target.kind != ExprKind::Name) fail(target.loc, "the result of " + name + " must be assigned to one name");
    if (frames_.empty()) fail(s.loc, name + " outside of a function");
    if (name == "T.alloc_buffer") {
      Buffer buffer = build_buffer_decl(target.str, value, name, 0);
      frames_.back()->alloc_buffers.push_back(buffer);
      define(target.str, Symbol{{}, buffer});
      return false;
    }
    if (name == "T.decl_buffer") {
      Buffer buffer = build_buffer_decl(target.str, value, name, 0);
      NestGuard nest(*this, s.loc);
      push_scope();
      define(target.str, Symbol{{}, buffer});
      std::vector<Stmt> body = build_stmts(stmts, index + 1);
      pop_scope();
      Stmt body_stmt = body.empty() ? EvaluateNode::make(make_int(0))
                                    : guarded(s.loc, [&] { return SeqStmtNode::make(std::move(body)); });
      out->push_back(guarded(s.loc, [&] { return AllocateNode::make(buffer, body_stmt); }));
      return true;
    }
    // T.match_buffer: a parameter binding at function level, a region view in a block.
    if (value.children.size() < 2)
      fail(value.loc, "T.match_buffer needs a source: a handle parameter or a buffer region");
    const PyExpr& source = *value.children[1];
    BlockFrame& frame = *frames_.back();
    if (frame.function_level) {
      if (body_level_ != 0) fail(s.loc, "T.match_buffer of a parameter must be at function level");
      if (source.kind != ExprKind::Name) fail(source.loc, "T.match_buffer at function level takes a handle parameter");
      const Symbol* sym = lookup(source.str);
      if (!sym || !sym->var.defined()) fail(source.loc, "undefined variable '" + source.str + "'");
      Var param = sym->var;
      bool is_param = false;
      for (const Var& p : func_->params) is_param = is_param || p.same_as(param);
      if (!is_param || !param.dtype().is_handle()) fail(source.loc, "'" + source.str + "' is not a T.handle parameter");
      for (const auto& [p, b] : func_->buffer_map) {
        if (p.same_as(param))
          fail(source.loc, "parameter '" + source.str + "' is already bound to buffer '" + b->name + "'");
      }
      Buffer buffer = build_buffer_decl(target.str, value, name, 1);
      func_->buffer_map.emplace_back(param, buffer);
      define(target.str, Symbol{{}, buffer});
      return false;
    }
    BlockFrame& block = block_frame(s.loc, "T.match_buffer of a region");
    BufferRegion region = build_region(source);
    Buffer buffer = build_buffer_decl(target.str, value, name, 1);
    block.match_buffers.push_back(MatchBufferRegion{buffer, region});
    define(target.str, Symbol{{}, buffer});
    return false;
  }
  if (target.kind == ExprKind::Subscript) {
    Buffer buffer = lookup_buffer(*target.children[0]);
    std::vector<Expr> indices;
    for (size_t i = 1; i < target.children.size(); ++i) {
      const PyExpr& idx = *target.children[i];
      if (idx.kind == ExprKind::Slice) fail(idx.loc, "slices are not supported in a store to '" + buffer->name + "'");
      if (idx.kind == ExprKind::Tuple && idx.children.empty() && target.children.size() == 2) break;
      indices.push_back(build_expr(idx));
    }
    if (indices.size() != buffer->ndim()) {
      fail(target.loc, "buffer '" + buffer->name + "' has " + std::to_string(buffer->ndim()) + " dimensions but " +
                           std::to_string(indices.size()) + " indices were given");
    }
    Expr v = build_expr(value);
    // A constant takes the buffer's dtype (A[i] = 0 into a float buffer).
    DataType want = buffer->dtype;
    if (!indices.empty() && indices.back().dtype().lanes() > 1) want = want.with_lanes(indices.back().dtype().lanes());
    if (v.dtype() != want && (v.is<IntImmNode>() || v.is<FloatImmNode>()))
      v = guarded(value.loc, [&] { return cast(want, v); });
    out->push_back(guarded(s.loc, [&] { return BufferStoreNode::make(buffer, v, std::move(indices)); }));
    return false;
  }
  if (target.kind == ExprKind::Name) {
    Expr v = build_expr(value);
    out->push_back(build_let(Var(target.str, v.dtype()), v, stmts, index + 1, s.loc));
    return true;
  }
  if (target.kind == ExprKind::Tuple) fail(target.loc, "tuple assignment is only supported with T.axis.remap");
  fail(target.loc, "cannot assign to this expression");
}

void IRBuilder::build_axis(const PyStmt& s, const PyExpr& call, const std::string& name) {
  IterType type;
  if (name == "T.axis.spatial" || name == "T.axis.S") {
    type = IterType::DataPar;
  } else if (name == "T.axis.reduce" || name == "T.axis.R") {
    type = IterType::CommReduce;
  } else if (name == "T.axis.scan") {
    type = IterType::Ordered;
  } else if (name == "T.axis.opaque") {
    type = IterType::Opaque;
  } else {
    fail(call.loc, "unknown function '" + name + "'; expected T.axis.spatial, reduce, scan, opaque or remap");
  }
  BlockFrame& frame = block_frame(s.loc, name);
  const PyExpr* dom = call.children.size() > 1 ? call.children[1].get() : nullptr;
  const PyExpr* binding = call.children.size() > 2 ? call.children[2].get() : nullptr;
  for (const Keyword& kw : call.keywords) {
    if (kw.name == "dom" && !dom) {
      dom = kw.value.get();
    } else if (kw.name == "binding" && !binding) {
      binding = kw.value.get();
    } else if (kw.name != "dtype") {
      fail(kw.loc, name + ": unexpected argument '" + kw.name + "'");
    }
  }
  if (!dom || !binding || call.children.size() > 3)
    fail(call.loc, name + " takes two arguments: a domain and a binding");
  Range range;
  if (dom->kind == ExprKind::Tuple) {
    if (dom->children.size() != 2) fail(dom->loc, name + ": a domain tuple is (begin, end)");
    range = build_range(dom->loc, build_expr(*dom->children[0]), build_expr(*dom->children[1]));
  } else {
    Expr extent = build_expr(*dom);
    if (!extent.dtype().is_integer() || !extent.dtype().is_scalar()) {
      fail(dom->loc, name + ": the domain must be an integer, got " + extent.dtype().to_string());
    }
    range = Range::from_min_extent(make_const(extent.dtype(), int64_t{0}), extent);
  }
  Expr value = build_expr(*binding);
  if (value.dtype() != range.extent.dtype())
    value = guarded(binding->loc, [&] { return cast(range.extent.dtype(), value); });
  Var var(s.targets[0]->str, range.extent.dtype());
  frame.iter_vars.push_back(IterVar{var, range, type});
  frame.iter_values.push_back(value);
  define(var.name(), Symbol{var, {}});
}

void IRBuilder::build_remap(const PyStmt& s, const PyExpr& call) {
  BlockFrame& frame = block_frame(s.loc, "T.axis.remap");
  if (call.children.size() != 3 || !call.keywords.empty()) {
    fail(call.loc, "T.axis.remap takes two arguments: a kinds string like \"SSR\" and a list of loop variables");
  }
  std::string kinds = expect_string(*call.children[1], "T.axis.remap kinds");
  const PyExpr& loops = *call.children[2];
  if (loops.kind != ExprKind::List && loops.kind != ExprKind::Tuple)
    fail(loops.loc, "T.axis.remap: expected a list of loop variables");
  if (kinds.size() != loops.children.size()) {
    fail(call.loc, "T.axis.remap: " + std::to_string(kinds.size()) + " kinds but " +
                       std::to_string(loops.children.size()) + " loops");
  }
  const PyExpr& target = *s.targets[0];
  std::vector<const PyExpr*> names;
  if (target.kind == ExprKind::Tuple) {
    for (const auto& t : target.children) names.push_back(t.get());
  } else {
    names.push_back(&target);
  }
  if (names.size() != kinds.size()) {
    fail(target.loc, "T.axis.remap: " + std::to_string(kinds.size()) + " kinds but " + std::to_string(names.size()) +
                         " names on the left");
  }
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (names[i]->kind != ExprKind::Name) fail(names[i]->loc, "T.axis.remap: expected a name");
    IterType type;
    if (kinds[i] == 'S') {
      type = IterType::DataPar;
    } else if (kinds[i] == 'R') {
      type = IterType::CommReduce;
    } else {
      fail(call.children[1]->loc, std::string("T.axis.remap: unknown kind '") + kinds[i] + "' (expected 'S' or 'R')");
    }
    const PyExpr& loop = *loops.children[i];
    if (loop.kind != ExprKind::Name) fail(loop.loc, "T.axis.remap: expected a loop variable");
    const Symbol* sym = lookup(loop.str);
    if (!sym) fail(loop.loc, "undefined variable '" + loop.str + "'");
    auto it = sym->var.defined() ? loop_ranges_.find(sym->var.get()) : loop_ranges_.end();
    if (it == loop_ranges_.end()) fail(loop.loc, "T.axis.remap: '" + loop.str + "' is not a loop variable");
    Var var(names[i]->str, sym->var.dtype());
    frame.iter_vars.push_back(IterVar{var, it->second, type});
    frame.iter_values.push_back(sym->var);
  }
  // Define after all bindings are resolved: `i, j = T.axis.remap("SS", [j, i])` is legal.
  for (size_t i = 0; i < names.size(); ++i) {
    const IterVar& iv = frame.iter_vars[frame.iter_vars.size() - names.size() + i];
    define(names[i]->str, Symbol{iv.var, {}});
  }
}

Stmt IRBuilder::build_for(const PyStmt& s) {
  const PyExpr& iter = *s.value;
  std::string name = callee(iter);
  if (name.empty()) fail(iter.loc, "expected a loop like range(n), T.grid(...), T.serial(n) after 'in'");
  struct LoopSpec {
    Var var;
    Expr min;
    Expr extent;
  };
  std::vector<LoopSpec> loops;
  ForKind kind = ForKind::Serial;
  std::string thread;
  Annotations annotations;
  auto extent_of = [&](const PyExpr& e) {
    Expr v = build_expr(e);
    if (!v.dtype().is_integer() || !v.dtype().is_scalar())
      fail(e.loc, "loop extent must be an integer, got " + v.dtype().to_string());
    return v;
  };
  if (name == "T.grid") {
    if (!iter.keywords.empty()) fail(iter.keywords[0].loc, "T.grid does not take keyword arguments");
    size_t n = iter.children.size() - 1;
    if (n == 0) fail(iter.loc, "T.grid needs at least one extent");
    if (n != s.targets.size()) {
      fail(s.loc,
           "T.grid has " + std::to_string(n) + " extents but " + std::to_string(s.targets.size()) + " loop variables");
    }
    for (size_t i = 0; i < n; ++i) {
      Expr extent = extent_of(*iter.children[i + 1]);
      loops.push_back({Var(s.targets[i]->str, extent.dtype()), make_const(extent.dtype(), int64_t{0}), extent});
    }
  } else {
    if (name == "range" || name == "T.serial") {
      kind = ForKind::Serial;
    } else if (name == "T.parallel") {
      kind = ForKind::Parallel;
    } else if (name == "T.vectorized") {
      kind = ForKind::Vectorized;
    } else if (name == "T.unroll") {
      kind = ForKind::Unrolled;
    } else if (name == "T.thread_binding") {
      kind = ForKind::ThreadBinding;
    } else {
      fail(iter.loc, "unknown loop kind '" + name +
                         "'; expected range, T.grid, T.serial, T.parallel, T.vectorized, "
                         "T.unroll or T.thread_binding");
    }
    if (s.targets.size() != 1)
      fail(s.loc, name + " defines one loop variable, got " + std::to_string(s.targets.size()));
    std::vector<const PyExpr*> args;
    for (size_t i = 1; i < iter.children.size(); ++i) args.push_back(iter.children[i].get());
    if (kind == ForKind::ThreadBinding && !args.empty() && args.back()->kind == ExprKind::Str) {
      thread = args.back()->str;
      args.pop_back();
    }
    for (const Keyword& kw : iter.keywords) {
      if (kw.name == "annotations" && name != "range") {
        annotations = build_annotations(*kw.value);
      } else if (kw.name == "thread" && kind == ForKind::ThreadBinding && thread.empty()) {
        thread = expect_string(*kw.value, "the thread tag");
      } else {
        fail(kw.loc, name + ": unexpected argument '" + kw.name + "'");
      }
    }
    if (kind == ForKind::ThreadBinding && thread.empty())
      fail(iter.loc, "T.thread_binding needs thread=\"threadIdx.x\" (or another tag)");
    if (args.empty() || args.size() > 2) fail(iter.loc, name + " takes an extent, or a begin and an end");
    if (args.size() == 1) {
      Expr extent = extent_of(*args[0]);
      loops.push_back({Var(s.targets[0]->str, extent.dtype()), make_const(extent.dtype(), int64_t{0}), extent});
    } else {
      Range r = build_range(iter.loc, build_expr(*args[0]), build_expr(*args[1]));
      loops.push_back({Var(s.targets[0]->str, r.extent.dtype()), r.min, r.extent});
    }
  }
  // Each loop of a T.grid is one level of nesting. (On an error the builder is abandoned,
  // so the counters need no unwinding.)
  nest_ += static_cast<int>(loops.size());
  if (nest_ > kMaxNestingDepth * 2) fail(s.loc, "statements nested too deeply");
  push_scope();
  for (const LoopSpec& l : loops) {
    define(l.var.name(), Symbol{l.var, {}});
    loop_ranges_[l.var.get()] = Range::from_min_extent(l.min, l.extent);
  }
  ++body_level_;
  Stmt body = build_body(s.body, s.loc);
  --body_level_;
  nest_ -= static_cast<int>(loops.size());
  pop_scope();
  for (const LoopSpec& l : loops) loop_ranges_.erase(l.var.get());
  for (size_t i = loops.size(); i-- > 0;) {
    const LoopSpec& l = loops[i];
    body = guarded(s.loc, [&] { return ForNode::make(l.var, l.min, l.extent, kind, body, thread, annotations); });
  }
  return body;
}

Stmt IRBuilder::build_with(const PyStmt& s) {
  const PyExpr& ctx = *s.value;
  std::string name = callee(ctx);
  if (name == "T.block") {
    if (!s.targets.empty()) fail(s.targets[0]->loc, "'with T.block(...) as name' is not supported");
    return build_block(s, ctx);
  }
  if (name == "T.init") {
    BlockFrame& frame = block_frame(s.loc, "T.init()");
    if (frame.has_init) fail(s.loc, "T.init given twice in block '" + frame.name + "'");
    if (ctx.children.size() != 1 || !ctx.keywords.empty()) fail(ctx.loc, "T.init takes no arguments");
    NestGuard nest(*this, s.loc);
    push_scope();
    ++body_level_;
    Stmt init = build_body(s.body, s.loc);
    --body_level_;
    pop_scope();
    frame.init = init;
    frame.has_init = true;
    return {};
  }
  if (name == "T.LetStmt" || name == "T.let") {
    if (s.targets.size() != 1) fail(s.loc, "expected 'with T.LetStmt(value) as name:'");
    if (ctx.children.size() != 2 || !ctx.keywords.empty()) fail(ctx.loc, name + " takes one argument (the value)");
    Expr value = build_expr(*ctx.children[1]);
    Var var(s.targets[0]->str, value.dtype());
    NestGuard nest(*this, s.loc);
    push_scope();
    define(var.name(), Symbol{var, {}});
    ++body_level_;
    Stmt body = build_body(s.body, s.loc);
    --body_level_;
    pop_scope();
    return guarded(s.loc, [&] { return LetStmtNode::make(var, value, body); });
  }
  if (name == "T.decl_buffer") {
    if (s.targets.size() != 1) fail(s.loc, "expected 'with T.decl_buffer(...) as name:'");
    Buffer buffer = build_buffer_decl(s.targets[0]->str, ctx, name, 0);
    NestGuard nest(*this, s.loc);
    push_scope();
    define(buffer->name, Symbol{{}, buffer});
    ++body_level_;
    Stmt body = build_body(s.body, s.loc);
    --body_level_;
    pop_scope();
    return guarded(s.loc, [&] { return AllocateNode::make(buffer, body); });
  }
  fail(ctx.loc, "expected T.block(...), T.init(), T.LetStmt(...) or T.decl_buffer(...) after 'with'");
}

Stmt IRBuilder::build_block(const PyStmt& s, const PyExpr& call) {
  if (call.children.size() != 2 || !call.keywords.empty()) fail(call.loc, "T.block takes one argument: the block name");
  BlockFrame frame;
  frame.name = expect_string(*call.children[1], "the block name");
  NestGuard nest(*this, s.loc);
  frames_.push_back(&frame);
  int saved_level = body_level_;
  body_level_ = 0;
  push_scope();
  Stmt body = build_body(s.body, s.loc);
  pop_scope();
  body_level_ = saved_level;
  frames_.pop_back();

  // The single top-level block of a function with no iteration variables is its root:
  // omitted regions stay empty instead of being inferred.
  bool is_root = func_ && &s == func_->root_candidate && frame.iter_vars.empty() && !frame.predicate.defined();
  if (is_root) func_->root_taken = true;
  bool infer = !is_root && (!frame.reads || !frame.writes);
  Block block = guarded(s.loc, [&] {
    return Block::make(frame.name, frame.iter_vars, frame.reads.value_or(std::vector<BufferRegion>{}),
                       frame.writes.value_or(std::vector<BufferRegion>{}), body, frame.init, frame.alloc_buffers,
                       frame.match_buffers, frame.annotations.value_or(Annotations{}));
  });
  if (infer) {
    arith::AccessRegions access = guarded(s.loc, [&] { return arith::infer_block_access_regions(*block.get()); });
    block = guarded(s.loc, [&] {
      return Block::make(frame.name, frame.iter_vars, frame.reads ? *frame.reads : access.reads,
                         frame.writes ? *frame.writes : access.writes, body, frame.init, frame.alloc_buffers,
                         frame.match_buffers, frame.annotations.value_or(Annotations{}));
    });
  }
  Expr predicate = frame.predicate.defined() ? frame.predicate : make_bool(true);
  return guarded(s.loc, [&] { return BlockRealizeNode::make(frame.iter_values, predicate, block); });
}

Stmt IRBuilder::build_if(const PyStmt& s) {
  Expr cond = build_expr(*s.value);
  if (!cond.dtype().is_bool() || !cond.dtype().is_scalar()) {
    fail(s.value->loc, "if condition must be bool, got " + cond.dtype().to_string());
  }
  NestGuard nest(*this, s.loc);
  ++body_level_;
  push_scope();
  Stmt then_case = build_body(s.body, s.loc);
  pop_scope();
  Stmt else_case;
  if (!s.orelse.empty()) {
    push_scope();
    else_case = build_body(s.orelse, s.orelse[0]->loc);
    pop_scope();
  }
  --body_level_;
  return guarded(s.loc, [&] { return IfThenElseNode::make(cond, then_case, else_case); });
}

}  // namespace loom::script::detail
