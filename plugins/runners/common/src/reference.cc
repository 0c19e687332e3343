// The shared correctness check (loom/runner/reference.h).
#include "loom/runner/reference.h"

#include <tbb/parallel_for.h>

#include <optional>
#include <stdexcept>

#include "fmt/format.h"

namespace loom::runner {

namespace lp = loom::plugin;
namespace pir = loom::plugin::ir;

CheckPlan plan_check(const lp::MeasureInput& input, const std::vector<ArgInfo>& args, Check check) {
  CheckPlan plan;
  if (check == Check::kNone || !input.reference) return plan;
  try {
    std::vector<ArgInfo> ref_args = arg_layout(input.reference.node());
    if (ref_args.size() != args.size())
      throw std::runtime_error(
          fmt::format("the reference has {} parameters, the candidate {}", ref_args.size(), args.size()));
    for (size_t i = 0; i < ref_args.size(); ++i) {
      if (ref_args[i].signature() != args[i].signature() || ref_args[i].is_buffer != args[i].is_buffer)
        throw std::runtime_error(fmt::format("parameter {} is {} {} in the reference but {} {} in the candidate", i,
                                             ref_args[i].name, ref_args[i].signature(), args[i].name,
                                             args[i].signature()));
    }
    plan.reference = &input.reference;
    plan.hash = lp::structural_hash(input.reference);
  } catch (const std::exception& e) {
    plan.error = fmt::format("cannot check the result: {}", e.what());
  }
  return plan;
}

void ReferenceCache::update(const std::vector<const CheckPlan*>& plans, const MeasureOptions& options,
                            const CompileReference& compile) {
  std::map<uint64_t, const pir::Func*> missing;
  auto collect = [&] {
    missing.clear();
    for (const CheckPlan* p : plans) {
      if (p->reference != nullptr && !cache_.count({p->hash, options.seed})) missing.emplace(p->hash, p->reference);
    }
  };
  collect();
  if (missing.empty()) return;
  // References are few (one per task) but their outputs can be large: keep a bounded set
  // (when it is full, start over with this batch's references).
  if (cache_.size() + missing.size() > kMaxEntries) {
    cache_.clear();
    collect();
  }
  std::vector<std::pair<uint64_t, const pir::Func*>> pending(missing.begin(), missing.end());
  std::vector<ReferenceOutputs> outputs(pending.size());
  std::vector<CompiledReference> compiled(pending.size());
  bool interpret = options.check == Check::kInterpreter;
  // In parallel: interpret each reference, or compile it unscheduled.
  tbb::parallel_for(size_t{0}, pending.size(), [&](size_t k) {
    const pir::Func& ref = *pending[k].second;
    ReferenceOutputs& out = outputs[k];
    try {
      out.buffers = make_inputs(ref, arg_layout(ref.node()), options.seed);
      if (interpret) {
        std::vector<void*> ptrs;
        for (std::string& d : out.buffers) ptrs.push_back(d.data());
        lp::interpret(ref, ptrs.data());
      } else {
        compiled[k] = compile(ref);
      }
    } catch (const std::exception& e) {
      out.error =
          fmt::format("the reference failed in the {}: {}", interpret ? "interpreter" : "code generator", e.what());
    }
  });
  // One at a time: the compiled references.
  for (size_t k = 0; k < pending.size(); ++k) {
    if (compiled[k] && outputs[k].error.empty()) outputs[k].error = compiled[k](outputs[k].buffers);
    cache_[{pending[k].first, options.seed}] = std::make_shared<const ReferenceOutputs>(std::move(outputs[k]));
  }
}

std::optional<lp::MeasureResult> check_outputs(const ReferenceOutputs& expected, const std::vector<ArgInfo>& args,
                                               const std::vector<std::string>& got, const MeasureOptions& options) {
  if (!expected.error.empty()) return lp::MeasureResult::failure("check", "cannot check the result: " + expected.error);
  if (std::optional<std::string> diff = compare_outputs(args, got, expected.buffers, options.rtol, options.atol))
    return lp::MeasureResult::failure("wrong_result", fmt::format("wrong result: {}", *diff));
  return std::nullopt;
}

plugin::MeasureResult outcome_result(Outcome outcome, const std::string& kernel, const ReferenceOutputs* expected,
                                     const std::vector<ArgInfo>& args, const MeasureOptions& options) {
  using plugin::MeasureResult;
  if (outcome.kind == Outcome::kCrashed)
    return MeasureResult::failure("crash", fmt::format("crashed: {} while running {}", outcome.reason, kernel));
  if (outcome.kind == Outcome::kTimedOut)
    return MeasureResult::failure("timeout", fmt::format("{} while running {}", outcome.reason, kernel));
  if (outcome.reply.status == kFatal)
    return MeasureResult::failure("crash", fmt::format("crashed: {} while running {}", outcome.reply.message, kernel));
  if (outcome.reply.status != kRan)
    return MeasureResult::failure("run", fmt::format("run failed: {}", outcome.reply.message));
  if (expected != nullptr) {
    if (std::optional<MeasureResult> wrong = check_outputs(*expected, args, outcome.reply.outputs, options))
      return std::move(*wrong);
  }
  MeasureResult r;
  r.times_s = std::move(outcome.reply.samples_s);
  r.number = outcome.reply.number;
  return r;
}

}  // namespace loom::runner
