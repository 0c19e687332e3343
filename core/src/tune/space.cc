#include "loom/tune/space.h"

#include <fmt/format.h>

#include "loom/ir/error.h"
#include "loom/ir/visitor.h"
#include "loom/sched/schedule_script.h"

namespace loom::tune {
namespace {

// The names of the function's blocks other than the root, in program order (pre-order).
std::vector<std::string> block_names(const ir::PrimFunc& func) {
  struct Collector : ir::IRVisitor {
    std::vector<std::string> names;
    bool seen_root = false;
    void visit(const ir::BlockNode* op) override {
      if (seen_root) {
        names.push_back(op->name);
      } else {
        seen_root = true;
      }
      ir::IRVisitor::visit(op);
    }
  } collector;
  collector.visit_stmt(func->body);
  return collector.names;
}

bool skips_rules(const ir::Block& block) {
  auto it = block->annotations.find("schedule_rule");
  if (it == block->annotations.end()) return false;
  const auto* text = std::get_if<std::string>(&it->second.value);
  return text != nullptr && *text == "None";
}

}  // namespace

PostOrderApply::PostOrderApply(std::vector<Rule> rules) : rules_(std::move(rules)) {}

std::string PostOrderApply::describe() const {
  std::string names;
  for (const Rule& r : rules_) names += (names.empty() ? "" : ", ") + r.name;
  return fmt::format("post-order-apply ({} rule{}: {})", rules_.size(), rules_.size() == 1 ? "" : "s", names);
}

std::vector<sched::Schedule> PostOrderApply::generate(const ir::PrimFunc& func, int64_t seed) const {
  sched::Schedule start(func, seed);
  std::vector<sched::BlockRV> blocks;
  for (const std::string& name : block_names(func)) blocks.push_back(start.get_block(name));

  // One pending state: a schedule and the blocks (by RV) still to visit for the current rule.
  struct State {
    sched::Schedule sch;
    std::vector<sched::BlockRV> todo;
  };
  std::vector<sched::Schedule> result{start};
  for (const Rule& rule : rules_) {
    std::vector<State> stack;
    for (sched::Schedule& sch : result) stack.push_back({std::move(sch), blocks});
    result.clear();
    while (!stack.empty()) {
      State state = std::move(stack.back());
      stack.pop_back();
      if (state.todo.empty()) {
        result.push_back(std::move(state.sch));
        continue;
      }
      sched::BlockRV block = state.todo.back();
      state.todo.pop_back();
      if (!state.sch.is_valid(block) || skips_rules(state.sch.get(block))) {
        stack.push_back(std::move(state));
        continue;
      }
      std::vector<sched::Schedule> applied;
      try {
        applied = rule.apply(state.sch, block);
      } catch (const std::exception& e) {
        throw UserError(fmt::format("post-order-apply: rule {} failed on block {}: {}", rule.name,
                                    state.sch.get(block)->name, e.what()));
      }
      for (sched::Schedule& s : applied) stack.push_back({std::move(s), state.todo});
    }
  }
  return result;
}

ScheduleFnSpace::ScheduleFnSpace(std::string script, std::string source_name)
    : script_(std::move(script)), source_name_(std::move(source_name)) {}

std::string ScheduleFnSpace::describe() const { return fmt::format("schedule function {}", source_name_); }

std::vector<sched::Schedule> ScheduleFnSpace::generate(const ir::PrimFunc& func, int64_t seed) const {
  sched::Schedule sch(func, seed);
  sched::apply_schedule_script(sch, script_, source_name_);
  return {sch};
}

UnionSpace::UnionSpace(std::vector<std::shared_ptr<const SpaceGenerator>> parts) : parts_(std::move(parts)) {}

std::string UnionSpace::describe() const {
  std::string text = "union of";
  for (size_t i = 0; i < parts_.size(); ++i) text += (i == 0 ? " " : " + ") + parts_[i]->describe();
  return text;
}

std::vector<sched::Schedule> UnionSpace::generate(const ir::PrimFunc& func, int64_t seed) const {
  std::vector<sched::Schedule> all;
  for (size_t i = 0; i < parts_.size(); ++i) {
    // Each part gets its own seed so adding a part does not change the others' spaces.
    for (sched::Schedule& s : parts_[i]->generate(func, seed + static_cast<int64_t>(i) * 7919)) {
      all.push_back(std::move(s));
    }
  }
  return all;
}

sched::Schedule sample_from_trace(const ir::PrimFunc& func, const sched::Trace& trace, int64_t seed,
                                  sched::DebugMode debug) {
  sched::Schedule sch(func, seed, debug);
  trace.apply_to(sch, [](size_t, const sched::Value&) { return sched::Value(); });
  return sch;
}

}  // namespace loom::tune
