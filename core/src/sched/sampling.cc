// Sampling primitives: sample_categorical, sample_perfect_tile, sample_partitioned_tile.
// Each draws from the schedule's RNG unless a decision is given, and records the decision.
#include <numeric>

#include "families.h"
#include "fmt/format.h"
#include "loom/ir/builder.h"
#include "loom/ir/printer.h"
#include "loom/sched/schedule.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(NonConstantExtentError, "NonConstantExtent");

/// Every ordered factorization of `extent` into `n` positive factors (outermost first).
void factorizations(int64_t extent, int n, std::vector<int64_t>& prefix, std::vector<std::vector<int64_t>>& out) {
  if (n == 1) {
    prefix.push_back(extent);
    out.push_back(prefix);
    prefix.pop_back();
    return;
  }
  for (int64_t d = 1; d <= extent; ++d) {
    if (extent % d != 0) continue;
    prefix.push_back(d);
    factorizations(extent / d, n - 1, prefix, out);
    prefix.pop_back();
  }
}

int64_t constant_extent(const Schedule& sch, const LoopRV& loop, const char* primitive) {
  const ir::ForNode* f = sch.get(loop);
  auto extent = ir::as_const_int(f->extent);
  if (!extent)
    throw NonConstantExtentError(primitive, "loop {} has a non-constant extent {}", f->loop_var.name(),
                                 ir::to_string(f->extent));
  return *extent;
}

int64_t product(const std::vector<int64_t>& xs) {
  return std::accumulate(xs.begin(), xs.end(), int64_t{1}, std::multiplies<>());
}

std::string list_str(const std::vector<int64_t>& xs) {
  std::string s = "[";
  for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + std::to_string(xs[i]);
  return s + "]";
}

/// Picks uniformly among `candidates` (non-empty) or checks that `decision` is one of them.
std::vector<int64_t> choose_tiling(Schedule& sch, const std::vector<std::vector<int64_t>>& candidates,
                                   const std::optional<std::vector<int64_t>>& decision, const char* primitive,
                                   const std::string& rule) {
  if (decision) {
    for (const auto& c : candidates) {
      if (c == *decision) return c;
    }
    throw InvalidDecisionError(primitive, "decision {} is not a valid tiling: {}", list_str(*decision), rule);
  }
  return candidates[sch.rng().uniform_int(0, static_cast<int64_t>(candidates.size()))];
}

std::vector<ExprRV> make_exprs(Schedule& sch, const std::vector<int64_t>& values, std::vector<Value>* outputs) {
  std::vector<ExprRV> rvs;
  for (int64_t v : values) {
    rvs.push_back(sch.new_expr_rv(v));
    outputs->push_back(rvs.back());
  }
  return rvs;
}

}  // namespace

ExprRV Schedule::sample_categorical(const std::vector<int64_t>& candidates, const std::vector<double>& probs,
                                    std::optional<int64_t> decision) {
  const char* p = "sample_categorical";
  if (candidates.empty()) throw ScheduleError(p, "candidates is empty");
  if (candidates.size() != probs.size())
    throw ScheduleError(p, "{} candidates but {} probabilities", candidates.size(), probs.size());
  double total = 0;
  for (double x : probs) {
    if (!(x >= 0)) throw ScheduleError(p, "probability {} is negative or NaN", x);
    total += x;
  }
  if (total <= 0) throw ScheduleError(p, "probabilities sum to zero");
  int64_t index;
  if (decision) {
    if (*decision < 0 || *decision >= static_cast<int64_t>(candidates.size()))
      throw InvalidDecisionError(p, "decision {} is not an index into {} candidates", *decision, candidates.size());
    index = *decision;
  } else {
    index = rng_.categorical(probs);
  }
  ExprRV out = new_expr_rv(candidates[index]);
  std::vector<Value> cand, pr;
  for (int64_t c : candidates) cand.emplace_back(c);
  for (double x : probs) pr.emplace_back(x);
  record("SampleCategorical", {}, {Value(cand), Value(pr)}, {out}, Value(index));
  return out;
}

std::vector<ExprRV> Schedule::sample_perfect_tile(const LoopRV& loop, int n, int max_innermost_factor,
                                                  std::optional<std::vector<int64_t>> decision) {
  const char* p = "sample_perfect_tile";
  if (n < 1) throw ScheduleError(p, "n must be at least 1, got {}", n);
  int64_t extent = constant_extent(*this, loop, p);
  if (extent < 1) throw ScheduleError(p, "loop {} has extent {}", get(loop)->loop_var.name(), extent);
  std::vector<std::vector<int64_t>> all, ok;
  std::vector<int64_t> prefix;
  factorizations(extent, n, prefix, all);
  for (auto& f : all) {
    if (max_innermost_factor < 0 || f.back() <= max_innermost_factor) ok.push_back(std::move(f));
  }
  std::string rule =
      fmt::format("{} factors whose product is {} with the innermost at most {}", n, extent, max_innermost_factor);
  if (ok.empty()) throw ScheduleError(p, "no tiling satisfies: " + rule);
  std::vector<int64_t> chosen = choose_tiling(*this, ok, decision, p, rule);
  std::vector<Value> outputs;
  std::vector<ExprRV> rvs = make_exprs(*this, chosen, &outputs);
  record("SamplePerfectTile", {loop}, {Value(int64_t{n}), Value(int64_t{max_innermost_factor})}, outputs,
         detail::int_list(chosen));
  return rvs;
}

std::vector<ExprRV> Schedule::sample_partitioned_tile(const LoopRV& loop, int n, int partition_pos,
                                                      int innerpart_factor,
                                                      std::optional<std::vector<int64_t>> decision) {
  const char* p = "sample_partitioned_tile";
  if (n < 1) throw ScheduleError(p, "n must be at least 1, got {}", n);
  if (partition_pos < 0 || partition_pos >= n)
    throw ScheduleError(p, "partition_pos {} is not in [0, {})", partition_pos, n);
  if (innerpart_factor < 1) throw ScheduleError(p, "innerpart_factor must be positive, got {}", innerpart_factor);
  int64_t extent = constant_extent(*this, loop, p);
  std::vector<std::vector<int64_t>> all, ok;
  std::vector<int64_t> prefix;
  factorizations(extent, n, prefix, all);
  for (auto& f : all) {
    std::vector<int64_t> inner(f.begin() + partition_pos, f.end());
    if (product(inner) % innerpart_factor == 0) ok.push_back(std::move(f));
  }
  std::string rule = fmt::format(
      "{} factors whose product is {} and whose factors from position {} on multiply to a "
      "multiple of {}",
      n, extent, partition_pos, innerpart_factor);
  if (ok.empty()) throw ScheduleError(p, "no tiling satisfies: " + rule);
  std::vector<int64_t> chosen = choose_tiling(*this, ok, decision, p, rule);
  std::vector<Value> outputs;
  std::vector<ExprRV> rvs = make_exprs(*this, chosen, &outputs);
  record("SamplePartitionedTile", {loop},
         {Value(int64_t{n}), Value(int64_t{partition_pos}), Value(int64_t{innerpart_factor})}, outputs,
         detail::int_list(chosen));
  return rvs;
}

namespace detail {

namespace {
std::optional<std::vector<int64_t>> decision_list(const Value& d, const char* what) {
  if (d.is_none()) return std::nullopt;
  return as_int_list(d, what);
}
std::vector<Value> to_values(const std::vector<ExprRV>& rvs) { return {rvs.begin(), rvs.end()}; }
}  // namespace

void register_sampling_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add({"SampleCategorical",
         "sample_categorical",
         {{"candidates", Role::Attr, std::nullopt}, {"probs", Role::Attr, std::nullopt}},
         /*pure=*/true,
         /*sampling=*/true,
         /*list_output=*/false,
         [](Schedule& sch, const std::vector<Value>&, const std::vector<Value>& attrs, const Value& decision) {
           std::optional<int64_t> d;
           if (!decision.is_none()) d = as_int(decision, "decision");
           return std::vector<Value>{
               sch.sample_categorical(as_int_list(attrs.at(0), "candidates"), as_float_list(attrs.at(1), "probs"), d)};
         }});
  r.add({"SamplePerfectTile",
         "sample_perfect_tile",
         {{"loop", Role::Input, std::nullopt, ParamKind::Loop},
          {"n", Role::Attr, std::nullopt},
          {"max_innermost_factor", Role::Attr, Value(int64_t{16})}},
         true,
         true,
         true,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value& decision) {
           return to_values(sch.sample_perfect_tile(
               as_loop(inputs.at(0), "loop"), static_cast<int>(as_int(attrs.at(0), "n")),
               static_cast<int>(as_int(attrs.at(1), "max_innermost_factor")), decision_list(decision, "decision")));
         }});
  r.add({"SamplePartitionedTile",
         "sample_partitioned_tile",
         {{"loop", Role::Input, std::nullopt, ParamKind::Loop},
          {"n", Role::Attr, std::nullopt},
          {"partition_pos", Role::Attr, Value(int64_t{0})},
          {"innerpart_factor", Role::Attr, Value(int64_t{1})}},
         true,
         true,
         true,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value& decision) {
           return to_values(sch.sample_partitioned_tile(
               as_loop(inputs.at(0), "loop"), static_cast<int>(as_int(attrs.at(0), "n")),
               static_cast<int>(as_int(attrs.at(1), "partition_pos")),
               static_cast<int>(as_int(attrs.at(2), "innerpart_factor")), decision_list(decision, "decision")));
         }});
  r.add({kEnterPostprocKind,
         "enter_postproc",
         {},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>&, const std::vector<Value>&, const Value&) {
           sch.enter_postproc();
           return std::vector<Value>{};
         }});
}

}  // namespace detail
}  // namespace loom::sched
