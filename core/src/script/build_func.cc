// IRBuilder, functions and modules: decorators, parameters in both buffer styles,
// buffer declarations, the root block, and the public parse entry points.
#include "ir_builder.h"
#include "loom/script/parser.h"
#include "py_parser.h"

namespace loom::script {

namespace detail {

using namespace loom::ir;

Buffer IRBuilder::build_buffer_decl(const std::string& name, const PyExpr& call, const std::string& what,
                                    size_t first_arg) {
  std::vector<const PyExpr*> args;
  for (size_t i = 1 + first_arg; i < call.children.size(); ++i) args.push_back(call.children[i].get());
  return build_buffer_args(name, call.loc, args, call.keywords, what);
}

Buffer IRBuilder::build_buffer_args(const std::string& name, Loc loc, const std::vector<const PyExpr*>& args,
                                    const std::vector<Keyword>& keywords, const std::string& what) {
  const PyExpr* shape = args.size() > 0 ? args[0] : nullptr;
  const PyExpr* dtype = args.size() > 1 ? args[1] : nullptr;
  if (args.size() > 2)
    fail(args[2]->loc, what + ": pass arguments after the dtype by keyword (scope=..., strides=...)");
  const PyExpr* strides = nullptr;
  const PyExpr* elem_offset = nullptr;
  std::string scope = "global";
  for (const Keyword& kw : keywords) {
    const PyExpr& v = *kw.value;
    if (kw.name == "shape" && !shape) {
      shape = &v;
    } else if (kw.name == "dtype" && !dtype) {
      dtype = &v;
    } else if (kw.name == "strides") {
      if (v.kind != ExprKind::None) strides = &v;
    } else if (kw.name == "elem_offset") {
      if (v.kind != ExprKind::None) elem_offset = &v;
    } else if (kw.name == "scope") {
      scope = expect_string(v, what + " scope");
      if (scope.empty()) fail(v.loc, what + ": the scope must not be empty");
    } else if (kw.name == "data" || kw.name == "axis_separators") {
      if (v.kind != ExprKind::None &&
          !((v.kind == ExprKind::List || v.kind == ExprKind::Tuple) && v.children.empty())) {
        fail(v.loc, what + ": '" + kw.name + "' is not supported");
      }
    } else if (kw.name == "align" || kw.name == "offset_factor") {
      expect_int_literal(v, what + " " + kw.name);  // accepted for compatibility; loom ignores it
    } else if (kw.name == "buffer_type") {
      if (expect_string(v, what + " buffer_type") != "default")
        fail(v.loc, what + ": only buffer_type=\"default\" is supported");
    } else {
      fail(kw.loc, what + ": unexpected argument '" + kw.name + "'");
    }
  }
  if (!shape) fail(loc, what + " needs a shape, e.g. (128, 128)");
  std::vector<Expr> shape_exprs = build_shape(*shape);
  DataType dt = dtype ? parse_dtype(*dtype) : DataType::Float(32);
  if (dt.is_handle()) fail(dtype->loc, what + ": a buffer cannot hold handles");
  std::vector<Expr> stride_exprs;
  if (strides) {
    stride_exprs = build_shape(*strides);
    if (stride_exprs.size() != shape_exprs.size()) {
      fail(strides->loc, what + ": " + std::to_string(stride_exprs.size()) + " strides for " +
                             std::to_string(shape_exprs.size()) + " dimensions");
    }
  }
  Expr offset;
  if (elem_offset) {
    offset = build_expr(*elem_offset);
    if (!offset.dtype().is_integer() || !offset.dtype().is_scalar())
      fail(elem_offset->loc, what + ": elem_offset must be an integer");
  }
  return guarded(loc, [&] { return Buffer::make(name, dt, shape_exprs, stride_exprs, offset, scope); });
}

void IRBuilder::check_prim_func_decorator(const PyStmt& def) {
  bool found = false;
  for (const auto& d : def.decorators) {
    std::string name = d->kind == ExprKind::Call ? callee(*d) : dotted(*d);
    if (name == "T.prim_func") {
      if (d->kind == ExprKind::Call && d->children.size() > 1) fail(d->loc, "T.prim_func takes keyword arguments only");
      found = true;
    } else {
      fail(d->loc, "unknown decorator '" + (name.empty() ? std::string("?") : name) + "'; expected @T.prim_func");
    }
  }
  if (!found) fail(def.loc, "function '" + def.name + "' needs the @T.prim_func decorator");
}

PrimFunc IRBuilder::build_func(const PyStmt& def) {
  check_prim_func_decorator(def);
  FuncContext ctx;
  func_ = &ctx;
  scopes_.clear();
  loop_ranges_.clear();
  push_scope();
  // 1) Scalar and handle parameters first, so buffer shapes may use any scalar parameter.
  std::vector<std::pair<const Param*, Var>> buffer_params;
  for (const Param& p : def.params) {
    if (lookup(p.name)) fail(p.loc, "parameter '" + p.name + "' repeated");
    if (!p.annotation)
      fail(p.loc, "parameter '" + p.name + "' needs a type: T.Buffer(...), T.handle or a dtype like T.int32");
    const PyExpr& ann = *p.annotation;
    std::string head = ann.kind == ExprKind::Call        ? callee(ann)
                       : ann.kind == ExprKind::Subscript ? dotted(*ann.children[0])
                                                         : dotted(ann);
    if (head == "T.Buffer") {
      Var var(p.name, DataType::Handle());
      ctx.params.push_back(var);
      buffer_params.emplace_back(&p, var);
      continue;
    }
    if (head.rfind("T.", 0) != 0 || ann.kind == ExprKind::Subscript) {
      fail(ann.loc, "parameter '" + p.name + "': expected T.Buffer(...), T.handle or a dtype like T.int32");
    }
    if (ann.kind == ExprKind::Call && ann.children.size() > 1)
      fail(ann.loc, "parameter '" + p.name + "': unexpected arguments");
    auto dtype = DataType::parse(head.substr(2));
    if (!dtype || dtype->is_void())
      fail(ann.loc, "unknown dtype '" + head.substr(2) + "' for parameter '" + p.name + "'");
    Var var(p.name, *dtype);
    ctx.params.push_back(var);
    define(p.name, Symbol{var, {}});
  }
  // 2) Buffer parameters (`A: T.Buffer((128, 128), "float32")`): a handle bound to a buffer.
  for (const auto& [p, var] : buffer_params) {
    const PyExpr& ann = *p->annotation;
    std::vector<const PyExpr*> args;
    for (size_t i = 1; i < ann.children.size(); ++i) args.push_back(ann.children[i].get());
    static const std::vector<Keyword> kNone;
    const std::vector<Keyword>& kws = ann.kind == ExprKind::Call ? ann.keywords : kNone;
    if (ann.kind == ExprKind::Subscript && args.size() == 1 && args[0]->kind == ExprKind::Tuple &&
        !args[0]->parenthesized) {
      // T.Buffer[(128,), "float32"] parses as one unparenthesized tuple index.
      const PyExpr* tuple = args[0];
      args.clear();
      for (const auto& c : tuple->children) args.push_back(c.get());
    }
    Buffer buffer = build_buffer_args(p->name, ann.loc, args, kws, "T.Buffer");
    ctx.buffer_map.emplace_back(var, buffer);
  }
  for (const auto& [var, buffer] : ctx.buffer_map) define(buffer->name, Symbol{{}, buffer});

  // 3) The body. A function whose only statement (besides attributes and buffer
  // declarations) is a block without iteration variables has that block as its root.
  const PyStmt* only = nullptr;
  int others = 0;
  for (const auto& st : def.body) {
    const PyStmt& s = *st;
    std::string name = s.value ? callee(*s.value) : "";
    bool header = s.kind == StmtKind::Pass || s.kind == StmtKind::Import ||
                  (s.kind == StmtKind::ExprStmt && (name == "T.func_attr" || s.value->kind == ExprKind::Str)) ||
                  (s.kind == StmtKind::Assign && (name == "T.match_buffer" || name == "T.alloc_buffer"));
    if (header) continue;
    ++others;
    only = &s;
  }
  if (others == 1 && only->kind == StmtKind::With && callee(*only->value) == "T.block") ctx.root_candidate = only;

  BlockFrame root;
  root.name = "root";
  root.function_level = true;
  frames_.assign(1, &root);
  body_level_ = 0;
  nest_ = 0;
  Stmt body = build_body(def.body, def.loc);
  frames_.clear();
  // Scheduled IR (any block, or function-level buffers) gets the root block; a plain loop
  // nest (lowered IR) stays as written.
  bool has_block = false;
  post_order_visit(body, [&](const Object* n) { has_block = has_block || n->kind() == NodeKind::BlockRealize; });
  if ((!ctx.root_taken && has_block) || !root.alloc_buffers.empty()) {
    body = guarded(def.loc, [&] {
      Block block = Block::make("root", {}, {}, {}, body, {}, root.alloc_buffers);
      return BlockRealizeNode::make({}, make_bool(true), block);
    });
  }
  func_ = nullptr;
  return guarded(def.loc, [&] { return PrimFunc::make(def.name, ctx.params, ctx.buffer_map, body, ctx.attrs); });
}

IRModule IRBuilder::build_module(const std::vector<PyStmtPtr>& stmts) {
  IRModule mod;
  bool saw_class = false;
  bool saw_func = false;
  auto add = [&](const PyStmt& def) {
    if (mod.contains(def.name)) fail(def.loc, "function '" + def.name + "' defined twice");
    mod.add(build_func(def));
  };
  for (const auto& st : stmts) {
    const PyStmt& s = *st;
    if (s.kind == StmtKind::Import || s.kind == StmtKind::Pass) continue;
    if (s.kind == StmtKind::ExprStmt && s.value->kind == ExprKind::Str) continue;
    if (s.kind == StmtKind::FunctionDef) {
      if (saw_class) fail(s.loc, "a function outside the @I.ir_module class");
      saw_func = true;
      add(s);
      continue;
    }
    if (s.kind == StmtKind::ClassDef) {
      if (saw_class || saw_func) fail(s.loc, "only one @I.ir_module class, and no functions beside it, per file");
      saw_class = true;
      bool decorated = false;
      for (const auto& d : s.decorators) {
        std::string name = d->kind == ExprKind::Call ? callee(*d) : dotted(*d);
        if (name != "I.ir_module") fail(d->loc, "unknown class decorator '" + name + "'; expected @I.ir_module");
        decorated = true;
      }
      if (!decorated) fail(s.loc, "class '" + s.name + "' needs the @I.ir_module decorator");
      for (const auto& member : s.body) {
        const PyStmt& m = *member;
        if (m.kind == StmtKind::Pass || (m.kind == StmtKind::ExprStmt && m.value->kind == ExprKind::Str)) continue;
        if (m.kind != StmtKind::FunctionDef) fail(m.loc, "expected a @T.prim_func method in the @I.ir_module class");
        add(m);
      }
      continue;
    }
    fail(s.loc, "expected a @T.prim_func function or an @I.ir_module class at top level");
  }
  return mod;
}

}  // namespace detail

ir::IRModule parse_module(std::string_view text, std::string_view filename) {
  detail::Source source(text, filename);
  std::vector<detail::PyStmtPtr> stmts = detail::parse_python(source);
  detail::IRBuilder builder(source);
  ir::IRModule mod = builder.build_module(stmts);
  return mod;
}

ir::PrimFunc parse_func(std::string_view text, std::string_view filename) {
  ir::IRModule mod = parse_module(text, filename);
  if (mod.size() != 1) {
    detail::Source source(text, filename);
    source.fail({1, 1}, "expected exactly one function, found " + std::to_string(mod.size()));
  }
  return mod.functions().begin()->second;
}

}  // namespace loom::script
