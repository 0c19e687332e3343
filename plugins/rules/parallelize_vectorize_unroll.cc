// loom.parallelize_vectorize_unroll: TVM's ParallelizeVectorizeUnroll
// (src/meta_schedule/schedule_rule/parallel_vectorize_unroll.cc) with its CPU defaults, or,
// for the keys the config does not give when initialize() sees a "cuda" target, its CUDA
// ones: no parallel or vectorize annotation, unroll_max_steps [0, 16, 64, 512, 1024].
//
// The rule only annotates the root block; the postprocessor
// loom.rewrite_parallel_vectorize_unroll turns the annotations into loop kinds. The keys and
// values (TVM's):
// - "meta_schedule.parallel" (int): the largest extent of the fused outer spatial loops to
//   parallelize: num_cores * max_jobs_per_core.
// - "meta_schedule.vectorize" (int): the largest extent of the fused inner spatial loops to
//   vectorize: max_vectorize_extent.
// - "meta_schedule.unroll_explicit" (or "meta_schedule.unroll_implicit" when
//   unroll_explicit is false): the maximum number of unrolled steps, an expression: the
//   ExprRV of a sample_categorical over unroll_max_steps with equal probabilities (an
//   integer constant once the trace is replayed with a decision). Only written when some
//   block of the function has a non-spatial iteration variable.
//
// TVM's post-order-apply visits the root block, where the rule acts. loom's PostOrderApply
// visits the other blocks only, so the rule also acts on the first of them it is given,
// annotating the root then; a root already annotated is left alone, so each schedule is
// annotated once either way.
#include <algorithm>

#include "rules.h"

namespace loom::rules {

namespace {
constexpr std::string_view kName = "loom.parallelize_vectorize_unroll";
}

ParallelizeVectorizeUnroll::ParallelizeVectorizeUnroll(const lp::Config& config)
    : max_jobs_per_core_(config.get_int("max_jobs_per_core", 16)),
      max_vectorize_extent_(config.get_int("max_vectorize_extent", 64)),
      max_parallel_extent_(0),
      num_cores_(config.get_int("num_cores", 0)),
      unroll_max_steps_(config.get_int_list("unroll_max_steps", {0, 16, 64, 512})),
      unroll_explicit_(config.get_bool("unroll_explicit", true)) {
  if (num_cores_ < 0) config_error(kName, "num_cores", "must be positive (or 0: the target's)");
  if (max_jobs_per_core_ < 1 && max_jobs_per_core_ != -1)
    config_error(kName, "max_jobs_per_core", "must be at least 1 (or -1: no parallelization)");
  if (max_vectorize_extent_ < 1 && max_vectorize_extent_ != -1)
    config_error(kName, "max_vectorize_extent", "must be at least 1 (or -1: no vectorization)");
  for (int64_t steps : unroll_max_steps_) {
    if (steps < 0) config_error(kName, "unroll_max_steps", "holds " + std::to_string(steps) + ", a negative count");
  }
  if (max_jobs_per_core_ != -1 && num_cores_ > 0) max_parallel_extent_ = num_cores_ * max_jobs_per_core_;
  for (const char* key : {"max_jobs_per_core", "max_vectorize_extent", "unroll_max_steps"}) {
    if (config.has(key)) given_.emplace_back(key);
  }
}

void ParallelizeVectorizeUnroll::initialize(const lp::TuningContext& context) {
  if (context.target.kind == "cuda") {
    auto given = [&](const char* key) { return std::find(given_.begin(), given_.end(), key) != given_.end(); };
    if (!given("max_jobs_per_core")) max_jobs_per_core_ = -1;
    if (!given("max_vectorize_extent")) max_vectorize_extent_ = -1;
    if (!given("unroll_max_steps")) unroll_max_steps_ = {0, 16, 64, 512, 1024};
  }
  if (max_jobs_per_core_ != -1) max_parallel_extent_ = target_cores(kName, num_cores_, context) * max_jobs_per_core_;
}

std::vector<lp::Schedule> ParallelizeVectorizeUnroll::apply(const lp::Schedule& sch, lp::BlockRV block) {
  std::vector<lp::Schedule> out;
  out.push_back(sch.copy());
  lp::Schedule& s = out[0];
  ir::Func func = s.func();
  ir::Block root = func.node().root_block();
  ir::List<ir::Annotation> anns = root.annotations();
  for (std::string_view key : {kParallel, kVectorize, kUnrollExplicit, kUnrollImplicit}) {
    if (has_annotation(anns, key)) return out;
  }
  lp::BlockRV root_rv = s.block_info(block).is_root ? block : s.get_block(root.name());
  if (max_jobs_per_core_ != -1) {
    require_initialized(kName, max_parallel_extent_ > 0, "the target's core count");
    s.annotate(root_rv, kParallel, max_parallel_extent_);
  }
  if (max_vectorize_extent_ != -1) s.annotate(root_rv, kVectorize, max_vectorize_extent_);
  if (!unroll_max_steps_.empty() && !is_spatial_prim_func(func.node())) {
    std::vector<double> probs(unroll_max_steps_.size(), 1.0 / static_cast<double>(unroll_max_steps_.size()));
    lp::ExprRV max_step = s.sample_categorical(unroll_max_steps_, probs);
    s.annotate(root_rv, unroll_explicit_ ? kUnrollExplicit : kUnrollImplicit, max_step);
  }
  return out;
}

}  // namespace loom::rules
