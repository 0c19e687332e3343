// Thread tags of ThreadBinding loops: blockIdx.{x,y,z}, threadIdx.{x,y,z}, vthread[.{x,y,z}].
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "loom/ir/stmt.h"

namespace loom::ir {

/// What a thread tag binds: a block of the grid, a thread of a block, or a virtual thread
/// (a loop the GPU lowering serializes).
enum class ThreadRank : uint8_t { Block, Thread, VThread };

/// A parsed thread tag: its rank and dimension (0 for x and for a bare "vthread").
struct ThreadTag {
  ThreadRank rank = ThreadRank::Thread;
  int dim = 0;
};

/// The tag's rank and dimension; nullopt for anything that is not a thread tag.
std::optional<ThreadTag> parse_thread_tag(std::string_view tag);

/// The loop's tag when it is a ThreadBinding loop with a thread tag, else nullopt.
std::optional<ThreadTag> thread_tag_of(const ForNode* loop);

/// The launch extents of one kernel: per tag, the largest constant extent of its
/// ThreadBinding loops (1 where a tag is absent; docs/ARCHITECTURE.md "The GPU-lowered
/// form"). Loops with a non-constant extent are not counted.
struct LaunchExtents {
  std::array<int64_t, 3> grid = {1, 1, 1};
  std::array<int64_t, 3> block = {1, 1, 1};
  int64_t threads() const { return block[0] * block[1] * block[2]; }
};
LaunchExtents launch_extents(const Stmt& kernel);

}  // namespace loom::ir
