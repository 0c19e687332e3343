// Storage scopes and thread scopes: which thread-bound loops a buffer of a given storage
// scope is shared across (TVM's StorageScope / ThreadScope ranks, runtime/thread_storage_scope.h).
#pragma once

#include <cstdint>
#include <string_view>

namespace loom::ir {

/// The rank of a storage scope (`BufferNode::scope`), from the widest to the narrowest.
/// "global" (and "", a parameter's default) and "global.*": one copy for the whole launch;
/// "shared" / "shared.*": one copy per thread block; "warp" / "warp.*": one per warp;
/// "local" / "local.*": one per thread. Any other scope (a tensor-core fragment, ...) is
/// `Other`: narrower than local, so no thread loop is ever relaxed for it.
enum class StorageRank : uint8_t { Global = 0, Shared = 1, Warp = 2, Local = 3, Other = 4 };
StorageRank storage_rank(std::string_view scope);

/// The rank of a thread tag: 0 for "blockIdx.*", 1 for "threadIdx.*" and for virtual
/// threads ("vthread", "vthread.*", "cthread"); -1 for anything else (not a thread tag).
int thread_rank(std::string_view thread_tag);

/// Whether a buffer of storage scope `scope` is shared by all iterations of a loop bound
/// to `thread_tag` (TVM's CanRelaxStorageUnderThread): the region one access covers must
/// then be relaxed over that loop's whole range. True when the scope's rank is at most the
/// tag's rank: "global" relaxes blockIdx, threadIdx and vthread; "shared" relaxes threadIdx
/// and vthread; "warp" relaxes threadIdx.x only; "local" and `Other` relax nothing. False
/// for a tag that is not a thread tag.
bool thread_tag_relaxed_by_scope(std::string_view scope, std::string_view thread_tag);

}  // namespace loom::ir
