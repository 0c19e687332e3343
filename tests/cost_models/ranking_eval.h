// The dataset of the ranking test (cost_models_test.cc): candidates of zoo workloads drawn
// from the default CPU design space as the tuner draws them (post-order-apply of the rules,
// a design's trace replayed with fresh decisions, the postprocessors), deduplicated,
// measured by the CPU runner (throughput = the workload's flops / the median time). The
// metrics and the split are tools/bench/ranking_metrics.h, shared with loom-eval-cost-model.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "../../tools/bench/ranking_metrics.h"
#include "loom/host/plugin_host.h"
#include "loom/ir/error.h"
#include "loom/ir/flops.h"
#include "loom/lower/lower.h"
#include "loom/tune/features.h"
#include "loom/tune/search.h"
#include "loom/tune/space.h"
#include "loom/workloads/zoo.h"

namespace loom::cost_models::testing {

using ranking::evaluate;
using ranking::Evaluation;
using ranking::kendall_tau;
using ranking::Quality;
using ranking::Sample;
using ranking::top_k_recall;

/// `count` distinct candidates of the zoo workload `name` at `shape`.
struct WorkloadSpec {
  std::string name;
  std::map<std::string, int64_t> shape;
  int count = 0;
};

/// What making a dataset took, per workload.
struct DatasetStats {
  int64_t designs = 0;          ///< schedules of the design space
  int64_t drawn = 0;            ///< points drawn
  int64_t replay_failed = 0;    ///< draws a primitive refused
  int64_t postproc_failed = 0;  ///< candidates a postprocessor dropped
  int64_t duplicates = 0;       ///< candidates equal to an earlier one
};

/// For every spec, `count` distinct candidates of the design space `rules` makes (a design
/// picked uniformly, its trace replayed with a fresh seed, finished by `postprocs`), measured
/// by `runner` in batches of `batch` candidates. Stops drawing after 20 * count draws, so a
/// small space gives fewer samples. `stats`, when given, receives one entry per spec.
inline std::vector<Sample> make_dataset(const host::ComponentInstance& runner, const std::vector<tune::Rule>& rules,
                                        const std::vector<tune::Postproc>& postprocs,
                                        const std::vector<WorkloadSpec>& specs, uint64_t seed, size_t batch = 64,
                                        std::vector<DatasetStats>* stats = nullptr) {
  std::vector<Sample> out;
  sched::RandomEngine rng(static_cast<int64_t>(seed));
  tune::PostOrderApply space_generator(rules);
  for (const WorkloadSpec& spec : specs) {
    ir::PrimFunc f = workloads::make_workload(spec.name, spec.shape);
    double flops = ir::estimate_flops(f);
    std::vector<sched::Schedule> space = space_generator.generate(f, rng.fork_seed());
    DatasetStats st;
    st.designs = static_cast<int64_t>(space.size());
    std::unordered_set<uint64_t> seen;
    std::vector<host::MeasureCandidate> candidates;
    size_t first = out.size();
    while (static_cast<int>(candidates.size()) < spec.count && st.drawn < 20 * int64_t{spec.count}) {
      ++st.drawn;
      const sched::Schedule& design = space[static_cast<size_t>(rng.uniform_int(0, st.designs))];
      std::optional<tune::Candidate> candidate;
      try {
        candidate = tune::finish_candidate(tune::sample_from_trace(f, design.trace(), rng.fork_seed()), postprocs);
      } catch (const UserError&) {
        ++st.replay_failed;
        continue;
      }
      if (!candidate) {
        ++st.postproc_failed;
        continue;
      }
      if (!seen.insert(candidate->hash).second) {
        ++st.duplicates;
        continue;
      }
      candidates.push_back({candidate->func, "", {}});
      out.push_back({spec.name, tune::featurize(candidate->func), 0.0});
    }
    for (size_t b = 0; b < candidates.size(); b += batch) {
      size_t e = std::min(candidates.size(), b + batch);
      std::vector<host::MeasureCandidate> part(candidates.begin() + static_cast<ptrdiff_t>(b),
                                               candidates.begin() + static_cast<ptrdiff_t>(e));
      std::vector<db::MeasureResult> records = runner.measure(part);
      for (size_t k = 0; k < records.size(); ++k) {
        double med = records[k].ok() ? records[k].median_secs() : 0.0;
        out[first + b + k].throughput = med > 0 ? (flops > 0 ? flops : 1.0) / med : 0.0;
      }
    }
    if (stats) stats->push_back(st);
  }
  return out;
}

}  // namespace loom::cost_models::testing
