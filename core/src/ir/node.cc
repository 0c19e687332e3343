// Node kind names and the internal-error helper.
#include "loom/ir/node.h"

#include <sstream>

#include "loom/ir/error.h"

namespace loom {
namespace detail {

void throw_internal_error(const char* file, int line, const char* cond, const std::string& msg) {
  std::ostringstream os;
  os << "internal error at " << file << ":" << line << ": check '" << cond << "' failed: " << msg
     << " (this is a bug in loom)";
  throw InternalError(os.str());
}

}  // namespace detail

namespace ir {

const char* node_kind_name(NodeKind kind) {
  switch (kind) {
#define LOOM_X(T)   \
  case NodeKind::T: \
    return #T;
    LOOM_FOR_EACH_EXPR(LOOM_X)
    LOOM_FOR_EACH_STMT(LOOM_X)
#undef LOOM_X
    case NodeKind::Buffer:
      return "Buffer";
    case NodeKind::PrimFunc:
      return "PrimFunc";
  }
  return "?";
}

bool is_expr_kind(NodeKind kind) {
  switch (kind) {
#define LOOM_X(T) case NodeKind::T:
    LOOM_FOR_EACH_EXPR(LOOM_X)
#undef LOOM_X
    return true;
    default:
      return false;
  }
}

bool is_stmt_kind(NodeKind kind) {
  switch (kind) {
#define LOOM_X(T) case NodeKind::T:
    LOOM_FOR_EACH_STMT(LOOM_X)
#undef LOOM_X
    return true;
    default:
      return false;
  }
}

}  // namespace ir
}  // namespace loom
