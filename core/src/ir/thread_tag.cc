// Thread tags and launch extents.
#include "loom/ir/thread_tag.h"

#include <algorithm>

#include "loom/ir/builder.h"
#include "loom/ir/visitor.h"

namespace loom::ir {

std::optional<ThreadTag> parse_thread_tag(std::string_view tag) {
  auto dim_of = [](std::string_view suffix) -> std::optional<int> {
    if (suffix == ".x") return 0;
    if (suffix == ".y") return 1;
    if (suffix == ".z") return 2;
    return std::nullopt;
  };
  struct Prefix {
    std::string_view name;
    ThreadRank rank;
  };
  static constexpr Prefix kPrefixes[] = {
      {"blockIdx", ThreadRank::Block}, {"threadIdx", ThreadRank::Thread}, {"vthread", ThreadRank::VThread}};
  for (const Prefix& p : kPrefixes) {
    if (tag.substr(0, p.name.size()) != p.name) continue;
    std::string_view rest = tag.substr(p.name.size());
    if (rest.empty() && p.rank == ThreadRank::VThread) return ThreadTag{p.rank, 0};
    if (std::optional<int> dim = dim_of(rest)) return ThreadTag{p.rank, *dim};
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<ThreadTag> thread_tag_of(const ForNode* loop) {
  if (loop->for_kind != ForKind::ThreadBinding) return std::nullopt;
  return parse_thread_tag(loop->thread_tag);
}

LaunchExtents launch_extents(const Stmt& kernel) {
  LaunchExtents extents;
  post_order_visit(kernel, [&](const Object* n) {
    if (n->kind() != NodeKind::For) return;
    const auto* loop = static_cast<const ForNode*>(n);
    std::optional<ThreadTag> tag = thread_tag_of(loop);
    std::optional<int64_t> extent = as_const_int(loop->extent);
    if (!tag || !extent || tag->rank == ThreadRank::VThread) return;
    auto& dims = tag->rank == ThreadRank::Block ? extents.grid : extents.block;
    dims[static_cast<size_t>(tag->dim)] = std::max(dims[static_cast<size_t>(tag->dim)], *extent);
  });
  return extents;
}

}  // namespace loom::ir
