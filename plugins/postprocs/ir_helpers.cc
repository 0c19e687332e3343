// IR helpers the postprocessors share (postprocs.h).
#include "postprocs.h"

namespace loom::postprocs {

void walk_stmts(const ir::Stmt& stmt, const std::function<bool(const ir::Stmt&)>& visit) {
  if (stmt.is_null() || !visit(stmt)) return;
  if (auto loop = stmt.as<ir::For>()) {
    walk_stmts(loop->body(), visit);
  } else if (auto realize = stmt.as<ir::BlockRealize>()) {
    walk_stmts(realize->block(), visit);
  } else if (auto block = stmt.as<ir::Block>()) {
    walk_stmts(block->init(), visit);
    walk_stmts(block->body(), visit);
  } else if (auto seq = stmt.as<ir::SeqStmt>()) {
    for (ir::Stmt s : seq->seq()) walk_stmts(s, visit);
  } else if (auto branch = stmt.as<ir::IfThenElse>()) {
    walk_stmts(branch->then_case(), visit);
    walk_stmts(branch->else_case(), visit);
  } else if (auto let = stmt.as<ir::LetStmt>()) {
    walk_stmts(let->body(), visit);
  } else if (auto alloc = stmt.as<ir::Allocate>()) {
    walk_stmts(alloc->body(), visit);
  }
}

std::vector<std::string> block_names(const ir::PrimFunc& func) {
  ir::Block root = func.root_block();
  std::vector<std::string> names;
  walk_stmts(func.body(), [&](const ir::Stmt& s) {
    if (auto block = s.as<ir::Block>(); block && !block->same(root)) names.emplace_back(block->name());
    return true;
  });
  return names;
}

std::optional<int64_t> int_annotation(const ir::List<ir::Annotation>& annotations, std::string_view key) {
  for (ir::Annotation a : annotations) {
    if (a.key() != key) continue;
    ir::Field v = a.value();
    if (v.is_int()) return v.int_();
    if (v.is_node()) {
      if (auto c = const_int(ir::Expr(v.node()))) return c;
    }
    throw lp::Error("annotation \"" + std::string(key) + "\" is not an integer constant", LOOM_ERROR_ARGUMENT);
  }
  return std::nullopt;
}

bool is_schedule_error(const lp::Error& e) {
  return e.status() == LOOM_ERROR_SCHEDULE || e.status() == LOOM_ERROR_ARGUMENT;
}

}  // namespace loom::postprocs
