// The workload zoo: the standard operator suite (Ansor's benchmark set plus a fused
// matmul + bias + relu), each built with the TE builder as a PrimFunc with one block per
// stage, shapes given as named integer parameters with documented defaults.
//
// Conventions (as in Ansor's benchmarks): float32 everywhere; convolutions are
// channels-last (NWC / NHWC / NDHWC data) with weights in HWIO order (spatial kernel dims,
// then input channels, then output channels); every convolution pads its input in a separate
// stage ("pad_temp") before the reduction stage.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "loom/ir/function.h"

namespace loom::workloads {

/// One shape parameter of a workload.
struct WorkloadParam {
  /// E.g. "M", "CI", "stride".
  std::string name;
  int64_t default_value = 0;
  /// One line: what the parameter means.
  std::string doc;
  /// The smallest accepted value (0 for paddings, 1 otherwise).
  int64_t min_value = 1;
};

/// A zoo entry.
struct WorkloadInfo {
  /// Lowercase short name: gmm, bmm, c1d, c2d, c3d, dep, dil, grp, t2d, cbr, tbg, nrm, sfm,
  /// gmm_bias_relu.
  std::string name;
  /// One or two sentences: the operator, its stages, its layouts and buffer names.
  std::string description;
  /// In the order they are documented.
  std::vector<WorkloadParam> params;
};

/// Every workload of the zoo, in a fixed order.
const std::vector<WorkloadInfo>& workloads();

/// The zoo entry called `name` (case-insensitive). Throws UserError listing the known
/// workloads when there is none.
const WorkloadInfo& workload_info(std::string_view name);

/// Builds the workload `name` (case-insensitive) with its default parameters, replaced by
/// `overrides` where given. The function is named after the workload.
/// Throws UserError: 1) for an unknown workload (listing the known ones); 2) for an unknown
/// parameter (listing the workload's parameters); 3) for a value below the parameter's
/// minimum or a combination that gives an empty or invalid shape (e.g. a kernel larger than
/// the padded input, channels not divisible by groups), naming the workload and the rule.
ir::PrimFunc make_workload(std::string_view name, const std::map<std::string, int64_t>& overrides = {});

}  // namespace loom::workloads
