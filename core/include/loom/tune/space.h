// Space generators (DESIGN.md "Tuning"): how a workload becomes a design space, a list of
// schedules whose traces hold sampling instructions (sample_perfect_tile,
// sample_categorical, sample_compute_location). A search strategy then draws candidates by
// replaying those traces with new decisions and mutating them.
//
// Three generators share that one representation, so manual schedules, AutoTVM-style
// templates and Ansor-style automatic spaces run through the same search:
// - PostOrderApply: every schedule rule on every block (Ansor / MetaSchedule);
// - ScheduleFnSpace: a schedule script, optionally with sample_* calls without decisions
//   (a template), or a fixed hand schedule (a space of one point);
// - UnionSpace: the concatenation of several generators' spaces.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "loom/ir/function.h"
#include "loom/sched/schedule.h"
#include "loom/sched/trace.h"

namespace loom::tune {

/// A schedule rule as the space generator calls it: the schedules the rule makes of `sch`
/// at `block`. `sch` must not be changed (a rule copies it); a rule that does not apply
/// returns {sch}. Rules are usually plugin components (host::ComponentInstance::apply_rule).
struct Rule {
  std::string name;
  std::function<std::vector<sched::Schedule>(const sched::Schedule& sch, const sched::BlockRV& block)> apply;
};

class SpaceGenerator {
 public:
  virtual ~SpaceGenerator() = default;
  /// The design space of `func`: one or more schedules of it (their traces are what
  /// matters), made with an RNG seeded by `seed`. Throws UserError when a rule or a script
  /// fails, naming the generator, the rule or script line and the block.
  virtual std::vector<sched::Schedule> generate(const ir::PrimFunc& func, int64_t seed) const = 0;
  /// A one-line description for logs and reports, e.g. "post-order-apply (6 rules)".
  virtual std::string describe() const = 0;
};

/// TVM's post-order-apply: the rules are applied one after another; each rule is applied
/// to every block of every schedule made so far, from the last block in program order to
/// the first (consumers before their producers), and a rule that returns several schedules
/// forks the space. A block a previous rule removed (inlined, say) is skipped; so is a
/// block annotated "schedule_rule" = "None". Blocks are the function's blocks other than
/// the root, in program order at the start.
class PostOrderApply : public SpaceGenerator {
 public:
  explicit PostOrderApply(std::vector<Rule> rules);
  std::vector<sched::Schedule> generate(const ir::PrimFunc& func, int64_t seed) const override;
  std::string describe() const override;

 private:
  std::vector<Rule> rules_;
};

/// A schedule script (loom/sched/schedule_script.h) as a space: the script applied to a
/// fresh schedule. Its sample_* calls without decision= make it a template.
class ScheduleFnSpace : public SpaceGenerator {
 public:
  /// `source_name` names the script in errors (a file name).
  ScheduleFnSpace(std::string script, std::string source_name);
  std::vector<sched::Schedule> generate(const ir::PrimFunc& func, int64_t seed) const override;
  std::string describe() const override;

 private:
  std::string script_;
  std::string source_name_;
};

/// The design spaces of several generators, concatenated in order.
class UnionSpace : public SpaceGenerator {
 public:
  explicit UnionSpace(std::vector<std::shared_ptr<const SpaceGenerator>> parts);
  std::vector<sched::Schedule> generate(const ir::PrimFunc& func, int64_t seed) const override;
  std::string describe() const override;

 private:
  std::vector<std::shared_ptr<const SpaceGenerator>> parts_;
};

/// A new point of a design space: `trace` replayed on a fresh schedule of `func` with every
/// sampling instruction sampled anew from an RNG seeded by `seed` (TVM's replay-trace). The
/// decisions are drawn from each instruction's own distribution, so every result is a valid
/// instance of the space. Throws the primitive's error when the replay fails (a sampled
/// tiling that a later primitive refuses, say); callers count and skip such draws.
sched::Schedule sample_from_trace(const ir::PrimFunc& func, const sched::Trace& trace, int64_t seed,
                                  sched::DebugMode debug = sched::DebugMode::Off);

}  // namespace loom::tune
