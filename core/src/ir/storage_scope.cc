// Storage scope and thread scope ranks (see loom/ir/storage_scope.h).
#include "loom/ir/storage_scope.h"

namespace loom::ir {

namespace {
bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
}  // namespace

StorageRank storage_rank(std::string_view scope) {
  if (scope.empty() || starts_with(scope, "global")) return StorageRank::Global;
  if (starts_with(scope, "shared")) return StorageRank::Shared;
  if (starts_with(scope, "warp")) return StorageRank::Warp;
  if (starts_with(scope, "local")) return StorageRank::Local;
  return StorageRank::Other;
}

int thread_rank(std::string_view thread_tag) {
  if (starts_with(thread_tag, "vthread") || thread_tag == "cthread") return 1;
  if (starts_with(thread_tag, "blockIdx.")) return 0;
  if (starts_with(thread_tag, "threadIdx.")) return 1;
  return -1;
}

bool thread_tag_relaxed_by_scope(std::string_view scope, std::string_view thread_tag) {
  int rank = thread_rank(thread_tag);
  if (rank < 0) return false;
  StorageRank s = storage_rank(scope);
  if (s == StorageRank::Warp) return thread_tag == "threadIdx.x";
  return static_cast<int>(s) <= rank;
}

}  // namespace loom::ir
