// loom.add_rfactor: TVM's AddRFactor (src/meta_schedule/schedule_rule/add_rfactor.cc) with
// the CPU condition of NeedsRFactorOrCrossThreadReduction.
#include "rules.h"

namespace loom::rules {

namespace {

constexpr std::string_view kName = "loom.add_rfactor";

}  // namespace

AddRFactor::AddRFactor(const lp::Config& config)
    : max_jobs_per_core_(config.get_int("max_jobs_per_core", 16)),
      max_innermost_factor_(config.get_int("max_innermost_factor", 64)),
      max_parallel_extent_(0),
      num_cores_(config.get_int("num_cores", 0)) {
  if (max_jobs_per_core_ < 1 && max_jobs_per_core_ != -1)
    config_error(kName, "max_jobs_per_core", "must be at least 1 (or -1: no parallelism)");
  if (max_innermost_factor_ < 1 && max_innermost_factor_ != -1)
    config_error(kName, "max_innermost_factor", "must be at least 1 (or -1: no limit)");
  if (num_cores_ < 0) config_error(kName, "num_cores", "must be positive (or 0: the target's)");
  if (max_jobs_per_core_ == -1) {
    max_parallel_extent_ = -1;
  } else if (num_cores_ > 0) {
    max_parallel_extent_ = num_cores_ * max_jobs_per_core_;
  }
}

void AddRFactor::initialize(const lp::TuningContext& context) {
  if (max_jobs_per_core_ != -1) max_parallel_extent_ = target_cores(kName, num_cores_, context) * max_jobs_per_core_;
}

std::vector<lp::Schedule> AddRFactor::apply(const lp::Schedule& sch, lp::BlockRV block) {
  std::vector<lp::Schedule> out;
  require_initialized(kName, max_parallel_extent_ != 0, "the target's core count");
  if (!needs_rfactor_or_cross_thread_reduction(sch, block, max_parallel_extent_)) {
    out.push_back(sch.copy());
    return out;
  }
  lp::Schedule work = sch.copy();
  lp::Schedule original = sch.copy();
  original.seed(work.rng().fork_seed());
  // 1. Spatial loops first, then the reduction loops, fused into one.
  std::vector<lp::LoopRV> loops = work.get_loops(block), spatial, reduce;
  for (lp::LoopRV l : loops) (work.loop_info(l).iter_kind == LOOM_ITER_SPATIAL ? spatial : reduce).push_back(l);
  std::vector<lp::LoopRV> order = spatial;
  order.insert(order.end(), reduce.begin(), reduce.end());
  if (!(order == loops)) work.reorder(order);
  lp::LoopRV fused = reduce.size() > 1 ? work.fuse(reduce) : reduce[0];
  // 2. Split the fused reduction loop in two, and rfactor each part in its own fork.
  std::vector<lp::ExprRV> factors = work.sample_perfect_tile(fused, 2, static_cast<int>(max_innermost_factor_));
  std::vector<lp::LoopRV> parts = work.split(fused, std::vector<lp::Arg>(factors.begin(), factors.end()));
  for (lp::LoopRV part : parts) {
    // A real fork, one result per part; rfactor has no legality probe, so it is tried.
    lp::Schedule fork = work.copy();
    fork.seed(work.rng().fork_seed());
    try {
      lp::BlockRV rf = fork.rfactor(part, static_cast<int>(spatial.size()));
      fork.get_loops(rf);  // as TVM, which checks the rfactor block's loops
      // The write-back block's new producer (the rfactor block) wants a compute location.
      fork.annotate(block, kRandomComputeProducer, int64_t{1});
    } catch (const lp::Error& e) {
      if (e.status() != LOOM_ERROR_SCHEDULE) throw;
      continue;  // TVM drops a fork whose rfactor refuses
    }
    out.push_back(std::move(fork));
  }
  out.push_back(std::move(original));
  return out;
}

}  // namespace loom::rules
