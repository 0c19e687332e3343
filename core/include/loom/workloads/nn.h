// Neural-network building blocks on top of the TE builder (te.h), in the spirit of TVM's
// topi: stages that several zoo workloads share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loom/workloads/te.h"

namespace loom::workloads {

/// A compute stage `name` equal to `data` padded with `before[i]` / `after[i]` elements of
/// `pad_value` on each side of dimension i (topi.nn.pad): element `idx` is
/// `T.if_then_else(before <= idx < before + extent (for every padded dim), data[idx - before],
/// pad_value)`; a dimension without padding adds no condition. Its shape is
/// data.shape + before + after.
/// Requires: before/after have one non-negative entry per dimension. Throws UserError naming
/// the stage otherwise.
Tensor pad(const Tensor& data, const std::vector<int64_t>& before, const std::vector<int64_t>& after, double pad_value,
           std::string name);

}  // namespace loom::workloads
