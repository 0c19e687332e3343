// Internal to the zoo: the resolved parameters of one workload and the builder function of
// each workload (defined in dense_workloads.cc and conv_workloads.cc, registered in zoo.cc).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "loom/ir/function.h"

namespace loom::workloads::detail {

/// The parameter values of one workload build (defaults with overrides applied).
class Params {
 public:
  Params(std::string workload, std::map<std::string, int64_t> values)
      : workload_(std::move(workload)), values_(std::move(values)) {}
  /// The value of a parameter the workload declares.
  int64_t operator[](const std::string& name) const;
  /// Throws UserError "workload <name>: <rule>" when `ok` is false.
  void require(bool ok, const std::string& rule) const;
  const std::string& workload() const { return workload_; }

 private:
  std::string workload_;
  std::map<std::string, int64_t> values_;
};

ir::PrimFunc build_gmm(const Params& p);
ir::PrimFunc build_bmm(const Params& p);
ir::PrimFunc build_tbg(const Params& p);
ir::PrimFunc build_nrm(const Params& p);
ir::PrimFunc build_sfm(const Params& p);
ir::PrimFunc build_gmm_bias_relu(const Params& p);

ir::PrimFunc build_c1d(const Params& p);
ir::PrimFunc build_c2d(const Params& p);
ir::PrimFunc build_c3d(const Params& p);
ir::PrimFunc build_dep(const Params& p);
ir::PrimFunc build_dil(const Params& p);
ir::PrimFunc build_grp(const Params& p);
ir::PrimFunc build_t2d(const Params& p);
ir::PrimFunc build_cbr(const Params& p);

}  // namespace loom::workloads::detail
