// Traces: the record of a schedule's primitive calls with the decisions of its sampling
// instructions. A trace replays onto a fresh copy of the original module (with the same or
// changed decisions), serializes to JSON in TVM's shape and prints as a schedule script.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loom/ir/function.h"
#include "loom/sched/instruction.h"
#include "nlohmann/json_fwd.hpp"

namespace loom::sched {

class Trace {
 public:
  Trace() = default;

  const std::vector<Instruction>& instructions() const { return insts_; }
  size_t size() const { return insts_.size(); }
  /// Decisions of sampling instructions, by instruction index.
  const std::map<size_t, Value>& decisions() const { return decisions_; }
  std::optional<Value> decision_of(size_t inst_index) const;

  /// Appends an instruction (and its decision, for a sampling one).
  void append(Instruction inst, std::optional<Value> decision = std::nullopt);
  /// Drops the instructions from index `size` on, with their decisions (a no-op when the
  /// trace is not longer). Used to undo a call that failed after recording (Schedule::rollback).
  void truncate(size_t size);
  /// A copy with the decision of instruction `inst_index` replaced. Requires a sampling
  /// instruction (UserError otherwise).
  Trace with_decision(size_t inst_index, Value decision) const;

  /// The index of the EnterPostproc instruction (where postprocessing began), or size()
  /// when the trace has none. Instructions before it are the design-space part that
  /// mutators and replays change; the rest is what postprocessors added.
  size_t postproc_start() const;
  /// The instructions before postproc_start(), with their decisions.
  Trace before_postproc() const;

  /// Applies the trace to `sch` (normally a fresh schedule of the original module): every
  /// instruction is applied through its kind with this trace's decisions, or with the
  /// decision `decide(inst_index, old_decision)` returns when given. The schedule records a
  /// new trace as it goes. An invalid decision or a failing primitive throws the
  /// primitive's ScheduleError, naming the instruction.
  using DecisionFn = std::function<Value(size_t inst_index, const Value& old_decision)>;
  void apply_to(Schedule& sch, const DecisionFn& decide = nullptr) const;

  /// Drops instructions whose outputs nobody uses, transitively, among the pure ones
  /// (queries and sampling); instructions that change the IR are always kept, and so is
  /// the sampling that feeds them.
  Trace simplify() const;

  /// TVM's JSON shape: [[[kind, inputs, attrs, outputs], ...], [[inst_index, decision], ...]]
  /// where random variables are named "b0", "l1", "v2" (block, loop, expr) in order of
  /// definition.
  nlohmann::json to_json() const;
  /// Reads the JSON shape above; throws UserError naming the instruction and the problem.
  static Trace from_json(const nlohmann::json& json);

  /// The schedule script, one `sch.<primitive>(...)` line per instruction.
  std::string as_python() const;

 private:
  std::vector<Instruction> insts_;
  std::map<size_t, Value> decisions_;
};

}  // namespace loom::sched
