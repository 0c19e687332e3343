// Internal: turns the syntax tree of a TVMScript file into loom IR. Names are resolved
// through a stack of scopes; block-level statements (T.axis.*, T.reads, T.where, ...) are
// collected into the frame of the enclosing `with T.block`.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ast.h"
#include "loom/ir/ir.h"
#include "source.h"

namespace loom::script::detail {

class IRBuilder {
 public:
  explicit IRBuilder(const Source& source) : src_(source) {}

  /// Builds the module of a whole file (functions keyed by name).
  ir::IRModule build_module(const std::vector<PyStmtPtr>& stmts);

 private:
  // A name in scope: a variable or a buffer.
  struct Symbol {
    ir::Var var;
    ir::Buffer buffer;
  };

  // What a `with T.block` (or the function itself) collects from its direct statements.
  struct BlockFrame {
    std::string name;
    bool function_level = false;
    std::vector<ir::IterVar> iter_vars;
    std::vector<ir::Expr> iter_values;
    std::optional<std::vector<ir::BufferRegion>> reads;
    std::optional<std::vector<ir::BufferRegion>> writes;
    ir::Expr predicate;
    std::optional<ir::Annotations> annotations;
    ir::Stmt init;
    bool has_init = false;
    std::vector<ir::Buffer> alloc_buffers;
    std::vector<ir::MatchBufferRegion> match_buffers;
  };

  // The function being built.
  struct FuncContext {
    std::vector<ir::Var> params;
    std::vector<std::pair<ir::Var, ir::Buffer>> buffer_map;
    ir::Annotations attrs;
    bool has_attrs = false;
    const PyStmt* root_candidate = nullptr;
    bool root_taken = false;
  };

  // RAII: one more level of statement nesting, bounded by kMaxNestingDepth * 2.
  class NestGuard {
   public:
    NestGuard(IRBuilder& b, Loc loc);
    ~NestGuard() { --b_.nest_; }
    NestGuard(const NestGuard&) = delete;
    NestGuard& operator=(const NestGuard&) = delete;

   private:
    IRBuilder& b_;
  };

  [[noreturn]] void fail(Loc loc, const std::string& message) const { src_.fail(loc, message); }
  /// Runs an IR construction; a UserError from a node's make() becomes a ParseError at loc.
  template <typename F>
  auto guarded(Loc loc, F&& fn) -> decltype(fn()) {
    try {
      return fn();
    } catch (const ParseError&) {
      throw;
    } catch (const UserError& e) {
      fail(loc, e.what());
    }
  }

  // ---- functions (build_func.cc) ---------------------------------------------------
  ir::PrimFunc build_func(const PyStmt& def);
  void check_prim_func_decorator(const PyStmt& def);
  /// A buffer from the arguments of T.Buffer / T.alloc_buffer / T.match_buffer /
  /// T.decl_buffer: shape and dtype (positional or keyword), strides, elem_offset, scope.
  ir::Buffer build_buffer_decl(const std::string& name, const PyExpr& call, const std::string& what, size_t first_arg);
  ir::Buffer build_buffer_args(const std::string& name, Loc loc, const std::vector<const PyExpr*>& args,
                               const std::vector<Keyword>& keywords, const std::string& what);

  // ---- statements (build_stmt.cc) ---------------------------------------------------
  std::vector<ir::Stmt> build_stmts(const std::vector<PyStmtPtr>& stmts, size_t begin);
  ir::Stmt build_body(const std::vector<PyStmtPtr>& stmts, Loc loc);
  /// Handles one statement; returns true when it consumed the rest of the list (a let).
  bool build_stmt(const std::vector<PyStmtPtr>& stmts, size_t index, std::vector<ir::Stmt>* out);
  void build_expr_stmt(const PyStmt& s, std::vector<ir::Stmt>* out);
  bool build_assign(const std::vector<PyStmtPtr>& stmts, size_t index, std::vector<ir::Stmt>* out);
  ir::Stmt build_let(const ir::Var& var, const ir::Expr& value, const std::vector<PyStmtPtr>& stmts, size_t rest,
                     Loc loc);
  ir::Stmt build_for(const PyStmt& s);
  ir::Stmt build_with(const PyStmt& s);
  ir::Stmt build_block(const PyStmt& s, const PyExpr& call);
  ir::Stmt build_if(const PyStmt& s);
  void build_axis(const PyStmt& s, const PyExpr& call, const std::string& name);
  void build_remap(const PyStmt& s, const PyExpr& call);
  BlockFrame& block_frame(Loc loc, const std::string& what);

  // ---- expressions (build_expr.cc) --------------------------------------------------
  ir::Expr build_expr(const PyExpr& e);
  ir::Expr build_call(const PyExpr& e);
  ir::Expr build_binary(Loc loc, const std::string& op, ir::Expr a, ir::Expr b);
  ir::Expr build_compare(const PyExpr& e);
  ir::Expr build_dtype_ctor(const PyExpr& e, ir::DataType dtype, const std::string& fname);
  ir::BufferRegion build_region(const PyExpr& e);
  std::vector<ir::BufferRegion> build_regions(const PyExpr& call);
  ir::AnnValue build_ann_value(const PyExpr& e);
  ir::Annotations build_annotations(const PyExpr& dict);
  ir::Range build_range(Loc loc, ir::Expr begin, ir::Expr end);
  ir::DataType parse_dtype(const PyExpr& e);
  std::vector<ir::Expr> build_shape(const PyExpr& e);
  ir::Buffer lookup_buffer(const PyExpr& name_expr);
  int64_t expect_int_literal(const PyExpr& e, const std::string& what);
  std::string expect_string(const PyExpr& e, const std::string& what);

  // ---- scopes -----------------------------------------------------------------------
  void push_scope() { scopes_.emplace_back(); }
  void pop_scope() { scopes_.pop_back(); }
  void define(const std::string& name, Symbol symbol) { scopes_.back()[name] = std::move(symbol); }
  const Symbol* lookup(const std::string& name) const;

  const Source& src_;
  std::vector<std::unordered_map<std::string, Symbol>> scopes_;
  std::unordered_map<const ir::VarNode*, ir::Range> loop_ranges_;
  std::vector<BlockFrame*> frames_;
  FuncContext* func_ = nullptr;
  // Compound statements (for / if / with) between the statement and its block frame.
  int body_level_ = 0;
  int nest_ = 0;
};

/// The dotted name of a Name / Attr chain ("T.axis.remap"), or "" for anything else.
std::string dotted(const PyExpr& e);
/// The dotted name of the callee when `e` is a call, else "".
std::string callee(const PyExpr& e);

}  // namespace loom::script::detail
