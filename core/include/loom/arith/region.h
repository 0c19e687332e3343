// Region analysis: which part of a buffer a statement touches, and the read/write regions
// of a block inferred from its body.
#pragma once

#include <unordered_map>
#include <vector>

#include "loom/ir/stmt.h"

namespace loom::arith {

/// The read and write regions of a block, in terms of the block's iteration variables,
/// inferred from its init and body the way TVM's GetBlockReadWriteRegion does:
/// 1) every BufferLoad / BufferStore in init and body is collected, per buffer;
/// 2) variables of loops nested inside the block body are relaxed over their ranges
///    (interval analysis), block iteration variables stay symbolic;
/// 3) the accesses to one buffer are unioned into one hull region per buffer, in order of
///    first access; buffers allocated by the block itself are left out;
/// 4) a buffer that is both read and written appears in both lists (reads of the output in a
///    reduction update included).
/// Region extents are simplified (a single point has extent 1).
struct AccessRegions {
  std::vector<ir::BufferRegion> reads;
  std::vector<ir::BufferRegion> writes;
};
AccessRegions infer_block_access_regions(const ir::BlockNode& block);

}  // namespace loom::arith
