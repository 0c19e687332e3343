#include "loom/tune/search.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <unordered_set>

#include "loom/ir/error.h"
#include "loom/ir/structural_equal.h"
#include "loom/lower/lower.h"
#include "loom/sched/error.h"
#include "loom/tune/features.h"

namespace loom::tune {
namespace {

// A seed for draw `i` of batch `batch` (splitmix64 of the three).
int64_t derive_seed(int64_t seed, uint64_t batch, uint64_t i) {
  uint64_t z = static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ULL + batch * 0xBF58476D1CE4E5B9ULL + i + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return static_cast<int64_t>((z ^ (z >> 31)) & 0x3FFFFFFFFFFFFFFFULL);
}

template <typename F>
void parallel_for(size_t n, int threads, F&& f) {
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] { tbb::parallel_for(size_t{0}, n, [&](size_t i) { f(i); }); });
}

class Timer {
 public:
  explicit Timer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
  ~Timer() { total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  double& total_;
  std::chrono::steady_clock::time_point start_;
};

// What every strategy shares: the context, the deduplication set, the batch counter, and
// drawing candidates in parallel.
class StrategyBase : public SearchStrategy {
 public:
  explicit StrategyBase(TaskContext context) : ctx_(std::move(context)) {}

 protected:
  // A candidate nobody proposed or measured before (and marks it proposed).
  bool take_if_fresh(const Candidate& c) {
    if (!proposed_.insert(c.hash).second ||
        (ctx_.database != nullptr && ctx_.database->has_candidate(ctx_.workload, c.hash))) {
      ++stats_.duplicates;
      return false;
    }
    return true;
  }

  // Draws up to n fresh candidates with `make(seed)` (nullopt: the draw failed), in rounds
  // of parallel draws, stopping after `max_fail` rounds that gave nothing new.
  std::vector<Candidate> draw(size_t n, int max_fail,
                              const std::function<std::optional<sched::Schedule>(int64_t seed)>& make) {
    std::vector<Candidate> out;
    int fails = 0;
    while (out.size() < n && fails < max_fail) {
      const size_t want = n - out.size();
      const uint64_t round = rounds_++;
      std::vector<std::optional<Candidate>> slots(want);
      std::vector<char> replay_failed(want, 0);
      parallel_for(want, ctx_.threads, [&](size_t i) {
        std::optional<sched::Schedule> sch;
        try {
          sch = make(derive_seed(ctx_.seed, round, i));
        } catch (const UserError&) {
          sch.reset();
        }
        if (!sch) {
          replay_failed[i] = 1;
          return;
        }
        slots[i] = finish_candidate(std::move(*sch), ctx_.postprocs);
      });
      size_t added = 0;
      for (size_t i = 0; i < want; ++i) {
        ++stats_.sampled;
        if (replay_failed[i]) {
          ++stats_.replay_failed;
          continue;
        }
        if (!slots[i]) {
          ++stats_.postproc_failed;
          continue;
        }
        if (!take_if_fresh(*slots[i])) continue;
        out.push_back(std::move(*slots[i]));
        ++added;
      }
      fails = added == 0 ? fails + 1 : 0;
    }
    return out;
  }

  // The design space's traces (generated once, without their postprocessing part).
  const std::vector<sched::Trace>& space() {
    if (space_.empty()) {
      for (const sched::Schedule& s : ctx_.generator->generate(ctx_.func, ctx_.seed)) {
        space_.push_back(s.trace().before_postproc());
      }
      if (space_.empty()) throw UserError(fmt::format("{}: the design space is empty", ctx_.generator->describe()));
    }
    return space_;
  }

  // A point of the space drawn with `seed`.
  std::optional<sched::Schedule> sample_space(int64_t seed) {
    const auto& traces = space();
    sched::RandomEngine rng(seed);
    const sched::Trace& trace = traces[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(traces.size())))];
    return sample_from_trace(ctx_.func, trace, rng.fork_seed());
  }

  TaskContext ctx_;
  std::unordered_set<uint64_t> proposed_;
  uint64_t rounds_ = 0;
  std::vector<sched::Trace> space_;
};

// TVM's ReplayTrace / ReplayFunc max_fail_count: draw rounds that give nothing new before a
// replay strategy gives up. Spaces whose postprocessors drop most candidates (a GPU space
// under verify_gpu_code) need many rounds.
constexpr int kReplayMaxFailCount = 100;

class ReplayTrace : public StrategyBase {
 public:
  using StrategyBase::StrategyBase;
  std::string name() const override { return "replay-trace"; }
  std::vector<Candidate> next_batch(size_t n) override {
    Timer timer(stats_.seconds);
    space();  // generated once, outside the parallel draws
    return draw(n, kReplayMaxFailCount, [&](int64_t seed) { return sample_space(seed); });
  }
};

class ReplayFunc : public StrategyBase {
 public:
  using StrategyBase::StrategyBase;
  std::string name() const override { return "replay-func"; }
  std::vector<Candidate> next_batch(size_t n) override {
    Timer timer(stats_.seconds);
    return draw(n, kReplayMaxFailCount, [&](int64_t seed) -> std::optional<sched::Schedule> {
      std::vector<sched::Schedule> space = ctx_.generator->generate(ctx_.func, seed);
      if (space.empty()) return std::nullopt;
      sched::RandomEngine rng(seed);
      return space[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(space.size())))];
    });
  }
};

class Evolutionary : public StrategyBase {
 public:
  Evolutionary(TaskContext context, EvolutionaryOptions config) : StrategyBase(std::move(context)), cfg_(config) {
    double total = 0;
    for (const Mutator& m : ctx_.mutators) total += std::max(0.0, m.probability);
    mutator_total_ = total;
  }
  std::string name() const override { return "evolutionary"; }

  std::vector<Candidate> next_batch(size_t n) override {
    Timer timer(stats_.seconds);
    space();
    const uint64_t batch = batches_++;
    const size_t pop_size = static_cast<size_t>(std::max<int64_t>(1, cfg_.population_size));

    // 1. The best measured candidates, replayed from their records (parents only).
    std::vector<Candidate> population;
    if (ctx_.database != nullptr) {
      size_t k = static_cast<size_t>(static_cast<double>(pop_size) * cfg_.init_measured_ratio);
      for (const db::TuningRecord& r : ctx_.database->get_top_k(ctx_.workload, k)) {
        try {
          sched::Schedule sch(ctx_.func, derive_seed(ctx_.seed, batch, population.size()));
          r.trace.apply_to(sch);
          ir::PrimFunc f = sch.mod().at(sch.default_func());
          population.push_back({std::move(sch), f, ir::structural_hash(f), {}});
        } catch (const UserError&) {
          ++stats_.replay_failed;
        }
      }
    }
    // 2. Fresh samples of the space (the ε part of the batch comes from them).
    const size_t fresh_count = std::max(pop_size > population.size() ? pop_size - population.size() : 0,
                                        static_cast<size_t>(std::max<int64_t>(0, cfg_.init_min_unmeasured)));
    std::vector<Candidate> fresh =
        draw(fresh_count, static_cast<int>(cfg_.max_fail_count), [&](int64_t seed) { return sample_space(seed); });
    for (const Candidate& c : fresh) population.push_back(c);
    if (population.empty()) return {};

    // 3. Evolve: score, pick parents by score, mutate; keep the best unmeasured ones seen.
    std::vector<Candidate> pool = fresh;  // proposals: every fresh or mutated candidate
    std::vector<double> pool_scores = score(pool);
    for (int64_t iter = 0; iter < cfg_.genetic_num_iters && !ctx_.mutators.empty(); ++iter) {
      std::vector<double> weights = score(population);
      normalize(weights);
      std::vector<std::optional<Candidate>> children(pop_size);
      const uint64_t round = rounds_++;
      parallel_for(pop_size, ctx_.threads, [&](size_t i) {
        sched::RandomEngine rng(derive_seed(ctx_.seed, round, i));
        children[i] = evolve_one(population, weights, rng);
      });
      std::vector<Candidate> next;
      std::vector<Candidate> new_ones;
      for (auto& child : children) {
        ++stats_.mutated;
        if (!child) {
          ++stats_.mutate_failed;
          continue;
        }
        if (proposed_.count(child->hash) == 0 &&
            (ctx_.database == nullptr || !ctx_.database->has_candidate(ctx_.workload, child->hash))) {
          proposed_.insert(child->hash);
          new_ones.push_back(*child);
        }
        next.push_back(std::move(*child));
      }
      std::vector<double> new_scores = score(new_ones);
      for (size_t i = 0; i < new_ones.size(); ++i) {
        pool.push_back(std::move(new_ones[i]));
        pool_scores.push_back(new_scores[i]);
      }
      if (!next.empty()) population = std::move(next);
    }

    // 4. The batch: the best-scored proposals, with ε of it drawn at random from the fresh samples.
    std::vector<size_t> order(pool.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return pool_scores[a] > pool_scores[b]; });
    const size_t n_random = std::min(n, static_cast<size_t>(std::lround(static_cast<double>(n) * cfg_.eps_greedy)));
    std::vector<char> taken(pool.size(), 0);
    std::vector<Candidate> out;
    for (size_t idx : order) {
      if (out.size() + n_random >= n) break;
      taken[idx] = 1;
      out.push_back(pool[idx]);
    }
    sched::RandomEngine rng(derive_seed(ctx_.seed, batch, 0xE5));
    std::vector<size_t> fresh_idx;
    for (size_t i = 0; i < fresh.size(); ++i) {
      if (!taken[i]) fresh_idx.push_back(i);  // fresh candidates are pool[0 .. fresh.size())
    }
    while (out.size() < n && !fresh_idx.empty()) {
      size_t pick = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(fresh_idx.size())));
      out.push_back(pool[fresh_idx[pick]]);
      taken[fresh_idx[pick]] = 1;
      fresh_idx.erase(fresh_idx.begin() + static_cast<std::ptrdiff_t>(pick));
    }
    // Proposals not picked may be proposed again later.
    for (size_t i = 0; i < pool.size(); ++i) {
      if (!taken[i]) proposed_.erase(pool[i].hash);
    }
    return out;
  }

 private:
  // Scores with the cost model (random when there is none); fills the features.
  std::vector<double> score(std::vector<Candidate>& cands) {
    std::vector<double> scores(cands.size(), 0.0);
    if (cands.empty()) return scores;
    if (ctx_.cost_model == nullptr) {
      sched::RandomEngine rng(derive_seed(ctx_.seed, rounds_++, 0x5C));
      for (double& s : scores) s = rng.uniform_real();
      return scores;
    }
    parallel_for(cands.size(), ctx_.threads, [&](size_t i) {
      if (cands[i].features.empty()) cands[i].features = featurize(cands[i].func);
    });
    std::vector<FeatureRows> features;
    features.reserve(cands.size());
    for (const Candidate& c : cands) features.push_back(c.features);
    scores = ctx_.cost_model->predict(features);
    stats_.scored += static_cast<int64_t>(cands.size());
    return scores;
  }

  static void normalize(std::vector<double>& w) {
    double lo = *std::min_element(w.begin(), w.end());
    double sum = 0;
    for (double& x : w) {
      x = x - lo + 1e-6;
      sum += x;
    }
    for (double& x : w) x /= sum;
  }

  // One child: a parent picked by weight, mutated with genetic_mutate_prob (retrying up to
  // genetic_max_fail_count times), else the parent itself.
  std::optional<Candidate> evolve_one(const std::vector<Candidate>& population, const std::vector<double>& weights,
                                      sched::RandomEngine& rng) const {
    double r = rng.uniform_real();
    size_t parent = 0;
    for (double acc = 0; parent + 1 < weights.size(); ++parent) {
      acc += weights[parent];
      if (r < acc) break;
    }
    const Candidate& p = population[parent];
    if (rng.uniform_real() >= cfg_.genetic_mutate_prob || mutator_total_ <= 0) return p;
    for (int64_t attempt = 0; attempt < std::max<int64_t>(1, cfg_.genetic_max_fail_count); ++attempt) {
      const Mutator* m = pick_mutator(rng);
      if (m == nullptr) return std::nullopt;
      try {
        std::optional<sched::Trace> mutated = m->apply(p.sch.trace().before_postproc(), p.sch.original_mod(), rng);
        if (!mutated) continue;
        sched::Schedule sch(ctx_.func, rng.fork_seed());
        mutated->apply_to(sch);
        if (auto c = finish_candidate(std::move(sch), ctx_.postprocs)) return c;
      } catch (const UserError&) {
        continue;
      }
    }
    return std::nullopt;
  }

  const Mutator* pick_mutator(sched::RandomEngine& rng) const {
    double r = rng.uniform_real() * mutator_total_;
    for (const Mutator& m : ctx_.mutators) {
      r -= std::max(0.0, m.probability);
      if (r < 0) return &m;
    }
    return ctx_.mutators.empty() ? nullptr : &ctx_.mutators.back();
  }

  EvolutionaryOptions cfg_;
  double mutator_total_ = 0;
  uint64_t batches_ = 0;
};

}  // namespace

std::optional<Candidate> finish_candidate(sched::Schedule sch, const std::vector<Postproc>& postprocs) {
  try {
    sch.enter_postproc();
    for (const Postproc& p : postprocs) {
      if (!p.apply(sch)) return std::nullopt;
    }
  } catch (const UserError&) {
    return std::nullopt;
  }
  ir::PrimFunc func = sch.mod().at(sch.default_func());
  uint64_t hash = ir::structural_hash(func);
  return Candidate{std::move(sch), std::move(func), hash, {}};
}

std::unique_ptr<SearchStrategy> make_search_strategy(const SearchOptions& options, TaskContext context) {
  if (!context.generator) throw UserError("search: no space generator");
  if (options.strategy == "replay-trace") return std::make_unique<ReplayTrace>(std::move(context));
  if (options.strategy == "replay-func") return std::make_unique<ReplayFunc>(std::move(context));
  if (options.strategy == "evolutionary")
    return std::make_unique<Evolutionary>(std::move(context), options.evolutionary);
  throw UserError(
      fmt::format("unknown search strategy '{}' (replay-trace, replay-func, evolutionary)", options.strategy));
}

}  // namespace loom::tune
