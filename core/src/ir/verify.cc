// The well-formedness checker: one walk with scoped sets of visible variables and buffers.
#include "loom/ir/verify.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "fmt/format.h"
#include "loom/ir/error.h"
#include "loom/ir/visitor.h"

namespace loom::ir {

namespace {

class WellFormedChecker : public IRVisitor {
 public:
  std::vector<std::string> problems;

  void check(const PrimFunc& func) {
    for (const Var& p : func->params) define(p, "parameter");
    for (const Buffer& b : func->param_buffers()) allocate(b, "parameter");
    visit_stmt(func->body);
  }

 protected:
  void visit(const VarNode* op) override {
    if (!visible_.count(op)) {
      if (defined_.count(op)) {
        report(fmt::format("variable {} is used outside its scope{}", op->name,
                           block_stack_.empty() ? ""
                                                : fmt::format(" (in block {}: outer loop variables reach a block "
                                                              "only through its iteration bindings)",
                                                              block_stack_.back())));
      } else {
        report(fmt::format("variable {} is used but never defined", op->name));
      }
    }
  }

  void visit(const BufferLoadNode* op) override {
    use_buffer(op->buffer, "loaded from");
    IRVisitor::visit(op);
  }

  void visit(const BufferStoreNode* op) override {
    use_buffer(op->buffer, "stored to");
    IRVisitor::visit(op);
  }

  void visit(const ForNode* op) override {
    visit_expr(op->min);
    visit_expr(op->extent);
    define(op->loop_var, "loop");
    visit_stmt(op->body);
    visible_.erase(op->loop_var.get());
  }

  void visit(const LetStmtNode* op) override {
    visit_expr(op->value);
    define(op->var, "let");
    visit_stmt(op->body);
    visible_.erase(op->var.get());
  }

  void visit(const AllocateNode* op) override {
    for (const Expr& e : op->buffer->shape) visit_expr(e);
    allocate(op->buffer, "Allocate");
    visit_stmt(op->body);
    visible_buffers_.erase(op->buffer.get());
  }

  void visit(const BlockRealizeNode* op) override {
    for (const Expr& e : op->iter_values) visit_expr(e);
    visit_expr(op->predicate);
    // Inside the block only its own iteration variables (and what it defines) are visible;
    // function parameters (scalars) and the iteration variables of enclosing blocks (as in
    // TensorIR, e.g. the outer block of blockize) stay visible.
    std::unordered_set<const VarNode*> saved = visible_;
    std::unordered_set<const VarNode*> kept;
    for (const VarNode* v : visible_) {
      if (params_.count(v) || block_vars_.count(v)) kept.insert(v);
    }
    visible_ = kept;
    visit_stmt(op->block);
    visible_ = std::move(saved);
  }

  void visit(const BlockNode* op) override {
    if (!block_names_.insert(op->name).second) report(fmt::format("two blocks are named {}", op->name));
    block_stack_.push_back(op->name);
    bool has_reduce = false;
    for (const IterVar& iv : op->iter_vars) {
      visit_expr(iv.dom.min);
      visit_expr(iv.dom.extent);
      has_reduce = has_reduce || iv.type == IterType::CommReduce;
    }
    for (const IterVar& iv : op->iter_vars) {
      define(iv.var, "block " + op->name);
      block_vars_.insert(iv.var.get());
    }
    if (op->init.defined() && !has_reduce)
      report(fmt::format("block {} has an init statement but no reduction iteration variable", op->name));
    std::vector<const BufferNode*> introduced;
    for (const Buffer& b : op->alloc_buffers) {
      for (const Expr& e : b->shape) visit_expr(e);
      allocate(b, "block " + op->name);
      introduced.push_back(b.get());
    }
    for (const MatchBufferRegion& m : op->match_buffers) {
      use_buffer(m.source.buffer, "matched from");
      visit_region(m.source);
      allocate(m.buffer, "match_buffer in block " + op->name);
      introduced.push_back(m.buffer.get());
    }
    for (const BufferRegion& r : op->reads) {
      use_buffer(r.buffer, "read (T.reads)");
      visit_region(r);
    }
    for (const BufferRegion& r : op->writes) {
      use_buffer(r.buffer, "written (T.writes)");
      visit_region(r);
    }
    visit_stmt(op->init);
    visit_stmt(op->body);
    for (const BufferNode* b : introduced) visible_buffers_.erase(b);
    for (const IterVar& iv : op->iter_vars) visible_.erase(iv.var.get());
    block_stack_.pop_back();
  }

 private:
  void report(std::string msg) {
    if (problems.size() < 50 && std::find(problems.begin(), problems.end(), msg) == problems.end())
      problems.push_back(std::move(msg));
  }

  void define(const Var& v, const std::string& where) {
    if (!defined_.insert(v.get()).second) {
      report(fmt::format("variable {} is defined twice (again by {})", v.name(), where));
    }
    if (where == "parameter") params_.insert(v.get());
    visible_.insert(v.get());
  }

  void allocate(const Buffer& b, const std::string& where) {
    if (!allocated_.insert(b.get()).second)
      report(fmt::format("buffer {} is allocated twice (again by {})", b->name, where));
    visible_buffers_.insert(b.get());
  }

  void use_buffer(const Buffer& b, const char* how) {
    if (!visible_buffers_.count(b.get())) {
      report(fmt::format("buffer {} is {} but is not a parameter, nor allocated or matched by an enclosing block",
                         b->name, how));
    }
  }

  std::unordered_set<const VarNode*> visible_, defined_, params_, block_vars_;
  std::unordered_set<const BufferNode*> visible_buffers_, allocated_;
  std::set<std::string> block_names_;
  std::vector<std::string> block_stack_;
};

}  // namespace

std::vector<std::string> verify_well_formed(const PrimFunc& func) {
  WellFormedChecker checker;
  checker.check(func);
  return checker.problems;
}

void check_well_formed(const PrimFunc& func) {
  std::vector<std::string> problems = verify_well_formed(func);
  if (problems.empty()) return;
  std::string msg = fmt::format("function {} is not well-formed:", func->name);
  for (const std::string& p : problems) msg += "\n  - " + p;
  throw UserError(msg);
}

}  // namespace loom::ir
