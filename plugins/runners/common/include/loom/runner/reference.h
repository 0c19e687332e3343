// loom/runner/reference.h: the correctness check every runner shares. A candidate is checked
// against its MeasureInput::reference (the unscheduled function), whose outputs on the seed's
// inputs are computed once per (structural hash, seed) and cached: in the interpreter
// (Check::kInterpreter, exact semantics, small shapes) or compiled unscheduled for the CPU by
// the runner's CompileReference (Check::kCompiled, large shapes).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "loom/plugin.hpp"
#include "loom/runner/arguments.h"
#include "loom/runner/measure_options.h"
#include "loom/runner/worker_client.h"

namespace loom::runner {

/// A reference's outputs on one seed's inputs, or why they could not be computed.
struct ReferenceOutputs {
  std::vector<std::string> buffers;
  std::string error;
};

/// What checking one candidate needs.
struct CheckPlan {
  /// The reference (null: no check) and its structural hash.
  const plugin::ir::Func* reference = nullptr;
  uint64_t hash = 0;
  /// Why the reference cannot be used ("cannot check the result: ..."); empty when it can.
  std::string error;
};

/// The plan for `input`, whose parameters are `args`: no check when `check` is kNone or the
/// input has no reference; an error when the reference's parameters differ from the
/// candidate's. The plan points into `input`, which must outlive it.
CheckPlan plan_check(const plugin::MeasureInput& input, const std::vector<ArgInfo>& args, Check check);

/// Runs a compiled reference on `buffers` (its inputs; its outputs on return); returns "" or
/// why it failed ("the compiled reference crashed: ...").
using CompiledReference = std::function<std::string(std::vector<std::string>& buffers)>;
/// Compiles `reference` unscheduled (called in parallel); throws when it cannot.
using CompileReference = std::function<CompiledReference(const plugin::ir::Func& reference)>;

class ReferenceCache {
 public:
  /// Computes, for options.seed, the outputs of every plan's reference not cached yet: the
  /// inputs drawn and each reference interpreted or compiled in parallel, then the compiled
  /// ones run one at a time. A bounded number of entries is kept.
  void update(const std::vector<const CheckPlan*>& plans, const MeasureOptions& options,
              const CompileReference& compile);

  /// The outputs of the plan's reference for `seed` (after update()).
  std::shared_ptr<const ReferenceOutputs> at(const CheckPlan& plan, uint64_t seed) const {
    return cache_.at({plan.hash, seed});
  }

 private:
  static constexpr size_t kMaxEntries = 64;
  std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<const ReferenceOutputs>> cache_;
};

/// The verdict on a candidate's outputs `got` for `plan` (which has a reference): nullopt
/// when they match; else the failure, kind "check" when the reference failed, "wrong_result"
/// when the outputs differ.
std::optional<plugin::MeasureResult> check_outputs(const ReferenceOutputs& expected, const std::vector<ArgInfo>& args,
                                                   const std::vector<std::string>& got, const MeasureOptions& options);

/// A worker's outcome for the kernel `kernel` as the candidate's result: a crash, timeout or
/// fatal reply ("crash" / "timeout"), a failed run ("run"), wrong outputs (check_outputs,
/// when `expected` is given), else the samples. Build and run seconds are the caller's.
plugin::MeasureResult outcome_result(Outcome outcome, const std::string& kernel, const ReferenceOutputs* expected,
                                     const std::vector<ArgInfo>& args, const MeasureOptions& options);

}  // namespace loom::runner
